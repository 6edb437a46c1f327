// Applying one acting decision: intent → ModifyInstanceNetworkSpec → commit.
//
// Timeline of one change, and what each crash point leaves behind:
//
//   t0  decisionId = hash(instanceId, state.version, action, target); ClientToken derived from it.
//   t1  putState(state + pending, expectedVersion = state.version)          ← the intent
//         ConflictError: another invocation (alarm vs tick, or an FC retry) wrote first and owns this
//         instance now: stop with CONCURRENT_UPDATE, no ECS call. This conditional write is the only
//         lock; there is no in-memory one (alarm and cron invocations run in separate containers).
//   t2  modifyBandwidth(ClientToken) with bounded retries, the SAME token every time.
//         crash here → the intent stays; the next invocation's reconciler (reconcile.ts) reads
//         DescribeInstances and either confirms the change or re-sends the SAME token, which the
//         provider answers with the original OrderId: never a second order.
//   t3  read back: DescribeInstances until it shows the target. Alibaba's own Terraform provider does
//         the same after this call (aliyun/terraform-provider-alicloud, alicloud/resource_alicloud_instance.go,
//         modifyInstanceNetworkSpec: DescribeInstance every second until InternetMaxBandwidthOut
//         matches, up to a deadline). The provider applies an order after a
//         delay, and until DescribeInstances shows it the change is only `placed`.
//   t4  commit(next state, expectedVersion = intent.version) + history, one round trip:
//         visible → the change, without pending ('applied');
//         not visible yet → the intent with orderId and placedAt ('placed'); a later invocation's
//         reconciler commits it once visible, or blocks with CHANGE_NOT_VISIBLE after the bound.
//         crash here → as for t2: the order exists, the reconciler confirms it from DescribeInstances.
//
// Store round trips per acting decision: exactly two (t1, t4).

import { clearDisproved, downgradesLeft, showsTarget, startOfBillingMonth } from '../core';
import type { Decision, InstanceFacts, PendingChange, Policy, ScalingState } from '../core/types';
import { CloudApiError, type CloudErrorCategory, ConflictError } from '../errors';
import type { ModifyBandwidthRequest } from '../ports/cloud';
import type { HistoryRecord } from '../ports/state-store';
import { type CycleDeps, sendNotice } from './deps';
import { type CycleCode, clientTokenOf, type DecisionSummary, decisionIdOf, historyRecord, type Outcome, summarize } from './history';
import { settleRefusal } from './refusal';

export interface RetryOptions {
  /** Calls per invocation, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** No new attempt starts once this much time has passed since the first. */
  maxElapsedMs: number;
}

// Bounded well inside a Function Compute timeout of a minute. Throttling answers "try again after 5
// minutes" (docs/reference/alibaba-cloud.md §1.3): waiting that long inside one invocation would be billed idle time, so a
// refusal that outlasts these attempts ends the invocation and the next tick decides afresh.
export const DEFAULT_RETRY: RetryOptions = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 8000, maxElapsedMs: 20_000 };

/** How an accepted order is read back, and how long it may stay invisible. */
export interface VerifyOptions {
  /** DescribeInstances reads after an accepted order, inside the invocation that placed it. */
  readBackPolls: number;
  /** Pause between those reads (the first is immediate). */
  readBackIntervalMs: number;
  /**
   * An accepted order not visible this long after its answer is a block (CHANGE_NOT_VISIBLE) with one
   * notice, never a silent success. Longer than the provider's processing delay as observed (seconds
   * to a few minutes), shorter than the re-send bound.
   */
  visibleWithinMs: number;
}

// Two reads two seconds apart (the alarm path; the tick reads none, its next fleet DescribeInstances
// is the read-back): a quick order is confirmed at once, a slower one stays `placed` and the next
// invocation, a minute later, reads it again as part of its usual DescribeInstances.
export const DEFAULT_VERIFY: VerifyOptions = { readBackPolls: 2, readBackIntervalMs: 2000, visibleWithinMs: 10 * 60_000 };

/** Ordinary downgrades left at or below which an applied downgrade also sends 'quota-low'. */
const QUOTA_LOW = 1;

export interface ApplyContext {
  policy: Policy;
  instance: InstanceFacts;
  /** The state the decision was made on; its version is the compare-and-set base of the intent. */
  state: ScalingState;
  /** An acting decision (action set or temporaryUpgrade). */
  decision: Decision;
  /** Alarm event id or tick id, for the history. */
  source: string;
  retry?: Partial<RetryOptions>;
  verify?: Partial<VerifyOptions>;
}

export interface ApplyResult {
  outcome: Extract<Outcome, 'applied' | 'placed' | 'reconciled' | 'conflict' | 'blocked' | 'failed' | 'uncertain'>;
  decisionId: string;
  /** The latest state this invocation knows to be stored. */
  state: ScalingState;
  orderId?: string;
  errorCode?: string | CycleCode;
  /** History not written yet (an uncertain call): the caller appends it with its batch. */
  unwritten: HistoryRecord[];
}

export async function applyDecision(deps: CycleDeps, ctx: ApplyContext): Promise<ApplyResult> {
  const { policy, instance, state, decision, source } = ctx;
  if (decision.action === 'none') throw new RangeError(`applyDecision: decision for ${instance.instanceId} does not act`);
  const decisionId = decisionIdOf(instance.instanceId, state.version, decision.action, decision.target);
  const pending: PendingChange = {
    decisionId,
    clientToken: clientTokenOf(decisionId),
    action: decision.action,
    from: decision.current,
    target: decision.target,
    startedAt: deps.now(),
    sentAt: deps.now(),
    isDowngrade: decision.isDowngrade,
    attempts: 1,
    allocatePublicIp: decision.allocatePublicIp,
    autoPay: policy.autoPay,
  };
  // Absent rather than undefined. Making these three assignments unconditional is an equivalent
  // mutant (npm run mutation): every reader tests `!== undefined`, and a stored row drops undefined.
  if (decision.startTime !== undefined) pending.startTime = decision.startTime;
  if (decision.endTime !== undefined) pending.endTime = decision.endTime;
  if (decision.targetIn !== undefined) pending.targetIn = decision.targetIn;
  const summary = summarize(decision);

  let intent: ScalingState;
  try {
    // A change starts a new stabilisation phase: the window restarts empty (see instance.ts).
    intent = await deps.store.putState({ ...state, recommendations: [], pending }, state.version);
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    // No history row: the winner writes the history of this instance, and a row of ours under the
    // same decision id (same version, same target) could overwrite it.
    deps.log({ level: 'info', msg: 'intent lost', instanceId: instance.instanceId, decisionId, reason: 'CONCURRENT_UPDATE' });
    return { outcome: 'conflict', decisionId, state, errorCode: 'CONCURRENT_UPDATE', unwritten: [] };
  }

  const call = await sendOrder(deps, orderRequest(instance, pending), { ...DEFAULT_RETRY, ...ctx.retry });
  const verify = { ...DEFAULT_VERIFY, ...ctx.verify };
  return settleOrder(deps, { policy, instance, intent, pending, call, source, summary, successOutcome: 'applied', verify });
}

/** The request an intent stands for; identical on every send of the same ClientToken. */
export function orderRequest(instance: InstanceFacts, pending: PendingChange): ModifyBandwidthRequest {
  const request: ModifyBandwidthRequest = {
    regionId: instance.regionId,
    instanceId: instance.instanceId,
    bandwidthOut: pending.target,
    clientToken: pending.clientToken,
    // An intent written before these fields existed (additive contract) falls back to the API default.
    autoPay: pending.autoPay ?? true,
  };
  if (pending.allocatePublicIp) request.allocatePublicIp = true;
  if (pending.targetIn !== undefined) request.bandwidthIn = pending.targetIn;
  if (pending.startTime !== undefined) request.startTime = pending.startTime;
  if (pending.endTime !== undefined) request.endTime = pending.endTime;
  return request;
}

export type OrderCall =
  | { kind: 'ok'; orderId: string; attempts: number }
  | {
      kind: 'error';
      code: string;
      /** 'unknown': not a CloudApiError, i.e. nothing an adapter understood. */
      category: CloudErrorCategory | 'unknown';
      message: string;
      /** True when some attempt may have reached the provider and placed the order. */
      uncertain: boolean;
      attempts: number;
    };

// Retryable codes with which the provider refuses the request before placing anything (docs/reference/alibaba-cloud.md §1.3:
// throttling, "the previous order/request is still processing", "too frequent"), and a connection
// that was never opened. Every other retryable failure (InternalError, a 5xx, a timeout, a reset)
// may have placed the order, so it leaves the intent for the reconciler.
const REFUSED_BEFORE_ORDER = new Set(['LastOrderProcessing', 'LastRequestProcessing', 'TaskConflict', 'ECONNREFUSED']);

function refusedBeforeOrder(code: string): boolean {
  return code.startsWith('Throttling') || REFUSED_BEFORE_ORDER.has(code);
}

/**
 * Sends one order, retrying category 'retryable' with capped exponential backoff and full jitter
 * (random in [0, min(cap, base·2^n))), always with the request's ClientToken.
 *
 * `mayBePlaced`: an earlier send of the same token may already have placed the order (every re-send
 * of a stored intent). Then no answer short of an order id is evidence that nothing was placed:
 * LastOrderProcessing, Throttling or TaskConflict may be refusing this send because the first order is
 * still processing, so the call stays uncertain and the intent stays.
 */
export async function sendOrder(deps: CycleDeps, request: ModifyBandwidthRequest, retry: RetryOptions, mayBePlaced = false): Promise<OrderCall> {
  const random = deps.random ?? Math.random;
  const started = deps.now();
  let uncertain = mayBePlaced;
  deps.log({ level: 'info', msg: 'order send', instanceId: request.instanceId, clientToken: request.clientToken, target: request.bandwidthOut });
  for (let attempt = 1; ; attempt++) {
    try {
      const { orderId } = await deps.ecs.modifyBandwidth(request);
      return { kind: 'ok', orderId, attempts: attempt };
    } catch (error) {
      if (!(error instanceof CloudApiError)) {
        // A bug or an untranslated failure: the request may have gone out, so the intent stays.
        const message = error instanceof Error ? error.message : String(error);
        return { kind: 'error', code: error instanceof Error ? error.name : 'UnknownError', category: 'unknown', message, uncertain: true, attempts: attempt };
      }
      // Uncertainty is sticky: once an attempt may have placed the order, no later answer to the
      // same token proves it did not. LastOrderProcessing may be our own order still processing, and
      // an UnPaidOrder may be the very order an AutoPay=false attempt created. The provider should
      // answer a repeated token with the original order, but only DescribeInstances (the
      // reconciler) is evidence, so the intent stays.
      if (error.category === 'retryable') uncertain ||= !refusedBeforeOrder(error.code);
      const failure = { kind: 'error' as const, code: error.code, category: error.category, message: error.message, attempts: attempt, uncertain };
      if (error.category !== 'retryable') return failure;
      const delay = Math.floor(random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1)));
      if (attempt >= retry.maxAttempts || deps.now() + delay - started > retry.maxElapsedMs) return failure;
      deps.log({ level: 'info', msg: 'order retry', instanceId: request.instanceId, code: error.code, attempt, delayMs: delay });
      await deps.sleep(delay);
    }
  }
}

/**
 * A read (DescribeInstances) with the order path's back-off: a Throttling, InternalError, bad gateway
 * or timeout answer is tried again, up to `retry.maxAttempts` calls. A read changes nothing, so a
 * retry is always safe; failing the whole invocation on one transient answer instead loses an alert
 * whenever CloudMonitor's own retries meet the same fault (seen in the chaos run: HTTP 500 on all
 * four deliveries of one alert).
 */
export async function retryRead<T>(deps: CycleDeps, retry: RetryOptions, read: () => Promise<T>): Promise<T> {
  const random = deps.random ?? Math.random;
  const started = deps.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof CloudApiError) || error.category !== 'retryable') throw error;
      const delay = Math.floor(random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1)));
      if (attempt >= retry.maxAttempts || deps.now() + delay - started > retry.maxElapsedMs) throw error;
      deps.log({ level: 'info', msg: 'read retry', code: error.code, attempt, delayMs: delay });
      await deps.sleep(delay);
    }
  }
}

/** Subscription bandwidth downgrades are refunds, and refunds are the quota (docs/reference/alibaba-cloud.md §1.5). */
export function countsAgainstQuota(instance: InstanceFacts, pending: PendingChange): boolean {
  return pending.isDowngrade && instance.instanceChargeType === 'PrePaid' && instance.internetChargeType === 'PayByBandwidth';
}

/** EndTime is `yyyy-MM-ddTHHZ` (hour precision, docs/reference/alibaba-cloud.md §1.1), which Date.parse does not read. */
export function parseEndTime(endTime: string): number {
  const at = Date.parse(`${endTime.slice(0, -1)}:00Z`);
  // `^` matters: Date.parse reads an expanded year (`+002017-12-06T22:00Z`). Without `$` the mutant is
  // equivalent, since Date.parse refuses anything after the zone designator; it stays for the reader.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}Z$/.test(endTime) || Number.isNaN(at)) {
    throw new RangeError(`pending.endTime: expected yyyy-MM-ddTHHZ, got ${JSON.stringify(endTime)}`);
  }
  return at;
}

/** Drops the intent (and any block, which a success disproves) from a state. */
function withoutPending(state: ScalingState): ScalingState {
  const { pending: _pending, ...rest } = state;
  return rest;
}

/**
 * When a change may have been placed: no earlier than `earliest`, no later than `latest`. The lock and
 * the warm-up run from `latest` (acting inside the provider's 5-minute lock, or measuring warm-up from
 * before the change, is the unsafe error); the quota books it in every period the interval touches.
 */
export interface PlacedWindow {
  earliest: number;
  latest: number;
}

/**
 * The ledger entries of one downgrade placed somewhere in `window`: one per quota period the window
 * touches, so a change that may fall on either side of the 1st of a month counts in both months. The
 * cost of the over-count is one refund left unused; an under-count could spend one the provider no
 * longer has. A lifetime quota (no monthly reset) has one period: one entry.
 */
export function downgradeEntries(
  policy: Pick<Policy, 'downgradeBudget' | 'billingUtcOffsetMinutes'>,
  pending: PendingChange,
  window: PlacedWindow,
  orderId?: string,
): ScalingState['downgrades'] {
  // orderId absent rather than undefined (always spreading `{ orderId }` is an equivalent mutant).
  const entry = (at: number) => ({ at, from: pending.from, to: pending.target, ...(orderId === undefined ? {} : { orderId }) });
  // Months start in the billing time zone, as the quota's own periods do (src/core/budget.ts).
  const month = (at: number) => startOfBillingMonth(at, policy.billingUtcOffsetMinutes);
  const straddles = policy.downgradeBudget.monthlyReset && month(window.earliest) !== month(window.latest);
  return straddles ? [entry(window.earliest), entry(window.latest)] : [entry(window.latest)];
}

/** The state after a change took effect, placed within `window`: what an applied and a reconciled change share. */
export function stateAfterChange(
  state: ScalingState,
  policy: Pick<Policy, 'downgradeBudget'>,
  instance: InstanceFacts,
  pending: PendingChange,
  window: PlacedWindow,
  orderId?: string,
): ScalingState {
  const { pending: _pending, blocked: _blocked, temporaryUpgrade, ...rest } = state;
  const at = window.latest;
  const next: ScalingState = { ...rest, lastChangeAt: at, lastTarget: pending.target };
  if (pending.isDowngrade) next.lastScaleDownAt = at;
  else next.lastScaleUpAt = at;
  if (countsAgainstQuota(instance, pending)) next.downgrades = [...state.downgrades, ...downgradeEntries(policy, pending, window, orderId)];
  // Each half of this test implies the other (decide sets endTime exactly on a temporaryUpgrade), so
  // dropping either is an equivalent mutant; the pair says what the branch is for.
  if (pending.action === 'temporaryUpgrade' && pending.endTime !== undefined) {
    next.temporaryUpgrade = { until: parseEndTime(pending.endTime), base: pending.from, target: pending.target };
  } else if (temporaryUpgrade && temporaryUpgrade.until > at) {
    next.temporaryUpgrade = temporaryUpgrade;
  }
  // A success disproves a block or a refusal about this change; an upgrade-only block or a refused
  // higher target still stands (src/core/refusal.ts).
  return clearDisproved(next, state, pending.from, pending.target, pending.targetIn);
}

/** True when DescribeInstances shows the instance at `target`, read up to `polls` times. */
export async function readBack(deps: CycleDeps, instance: InstanceFacts, target: number, verify: VerifyOptions): Promise<boolean> {
  for (let poll = 0; poll < verify.readBackPolls; poll++) {
    if (poll > 0) await deps.sleep(verify.readBackIntervalMs);
    try {
      const [now] = await deps.ecs.describeInstances({ regionId: instance.regionId, instanceIds: [instance.instanceId] });
      if (now !== undefined && showsTarget(now, target)) return true;
    } catch (error) {
      // A failed read proves nothing either way: the change stays `placed` for the next invocation.
      deps.log({ level: 'warn', msg: 'read-back failed', instanceId: instance.instanceId, error });
      return false;
    }
  }
  return false;
}

export interface SettleContext {
  policy: Policy;
  instance: InstanceFacts;
  /** The stored state carrying `pending`; its version is the commit's compare-and-set base. */
  intent: ScalingState;
  pending: PendingChange;
  call: OrderCall;
  source: string;
  summary: DecisionSummary;
  successOutcome: 'applied' | 'reconciled';
  verify: VerifyOptions;
}

/** Step t3: turns the answer to an order into the committed state, one history row and a notice. */
export async function settleOrder(deps: CycleDeps, ctx: SettleContext): Promise<ApplyResult> {
  const { policy, instance, intent, pending, call, source, summary } = ctx;
  const { instanceId } = instance;
  const at = deps.now();
  const decisionId = pending.decisionId;
  const row = (outcome: Outcome, extra: { orderId?: string; errorCode?: string }) =>
    historyRecord({ instanceId, at, decisionId, source, decision: summary, outcome, ...extra });
  if (call.kind === 'ok') {
    if (!(await readBack(deps, instance, pending.target, ctx.verify))) {
      // Placed, not yet visible: the intent stays, now with the order's id and the latest time it can
      // have been placed. Nothing counts as applied, and no decision is made on top of it, until a
      // read shows the target (reconcile.ts).
      const placed: PendingChange = { ...pending, orderId: call.orderId, placedAt: at };
      const written = await commitOrConflict(deps, { ...intent, pending: placed }, intent, [row('placed', { orderId: call.orderId })]);
      if (!written) return lostCommit(deps, ctx, call.orderId);
      deps.log({ level: 'info', msg: 'order placed', instanceId, decisionId, orderId: call.orderId });
      return { outcome: 'placed', decisionId, state: written, orderId: call.orderId, unwritten: [] };
    }
    return commitVisible(deps, { ...ctx, pending: { ...pending, orderId: call.orderId, placedAt: at } }, ctx.successOutcome, at);
  }

  const errorCode = call.code;
  if (call.uncertain) {
    // Keep the intent: the order may exist, and only the reconciler, reading DescribeInstances, may
    // decide between "it happened" and "re-send the same token". Clearing it here would let the next
    // tick derive a new token for the same change and place a second order.
    deps.log({ level: 'warn', msg: 'order uncertain', instanceId, decisionId, errorCode, attempts: call.attempts });
    return { outcome: 'uncertain', decisionId, state: intent, errorCode, unwritten: [row('uncertain', { errorCode })] };
  }

  // What the refusal means, and whether it starts an episode worth one notice: src/cycle/refusal.ts.
  const { next, outcome, notice } = settleRefusal(policy, instance, intent, withoutPending(intent), pending, call, at);
  const written = await commitOrConflict(deps, next, intent, [row(outcome, { errorCode })]);
  if (!written) return lostCommit(deps, ctx);
  deps.log({ level: 'warn', msg: 'order failed', instanceId, decisionId, errorCode, category: call.category, attempts: call.attempts, outcome });
  if (notice) await sendNotice(deps, notice);
  return { outcome, decisionId, state: written, errorCode, unwritten: [] };
}

/**
 * Commits a change DescribeInstances shows, dated at `latest`, the latest time its order can have
 * been placed (the answer's time when there was one): the lock and the warm-up run from there. The
 * quota books it in every period from its first send (the intent's startedAt) to `latest`.
 */
export async function commitVisible(
  deps: CycleDeps,
  ctx: Omit<SettleContext, 'call' | 'successOutcome'>,
  outcome: 'applied' | 'reconciled',
  latest: number,
): Promise<ApplyResult> {
  const { policy, instance, intent, pending, source, summary } = ctx;
  const { instanceId } = instance;
  const at = deps.now();
  const orderId = pending.orderId;
  const window = { earliest: pending.startedAt, latest };
  const next = stateAfterChange(intent, policy, instance, pending, window, orderId);
  // Here and below, orderId is left absent when there is none. Writing it as undefined instead is an
  // equivalent mutant: historyRecord drops undefined fields and every reader tests `!== undefined`.
  const record = historyRecord({
    instanceId,
    at,
    decisionId: pending.decisionId,
    source,
    decision: summary,
    outcome,
    ...(orderId === undefined ? {} : { orderId }),
  });
  const written = await commitOrConflict(deps, next, intent, [record]);
  if (!written) return lostCommit(deps, ctx, orderId);
  await sendNotice(deps, {
    type: 'applied',
    instanceId,
    from: pending.from,
    to: pending.target,
    reason: summary.reason,
    ...(orderId === undefined ? {} : { orderId }),
    message: summary.message,
  });
  if (countsAgainstQuota(instance, pending)) {
    const remaining = downgradesLeft(written, policy, at, false);
    if (remaining <= QUOTA_LOW) await sendNotice(deps, { type: 'quota-low', instanceId, remaining, quota: policy.downgradeBudget.quota });
  }
  const result: ApplyResult = { outcome, decisionId: pending.decisionId, state: written, unwritten: [] };
  if (orderId !== undefined) result.orderId = orderId;
  return result;
}

async function commitOrConflict(deps: CycleDeps, next: ScalingState, intent: ScalingState, history: HistoryRecord[]): Promise<ScalingState | undefined> {
  try {
    return await deps.store.commit(next, intent.version, history);
  } catch (error) {
    if (error instanceof ConflictError) return undefined;
    // StoreUnavailableError and the like: the intent stays and the next invocation reconciles it.
    throw error;
  }
}

/**
 * The intent was settled by someone else between t1 and t3: only a reconciler in another invocation
 * writes over a pending intent, and it settles the same ClientToken, so the provider holds one order
 * either way. The other invocation wrote the history; this one reports the conflict and logs it.
 */
function lostCommit(deps: CycleDeps, ctx: Pick<SettleContext, 'instance' | 'pending' | 'intent'>, orderId?: string): ApplyResult {
  const { instance, pending, intent } = ctx;
  deps.log({ level: 'info', msg: 'commit lost', instanceId: instance.instanceId, decisionId: pending.decisionId, reason: 'CONCURRENT_UPDATE', orderId });
  const result: ApplyResult = { outcome: 'conflict', decisionId: pending.decisionId, state: intent, errorCode: 'CONCURRENT_UPDATE', unwritten: [] };
  if (orderId !== undefined) result.orderId = orderId;
  return result;
}
