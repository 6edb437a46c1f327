// Which decisions the report lists. A backtest decides every few minutes for weeks, so most decisions
// are "nothing to do"; listing them would bury the few that matter. The report lists the ones that
// acted or were held back, and reduces the rest to counts by reason.
import { isHeldBack } from '../core/reasons';
import type { ReasonCode } from '../core/types';
import type { ReportDecision, ReportInstance } from './types';

/** How many acting or blocked decisions the table lists per instance (the latest ones). */
export const DECISION_ROWS = 200;

/**
 * For decisions without `proposed`: held reasons where nothing asked for a change, so nothing was
 * blocked. Every other held reason means a proposal was narrowed or refused (a guard, the provider,
 * the policy mode) and is listed, and so is a reason the producer counts in `summary.blocked`: the
 * header's blocked counts and the table must tell the same story.
 */
const QUIET_REASONS: ReadonlySet<string> = new Set<ReasonCode>(['AT_TARGET', 'WITHIN_TOLERANCE', 'NO_METRIC', 'WARMUP', 'PAUSED']);

export type DecisionKind = 'acting' | 'blocked' | 'quiet';

export interface DecisionDigest {
  total: number;
  /** Counts by reason code, per kind, largest first. */
  counts: Record<DecisionKind, Array<{ reason: string; count: number }>>;
  /** How many decisions acted or were blocked. */
  listed: number;
  /** The latest DECISION_ROWS of them, in time order. */
  rows: ReportDecision[];
}

/**
 * The simulator's rule where the data allows it: a held decision was blocked when its proposal differed
 * from the bandwidth, and an order the provider refused (outcome `blocked`) did not act either.
 */
export function decisionKind(decision: ReportDecision, blockedReasons: ReadonlySet<string>): DecisionKind {
  if (decision.action !== 'none') return decision.outcome === 'blocked' ? 'blocked' : 'acting';
  if (decision.proposed !== undefined) return isHeldBack({ ...decision, current: decision.from }) ? 'blocked' : 'quiet';
  if (blockedReasons.has(decision.reason) || !QUIET_REASONS.has(decision.reason)) return 'blocked';
  return 'quiet';
}

export function digestDecisions(instance: ReportInstance, rowLimit: number = DECISION_ROWS): DecisionDigest {
  const blockedReasons = new Set(Object.keys(instance.summary.blocked));
  const tallies: Record<DecisionKind, Map<string, number>> = { acting: new Map(), blocked: new Map(), quiet: new Map() };
  const notable: ReportDecision[] = [];
  // The producer appends in time order; sorting a copy keeps the table right even if it did not.
  const ordered = [...instance.decisions].sort((a, b) => a.at - b.at);
  for (const decision of ordered) {
    const kind = decisionKind(decision, blockedReasons);
    tallies[kind].set(decision.reason, (tallies[kind].get(decision.reason) ?? 0) + 1);
    if (kind !== 'quiet') notable.push(decision);
  }
  const byCount = (tally: Map<string, number>) =>
    [...tally].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
  return {
    total: ordered.length,
    counts: { acting: byCount(tallies.acting), blocked: byCount(tallies.blocked), quiet: byCount(tallies.quiet) },
    listed: notable.length,
    rows: notable.slice(Math.max(0, notable.length - rowLimit)),
  };
}
