import { createMemoryStore } from '../../src/state/memory';
import { runStateStoreContract } from './contract';

runStateStoreContract('memory', async () => {
  let now = Date.UTC(2026, 0, 1);
  return {
    store: createMemoryStore({ now: () => now }),
    async advance(seconds) {
      now += seconds * 1000;
    },
  };
});
