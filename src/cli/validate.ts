// `bwscaler validate FILE...`: checks policy files the way the handlers will load them.
// Exit codes: 0 every file is valid, 1 some file is invalid, 2 usage error or an unreadable file.
import { ConfigError, ValidationError } from '../errors';
import { loadPolicyFile } from '../policy/load';

const USAGE = 'usage: bwscaler validate FILE...';

export async function run(args: string[]): Promise<number> {
  if (args.length === 0 || args.some((arg) => arg.startsWith('-'))) {
    console.error(USAGE);
    return 2;
  }
  let exitCode = 0;
  for (const file of args) {
    try {
      const doc = await loadPolicyFile(file);
      const count = doc.policies.length;
      console.log(`${file}: ok (${count} ${count === 1 ? 'policy' : 'policies'})`);
    } catch (error) {
      if (error instanceof ValidationError) {
        for (const issue of error.issues) console.error(`${file}: ${issue}`);
        exitCode = Math.max(exitCode, 1);
      } else if (error instanceof ConfigError) {
        console.error(error.message);
        exitCode = 2;
      } else {
        throw error;
      }
    }
  }
  return exitCode;
}
