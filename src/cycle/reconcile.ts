// What the next invocation does with what an earlier one left behind: an intent (`pending`) whose
// call or commit never finished, and a `blocked` condition that may have cleared.
//
// The instance facts come from the DescribeInstances the invocation made anyway (the tick's batch,
// the alarm's single describe), so reconciling costs no extra ECS read.

import type { InstanceFacts, PendingChange, Policy, ScalingState } from '../core/types';
import { ConflictError } from '../errors';
import type { HistoryRecord } from '../ports/state-store';
import { type ApplyResult, countsAgainstQuota, DEFAULT_RETRY, orderRequest, type RetryOptions, sendOrder, settleOrder, stateAfterChange } from './apply';
import type { CycleDeps } from './deps';
import { historyRecord, type Outcome, summarizePending } from './history';

export interface ReconcileOptions {
  /**
   * An intent younger than this may still be in its invocation's retry loop (DEFAULT_RETRY spends at
   * most 20 s plus one call): leave it alone rather than race the invocation that owns it.
   */
  inFlightMs: number;
  /** Re-send the same ClientToken only this long after the intent was written. */
  maxResendAgeMs: number;
  /** Sends of one intent across invocations, the first included. */
  maxSends: number;
  /** Pause between probes of a block that DescribeInstances cannot show (unpaid order, balance). */
  probeIntervalMs: number;
}

// 15 minutes: three 5-minute provider locks (facts §0.3). The provider does not document how long it
// remembers a ClientToken; an order not visible after that long is treated as never placed.
export const DEFAULT_RECONCILE: ReconcileOptions = {
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
 * Settles an intent left by an earlier invocation, in this order:
 * 1. the instance already has the target bandwidth → commit it as 'reconciled', dated when the intent
 *    was written (the ledger and lastChangeAt then match what happened);
 * 2. the intent is younger than inFlightMs → leave it: its own invocation may still be sending;
 * 3. it may be re-sent (enforce mode, not paused, bandwidth still at `from`, young enough, sends left)
 *    → write attempts + 1 conditionally (the loser of a race stops), send the SAME ClientToken, settle;
 * 4. otherwise → clear it as 'failed'.
 */
export async function reconcilePending(deps: CycleDeps, ctx: ReconcileContext): Promise<ReconcileResult> {
  const { policy, instance, state, source } = ctx;
  const { pending } = state;
  if (!pending) return { state, inFlight: false, unwritten: [] };
  const options = { ...DEFAULT_RECONCILE, ...ctx.options };
  const now = deps.now();
  const age = now - pending.startedAt;

  if (instance.bandwidthOut === pending.target) {
    // A bandwidth that equals the target by coincidence (an operator made the same change) is
    // counted as ours: over-counting a downgrade is safe, under-counting could spend the quota.
    const next = stateAfterChange(state, instance, pending, pending.startedAt);
    const record = row(instance, pending, source, now, 'reconciled', 'the intent was found already in effect');
    return commitSettlement(deps, state, next, record, 'reconciled');
  }
  if (age < options.inFlightMs) return { state, inFlight: true, unwritten: [] };

  const refusal = resendRefusal(policy, instance, pending, age, options);
  if (refusal) {
    // Not confirmed and not re-sent. If it was a counted downgrade, record it anyway: an order we
    // cannot see may still have gone through, and the ledger must never under-count (the cost of an
    // over-count is one refund left unused).
    const { pending: _pending, ...rest } = state;
    const next: ScalingState = countsAgainstQuota(instance, pending)
      ? { ...rest, downgrades: [...state.downgrades, { at: pending.startedAt, from: pending.from, to: pending.target }] }
      : rest;
    const record = row(instance, pending, source, now, 'failed', `intent dropped: ${refusal}`, refusal);
    deps.log({ level: 'warn', msg: 'intent dropped', instanceId: instance.instanceId, decisionId: pending.decisionId, errorCode: refusal });
    return commitSettlement(deps, state, next, record, 'failed', refusal);
  }

  let intent: ScalingState;
  const resent: PendingChange = { ...pending, attempts: pending.attempts + 1 };
  try {
    intent = await deps.store.putState({ ...state, pending: resent }, state.version);
  } catch (error) {
    if (error instanceof ConflictError) return { state, inFlight: true, errorCode: 'CONCURRENT_UPDATE', unwritten: [] };
    throw error;
  }
  deps.log({ level: 'info', msg: 'intent resent', instanceId: instance.instanceId, decisionId: pending.decisionId, attempt: resent.attempts });
  const call = await sendOrder(deps, orderRequest(instance, resent), { ...DEFAULT_RETRY, ...ctx.retry });
  const summary = summarizePending(resent, 'PENDING_CHANGE', 'an earlier invocation left this change unconfirmed; re-sent with the same ClientToken');
  const settled: ApplyResult = await settleOrder(deps, { policy, instance, intent, pending: resent, call, source, summary, successOutcome: 'reconciled' });
  const result: ReconcileResult = {
    state: settled.state,
    inFlight: settled.outcome === 'uncertain' || settled.outcome === 'conflict',
    outcome: settled.outcome,
    unwritten: settled.unwritten,
  };
  if (settled.orderId !== undefined) result.orderId = settled.orderId;
  if (settled.errorCode !== undefined) result.errorCode = settled.errorCode;
  return result;
}

/** Why an unconfirmed intent must not be re-sent, or undefined when it may be. */
function resendRefusal(policy: Policy, instance: InstanceFacts, pending: PendingChange, age: number, options: ReconcileOptions): string | undefined {
  // Observe mode makes zero ECS writes, even for an intent left from when the policy enforced.
  if (policy.mode !== 'enforce' || policy.paused) return 'NOT_ENFORCED';
  // Someone else changed the bandwidth: re-sending an old target would undo their change.
  if (instance.bandwidthOut !== pending.from) return 'OUT_OF_BAND_CHANGE';
  if (age > options.maxResendAgeMs) return 'INTENT_EXPIRED';
  if (pending.attempts >= options.maxSends) return 'SENDS_EXHAUSTED';
  return undefined;
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

/** Error codes whose cause DescribeInstances shows as an OperationLocks reason (facts §1.3, §2.1). */
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
