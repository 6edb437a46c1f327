// `bwscaler status`: every instance's stored scaling state, as the functions last wrote it, next to
// its bandwidth now and the policy that manages it (when the command can read the cloud).
import { downgradesInPeriod, downgradesLeft, quotaExhausted } from '../core/budget';
import type { Policy, ScalingState } from '../core/types';
import { emptyState } from '../ports/state-store';
import { loadPolicies, openClients, readCloudAccess, resourceApi } from './cloud-access';
import {
  type CommandIo,
  type Env,
  EXIT_FAILURE,
  EXIT_OK,
  formatTable,
  isoSeconds,
  printJson,
  processIo,
  readFlags,
  runCommand,
  type Terminal,
} from './command';
import { openControlStore, printControlsInForce } from './control';
import { describeFleet, unknownInstance } from './fleet';
import { openStore, STORE_ENVIRONMENT } from './store-access';

const USAGE = `usage: bwscaler status [--policy FILE] [--json]

Shows every instance the policies manage and the state the functions keep for it: its bandwidth
now and its policy, the last change the functions made and when, the subscription downgrades spent,
an unconfirmed change, a condition that needs a person, and a running temporary upgrade. An
instance the functions never changed shows its bandwidth and "never" as its last change.

  --policy FILE  the policy file (default: BWSCALER_POLICY); with it and the cloud's variables set,
                 the bandwidth and the policy come from ECS; without, only the stored states show
  --json         JSON instead of a table

${STORE_ENVIRONMENT}
             [, BWSCALER_REGION, BWSCALER_POLICY, BWSCALER_ECS_ENDPOINT: the bandwidth and the policy]

exit codes: 0 shown, 1 a policy lists an instance ECS does not know, or the store failed, 2 usage
            or configuration`;

const NONE = '-';

export interface StatusEntry {
  instanceId: string;
  /** The policy that manages it now; absent when the command could not read the policies. */
  policy?: string;
  /** The bandwidth ECS reports now (Mbps); absent when the command could not read the cloud. */
  bandwidthOut?: number;
  /** The stored state; an empty one for an instance the functions never decided for. */
  state: ScalingState;
  /** False: the store holds nothing for it yet. */
  stored: boolean;
  /**
   * The downgrade budget as the policy counts it now, when the policy is known: the stored ledger and
   * the provider's QuotaExceed mark keep last month's entries until the next state write, so reading
   * them raw would say "quota spent" after a monthly reset.
   */
  budget?: { thisPeriod: number; left: number; quotaSpent: boolean };
}

/** The budget column's figures for one instance under its policy, at `now` (src/core/budget.ts). */
export function budgetNow(state: ScalingState, policy: Policy, now: number): NonNullable<StatusEntry['budget']> {
  return {
    thisPeriod: downgradesInPeriod(state, policy, now),
    left: downgradesLeft(state, policy, now, false),
    quotaSpent: quotaExhausted(state, policy, now),
  };
}

function downgradesCell(entry: StatusEntry): string {
  const { state, budget } = entry;
  if (budget === undefined) return `${state.downgrades.length}${state.quotaExhaustedAt !== undefined ? ' (quota spent once)' : ''}`;
  return `${budget.thisPeriod} (${budget.left} left)${budget.quotaSpent ? ' (quota spent)' : ''}`;
}

export function statusRow(entry: StatusEntry): string[] {
  const { state } = entry;
  const { pending, blocked, temporaryUpgrade } = state;
  const downgrades = downgradesCell(entry);
  const bandwidth = entry.bandwidthOut ?? state.lastTarget;
  return [
    entry.instanceId,
    entry.policy ?? NONE,
    bandwidth === undefined ? NONE : `${bandwidth} Mbps`,
    state.lastChangeAt === undefined ? (entry.stored ? 'never' : 'never (no state yet)') : `${state.lastTarget} Mbps at ${isoSeconds(state.lastChangeAt)}`,
    downgrades,
    pending ? `${pending.from} → ${pending.target} Mbps since ${isoSeconds(pending.startedAt)}` : NONE,
    blocked ? `${blocked.code} since ${isoSeconds(blocked.since)}: ${blocked.message}` : NONE,
    temporaryUpgrade ? `${temporaryUpgrade.target} Mbps until ${isoSeconds(temporaryUpgrade.until)}` : NONE,
  ];
}

const compareIds = (a: { instanceId: string }, b: { instanceId: string }) => (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0);

export async function run(args: string[], env: Env = process.env, io: CommandIo = processIo): Promise<number> {
  return runCommand('status', USAGE, io, async (out) => {
    const flags = readFlags(args, { policy: { type: 'string' }, json: { type: 'boolean' } });
    if (flags.help) {
      out.print(USAGE);
      return EXIT_OK;
    }
    const store = openStore(env, out);
    const fleet = await readFleet(env, flags.policy, out);
    // One range read over every shard: status is a whole-fleet view.
    const states = new Map((await store.listStates(0, 1)).map((state) => [state.instanceId, state]));
    const entries: StatusEntry[] = [];
    for (const { instance, policy } of fleet?.managed ?? []) {
      const state = states.get(instance.instanceId);
      const stored = state ?? emptyState(instance.instanceId);
      entries.push({
        instanceId: instance.instanceId,
        policy: policy.name,
        bandwidthOut: instance.bandwidthOut,
        state: stored,
        stored: state !== undefined,
        ...(instance.instanceChargeType === 'PrePaid' && { budget: budgetNow(stored, policy, io.now()) }),
      });
      states.delete(instance.instanceId);
    }
    // States of instances no policy manages now (or every state, when the cloud was not read).
    for (const state of states.values()) entries.push({ instanceId: state.instanceId, state, stored: true });
    entries.sort(compareIds);

    if (flags.json) {
      const controls = await openControlStore(env).listControls();
      printJson(out, {
        instances: entries,
        missingInstances: fleet?.missing ?? [],
        controls: controls.map((c) => ({ ...c, source: 'control table', inForce: c.until === undefined || c.until > io.now() })),
      });
    } else {
      out.print(
        formatTable(['INSTANCE', 'POLICY', 'BANDWIDTH', 'LAST CHANGE', 'DOWNGRADES', 'PENDING', 'BLOCKED', 'TEMPORARY UPGRADE'], entries.map(statusRow)),
      );
      await printControlsInForce(env, out, io.now());
    }
    if (entries.length === 0) out.warn('no instance found: no policy manages one, and the functions have stored no state yet');
    for (const { policy, instanceId } of fleet?.missing ?? []) out.warn(unknownInstance(policy, instanceId));
    return (fleet?.missing.length ?? 0) > 0 ? EXIT_FAILURE : EXIT_OK;
  });
}

/**
 * The managed instances as ECS describes them, when the environment names a region and a policy:
 * status is useful from the store alone (the functions' own record), so without them it says what
 * it leaves out instead of failing.
 */
async function readFleet(env: Env, policyFile: string | undefined, out: Terminal) {
  const hasPolicy = policyFile !== undefined || (env.BWSCALER_POLICY?.trim() ?? '') !== '';
  if (!hasPolicy || (env.BWSCALER_REGION?.trim() ?? '') === '') {
    out.warn('without BWSCALER_REGION and a policy (--policy FILE or BWSCALER_POLICY), only stored states show, without the bandwidth ECS reports now');
    return undefined;
  }
  const access = readCloudAccess(env, { policyFromEnv: policyFile === undefined });
  for (const secret of access.secrets) out.addSecret(secret);
  const doc = await loadPolicies(policyFile, access);
  const clients = openClients(access);
  try {
    return await describeFleet(resourceApi(clients), doc);
  } finally {
    clients.close();
  }
}
