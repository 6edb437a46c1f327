// The fleet tick (functions/schedule): every managed instance of one shard, every tick.
//
// Cost per tick for N instances in the shard, by design (bench/targets.ts holds these as numbers):
// - DescribeInstances: ceil(N/100) for id selectors (ids are filtered to the shard BEFORE the call,
//   and all policies of a region share one call set), plus the pages of each distinct tag selector;
// - CloudMonitor: one latestOutRates per region (the adapter batches DescribeMetricLast), plus one
//   outboundBytes per pay-by-traffic instance under a spend guard (its spend since the last tick);
// - Tablestore: one listStates, one appendHistory for every row of the tick (the store splits it into
//   BatchWriteRow requests), two writes per acting decision (intent, commit), and one putState per
//   instance whose stabilisation window, block or measured spend changed;
// - predictive policies only: their served history (served-history.ts states its own cost);
// - ECS writes: at most budget.maxEcsWrites orders; the rest are deferred with ECS_BUDGET and, since
//   every tick re-evaluates from scratch (windows are level-triggered), converge on a later tick.
import { mapWithConcurrency } from '../concurrency';
import { accrueSpend, spendMeasureFrom } from '../core';
import { applyControls } from '../core/controls';
import type { InstanceFacts, MetricSample, Policy, ScalingState, Signal } from '../core/types';
import { type PolicyDocument, selectPolicy } from '../policy/load';
import type { MetricTarget } from '../ports/cloud';
import { emptyState, type HistoryRecord, shardOf } from '../ports/state-store';
import { activeWindows } from '../schedule/windows';
import type { RetryOptions } from './apply';
import { readTickControls } from './controls';
import type { CycleDeps } from './deps';
import { actOnPlan, finishWithoutAction, type InstanceOutcome, type InstancePlan, planInstance } from './instance';
import { markManagedThroughEip } from './managed-eip';
import type { ReconcileOptions } from './reconcile';
import { loadServedHistories, type ServedHistoryOptions, type ServedHistoryResult } from './served-history';

export interface TickBudget {
  /** ModifyInstanceNetworkSpec orders per tick (retries of one order count once). */
  maxEcsWrites: number;
  /** Instances in flight at once (store writes and ECS calls of different instances overlap). */
  concurrency: number;
}

// ECS rate limits are per API and account, shared with the console, and not published (docs/reference/alibaba-cloud.md §3.5).
// 500 orders a tick lets a scheduled peak reach a few hundred instances in one tick (a schedule must
// land when its window opens) while 16 in flight keeps the request rate modest; a larger fleet's
// remainder converges on the next tick, with DEFERRED recorded. Throttling answers are retried with
// backoff and the same ClientToken.
export const DEFAULT_TICK_BUDGET: TickBudget = { maxEcsWrites: 500, concurrency: 16 };

export interface TickInput {
  doc: PolicyDocument;
  shard: number;
  of: number;
  /** The timer's triggerTime (epoch ms): names the tick in the history. Decisions use deps.now(). */
  triggerTime: number;
  budget?: Partial<TickBudget>;
  retry?: Partial<RetryOptions>;
  reconcile?: Partial<ReconcileOptions>;
  servedHistory?: Partial<ServedHistoryOptions>;
}

export interface TickSummary {
  source: string;
  /** Managed instances of the shard. */
  instances: number;
  /** Orders sent (applied, failed, blocked, uncertain or lost to a concurrent update). */
  acted: number;
  /** Acting decisions left for a later tick by the ECS write budget. */
  deferred: number;
  byReason: Record<string, number>;
  byOutcome: Record<string, number>;
  errors: Array<{ instanceId?: string; regionId?: string; stage: string; message: string }>;
  /** What the predictive policies' served history cost this tick; absent when no instance has one. */
  servedHistory?: ServedHistoryResult['cost'];
}

export async function runTick(deps: CycleDeps, input: TickInput): Promise<TickSummary> {
  const { doc, shard, of } = input;
  const budget = { ...DEFAULT_TICK_BUDGET, ...input.budget };
  // A retried invocation of the same timer event evaluates at the current time, not the trigger's:
  // windows are level-triggered, so deciding on "now" is what converges a late or missed tick.
  const source = `tick:${new Date(input.triggerTime).toISOString()}`;
  const summary: TickSummary = { source, instances: 0, acted: 0, deferred: 0, byReason: {}, byOutcome: {}, errors: [] };
  const inShard = (instanceId: string) => shardOf(instanceId, of) === shard;

  const managed = await describeManaged(deps, doc, inShard, summary);
  summary.instances = managed.length;
  if (managed.length === 0) return summary;
  const samples = await latestSamples(deps, managed, summary);
  const states = new Map((await deps.store.listStates(shard, of)).map((state) => [state.instanceId, state]));
  const controls = await readTickControls(deps);
  const now = deps.now();
  const served = await loadServedHistories(
    deps,
    managed.map(({ instance, policy }) => ({ instance, policy, state: states.get(instance.instanceId) ?? emptyState(instance.instanceId) })),
    now,
    (where, error) => recordError(deps, summary, where, error),
    input.servedHistory,
  );
  if (served.histories.size > 0) summary.servedHistory = served.cost;
  const windowsOf = new Map(doc.policies.map((policy) => [policy, activeWindows(policy.schedules, now)]));

  const plans: InstancePlan[] = [];
  const outcomes: InstanceOutcome[] = [];
  await mapWithConcurrency(managed, budget.concurrency, async ({ instance, policy }) => {
    const sample = samples.get(instance.instanceId);
    const signal: Signal = sample ? { kind: 'tick', sample } : { kind: 'tick' };
    try {
      const stored = states.get(instance.instanceId) ?? emptyState(instance.instanceId);
      const state = await withMeasuredSpend(deps, instance, policy, stored, now, summary);
      plans.push(
        await planInstance(deps, {
          policy: applyControls(policy, instance.instanceId, controls, now),
          instance,
          state,
          spendMeasured: state !== stored,
          signal,
          source,
          ...(served.histories.has(instance.instanceId) ? { history: served.histories.get(instance.instanceId) } : {}),
          windows: windowsOf.get(policy) ?? [],
          retry: input.retry,
          // No read-back inside the tick: the next tick's fleet DescribeInstances is the read-back, at
          // no extra call, and a placed change holds the instance (PENDING_CHANGE) until it shows.
          reconcile: { readBackPolls: 0, ...input.reconcile },
        }),
      );
    } catch (error) {
      recordError(deps, summary, { instanceId: instance.instanceId, stage: 'plan' }, error);
    }
  });

  const acting = plans.filter((plan) => plan.acts).sort(byUrgency);
  const granted = new Set(acting.slice(0, Math.max(0, budget.maxEcsWrites)));
  await mapWithConcurrency(plans, budget.concurrency, async (plan) => {
    try {
      if (granted.has(plan)) outcomes.push(await actOnPlan(deps, plan));
      else outcomes.push(await finishWithoutAction(deps, plan, plan.acts ? { errorCode: 'ECS_BUDGET' } : undefined));
    } catch (error) {
      recordError(deps, summary, { instanceId: plan.instance.instanceId, stage: granted.has(plan) ? 'apply' : 'record' }, error);
    }
  });

  const history: HistoryRecord[] = outcomes.flatMap((outcome) => outcome.history);
  if (history.length > 0) {
    try {
      await deps.store.appendHistory(history);
    } catch (error) {
      // The decisions stand (their state writes are done); only their audit rows are lost.
      recordError(deps, summary, { stage: 'history' }, error);
    }
  }
  for (const outcome of outcomes) {
    summary.byReason[outcome.reason] = (summary.byReason[outcome.reason] ?? 0) + 1;
    summary.byOutcome[outcome.outcome] = (summary.byOutcome[outcome.outcome] ?? 0) + 1;
  }
  summary.acted = granted.size;
  summary.deferred = acting.length - granted.size;
  deps.log({ level: summary.errors.length > 0 ? 'warn' : 'info', msg: 'tick', ...summary, errors: summary.errors.length });
  return summary;
}

/** Upgrades first (an under-served instance hurts now; a downgrade only saves money), biggest step first. */
function byUrgency(a: InstancePlan, b: InstancePlan): number {
  if (a.decision.isDowngrade !== b.decision.isDowngrade) return a.decision.isDowngrade ? 1 : -1;
  return Math.abs(b.decision.target - b.decision.current) - Math.abs(a.decision.target - a.decision.current);
}

interface ManagedInstance {
  instance: InstanceFacts;
  policy: Policy;
}

/**
 * The shard's managed instances with their governing policy (selectPolicy: the first in file order).
 * Id selectors of one region are described together, already cut to the shard; each distinct tag
 * selector is described once and cut afterwards. A region whose describe fails is skipped this tick.
 */
async function describeManaged(deps: CycleDeps, doc: PolicyDocument, inShard: (id: string) => boolean, summary: TickSummary): Promise<ManagedInstance[]> {
  const idsByRegion = new Map<string, Set<string>>();
  const tagQueries = new Map<string, { regionId: string; tags: Record<string, string>; kind?: Policy['selector']['kind'] }>();
  for (const { selector } of doc.policies) {
    if (selector.instanceIds) {
      const ids = idsByRegion.get(selector.regionId) ?? new Set<string>();
      for (const id of selector.instanceIds) if (inShard(id)) ids.add(id);
      idsByRegion.set(selector.regionId, ids);
    }
    if (selector.tags) {
      const tags = Object.fromEntries(Object.entries(selector.tags).sort(([a], [b]) => (a < b ? -1 : 1)));
      const kind = selector.kind;
      tagQueries.set(JSON.stringify([selector.regionId, tags, kind ?? 'ecs']), { regionId: selector.regionId, tags, ...(kind ? { kind } : {}) });
    }
  }
  const queries = [
    ...[...idsByRegion].filter(([, ids]) => ids.size > 0).map(([regionId, ids]) => ({ regionId, instanceIds: [...ids] })),
    ...tagQueries.values(),
  ];
  const found = new Map<string, InstanceFacts>();
  // Sequential: each query already fans out over its own batches inside the adapter.
  for (const query of queries) {
    try {
      for (const instance of await deps.ecs.describeInstances(query)) {
        if (inShard(instance.instanceId)) found.set(instance.instanceId, instance);
      }
    } catch (error) {
      recordError(deps, summary, { regionId: query.regionId, stage: 'describe' }, error);
    }
  }
  const managed: ManagedInstance[] = [];
  for (const instance of found.values()) {
    const policy = selectPolicy(doc, instance);
    if (policy) managed.push({ instance, policy });
  }
  return markManagedThroughEip(managed);
}

/**
 * The latest served rate per instance, one call set per region. Without metrics the tick still
 * runs: decide() holds on NO_METRIC (never downgrading blind) and schedules still apply.
 */
async function latestSamples(deps: CycleDeps, managed: ManagedInstance[], summary: TickSummary): Promise<Map<string, MetricSample>> {
  const byRegion = new Map<string, MetricTarget[]>();
  for (const { instance } of managed) {
    const list = byRegion.get(instance.regionId) ?? [];
    list.push({
      instanceId: instance.instanceId,
      ...(instance.kind === undefined || instance.kind === 'ecs' ? {} : { kind: instance.kind }),
      networkType: instance.networkType,
      ...(instance.publicIp === undefined ? {} : { publicIp: instance.publicIp }),
    });
    byRegion.set(instance.regionId, list);
  }
  const samples = new Map<string, MetricSample>();
  for (const [regionId, instances] of byRegion) {
    try {
      for (const [id, sample] of await deps.metrics.latestOutRates(regionId, instances)) samples.set(id, sample);
    } catch (error) {
      recordError(deps, summary, { regionId, stage: 'metrics' }, error);
    }
  }
  return samples;
}

/**
 * A pay-by-traffic instance under a spend guard: its outbound traffic since the last counted point,
 * added to the running totals in its state (src/core/spend.ts). A failed read leaves the totals as
 * they are; the guard then counts the unmeasured time at the full current bandwidth, so an outage of
 * CloudMonitor makes the cap stricter, never looser.
 */
async function withMeasuredSpend(
  deps: CycleDeps,
  instance: InstanceFacts,
  policy: Policy,
  state: ScalingState,
  now: number,
  summary: TickSummary,
): Promise<ScalingState> {
  const guard = policy.spendGuard;
  if (!guard || instance.internetChargeType !== 'PayByTraffic') return state;
  const offset = policy.billingUtcOffsetMinutes;
  const from = spendMeasureFrom(state.spend, now, offset);
  try {
    const points = await deps.metrics.outboundBytes(instance.regionId, instance, from, now);
    const spend = accrueSpend(state.spend, points, now, guard.pricePerGb, offset);
    const before = state.spend;
    if (before && before.lastSampleAt === spend.lastSampleAt && before.hourStart === spend.hourStart && before.dayStart === spend.dayStart) return state;
    return { ...state, spend };
  } catch (error) {
    recordError(deps, summary, { instanceId: instance.instanceId, stage: 'spend' }, error);
    return state;
  }
}

function recordError(deps: CycleDeps, summary: TickSummary, where: { instanceId?: string; regionId?: string; stage: string }, error: unknown): void {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  summary.errors.push({ ...where, message });
  deps.log({ level: 'error', msg: 'tick error', ...where, error });
}
