// One instance, one cycle: settle what an earlier invocation left (reconcile.ts) → decide (the pure
// core) → act (apply.ts) or record. Split in two steps, plan and finish, so the tick can plan the whole
// shard first and then spend its ECS write budget on the most urgent changes.
import { decide, downgradeBudgetApplies, downgradesLeft, settleTemporaryUpgrade, utilization } from '../core';
import type { ActiveWindow, Decision, InstanceFacts, Policy, Recommendation, ScalingState, ServedHistory, Signal } from '../core/types';
import { ConflictError } from '../errors';
import type { HistoryRecord } from '../ports/state-store';
import { activeWindows } from '../schedule/windows';
import { applyDecision, type RetryOptions } from './apply';
import type { CycleDeps } from './deps';
import { decisionIdOf, historyRecord, type Outcome, summarize } from './history';
import { type BlockView, blockView, type ReconcileOptions, type ReconcileResult, reconcilePending } from './reconcile';

export interface InstanceCycleInput {
  policy: Policy;
  instance: InstanceFacts;
  /** The stored state (from listStates or getState); version 0 when none was written. */
  state: ScalingState;
  signal: Signal;
  /** Alarm event key or tick id, for the history. */
  source: string;
  /** The tick added newly measured traffic to `state.spend`: the state is stored even when nothing else changed. */
  spendMeasured?: boolean;
  /** A predictive policy's served history (src/cycle/served-history.ts); absent = a cold start. */
  history?: ServedHistory;
  /** The policy's windows active now; the tick resolves them once per policy. */
  windows?: ActiveWindow[];
  retry?: Partial<RetryOptions>;
  reconcile?: Partial<ReconcileOptions>;
}

export interface InstancePlan {
  input: InstanceCycleInput;
  now: number;
  /** The facts the decision saw (the bandwidth updated when the reconciler confirmed a change). */
  instance: InstanceFacts;
  /** The stored state after reconciliation: the compare-and-set base of any write that follows. */
  state: ScalingState;
  decision: Decision;
  decisionId: string;
  /** The decision should go to ECS. */
  acts: boolean;
  /** Why an acting decision is not sent, when it is not. */
  heldBy?: 'ALARM_NO_SCALE_DOWN';
  block: BlockView;
  reconciled: ReconcileResult;
  /** A temporary upgrade ended and `state` forgot it (src/core settleTemporaryUpgrade): the state must be stored. */
  temporaryUpgradeEnded?: string;
}

export interface InstanceOutcome {
  instanceId: string;
  policy: string;
  decision: Decision;
  decisionId: string;
  outcome: Outcome;
  /** The decision's reason code, or CONCURRENT_UPDATE when another invocation won the write. */
  reason: string;
  state: ScalingState;
  orderId?: string;
  errorCode?: string;
  /** What became of an intent an earlier invocation left, when there was one. */
  reconciled?: Outcome;
  /** History rows not written yet: the caller appends them, batched with others. */
  history: HistoryRecord[];
}

/** Settles leftovers and decides; writes only what reconciliation needs. */
export async function planInstance(deps: CycleDeps, input: InstanceCycleInput): Promise<InstancePlan> {
  // Before reconciliation: settling an intent reads the facts, and these facts are placeholders.
  if (input.instance.unrecognised) return unrecognisedPlan(deps, input, input.instance.unrecognised.message);
  const { policy, signal, source } = input;
  const windowsAt = (now: number) => input.windows ?? activeWindows(policy.schedules, now);
  const decideOn = (state: ScalingState, instance: InstanceFacts, now: number) =>
    decide({
      now,
      policy,
      instance,
      state: decisionView(state, blockView(state, instance, now, input.reconcile), policy, instance, now),
      signal,
      activeWindows: windowsAt(now),
      ...(input.history ? { history: input.history } : {}),
    });
  const reconciled = await reconcilePending(deps, {
    policy,
    instance: input.instance,
    state: input.state,
    source,
    // Before any re-send: the same decision this cycle would make without the intent, on these facts.
    decideAgain: (view) => decideOn(view, input.instance, deps.now()),
    mayLowerBandwidth: signal.kind !== 'alarm',
    retry: input.retry,
    options: input.reconcile,
  });
  // A change shown by DescribeInstances is in effect now, whatever the facts read before it said.
  const target = input.state.pending?.target;
  const confirmed = reconciled.outcome === 'reconciled' || reconciled.outcome === 'applied';
  const instance = confirmed && target !== undefined ? { ...input.instance, bandwidthOut: target } : input.instance;
  const now = deps.now();
  // A temporary upgrade that has ended: the provider reverted it, and the state learns the value it
  // shows now, booking no downgrade. Carried by whatever this plan writes next (see stateToStore).
  const ended = reconciled.state.pending ? undefined : settleTemporaryUpgrade(reconciled.state, instance.bandwidthOut, now);
  const state = ended?.state ?? reconciled.state;
  if (ended) {
    deps.log({ level: 'info', msg: 'temporary upgrade ended', instanceId: instance.instanceId, reverted: ended.reverted, message: ended.message });
  }
  const block = blockView(state, instance, now, input.reconcile);
  const decision = decideOn(state, instance, now);
  const plan: InstancePlan = {
    input,
    now,
    instance,
    state,
    decision,
    decisionId: decisionIdOf(instance.instanceId, state.version, decision.action, decision.target),
    // Observe mode is action 'none' from the core already; the mode check keeps "observe makes zero
    // ECS writes" a promise of this file too, not only of a guard elsewhere.
    acts: decision.action !== 'none' && policy.mode === 'enforce',
    block,
    reconciled,
    ...(ended ? { temporaryUpgradeEnded: ended.message } : {}),
  };
  // An alarm reports one sample at a state change; a downgrade needs the stabilisation window that
  // only the tick's steady readings feed, so an alarm may raise bandwidth but never lower it.
  if (plan.acts && signal.kind === 'alarm' && decision.isDowngrade) {
    plan.acts = false;
    plan.heldBy = 'ALARM_NO_SCALE_DOWN';
  }
  return plan;
}

/** A row the adapter could not read: its own decision, never an order, no state write. */
function unrecognisedPlan(deps: CycleDeps, input: InstanceCycleInput, message: string): InstancePlan {
  const { instance, state } = input;
  const current = instance.bandwidthOut;
  const decision: Decision = {
    instanceId: instance.instanceId,
    action: 'none',
    current,
    target: current,
    proposed: current,
    reason: 'UNRECOGNISED_INSTANCE',
    message,
    guards: [],
    isDowngrade: false,
    allocatePublicIp: false,
    recommendations: state.recommendations,
  };
  return {
    input,
    now: deps.now(),
    instance,
    state,
    decision,
    decisionId: decisionIdOf(instance.instanceId, state.version, 'none', current),
    acts: false,
    block: { kind: 'unchanged' },
    reconciled: { state, inFlight: false, unwritten: [] },
  };
}

/**
 * The state as decide() should see it:
 * - a block that is gone (lock lifted) or due for a probe is left out, so the decision can act;
 * - the stabilisation window is seeded with the current bandwidth when it is empty.
 *
 * Why the seed: persisting every tick's recommendation would cost one Tablestore write per instance
 * per tick, the budget's largest item by far. So the window is stored only while it holds a
 * scale-down back (see recommendationsToStore), and an empty window means "the recommendation was at
 * or above the current bandwidth until now". Seeding it with {now, current} then gives what HPA's
 * window would hold (HPA itself seeds a new workload's history this way: recordInitialRecommendation
 * in kubernetes pkg/controller/podautoscaler/horizontal.go). The cost: a scale-down waits the full
 * window from the first low reading this process stored, at most one tick later than HPA would.
 */
function decisionView(state: ScalingState, block: BlockView, policy: Policy, instance: InstanceFacts, now: number): ScalingState {
  let view = state;
  if (block.kind !== 'unchanged') {
    const { blocked: _blocked, ...rest } = state;
    view = rest;
  }
  if (view.recommendations.length === 0 && policy.behavior.scaleDownStabilizationSeconds > 0) {
    view = { ...view, recommendations: [{ at: now, mbps: instance.bandwidthOut }] };
  }
  return view;
}

/**
 * Which recommendations to store after a decision that did not act, or undefined to leave the row
 * alone (no write). The window matters only while it holds a scale-down back:
 * - no reading this time (NO_METRIC, WARMUP, a hard stop): nothing learnt, no write;
 * - the reading is at or above the current bandwidth: the low phase is over; clear a stored window
 *   (one write), so the next low reading seeds a fresh one;
 * - stabilisation narrowed the decision: store the window, it decides the next ticks;
 * - a low reading held by another guard (bounds, budget, min hold, cooldown): no write. The stored
 *   window then ages out and the scale-down goes ahead once that guard lets it, which is what a
 *   window full of low readings would also allow.
 */
export function recommendationsToStore(stored: Recommendation[], decision: Decision, now: number): Recommendation[] | undefined {
  // decide() appends this tick's reading last, dated now. A seed (also dated now, at the current
  // bandwidth) only exists when nothing is stored, and then falls in the "no write" branches either way.
  const reading = decision.recommendations.at(-1);
  if (reading === undefined || reading.at !== now) return undefined;
  if (reading.mbps >= decision.current) return stored.length > 0 ? [] : undefined;
  if (decision.guards.some((hit) => hit.reason === 'STABILIZATION')) return decision.recommendations;
  return undefined;
}

/** Sends an acting plan to ECS through the intent protocol. */
export async function actOnPlan(deps: CycleDeps, plan: InstancePlan): Promise<InstanceOutcome> {
  const { input, instance, state, decision } = plan;
  const result = await applyDecision(deps, {
    policy: input.policy,
    instance,
    state,
    decision,
    source: input.source,
    retry: input.retry,
    verify: input.reconcile,
  });
  const outcome = baseOutcome(plan, result.outcome, result.state, [...plan.reconciled.unwritten, ...result.unwritten]);
  outcome.decisionId = result.decisionId;
  if (result.orderId !== undefined) outcome.orderId = result.orderId;
  if (result.errorCode !== undefined) outcome.errorCode = result.errorCode;
  if (result.outcome === 'conflict') outcome.reason = 'CONCURRENT_UPDATE';
  logDecision(deps, outcome, plan);
  return outcome;
}

/**
 * Records a plan that does not go to ECS: a holding decision, observe mode, an alarm's downgrade, or
 * (from the tick) a change deferred past the ECS write budget. At most one putState, and only when
 * the stored window or block changes; the history row is returned for the caller's batch.
 */
export async function finishWithoutAction(deps: CycleDeps, plan: InstancePlan, deferred?: { errorCode: string }): Promise<InstanceOutcome> {
  const { input, state, decision, now } = plan;
  let outcome: Outcome = input.policy.mode === 'observe' ? 'observed' : 'none';
  let errorCode: string | undefined;
  if (deferred) {
    outcome = 'deferred';
    errorCode = deferred.errorCode;
  } else if (plan.heldBy) {
    outcome = 'skipped';
    errorCode = plan.heldBy;
  }

  let written = state;
  const next = stateToStore(plan);
  if (next) {
    try {
      written = await deps.store.putState(next, state.version);
    } catch (error) {
      // Someone else wrote this instance meanwhile; their state is newer than this plan's view.
      if (!(error instanceof ConflictError)) throw error;
      deps.log({ level: 'info', msg: 'state update lost', instanceId: state.instanceId, reason: 'CONCURRENT_UPDATE' });
    }
  }
  const row = historyRecord({
    instanceId: state.instanceId,
    at: now,
    decisionId: plan.decisionId,
    source: input.source,
    decision: summarize(decision),
    outcome,
    ...(errorCode === undefined ? {} : { errorCode }),
  });
  const result = baseOutcome(plan, outcome, written, [...plan.reconciled.unwritten, row]);
  if (errorCode !== undefined) result.errorCode = errorCode;
  logDecision(deps, result, plan);
  return result;
}

/** The state a non-acting plan should store, or undefined when the stored one is still right. */
function stateToStore(plan: InstancePlan): ScalingState | undefined {
  const { state, decision, block, now } = plan;
  // An in-flight intent belongs to the invocation sending it; do not write over it.
  if (state.pending) return undefined;
  let next: ScalingState | undefined;
  if (block.kind === 'lifted') {
    const { blocked: _blocked, ...rest } = state;
    next = rest;
  }
  const recommendations = recommendationsToStore(state.recommendations, decision, now);
  if (recommendations) next = { ...(next ?? state), recommendations };
  // The running spend totals: a cold start or a crash then resumes from the last counted minute.
  if (plan.input.spendMeasured && state.spend !== undefined) next = next ?? state;
  if (plan.temporaryUpgradeEnded !== undefined) next = next ?? state;
  return next;
}

function baseOutcome(plan: InstancePlan, outcome: Outcome, state: ScalingState, history: HistoryRecord[]): InstanceOutcome {
  const result: InstanceOutcome = {
    instanceId: plan.instance.instanceId,
    policy: plan.input.policy.name,
    decision: plan.decision,
    decisionId: plan.decisionId,
    outcome,
    reason: plan.decision.reason,
    state,
    history,
  };
  if (plan.reconciled.outcome !== undefined) result.reconciled = plan.reconciled.outcome;
  return result;
}

/** One structured line per decision, stable keys: operators grep and index them (README, Observability). */
function logDecision(deps: CycleDeps, outcome: InstanceOutcome, plan: InstancePlan): void {
  const { decision } = outcome;
  deps.log({
    level: outcome.outcome === 'failed' || outcome.outcome === 'uncertain' ? 'warn' : 'info',
    msg: 'decision',
    instanceId: outcome.instanceId,
    policy: outcome.policy,
    decisionId: outcome.decisionId,
    action: decision.action,
    current: decision.current,
    target: decision.target,
    proposed: decision.proposed,
    reason: outcome.reason,
    message: decision.message,
    guards: decision.guards.map((hit) => hit.reason),
    // Temporary or permanent, and why, for an upgrade answering saturation (saturation.temporaryUpgrade).
    upgradeChoice: decision.upgradeChoice?.reason,
    forecast: decision.prediction?.forecast,
    outcome: outcome.outcome,
    orderId: outcome.orderId,
    errorCode: outcome.errorCode,
    reconciled: outcome.reconciled,
    // For the CloudMonitor custom metrics (src/adapters/cms-telemetry.ts) and SLS queries.
    utilization: plan.input.signal.sample ? utilization(plan.input.signal.sample.outBps, decision.current) : undefined,
    downgradesLeft: downgradeBudgetApplies(plan.instance) ? downgradesLeft(outcome.state, plan.input.policy, plan.now, false) : undefined,
  });
}

/** The whole cycle for one instance: plan, then act or record. */
export async function runInstanceCycle(deps: CycleDeps, input: InstanceCycleInput): Promise<InstanceOutcome> {
  const plan = await planInstance(deps, input);
  return plan.acts ? actOnPlan(deps, plan) : finishWithoutAction(deps, plan);
}
