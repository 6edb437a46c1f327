// The subscription downgrade budget. There is no API that returns the remaining quota (§0.5 of the
// fact sheet), so the count is ours, kept in the state; the provider's InstanceDowngrade.QuotaExceed
// (recorded as quotaExhaustedAt) overrides whatever we counted.
import type { Policy, ScalingState } from './types';

/** 00:00 UTC on the 1st of the month holding `now`. */
export function startOfUtcMonth(now: number): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

/**
 * Downgrades that count against the quota at `now`. With monthlyReset (the current console guide: the
 * quota "resets on the 1st of each month") only this UTC month's; otherwise every recorded one (the
 * older API doc: 3 per subscription instance, for its lifetime), so the state must keep them all.
 */
export function downgradesInPeriod(state: Pick<ScalingState, 'downgrades'>, policy: Pick<Policy, 'downgradeBudget'>, now: number): number {
  if (!policy.downgradeBudget.monthlyReset) return state.downgrades.length;
  const since = startOfUtcMonth(now);
  return state.downgrades.filter((d) => d.at >= since).length;
}

/** The provider said QuotaExceed within the current period. */
export function quotaExhausted(state: Pick<ScalingState, 'quotaExhaustedAt'>, policy: Pick<Policy, 'downgradeBudget'>, now: number): boolean {
  if (state.quotaExhaustedAt === undefined) return false;
  return !policy.downgradeBudget.monthlyReset || state.quotaExhaustedAt >= startOfUtcMonth(now);
}

/**
 * Downgrades still allowed in this period. The reserve is held back from rules and schedules and may
 * be spent only by a manual override: a downgrade is never an emergency for availability, so the
 * reserve exists for an operator correcting a mistake (a wrong override, a runaway upgrade), not for
 * the autoscaler's own routine.
 */
export function downgradesLeft(
  state: Pick<ScalingState, 'downgrades' | 'quotaExhaustedAt'>,
  policy: Pick<Policy, 'downgradeBudget'>,
  now: number,
  spendReserve: boolean,
): number {
  if (quotaExhausted(state, policy, now)) return 0;
  const { quota, reserve } = policy.downgradeBudget;
  const allowed = spendReserve ? quota : quota - reserve;
  return Math.max(0, allowed - downgradesInPeriod(state, policy, now));
}
