// `bwscaler status`: every instance's stored scaling state, as the functions last wrote it.
import type { ScalingState } from '../core/types';
import { type CommandIo, type Env, EXIT_OK, formatTable, isoSeconds, processIo, readFlags, runCommand } from './command';
import { openControlStore, printControlsInForce } from './control';
import { openStore, STORE_ENVIRONMENT } from './store-access';

const USAGE = `usage: bwscaler status [--json]

Shows the state the functions keep per instance: the last bandwidth they set and when, the
subscription downgrades spent, an unconfirmed change, a condition that needs a person, and a running
temporary upgrade.

  --json  JSON (the stored states as they are) instead of a table

${STORE_ENVIRONMENT}`;

const NONE = '-';

export function statusRow(state: ScalingState): string[] {
  const { pending, blocked, temporaryUpgrade } = state;
  const downgrades = `${state.downgrades.length}${state.quotaExhaustedAt !== undefined ? ' (quota spent)' : ''}`;
  return [
    state.instanceId,
    state.lastTarget === undefined ? NONE : `${state.lastTarget} Mbps`,
    state.lastChangeAt === undefined ? NONE : isoSeconds(state.lastChangeAt),
    downgrades,
    pending ? `${pending.from} → ${pending.target} Mbps since ${isoSeconds(pending.startedAt)}` : NONE,
    blocked ? `${blocked.code} since ${isoSeconds(blocked.since)}: ${blocked.message}` : NONE,
    temporaryUpgrade ? `${temporaryUpgrade.target} Mbps until ${isoSeconds(temporaryUpgrade.until)}` : NONE,
  ];
}

export async function run(args: string[], env: Env = process.env, io: CommandIo = processIo): Promise<number> {
  return runCommand('status', USAGE, io, async (out) => {
    const flags = readFlags(args, { json: { type: 'boolean' } });
    if (flags.help) {
      out.print(USAGE);
      return EXIT_OK;
    }
    const store = openStore(env, out);
    // One range read over every shard: status is a whole-fleet view.
    const states = (await store.listStates(0, 1)).sort((a, b) => (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0));
    if (flags.json) {
      const controls = await openControlStore(env).listControls();
      out.print(
        JSON.stringify(
          { states, controls: controls.map((c) => ({ ...c, source: 'control table', inForce: c.until === undefined || c.until > io.now() })) },
          null,
          2,
        ),
      );
      return EXIT_OK;
    }
    out.print(formatTable(['INSTANCE', 'LAST TARGET', 'LAST CHANGE', 'DOWNGRADES', 'PENDING', 'BLOCKED', 'TEMPORARY UPGRADE'], states.map(statusRow)));
    await printControlsInForce(env, out, io.now());
    if (states.length === 0) out.warn('no state stored yet: the functions have not decided for any instance');
    return EXIT_OK;
  });
}
