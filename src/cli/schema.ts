// `bwscaler schema`: prints the policy file's JSON Schema (the committed schema/policy.schema.json
// is this output; regenerate it with `node bin/bwscaler.mjs schema > schema/policy.schema.json`).
import { policyJsonSchema } from '../policy/schema';
import { type CommandIo, type Env, EXIT_OK, processIo, readFlags, runCommand } from './command';

const USAGE = `usage: bwscaler schema [--json]

Prints the JSON Schema (draft 2020-12) of the policy file, for editors that complete and check YAML
(examples/policy.yaml names it on its first line). The output is JSON already; --json is accepted
so that every command takes it.`;

export function renderPolicyJsonSchema(): string {
  return `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
}

export async function run(args: string[], _env: Env = process.env, io: CommandIo = processIo): Promise<number> {
  return runCommand('schema', USAGE, io, async (out) => {
    const flags = readFlags(args, { json: { type: 'boolean' } });
    if (flags.help) {
      out.print(USAGE);
      return EXIT_OK;
    }
    io.stdout.write(renderPolicyJsonSchema());
    return EXIT_OK;
  });
}
