// `bwscaler fetch-history`: an instance's, EIP's or shared bandwidth package's served outbound rate from CloudMonitor (DescribeMetricList)
// as a trace CSV, so a backtest can replay the account's own traffic:
//
//   timestamp,value
//   2026-11-02T00:01:00Z,4000000
//
// One row per period, the timestamp being the period's start (CloudMonitor stamps a datapoint with
// the start of its period), the value its Average in bit/s (an EIP's or package's `Value`): read it with `backtest --unit bps`.
// It is the SERVED rate, clipped at the bandwidth the instance had then; the backtest treats it as
// demand, so saturated stretches understate the real demand.
import { writeFile } from 'node:fs/promises';
import { ECS_NAMESPACE, metricPages, OUT_RATE_METRIC, type OutRateSeries, readPoint, VPC_OUT_RATE } from '../adapters/cms';
import type { RpcClient, RpcParams } from '../adapters/pop';
import { kindOfId } from '../adapters/vpc';
import { BwscalerError } from '../errors';
import { type CloudClients, openClients, readCloudAccess, resourceApi } from './cloud-access';
import {
  type CommandIo,
  type Env,
  EXIT_FAILURE,
  EXIT_OK,
  integerFlag,
  isoSeconds,
  processIo,
  readFlags,
  requiredFlag,
  runCommand,
  UsageError,
} from './command';

/** The rate metrics of acs_ecs_dashboard, all in bit/s (docs/reference/alibaba-cloud.md §4.1); the `_Percent` ones are not. */
export const RATE_METRICS = ['VPC_PublicIP_InternetOutRate', 'InternetOutRate', 'VPC_PublicIP_InternetInRate', 'InternetInRate'] as const;
/**
 * The rate metrics of acs_vpc_eip and acs_bandwidth_package, in bit/s, whose one statistic is `Value`
 * (CloudMonitor metric list, https://help.aliyun.com/document_detail/165008.html; docs/reference/vpc.md,
 * CloudMonitor metrics). `net_tx.ratePercent` is a percentage, not a trace.
 */
export const VPC_RATE_METRICS = ['net_tx.rate', 'net_rx.rate'] as const;
/** DescribeMetricList takes 60, 300 or 900 (docs/reference/alibaba-cloud.md §4.2); 900 is too coarse to replay a scaler on. */
export const PERIODS = [60, 300] as const;
/** The longest range one DescribeMetricLast/List query may cover, and how long CloudMonitor keeps the points. */
export const MAX_DAYS = 31;
const DEFAULT_DAYS = 7;
const DAY_MS = 86_400_000;
/**
 * One query per day of the range: far inside the 31-day limit on a query's range, and a failure
 * costs one day's pages rather than the whole month's. A day at 60 s is 1,440 points, two pages.
 */
const CHUNK_MS = DAY_MS;
/** DescribeMetricList `Length`: "Default value: 1000" (docs/reference/alibaba-cloud.md §4.2). */
const PAGE_LENGTH = 1000;

const USAGE = `usage: bwscaler fetch-history --instance ID [--days N] [--metric NAME] [--period 60|300] [--out FILE] [--json]

Downloads an instance's, EIP's or shared bandwidth package's outbound rate from CloudMonitor
(DescribeMetricList) as a CSV "timestamp,value": ISO-8601 UTC period starts, the period's Average
(an EIP's or package's Value) in bit/s. Replay it with "bwscaler backtest --unit bps". The values
are the SERVED rate, clipped at the bandwidth of the time.

  --instance ID    the ECS instance (i-...), EIP (eip-..., acs_vpc_eip) or package (cbwp-..., acs_bandwidth_package)
  --days N         how far back from now, 1 to ${MAX_DAYS} (default ${DEFAULT_DAYS}; CloudMonitor keeps ${MAX_DAYS} days)
  --metric NAME    for an instance one of ${RATE_METRICS.join(', ')}
                   (default: VPC_PublicIP_InternetOutRate for a VPC instance, InternetOutRate for classic);
                   for an EIP or package one of ${VPC_RATE_METRICS.join(', ')} (default net_tx.rate)
  --period S       seconds per point: 60 or 300 (default 60)
  --out FILE       write the CSV here instead of to stdout
  --json           the points as JSON ({"points": [{"at", "bps"}]}) instead of the CSV

environment: BWSCALER_REGION, ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET
             [, ALIBABA_CLOUD_SECURITY_TOKEN, BWSCALER_ECS_ENDPOINT, BWSCALER_CMS_ENDPOINT, BWSCALER_VPC_ENDPOINT]

exit codes: 0 written, 1 no datapoint in the range (the warning names the range asked and the newest
            point CloudMonitor has), an unknown instance, EIP or package, or the cloud failed, 2 usage or configuration`;

export interface HistoryQuery {
  regionId: string;
  instanceId: string;
  metricName: string;
  /** Default acs_ecs_dashboard; acs_vpc_eip or acs_bandwidth_package for an EIP or a package. */
  namespace?: string;
  /** The datapoint field holding the rate: Average (ECS, the default) or Value (EIPs and packages). */
  statistic?: OutRateSeries['statistic'];
  periodSeconds: number;
  /** Exclusive, epoch ms (DescribeMetricList "excludes the time specified by StartTime"). */
  from: number;
  /** Inclusive, epoch ms. */
  to: number;
}

export interface RatePoint {
  at: number;
  bps: number;
}

/**
 * Every point of one instance's metric in (from, to], oldest first, walking the range a day at a
 * time and each day's pages by NextToken. Two series of one instance at one time (a second `ip`
 * dimension) keep the larger value, as the metrics adapter does: the cap applies to the busiest.
 * A datapoint that cannot be read (src/adapters/cms.ts readPoint) is left out: the trace holds the
 * previous value over it, and `skipped` says how many there were.
 */
export async function fetchRateHistory(
  cms: RpcClient,
  query: HistoryQuery,
  options: { pageLength?: number; skipped?: (reason: string) => void } = {},
): Promise<RatePoint[]> {
  const byTime = new Map<number, number>();
  for (let start = query.from; start < query.to; start += CHUNK_MS) {
    const params: RpcParams = {
      RegionId: query.regionId,
      Namespace: query.namespace ?? ECS_NAMESPACE,
      MetricName: query.metricName,
      Period: String(query.periodSeconds),
      // Milliseconds: the zone-less 'YYYY-MM-DD hh:mm:ss' form is read in the endpoint's local time.
      StartTime: String(start),
      EndTime: String(Math.min(start + CHUNK_MS, query.to)),
      Dimensions: JSON.stringify([{ instanceId: query.instanceId }]),
      Length: String(options.pageLength ?? PAGE_LENGTH),
    };
    for await (const raws of metricPages(cms, 'DescribeMetricList', params)) {
      for (const [index, raw] of raws.entries()) {
        const reading = readPoint(raw, `DescribeMetricList(${query.metricName}) Datapoints[${index}]`, query.statistic ?? 'Average');
        if (!reading.ok) {
          if (reading.instanceId === undefined || reading.instanceId === query.instanceId) options.skipped?.(reading.reason);
          continue;
        }
        const { point } = reading;
        if (point.instanceId !== query.instanceId) continue;
        byTime.set(point.timestamp, Math.max(point.Average, byTime.get(point.timestamp) ?? Number.NEGATIVE_INFINITY));
      }
    }
  }
  return [...byTime].map(([at, bps]) => ({ at, bps })).sort((a, b) => a.at - b.at);
}

/** The trace CSV src/sim/trace.ts reads. */
export function traceCsv(points: readonly RatePoint[]): string {
  const rows = points.map((point) => `${isoSeconds(point.at)},${point.bps}\n`);
  return `timestamp,value\n${rows.join('')}`;
}

export async function run(args: string[], env: Env = process.env, io: CommandIo = processIo): Promise<number> {
  return runCommand('fetch-history', USAGE, io, async (out) => {
    const flags = readFlags(args, {
      instance: { type: 'string' },
      days: { type: 'string' },
      metric: { type: 'string' },
      period: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (flags.help) {
      out.print(USAGE);
      return EXIT_OK;
    }
    const instanceId = requiredFlag('instance', flags.instance);
    const days = flags.days === undefined ? DEFAULT_DAYS : integerFlag('days', flags.days, 1, MAX_DAYS);
    const periodSeconds = flags.period === undefined ? PERIODS[0] : periodFlag(flags.period);
    const metricFlag = flags.metric === undefined ? undefined : metricNameFlag(flags.metric, kindOfId(instanceId));
    const file = flags.out === undefined ? undefined : requiredFlag('out', flags.out);

    const access = readCloudAccess(env, { policyFromEnv: false });
    for (const secret of access.secrets) out.addSecret(secret);
    const clients = openClients(access);
    try {
      const series = await seriesOf(clients, access.region, instanceId);
      const metricName = metricFlag ?? series.metricName;
      const { namespace, statistic } = series;
      const to = io.now();
      const from = to - days * DAY_MS;
      const skipped: string[] = [];
      const points = await fetchRateHistory(
        clients.cms,
        { regionId: access.region, instanceId, metricName, namespace, statistic, periodSeconds, from, to },
        { skipped: (reason) => skipped.push(reason) },
      );
      for (const reason of skipped.slice(0, 5)) out.warn(`skipped an unreadable datapoint: ${reason}`);
      if (skipped.length > 5) out.warn(`skipped ${skipped.length - 5} more unreadable datapoints`);
      if (points.length === 0) {
        const newest = await newestPoint(clients.cms, { regionId: access.region, instanceId, metricName, namespace, statistic, periodSeconds });
        out.warn(emptyRangeHint({ instanceId, metricName, from, to, newest }));
        return EXIT_FAILURE;
      }
      const csv = flags.json
        ? `${JSON.stringify({ instanceId, metricName, periodSeconds, unit: 'bit/s', points: points.map((p) => ({ at: isoSeconds(p.at), bps: p.bps })) }, null, 2)}\n`
        : traceCsv(points);
      if (file === undefined) io.stdout.write(csv);
      else {
        try {
          await writeFile(file, csv);
        } catch (error) {
          throw new BwscalerError(`cannot write ${file}: ${(error as Error).message}`, { cause: error });
        }
      }
      const first = points[0] as RatePoint;
      const last = points[points.length - 1] as RatePoint;
      out.warn(
        `${points.length} points of ${metricName} for ${instanceId}, ${isoSeconds(first.at)} to ${isoSeconds(last.at)}${file ? ` written to ${file}` : ''}`,
      );
      return EXIT_OK;
    } finally {
      clients.close();
    }
  });
}

/**
 * The newest point CloudMonitor has for the instance. DescribeMetricLast looks back a bounded time
 * from its EndTime (docs/reference/cloudmonitor.md), which is the cloud's own "now" when none is
 * sent: enough to tell whose clock is where.
 */
async function newestPoint(
  cms: RpcClient,
  query: Pick<HistoryQuery, 'regionId' | 'instanceId' | 'metricName' | 'namespace' | 'statistic' | 'periodSeconds'>,
): Promise<number | undefined> {
  const params: RpcParams = {
    RegionId: query.regionId,
    Namespace: query.namespace ?? ECS_NAMESPACE,
    MetricName: query.metricName,
    Period: String(query.periodSeconds),
    Dimensions: JSON.stringify([{ instanceId: query.instanceId }]),
  };
  let newest: number | undefined;
  for await (const points of metricPages(cms, 'DescribeMetricLast', params)) {
    for (const [index, raw] of points.entries()) {
      const reading = readPoint(raw, `DescribeMetricLast(${query.metricName}) Datapoints[${index}]`, query.statistic ?? 'Average');
      if (reading.ok && (newest === undefined || reading.point.timestamp > newest)) newest = reading.point.timestamp;
    }
  }
  return newest;
}

/**
 * Why a range came back empty, in terms of time first: the commonest cause is a clock, not a
 * metric name (the local cloud's manual clock starts on 2026-11-02 and stays there, while "the
 * last N days" is counted from this machine's clock).
 */
export function emptyRangeHint(found: { instanceId: string; metricName: string; from: number; to: number; newest: number | undefined }): string {
  const asked = `no ${found.metricName} datapoints for ${found.instanceId} between ${isoSeconds(found.from)} and ${isoSeconds(found.to)}`;
  if (found.newest === undefined) return `${asked}; CloudMonitor has none at all for it (no public IP, or the wrong --metric?)`;
  const has = `CloudMonitor keeps ${MAX_DAYS} days, so it has points from ${isoSeconds(found.newest - MAX_DAYS * DAY_MS)} up to ${isoSeconds(found.newest)}`;
  if (found.newest < found.from) {
    return `${asked}; ${has}: its clock is behind this machine's (a local cloud on its manual clock? start it with --clock wall, or advance it)`;
  }
  return `${asked}; ${has}`;
}

/**
 * The outbound-rate series of the resource, as the metrics adapter reads it: by the kind its id names
 * (src/adapters/cms.ts VPC_OUT_RATE for EIPs and packages), for an instance by its network type. The
 * resource is described first, so a typo is named as such rather than as an empty range.
 */
async function seriesOf(clients: CloudClients, regionId: string, id: string): Promise<OutRateSeries> {
  const kind = kindOfId(id);
  const [found] = await resourceApi(clients).describeInstances({ regionId, instanceIds: [id] });
  if (!found) {
    const api = kind === 'eip' ? 'DescribeEipAddresses' : kind === 'cbwp' ? 'DescribeCommonBandwidthPackages' : 'DescribeInstances';
    throw new BwscalerError(`--instance ${id}: ${api} in ${regionId} does not return it`);
  }
  if (kind === 'eip' || kind === 'cbwp') return VPC_OUT_RATE[kind];
  return { namespace: ECS_NAMESPACE, metricName: OUT_RATE_METRIC[found.networkType], statistic: 'Average' };
}

function periodFlag(value: string): number {
  const period = Number(value.trim());
  if (!(PERIODS as readonly number[]).includes(period)) throw new UsageError(`--period: expected ${PERIODS.join(' or ')} (seconds), got "${value}"`);
  return period;
}

function metricNameFlag(value: string, kind: 'ecs' | 'eip' | 'cbwp'): string {
  const name = value.trim();
  const allowed: readonly string[] = kind === 'ecs' ? RATE_METRICS : VPC_RATE_METRICS;
  if (!allowed.includes(name)) {
    const of = kind === 'ecs' ? '' : kind === 'eip' ? ' of an EIP' : ' of a package';
    throw new UsageError(`--metric: expected one of ${allowed.join(', ')} (the bit/s metrics${of}), got "${value}"`);
  }
  return name;
}
