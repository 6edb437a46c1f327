import { afterAll, beforeAll } from 'vitest';
import { ensureTables } from '../../src/state/tables';
import { createTablestoreStore } from '../../src/state/tablestore';
import { runStateStoreContract } from './contract';
import { type OtsCloud, startOtsCloud } from './local-cloud';

let local: OtsCloud;
let harnesses = 0;

beforeAll(async () => {
  local = await startOtsCloud();
});

afterAll(async () => {
  await local?.close();
});

// Each case gets its own tables, so listStates sees only that case's rows. A small page size makes
// every range read of more than 50 rows follow next_start_primary_key.
runStateStoreContract(
  'Tablestore adapter against the local Tablestore',
  async () => {
    const n = ++harnesses;
    const tables = { state: `c${n}_state`, history: `c${n}_history`, events: `c${n}_events` };
    await ensureTables(local.config(), { tables });
    return {
      store: createTablestoreStore(local.config({ tables, rangeLimit: 50 })),
      async advance(seconds) {
        await local.cloud.clock.advance(seconds);
      },
    };
  },
  { propertyRuns: 15, retryingWriters: 15 },
);
