// What the next invocation does with what an earlier one left behind: an intent (`pending`) whose
// call or commit never finished, and a `blocked` condition that may have cleared.
//
// The instance facts come from the DescribeInstances the invocation made anyway (the tick's batch,
// the alarm's single describe), so reconciling costs no extra ECS read.

import { showsTarget } from '../core/provider';
import type { Decision, InstanceFacts, PendingChange, Policy, ScalingState } from '../core/types';
import { ConflictError } from '../errors';
import type { HistoryRecord } from '../ports/state-store';
import {
  type ApplyResult,
  commitVisible,
  countsAgainstQuota,
  DEFAULT_RETRY,
  DEFAULT_VERIFY,
  downgradeEntries,
  orderRequest,
  type PlacedWindow,
  type RetryOptions,
  sendOrder,
  settleOrder,
  type VerifyOptions,
} from './apply';
import { type CycleDeps, sendNotice } from './deps';
import { type CycleCode, historyRecord, type Outcome, summarizePending } from './history';

export interface ReconcileOptions extends VerifyOptions {
  /**
   * An intent younger than this may still be in its invocation's retry loop (DEFAULT_RETRY spends at
   * most 20 s plus one call): leave it alone rather than race the invocation that owns it. It also
   * bounds the latest time an unanswered send can have placed its order: sentAt + inFlightMs.
   */
  inFlightMs: number;
  /** Re-send the same ClientToken only this long after the intent was written. */
  maxResendAgeMs: number;
  /** Sends of one intent across invocations, the first included. */
  maxSends: number;
  /** Pause between probes of a block that DescribeInstances cannot show (unpaid order, balance). */
  probeIntervalMs: number;
}

// 15 minutes: three 5-minute provider locks (https://www.alibabacloud.com/help/en/ecs/user-guide/change-public-bandwidth).
// The provider does not document how long it remembers a ClientToken; an order not visible after
// that long (longer than visibleWithinMs, so a placed order has shown up or been blocked by then) is
// treated as never placed, and booked in the ledger all the same.
export const DEFAULT_RECONCILE: ReconcileOptions = {
  ...DEFAULT_VERIFY,
  inFlightMs: 60_000,
  maxResendAgeMs: 15 * 60_000,
  maxSends: 3,
  probeIntervalMs: 30 * 60_000,
};

export interface ReconcileContext {
  policy: Policy;
  instance: InstanceFacts;
  state: ScalingState;
  source: string;
  /**
   * Decides again on the current facts, with the intent left out of the state. Called before any
   * re-send: the intent goes out again only if this decision still wants the same change.
   */
  decideAgain: (view: ScalingState) => Decision;
  /** False on the alarm path: an alarm never sends a downgrade, its own or an inherited one. */
  mayLowerBandwidth: boolean;
  retry?: Partial<RetryOptions>;
  options?: Partial<ReconcileOptions>;
}

export interface ReconcileResult {
  /** The latest stored state. */
  state: ScalingState;
  /** An intent is still open: the cycle must not decide on top of it (PENDING_CHANGE). */
  inFlight: boolean;
  /** What happened to the intent, when something did. */
  outcome?: Outcome;
  orderId?: string;
  errorCode?: string;
  unwritten: HistoryRecord[];
}

/**
 * When the intent's order can have been placed: from its first send (startedAt) to its answer
 * (placedAt) when the provider answered, else to the latest moment an unanswered send could still
 * reach the provider (its start + inFlightMs), and never later than now.
 */
export function placedWindow(pending: PendingChange, now: number, options: Pick<ReconcileOptions, 'inFlightMs'>): PlacedWindow {
  const latest = pending.placedAt ?? Math.min(now, (pending.sentAt ?? pending.startedAt) + options.inFlightMs);
  return { earliest: pending.startedAt, latest: Math.max(latest, pending.startedAt) };
}

/**
 * Settles an intent left by an earlier invocation, in this order:
 * 1. the instance shows the target → commit it ('applied' when the provider had answered with an
 *    order, else 'reconciled'), dated at the latest time it can have been placed (placedWindow) and
 *    booked in every quota period it can fall in;
 * 2. the provider answered with an order that does not show yet → wait; past visibleWithinMs → a
 *    block (CHANGE_NOT_VISIBLE) with one notice, the downgrade booked;
 * 3. the intent was sent (or re-sent) less than inFlightMs ago → leave it: the invocation that sent
 *    it may still be sending;
 * 4. it may not be re-sent (observe mode, paused, out-of-band change, too old, sends used up) → drop
 *    it as 'failed', a counted downgrade booked: an order we cannot see may still go through;
 * 5. decide again on the current facts: a decision that no longer wants the same change drops it
 *    (STALE_INTENT, booked likewise); the alarm path holds an inherited downgrade for the tick;
 * 6. otherwise → write attempts + 1 conditionally (the loser of a race stops) and send the SAME
 *    ClientToken, as an order that may already exist (sendOrder's mayBePlaced), then settle.
 */
export async function reconcilePending(deps: CycleDeps, ctx: ReconcileContext): Promise<ReconcileResult> {
  const { policy, instance, state, source } = ctx;
  const { pending } = state;
  if (!pending) return { state, inFlight: false, unwritten: [] };
  const options = { ...DEFAULT_RECONCILE, ...ctx.options };
  const now = deps.now();
  const age = now - pending.startedAt;
  const window = placedWindow(pending, now, options);

  if (showsTarget(instance, pending.target)) {
    // A bandwidth that equals the target by coincidence (an operator made the same change) is
    // counted as ours: over-counting a downgrade is safe, under-counting could spend the quota.
    const summary = summarizePending(pending, 'PENDING_CHANGE', "an earlier invocation's change, now shown by DescribeInstances");
    const outcome = pending.orderId === undefined ? 'reconciled' : 'applied';
    const settled = await commitVisible(deps, { policy, instance, intent: state, pending, source, summary, verify: options }, outcome, window.latest);
    return fromApplyResult(settled);
  }

  if (pending.placedAt !== undefined) {
    if (now - pending.placedAt <= options.visibleWithinMs) return { state, inFlight: true, unwritten: [] };
    return blockInvisible(deps, ctx, pending, window, now);
  }

  // In flight counts from the latest send, not from the decision: an old intent that another
  // invocation re-sent moments ago (attempts + 1, sentAt now) is that invocation's to settle. Deciding
  // again here and dropping it would win the commit while the re-send's order goes through, leaving
  // an order whose decision is recorded as failed (found by the chaos month at a 300 ms SDK timeout).
  if (now - (pending.sentAt ?? pending.startedAt) < options.inFlightMs) return { state, inFlight: true, unwritten: [] };

  const refusal = resendRefusal(policy, instance, pending, age, options) ?? freshRefusal(ctx, pending);
  if (refusal === 'ALARM_NO_SCALE_DOWN') return { state, inFlight: true, errorCode: refusal, unwritten: [] };
  if (refusal) {
    // Not confirmed and not re-sent. If it was a counted downgrade, record it anyway: an order we
    // cannot see may still have gone through, and the ledger must never under-count (the cost of an
    // over-count is one refund left unused).
    const { pending: _pending, ...rest } = state;
    const next: ScalingState = countsAgainstQuota(instance, pending)
      ? { ...rest, downgrades: [...state.downgrades, ...downgradeEntries(policy, pending, window)] }
      : rest;
    const record = row(instance, pending, source, now, 'failed', `intent dropped: ${refusal}`, refusal);
    deps.log({ level: 'warn', msg: 'intent dropped', instanceId: instance.instanceId, decisionId: pending.decisionId, errorCode: refusal });
    return commitSettlement(deps, state, next, record, 'failed', refusal);
  }

  let intent: ScalingState;
  const resent: PendingChange = { ...pending, attempts: pending.attempts + 1, sentAt: now };
  try {
    intent = await deps.store.putState({ ...state, pending: resent }, state.version);
  } catch (error) {
    if (error instanceof ConflictError) return { state, inFlight: true, errorCode: 'CONCURRENT_UPDATE', unwritten: [] };
    throw error;
  }
  deps.log({ level: 'info', msg: 'intent resent', instanceId: instance.instanceId, decisionId: pending.decisionId, attempt: resent.attempts });
  const call = await sendOrder(deps, orderRequest(instance, resent), { ...DEFAULT_RETRY, ...ctx.retry }, true);
  const summary = summarizePending(
    resent,
    'PENDING_CHANGE',
    'an earlier invocation left this change unconfirmed; decided again and re-sent with the same ClientToken',
  );
  return fromApplyResult(
    await settleOrder(deps, { policy, instance, intent, pending: resent, call, source, summary, successOutcome: 'reconciled', verify: options }),
  );
}

// Optional fields stay absent rather than undefined, here and in commitSettlement and row; setting them
// to undefined unconditionally is an equivalent mutant (readers test `!== undefined`, and historyRecord
// drops undefined fields).
function fromApplyResult(settled: ApplyResult): ReconcileResult {
  const result: ReconcileResult = {
    state: settled.state,
    inFlight: settled.outcome === 'uncertain' || settled.outcome === 'conflict' || settled.outcome === 'placed',
    outcome: settled.outcome,
    unwritten: settled.unwritten,
  };
  if (settled.orderId !== undefined) result.orderId = settled.orderId;
  if (settled.errorCode !== undefined) result.errorCode = settled.errorCode;
  return result;
}

/** Why an unconfirmed intent must not be re-sent, or undefined when it may be. */
function resendRefusal(policy: Policy, instance: InstanceFacts, pending: PendingChange, age: number, options: ReconcileOptions): CycleCode | undefined {
  // Observe mode makes zero ECS writes, even for an intent left from when the policy enforced.
  if (policy.mode !== 'enforce' || policy.paused) return 'NOT_ENFORCED';
  // Someone else changed the bandwidth: re-sending an old target would undo their change.
  if (instance.bandwidthOut !== pending.from) return 'OUT_OF_BAND_CHANGE';
  if (startTimePassed(pending, pending.startedAt + age)) return 'START_TIME_PASSED';
  if (age > options.maxResendAgeMs) return 'INTENT_EXPIRED';
  if (pending.attempts >= options.maxSends) return 'SENDS_EXHAUSTED';
  return undefined;
}

/**
 * A temporary upgrade whose StartTime lies before the current minute. The local ECS refuses a start in
 * the past (InvalidStartTime.ValueNotSupported; the docs give the format only, so the emulator takes
 * the harsher reading), and the re-send must be the identical request. Dropping it is safe: an order
 * the first send placed shows in DescribeInstances from its StartTime (step 1 above confirms it), and
 * one that has not started yet makes the provider refuse a second (InvalidAction.WithActiveElasticUpgrade);
 * this cycle's fresh decision then sends a new one with a new StartTime.
 */
function startTimePassed(pending: PendingChange, now: number): boolean {
  // Only a temporary upgrade's intent carries a StartTime, and Date.parse(undefined) is NaN, which no
  // comparison passes: this line narrows the type, and its four surviving mutants are equivalent.
  if (pending.action !== 'temporaryUpgrade' || pending.startTime === undefined) return false;
  return Date.parse(pending.startTime) < Math.floor(now / 60_000) * 60_000;
}

/** Decides again: undefined when the current facts still want exactly this change, now. */
function freshRefusal(ctx: ReconcileContext, pending: PendingChange): CycleCode | undefined {
  const { pending: _pending, ...view } = ctx.state;
  const fresh = ctx.decideAgain(view);
  if (fresh.action !== pending.action || fresh.target !== pending.target) return 'STALE_INTENT';
  if (pending.isDowngrade && !ctx.mayLowerBandwidth) return 'ALARM_NO_SCALE_DOWN';
  return undefined;
}

/**
 * The provider accepted the order but DescribeInstances has not shown it for visibleWithinMs: stop
 * changing this instance until someone looks (the block is probed like any account-level block),
 * book a downgrade as spent, and say so once. Never a silent success, never a silent retry.
 */
async function blockInvisible(deps: CycleDeps, ctx: ReconcileContext, pending: PendingChange, window: PlacedWindow, now: number): Promise<ReconcileResult> {
  const { policy, instance, state, source } = ctx;
  const code: CycleCode = 'CHANGE_NOT_VISIBLE';
  const message = `order ${pending.orderId} (${pending.from} → ${pending.target} Mbps) was accepted but DescribeInstances still shows ${instance.bandwidthOut} Mbps after ${Math.round((now - (pending.placedAt ?? now)) / 1000)} s`;
  const { pending: _pending, ...rest } = state;
  const next: ScalingState = { ...rest, blocked: { code, since: now, message, lastProbeAt: now } };
  if (countsAgainstQuota(instance, pending)) next.downgrades = [...state.downgrades, ...downgradeEntries(policy, pending, window, pending.orderId)];
  const record = row(instance, pending, source, now, 'blocked', message, code);
  const result = await commitSettlement(deps, state, next, record, 'blocked', code);
  if (result.outcome === 'blocked') {
    deps.log({ level: 'warn', msg: 'change not visible', instanceId: instance.instanceId, decisionId: pending.decisionId, orderId: pending.orderId });
    await sendNotice(deps, {
      type: 'needs-a-human',
      instanceId: instance.instanceId,
      code,
      message: `${message}; bandwidth changes stop until this is resolved`,
    });
  }
  return result;
}

function row(
  instance: InstanceFacts,
  pending: PendingChange,
  source: string,
  at: number,
  outcome: Outcome,
  message: string,
  errorCode?: string,
): HistoryRecord {
  return historyRecord({
    instanceId: instance.instanceId,
    at,
    decisionId: pending.decisionId,
    source,
    decision: summarizePending(pending, 'PENDING_CHANGE', message),
    outcome,
    ...(errorCode === undefined ? {} : { errorCode }),
  });
}

async function commitSettlement(
  deps: CycleDeps,
  state: ScalingState,
  next: ScalingState,
  record: HistoryRecord,
  outcome: Outcome,
  errorCode?: string,
): Promise<ReconcileResult> {
  try {
    const written = await deps.store.commit(next, state.version, [record]);
    return { state: written, inFlight: false, outcome, unwritten: [], ...(errorCode === undefined ? {} : { errorCode }) };
  } catch (error) {
    // Another invocation settled or re-sent it first; whatever it did, this one must not decide now.
    if (error instanceof ConflictError) return { state, inFlight: true, errorCode: 'CONCURRENT_UPDATE', unwritten: [] };
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Blocks.

/** Error codes whose cause DescribeInstances shows as an OperationLocks reason (docs/reference/alibaba-cloud.md §1.3, §2.1). */
const LOCK_REASON_OF_CODE: Record<string, string> = {
  InstanceLockedForSecurity: 'security',
  InstanceExpiredOrInArrears: 'financial',
};

export type BlockView =
  /** No block, or one still in force: decide on the state as stored. */
  | { kind: 'unchanged' }
  /** The lock is gone from OperationLocks: the block is over, persist that. */
  | { kind: 'lifted'; code: string }
  /** An account-level block (unpaid order, balance, arrears) no read can show: let one change through. */
  | { kind: 'probe'; code: string };

/**
 * How a stored block stands now. Blocks with an OperationLocks reason clear when the reason leaves
 * the instance's OperationLocks. The others (InvalidInstance.UnPaidOrder, NotEnoughBalance,
 * Account.Arrearage, ...) are visible only to the call itself, so after probeIntervalMs one acting
 * decision is let through as a probe: success clears the block, the same refusal renews it with a
 * new lastProbeAt. Such a probe cannot create an order the block forbids: the provider refuses the
 * call (no order is placed), which is exactly what it answered before.
 */
export function blockView(state: ScalingState, instance: InstanceFacts, now: number, options: Partial<ReconcileOptions> = {}): BlockView {
  const { blocked } = state;
  if (!blocked) return { kind: 'unchanged' };
  const lockReason = LOCK_REASON_OF_CODE[blocked.code];
  if (lockReason !== undefined) {
    return instance.operationLocks.includes(lockReason) ? { kind: 'unchanged' } : { kind: 'lifted', code: blocked.code };
  }
  const { probeIntervalMs } = { ...DEFAULT_RECONCILE, ...options };
  return now - (blocked.lastProbeAt ?? blocked.since) >= probeIntervalMs ? { kind: 'probe', code: blocked.code } : { kind: 'unchanged' };
}
