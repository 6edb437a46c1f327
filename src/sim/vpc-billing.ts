// How Elastic IPs (EIP) and Internet Shared Bandwidth packages (CBWP) are billed, as pure functions
// of a demand series and a bandwidth plan on one regular grid. Unlike an ECS instance's public
// bandwidth (src/sim/cost.ts, billed interval by interval), these bills look at a whole day or a
// whole month, so they are computed over the plan, not summed per interval.
//
// Sources (the price figures are the documents' own examples for one region and date, not your bill):
// - EIP pay-as-you-go, by bandwidth and by data transfer: AlibabaCloudDocs/eip
//   cn.zh-CN/产品定价/按量计费.md (commit 70848e3cf6cfbf2f21c8202909d548e1d13d767e) and
//   intl.en-US/Pricing/Pay-as-you-go.md (commit 1f06b03aa960b2c488d0e3238200e66e0e8f09f5); the page
//   today: https://www.alibabacloud.com/help/en/eip/billing-overview
// - CBWP pay-by-bandwidth: AlibabaCloudDocs/cbwp cn.zh-CN/产品定价/按量计费/按带宽计费.md
//   (commit c8165edcfd027054f94e25d0fa569d6710dff249).
// - CBWP enhanced 95th percentile: AlibabaCloudDocs/cbwp cn.zh-CN/产品定价/按量付费/按增强型95计费.md
//   (commit 3db045d2b964a2a771cccd5f94c6f1c947d2c04c, the formula in text) and 按量计费/按增强型95计费.md
//   (commit 88b053bc0dc4d79073c5a90792ac9056363ad14b, the same worked example); the overview today:
//   https://help.aliyun.com/en/internet-shared-bandwidth/product-overview/billing-overview/
// - Ranges: ModifyEipAddressAttribute (1-200 Mbps by data transfer, 1-500 by bandwidth),
//   https://www.alibabacloud.com/help/en/eip/developer-reference/api-vpc-2016-04-28-modifyeipaddressattribute-eips ;
//   ModifyCommonBandwidthPackageSpec (2-20000 by bandwidth, 200-20000 enhanced 95th),
//   https://help.aliyun.com/zh/vpc/developer-reference/api-vpc-2016-04-28-modifycommonbandwidthpackagespec

export type VpcBilling = 'eip-bandwidth' | 'eip-traffic' | 'cbwp-bandwidth' | 'cbwp-95';

export const VPC_BILLINGS: readonly VpcBilling[] = ['eip-bandwidth', 'eip-traffic', 'cbwp-bandwidth', 'cbwp-95'];

export function isVpcBilling(value: string): value is VpcBilling {
  return (VPC_BILLINGS as readonly string[]).includes(value);
}

/** The bandwidth the Modify API accepts for each mode, in whole Mbps (sources above). */
export const VPC_RANGES: Record<VpcBilling, { min: number; max: number }> = {
  'eip-bandwidth': { min: 1, max: 500 },
  'eip-traffic': { min: 1, max: 200 },
  'cbwp-bandwidth': { min: 2, max: 20_000 },
  'cbwp-95': { min: 200, max: 20_000 },
};

export interface EipPrices {
  /**
   * Pay-by-bandwidth, per Mbps per DAY, two tiers split at `tierMbps` (Hangzhou example: 0.96 CNY up
   * to 5 Mbps, 3.36 CNY for each Mbps above). The day's bill takes the highest bandwidth set that day.
   */
  tierMbps: number;
  lowPerMbpsDay: number;
  highPerMbpsDay: number;
  /** Pay-by-data-transfer, per outbound GB (Hangzhou example: 0.80 CNY). */
  trafficPerGb: number;
}

export interface CbwpPrices {
  /** Pay-by-bandwidth, per Mbps per day, no tiers (Hangzhou example: 3.36 CNY). The day's highest bandwidth. */
  perMbpsDay: number;
  /** Enhanced 95th percentile, per Mbps per day (Hangzhou example: 3.36 CNY). */
  enhanced95PerMbpsDay: number;
  /** Enhanced 95th percentile: the minimum bandwidth as a share of the package's bandwidth (20 %: ROS Ratio). */
  enhanced95MinimumRatio: number;
}

/** Where billing days and months start, and the grid the series are on. */
export interface BillingCalendar {
  /** Epoch ms of interval 0. */
  startMs: number;
  stepSeconds: number;
  /** The billing time zone's offset from UTC (China site: +480, Beijing time). */
  utcOffsetMinutes: number;
}

const DAY_MS = 86_400_000;

/** The billing day (days since the epoch, in the billing time zone) of each interval, by its start. */
function dayOf(calendar: BillingCalendar, i: number): number {
  return Math.floor((calendar.startMs + i * calendar.stepSeconds * 1000 + calendar.utcOffsetMinutes * 60_000) / DAY_MS);
}

/** The billing month (year × 12 + month) of a billing day. */
function monthOf(day: number): number {
  const date = new Date(day * DAY_MS);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}

/** Consecutive runs of intervals that share a key: [first, end) index pairs. */
function runs(length: number, key: (i: number) => number): Array<{ key: number; from: number; to: number }> {
  const out: Array<{ key: number; from: number; to: number }> = [];
  for (let i = 0; i < length; i++) {
    const k = key(i);
    const last = out[out.length - 1];
    if (last && last.key === k) last.to = i + 1;
    else out.push({ key: k, from: i, to: i + 1 });
  }
  return out;
}

/** The billing days a grid of `length` intervals touches, with their interval ranges. */
export function billingDays(length: number, calendar: BillingCalendar): Array<{ day: number; from: number; to: number }> {
  return runs(length, (i) => dayOf(calendar, i)).map(({ key, from, to }) => ({ day: key, from, to }));
}

/**
 * Hours billed for a day the grid covers `intervals` of: "usage duration (hours) / 24", a partial
 * hour counted as a whole one (both pay-by-bandwidth pages). A whole day is 24.
 */
function billedHours(intervals: number, stepSeconds: number): number {
  return Math.min(24, Math.ceil((intervals * stepSeconds) / 3600 - 1e-9));
}

/** EIP pay-by-bandwidth, one day at `mbps`: the tiered daily price. */
export function eipDailyPrice(mbps: number, prices: EipPrices): number {
  if (mbps <= 0) return 0;
  return Math.min(mbps, prices.tierMbps) * prices.lowPerMbpsDay + Math.max(0, mbps - prices.tierMbps) * prices.highPerMbpsDay;
}

/**
 * A bill that takes, for each billing day, the HIGHEST bandwidth in effect that day ("if you change
 * the bandwidth limit of an EIP, the bandwidth fee for the day is calculated based on the highest
 * bandwidth limit value on that day"; the CBWP page says the same of "当日最大带宽峰值"), times the
 * hours used that day / 24. Lowering the bandwidth during a day saves nothing that day.
 */
export function dailyMaxCost(planMbps: readonly number[], calendar: BillingCalendar, dailyPrice: (mbps: number) => number): number {
  let cost = 0;
  for (const { from, to } of billingDays(planMbps.length, calendar)) {
    let highest = 0;
    for (let i = from; i < to; i++) highest = Math.max(highest, planMbps[i] as number);
    cost += (dailyPrice(highest) * billedHours(to - from, calendar.stepSeconds)) / 24;
  }
  return cost;
}

/** Running total of `dailyMaxCost` over the prefix ending at each interval (the last equals the bill). */
export function dailyMaxCumulative(planMbps: readonly number[], calendar: BillingCalendar, dailyPrice: (mbps: number) => number): number[] {
  const out: number[] = new Array(planMbps.length);
  let closed = 0;
  for (const { from, to } of billingDays(planMbps.length, calendar)) {
    let highest = 0;
    let today = 0;
    for (let i = from; i < to; i++) {
      highest = Math.max(highest, planMbps[i] as number);
      today = (dailyPrice(highest) * billedHours(i - from + 1, calendar.stepSeconds)) / 24;
      out[i] = closed + today;
    }
    closed += today;
  }
  return out;
}

/** Served outbound GB (10^9 bytes) of an interval. */
export function servedGigabytes(servedMbps: number, seconds: number): number {
  return (servedMbps * 1e6 * seconds) / 8 / 1e9;
}

// ---- Enhanced 95th percentile ---------------------------------------------------------------

/** Samples the docs drop from the top of each day (the daily peak is the 5th highest). */
const DAILY_PEAK_RANK = 5;
/** Daily peaks the monthly average takes (the 5 highest). */
const MONTHLY_PEAK_DAYS = 5;
const SAMPLE_SECONDS = 300;

/**
 * The 5-minute samples of a served-rate series: the mean rate over each 5-minute slot of the clock
 * ("以5分钟为粒度采样 … 计算 … 5分钟内的带宽平均值"). A grid coarser than 5 minutes holds its value
 * through the slots it covers, so each interval is one sample (the same peak). Only outbound traffic
 * is known here: the docs take the larger of inbound and outbound, so a service that RECEIVES more
 * than it sends is billed more than this.
 */
export function fiveMinuteSamples(servedMbps: readonly number[], calendar: BillingCalendar): Array<{ day: number; mbps: number }> {
  const stepMs = calendar.stepSeconds * 1000;
  if (calendar.stepSeconds >= SAMPLE_SECONDS) return servedMbps.map((mbps, i) => ({ day: dayOf(calendar, i), mbps }));
  const slotOf = (i: number) => Math.floor((calendar.startMs + i * stepMs) / (SAMPLE_SECONDS * 1000));
  return runs(servedMbps.length, slotOf).map(({ from, to }) => {
    let sum = 0;
    for (let i = from; i < to; i++) sum += servedMbps[i] as number;
    return { day: dayOf(calendar, from), mbps: sum / (to - from) };
  });
}

/**
 * The daily peak: the day's samples sorted high to low, the 4 highest dropped, the 5th taken. A day
 * with fewer than 5 samples (the edges of a trace) has no 5th: its highest sample is taken instead,
 * the harsher reading (the docs are silent).
 */
export function dailyPeak(samples: readonly number[]): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => b - a);
  return (sorted[Math.min(DAILY_PEAK_RANK, sorted.length) - 1] as number) ?? 0;
}

/**
 * The monthly average peak: the mean of the month's 5 highest daily peaks. A month with fewer than 5
 * days in the trace averages the days it has (the docs are silent; averaging zeros in would be kinder).
 */
export function monthlyAveragePeak(dailyPeaks: readonly number[]): number {
  if (dailyPeaks.length === 0) return 0;
  const top = [...dailyPeaks].sort((a, b) => b - a).slice(0, MONTHLY_PEAK_DAYS);
  return top.reduce((sum, value) => sum + value, 0) / top.length;
}

export interface Enhanced95Month {
  /** The billing month (year × 12 + month index). */
  month: number;
  /** Days of the month the package existed (here: the days the trace touches). */
  days: number;
  monthlyAveragePeakMbps: number;
  /** The minimum bandwidth the excess is measured above (see `enhanced95Bill`). */
  minimumMbps: number;
  minimumFee: number;
  excessFee: number;
}

/**
 * The enhanced-95th bill, month by month. The documented formula, for a package whose bandwidth B
 * does not change:
 *
 *   total = minimum × price × days + max(0, monthly average peak − minimum) × price × days,
 *   minimum = B × ratio (20 %)
 *
 * with "days" the days of the month the package exists (the worked example: created on the 15th,
 * 17 days in a 31-day month). The minimum fee is billed daily, the excess monthly.
 *
 * The docs give no formula for a bandwidth that CHANGES within the month. Two readings are chosen
 * here, both the harsher one, and said wherever the figure is shown: each day's minimum fee uses the
 * highest bandwidth in effect that day (as the pay-by-bandwidth day does), and the excess is measured
 * above the month's LOWEST daily minimum. For a constant bandwidth both reduce to the formula above.
 */
export function enhanced95Bill(
  servedMbps: readonly number[],
  planMbps: readonly number[],
  calendar: BillingCalendar,
  prices: CbwpPrices,
): { cost: number; months: Enhanced95Month[] } {
  const price = prices.enhanced95PerMbpsDay;
  const ratio = prices.enhanced95MinimumRatio;
  const samples = fiveMinuteSamples(servedMbps, calendar);
  const samplesByDay = new Map<number, number[]>();
  for (const sample of samples) {
    const list = samplesByDay.get(sample.day);
    if (list) list.push(sample.mbps);
    else samplesByDay.set(sample.day, [sample.mbps]);
  }
  const days = billingDays(planMbps.length, calendar).map(({ day, from, to }) => {
    let highest = 0;
    for (let i = from; i < to; i++) highest = Math.max(highest, planMbps[i] as number);
    return { day, month: monthOf(day), highest, peak: dailyPeak(samplesByDay.get(day) ?? []) };
  });
  const months: Enhanced95Month[] = [];
  for (const run of runs(days.length, (d) => (days[d] as { month: number }).month)) {
    const inMonth = days.slice(run.from, run.to);
    const minimumFee = inMonth.reduce((sum, d) => sum + d.highest * ratio * price, 0);
    const minimumMbps = Math.min(...inMonth.map((d) => d.highest * ratio));
    const monthlyAveragePeakMbps = monthlyAveragePeak(inMonth.map((d) => d.peak));
    const excessFee = Math.max(0, monthlyAveragePeakMbps - minimumMbps) * price * inMonth.length;
    months.push({ month: run.key, days: inMonth.length, monthlyAveragePeakMbps, minimumMbps, minimumFee, excessFee });
  }
  return { cost: months.reduce((sum, m) => sum + m.minimumFee + m.excessFee, 0), months };
}

/**
 * Running total of the enhanced-95th bill as it is charged: each day's minimum fee when the day
 * starts (at its highest bandwidth so far), each month's excess at the month's last interval in the
 * trace. The last value equals `enhanced95Bill`.
 */
export function enhanced95Cumulative(servedMbps: readonly number[], planMbps: readonly number[], calendar: BillingCalendar, prices: CbwpPrices): number[] {
  const { months } = enhanced95Bill(servedMbps, planMbps, calendar, prices);
  const excessByMonth = new Map(months.map((m) => [m.month, m.excessFee]));
  const out: number[] = new Array(planMbps.length);
  const dayList = billingDays(planMbps.length, calendar);
  let closed = 0;
  dayList.forEach(({ day, from, to }, index) => {
    let highest = 0;
    let today = 0;
    for (let i = from; i < to; i++) {
      highest = Math.max(highest, planMbps[i] as number);
      today = highest * prices.enhanced95MinimumRatio * prices.enhanced95PerMbpsDay;
      out[i] = closed + today;
    }
    closed += today;
    const next = dayList[index + 1];
    if (!next || monthOf(next.day) !== monthOf(day)) {
      closed += excessByMonth.get(monthOf(day)) ?? 0;
      out[to - 1] = closed;
    }
  });
  return out;
}
