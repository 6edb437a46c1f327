// `bwscaler validate FILE...`: checks policy files the way the handlers will load them.
// Exit codes: 0 every file is valid, 1 some file is invalid, 2 usage error or an unreadable file.
import { ConfigError, ValidationError } from '../errors';
import { loadPolicyFile } from '../policy/load';
import { type CommandIo, type Env, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, printJson, processIo, readArgs, runCommand, UsageError } from './command';

const USAGE = `usage: bwscaler validate FILE... [--json]

Checks policy files (YAML or JSON) the way the functions load them: every problem of a file is
listed with its path in the file and what was expected ("did you mean" for a misspelt key).

  --json  one JSON document: per file, ok, the policy names and the issues

exit codes: 0 every file is valid, 1 some file is invalid, 2 usage error or an unreadable file`;

export interface FileVerdict {
  file: string;
  ok: boolean;
  policies: string[];
  issues: string[];
  /** The file could not be read (a usage-class problem, exit 2), as opposed to read and found invalid. */
  unreadable?: boolean;
}

export async function run(args: string[], _env: Env = process.env, io: CommandIo = processIo): Promise<number> {
  return runCommand('validate', USAGE, io, async (out) => {
    const { flags, positionals } = readArgs(args, { json: { type: 'boolean' } });
    if (flags.help) {
      out.print(USAGE);
      return EXIT_OK;
    }
    if (positionals.length === 0) throw new UsageError('expected at least one policy FILE');
    const verdicts: FileVerdict[] = [];
    for (const file of positionals) verdicts.push(await check(file));
    if (flags.json) printJson(out, { files: verdicts });
    else {
      for (const verdict of verdicts) {
        if (verdict.ok) {
          const count = verdict.policies.length;
          out.print(`${verdict.file}: ok (${count} ${count === 1 ? 'policy' : 'policies'})`);
        } else for (const issue of verdict.issues) io.stderr.write(`${verdict.file}: ${issue}\n`);
      }
    }
    if (verdicts.some((verdict) => verdict.unreadable)) return EXIT_USAGE;
    return verdicts.every((verdict) => verdict.ok) ? EXIT_OK : EXIT_FAILURE;
  });
}

async function check(file: string): Promise<FileVerdict> {
  try {
    const doc = await loadPolicyFile(file);
    return { file, ok: true, policies: doc.policies.map((policy) => policy.name), issues: [] };
  } catch (error) {
    if (error instanceof ValidationError) return { file, ok: false, policies: [], issues: error.issues };
    if (error instanceof ConfigError) return { file, ok: false, policies: [], issues: [error.message], unreadable: true };
    throw error;
  }
}
