// The spend guard for pay-by-traffic instances: traffic is billed per GB and settled hourly, so the
// bandwidth cap is the only lever on the bill. The cycle measures the instance's outbound traffic
// from CloudMonitor (accrueSpend) and keeps running totals in the state; the guard spreads what is
// left of the hourly and daily budgets over what is left of the hour and the day (spendCap).
//
// Periods start in the billing time zone: Alibaba Cloud's China-site bills are settled in Beijing
// time (UTC+8, no daylight saving), so "today" starts at 16:00 UTC. Hours start on the hour in any
// whole-hour zone; a zone such as +05:30 moves them to :30 as well.
import { PROVIDER_LOCK_SECONDS } from './provider';
import type { ScalingState, SpendGuard, TrafficPoint } from './types';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** UTC+8: the default billing time zone (China site). */
export const DEFAULT_BILLING_UTC_OFFSET_MINUTES = 480;

// GB is read as 10^9 bytes = 8000 Mbit. If billing means 2^30 bytes, real spend is ~7% below what we
// count: the conservative side of the ambiguity.
const MBIT_PER_GB = 8000;
const BYTES_PER_GB = 1e9;

export type SpendTotals = NonNullable<ScalingState['spend']>;

/** The hour and day (in the billing time zone, `offsetMinutes` east of UTC) that `now` falls in. */
export function spendPeriods(now: number, offsetMinutes = DEFAULT_BILLING_UTC_OFFSET_MINUTES): { hourStart: number; dayStart: number } {
  const offset = offsetMinutes * 60_000;
  const local = now + offset;
  return { hourStart: local - mod(local, HOUR_MS) - offset, dayStart: local - mod(local, DAY_MS) - offset };
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/** What `outBps` of outbound traffic for `seconds` costs at `pricePerGb` CNY/GB. */
export function trafficCostCny(outBps: number, seconds: number, pricePerGb: number): number {
  return ((outBps * seconds) / 1_000_000 / MBIT_PER_GB) * pricePerGb;
}

/**
 * Where the next traffic measurement starts: right after the last one counted, or at the start of
 * the billing day when nothing of today is counted yet (a cold start, or the first tick of a day).
 */
export function spendMeasureFrom(spend: ScalingState['spend'], now: number, offsetMinutes?: number): number {
  const { dayStart } = spendPeriods(now, offsetMinutes);
  return spend && spend.dayStart === dayStart ? Math.max(dayStart, spend.lastSampleAt) : dayStart;
}

/**
 * The running totals after adding measured traffic. A point counts once: only points starting at or
 * after the last one counted (spendMeasureFrom) are added, so a retried or overlapping measurement
 * never counts bytes twice, and a crash before the state write only means the next tick measures the
 * same span again. Totals of an earlier hour or day are dropped when the period turns.
 */
export function accrueSpend(
  spend: ScalingState['spend'],
  points: readonly TrafficPoint[],
  now: number,
  pricePerGb: number,
  offsetMinutes?: number,
): SpendTotals {
  const { hourStart, dayStart } = spendPeriods(now, offsetMinutes);
  const from = spendMeasureFrom(spend, now, offsetMinutes);
  let hourCny = spend && spend.hourStart === hourStart && spend.dayStart === dayStart ? spend.hourCny : 0;
  let dayCny = spend && spend.dayStart === dayStart ? spend.dayCny : 0;
  let lastSampleAt = from;
  for (const point of points) {
    if (point.start < from || point.end > now || !(point.bytes >= 0)) continue;
    const cny = (point.bytes / BYTES_PER_GB) * pricePerGb;
    dayCny += cny;
    if (point.start >= hourStart) hourCny += cny;
    lastSampleAt = Math.max(lastSampleAt, point.end);
  }
  return { hourStart, hourCny, dayStart, dayCny, lastSampleAt };
}

export interface SpendCap {
  mbps: number;
  period: 'hour' | 'day';
  /** Budget left, after what was measured and what the unmeasured time may have cost. */
  remainingCny: number;
  budgetCny: number;
}

/**
 * The highest whole Mbps that, sustained to the end of the period, stays within the remaining budget;
 * the tighter of the hourly and daily caps. Undefined when no budget is set.
 *
 * Spend counts what CloudMonitor measured (state.spend) plus, for the time it has not reported yet
 * (its reporting lag, or a failed read), the current bandwidth at full use: the most that time can
 * have cost. A cap is held for at least the provider's 5-minute lock, so near the end of a period
 * the cap must fit both periods it runs in: what is left of this one's budget for the seconds left
 * of it, and, for the rest of the lock, the next period's budget at its even rate (the budget over
 * the period's length). Spreading only this period's remainder over the whole lock starved the next
 * period's first minutes: at 59:00 with 0.23 CNY left of 10 CNY an hour it capped at 7 Mbps for
 * five minutes of an hour whose even rate is 27 (test/sim/spend-guard.test.ts).
 */
export function spendCap(guard: SpendGuard, spend: ScalingState['spend'], now: number, currentMbps = 0, offsetMinutes?: number): SpendCap | undefined {
  const { hourStart, dayStart } = spendPeriods(now, offsetMinutes);
  const caps: SpendCap[] = [];
  const sameDay = spend !== undefined && spend.dayStart === dayStart;
  const unmeasured = (periodStart: number) => {
    const measuredTo = sameDay ? Math.max(periodStart, spend.lastSampleAt) : periodStart;
    return trafficCostCny(currentMbps * 1_000_000, Math.max(0, now - measuredTo) / 1000, guard.pricePerGb);
  };
  if (guard.budgetCnyPerHour !== undefined) {
    const spent = (sameDay && spend.hourStart === hourStart ? spend.hourCny : 0) + unmeasured(hourStart);
    caps.push(capFor('hour', guard.budgetCnyPerHour, spent, hourStart + HOUR_MS - now, HOUR_MS, guard.pricePerGb));
  }
  if (guard.budgetCnyPerDay !== undefined) {
    const spent = (sameDay ? spend.dayCny : 0) + unmeasured(dayStart);
    caps.push(capFor('day', guard.budgetCnyPerDay, spent, dayStart + DAY_MS - now, DAY_MS, guard.pricePerGb));
  }
  // On a tie (`<` or `<=` alike) both caps allow the same Mbps; the hour's, listed first, is named.
  return caps.reduce<SpendCap | undefined>((tightest, cap) => (!tightest || cap.mbps < tightest.mbps ? cap : tightest), undefined);
}

function capFor(period: SpendCap['period'], budgetCny: number, spentCny: number, remainingMs: number, periodMs: number, pricePerGb: number): SpendCap {
  const remainingCny = Math.max(0, budgetCny - spentCny);
  const mbitAffordable = (remainingCny / pricePerGb) * MBIT_PER_GB;
  const secondsLeft = remainingMs / 1000;
  let mbps = mbitAffordable / secondsLeft;
  const spillSeconds = PROVIDER_LOCK_SECONDS - secondsLeft;
  // With exactly the lock's length left (no spill) the blend below is this period's own rate: `>= 0` would change nothing.
  if (spillSeconds > 0) {
    // The lock runs past the period's end: the next period pays for that part at its even rate.
    const nextEvenMbps = ((budgetCny / pricePerGb) * MBIT_PER_GB) / (periodMs / 1000);
    mbps = Math.min(mbps, (mbitAffordable + nextEvenMbps * spillSeconds) / PROVIDER_LOCK_SECONDS);
  }
  // Rounded down: this is a ceiling on spend, and a whole Mbps over it is a whole Mbps over budget.
  return { mbps: Math.floor(mbps), period, remainingCny, budgetCny };
}
