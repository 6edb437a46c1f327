// CloudMonitor (API 2019-01-01) behind the MetricApi port: the latest served outbound rate of many
// instances with as few DescribeMetricLast calls as possible (one per metric name and batch; the
// API is limited to 50 calls/s per account and its free quota counts calls).
import * as z from 'zod';
import { chunk, mapWithConcurrency } from '../concurrency';
import type { MetricSample, NetworkType, TrafficPoint } from '../core/types';
import { CloudApiError } from '../errors';
import type { MetricApi } from '../ports/cloud';
import { callRpc, parseResponse, type RpcClient, type RpcParams } from './pop';

export const CMS_API_VERSION = '2019-01-01';
export const ECS_NAMESPACE = 'acs_ecs_dashboard';

/**
 * Outbound rate in bit/s by network type (facts §4.1 [I]): the VPC_PublicIP_* metrics describe a
 * VPC instance's static public IP, InternetOutRate is the classic-network name.
 */
export const OUT_RATE_METRIC: Record<NetworkType, string> = {
  vpc: 'VPC_PublicIP_InternetOutRate',
  classic: 'InternetOutRate',
};

/**
 * Instances per call. The docs define `Dimensions` as a JSON array of key/value maps without a
 * stated maximum [unverified]; 50 keeps the query string of a GET well under common 8 KB URL
 * limits (an instance id costs ~60 encoded bytes) while one call still covers a typical fleet.
 */
export const INSTANCES_PER_CALL = 50;
/**
 * Above this many instances of one network type, the adapter reads the region's whole metric
 * without a Dimensions filter, 1000 points a page, and keeps the instances it was asked about:
 * 5,000 instances then cost ~5 calls instead of 100. The trade-off: an account with many more
 * instances than bwscaler manages pays for reading theirs too (still 1 call per 1000 instances).
 */
export const WHOLE_REGION_ABOVE = 250;
/** Each (instance, ip) series gives one point in DescribeMetricLast; a page of 1000 holds a batch. */
const PAGE_LENGTH = 1000;
const CALL_CONCURRENCY = 4;
const MAX_PAGES = 100;

const pointSchema = z.object({
  timestamp: z.coerce.number(),
  instanceId: z.string().optional(),
  Average: z.coerce.number().optional(),
});

const pageSchema = z.object({
  Success: z.boolean().optional(),
  Code: z.union([z.string(), z.number()]).optional(),
  Message: z.string().optional(),
  NextToken: z.string().optional(),
  // Typed String (a JSON-encoded array) in the parameter table, an array in the sample (facts §4.2).
  Datapoints: z.union([z.string(), z.array(z.unknown())]).optional(),
});

export function createMetricApi(client: RpcClient, options: { userId?: string } = {}): MetricApi {
  return {
    async latestOutRates(regionId, instances) {
      const calls: Array<{ metricName: string; instanceIds: string[]; wholeRegion: boolean }> = [];
      for (const networkType of ['vpc', 'classic'] as const) {
        const ids = [...new Set(instances.filter((i) => i.networkType === networkType).map((i) => i.instanceId))];
        if (ids.length > WHOLE_REGION_ABOVE) calls.push({ metricName: OUT_RATE_METRIC[networkType], instanceIds: ids, wholeRegion: true });
        else
          for (const batch of chunk(ids, INSTANCES_PER_CALL)) calls.push({ metricName: OUT_RATE_METRIC[networkType], instanceIds: batch, wholeRegion: false });
      }
      const results = await mapWithConcurrency(calls, CALL_CONCURRENCY, (call) =>
        latestPoints(client, regionId, call.metricName, call.instanceIds, options.userId, call.wholeRegion),
      );
      const samples = new Map<string, MetricSample>();
      for (const batch of results) for (const [instanceId, sample] of batch) samples.set(instanceId, sample);
      return samples;
    },

    async outboundBytes(regionId, instance, startMs, endMs) {
      return trafficPoints(client, regionId, instance, startMs, endMs, options.userId);
    },
  } satisfies MetricApi;
}

/** The period of the rate points integrated into bytes: CloudMonitor's basic ECS metrics are per minute. */
const TRAFFIC_PERIOD_SECONDS = 60;

/**
 * One instance's outbound bytes per minute over [startMs, endMs). ECS basic monitoring
 * (acs_ecs_dashboard) documents outbound *rates* only, in bit/s (the OUT_RATE_METRIC names above,
 * https://www.alibabacloud.com/help/en/cms/cloudmonitor-1-0/user-guide/overview-of-basic-and-operating-system-monitoring
 * "once per minute"); no byte metric is listed for an instance's static public IP. So the minute's
 * Average rate is integrated over its 60 s: bytes = Average × 60 / 8. Points of one minute on
 * several `ip` series are added: every IP's traffic is billed.
 *
 * DescribeMetricList reads StartTime as exclusive and EndTime as inclusive, on the points'
 * timestamps (the period starts); the bounds below select the minutes that start at or after
 * startMs and end by endMs. Milliseconds are sent: the zone-less text form is read in UTC+8.
 */
async function trafficPoints(
  client: RpcClient,
  regionId: string,
  instance: { instanceId: string; networkType: NetworkType },
  startMs: number,
  endMs: number,
  userId: string | undefined,
): Promise<TrafficPoint[]> {
  const periodMs = TRAFFIC_PERIOD_SECONDS * 1000;
  const lastStart = endMs - periodMs;
  if (lastStart < startMs) return [];
  const params: RpcParams = {
    RegionId: regionId,
    Namespace: ECS_NAMESPACE,
    MetricName: OUT_RATE_METRIC[instance.networkType],
    Period: String(TRAFFIC_PERIOD_SECONDS),
    Dimensions: JSON.stringify([userId ? { userId, instanceId: instance.instanceId } : { instanceId: instance.instanceId }]),
    StartTime: String(startMs - 1),
    EndTime: String(lastStart),
    Length: String(PAGE_LENGTH),
  };
  const byMinute = new Map<number, number>();
  for await (const points of metricPages(client, 'DescribeMetricList', params)) {
    for (const point of points) {
      if (point.instanceId !== undefined && point.instanceId !== instance.instanceId) continue;
      if (point.Average === undefined || !Number.isFinite(point.Average) || point.Average < 0) continue;
      if (point.timestamp < startMs || point.timestamp > lastStart) continue;
      byMinute.set(point.timestamp, (byMinute.get(point.timestamp) ?? 0) + (point.Average * TRAFFIC_PERIOD_SECONDS) / 8);
    }
  }
  return [...byMinute].sort(([a], [b]) => a - b).map(([start, bytes]) => ({ start, end: start + periodMs, bytes }));
}

async function latestPoints(
  client: RpcClient,
  regionId: string,
  metricName: string,
  instanceIds: string[],
  userId: string | undefined,
  wholeRegion = false,
): Promise<Map<string, MetricSample>> {
  const wanted = new Set(instanceIds);
  const dimensions = instanceIds.map((instanceId) => (userId ? { userId, instanceId } : { instanceId }));
  const params: RpcParams = {
    RegionId: regionId,
    Namespace: ECS_NAMESPACE,
    MetricName: metricName,
    Period: '60',
    ...(wholeRegion ? (userId ? { Dimensions: JSON.stringify([{ userId }]) } : {}) : { Dimensions: JSON.stringify(dimensions) }),
    Length: String(PAGE_LENGTH),
  };
  const newest = new Map<string, MetricSample>();
  for await (const points of metricPages(client, 'DescribeMetricLast', params)) {
    for (const point of points) {
      if (point.instanceId === undefined || !wanted.has(point.instanceId)) continue;
      if (point.Average === undefined || !Number.isFinite(point.Average)) continue;
      const current = newest.get(point.instanceId);
      // Newest point wins. Two series of one instance at the same minute (a second `ip`
      // dimension) keep the larger value: the bandwidth cap applies to the instance's busiest one.
      if (!current || point.timestamp > current.at || (point.timestamp === current.at && point.Average > current.outBps)) {
        newest.set(point.instanceId, { at: point.timestamp, outBps: point.Average });
      }
    }
  }
  return newest;
}

export type MetricPoint = z.infer<typeof pointSchema>;

/**
 * The datapoints of a DescribeMetricLast / DescribeMetricList query, one page at a time, following
 * NextToken. An explicit Success:false is a failure (pop-core only throws for a Code outside its
 * success set); a NextToken that repeats, or more than MAX_PAGES, means paging does not progress.
 */
export async function* metricPages(client: RpcClient, action: 'DescribeMetricLast' | 'DescribeMetricList', params: RpcParams): AsyncGenerator<MetricPoint[]> {
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

function datapoints(raw: string | unknown[] | undefined, action: string): MetricPoint[] {
  if (raw === undefined || raw === '') return [];
  let list: unknown = raw;
  if (typeof raw === 'string') {
    try {
      list = JSON.parse(raw);
    } catch {
      throw new CloudApiError(`${action}: Datapoints is a string but not JSON`, 'InvalidResponse', 'rejected');
    }
  }
  return parseResponse(z.array(pointSchema), list, `${action}.Datapoints`);
}
