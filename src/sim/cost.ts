// Alibaba Cloud public-bandwidth price structure, as configurable tables.
//
// Defaults are the documented EXAMPLES for China East 1 (Hangzhou), which the page itself calls
// "examples only" (AlibabaCloudDocs/ecs cn.zh-CN/产品定价/计费项/公网带宽计费.md, 2021-02-02; see
// docs/reference/alibaba-cloud.md §8). Real prices vary by region and over time: pass your own.

export type Billing = 'postpaid-bandwidth' | 'prepaid-bandwidth' | 'traffic';

export const BILLINGS: readonly Billing[] = ['postpaid-bandwidth', 'prepaid-bandwidth', 'traffic'];

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
};

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
 * changes. The replay, the oracle and the baselines are all scored by this one function.
 */
export function scorePlan(
  demandMbps: readonly number[],
  planMbps: readonly number[],
  stepSeconds: number,
  billing: Billing,
  prices: PriceTable = DEFAULT_PRICES,
): PlanOutcome {
  let cost = 0;
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
    cost += intervalCost(billing, bandwidth, served, stepSeconds, prices);
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
