// The decision history row and the identity of a decision. Every path of the cycle (applied, held,
// observed, reconciled, deferred) writes the same shape, so an operator greps one format.
import { createHash } from 'node:crypto';
import type { Decision, PendingChange, ReasonCode } from '../core/types';
import type { HistoryRecord, Outcome } from '../ports/state-store';

export type { Outcome };

/**
 * The cycle's own codes, beside the core's ReasonCode and the provider's error codes: an
 * InstanceOutcome's reason when another invocation won, and a history row's errorCode when the
 * cycle (not the provider) refused or dropped something.
 */
export type CycleCode =
  /** Another invocation won the conditional write for this instance. */
  | 'CONCURRENT_UPDATE'
  /** The tick's ECS write budget was spent on more urgent changes. */
  | 'ECS_BUDGET'
  /** An alarm never lowers bandwidth, its own decision's or an inherited intent's. */
  | 'ALARM_NO_SCALE_DOWN'
  /** Observe mode or paused: an intent left from enforce mode is not re-sent. */
  | 'NOT_ENFORCED'
  /** The bandwidth is neither the intent's `from` nor its target: someone else changed it. */
  | 'OUT_OF_BAND_CHANGE'
  /** The intent is older than the re-send bound. */
  | 'INTENT_EXPIRED'
  /** The intent was sent as often as allowed. */
  | 'SENDS_EXHAUSTED'
  /**
   * A temporary upgrade's StartTime has passed: the identical request would be refused (a start in the
   * past), and a changed one under the same ClientToken too (IdempotentParameterMismatch).
   */
  | 'START_TIME_PASSED'
  /** Decided again on current facts, the cycle no longer wants the intent's change. */
  | 'STALE_INTENT'
  /** The provider accepted the order but DescribeInstances never showed it within the bound. */
  | 'CHANGE_NOT_VISIBLE';

export type DecisionSummary = HistoryRecord['decision'];

/**
 * The decision id: a hash of (instanceId, the state version it was decided on, action, target).
 * Function Compute retries an async invocation that failed (docs/reference/alibaba-cloud.md §5.5: at-least-once), and such a
 * retry reads the same state version and decides the same thing, so it derives the SAME id and thus
 * the same ClientToken: the provider answers a repeated token with the original order instead of
 * placing a second one. A different target or a newer state is a different decision.
 */
export function decisionIdOf(instanceId: string, stateVersion: number, action: Decision['action'], target: number): string {
  const digest = createHash('sha256').update(`${instanceId}\n${stateVersion}\n${action}\n${target}`).digest('hex');
  return `d-${digest.slice(0, 32)}`;
}

/** ModifyInstanceNetworkSpec ClientToken: at most 64 ASCII characters (docs/reference/alibaba-cloud.md §1.1); this is 43. */
export function clientTokenOf(decisionId: string): string {
  return `bwscaler-${decisionId}`;
}

export function summarize(decision: Decision): DecisionSummary {
  const summary: DecisionSummary = {
    action: decision.action,
    current: decision.current,
    target: decision.target,
    proposed: decision.proposed,
    reason: decision.reason,
    message: decision.message,
    isDowngrade: decision.isDowngrade,
    guards: decision.guards.map((hit) => hit.reason),
  };
  // A predictive policy's forecast beside what was acted on: the row is where forecast-only mode
  // shows what scaling on the forecast would have done (README, predictive policy).
  if (decision.prediction) summary.prediction = decision.prediction;
  return summary;
}

/** The summary of an intent settled without its original Decision at hand (the reconciler). */
export function summarizePending(pending: PendingChange, reason: ReasonCode, message: string): DecisionSummary {
  return {
    action: pending.action,
    current: pending.from,
    target: pending.target,
    proposed: pending.target,
    reason,
    message,
    isDowngrade: pending.isDowngrade,
    guards: [],
  };
}

export function historyRecord(fields: {
  instanceId: string;
  at: number;
  decisionId: string;
  source: string;
  decision: DecisionSummary;
  outcome: Outcome;
  orderId?: string;
  errorCode?: string;
}): HistoryRecord {
  const record: HistoryRecord = {
    instanceId: fields.instanceId,
    at: fields.at,
    decisionId: fields.decisionId,
    source: fields.source,
    decision: fields.decision,
    outcome: fields.outcome,
  };
  // Absent rather than undefined: the Tablestore row then has no such column at all.
  if (fields.orderId !== undefined) record.orderId = fields.orderId;
  if (fields.errorCode !== undefined) record.errorCode = fields.errorCode;
  return record;
}
