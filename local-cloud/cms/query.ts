// DescribeMetricLast / DescribeMetricList (CMS 2019-01-01, facts §4.2): parameter checks, the
// query window, Dimensions filtering and NextToken paging over datapoints computed on demand.
import { createHash } from 'node:crypto';
import type { LocalInstance } from '../model';
import {
  type Datapoint,
  datapointOf,
  ECS_NAMESPACE,
  latestVisibleBucket,
  METRICS,
  type MetricDefinition,
  matchesDimensions,
  type Series,
  seriesOf,
} from './metrics';
import { invalidParameter, optional, parseObjectList, parseTime, positiveInteger, required } from './params';

export interface MetricSource {
  instances: Map<string, LocalInstance>;
  userId: string;
  lagSeconds: number;
}

export type QueryKind = 'last' | 'list';

const HOUR_MS = 3600_000;
/** DescribeMetricLast: "a time range that only covers a maximum of 31 days". */
const MAX_WINDOW_MS = 31 * 24 * HOUR_MS;
/** Both docs: "Default value: 1000". */
const DEFAULT_LENGTH = 1000;
/** DescribeMetricList's documented Period values. */
const LIST_PERIODS = [60, 300, 900];

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
  if (namespace !== ECS_NAMESPACE) {
    throw invalidParameter('Namespace', `the local CloudMonitor serves only "${ECS_NAMESPACE}", got "${namespace}"`);
  }
  // The real service may answer an unknown metric with empty Datapoints; the emulator refuses it so
  // a typo in an adapter or policy fails loudly instead of looking like an idle instance.
  const metric = METRICS[metricName];
  if (metric === undefined) {
    throw invalidParameter('MetricName', `"${metricName}" is not a metric of ${ECS_NAMESPACE}; expected one of ${Object.keys(METRICS).join(', ')}`);
  }
  return { namespace, metricName, metric };
}

/** Period in seconds: List takes 60/300/900 (its doc); Last takes any multiple of 60 (ECS basic metrics). */
export function resolvePeriod(params: Record<string, string>, kind: QueryKind): number {
  const period = positiveInteger(params, 'Period', 60);
  if (kind === 'list' && !LIST_PERIODS.includes(period)) throw invalidParameter('Period', `expected one of ${LIST_PERIODS.join(', ')}, got ${period}`);
  if (period % 60 !== 0) throw invalidParameter('Period', `ECS basic metrics have periods that are multiples of 60 seconds, got ${period}`);
  return period;
}

interface Window {
  /** Exclusive ("excludes the time specified by StartTime"); undefined = open. */
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

function resolveWindow(params: Record<string, string>, kind: QueryKind, now: number): Window {
  const endRaw = optional(params, 'EndTime');
  const startRaw = optional(params, 'StartTime');
  const end = endRaw === undefined ? now : parseTime('EndTime', endRaw);
  // List without StartTime shows the last hour (the CMS console default); Last without StartTime
  // looks back without limit for the newest point ("we recommend that you do not use" StartTime).
  const start = startRaw !== undefined ? parseTime('StartTime', startRaw) : kind === 'list' ? end - HOUR_MS : undefined;
  if (start !== undefined) {
    if (start >= end) throw invalidParameter('StartTime', 'StartTime must be earlier than EndTime');
    if (end - start > MAX_WINDOW_MS) throw invalidParameter('StartTime', 'the time range may cover at most 31 days');
  }
  return { start, end };
}

/**
 * The first page pins the window's end to the newest point visible now: later pages then walk the
 * same set of points even though more become visible while the caller pages.
 */
function firstCursor(window: Window, periodSeconds: number, lagSeconds: number, now: number, query: string): Cursor {
  return { offset: 0, start: window.start, end: Math.min(window.end, latestVisibleBucket(periodSeconds, lagSeconds, now)), query };
}

/** Bucket starts (period-aligned) in (start, end] that are visible at `now`, oldest first. */
function visibleBuckets(window: Window, periodSeconds: number, lagSeconds: number, now: number): { first: number; count: number } {
  const periodMs = periodSeconds * 1000;
  const last = Math.min(Math.floor(window.end / periodMs) * periodMs, latestVisibleBucket(periodSeconds, lagSeconds, now));
  const first = window.start === undefined ? last : (Math.floor(window.start / periodMs) + 1) * periodMs;
  return { first, count: last < first ? 0 : (last - first) / periodMs + 1 };
}

function selectSeries(source: MetricSource, metric: MetricDefinition, params: Record<string, string>): Series[] {
  const dimensionsRaw = optional(params, 'Dimensions');
  const filters = dimensionsRaw === undefined ? undefined : parseObjectList('Dimensions', dimensionsRaw);
  const regionId = optional(params, 'RegionId');
  const instances = [...source.instances.values()].filter((instance) => regionId === undefined || instance.RegionId === regionId);
  return seriesOf(metric, instances, source.userId).filter((series) => matchesDimensions(series, filters));
}

/**
 * Last answers one point per series (the newest visible one in the window); List answers every
 * visible point of every series in the window. Points are ordered by instanceId, then time, and
 * paged by `Length`: only the requested page is computed.
 */
export function queryMetric(source: MetricSource, kind: QueryKind, params: Record<string, string>, now: number): MetricQueryResult {
  const { metric } = resolveMetric(params);
  const period = resolvePeriod(params, kind);
  const length = positiveInteger(params, 'Length', DEFAULT_LENGTH);
  const series = selectSeries(source, metric, params);
  const query = fingerprint(kind, params);
  const token = optional(params, 'NextToken');
  const cursor = token === undefined ? firstCursor(resolveWindow(params, kind, now), period, source.lagSeconds, now, query) : decodeCursor(token, query);

  const buckets = visibleBuckets(cursor, period, source.lagSeconds, now);
  const perSeries = kind === 'last' ? Math.min(buckets.count, 1) : buckets.count;
  const newest = buckets.first + (buckets.count - 1) * period * 1000;
  const total = series.length * perSeries;

  const page: Datapoint[] = [];
  for (let i = cursor.offset; i < Math.min(total, cursor.offset + length); i++) {
    const one = series[Math.floor(i / perSeries)];
    if (one === undefined) break;
    const bucket = kind === 'last' ? newest : buckets.first + (i % perSeries) * period * 1000;
    page.push(datapointOf(metric, one, bucket, period));
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
