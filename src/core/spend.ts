// The spend guard for pay-by-traffic instances: traffic is billed per GB and settled hourly (§8), so
// the bandwidth cap is the only lever on the bill. The guard spreads what is left of the hourly and
// daily budgets over what is left of the hour and the day.
import type { ScalingState, SpendGuard } from './types';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

// GB is read as 10^9 bytes = 8000 Mbit. If billing means 2^30 bytes, real spend is ~7% below what we
// count: the conservative side of the ambiguity.
const MBIT_PER_GB = 8000;

/** The UTC hour and day a spend sample falls in; the cycle must bucket `state.spend` the same way. */
export function spendPeriods(now: number): { hourStart: number; dayStart: number } {
  return { hourStart: now - (now % HOUR_MS), dayStart: now - (now % DAY_MS) };
}

/** What `outBps` of outbound traffic for `seconds` costs at `pricePerGb` CNY/GB. */
export function trafficCostCny(outBps: number, seconds: number, pricePerGb: number): number {
  return ((outBps * seconds) / 1_000_000 / MBIT_PER_GB) * pricePerGb;
}

export interface SpendCap {
  mbps: number;
  period: 'hour' | 'day';
  remainingCny: number;
  budgetCny: number;
}

/**
 * The highest whole Mbps that, sustained to the end of the period, stays within the remaining budget;
 * the tighter of the hourly and daily caps. Undefined when no budget is set. Spend recorded for an
 * earlier hour or day does not count against the current one.
 */
export function spendCap(guard: SpendGuard, spend: ScalingState['spend'], now: number): SpendCap | undefined {
  const { hourStart, dayStart } = spendPeriods(now);
  const caps: SpendCap[] = [];
  if (guard.budgetCnyPerHour !== undefined) {
    const spent = spend && spend.hourStart === hourStart ? spend.hourCny : 0;
    caps.push(capFor('hour', guard.budgetCnyPerHour, spent, hourStart + HOUR_MS - now, guard.pricePerGb));
  }
  if (guard.budgetCnyPerDay !== undefined) {
    const spent = spend && spend.dayStart === dayStart ? spend.dayCny : 0;
    caps.push(capFor('day', guard.budgetCnyPerDay, spent, dayStart + DAY_MS - now, guard.pricePerGb));
  }
  return caps.reduce<SpendCap | undefined>((tightest, cap) => (!tightest || cap.mbps < tightest.mbps ? cap : tightest), undefined);
}

function capFor(period: SpendCap['period'], budgetCny: number, spentCny: number, remainingMs: number, pricePerGb: number): SpendCap {
  const remainingCny = Math.max(0, budgetCny - spentCny);
  const mbitAffordable = (remainingCny / pricePerGb) * MBIT_PER_GB;
  // Rounded down: this is a ceiling on spend, and a whole Mbps over it is a whole Mbps over budget.
  const mbps = Math.floor(mbitAffordable / (remainingMs / 1000));
  return { mbps, period, remainingCny, budgetCny };
}
