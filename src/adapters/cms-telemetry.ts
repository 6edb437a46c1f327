// CloudMonitor custom metrics and custom events, published after the decisions of an invocation.
//
// Which API. The PutCustomMetric page says "We recommend that you use the PutHybridMonitorMetricData
// operation in Enterprise CloudMonitor"
// (https://www.alibabacloud.com/help/en/cms/cloudmonitor-1-0/developer-reference/api-cms-2019-01-01-putcustommetric),
// but PutHybridMonitorMetricData requires Enterprise (Hybrid Cloud) Monitoring to be activated and a
// metric namespace to exist first ("Prerequisites: Hybrid Cloud Monitoring is activated",
// https://www.alibabacloud.com/help/en/cms/cloudmonitor-1-0/developer-reference/api-383455): a paid
// activation and one more resource no deployment path here creates. PutCustomMetric works on every
// account and its data lands in the console's Custom Monitoring, where the alarm rules can reach it.
// Limits (https://www.alibabacloud.com/help/doc-detail/63275.html): 200/100/50 QPS per region, metric
// names of letters, digits and _ starting with a letter, dimension keys and values up to 64 bytes and
// without = & , ; raw data (Type 0) is billed, aggregated data (Type 1) is free but must be sent for
// both the 60 s and 300 s periods. A tick decides once per instance, so raw data is one datapoint per
// instance per metric per tick.
//
// Budget. A request carries at most 21 datapoints (the API reference's "N: 1 to 21"; the overview
// page says 100, and the local cloud keeps the smaller number) and the region takes 50 to 200
// requests a second from all shards together, so requests per flush are the scarce thing: 50 of
// them carry 1,050 datapoints. Per instance the flush sends current, target, utilisation and (for
// subscriptions) downgrades left, 3 or 4 datapoints; decisions by reason are counted per policy
// and reason for the whole flush, a handful of datapoints instead of one per instance. That covers
// 262 subscription or 350 pay-as-you-go instances per shard (210 to 262 when the count was one
// datapoint per instance). Figures and sources: docs/reference/cloudmonitor.md §7.
//
// Publishing never slows or fails a decision: it runs after the decisions are written, with a bounded
// number of requests, a bounded number in flight, and a deadline; every failure is logged and counted,
// nothing is thrown, and what does not fit is dropped and counted.
import { type CustomEvent, MAX_EVENTS_PER_REQUEST, MAX_METRICS_PER_REQUEST, type MetricDatum, type TelemetryApi } from '../ports/telemetry';
import { callRpc, classifyEcsError, type RpcClient } from './pop';

export function createTelemetryApi(client: RpcClient): TelemetryApi {
  return {
    async putMetrics(data) {
      if (data.length === 0) return;
      if (data.length > MAX_METRICS_PER_REQUEST) throw new RangeError(`putMetrics: ${data.length} datapoints, at most ${MAX_METRICS_PER_REQUEST} per request`);
      const params: Record<string, string> = {};
      for (const [i, datum] of data.entries()) {
        const n = `MetricList.${i + 1}`;
        params[`${n}.MetricName`] = datum.name;
        params[`${n}.Dimensions`] = JSON.stringify(datum.dimensions);
        params[`${n}.Values`] = JSON.stringify({ value: datum.value });
        params[`${n}.Type`] = '0'; // raw data: CloudMonitor aggregates it per period
        params[`${n}.GroupId`] = '0'; // no application group
        params[`${n}.Time`] = String(datum.at);
      }
      // POST: the parameters travel in the body (pop.ts), and 21 datapoints overflow a sane URL.
      await callRpc(client, 'PutCustomMetric', params, { method: 'POST' });
    },
    async putEvents(events) {
      if (events.length === 0) return;
      if (events.length > MAX_EVENTS_PER_REQUEST) throw new RangeError(`putEvents: ${events.length} events, at most ${MAX_EVENTS_PER_REQUEST} per request`);
      const params: Record<string, string> = {};
      for (const [i, event] of events.entries()) {
        const n = `EventInfo.${i + 1}`;
        params[`${n}.EventName`] = event.name;
        params[`${n}.Content`] = event.content;
        params[`${n}.Time`] = String(event.at); // "You can also enter a UNIX timestamp ... Unit: milliseconds."
        params[`${n}.GroupId`] = '0';
      }
      await callRpc(client, 'PutCustomEvent', params, { method: 'POST' });
    },
  };
}

/** Metric names; dimensions are {instanceId}, and for decisions {policy, reason} (a count per flush). */
export const TELEMETRY_METRICS = {
  current: 'bwscaler_current_mbps',
  target: 'bwscaler_target_mbps',
  utilization: 'bwscaler_utilization_percent',
  downgradesLeft: 'bwscaler_downgrades_left',
  decisions: 'bwscaler_decisions',
} as const;

/** Event names. needs_human: a block only an operator can clear (reasons below). */
export const TELEMETRY_EVENTS = { applied: 'bwscaler_applied', blocked: 'bwscaler_blocked', needsHuman: 'bwscaler_needs_human' } as const;

/** Reason codes of a block only the account owner can clear (src/core/provider.ts BLOCKING_CODES). */
const NEEDS_HUMAN_REASONS = new Set(['NEEDS_HUMAN', 'UNPAID_ORDER', 'ACCOUNT_ARREARS', 'SECURITY_LOCK', 'INSTANCE_EXPIRED']);

/**
 * The cycle blocks on two error categories (src/cycle/apply.ts): the provider's downgrade quota, which
 * clears by itself when the billing period turns (a plain "blocked"), and the needsHuman codes
 * (arrears, unpaid order, security lock, expiry). The decision line carries the provider's code.
 */
function needsHuman(line: DecisionLine): boolean {
  if (NEEDS_HUMAN_REASONS.has(line.reason)) return true;
  return line.errorCode !== undefined && classifyEcsError(line.errorCode) === 'needsHuman';
}

export interface PublisherOptions {
  /** Requests per flush, metrics and events together (default 50: 1050 datapoints, 262 to 350 instances). */
  maxRequests?: number;
  /** Requests in flight at once (default 4; the documented limit is 50 QPS in most regions). */
  concurrency?: number;
  /** The flush gives up waiting after this long (default 5000 ms); unfinished requests count as failed. */
  deadlineMs?: number;
  /** Decisions held between flushes (default 10000); more are dropped and counted. */
  maxPending?: number;
  sleep?: (ms: number) => Promise<void>;
  log?: (level: 'info' | 'warn', msg: string, fields: Record<string, unknown>) => void;
}

export interface PublishReport {
  decisions: number;
  metrics: number;
  events: number;
  requests: number;
  failedRequests: number;
  /** Datapoints and events not sent: over maxRequests, over maxPending, or in a failed request. */
  dropped: number;
  timedOut: boolean;
}

export interface DecisionPublisher {
  /** Takes every cycle log record; keeps the `decision` lines. Never throws. */
  record(line: { msg: string; [field: string]: unknown }): void;
  /** Sends what was recorded since the last flush. Never throws. */
  flush(): Promise<PublishReport>;
  /** Running totals over the container's life. */
  readonly totals: { flushes: number; failedRequests: number; dropped: number };
}

interface DecisionLine {
  instanceId: string;
  policy?: string;
  decisionId?: string;
  reason: string;
  outcome: string;
  current: number;
  target: number;
  utilization?: number;
  downgradesLeft?: number;
  message?: string;
  errorCode?: string;
  at: number;
}

const DIMENSION_VALUE = /^[A-Za-z0-9._\-/\\]{1,64}$/;

export function createDecisionPublisher(api: TelemetryApi, now: () => number, options: PublisherOptions = {}): DecisionPublisher {
  const maxRequests = options.maxRequests ?? 50;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const deadlineMs = options.deadlineMs ?? 5000;
  const maxPending = options.maxPending ?? 10_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.()));
  const log = options.log ?? (() => {});
  let pending: DecisionLine[] = [];
  let droppedPending = 0;
  const totals = { flushes: 0, failedRequests: 0, dropped: 0 };

  return {
    totals,
    record(line) {
      try {
        if (line.msg !== 'decision') return;
        const parsed = decisionLine(line, now());
        if (!parsed) return;
        if (pending.length >= maxPending) droppedPending += 1;
        else pending.push(parsed);
      } catch {
        droppedPending += 1;
      }
    },
    async flush() {
      const lines = pending;
      const droppedBefore = droppedPending;
      pending = [];
      droppedPending = 0;
      // The counts by reason first: a few datapoints that describe the whole flush.
      const metrics = [...decisionCounts(lines), ...lines.flatMap(metricsOf)];
      const events = lines.flatMap(eventsOf);
      // Events first: fewer of them, and they are what alarm rules watch.
      const batches: Array<() => Promise<void>> = [];
      const sizes: number[] = [];
      const kinds: Array<'events' | 'metrics'> = [];
      for (let i = 0; i < events.length; i += MAX_EVENTS_PER_REQUEST) {
        const chunk = events.slice(i, i + MAX_EVENTS_PER_REQUEST);
        batches.push(() => api.putEvents(chunk));
        sizes.push(chunk.length);
        kinds.push('events');
      }
      for (let i = 0; i < metrics.length; i += MAX_METRICS_PER_REQUEST) {
        const chunk = metrics.slice(i, i + MAX_METRICS_PER_REQUEST);
        batches.push(() => api.putMetrics(chunk));
        sizes.push(chunk.length);
        kinds.push('metrics');
      }
      const report: PublishReport = { decisions: lines.length, metrics: 0, events: 0, requests: 0, failedRequests: 0, dropped: droppedBefore, timedOut: false };
      const allowed = Math.max(0, maxRequests);
      for (const size of sizes.slice(allowed)) report.dropped += size;
      const sent = batches.slice(0, allowed);
      const done = new Array<boolean>(sent.length).fill(false);
      let next = 0;
      const errors: string[] = [];
      const worker = async () => {
        while (next < sent.length) {
          const index = next++;
          const send = sent[index] as () => Promise<void>;
          try {
            await send();
            done[index] = true;
          } catch (error) {
            errors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
          } finally {
            report.requests += 1;
          }
        }
      };
      const all = Promise.all(Array.from({ length: Math.min(concurrency, sent.length) }, worker));
      const finished = await Promise.race([all.then(() => true), sleep(deadlineMs).then(() => false)]);
      report.timedOut = !finished;
      if (!finished) next = sent.length; // start nothing more; requests in flight finish on their own
      for (const [index, ok] of done.entries()) {
        const size = sizes[index] ?? 0;
        if (ok) {
          report[kinds[index] ?? 'metrics'] += size;
        } else {
          report.failedRequests += 1;
          report.dropped += size;
        }
      }
      totals.flushes += 1;
      totals.failedRequests += report.failedRequests;
      totals.dropped += report.dropped;
      if (report.failedRequests > 0 || report.dropped > 0) {
        log('warn', 'telemetry incomplete', { ...report, totals: { ...totals }, errors: errors.slice(0, 5) });
      } else if (lines.length > 0) {
        log('info', 'telemetry', { ...report });
      }
      return report;
    },
  };
}

function decisionLine(line: Record<string, unknown>, at: number): DecisionLine | undefined {
  const { instanceId, reason, outcome, current, target } = line;
  if (typeof instanceId !== 'string' || typeof reason !== 'string' || typeof outcome !== 'string') return undefined;
  if (typeof current !== 'number' || typeof target !== 'number') return undefined;
  const parsed: DecisionLine = { instanceId, reason, outcome, current, target, at };
  if (typeof line.policy === 'string') parsed.policy = line.policy;
  if (typeof line.decisionId === 'string') parsed.decisionId = line.decisionId;
  if (typeof line.utilization === 'number' && Number.isFinite(line.utilization)) parsed.utilization = line.utilization;
  if (typeof line.downgradesLeft === 'number') parsed.downgradesLeft = line.downgradesLeft;
  if (typeof line.message === 'string') parsed.message = line.message;
  if (typeof line.errorCode === 'string') parsed.errorCode = line.errorCode;
  return parsed;
}

function metricsOf(line: DecisionLine): MetricDatum[] {
  // A dimension value outside CloudMonitor's alphabet would be rewritten by the service; instance ids
  // and reason codes are inside it, anything else is left out rather than silently renamed.
  if (!DIMENSION_VALUE.test(line.instanceId)) return [];
  const dims = { instanceId: line.instanceId };
  const data: MetricDatum[] = [
    { name: TELEMETRY_METRICS.current, dimensions: dims, value: line.current, at: line.at },
    { name: TELEMETRY_METRICS.target, dimensions: dims, value: line.target, at: line.at },
  ];
  if (line.utilization !== undefined) data.push({ name: TELEMETRY_METRICS.utilization, dimensions: dims, value: line.utilization, at: line.at });
  if (line.downgradesLeft !== undefined) data.push({ name: TELEMETRY_METRICS.downgradesLeft, dimensions: dims, value: line.downgradesLeft, at: line.at });
  return data;
}

/**
 * bwscaler_decisions: how many decisions of the flush had each reason, per policy (dimensions
 * policy and reason; a policy name outside CloudMonitor's alphabet leaves the policy out). Which
 * instance had which reason is in the decision log and the events.
 */
function decisionCounts(lines: DecisionLine[]): MetricDatum[] {
  const counts = new Map<string, MetricDatum>();
  for (const line of lines) {
    if (!DIMENSION_VALUE.test(line.reason)) continue;
    const dimensions: Record<string, string> =
      line.policy !== undefined && DIMENSION_VALUE.test(line.policy) ? { policy: line.policy, reason: line.reason } : { reason: line.reason };
    const key = JSON.stringify(dimensions);
    const datum = counts.get(key);
    if (datum === undefined) counts.set(key, { name: TELEMETRY_METRICS.decisions, dimensions, value: 1, at: line.at });
    else {
      datum.value += 1;
      datum.at = Math.max(datum.at, line.at);
    }
  }
  return [...counts.values()];
}

function eventsOf(line: DecisionLine): CustomEvent[] {
  let name: string;
  // A change is announced once, when its order is placed (a tick) or placed and read back (an alarm);
  // a change that never shows in DescribeInstances is announced again as a block (CHANGE_NOT_VISIBLE).
  if (line.outcome === 'applied' || line.outcome === 'placed') name = TELEMETRY_EVENTS.applied;
  else if (line.outcome === 'blocked') name = needsHuman(line) ? TELEMETRY_EVENTS.needsHuman : TELEMETRY_EVENTS.blocked;
  else return [];
  const { at: _at, ...fields } = line;
  return [{ name, content: JSON.stringify(fields).slice(0, 1000), at: line.at }];
}
