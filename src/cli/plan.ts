// `bwscaler plan`: what the policy would do RIGHT NOW to the account, without doing it. The same
// steps as the tick (describe the managed instances, read their latest served rate and their stored
// state, then src/cycle's planInstance and the core's decide), stopping before anything acts:
// - only planInstance runs, never actOnPlan (which sends the order and writes the state); the
//   decision is taken as an enforcing policy would take it, so its reason is the one that DRIVES the
//   change (SATURATED_STEP_UP, OVERRIDE, ...), not observe mode's OBSERVE_ONLY, which would hide it;
// - the ports handed to the cycle refuse writes (ModifyInstanceNetworkSpec, every store write), so
//   "zero writes" holds whatever the cycle's internals do;
// - an instance with an unsettled intent is reported, not reconciled: settling it is a write (and
//   possibly an ECS re-send), which belongs to the next real cycle.
import { createMetricApi } from '../adapters/cms';
import { applyControls, type Control, controlsInForce } from '../core/controls';
import type { MetricSample, PendingChange, Policy, Signal } from '../core/types';
import { planInstance } from '../cycle/instance';
import { BwscalerError } from '../errors';
import type { InstanceApi, MetricApi, MetricTarget } from '../ports/cloud';
import { emptyState, type StateStore } from '../ports/state-store';
import { activeWindows } from '../schedule/windows';
import { createMemoryStore } from '../state/index';
import { loadPolicies, openClients, readCloudAccess, resourceApi } from './cloud-access';
import { type CommandIo, type Env, EXIT_FAILURE, EXIT_OK, formatTable, isoSeconds, printJson, processIo, readFlags, runCommand } from './command';
import { describeInForce, openControlStore } from './control';
import { describeFleet, type ManagedInstance, unknownInstance } from './fleet';
import { createStoreFromEnv } from './store-access';

const USAGE = `usage: bwscaler plan [--policy FILE] [--json]

Shows what each policy would do now to the instances it manages: it describes them, reads their
latest outbound rate and their stored state, and runs the decision in observe mode. It changes
nothing: no bandwidth change, no state write.

  --policy FILE  the policy file (default: BWSCALER_POLICY)
  --json         JSON instead of a table

environment: BWSCALER_REGION, ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET
             [, ALIBABA_CLOUD_SECURITY_TOKEN, BWSCALER_ECS_ENDPOINT, BWSCALER_CMS_ENDPOINT, BWSCALER_VPC_ENDPOINT]
             BWSCALER_OTS_ENDPOINT and BWSCALER_OTS_INSTANCE: read the stored state (cooldowns,
             downgrades, stabilisation); without them every instance is planned from a fresh state

The REASON column is the reason that drives the change (or the hold), whatever the policy's mode; a
policy in observe mode is marked "(observe)": the functions would log the decision, not apply it.
The table fits 120 columns (long messages are cut with "…"); --json carries every message whole.

exit codes: 0 planned, 1 an instance a policy lists is unknown to ECS (the others are still
            planned) or the cloud failed, 2 usage or configuration`;

/** The widest line the table prints: a terminal of 120 columns shows it without wrapping. */
export const TABLE_WIDTH = 120;

export interface PlanRow {
  instanceId: string;
  policy: string;
  /** The policy's own mode: whether the functions would apply `target`. */
  policyMode: Policy['mode'];
  current: number;
  target: number;
  /** What would happen to the bandwidth. */
  change: 'raise' | 'lower' | 'hold';
  reason: string;
  message: string;
  /** Guard reasons in the order they narrowed the decision. */
  guards: string[];
  sample?: { at: string; outBps: number };
  /** Which pause or override is in force and its source (policy file or control table). */
  control?: string;
}

/** Every write the cycle could attempt fails with this; it is a bug if plan ever shows it. */
function refused(what: string): never {
  throw new BwscalerError(`plan is read-only: ${what} refused`);
}

export function readOnlyInstances(ecs: InstanceApi): InstanceApi {
  return { describeInstances: (query) => ecs.describeInstances(query), modifyBandwidth: () => refused('ModifyInstanceNetworkSpec') };
}

export function readOnlyStore(store: StateStore): StateStore {
  return {
    getState: (instanceId) => store.getState(instanceId),
    listStates: (shard, shards) => store.listStates(shard, shards),
    queryHistory: (instanceId, from, to) => store.queryHistory(instanceId, from, to),
    putState: () => refused('state write'),
    commit: () => refused('state commit'),
    appendHistory: () => refused('history write'),
    markEventHandled: () => refused('event write'),
  };
}

export interface PlanDeps {
  ecs: InstanceApi;
  metrics: MetricApi;
  /** Absent: every instance is planned from a fresh state. */
  store?: StateStore;
  /** The control table's rows (runtime pauses and overrides); absent = none. */
  controls?: Control[];
  now(): number;
}

export interface FleetPlan {
  at: number;
  rows: PlanRow[];
  missing: Array<{ policy: string; instanceId: string }>;
}

export async function planFleet(deps: PlanDeps, doc: Parameters<typeof describeFleet>[1]): Promise<FleetPlan> {
  const ecs = readOnlyInstances(deps.ecs);
  const store = readOnlyStore(deps.store ?? createMemoryStore());
  const fleet = await describeFleet(ecs, doc);
  const samples = await latestSamples(deps.metrics, fleet.managed);
  // One range read of every stored state (the tick reads its shard the same way).
  const states = new Map((await store.listStates(0, 1)).map((state) => [state.instanceId, state]));
  const now = deps.now();
  const cycleDeps = { ecs, metrics: deps.metrics, store, now: () => now, sleep: async () => undefined, log: () => undefined };

  const rows: PlanRow[] = [];
  for (const { instance, policy } of fleet.managed) {
    const state = states.get(instance.instanceId) ?? emptyState(instance.instanceId);
    const sample = samples.get(instance.instanceId);
    const control = describeInForce(controlsInForce(policy, instance.instanceId, deps.controls ?? [], now));
    const base = {
      ...(control && { control }),
      instanceId: instance.instanceId,
      policy: policy.name,
      policyMode: policy.mode,
      current: instance.bandwidthOut,
      ...(sample && { sample: { at: isoSeconds(sample.at), outBps: sample.outBps } }),
    };
    if (state.pending) {
      rows.push({ ...base, ...pendingView(state.pending), guards: [] });
      continue;
    }
    const signal: Signal = sample ? { kind: 'tick', sample } : { kind: 'tick' };
    // Decided as enforcing, so the reason is the driving one; planInstance alone never acts. The
    // control table's pauses and overrides apply as they do in the functions.
    const enforced: Policy = { ...applyControls(policy, instance.instanceId, deps.controls ?? [], now), mode: 'enforce' };
    const { decision } = await planInstance(cycleDeps, {
      policy: enforced,
      instance,
      state,
      signal,
      source: `plan:${isoSeconds(now)}`,
      windows: activeWindows(policy.schedules, now),
    });
    rows.push({
      ...base,
      target: decision.target,
      change: decision.target > decision.current ? 'raise' : decision.target < decision.current ? 'lower' : 'hold',
      reason: decision.reason,
      message: decision.message,
      guards: decision.guards.map((hit) => hit.reason),
    });
  }
  return { at: now, rows, missing: fleet.missing };
}

function pendingView(pending: PendingChange): Pick<PlanRow, 'target' | 'change' | 'reason' | 'message'> {
  return {
    target: pending.target,
    change: 'hold',
    reason: 'PENDING_CHANGE',
    message: `an unconfirmed change ${pending.from} → ${pending.target} Mbps (decision ${pending.decisionId}, ${isoSeconds(pending.startedAt)}) awaits the next cycle, which settles it first`,
  };
}

async function latestSamples(metrics: MetricApi, managed: ManagedInstance[]): Promise<Map<string, MetricSample>> {
  const byRegion = new Map<string, MetricTarget[]>();
  for (const { instance } of managed) {
    const list = byRegion.get(instance.regionId) ?? [];
    list.push({
      instanceId: instance.instanceId,
      // An EIP's or package's rate is in its own namespace (src/adapters/cms.ts outRateSeries).
      ...(instance.kind === undefined || instance.kind === 'ecs' ? {} : { kind: instance.kind }),
      networkType: instance.networkType,
      ...(instance.publicIp === undefined ? {} : { publicIp: instance.publicIp }),
    });
    byRegion.set(instance.regionId, list);
  }
  const samples = new Map<string, MetricSample>();
  for (const [regionId, instances] of byRegion) {
    for (const [instanceId, sample] of await metrics.latestOutRates(regionId, instances)) samples.set(instanceId, sample);
  }
  return samples;
}

export async function run(args: string[], env: Env = process.env, io: CommandIo = processIo): Promise<number> {
  return runCommand('plan', USAGE, io, async (out) => {
    const flags = readFlags(args, { policy: { type: 'string' }, json: { type: 'boolean' } });
    if (flags.help) {
      out.print(USAGE);
      return EXIT_OK;
    }
    const access = readCloudAccess(env, { policyFromEnv: flags.policy === undefined });
    for (const secret of access.secrets) out.addSecret(secret);
    const doc = await loadPolicies(flags.policy, access);
    const hasStore = (env.BWSCALER_OTS_ENDPOINT?.trim() ?? '') !== '';
    const store = hasStore ? createStoreFromEnv(env) : undefined;
    const controls = hasStore ? await openControlStore(env).listControls() : [];

    const clients = openClients(access);
    try {
      const plan = await planFleet({ ecs: resourceApi(clients), metrics: createMetricApi(clients.cms), ...(store && { store }), controls, now: io.now }, doc);
      if (flags.json) {
        printJson(out, { at: isoSeconds(plan.at), stateSource: hasStore ? 'store' : 'fresh', rows: plan.rows, missingInstances: plan.missing });
      } else {
        out.print(planTable(plan.rows));
      }
      if (!flags.json) for (const row of plan.rows) if (row.control) out.print(`${row.instanceId}: ${row.control}`);
      if (!hasStore) out.warn('BWSCALER_OTS_ENDPOINT is not set: planned from a fresh state (no cooldowns, downgrades or stabilisation history)');
      for (const { policy, instanceId } of plan.missing) out.warn(unknownInstance(policy, instanceId));
      return plan.missing.length > 0 ? EXIT_FAILURE : EXIT_OK;
    } finally {
      clients.close();
    }
  });
}

export function planTable(rows: readonly PlanRow[]): string {
  const table = formatTable(
    ['INSTANCE', 'POLICY', 'MBPS', 'ACTION', 'REASON', 'MESSAGE'],
    rows.map((row) => [
      row.instanceId,
      row.policy + (row.policyMode === 'observe' ? ' (observe)' : ''),
      row.target === row.current ? `${row.current}` : `${row.current} → ${row.target}`,
      row.change === 'hold' ? 'hold' : `would ${row.change}`,
      row.reason,
      row.message,
    ]),
  );
  return table
    .split('\n')
    .map((line) => (line.length > TABLE_WIDTH ? `${line.slice(0, TABLE_WIDTH - 1)}…` : line))
    .join('\n');
}
