// The state stores: Tablestore for the functions, memory for local runs. Which one a command opens
// from its environment is the CLI's business (src/cli/store-access.ts), not the store's.

export { createMemoryStore } from './memory';
export { ensureTables } from './tables';
export { createTablestoreStore } from './tablestore';

/** BWSCALER_OTS_ENDPOINT's value for the in-memory store: local runs only, it forgets everything when the process ends. */
export const MEMORY_ENDPOINT = 'memory:';
