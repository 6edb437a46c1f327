// The ECS public-traffic metrics CloudMonitor publishes in namespace acs_ecs_dashboard, as series
// of period-aligned datapoints computed on demand from the traffic model. The metric list, units,
// dimensions and statistics are the ECS basic-metrics table of "View the monitoring information of
// an ECS instance" (https://help.aliyun.com/zh/ecs/user-guide/view-the-monitoring-information-of-an-ecs-instance),
// summarised in docs/reference/cloudmonitor.md.
import type { LocalInstance } from '../model';
import { type MinuteStats, minuteStats, type TrafficQuantity } from './traffic';

export const ECS_NAMESPACE = 'acs_ecs_dashboard';

export type Statistic = 'Average' | 'Maximum' | 'Minimum';

/**
 * Which instances a metric has a series for. The table names the unprefixed Internet* metrics
 * "经典网络公网…" (classic network) and the VPC_PublicIP_* ones "IP 维度公网…" (per public IP, with an
 * `ip` dimension), so a VPC instance gets no InternetOutRate point and a classic one no
 * VPC_PublicIP_* point. A VPC instance's series is its fixed public IP's: an EIP's traffic is
 * published in the EIP's own namespace (acs_vpc_eip), which the emulator does not serve, so an
 * instance reached only through an EIP has no VPC_PublicIP_* series here. Whether the real service
 * also lists an EIP under VPC_PublicIP_* is not documented; "no data" is the harsher answer.
 */
export type MetricFamily = 'classic' | 'vpcPublicIp';

export interface MetricDefinition {
  quantity: TrafficQuantity;
  family: MetricFamily;
  /** Statistics the metric publishes (the table's "Statistics" column). */
  statistics: readonly Statistic[];
}

const ALL_STATISTICS: readonly Statistic[] = ['Average', 'Maximum', 'Minimum'];

export const METRICS: Readonly<Record<string, MetricDefinition>> = {
  InternetOutRate: { quantity: 'outRate', family: 'classic', statistics: ALL_STATISTICS },
  InternetOutRate_Percent: { quantity: 'outPercent', family: 'classic', statistics: ['Average'] },
  InternetInRate: { quantity: 'inRate', family: 'classic', statistics: ALL_STATISTICS },
  // Bytes per one-minute report. The table lists Maximum, Minimum, Average for InternetOut (Sum
  // only for InternetIn); the emulator publishes no Sum, the harsher reading.
  InternetOut: { quantity: 'outBytes', family: 'classic', statistics: ALL_STATISTICS },
  VPC_PublicIP_InternetOutRate: { quantity: 'outRate', family: 'vpcPublicIp', statistics: ALL_STATISTICS },
  VPC_PublicIP_InternetOutRate_Percent: { quantity: 'outPercent', family: 'vpcPublicIp', statistics: ['Average'] },
  VPC_PublicIP_InternetInRate: { quantity: 'inRate', family: 'vpcPublicIp', statistics: ALL_STATISTICS },
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
    if (metric.family === 'classic') {
      if (instance.InstanceNetworkType === 'classic') series.push({ instance, dimensions: base });
      continue;
    }
    if (instance.InstanceNetworkType !== 'vpc') continue;
    const ip = instance.PublicIpAddress.find((address) => address !== '');
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
 * basic metrics; a larger lag (Huawei Cloud documents 5-10 min for its bandwidth metrics after a
 * change, https://support.huaweicloud.com/intl/en-us/usermanual-eip/monitor_0002.html) is one admin call away.
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

/** A datapoint as DescribeMetricLast/List serialise it (see their response examples in docs/reference/cloudmonitor.md). */
export type Datapoint = { timestamp: number; userId: string; instanceId: string; ip?: string } & Partial<Record<Statistic, number>>;

export function datapointOf(metric: MetricDefinition, series: Series, bucketStart: number, periodSeconds: number): Datapoint {
  const stats = bucketStats(metric, series.instance, bucketStart, periodSeconds);
  const point: Datapoint = { timestamp: bucketStart, ...series.dimensions };
  for (const statistic of metric.statistics) point[statistic] = roundFor(metric, stats[statistic]);
  return point;
}

/**
 * Rates are whole bit/s, volumes whole bytes, and percentages carry two decimals, as in the documented samples
 * (`"Average":99.52`). Rounding never lifts a value past its cap: the caps are whole Mbit/s and 100.
 */
function roundFor(metric: MetricDefinition, value: number): number {
  return metric.quantity === 'outPercent' ? Math.round(value * 100) / 100 : Math.round(value);
}
