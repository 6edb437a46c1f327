// `bwscaler init-tables`: creates the Tablestore tables the functions use; safe to run twice.
// Reads the same environment variables as the functions (src/cli/store-access.ts).
import { ConfigError } from '../errors';
import { MEMORY_ENDPOINT } from '../state/index';
import { DEFAULT_HISTORY_TTL_SECONDS } from '../state/rules';
import { ensureTables } from '../state/tables';
import { type CommandIo, type Env, EXIT_OK, printJson, processIo, readFlags, runCommand } from './command';
import { tablestoreConfigFromEnv } from './store-access';

const USAGE = `usage: bwscaler init-tables [--history-ttl-days N] [--json]

Creates bwscaler_state, bwscaler_history (time-to-live: --history-ttl-days, default ${DEFAULT_HISTORY_TTL_SECONDS / 86_400})
bwscaler_events and bwscaler_control if they are missing. Existing tables are left as they are.

  --history-ttl-days N  days the history keeps a decision (whole days, at least 1)
  --json                JSON ({"tables": [{"table", "outcome"}]}) instead of lines

environment: BWSCALER_OTS_ENDPOINT, BWSCALER_OTS_INSTANCE, ALIBABA_CLOUD_ACCESS_KEY_ID,
             ALIBABA_CLOUD_ACCESS_KEY_SECRET, ALIBABA_CLOUD_SECURITY_TOKEN (STS only)

exit codes: 0 done, 1 Tablestore refused or failed, 2 bad arguments or configuration`;

export async function run(args: string[], env: Env = process.env, io: CommandIo = processIo): Promise<number> {
  return runCommand('init-tables', USAGE, io, async (out) => {
    const flags = readFlags(args, { 'history-ttl-days': { type: 'string' }, json: { type: 'boolean' } });
    if (flags.help) {
      out.print(USAGE);
      return EXIT_OK;
    }
    const historyTtlSeconds = historyTtl(flags['history-ttl-days']);
    if (env.BWSCALER_OTS_ENDPOINT?.trim() === MEMORY_ENDPOINT) {
      const note = `BWSCALER_OTS_ENDPOINT is ${MEMORY_ENDPOINT}: the in-memory store needs no tables`;
      if (flags.json) printJson(out, { tables: [], note });
      else out.print(note);
      return EXIT_OK;
    }
    const config = tablestoreConfigFromEnv(env);
    out.addSecret(config.accessKeySecret);
    out.addSecret(config.securityToken);
    const tables = await ensureTables(config, { historyTtlSeconds });
    if (flags.json) printJson(out, { tables });
    else for (const { table, outcome } of tables) out.print(`${table}: ${outcome}`);
    return EXIT_OK;
  });
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
