// Bundled by test/state/bundle.test.ts exactly as the functions are bundled, then run in a child
// node process against the local Tablestore. It goes through the same path a handler takes:
// environment → createStoreFromEnv (the CLI's; the handlers build the same Tablestore store) → conditional writes and a range read. Prints one JSON line.

import { createStoreFromEnv, tablestoreConfigFromEnv } from '../../src/cli/store-access';
import { ConflictError } from '../../src/errors';
import { emptyState } from '../../src/ports/state-store';
import { ensureTables } from '../../src/state/index';

async function main(): Promise<void> {
  await ensureTables(tablestoreConfigFromEnv(process.env));
  const store = createStoreFromEnv(process.env);

  const created = await store.putState({ ...emptyState('i-bundle'), lastTarget: 10 }, 0);
  const updated = await store.putState({ ...created, lastTarget: 20 }, created.version);
  let staleWrite = 'written';
  try {
    await store.putState({ ...created, lastTarget: 30 }, created.version);
  } catch (error) {
    staleWrite = error instanceof ConflictError ? 'conflict' : String(error);
  }
  const listed = await store.listStates(0, 1);

  console.log(JSON.stringify({ created: created.version, updated: updated.version, staleWrite, listed }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
