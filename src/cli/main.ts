// The `bwscaler` command. Each subcommand lives in its own module and is loaded on demand, so that
// `bwscaler validate` does not pay for the local cloud or the SDKs.
//
//   bwscaler                      the command list, exit 2 (a command is required)
//   bwscaler --help | help        the command list, exit 0
//   bwscaler help CMD             CMD's full help (the same as `bwscaler CMD --help`), exit 0
//   bwscaler --version | -V       the package version, exit 0
import { readFileSync } from 'node:fs';

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {};

export function registerCommand(name: string, summary: string, load: () => Promise<Command>): void {
  commands[name] = { summary, load };
}

export function commandNames(): string[] {
  return Object.keys(commands);
}

function usage(): string {
  const rows = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(16)} ${c.summary}`);
  return [
    'usage: bwscaler <command> [options]',
    '',
    'commands:',
    ...rows,
    '',
    '`bwscaler help COMMAND` or `bwscaler COMMAND --help` shows the options of a command;',
    '`bwscaler --version` prints the version. Exit codes: 0 done, 1 failed or nothing found, 2 usage or configuration.',
  ].join('\n');
}

/** The version in package.json (the CLI runs from a checkout, so the file is always beside it). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

export async function main(argv: string[]): Promise<number> {
  await import('./commands');
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    console.log(`bwscaler ${version()}`);
    return 0;
  }
  if (name === 'help' && rest.length > 0) {
    const [topic] = rest;
    const command = commands[topic as string];
    if (!command) {
      console.error(`bwscaler help: unknown command "${topic}"\n\n${usage()}`);
      return 2;
    }
    return (await command.load())(['--help']);
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    // Without a command, the list goes to stderr: a script that forgot its command reads nothing.
    if (!name) console.error(usage());
    else console.log(usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`bwscaler: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return (await command.load())(rest);
}
