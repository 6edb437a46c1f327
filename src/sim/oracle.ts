// The hindsight optimum: the least a plan can pay on the same demand grid under the provider's rules,
// a TRUE lower bound for every plan the replay can produce (so `costVsOracle` >= 1 for a plan that
// drops nothing, and `scoreVsOracle` >= 1 for every plan). Per billing mode:
//
// - pay-as-you-go by bandwidth: whole Mbps from 0 up to the API maximum, each change followed by the
//   provider's 5-minute lock, solved exactly at the trace's resolution (a change at interval i holds
//   for ceil(300 s / step) intervals). No quota applies. This is the achievable optimum.
// - subscription by bandwidth: the same, except that a DOWNGRADE neither starts a lock nor spends
//   quota. A temporary upgrade reverts to its base at its EndTime by itself, refunds nothing and
//   spends no quota, and the provider allows no change while one runs (so nothing follows an upgrade
//   within the lock either way), which lets a plan fall back from any level without a downgrade
//   order. Bounding it by the quota would be wrong: a policy using temporary upgrades beat that
//   "optimum" by 23 %. The bound relaxes the quota and the downgrade lock instead; it may not be
//   reachable, but no plan pays less.
// - pay-by-traffic: bandwidth is only a cap and costs nothing; serving all demand costs its GB, and
//   the cheapest all-demand plan is the API maximum throughout. Its cost is that of the servable
//   traffic: a plan that drops nothing costs exactly this, a plan that drops traffic costs less, and
//   only the score (below) compares the two fairly.
//
// Two objectives share one solver:
// - cost, serving all demand that fits under the API maximum (the all-demand optimum);
// - score = cost + penalty × dropped GB, any level allowed (the score optimum).
// The policy's own bounds are not constraints here: they are the policy's choice, not physics.
//
// The EIP and shared-package billings have their own solvers (src/sim/vpc-oracle.ts): their bills
// look at whole days and months, not intervals.
import { MODIFY_LOCK_SECONDS } from '../../local-cloud/ecs-rules';
import { type BillingMode, DEFAULT_CALENDAR, DEFAULT_PRICES, droppedGigabytes, intervalCost, type PlanCalendar, type PriceTable } from './cost';
import { isVpcBilling } from './vpc-billing';
import { vpcOraclePlan } from './vpc-oracle';

/** The optimum obeys the provider's lock as the local cloud models it, not as the product believes it. */
export const PROVIDER_LOCK_SECONDS = MODIFY_LOCK_SECONDS;

export interface OracleOptions {
  billing: BillingMode;
  /** The API maximum for the instance's charge type (100, or 200 for subscription by bandwidth). */
  maxMbps: number;
  /** Bandwidth before the first interval: changing away from it at interval 0 is a change. */
  initialMbps: number;
  /** The provider lock after each change. */
  lockSeconds?: number;
  prices?: PriceTable;
  /**
   * Minimise cost + this × dropped GB instead of serving all demand (the score optimum). Undefined =
   * the all-demand optimum.
   */
  dropPenaltyPerGb?: number;
  /** Where billing days start: the EIP and package bills need it (default: epoch start, +08:00). */
  calendar?: PlanCalendar;
}

export interface OraclePlan {
  /** Bandwidth per demand interval. */
  planMbps: number[];
  /** The minimised objective: the plan's cost, or its score with a penalty. */
  objective: number;
  /** False when `planMbps` is not the true optimum of the objective (cbwp-95's score: vpc-oracle.ts). */
  exact: boolean;
}

/**
 * Dynamic programming over (interval, level) for the states where the plan is free to change.
 * From a free state at interval i the plan either holds its level for one interval (free again at
 * i+1), or changes to another level and holds it for the lock (free again at i+L; cut at the end of
 * the trace); for a subscription a downgrade is free again at once. Window sums slide with i, so the
 * whole solve is O(intervals × levels).
 */
export function oraclePlan(demandMbps: readonly number[], stepSeconds: number, options: OracleOptions): OraclePlan {
  const prices = options.prices ?? DEFAULT_PRICES;
  const billing = options.billing;
  if (isVpcBilling(billing)) {
    return vpcOraclePlan(demandMbps, stepSeconds, {
      billing,
      prices,
      calendar: options.calendar ?? DEFAULT_CALENDAR,
      ...(options.dropPenaltyPerGb === undefined ? {} : { dropPenaltyPerGb: options.dropPenaltyPerGb }),
    });
  }
  const n = demandMbps.length;
  const levels = Math.max(0, Math.floor(options.maxMbps)) + 1;
  const lock = Math.max(1, Math.ceil((options.lockSeconds ?? PROVIDER_LOCK_SECONDS) / stepSeconds));
  const penalty = options.dropPenaltyPerGb;
  const freeDowngrades = billing === 'prepaid-bandwidth';
  if (n === 0) return { planMbps: [], objective: 0, exact: true };

  const cost = (i: number, level: number): number => {
    const demand = demandMbps[i] as number;
    if (penalty === undefined) {
      const need = Math.min(levels - 1, Math.ceil(demand - 1e-9));
      if (level < need) return Number.POSITIVE_INFINITY;
    }
    const served = Math.min(demand, level);
    let value = intervalCost(billing, level, served, stepSeconds, prices);
    if (penalty !== undefined) value += penalty * droppedGigabytes(demand, level, stepSeconds);
    return value;
  };
  // best(i) (i = 0..n): the least cost of intervals 0..i-1 ending free at i with each level. Only
  // rows i..i+lock are live at once, so they sit in a ring; the back-pointers are kept whole.
  const INF = Number.POSITIVE_INFINITY;
  const ring: Float64Array[] = Array.from({ length: lock + 1 }, () => new Float64Array(levels).fill(INF));
  const rowOf = (j: number) => ring[j % (lock + 1)] as Float64Array;
  const previous = new Int16Array((n + 1) * levels).fill(-1);
  const span = new Int16Array((n + 1) * levels);
  const initial = Math.min(levels - 1, Math.max(0, Math.round(options.initialMbps)));
  rowOf(0)[initial] = 0;
  let last: Float64Array | undefined;

  // window[l] = sum of cost(k, l) for k in [i, min(i + lock, n)), with infinite terms counted apart.
  const windowSum = new Float64Array(levels);
  const windowInfinite = new Int32Array(levels);
  const addToWindow = (k: number, sign: 1 | -1) => {
    for (let l = 0; l < levels; l++) {
      const c = cost(k, l);
      if (c === INF) windowInfinite[l] = (windowInfinite[l] as number) + sign;
      else windowSum[l] = (windowSum[l] as number) + sign * c;
    }
  };
  for (let k = 0; k < Math.min(lock, n); k++) addToWindow(k, 1);

  const relax = (j: number, l: number, value: number, from: number, length: number) => {
    const row = rowOf(j);
    if (value < (row[l] as number)) {
      row[l] = value;
      previous[j * levels + l] = from;
      span[j * levels + l] = length;
    }
  };

  for (let i = 0; i < n; i++) {
    const row = rowOf(i);
    const end = Math.min(i + lock, n);
    // Hold one interval.
    for (let l = 0; l < levels; l++) {
      const base = row[l] as number;
      if (base === INF) continue;
      const c = cost(i, l);
      if (c !== INF) relax(i + 1, l, base + c, l, 1);
    }
    // Change at i, then hold for the lock. A subscription only locks after an upgrade (from a lower level).
    let runningMin = INF;
    let runningAt = -1;
    let globalMin = INF;
    let globalAt = -1;
    for (let l = 0; l < levels; l++) {
      const v = row[l] as number;
      if (v < globalMin) {
        globalMin = v;
        globalAt = l;
      }
    }
    for (let l = 0; l < levels; l++) {
      const from = freeDowngrades ? runningAt : globalAt;
      const base = freeDowngrades ? runningMin : globalMin;
      if (base !== INF && from !== l && windowInfinite[l] === 0) relax(end, l, base + (windowSum[l] as number), from, end - i);
      const v = row[l] as number;
      if (v < runningMin) {
        runningMin = v;
        runningAt = l;
      }
    }
    // Subscription: a downgrade (a temporary upgrade's revert) is free again at once.
    if (freeDowngrades) {
      let suffixMin = INF;
      let suffixAt = -1;
      for (let l = levels - 1; l >= 0; l--) {
        if (suffixMin !== INF) {
          const c = cost(i, l);
          if (c !== INF) relax(i + 1, l, suffixMin + c, suffixAt, 1);
        }
        const v = row[l] as number;
        if (v < suffixMin) {
          suffixMin = v;
          suffixAt = l;
        }
      }
    }
    // Slide the window from [i, i+lock) to [i+1, i+1+lock), and free row i's slot for row i+lock+1.
    addToWindow(i, -1);
    if (i + lock < n) addToWindow(i + lock, 1);
    if (i + 1 === n) last = Float64Array.from(rowOf(n));
    row.fill(INF);
  }

  if (!last) throw new Error('oraclePlan: unreachable');
  let level = 0;
  for (let l = 1; l < levels; l++) if ((last[l] as number) < (last[level] as number)) level = l;
  const objective = last[level] as number;
  if (objective === INF) throw new Error('oraclePlan: no feasible plan (this is a bug: holding the API maximum is always feasible)');
  const planMbps: number[] = new Array(n);
  let j = n;
  while (j > 0) {
    const at = j * levels + level;
    const length = span[at] as number;
    for (let k = j - length; k < j; k++) planMbps[k] = level;
    const from = previous[at] as number;
    j -= length;
    level = from;
  }
  return { planMbps, objective, exact: true };
}
