// The hindsight optimum for the EIP and shared-package billings (src/sim/vpc-billing.ts), the least
// a plan can pay on the same demand under the provider's rules. Each is exact over ALL plans on the
// grid, not only those a lock or an asynchronous change would allow, so it is a true lower bound
// (costVsOracle >= 1 for a plan that drops nothing), whatever the EIP's and the package's change
// rules turn out to be:
//
// - by data transfer (eip-traffic): the bandwidth is only a cap; serving all that fits under the API
//   maximum costs its GB, so the cap stays at the maximum. With a drop penalty, each interval either
//   serves (price per GB) or drops (penalty per GB), whichever is cheaper.
// - by bandwidth (eip-bandwidth, cbwp-bandwidth): each day is billed at the day's highest bandwidth,
//   so a plan that holds the day's highest level all day costs the same and drops no more: the
//   optimum is one level per day, the least that serves the day's peak (all demand), or the level
//   that minimises the day's price plus penalty (score), searched over every whole Mbps.
// - enhanced 95th percentile (cbwp-95): serving all demand fixes the served samples, hence the
//   monthly peak; only the package's bandwidth is left to choose. Under the reading vpc-billing.ts
//   states (minimum fee per day at the day's bandwidth, excess above the month's lowest daily
//   minimum), the bill for daily levels max(need_d, m) is convex in m, and the optimum is at one of
//   its breakpoints. The SCORE optimum is not solved: dropping traffic lowers 5-minute samples, daily
//   peaks and a month's top five together, a coupled search this file does not attempt. The score
//   shown for it is the all-demand optimum's, which a plan that drops traffic can beat; the backtest
//   says so.

import { type BillingMode, DEFAULT_PRICES, dailyPriceOf, type PlanCalendar, type PriceTable, scorePlan } from './cost';
import { type BillingCalendar, billingDays, dailyPeak, fiveMinuteSamples, monthlyAveragePeak, VPC_RANGES, type VpcBilling } from './vpc-billing';

export interface VpcOracleOptions {
  billing: VpcBilling;
  prices?: PriceTable;
  calendar: PlanCalendar;
  /** Minimise cost + this × dropped GB instead of serving all demand. */
  dropPenaltyPerGb?: number;
}

export interface VpcOraclePlan {
  planMbps: number[];
  objective: number;
  /** False when the plan is not the true optimum of the objective (cbwp-95's score). */
  exact: boolean;
}

export function vpcOraclePlan(demandMbps: readonly number[], stepSeconds: number, options: VpcOracleOptions): VpcOraclePlan {
  const prices = options.prices ?? DEFAULT_PRICES;
  const { billing, calendar, dropPenaltyPerGb: penalty } = options;
  const range = VPC_RANGES[billing];
  const billingCalendar: BillingCalendar = { ...calendar, stepSeconds };
  let planMbps: number[];
  let exact = true;
  switch (billing) {
    case 'eip-traffic': {
      const perGb = prices.eip?.trafficPerGb ?? 0;
      const serve = penalty === undefined || perGb <= penalty;
      planMbps = demandMbps.map(() => (serve ? range.max : range.min));
      break;
    }
    case 'eip-bandwidth':
    case 'cbwp-bandwidth':
      planMbps = dailyLevels(demandMbps, billingCalendar, range, dailyPriceOf(billing, prices), penalty);
      break;
    case 'cbwp-95':
      planMbps = enhanced95Levels(demandMbps, billingCalendar, range, prices.cbwp?.enhanced95MinimumRatio ?? 0.2);
      exact = penalty === undefined;
      break;
  }
  const outcome = scorePlan(demandMbps, planMbps, stepSeconds, billing as BillingMode, prices, calendar);
  return { planMbps, objective: penalty === undefined ? outcome.cost : outcome.cost + penalty * outcome.droppedGb, exact };
}

/** The least whole Mbps within the range that carries `mbps`, or the range's top. */
function needFor(mbps: number, range: { min: number; max: number }): number {
  return Math.min(range.max, Math.max(range.min, Math.ceil(mbps - 1e-9)));
}

/**
 * One level per billing day. All demand: the day's need. Score: the level minimising the day's
 * price × hours / 24 + penalty × dropped GB, over every whole Mbps from the range's bottom to the
 * need (above it nothing more is served and the price does not fall); dropped volume comes from the
 * day's sorted demand and its suffix sums, so each level costs a binary search.
 */
function dailyLevels(
  demandMbps: readonly number[],
  calendar: BillingCalendar,
  range: { min: number; max: number },
  dailyPrice: (mbps: number) => number,
  penalty: number | undefined,
): number[] {
  const plan: number[] = new Array(demandMbps.length);
  for (const { from, to } of billingDays(demandMbps.length, calendar)) {
    const day = demandMbps.slice(from, to);
    const need = needFor(Math.max(...day), range);
    let level = need;
    if (penalty !== undefined) {
      const hours = Math.min(24, Math.ceil((day.length * calendar.stepSeconds) / 3600 - 1e-9));
      const sorted = [...day].sort((a, b) => a - b);
      // above[k] = sum of sorted[k..]
      const above = new Float64Array(sorted.length + 1);
      for (let k = sorted.length - 1; k >= 0; k--) above[k] = (above[k + 1] as number) + (sorted[k] as number);
      const droppedGb = (l: number) => {
        let lo = 0;
        let hi = sorted.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if ((sorted[mid] as number) <= l) lo = mid + 1;
          else hi = mid;
        }
        const excessMbps = (above[lo] as number) - l * (sorted.length - lo);
        return (excessMbps * 1e6 * calendar.stepSeconds) / 8 / 1e9;
      };
      let best = Number.POSITIVE_INFINITY;
      for (let l = range.min; l <= need; l++) {
        const value = (dailyPrice(l) * hours) / 24 + penalty * droppedGb(l);
        if (value < best) {
          best = value;
          level = l;
        }
      }
    }
    for (let i = from; i < to; i++) plan[i] = level;
  }
  return plan;
}

/**
 * Enhanced 95th, all demand: per billing month, daily levels max(need_d, m) for the m that minimises
 * Σ_d ratio × max(need_d, m) + max(0, P − ratio × m) × days (the price per Mbps-day factors out),
 * where P is the monthly average peak of the demand that fits under the range's top. The function is
 * convex and piecewise linear in m; its breakpoints are the needs and P / ratio.
 */
function enhanced95Levels(demandMbps: readonly number[], calendar: BillingCalendar, range: { min: number; max: number }, ratio: number): number[] {
  const plan: number[] = new Array(demandMbps.length);
  const served = demandMbps.map((mbps) => Math.min(mbps, range.max));
  const samples = fiveMinuteSamples(served, calendar);
  const days = billingDays(demandMbps.length, calendar).map(({ day, from, to }) => ({
    from,
    to,
    month: new Date(day * 86_400_000).getUTCFullYear() * 12 + new Date(day * 86_400_000).getUTCMonth(),
    need: needFor(Math.max(...demandMbps.slice(from, to)), range),
    peak: dailyPeak(samples.filter((s) => s.day === day).map((s) => s.mbps)),
  }));
  const months = new Map<number, typeof days>();
  for (const day of days) months.set(day.month, [...(months.get(day.month) ?? []), day]);
  for (const inMonth of months.values()) {
    const peak = monthlyAveragePeak(inMonth.map((d) => d.peak));
    const bill = (m: number) => inMonth.reduce((sum, d) => sum + ratio * Math.max(d.need, m), 0) + Math.max(0, peak - ratio * m) * inMonth.length;
    const lowest = Math.min(...inMonth.map((d) => d.need));
    const candidates = [...inMonth.map((d) => d.need), Math.floor(peak / ratio), Math.ceil(peak / ratio)].filter((m) => m >= lowest && m <= range.max);
    let m = lowest;
    for (const candidate of candidates) if (bill(candidate) < bill(m) - 1e-12) m = candidate;
    for (const d of inMonth) for (let i = d.from; i < d.to; i++) plan[i] = Math.max(d.need, m);
  }
  return plan;
}
