// Which decisions the report lists, and how it counts them. A backtest decides every few minutes for
// weeks, so most decisions are "nothing to do"; listing them would bury the few that matter. The
// report lists the ones that acted or were held back, collapses a run of identical ones into one row
// with a count, and reduces the rest to counts by reason.
//
// "Blocked" has ONE definition here, used by the cards, the chips, the counts and the table alike:
// isHeldBack (src/core/reasons.ts), the one the backtest and the simulator count with, plus an order
// the provider refused (outcome `blocked` or `failed`): a wanted change that did not happen.
import { isHeldBack } from '../core/reasons';
import type { ReasonCode } from '../core/types';
import type { ReportDecision, ReportInstance } from './types';

/** How many rows (runs of identical decisions) the table lists per instance (the latest ones). */
export const DECISION_ROWS = 200;

/**
 * For decisions without `proposed` (data written before it existed): held reasons where nothing asked
 * for a change, or where the policy's own limit is the target (isHeldBack's BOUNDS/ZERO_PROTECTED),
 * so nothing was held back. Every other held reason means a proposal was narrowed or refused.
 */
const QUIET_REASONS: ReadonlySet<string> = new Set<ReasonCode>(['AT_TARGET', 'WITHIN_TOLERANCE', 'NO_METRIC', 'WARMUP', 'PAUSED', 'BOUNDS', 'ZERO_PROTECTED']);

export type DecisionKind = 'acting' | 'blocked' | 'quiet';

/** One row of the table: a run of consecutive decisions that are identical but for their time. */
export interface DecisionRun {
  decision: ReportDecision;
  /** The last decision of the run (its time and message end the row's span). */
  last: ReportDecision;
  count: number;
}

export interface DecisionDigest {
  total: number;
  /** Counts by reason code for held back and quiet decisions, largest first. */
  counts: Record<'blocked' | 'quiet', Array<{ reason: string; count: number }>>;
  /** Acting decisions by what they did. */
  acted: { raised: number; lowered: number; temporary: number; total: number };
  /** How many decisions acted or were blocked, and the rows they collapse into. */
  listed: number;
  runs: number;
  /** The latest DECISION_ROWS runs, in time order. */
  rows: DecisionRun[];
}

export function decisionKind(decision: ReportDecision): DecisionKind {
  if (decision.action !== 'none') return decision.outcome === 'blocked' || decision.outcome === 'failed' ? 'blocked' : 'acting';
  if (decision.proposed !== undefined) return isHeldBack({ ...decision, current: decision.from }) ? 'blocked' : 'quiet';
  return QUIET_REASONS.has(decision.reason) ? 'quiet' : 'blocked';
}

/** Identical decisions, as a reader of the table sees them: same action, bandwidths, reason and outcome. */
function sameDecision(a: ReportDecision, b: ReportDecision): boolean {
  return a.action === b.action && a.from === b.from && a.to === b.to && a.proposed === b.proposed && a.reason === b.reason && a.outcome === b.outcome;
}

export function digestDecisions(instance: ReportInstance, rowLimit: number = DECISION_ROWS): DecisionDigest {
  const tallies = { blocked: new Map<string, number>(), quiet: new Map<string, number>() };
  const acted = { raised: 0, lowered: 0, temporary: 0, total: 0 };
  const runs: DecisionRun[] = [];
  let listed = 0;
  // The producer appends in time order; sorting a copy keeps the table right even if it did not.
  const ordered = [...instance.decisions].sort((a, b) => a.at - b.at);
  let previousNotable = false;
  for (const decision of ordered) {
    const kind = decisionKind(decision);
    if (kind === 'quiet') {
      tallies.quiet.set(decision.reason, (tallies.quiet.get(decision.reason) ?? 0) + 1);
      // A quiet decision between two identical held ones ends the run: the table says "in a row".
      previousNotable = false;
      continue;
    }
    listed += 1;
    if (kind === 'blocked') tallies.blocked.set(decision.reason, (tallies.blocked.get(decision.reason) ?? 0) + 1);
    else {
      acted.total += 1;
      if (decision.action === 'temporaryUpgrade') acted.temporary += 1;
      else if (decision.to < decision.from) acted.lowered += 1;
      else acted.raised += 1;
    }
    const open = runs[runs.length - 1];
    if (previousNotable && open && sameDecision(open.decision, decision)) {
      open.count += 1;
      open.last = decision;
    } else runs.push({ decision, last: decision, count: 1 });
    previousNotable = true;
  }
  const byCount = (tally: Map<string, number>) =>
    [...tally].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
  return {
    total: ordered.length,
    counts: { blocked: byCount(tallies.blocked), quiet: byCount(tallies.quiet) },
    acted,
    listed,
    runs: runs.length,
    rows: runs.slice(Math.max(0, runs.length - rowLimit)),
  };
}

/**
 * Blocked decisions by reason, largest first: from the decisions when the data has them (the same
 * count the table shows), else from the producer's `summary.blocked`.
 */
export function blockedCounts(instance: ReportInstance): Array<{ reason: string; count: number }> {
  if (instance.decisions.length > 0) return digestDecisions(instance, 0).counts.blocked;
  return Object.entries(instance.summary.blocked)
    .map(([reason, count]) => ({ reason, count }))
    .filter((entry) => entry.count > 0)
    .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
}
