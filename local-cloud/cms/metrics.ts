// The ECS public-traffic metrics CloudMonitor publishes in namespace acs_ecs_dashboard
// (facts §4.1), as series of period-aligned datapoints computed on demand from the traffic model.
import type { LocalInstance } from '../model';
import { type MinuteStats, minuteStats, type TrafficQuantity } from './traffic';

export const ECS_NAMESPACE = 'acs_ecs_dashboard';

export type Statistic = 'Average' | 'Maximum' | 'Minimum';

export interface MetricDefinition {
  quantity: TrafficQuantity;
  /** The VPC_PublicIP_* family: only VPC instances with a public address, with an `ip` dimension. */
  perPublicIp: boolean;
  /** Statistics the metric publishes (facts §4.1 "Statistics" column). */
  statistics: readonly Statistic[];
}

const ALL_STATISTICS: readonly Statistic[] = ['Average', 'Maximum', 'Minimum'];

/**
 * Facts §9 leaves open whether `InternetOutRate*` reports anything for VPC instances. The emulator
 * answers both families for VPC instances (classic instances get only the unprefixed one), so an
 * adapter that picks the "wrong" family still sees data; bwscaler's adapter prefers VPC_PublicIP_*
 * for VPC instances, which is the combination verified in the docs.
 */
export const METRICS: Readonly<Record<string, MetricDefinition>> = {
  InternetOutRate: { quantity: 'outRate', perPublicIp: false, statistics: ALL_STATISTICS },
  InternetOutRate_Percent: { quantity: 'outPercent', perPublicIp: false, statistics: ['Average'] },
  InternetInRate: { quantity: 'inRate', perPublicIp: false, statistics: ALL_STATISTICS },
  VPC_PublicIP_InternetOutRate: { quantity: 'outRate', perPublicIp: true, statistics: ALL_STATISTICS },
  VPC_PublicIP_InternetOutRate_Percent: { quantity: 'outPercent', perPublicIp: true, statistics: ['Average'] },
  VPC_PublicIP_InternetInRate: { quantity: 'inRate', perPublicIp: true, statistics: ALL_STATISTICS },
};

/** One time series: a metric of one instance (and, for VPC_PublicIP_*, one address). */
export interface Series {
  instance: LocalInstance;
  dimensions: { userId: string; instanceId: string; ip?: string };
}

export function seriesOf(metric: MetricDefinition, instances: Iterable<LocalInstance>, userId: string): Series[] {
  const series: Series[] = [];
  for (const instance of instances) {
    const base = { userId, instanceId: instance.InstanceId };
    if (!metric.perPublicIp) {
      series.push({ instance, dimensions: base });
      continue;
    }
    if (instance.InstanceNetworkType !== 'vpc') continue;
    const ip = instance.PublicIpAddress[0] ?? instance.EipAddress?.IpAddress;
    if (ip !== undefined) series.push({ instance, dimensions: { ...base, ip } });
  }
  return series.sort((a, b) => compareText(a.dimensions.instanceId, b.dimensions.instanceId));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A series matches a Dimensions filter when every key of at least one filter object equals the
 * series' dimension of that name (objects are alternatives; keys within one object all apply).
 * A key the series does not carry (e.g. `ip` on InternetOutRate) never matches.
 */
export function matchesDimensions(series: Series, filters: ReadonlyArray<Record<string, string>> | undefined): boolean {
  if (filters === undefined) return true;
  const dims: Record<string, string | undefined> = series.dimensions;
  return filters.some((filter) => Object.entries(filter).every(([key, value]) => dims[key] === value));
}

/**
 * When a datapoint becomes visible. CloudMonitor stamps a point with the START of its period and
 * can only publish it once the period has ended and the collector has reported: the point for
 * [m, m + period) is visible from m + period + lag. The default lag of 60 s makes the newest
 * visible one-minute point one to two minutes old, which is what the CMS console shows for ECS
 * basic metrics; a larger lag (peers.md §0.8 reports 5-10 min on Huawei) is one admin call away.
 */
export function isVisible(bucketStart: number, periodSeconds: number, lagSeconds: number, now: number): boolean {
  return bucketStart + (periodSeconds + lagSeconds) * 1000 <= now;
}

/** Start of the newest period-aligned bucket visible at `now`. */
export function latestVisibleBucket(periodSeconds: number, lagSeconds: number, now: number): number {
  const periodMs = periodSeconds * 1000;
  return Math.floor((now - (periodSeconds + lagSeconds) * 1000) / periodMs) * periodMs;
}

/** Statistics of one bucket: the mean of the minute averages, the max of maxima, the min of minima. */
export function bucketStats(metric: MetricDefinition, instance: LocalInstance, bucketStart: number, periodSeconds: number): MinuteStats {
  const minutes = periodSeconds / 60;
  let sum = 0;
  let max = Number.NEGATIVE_INFINITY;
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < minutes; i++) {
    const stats = minuteStats(instance, metric.quantity, bucketStart + i * 60_000);
    sum += stats.Average;
    max = Math.max(max, stats.Maximum);
    min = Math.min(min, stats.Minimum);
  }
  return { Average: sum / minutes, Maximum: max, Minimum: min };
}

/** A datapoint as DescribeMetricLast/List serialise it (facts §4.2). */
export type Datapoint = { timestamp: number; userId: string; instanceId: string; ip?: string } & Partial<Record<Statistic, number>>;

export function datapointOf(metric: MetricDefinition, series: Series, bucketStart: number, periodSeconds: number): Datapoint {
  const stats = bucketStats(metric, series.instance, bucketStart, periodSeconds);
  const point: Datapoint = { timestamp: bucketStart, ...series.dimensions };
  for (const statistic of metric.statistics) point[statistic] = roundFor(metric, stats[statistic]);
  return point;
}

/**
 * Rates are whole bit/s and percentages carry two decimals, as in the documented samples
 * (`"Average":99.52`). Rounding never lifts a value past its cap: the caps are whole Mbit/s and 100.
 */
function roundFor(metric: MetricDefinition, value: number): number {
  return metric.quantity === 'outPercent' ? Math.round(value * 100) / 100 : Math.round(value);
}
