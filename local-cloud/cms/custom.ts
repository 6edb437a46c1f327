// The local CloudMonitor's custom monitoring: PutCustomMetric and PutCustomEvent (CMS 2019-01-01),
// validated as the API pages describe them, and stored for tests (admin GET /cms/custom).
//
// Sources:
// - PutCustomMetric: https://www.alibabacloud.com/help/en/cms/cloudmonitor-1-0/developer-reference/api-cms-2019-01-01-putcustommetric
//   and https://www.alibabacloud.com/help/doc-detail/115004.htm: MetricList.N.{MetricName, Dimensions,
//   Values, GroupId, Type} required, Time and Period optional, "Valid values of N: 1 to 21"; Values
//   {"value":10.5} for Type 0 (raw); Type 1 is aggregated data for a Period; success body
//   {"Code":"200","Message":...,"RequestId":...}.
// - Limits: https://www.alibabacloud.com/help/doc-detail/63275.html: metric names are letters, digits and
//   underscores starting with a letter, dimension keys and values at most 64 bytes, no = & , in them.
//   The real service silently REWRITES bad names (first character to "A", others to "_") and truncates
//   long ones; the emulator refuses them with InvalidParameter instead, so an adapter that relied on
//   the rewrite would be caught here rather than publish under a name nobody queries (harsher choice).
// - PutCustomEvent: https://help.aliyun.com/document_detail/115012.html: EventInfo.N.{EventName, Content}
//   required, Time ("yyyyMMddTHHmmss.SSSZ" or UNIX ms) and GroupId optional, "N: 1 to 50".
// - Error codes: both pages list only "400 %s %s" and "500 InternalError"; the emulator answers the
//   gateway's MissingParameter / InvalidParameter (params.ts). Unknown MetricList/EventInfo fields are
//   refused (the gateway ignores unknown parameters; refusing is the harsher choice and catches typos).
// - Content length: undocumented; the emulator refuses more than 2048 characters (harsher choice).
import { invalidParameter, missingParameter } from './params';

export const MAX_METRICS_PER_REQUEST = 21;
export const MAX_EVENTS_PER_REQUEST = 50;
export const MAX_EVENT_CONTENT_CHARS = 2048;

export interface StoredMetric {
  metricName: string;
  dimensions: Record<string, string>;
  values: Record<string, number>;
  type: 0 | 1;
  period?: number;
  groupId: string;
  /** Epoch ms: the datapoint's Time, or the receive time when absent. */
  time: number;
  receivedAt: number;
  accessKeyId: string;
}

export interface StoredEvent {
  eventName: string;
  content: string;
  groupId: string;
  time: number;
  receivedAt: number;
  accessKeyId: string;
}

export interface CustomMonitoring {
  handlers: {
    PutCustomMetric(params: Record<string, string>, ctx: { now: number; accessKeyId: string }): unknown;
    PutCustomEvent(params: Record<string, string>, ctx: { now: number; accessKeyId: string }): unknown;
  };
  metrics(): StoredMetric[];
  events(): StoredEvent[];
}

const METRIC_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const DIMENSION_TEXT = /^[A-Za-z0-9._\-/\\]{1,64}$/;
const METRIC_FIELDS = new Set(['MetricName', 'Dimensions', 'Values', 'GroupId', 'Type', 'Time', 'Period']);
const EVENT_FIELDS = new Set(['EventName', 'Content', 'Time', 'GroupId']);
const STATISTICS = new Set(['Sum', 'Average', 'Maximum', 'Minimum', 'SampleCount', 'SumPerSecond', 'CountPerSecond', 'LastValue']);

/** `onEvents` sees each accepted PutCustomEvent's events (event-triggered alert rules match them). */
export function createCustomMonitoring(options: { onEvents?: (events: StoredEvent[], now: number) => void } = {}): CustomMonitoring {
  const metrics: StoredMetric[] = [];
  const events: StoredEvent[] = [];
  return {
    handlers: {
      PutCustomMetric(params, ctx) {
        const entries = listEntries(params, 'MetricList', METRIC_FIELDS, MAX_METRICS_PER_REQUEST, 'MetricName');
        // Validate the whole request before storing any of it: a refused request stores nothing.
        const parsed = entries.map(({ n, fields }) => parseMetric(n, fields, ctx.now, ctx.accessKeyId));
        metrics.push(...parsed);
        return { Code: '200', Message: 'success' };
      },
      PutCustomEvent(params, ctx) {
        const entries = listEntries(params, 'EventInfo', EVENT_FIELDS, MAX_EVENTS_PER_REQUEST, 'EventName');
        const parsed = entries.map(({ n, fields }) => parseEvent(n, fields, ctx.now, ctx.accessKeyId));
        events.push(...parsed);
        options.onEvents?.(parsed, ctx.now);
        return { Code: '200', Message: 'success' };
      },
    },
    metrics: () => metrics.map((m) => ({ ...m })),
    events: () => events.map((e) => ({ ...e })),
  };
}

/** Groups `List.N.Field` parameters by N; N must run 1..count without gaps and stay within `max`. */
function listEntries(
  params: Record<string, string>,
  list: string,
  known: Set<string>,
  max: number,
  first: string,
): Array<{ n: number; fields: Record<string, string> }> {
  const byN = new Map<number, Record<string, string>>();
  const pattern = new RegExp(`^${list}\\.(\\d+)\\.(\\w+)$`);
  for (const [key, value] of Object.entries(params)) {
    if (!key.startsWith(`${list}.`)) continue;
    const match = pattern.exec(key);
    if (!match) throw invalidParameter(key, `expected ${list}.N.Field`);
    const n = Number(match[1]);
    const field = match[2] as string;
    if (!known.has(field)) throw invalidParameter(key, `unknown field "${field}" (expected one of ${[...known].join(', ')})`);
    if (n < 1 || n > max) throw invalidParameter(key, `N must be 1 to ${max}`);
    const fields = byN.get(n) ?? {};
    fields[field] = value;
    byN.set(n, fields);
  }
  if (byN.size === 0) throw missingParameter(`${list}.1.${first}`);
  const ns = [...byN.keys()].sort((a, b) => a - b);
  for (const [i, n] of ns.entries()) if (n !== i + 1) throw missingParameter(`${list}.${i + 1}.${first}`);
  return ns.map((n) => ({ n, fields: byN.get(n) as Record<string, string> }));
}

function requiredField(fields: Record<string, string>, name: string): string {
  const value = fields[name];
  if (value === undefined || value.trim() === '') throw missingParameter(name);
  return value;
}

function parseMetric(n: number, fields: Record<string, string>, now: number, accessKeyId: string): StoredMetric {
  const at = (field: string) => `MetricList.${n}.${field}`;
  const req = (field: string) => {
    const value = fields[field];
    if (value === undefined || value.trim() === '') throw missingParameter(at(field));
    return value;
  };
  const metricName = req('MetricName');
  if (!METRIC_NAME.test(metricName) || Buffer.byteLength(metricName) > 64) {
    throw invalidParameter(at('MetricName'), `letters, digits and underscores, starting with a letter, at most 64 bytes; got "${metricName}"`);
  }
  const dimensions = jsonObject(at('Dimensions'), req('Dimensions'));
  if (Object.keys(dimensions).length === 0) throw invalidParameter(at('Dimensions'), 'at least one dimension');
  for (const [key, value] of Object.entries(dimensions)) {
    if (typeof value !== 'string') throw invalidParameter(at('Dimensions'), `the value of "${key}" must be a string`);
    if (!DIMENSION_TEXT.test(key) || !DIMENSION_TEXT.test(value)) {
      throw invalidParameter(at('Dimensions'), `keys and values are 1-64 bytes of letters, digits and . - _ / \\; got "${key}": "${value}"`);
    }
  }
  const typeText = req('Type');
  if (typeText !== '0' && typeText !== '1') throw invalidParameter(at('Type'), `0 (raw) or 1 (aggregated), got "${typeText}"`);
  const type = Number(typeText) as 0 | 1;
  const groupId = req('GroupId');
  if (!/^\d+$/.test(groupId)) throw invalidParameter(at('GroupId'), `a numeric application group id (0 for none), got "${groupId}"`);
  const rawValues = jsonObject(at('Values'), req('Values'));
  const values: Record<string, number> = {};
  for (const [key, value] of Object.entries(rawValues)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidParameter(at('Values'), `"${key}" must be a finite number`);
    values[key] = value;
  }
  let period: number | undefined;
  if (type === 0) {
    // "If the MetricList.N.Type parameter is set to 0, the keys in this parameter must be set to the specified value": {"value": x}.
    if (Object.keys(values).join() !== 'value') throw invalidParameter(at('Values'), `raw data (Type 0) is {"value": number}, got ${fields.Values}`);
  } else {
    for (const key of Object.keys(values)) if (!STATISTICS.has(key)) throw invalidParameter(at('Values'), `unknown statistic "${key}"`);
    const periodText = req('Period');
    if (periodText !== '60' && periodText !== '300')
      throw invalidParameter(at('Period'), `aggregated data is reported for 60 or 300 s periods, got "${periodText}"`);
    period = Number(periodText);
  }
  const time = fields.Time === undefined ? now : parseEventTime(at('Time'), fields.Time);
  return {
    metricName,
    dimensions: dimensions as Record<string, string>,
    values,
    type,
    ...(period === undefined ? {} : { period }),
    groupId,
    time,
    receivedAt: now,
    accessKeyId,
  };
}

function parseEvent(n: number, fields: Record<string, string>, now: number, accessKeyId: string): StoredEvent {
  const at = (field: string) => `EventInfo.${n}.${field}`;
  const eventName = requiredField(renamed(fields, n), at('EventName'));
  const content = requiredField(renamed(fields, n), at('Content'));
  if (content.length > MAX_EVENT_CONTENT_CHARS) throw invalidParameter(at('Content'), `at most ${MAX_EVENT_CONTENT_CHARS} characters`);
  const groupId = fields.GroupId ?? '0';
  if (!/^\d+$/.test(groupId)) throw invalidParameter(at('GroupId'), `a numeric application group id, got "${groupId}"`);
  const time = fields.Time === undefined ? now : parseEventTime(at('Time'), fields.Time);
  return { eventName, content, groupId, time, receivedAt: now, accessKeyId };
}

/** The fields under their full parameter names, so MissingParameter names `EventInfo.N.Field`. */
function renamed(fields: Record<string, string>, n: number): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [`EventInfo.${n}.${k}`, v]));
}

function jsonObject(name: string, raw: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidParameter(name, `expected a JSON object, got "${raw}"`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidParameter(name, `expected a JSON object, got "${raw}"`);
  return parsed as Record<string, unknown>;
}

/** UNIX milliseconds, or `yyyyMMddTHHmmss.SSS+zzzz` as in the documented example 20171013T170923.456+0800. */
function parseEventTime(name: string, raw: string): number {
  const text = raw.trim();
  if (/^\d{12,13}$/.test(text)) return Number(text);
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})([+-])(\d{2})(\d{2})$/.exec(text);
  if (m) {
    const [, y, mo, d, h, mi, s, ms, sign, zh, zm] = m;
    const offset = (sign === '-' ? -1 : 1) * (Number(zh) * 60 + Number(zm)) * 60_000;
    const t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(ms)) - offset;
    if (!Number.isNaN(t)) return t;
  }
  throw invalidParameter(name, `expected UNIX milliseconds or yyyyMMddTHHmmss.SSSZ such as 20171013T170923.456+0800, got "${raw}"`);
}
