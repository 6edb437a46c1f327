// The subscription downgrade budget. There is no API that returns the remaining quota, so the count is
// ours, kept in the state; the provider's InstanceDowngrade.QuotaExceed (recorded as quotaExhaustedAt)
// overrides whatever we counted until the quota resets.
//
// Which changes spend it: the quota counts refunds ("Up to three refunds can be made for each
// subscription instance. A refund is made if you downgrade the instance type or bandwidth or change
// the billing method of a disk", https://www.alibabacloud.com/help/en/ecs/user-guide/modify-the-bandwidth-configurations-of-subscription-instances).
// A subscription pay-by-bandwidth downgrade is refunded, so it spends quota; a subscription
// pay-by-traffic instance only changes its peak bandwidth ("you can modify their peak bandwidths"),
// which is billed per GB and refunds nothing, so it does not (src/core/provider.ts downgradeBudgetApplies).
import { DEFAULT_BILLING_UTC_OFFSET_MINUTES } from './spend';
import type { Policy, ScalingState } from './types';

type BudgetPolicy = Pick<Policy, 'downgradeBudget' | 'billingUtcOffsetMinutes'>;

/** 00:00 on the 1st of the month holding `now`, in the billing time zone (minutes east of UTC; default UTC+8). */
export function startOfBillingMonth(now: number, offsetMinutes = DEFAULT_BILLING_UTC_OFFSET_MINUTES): number {
  const offset = offsetMinutes * 60_000;
  const local = new Date(now + offset);
  return Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1) - offset;
}

/** 00:00 UTC on the 1st of the month holding `now`. */
export function startOfUtcMonth(now: number): number {
  return startOfBillingMonth(now, 0);
}

/** When the quota resets next (monthly accounting), or undefined for lifetime accounting. */
export function nextQuotaReset(policy: BudgetPolicy, now: number): number | undefined {
  if (!policy.downgradeBudget.monthlyReset) return undefined;
  const offset = (policy.billingUtcOffsetMinutes ?? DEFAULT_BILLING_UTC_OFFSET_MINUTES) * 60_000;
  const local = new Date(now + offset);
  return Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 1) - offset;
}

/**
 * Downgrades that count against the quota at `now`. With monthlyReset (the default: the current
 * console guide's quota "resets on the 1st of each month") only this billing month's; otherwise every
 * recorded one (the older API doc: 3 per subscription instance, for its lifetime), so the state must
 * keep them all.
 */
export function downgradesInPeriod(state: Pick<ScalingState, 'downgrades'>, policy: BudgetPolicy, now: number): number {
  if (!policy.downgradeBudget.monthlyReset) return state.downgrades.length;
  const since = startOfBillingMonth(now, policy.billingUtcOffsetMinutes);
  return state.downgrades.filter((d) => d.at >= since).length;
}

/**
 * The provider said QuotaExceed within the current period: exhausted until the next reset (the 1st
 * of the next billing month), or for good under lifetime accounting.
 */
export function quotaExhausted(state: Pick<ScalingState, 'quotaExhaustedAt'>, policy: BudgetPolicy, now: number): boolean {
  if (state.quotaExhaustedAt === undefined) return false;
  return !policy.downgradeBudget.monthlyReset || state.quotaExhaustedAt >= startOfBillingMonth(now, policy.billingUtcOffsetMinutes);
}

/**
 * Downgrades still allowed in this period. The reserve is held back from rules and schedules and may
 * be spent only by a manual override: a downgrade is never an emergency for availability, so the
 * reserve exists for an operator correcting a mistake (a wrong override, a runaway upgrade), not for
 * the autoscaler's own routine.
 */
export function downgradesLeft(state: Pick<ScalingState, 'downgrades' | 'quotaExhaustedAt'>, policy: BudgetPolicy, now: number, spendReserve: boolean): number {
  if (quotaExhausted(state, policy, now)) return 0;
  const { quota, reserve } = policy.downgradeBudget;
  const allowed = spendReserve ? quota : quota - reserve;
  return Math.max(0, allowed - downgradesInPeriod(state, policy, now));
}
