// `bwscaler schema`: prints the policy file's JSON Schema (the committed schema/policy.schema.json
// is this output; regenerate it with `node bin/bwscaler.mjs schema > schema/policy.schema.json`).
import { policyJsonSchema } from '../policy/schema';

export function renderPolicyJsonSchema(): string {
  return `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
}

export async function run(args: string[]): Promise<number> {
  if (args.length > 0) {
    console.error('usage: bwscaler schema');
    return 2;
  }
  process.stdout.write(renderPolicyJsonSchema());
  return 0;
}
