// `bwscaler history`: one instance's decisions as the functions recorded them, acting or not.
import type { HistoryRecord } from '../ports/state-store';
import {
  type CommandIo,
  durationFlag,
  type Env,
  EXIT_FAILURE,
  EXIT_OK,
  formatTable,
  isoSeconds,
  processIo,
  readFlags,
  requiredFlag,
  runCommand,
} from './command';
import { openStore, STORE_ENVIRONMENT } from './store-access';

const DEFAULT_SINCE = '24h';

const USAGE = `usage: bwscaler history --instance ID [--since DURATION] [--json]

Shows the decisions recorded for an instance, oldest first: what the functions saw, what they
decided and why (the reason code), and what came of it (applied, observed, failed, ...).

  --instance ID       the ECS instance
  --since DURATION    how far back from now, e.g. "30m", "24h", "7d" (default ${DEFAULT_SINCE})
  --json              JSON (the stored records) instead of a table

${STORE_ENVIRONMENT}

exit codes: 0 shown, 1 nothing recorded for the instance in the time range (an unknown id, or no
            decision yet; a warning says which range was read) or the store failed, 2 usage or
            configuration`;

export function historyRow(record: HistoryRecord): string[] {
  const { decision } = record;
  const details = [record.errorCode, record.orderId && `order ${record.orderId}`].filter(Boolean).join(', ');
  return [
    isoSeconds(record.at),
    record.source,
    decision.action,
    `${decision.current} Mbps`,
    `${decision.target} Mbps`,
    decision.reason,
    details ? `${record.outcome} (${details})` : record.outcome,
    decision.message,
  ];
}

export async function run(args: string[], env: Env = process.env, io: CommandIo = processIo): Promise<number> {
  return runCommand('history', USAGE, io, async (out) => {
    const flags = readFlags(args, { instance: { type: 'string' }, since: { type: 'string' }, json: { type: 'boolean' } });
    if (flags.help) {
      out.print(USAGE);
      return EXIT_OK;
    }
    const instanceId = requiredFlag('instance', flags.instance);
    const sinceSeconds = durationFlag('since', flags.since ?? DEFAULT_SINCE, 1);
    const store = openStore(env, out);
    const to = io.now();
    const from = to - sinceSeconds * 1000;
    const records = await store.queryHistory(instanceId, from, to);
    if (flags.json) out.print(JSON.stringify({ instanceId, from: isoSeconds(from), to: isoSeconds(to), records }, null, 2));
    else out.print(formatTable(['TIME', 'SOURCE', 'ACTION', 'CURRENT', 'TARGET', 'REASON', 'OUTCOME', 'MESSAGE'], records.map(historyRow)));
    // The one rule of the commands for an instance they find nothing for: a warning, and exit 1.
    if (records.length === 0) {
      out.warn(`no decisions recorded for ${instanceId} between ${isoSeconds(from)} and ${isoSeconds(to)} (an unknown instance id, or none decided yet)`);
      return EXIT_FAILURE;
    }
    return EXIT_OK;
  });
}
