// CloudMonitor (API 2019-01-01) behind the MetricApi and TrafficApi ports: the latest served outbound
// rate of many instances with as few DescribeMetricLast calls as possible (one per metric name and
// batch; the API is limited to 50 calls/s per account and its free quota counts calls), and one
// instance's outbound bytes over a range from DescribeMetricList. What the service publishes, and
// the sources: docs/reference/cloudmonitor.md.
import * as z from 'zod';
import { chunk, mapWithConcurrency } from '../concurrency';
import type { MetricSample, NetworkType } from '../core/types';
import { CloudApiError } from '../errors';
import type { MetricApi, MetricTarget, OutboundBytesQuery, OutboundTraffic, OutRateReadings, RejectedDatapoint, ServedPoint, TrafficApi } from '../ports/cloud';
import { callRpc, parseResponse, type RpcClient, type RpcParams } from './pop';

export const CMS_API_VERSION = '2019-01-01';
export const ECS_NAMESPACE = 'acs_ecs_dashboard';

/**
 * Outbound rate in bit/s by network type. The ECS basic-metrics table names InternetOutRate the
 * classic network's ("经典网络公网流出带宽") and VPC_PublicIP_InternetOutRate the per-public-IP one
 * (dimensions userId, instanceId, ip): a VPC instance has no InternetOutRate datapoint.
 * https://help.aliyun.com/zh/ecs/user-guide/view-the-monitoring-information-of-an-ecs-instance
 */
export const OUT_RATE_METRIC: Record<NetworkType, string> = {
  vpc: 'VPC_PublicIP_InternetOutRate',
  classic: 'InternetOutRate',
};

/**
 * The outbound-rate series of EIPs and shared bandwidth packages, in bit/s, dimension instanceId = the
 * EIP's AllocationId or the package id. The CloudMonitor metric list (https://help.aliyun.com/document_detail/165008.html,
 * DescribeMetricMetaList) gives acs_bandwidth_package net_tx.rate as Unit "bits/s", dimensions
 * "userId,instanceId", periods 60/300/600; acs_vpc_eip net_tx.rate is the EIP's outbound bandwidth
 * ("流出带宽") with the same dimensions. One third-party summary calls the EIP's unit bytes/s; the
 * metric list's bits/s is followed, and docs/reference/cloudmonitor.md is where the local cloud
 * states the unit it serves.
 */
export const VPC_OUT_RATE: Readonly<Record<'eip' | 'cbwp', OutRateSeries>> = {
  // Their one statistic is `Value` ("Statistics":"Value" in the metric list): a point has no Average.
  eip: { namespace: 'acs_vpc_eip', metricName: 'net_tx.rate', statistic: 'Value' },
  cbwp: { namespace: 'acs_bandwidth_package', metricName: 'net_tx.rate', statistic: 'Value' },
};

export interface OutRateSeries {
  namespace: string;
  metricName: string;
  /** The datapoint field that holds the rate. */
  statistic: 'Average' | 'Value';
}

/** The namespace, metric and statistic of one target's outbound rate: by kind, and for ECS by network type. */
export function outRateSeries(target: Pick<MetricTarget, 'kind' | 'networkType'>): OutRateSeries {
  if (target.kind === 'eip' || target.kind === 'cbwp') return VPC_OUT_RATE[target.kind];
  return { namespace: ECS_NAMESPACE, metricName: OUT_RATE_METRIC[target.networkType], statistic: 'Average' };
}

/** The VPC_PublicIP_* family carries an `ip` dimension; the classic family does not. */
const PER_IP_METRICS = new Set(['VPC_PublicIP_InternetOutRate', 'VPC_PublicIP_InternetOutRate_Percent', 'VPC_PublicIP_InternetInRate']);

/**
 * Instances per call: DescribeMetricLast's Dimensions "You can query a maximum of 50 instances in
 * each request" (https://www.alibabacloud.com/help/en/cms/cloudmonitor-1-0/api-describemetriclast-new).
 */
export const INSTANCES_PER_CALL = 50;
/**
 * Above this many instances of one network type, the adapter reads the region's whole metric
 * without a Dimensions filter, 1000 points a page, and keeps the instances it was asked about:
 * 5,000 instances then cost ~5 calls instead of 100. The trade-off: an account with many more
 * instances than bwscaler manages pays for reading theirs too (still 1 call per 1000 instances).
 */
export const WHOLE_REGION_ABOVE = 250;
/** Each (instance, ip) series gives one point in DescribeMetricLast; a page of 1000 holds a batch (its maximum is 1440). */
const PAGE_LENGTH = 1000;
const CALL_CONCURRENCY = 4;
const MAX_PAGES = 100;
/** DescribeMetricList's periods. */
const LIST_PERIODS = [60, 300, 900];
/** The longest range one query may cover. */
const MAX_RANGE_MS = 31 * 86_400_000;

const pageSchema = z.object({
  Success: z.boolean().optional(),
  Code: z.union([z.string(), z.number()]).optional(),
  Message: z.string().optional(),
  NextToken: z.string().optional(),
  // Typed String (a JSON-encoded array) in the response table and the examples; an array is accepted too.
  Datapoints: z.union([z.string(), z.array(z.unknown())]).optional(),
});

/** One datapoint as the adapter uses it: every field checked, none defaulted. */
export interface MetricPoint {
  timestamp: number;
  instanceId: string;
  ip?: string;
  Average: number;
}

export type PointReading = { ok: true; point: MetricPoint } | { ok: false; instanceId?: string; reason: string };

/**
 * Reads one datapoint. A point that cannot be read is refused with a reason naming the field and
 * value; nothing is coerced: `Average: null` or `""` would otherwise read as 0 bit/s, an idle
 * instance, and invite a downgrade.
 */
export function readPoint(raw: unknown, where: string, statistic: OutRateSeries['statistic'] = 'Average'): PointReading {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, reason: `${where}: expected an object, got ${show(raw)}` };
  const fields = raw as Record<string, unknown>;
  const instanceId = typeof fields.instanceId === 'string' && fields.instanceId !== '' ? fields.instanceId : undefined;
  if (instanceId === undefined) return { ok: false, reason: `${where}.instanceId: expected a non-empty string, got ${show(fields.instanceId)}` };
  const timestamp = finiteNumber(fields.timestamp);
  if (timestamp === undefined || timestamp <= 0) {
    return { ok: false, instanceId, reason: `${where}.timestamp: expected epoch milliseconds, got ${show(fields.timestamp)}` };
  }
  const average = finiteNumber(fields[statistic]);
  if (average === undefined || average < 0) {
    return { ok: false, instanceId, reason: `${where}.${statistic}: expected a number >= 0, got ${show(fields[statistic])}` };
  }
  if (fields.ip !== undefined && (typeof fields.ip !== 'string' || fields.ip === '')) {
    return { ok: false, instanceId, reason: `${where}.ip: expected a non-empty string, got ${show(fields.ip)}` };
  }
  return { ok: true, point: { timestamp, instanceId, Average: average, ...(typeof fields.ip === 'string' ? { ip: fields.ip } : {}) } };
}

/** A JSON number, or a string holding one (the SDKs' samples show both); never null, '' or a boolean. */
function finiteNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function createMetricApi(client: RpcClient, options: { userId?: string } = {}): MetricApi & TrafficApi {
  return {
    async latestOutRates(regionId, instances) {
      const calls: Array<OutRateSeries & { targets: MetricTarget[]; wholeRegion: boolean }> = [];
      // One group per series: ECS by network type, then EIPs and packages by their own namespaces.
      const groups = new Map<string, OutRateSeries & { targets: Map<string, MetricTarget> }>();
      for (const target of instances) {
        const series = outRateSeries(target);
        const key = `${series.namespace}/${series.metricName}`;
        const group = groups.get(key) ?? { ...series, targets: new Map<string, MetricTarget>() };
        group.targets.set(target.instanceId, target);
        groups.set(key, group);
      }
      for (const { targets: byId, ...series } of groups.values()) {
        const targets = [...byId.values()];
        if (targets.length > WHOLE_REGION_ABOVE) calls.push({ ...series, targets, wholeRegion: true });
        else for (const batch of chunk(targets, INSTANCES_PER_CALL)) calls.push({ ...series, targets: batch, wholeRegion: false });
      }
      const results = await mapWithConcurrency(calls, CALL_CONCURRENCY, (call) =>
        latestPoints(client, regionId, call, call.targets, options.userId, call.wholeRegion),
      );
      const samples = new Map<string, MetricSample>();
      const rejected: RejectedDatapoint[] = [];
      for (const batch of results) {
        for (const [instanceId, sample] of batch.samples) samples.set(instanceId, sample);
        rejected.push(...batch.rejected);
      }
      return Object.assign(samples, { rejected }) satisfies OutRateReadings;
    },

    async outboundTraffic(query) {
      return outboundBytes(client, query, options.userId);
    },

    // The spend guard's view: whole published minutes within [startMs, endMs); a gap (not yet
    // published, a collector outage, an unreadable point) is left out, never counted as 0.
    async outboundBytes(regionId, instance, startMs, endMs) {
      const periodMs = TRAFFIC_PERIOD_SECONDS * 1000;
      const start = Math.ceil(startMs / periodMs) * periodMs;
      const end = Math.floor(endMs / periodMs) * periodMs;
      if (end <= start) return [];
      const traffic = await outboundBytes(client, { regionId, instance, start, end, periodSeconds: TRAFFIC_PERIOD_SECONDS }, options.userId);
      return traffic.periods.map((period) => ({ start: period.start, end: period.start + periodMs, bytes: period.bytes }));
    },

    async servedRates(regionId, instances, startMs, endMs) {
      const targets = [...new Map(instances.map((i) => [i.instanceId, i])).values()];
      const calls: Array<{ metricName: string; targets: MetricTarget[] }> = [];
      for (const networkType of ['vpc', 'classic'] as const) {
        const metricName = OUT_RATE_METRIC[networkType];
        for (const batch of chunk(
          targets.filter((t) => t.networkType === networkType),
          INSTANCES_PER_CALL,
        ))
          calls.push({ metricName, targets: batch });
      }
      const out = new Map<string, ServedPoint[]>();
      const results = await mapWithConcurrency(calls, CALL_CONCURRENCY, (call) =>
        servedPoints(client, regionId, call.metricName, call.targets, startMs, endMs, options.userId),
      );
      for (const result of results) for (const [id, points] of result) out.set(id, points);
      return out;
    },
  } satisfies MetricApi & TrafficApi;
}

/**
 * Every minute of these instances' served rate in (startMs, endMs]: one DescribeMetricList query
 * (Period 60, "左开右闭": StartTime excluded, EndTime included; Length 1000 a page, NextToken until
 * none: https://help.aliyun.com/document_detail/155561.html). The List page does not state an
 * instance limit for Dimensions; the adapter keeps DescribeMetricLast's documented 50, the harsher
 * reading. A minute with several `ip` series keeps the largest (the cap applies to the busiest); a
 * point that cannot be read leaves its minute out for that instance, as a gap.
 */
async function servedPoints(
  client: RpcClient,
  regionId: string,
  metricName: string,
  targets: MetricTarget[],
  startMs: number,
  endMs: number,
  userId: string | undefined,
): Promise<Map<string, ServedPoint[]>> {
  const wanted = new Map(targets.map((t) => [t.instanceId, t]));
  const params: RpcParams = {
    RegionId: regionId,
    Namespace: ECS_NAMESPACE,
    MetricName: metricName,
    Period: '60',
    StartTime: String(startMs),
    EndTime: String(endMs),
    Dimensions: JSON.stringify(targets.map(({ instanceId }) => (userId ? { userId, instanceId } : { instanceId }))),
    Length: String(PAGE_LENGTH),
  };
  const byInstance = new Map<string, Map<number, number>>();
  const unreadable = new Map<string, Set<number>>();
  let page = 0;
  for await (const raws of metricPages(client, 'DescribeMetricList', params)) {
    page++;
    raws.forEach((raw, index) => {
      const where = `DescribeMetricList(${metricName}) page ${page} Datapoints[${index}]`;
      const reading = readPoint(raw, where);
      if (!reading.ok) {
        const at = finiteNumber((raw as { timestamp?: unknown } | null)?.timestamp);
        if (reading.instanceId !== undefined && at !== undefined) unreadable.set(reading.instanceId, (unreadable.get(reading.instanceId) ?? new Set()).add(at));
        return;
      }
      const { point } = reading;
      const target = wanted.get(point.instanceId);
      if (!target || point.timestamp <= startMs || point.timestamp > endMs) return;
      const belongs = belongsTo(point, target, metricName, where);
      if (typeof belongs === 'object') {
        unreadable.set(point.instanceId, (unreadable.get(point.instanceId) ?? new Set()).add(point.timestamp));
        return;
      }
      if (!belongs) return;
      const minutes = byInstance.get(point.instanceId) ?? new Map<number, number>();
      minutes.set(point.timestamp, Math.max(point.Average, minutes.get(point.timestamp) ?? Number.NEGATIVE_INFINITY));
      byInstance.set(point.instanceId, minutes);
    });
  }
  const out = new Map<string, ServedPoint[]>();
  for (const id of wanted.keys()) {
    const bad = unreadable.get(id);
    const points = [...(byInstance.get(id) ?? [])]
      .filter(([at]) => !bad?.has(at))
      .map(([at, outBps]) => ({ at, outBps }))
      .sort((a, b) => a.at - b.at);
    out.set(id, points);
  }
  return out;
}

/**
 * Whether a point is this target's traffic. A VPC_PublicIP_* point of another address than the
 * instance's known public IP is not (an address the instance no longer has, or not its own); a
 * VPC_PublicIP_* point without `ip` is malformed.
 */
function belongsTo(point: MetricPoint, target: MetricTarget, metricName: string, where: string): true | false | { reason: string } {
  if (!PER_IP_METRICS.has(metricName)) return true;
  if (point.ip === undefined) return { reason: `${where}.ip: ${metricName} points carry an ip dimension, this one has none` };
  return target.publicIp === undefined || point.ip === target.publicIp;
}

/** The period of the rate points integrated into bytes: CloudMonitor's basic ECS metrics are per minute. */
const TRAFFIC_PERIOD_SECONDS = 60;

async function latestPoints(
  client: RpcClient,
  regionId: string,
  { namespace, metricName, statistic }: OutRateSeries,
  targets: MetricTarget[],
  userId: string | undefined,
  wholeRegion: boolean,
): Promise<{ samples: Map<string, MetricSample>; rejected: RejectedDatapoint[] }> {
  const wanted = new Map(targets.map((target) => [target.instanceId, target]));
  const dimensions = targets.map(({ instanceId }) => (userId ? { userId, instanceId } : { instanceId }));
  const params: RpcParams = {
    RegionId: regionId,
    Namespace: namespace,
    MetricName: metricName,
    Period: '60',
    ...(wholeRegion ? (userId ? { Dimensions: JSON.stringify([{ userId }]) } : {}) : { Dimensions: JSON.stringify(dimensions) }),
    Length: String(PAGE_LENGTH),
  };
  const newest = new Map<string, MetricSample>();
  const rejected: RejectedDatapoint[] = [];
  let page = 0;
  for await (const raws of metricPages(client, 'DescribeMetricLast', params)) {
    page++;
    raws.forEach((raw, index) => {
      const where = `DescribeMetricLast(${metricName}) page ${page} Datapoints[${index}]`;
      const reading = readPoint(raw, where, statistic);
      if (!reading.ok) {
        // Unattributable points are reported; a point of an instance not asked about is not ours.
        if (reading.instanceId === undefined || wanted.has(reading.instanceId))
          rejected.push({ ...(reading.instanceId ? { instanceId: reading.instanceId } : {}), reason: reading.reason });
        return;
      }
      const { point } = reading;
      const target = wanted.get(point.instanceId);
      if (target === undefined) return;
      const belongs = belongsTo(point, target, metricName, where);
      if (typeof belongs === 'object') {
        rejected.push({ instanceId: point.instanceId, reason: belongs.reason });
        return;
      }
      if (!belongs) return;
      const current = newest.get(point.instanceId);
      // Newest point wins. Two series of one instance at the same minute (a second `ip`
      // dimension, when the public IP is not known) keep the larger value: the bandwidth cap
      // applies to the instance's busiest one.
      if (!current || point.timestamp > current.at || (point.timestamp === current.at && point.Average > current.outBps)) {
        newest.set(point.instanceId, { at: point.timestamp, outBps: point.Average });
      }
    });
  }
  // An instance with an unreadable point gets no sample from this read: the unreadable point may
  // be its newest or its busiest, and a sample that might understate its traffic invites a
  // downgrade. Its neighbours in the page are unaffected.
  for (const { instanceId } of rejected) if (instanceId !== undefined) newest.delete(instanceId);
  return { samples: newest, rejected };
}

/**
 * One instance's outbound bytes per period over [start, end): the rate metric of its network type
 * (VPC_PublicIP_InternetOutRate or InternetOutRate, bit/s) integrated over each period, Average ×
 * period ÷ 8. CloudMonitor has a byte metric only for the classic network (InternetOut), so the
 * rate is the one source that serves both network types. Several `ip` series of one instance (its
 * public IP unknown) are added: every address's traffic is billed.
 */
async function outboundBytes(client: RpcClient, query: OutboundBytesQuery, userId: string | undefined): Promise<OutboundTraffic> {
  const { regionId, instance, start, end } = query;
  const periodSeconds = query.periodSeconds ?? 60;
  const periodMs = periodSeconds * 1000;
  const name = `outboundBytes(${instance.instanceId})`;
  if (!LIST_PERIODS.includes(periodSeconds)) throw new RangeError(`${name}: periodSeconds must be one of ${LIST_PERIODS.join(', ')}, got ${periodSeconds}`);
  if (!Number.isInteger(start) || !Number.isInteger(end) || start % periodMs !== 0 || end % periodMs !== 0) {
    throw new RangeError(`${name}: start and end must be epoch milliseconds on ${periodSeconds} s boundaries, got ${start} and ${end}`);
  }
  if (end <= start || end - start > MAX_RANGE_MS) throw new RangeError(`${name}: expected start < end within 31 days, got ${start} and ${end}`);

  const { namespace, metricName, statistic } = outRateSeries(instance);
  const params: RpcParams = {
    RegionId: regionId,
    Namespace: namespace,
    MetricName: metricName,
    Period: String(periodSeconds),
    // (StartTime, EndTime]: "includes the time specified by EndTime and excludes the time specified
    // by StartTime". A point is stamped with its period's start; one second inside each bound
    // selects exactly the periods starting in [start, end), and the filter below enforces it.
    StartTime: String(start - 1000),
    EndTime: String(end - 1000),
    Dimensions: JSON.stringify([userId ? { userId, instanceId: instance.instanceId } : { instanceId: instance.instanceId }]),
    Length: String(PAGE_LENGTH),
  };
  const bytesByPeriod = new Map<number, number>();
  const unreadable = new Map<number, string>();
  const unplaced: string[] = [];
  let page = 0;
  for await (const raws of metricPages(client, 'DescribeMetricList', params)) {
    page++;
    raws.forEach((raw, index) => {
      const where = `DescribeMetricList(${metricName}) page ${page} Datapoints[${index}]`;
      const reading = readPoint(raw, where, statistic);
      if (!reading.ok) {
        const at = finiteNumber((raw as { timestamp?: unknown } | null)?.timestamp);
        if (at !== undefined && at >= start && at < end && at % periodMs === 0) unreadable.set(at, reading.reason);
        else unplaced.push(reading.reason);
        return;
      }
      const { point } = reading;
      if (point.instanceId !== instance.instanceId || point.timestamp < start || point.timestamp >= end) return;
      if (point.timestamp % periodMs !== 0) {
        unplaced.push(`${where}.timestamp: ${point.timestamp} is not on a ${periodSeconds} s boundary`);
        return;
      }
      const belongs = belongsTo(point, instance, metricName, where);
      if (typeof belongs === 'object') {
        unreadable.set(point.timestamp, belongs.reason);
        return;
      }
      if (!belongs) return;
      bytesByPeriod.set(point.timestamp, (bytesByPeriod.get(point.timestamp) ?? 0) + (point.Average * periodSeconds) / 8);
    });
  }

  const periods: OutboundTraffic['periods'] = [];
  const gaps: OutboundTraffic['gaps'] = [];
  const noPoint = unplaced.length > 0 ? `no usable datapoint (unreadable points elsewhere in the answer: ${unplaced.join('; ')})` : 'no datapoint';
  for (let at = start; at < end; at += periodMs) {
    const reason = unreadable.get(at);
    const bytes = bytesByPeriod.get(at);
    // A period with an unreadable point is unknown even if another series of it was read.
    if (reason !== undefined) gaps.push({ start: at, reason });
    else if (bytes === undefined) gaps.push({ start: at, reason: noPoint });
    else periods.push({ start: at, bytes });
  }
  return { instanceId: instance.instanceId, metricName, periodSeconds, periods, gaps, bytes: periods.reduce((sum, p) => sum + p.bytes, 0) };
}

/**
 * The raw datapoints of a DescribeMetricLast / DescribeMetricList query, one page at a time,
 * following NextToken; read each with readPoint, so one bad point is that point's problem. An
 * explicit Success:false is a failure (pop-core only throws for a Code outside its success set); a
 * Datapoints that is not a JSON array fails the page; a NextToken that repeats, or more than
 * MAX_PAGES, means paging does not progress.
 */
export async function* metricPages(client: RpcClient, action: 'DescribeMetricLast' | 'DescribeMetricList', params: RpcParams): AsyncGenerator<unknown[]> {
  const seenTokens = new Set<string>();
  let nextToken: string | undefined;
  do {
    const body = await callRpc(client, action, nextToken ? { ...params, NextToken: nextToken } : params, { method: 'GET' });
    const page = parseResponse(pageSchema, body, action);
    if (page.Success === false) {
      const code = String(page.Code ?? 'Unsuccessful');
      throw new CloudApiError(`${action} failed: ${code}: ${page.Message ?? ''}`, code, 'retryable');
    }
    yield datapoints(page.Datapoints, action);
    nextToken = page.NextToken || undefined;
    if (nextToken !== undefined) {
      if (seenTokens.has(nextToken) || seenTokens.size >= MAX_PAGES) {
        throw new CloudApiError(`${action} returned NextToken ${nextToken} again: paging does not progress`, 'InvalidResponse.Paging', 'retryable');
      }
      seenTokens.add(nextToken);
    }
  } while (nextToken !== undefined);
}

function datapoints(raw: string | unknown[] | undefined, action: string): unknown[] {
  if (raw === undefined || raw === '') return [];
  let list: unknown = raw;
  if (typeof raw === 'string') {
    try {
      list = JSON.parse(raw);
    } catch {
      throw new CloudApiError(`${action}: Datapoints is a string but not JSON`, 'InvalidResponse', 'rejected');
    }
  }
  if (!Array.isArray(list)) throw new CloudApiError(`${action}: Datapoints is not a list (got ${show(list)})`, 'InvalidResponse', 'rejected');
  return list;
}
