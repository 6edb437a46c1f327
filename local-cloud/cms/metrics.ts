// The public-traffic metrics CloudMonitor publishes, as series of period-aligned datapoints
// computed on demand from the traffic model:
// - ECS, namespace acs_ecs_dashboard: the ECS basic-metrics table of "View the monitoring information
//   of an ECS instance" (https://help.aliyun.com/zh/ecs/user-guide/view-the-monitoring-information-of-an-ecs-instance),
//   summarised in docs/reference/cloudmonitor.md.
// - Elastic IP, namespace acs_vpc_eip, and Internet Shared Bandwidth, namespace acs_bandwidth_package:
//   the DescribeMetricMetaList sample response (AlibabaCloudDocs/cms, DescribeMetricMetaList.md) lists
//   acs_bandwidth_package net_tx.rate / net_rx.rate in "bits/s" and net_tx.ratePercent in "%", each
//   with Statistics "Value", Dimensions "userId,instanceId" and Periods "60,300,600"; scripts that read
//   them (acs_vpc_eip and acs_bandwidth_package net_tx.rate via DescribeMetricList) read each point's
//   `Value` and `instanceId`, the instanceId being the AllocationId or the BandwidthPackageId
//   (https://help.aliyun.com/document_detail/162874.html, https://help.aliyun.com/document_detail/165008.html).
//   The EIP metrics are given the package metrics' unit, statistic and periods [I]; docs/reference/vpc.md.
import type { LocalInstance } from '../model';
import type { LocalBandwidthPackage, LocalEip } from '../vpc/model';
import { type MinuteStats, minuteStats, type TrafficQuantity } from './traffic';
import { eipMinuteStats, packageMinuteStats, type VpcQuantity } from './vpc-traffic';

export const ECS_NAMESPACE = 'acs_ecs_dashboard';
export const EIP_NAMESPACE = 'acs_vpc_eip';
export const BANDWIDTH_PACKAGE_NAMESPACE = 'acs_bandwidth_package';

/** `Value` is the one statistic of the VPC metrics (the metric meta list above). */
export type Statistic = 'Average' | 'Maximum' | 'Minimum' | 'Value';

/**
 * Which resources a metric has a series for. The ECS table names the unprefixed Internet* metrics
 * "经典网络公网…" (classic network) and the VPC_PublicIP_* ones "IP 维度公网…" (per public IP, with an
 * `ip` dimension), so a VPC instance gets no InternetOutRate point and a classic one no
 * VPC_PublicIP_* point. A VPC instance's series is its fixed public IP's: an EIP's traffic is
 * published in the EIP's own namespace (acs_vpc_eip, family `eip`), so an instance reached only
 * through an EIP has no VPC_PublicIP_* series. Whether the real service also lists an EIP under
 * VPC_PublicIP_* is not documented; "no data" is the harsher answer. `bandwidthPackage`: one series
 * per Internet Shared Bandwidth instance.
 */
export type MetricFamily = 'classic' | 'vpcPublicIp' | 'eip' | 'bandwidthPackage';

export interface MetricDefinition {
  quantity: TrafficQuantity;
  family: MetricFamily;
  /** Statistics the metric publishes (the table's "Statistics" column). */
  statistics: readonly Statistic[];
}

const ALL_STATISTICS: readonly Statistic[] = ['Average', 'Maximum', 'Minimum'];
const VALUE: readonly Statistic[] = ['Value'];

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

/** The metrics of each namespace the local CloudMonitor serves. */
export const NAMESPACES: Readonly<Record<string, Readonly<Record<string, MetricDefinition>>>> = {
  [ECS_NAMESPACE]: METRICS,
  [EIP_NAMESPACE]: {
    'net_tx.rate': { quantity: 'outRate', family: 'eip', statistics: VALUE },
    'net_rx.rate': { quantity: 'inRate', family: 'eip', statistics: VALUE },
  },
  [BANDWIDTH_PACKAGE_NAMESPACE]: {
    'net_tx.rate': { quantity: 'outRate', family: 'bandwidthPackage', statistics: VALUE },
    'net_rx.rate': { quantity: 'inRate', family: 'bandwidthPackage', statistics: VALUE },
    'net_tx.ratePercent': { quantity: 'outPercent', family: 'bandwidthPackage', statistics: VALUE },
  },
};

/** The metric `metricName` of `namespace`, if the local CloudMonitor serves it. */
export function metricOf(namespace: string, metricName: string): MetricDefinition | undefined {
  const metrics = Object.hasOwn(NAMESPACES, namespace) ? NAMESPACES[namespace] : undefined;
  return metrics !== undefined && Object.hasOwn(metrics, metricName) ? metrics[metricName] : undefined;
}

/** A monitored resource: an ECS instance, an EIP or a shared bandwidth package. */
export interface MetricResource {
  /** The `instanceId` dimension: InstanceId, AllocationId or BandwidthPackageId. */
  id: string;
  name: string;
  regionId: string;
  /** One minute of a quantity, in the metric's unit. */
  minute(quantity: TrafficQuantity, minuteStart: number): MinuteStats;
}

/** What the metrics are computed from; EIPs and packages are absent from an ECS-only world. */
export interface MetricWorld {
  instances: Map<string, LocalInstance>;
  eips?: Map<string, LocalEip>;
  bandwidthPackages?: Map<string, LocalBandwidthPackage>;
}

/** One time series: a metric of one resource (and, for VPC_PublicIP_*, one address). */
export interface Series {
  resource: MetricResource;
  dimensions: { userId: string; instanceId: string; ip?: string };
}

export function instanceResource(instance: LocalInstance): MetricResource {
  return {
    id: instance.InstanceId,
    name: instance.InstanceName ?? instance.InstanceId,
    regionId: instance.RegionId,
    minute: (quantity, minuteStart) => minuteStats(instance, quantity, minuteStart),
  };
}

function vpcQuantity(quantity: TrafficQuantity): VpcQuantity {
  if (quantity === 'outBytes') throw new Error('no VPC metric is a volume');
  return quantity;
}

function vpcWorld(world: MetricWorld) {
  return { eips: world.eips ?? new Map<string, LocalEip>(), bandwidthPackages: world.bandwidthPackages ?? new Map<string, LocalBandwidthPackage>() };
}

export function eipResource(world: MetricWorld, eip: LocalEip): MetricResource {
  return {
    id: eip.AllocationId,
    name: eip.Name || eip.AllocationId,
    regionId: eip.RegionId,
    minute: (quantity, minuteStart) => eipMinuteStats(vpcWorld(world), eip, vpcQuantity(quantity), minuteStart),
  };
}

export function packageResource(world: MetricWorld, pkg: LocalBandwidthPackage): MetricResource {
  return {
    id: pkg.BandwidthPackageId,
    name: pkg.Name || pkg.BandwidthPackageId,
    regionId: pkg.RegionId,
    minute: (quantity, minuteStart) => packageMinuteStats(vpcWorld(world), pkg, vpcQuantity(quantity), minuteStart),
  };
}

/** The resource a metric of this family knows by `id`, whether or not it has a series now. */
export function resourceOf(metric: MetricDefinition, world: MetricWorld, id: string): MetricResource | undefined {
  if (metric.family === 'eip') {
    const eip = world.eips?.get(id);
    return eip && eipResource(world, eip);
  }
  if (metric.family === 'bandwidthPackage') {
    const pkg = world.bandwidthPackages?.get(id);
    return pkg && packageResource(world, pkg);
  }
  const instance = world.instances.get(id);
  return instance && instanceResource(instance);
}

export function seriesOf(metric: MetricDefinition, world: MetricWorld, userId: string): Series[] {
  const series: Series[] = [];
  if (metric.family === 'eip') {
    for (const eip of world.eips?.values() ?? []) series.push({ resource: eipResource(world, eip), dimensions: { userId, instanceId: eip.AllocationId } });
  } else if (metric.family === 'bandwidthPackage') {
    for (const pkg of world.bandwidthPackages?.values() ?? []) {
      series.push({ resource: packageResource(world, pkg), dimensions: { userId, instanceId: pkg.BandwidthPackageId } });
    }
  } else {
    for (const instance of world.instances.values()) {
      const base = { userId, instanceId: instance.InstanceId };
      if (metric.family === 'classic') {
        if (instance.InstanceNetworkType === 'classic') series.push({ resource: instanceResource(instance), dimensions: base });
        continue;
      }
      if (instance.InstanceNetworkType !== 'vpc') continue;
      const ip = instance.PublicIpAddress.find((address) => address !== '');
      if (ip !== undefined) series.push({ resource: instanceResource(instance), dimensions: { ...base, ip } });
    }
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
export function bucketStats(metric: MetricDefinition, resource: MetricResource, bucketStart: number, periodSeconds: number): MinuteStats {
  const minutes = periodSeconds / 60;
  let sum = 0;
  let max = Number.NEGATIVE_INFINITY;
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < minutes; i++) {
    const stats = resource.minute(metric.quantity, bucketStart + i * 60_000);
    sum += stats.Average;
    max = Math.max(max, stats.Maximum);
    min = Math.min(min, stats.Minimum);
  }
  return { Average: sum / minutes, Maximum: max, Minimum: min };
}

/** A datapoint as DescribeMetricLast/List serialise it (see their response examples in docs/reference/cloudmonitor.md). */
export type Datapoint = { timestamp: number; userId: string; instanceId: string; ip?: string } & Partial<Record<Statistic, number>>;

export function datapointOf(metric: MetricDefinition, series: Series, bucketStart: number, periodSeconds: number): Datapoint {
  const stats = bucketStats(metric, series.resource, bucketStart, periodSeconds);
  const point: Datapoint = { timestamp: bucketStart, ...series.dimensions };
  // `Value` of a period longer than a minute is not documented [I]: the period's mean, which hides a
  // short peak the way an average does (the harsher reading for a scaler that reacts to peaks).
  for (const statistic of metric.statistics) point[statistic] = roundFor(metric, statistic === 'Value' ? stats.Average : stats[statistic]);
  return point;
}

/**
 * Rates are whole bit/s, volumes whole bytes, and percentages carry two decimals, as in the documented samples
 * (`"Average":99.52`). Rounding never lifts a value past its cap: the caps are whole Mbit/s and 100.
 */
function roundFor(metric: MetricDefinition, value: number): number {
  return metric.quantity === 'outPercent' ? Math.round(value * 100) / 100 : Math.round(value);
}
