// DescribeMetricLast / DescribeMetricList (CMS 2019-01-01): parameter checks, the query window,
// Dimensions filtering and NextToken paging over datapoints computed on demand. Sources:
// DescribeMetricLast https://www.alibabacloud.com/help/en/cms/cloudmonitor-1-0/api-describemetriclast-new
// (2025-03-25) and https://www.alibabacloud.com/help/doc-detail/155560.htm; DescribeMetricList
// https://www.alibabacloud.com/help/doc-detail/51936.htm (2026-01-22). Summary: docs/reference/cloudmonitor.md.
import { createHash } from 'node:crypto';
import {
  type Datapoint,
  datapointOf,
  ECS_NAMESPACE,
  latestVisibleBucket,
  type MetricDefinition,
  type MetricWorld,
  matchesDimensions,
  metricOf,
  NAMESPACES,
  type Series,
  seriesOf,
} from './metrics';
import { invalidParameter, optional, parseObjectList, parseTime, positiveInteger, required } from './params';

export interface MetricSource extends MetricWorld {
  userId: string;
  lagSeconds: number;
  /** Whether the collector published the point of this instance's bucket (see Cms.suppressData). */
  published(instanceId: string, bucketStart: number, periodSeconds: number): boolean;
}

export type QueryKind = 'last' | 'list';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
/** DescribeMetricLast (older page): "a time range covering a maximum of 31 days". */
const MAX_WINDOW_MS = 31 * DAY_MS;
/** Both docs: "Default value: 1000". */
const DEFAULT_LENGTH = 1000;
/** DescribeMetricLast: "The maximum value of the Length parameter for each request is 1440." */
const MAX_LAST_LENGTH = 1440;
/** DescribeMetricLast, Dimensions: "You can query a maximum of 50 instances in each request." */
const MAX_LAST_DIMENSIONS = 50;
/** DescribeMetricList's documented Period values. */
const LIST_PERIODS = [60, 300, 900];
/** The VPC metrics' Periods "60,300,600" (the metric meta list cited in metrics.ts), for List and Last alike. */
const VPC_PERIODS = [60, 300, 600];
/**
 * DescribeMetricLast's documented Period values are 15, 60, 900 and 3600; 15 is second-level data,
 * which ECS basic metrics (reported once a minute) do not have.
 */
const LAST_PERIODS = [60, 900, 3600];
/**
 * How far back DescribeMetricLast looks from EndTime: "For minute-level data, the start time is
 * obtained by comparing the time specified by StartTime and 2 hours earlier than EndTime ... the
 * earlier one is used"; two days for hour-level data.
 */
export function lastLookbackMs(periodSeconds: number): number {
  return periodSeconds >= 3600 ? 2 * DAY_MS : 2 * HOUR_MS;
}
/**
 * Storage: "7 days if Period is less than 60 seconds, 31 days if it is 60 seconds, 91 days if it
 * is 300 seconds or more" (both docs' Precautions). Older points are gone.
 */
export function retentionMs(periodSeconds: number): number {
  return periodSeconds >= 300 ? 91 * DAY_MS : 31 * DAY_MS;
}

export interface MetricQueryResult {
  Code: '200';
  Success: true;
  Period: string;
  /** A JSON-encoded array, as the response table types it ("Datapoints | String"). */
  Datapoints: string;
  NextToken?: string;
}

/** Resolve the metric or refuse: unknown namespaces and metrics are caller mistakes, not empty data. */
export function resolveMetric(params: Record<string, string>): { namespace: string; metricName: string; metric: MetricDefinition } {
  const namespace = required(params, 'Namespace');
  const metricName = required(params, 'MetricName');
  if (!Object.hasOwn(NAMESPACES, namespace)) {
    throw invalidParameter('Namespace', `the local CloudMonitor serves ${Object.keys(NAMESPACES).join(', ')}, got "${namespace}"`);
  }
  // The real service may answer an unknown metric with empty Datapoints; the emulator refuses it so
  // a typo in an adapter or policy fails loudly instead of looking like an idle instance.
  const metric = metricOf(namespace, metricName);
  if (metric === undefined) {
    throw invalidParameter(
      'MetricName',
      `"${metricName}" is not a metric of ${namespace}; expected one of ${Object.keys(NAMESPACES[namespace] ?? {}).join(', ')}`,
    );
  }
  return { namespace, metricName, metric };
}

/**
 * Period in seconds: for ECS basic metrics List takes 60/300/900, Last 60/900/3600 (their docs); the
 * VPC metrics take 60/300/600.
 */
export function resolvePeriod(params: Record<string, string>, kind: QueryKind): number {
  const period = positiveInteger(params, 'Period', 60);
  const ecs = (params.Namespace ?? ECS_NAMESPACE) === ECS_NAMESPACE;
  const allowed = !ecs ? VPC_PERIODS : kind === 'list' ? LIST_PERIODS : LAST_PERIODS;
  if (!allowed.includes(period)) {
    throw invalidParameter('Period', `expected one of ${allowed.join(', ')} for ${params.Namespace ?? ECS_NAMESPACE}, got ${period}`);
  }
  return period;
}

interface Window {
  /** Exclusive ("excludes the time specified by StartTime"); undefined only in cursors of older tokens. */
  start: number | undefined;
  /** Inclusive ("includes the time specified by EndTime"). */
  end: number;
}

/**
 * The paging cursor is opaque to callers but carries the resolved window, so the pages of one
 * query (whose default EndTime is "now") stay consistent while the clock moves, and a fingerprint
 * of the other parameters, so a token is refused on a different query.
 */
interface Cursor {
  offset: number;
  start: number | undefined;
  end: number;
  query: string;
}

function fingerprint(kind: QueryKind, params: Record<string, string>): string {
  const keys = ['Namespace', 'MetricName', 'Period', 'Dimensions', 'RegionId', 'Length'];
  const material = [kind, ...keys.map((key) => `${key}=${params[key] ?? ''}`)].join('&');
  return createHash('sha256').update(material).digest('hex').slice(0, 16);
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(token: string, query: string): Cursor {
  let cursor: Partial<Cursor> | undefined;
  try {
    cursor = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<Cursor>;
  } catch {
    cursor = undefined;
  }
  if (cursor?.query !== query || typeof cursor.offset !== 'number' || typeof cursor.end !== 'number') {
    throw invalidParameter('NextToken', 'the token does not belong to this query; repeat the query without NextToken');
  }
  return { offset: cursor.offset, start: cursor.start ?? undefined, end: cursor.end, query };
}

function resolveWindow(params: Record<string, string>, kind: QueryKind, periodSeconds: number, now: number): Window {
  const endRaw = optional(params, 'EndTime');
  const startRaw = optional(params, 'StartTime');
  const end = endRaw === undefined ? now : parseTime('EndTime', endRaw);
  const asked = startRaw === undefined ? undefined : parseTime('StartTime', startRaw);
  if (asked !== undefined) {
    if (asked >= end) throw invalidParameter('StartTime', 'StartTime must be earlier than EndTime');
    if (end - asked > MAX_WINDOW_MS) throw invalidParameter('StartTime', 'the time range may cover at most 31 days');
  }
  if (kind === 'list') {
    // List without StartTime shows the last hour (the console's default view; the doc names none).
    return { start: asked ?? end - HOUR_MS, end };
  }
  // Last looks back a bounded time, never forever; as documented, a StartTime later than that bound
  // does not narrow the window (the earlier of the two wins), so a caller cannot use StartTime to
  // refuse old points: it must check a point's age itself.
  const bound = end - lastLookbackMs(periodSeconds);
  return { start: asked === undefined ? bound : Math.min(asked, bound), end };
}

/**
 * The first page pins the window's end to the newest point visible now: later pages then walk the
 * same set of points even though more become visible while the caller pages.
 */
function firstCursor(window: Window, periodSeconds: number, lagSeconds: number, now: number, query: string): Cursor {
  return { offset: 0, start: window.start, end: Math.min(window.end, latestVisibleBucket(periodSeconds, lagSeconds, now)), query };
}

/** Bucket starts (period-aligned) in (start, end] that are visible and still stored at `now`, oldest first. */
function visibleBuckets(window: Window, periodSeconds: number, lagSeconds: number, now: number): { first: number; count: number } {
  const periodMs = periodSeconds * 1000;
  const last = Math.min(Math.floor(window.end / periodMs) * periodMs, latestVisibleBucket(periodSeconds, lagSeconds, now));
  const stored = Math.ceil((now - retentionMs(periodSeconds)) / periodMs) * periodMs;
  const first = Math.max(window.start === undefined ? last : (Math.floor(window.start / periodMs) + 1) * periodMs, stored);
  return { first, count: last < first ? 0 : (last - first) / periodMs + 1 };
}

function selectSeries(source: MetricSource, metric: MetricDefinition, params: Record<string, string>, kind: QueryKind): Series[] {
  const dimensionsRaw = optional(params, 'Dimensions');
  const filters = dimensionsRaw === undefined ? undefined : parseObjectList('Dimensions', dimensionsRaw);
  if (kind === 'last' && filters !== undefined && filters.length > MAX_LAST_DIMENSIONS) {
    throw invalidParameter('Dimensions', `at most ${MAX_LAST_DIMENSIONS} instances per request, got ${filters.length}`);
  }
  const regionId = optional(params, 'RegionId');
  return seriesOf(metric, source, source.userId).filter(
    (series) => (regionId === undefined || series.resource.regionId === regionId) && matchesDimensions(series, filters),
  );
}

/**
 * Last answers one point per series (the newest published one in the window); List answers every
 * published point of every series in the window. Points are ordered by instanceId, then time, and
 * paged by `Length` over (series × buckets): only the requested page is computed, and a page holds
 * fewer than `Length` points when the collector published nothing for some buckets.
 */
export function queryMetric(source: MetricSource, kind: QueryKind, params: Record<string, string>, now: number): MetricQueryResult {
  const { metric } = resolveMetric(params);
  const period = resolvePeriod(params, kind);
  const length = positiveInteger(params, 'Length', DEFAULT_LENGTH);
  if (kind === 'last' && length > MAX_LAST_LENGTH) throw invalidParameter('Length', `the maximum is ${MAX_LAST_LENGTH}, got ${length}`);
  const series = selectSeries(source, metric, params, kind);
  const query = fingerprint(kind, params);
  const token = optional(params, 'NextToken');
  const cursor =
    token === undefined ? firstCursor(resolveWindow(params, kind, period, now), period, source.lagSeconds, now, query) : decodeCursor(token, query);

  const periodMs = period * 1000;
  const buckets = visibleBuckets(cursor, period, source.lagSeconds, now);
  const perSeries = kind === 'last' ? Math.min(buckets.count, 1) : buckets.count;
  const total = series.length * perSeries;

  const page: Datapoint[] = [];
  for (let i = cursor.offset; i < Math.min(total, cursor.offset + length); i++) {
    const one = series[Math.floor(i / perSeries)];
    if (one === undefined) break;
    const bucket = kind === 'last' ? newestPublished(source, one, buckets, period) : buckets.first + (i % perSeries) * periodMs;
    if (bucket !== undefined && source.published(one.dimensions.instanceId, bucket, period)) page.push(datapointOf(metric, one, bucket, period));
  }

  const next = cursor.offset + length;
  return {
    Code: '200',
    Success: true,
    Period: String(period),
    Datapoints: JSON.stringify(page),
    ...(next < total ? { NextToken: encodeCursor({ ...cursor, offset: next }) } : {}),
  };
}

/** The newest bucket of the window the collector published for this series, if any. */
function newestPublished(source: MetricSource, series: Series, buckets: { first: number; count: number }, periodSeconds: number): number | undefined {
  for (let k = buckets.count - 1; k >= 0; k--) {
    const bucket = buckets.first + k * periodSeconds * 1000;
    if (source.published(series.dimensions.instanceId, bucket, periodSeconds)) return bucket;
  }
  return undefined;
}
