// Alibaba Cloud public-bandwidth price structure, as configurable tables.
//
// Defaults are the documented EXAMPLES for China East 1 (Hangzhou), which the page itself calls
// "examples only" (AlibabaCloudDocs/ecs cn.zh-CN/产品定价/计费项/公网带宽计费.md, 2021-02-02; see
// docs/reference/alibaba-cloud.md §8). Real prices vary by region and over time: pass your own.

import {
  type BillingCalendar,
  type CbwpPrices,
  dailyMaxCumulative,
  type EipPrices,
  eipDailyPrice,
  enhanced95Cumulative,
  isVpcBilling,
  servedGigabytes,
  VPC_BILLINGS,
  VPC_RANGES,
  type VpcBilling,
} from './vpc-billing';

/** An ECS instance's own public bandwidth: what the replay's simulated instance is billed as. */
export type Billing = 'postpaid-bandwidth' | 'prepaid-bandwidth' | 'traffic';

export const BILLINGS: readonly Billing[] = ['postpaid-bandwidth', 'prepaid-bandwidth', 'traffic'];

/** Every billing `backtest --billing` prices a plan under: an ECS instance's, an EIP's or a shared package's. */
export type BillingMode = Billing | VpcBilling;

export const BILLING_MODES: readonly BillingMode[] = [...BILLINGS, ...VPC_BILLINGS];

/**
 * The ECS billing with the same kind of meter as `mode` (bandwidth or traffic): what an EIP or package
 * scenario takes its charge types and default policy from (src/sim/scenario.ts), while the replay
 * itself runs on the EIP or package.
 */
export function replayBilling(mode: BillingMode): Billing {
  if (!isVpcBilling(mode)) return mode;
  return mode === 'eip-traffic' ? 'traffic' : 'postpaid-bandwidth';
}

/** The bandwidth the provider's API accepts under `mode`: ECS 0-100 (0-200 subscription by bandwidth); EIP and CBWP per vpc-billing.ts. */
export function modeRange(mode: BillingMode): { min: number; max: number } {
  if (isVpcBilling(mode)) return VPC_RANGES[mode];
  return { min: 0, max: mode === 'prepaid-bandwidth' ? 200 : 100 };
}

export interface PriceTable {
  currency: string;
  /** Pay-as-you-go PayByBandwidth, billed per second and settled hourly, in two tiers. */
  payg: { tierMbps: number; lowPerMbpsHour: number; highPerMbpsHour: number };
  /**
   * Subscription PayByBandwidth per month. The doc gives 2 Mbps = 46 and 5 Mbps = 125 CNY/month and
   * +80 CNY per Mbps above 5; between its points we interpolate linearly (a choice: the doc lists no
   * 1, 3 or 4 Mbps price). Upgrades are charged and downgrades refunded pro rata for the remaining
   * days (§2.5), so over any span the bill equals the prorated price of the bandwidth in effect.
   */
  subscription: { points: Array<[mbps: number, cnyPerMonth: number]>; abovePerMbpsMonth: number; daysPerMonth: number };
  /** PayByTraffic: outbound GB (10^9 bytes, an assumption: the doc says "GB"). */
  trafficPerGb: number;
  /**
   * What one dropped GB costs the service, for `score` = cost + this × dropped GB. Not a provider
   * price: a judgement, configurable. The default is ten times the per-GB traffic price (8 CNY/GB):
   * every way the documented prices offer to serve a GB costs less than that (by traffic 0.8; by
   * bandwidth at full use 0.14 to 0.55; a one-minute spike on an extra Mbps held for the 5-minute
   * lock about 2.8), so the score optimum serves what can be served, and a plan can never look good
   * by dropping traffic.
   */
  dropPenaltyPerGb: number;
  /** EIP prices (vpc-billing.ts); a price file without them cannot price an EIP billing. */
  eip?: EipPrices;
  /** Internet Shared Bandwidth prices (vpc-billing.ts); likewise. */
  cbwp?: CbwpPrices;
}

export const DEFAULT_PRICES: PriceTable = {
  currency: 'CNY',
  payg: { tierMbps: 5, lowPerMbpsHour: 0.063, highPerMbpsHour: 0.248 },
  subscription: {
    points: [
      [0, 0],
      [2, 46],
      [5, 125],
    ],
    abovePerMbpsMonth: 80,
    daysPerMonth: 30,
  },
  trafficPerGb: 0.8,
  dropPenaltyPerGb: 8,
  // EIP pay-as-you-go, Hangzhou example (AlibabaCloudDocs/eip cn.zh-CN/产品定价/按量计费.md): by
  // bandwidth 0.96 CNY/Mbps/day up to 5 Mbps, 3.36 above; by data transfer 0.80 CNY/GB. The
  // configuration fee (0.48 CNY/day or 0.02 CNY/hour) is waived for an EIP bound to an ECS instance in
  // a VPC, the case bwscaler manages, and is not modelled.
  eip: { tierMbps: 5, lowPerMbpsDay: 0.96, highPerMbpsDay: 3.36, trafficPerGb: 0.8 },
  // Internet Shared Bandwidth, Hangzhou example (AlibabaCloudDocs/cbwp 按带宽计费.md and 按增强型95计费.md):
  // 3.36 CNY/Mbps/day for both, minimum 20 %.
  cbwp: { perMbpsDay: 3.36, enhanced95PerMbpsDay: 3.36, enhanced95MinimumRatio: 0.2 },
};

/** The EIP or CBWP section `mode` needs, or an error naming what is missing. */
function vpcPrices<K extends 'eip' | 'cbwp'>(prices: PriceTable, key: K, mode: BillingMode): NonNullable<PriceTable[K]> {
  const section = prices[key];
  if (!section) throw new Error(`the price table has no "${key}" section, which --billing ${mode} needs (docs/cost-model.md)`);
  return section as NonNullable<PriceTable[K]>;
}

/** Where billing days start (the policy's billingTimeZone; China site default +08:00) and the grid. */
export interface PlanCalendar {
  startMs: number;
  utcOffsetMinutes: number;
}

export const DEFAULT_CALENDAR: PlanCalendar = { startMs: 0, utcOffsetMinutes: 480 };

/**
 * A plan as the provider can hold it under `mode`: every level within the API range (a package
 * cannot be set below 200 Mbps under the enhanced 95th percentile, nor an EIP below 1). The ECS modes
 * are left as they are: their replays never leave the range, and 0 Mbps is a real setting there.
 */
export function feasiblePlan(mode: BillingMode, planMbps: readonly number[]): readonly number[] {
  if (!isVpcBilling(mode)) return planMbps;
  const { min, max } = VPC_RANGES[mode];
  return planMbps.map((mbps) => Math.min(max, Math.max(min, mbps)));
}

/**
 * What a whole plan costs under `mode`. The ECS modes add up interval by interval (intervalCost);
 * the EIP and package modes look at whole days or months (vpc-billing.ts). A level outside the mode's
 * range is priced at the nearest it accepts (feasiblePlan).
 */
export function planCost(
  mode: BillingMode,
  demandMbps: readonly number[],
  planMbps: readonly number[],
  stepSeconds: number,
  prices: PriceTable = DEFAULT_PRICES,
  calendar: PlanCalendar = DEFAULT_CALENDAR,
): number {
  const cumulative = cumulativePlanCost(mode, demandMbps, planMbps, stepSeconds, prices, calendar);
  return cumulative[cumulative.length - 1] ?? 0;
}

/**
 * The running total of `planCost` at each interval: the bill as it accrues (report.html's curves). The
 * plan is made feasible first (feasiblePlan), as scorePlan does, so both agree on every billing.
 */
export function cumulativePlanCost(
  mode: BillingMode,
  demandMbps: readonly number[],
  requestedMbps: readonly number[],
  stepSeconds: number,
  prices: PriceTable = DEFAULT_PRICES,
  calendar: PlanCalendar = DEFAULT_CALENDAR,
): number[] {
  const planMbps = feasiblePlan(mode, requestedMbps);
  const served = planMbps.map((mbps, i) => Math.min(demandMbps[i] as number, mbps));
  const billingCalendar: BillingCalendar = { ...calendar, stepSeconds };
  const running = (perInterval: (i: number) => number) => {
    let total = 0;
    return planMbps.map((_, i) => (total += perInterval(i)));
  };
  switch (mode) {
    case 'postpaid-bandwidth':
    case 'prepaid-bandwidth':
    case 'traffic':
      return running((i) => intervalCost(mode, planMbps[i] as number, served[i] as number, stepSeconds, prices));
    case 'eip-traffic': {
      const eip = vpcPrices(prices, 'eip', mode);
      return running((i) => servedGigabytes(served[i] as number, stepSeconds) * eip.trafficPerGb);
    }
    case 'eip-bandwidth': {
      const eip = vpcPrices(prices, 'eip', mode);
      return dailyMaxCumulative(planMbps, billingCalendar, (mbps) => eipDailyPrice(mbps, eip));
    }
    case 'cbwp-bandwidth': {
      const cbwp = vpcPrices(prices, 'cbwp', mode);
      return dailyMaxCumulative(planMbps, billingCalendar, (mbps) => mbps * cbwp.perMbpsDay);
    }
    case 'cbwp-95':
      return enhanced95Cumulative(served, planMbps, billingCalendar, vpcPrices(prices, 'cbwp', mode));
  }
}

/** The daily-max bills' cost, exported for the oracle's per-day search. */
export function dailyPriceOf(mode: 'eip-bandwidth' | 'cbwp-bandwidth', prices: PriceTable): (mbps: number) => number {
  if (mode === 'eip-bandwidth') {
    const eip = vpcPrices(prices, 'eip', mode);
    return (mbps) => eipDailyPrice(mbps, eip);
  }
  const cbwp = vpcPrices(prices, 'cbwp', mode);
  return (mbps) => mbps * cbwp.perMbpsDay;
}

/** Demand above the bandwidth for `seconds`, in GB (10^9 bytes). */
export function droppedGigabytes(demandMbps: number, bandwidthMbps: number, seconds: number): number {
  return (Math.max(0, demandMbps - bandwidthMbps) * 1e6 * seconds) / 8 / 1e9;
}

function subscriptionMonthly(mbps: number, table: PriceTable['subscription']): number {
  const points = table.points;
  const last = points[points.length - 1] as [number, number];
  if (mbps >= last[0]) return last[1] + (mbps - last[0]) * table.abovePerMbpsMonth;
  for (let i = 1; i < points.length; i++) {
    const [x1, y1] = points[i] as [number, number];
    const [x0, y0] = points[i - 1] as [number, number];
    if (mbps <= x1) return y0 + ((mbps - x0) * (y1 - y0)) / (x1 - x0);
  }
  return last[1];
}

/** What holding `mbps` of bandwidth costs per hour (0 for PayByTraffic, where bandwidth is only a cap). */
export function hourlyBandwidthCost(billing: Billing, mbps: number, prices: PriceTable = DEFAULT_PRICES): number {
  if (mbps <= 0) return 0;
  switch (billing) {
    case 'postpaid-bandwidth': {
      const low = Math.min(mbps, prices.payg.tierMbps);
      const high = Math.max(0, mbps - prices.payg.tierMbps);
      return low * prices.payg.lowPerMbpsHour + high * prices.payg.highPerMbpsHour;
    }
    case 'prepaid-bandwidth':
      return subscriptionMonthly(mbps, prices.subscription) / (prices.subscription.daysPerMonth * 24);
    case 'traffic':
      return 0;
  }
}

/** Cost of one interval: bandwidth held for `seconds`, and (PayByTraffic) the served bytes. */
export function intervalCost(billing: Billing, bandwidthMbps: number, servedMbps: number, seconds: number, prices: PriceTable = DEFAULT_PRICES): number {
  if (billing === 'traffic') {
    const gigabytes = (servedMbps * 1e6 * seconds) / 8 / 1e9;
    return gigabytes * prices.trafficPerGb;
  }
  return (hourlyBandwidthCost(billing, bandwidthMbps, prices) * seconds) / 3600;
}

export interface PlanOutcome {
  cost: number;
  /** cost + prices.dropPenaltyPerGb × droppedGb. */
  score: number;
  /** Dropped demand, in GB. */
  droppedGb: number;
  /** Dropped demand bytes over total demand bytes. */
  droppedFraction: number;
  /** Minutes during which demand exceeded the bandwidth. */
  saturatedMinutes: number;
  changes: number;
  downgrades: number;
}

/**
 * Scores a bandwidth plan against demand on the same grid: what it costs, what it drops, how often it
 * changes. The replay, the oracle and the baselines are all scored by this one function. Under an EIP
 * or package billing the plan is first made feasible (feasiblePlan): a level the API refuses is priced
 * and served at the nearest one it accepts.
 */
export function scorePlan(
  demandMbps: readonly number[],
  requestedMbps: readonly number[],
  stepSeconds: number,
  billing: BillingMode,
  prices: PriceTable = DEFAULT_PRICES,
  calendar: PlanCalendar = DEFAULT_CALENDAR,
): PlanOutcome {
  const planMbps = feasiblePlan(billing, requestedMbps);
  let droppedGb = 0;
  let demandBits = 0;
  let droppedBits = 0;
  let saturatedSeconds = 0;
  let changes = 0;
  let downgrades = 0;
  for (let i = 0; i < demandMbps.length; i++) {
    const demand = demandMbps[i] as number;
    const bandwidth = planMbps[i] as number;
    const served = Math.min(demand, bandwidth);
    droppedGb += droppedGigabytes(demand, bandwidth, stepSeconds);
    demandBits += demand * stepSeconds;
    droppedBits += (demand - served) * stepSeconds;
    if (demand > bandwidth) saturatedSeconds += stepSeconds;
    if (i > 0) {
      const previous = planMbps[i - 1] as number;
      if (bandwidth !== previous) changes++;
      if (bandwidth < previous) downgrades++;
    }
  }
  const cost = planCost(billing, demandMbps, planMbps, stepSeconds, prices, calendar);
  return {
    cost,
    score: cost + prices.dropPenaltyPerGb * droppedGb,
    droppedGb,
    droppedFraction: demandBits > 0 ? droppedBits / demandBits : 0,
    saturatedMinutes: saturatedSeconds / 60,
    changes,
    downgrades,
  };
}
