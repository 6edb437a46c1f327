// `bwscaler init-tables`: creates the Tablestore tables the functions use; safe to run twice.
// Reads the same environment variables as the functions (src/cli/store-access.ts).
import { parseArgs } from 'node:util';
import { BwscalerError, ConfigError } from '../errors';
import { MEMORY_ENDPOINT } from '../state/index';
import { DEFAULT_HISTORY_TTL_SECONDS } from '../state/rules';
import { ensureTables } from '../state/tables';
import { tablestoreConfigFromEnv } from './store-access';

const USAGE = `usage: bwscaler init-tables [--history-ttl-days N]

Creates bwscaler_state, bwscaler_history (time-to-live: --history-ttl-days, default ${DEFAULT_HISTORY_TTL_SECONDS / 86_400})
bwscaler_events and bwscaler_control if they are missing. Existing tables are left as they are.

environment: BWSCALER_OTS_ENDPOINT, BWSCALER_OTS_INSTANCE, ALIBABA_CLOUD_ACCESS_KEY_ID,
             ALIBABA_CLOUD_ACCESS_KEY_SECRET, ALIBABA_CLOUD_SECURITY_TOKEN (STS only)`;

/** Exit codes: 0 done, 1 Tablestore refused or failed, 2 bad arguments or configuration. */
export async function run(args: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  let historyTtlSeconds: number;
  try {
    const { values } = parseArgs({
      args,
      options: { 'history-ttl-days': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    historyTtlSeconds = historyTtl(values['history-ttl-days']);
  } catch (error) {
    console.error(`bwscaler init-tables: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }

  if (env.BWSCALER_OTS_ENDPOINT?.trim() === MEMORY_ENDPOINT) {
    console.log(`BWSCALER_OTS_ENDPOINT is ${MEMORY_ENDPOINT}: the in-memory store needs no tables`);
    return 0;
  }
  try {
    const config = tablestoreConfigFromEnv(env);
    for (const { table, outcome } of await ensureTables(config, { historyTtlSeconds })) {
      console.log(`${table}: ${outcome}`);
    }
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`bwscaler init-tables: ${error.message}`);
      return 2;
    }
    if (error instanceof BwscalerError) {
      console.error(`bwscaler init-tables: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

function historyTtl(days: string | undefined): number {
  if (days === undefined) return DEFAULT_HISTORY_TTL_SECONDS;
  const value = Number(days);
  // Tablestore refuses a time-to-live under one day (86400 s); whole days keep it simple.
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(`--history-ttl-days must be a whole number of days >= 1, got "${days}"`);
  }
  return value * 86_400;
}
