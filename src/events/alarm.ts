// CloudMonitor threshold alerts, as the HTTP alert callback (docs/reference/alibaba-cloud.md §4.3) or through EventBridge
// (docs/reference/alibaba-cloud.md §4.4, docs/reference/alibaba-cloud.md §10), decoded into one AlarmCallback.
import * as z from 'zod';
import type { MetricSample } from '../core/types';
import { ValidationError } from '../errors';
import { parseJson, validate } from './validate';

export type AlertState = 'ALERT' | 'OK' | 'INSUFFICIENT_DATA';

export interface AlarmCallback {
  alertName: string;
  alertState: AlertState;
  metricName: string;
  namespace: string;
  curValue: number;
  instanceId: string;
  userId?: string;
  /** The alert rule; the alert name when the (older) payload carries no rule id. */
  ruleId: string;
  /** Epoch milliseconds. */
  timestamp: number;
  expression?: string;
  triggerLevel?: string;
}

const numeric = z.union([
  z.number(),
  z
    .string()
    .trim()
    .regex(/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/, 'expected a number'),
]);

// The documented fields (all strings in the form body). Unknown fields are allowed: the callback
// carries more (instanceName, signature, preTriggerLevel, ...) and CloudMonitor adds new ones.
const alarmFieldsSchema = z
  .object({
    alertName: z.string().optional(),
    // The 2020 doc lists OK | ALERT | INSUFFICIENT_DATA; the older doc's sample says ALARM.
    alertState: z.enum(['ALERT', 'OK', 'INSUFFICIENT_DATA', 'ALARM']),
    metricName: z.string().min(1),
    namespace: z.string().min(1).optional(),
    metricProject: z.string().min(1).optional(),
    curValue: numeric,
    dimensions: z.union([z.string(), z.array(z.unknown()), z.record(z.string(), z.unknown())]).optional(),
    instanceId: z.string().optional(),
    userId: z.union([z.string(), z.number()]).optional(),
    ruleId: z.string().optional(),
    timestamp: numeric,
    // The older variant sends [{"expression":"$Average>90","level":4,"times":2}].
    expression: z.union([z.string(), z.array(z.object({ expression: z.string() }).loose())]).optional(),
    triggerLevel: z.string().optional(),
  })
  .loose()
  .refine((fields) => fields.namespace !== undefined || fields.metricProject !== undefined, {
    message: 'expected namespace or metricProject',
    path: ['namespace'],
  })
  .refine((fields) => Boolean(fields.ruleId || fields.alertName), { message: 'expected ruleId or alertName', path: ['ruleId'] });

/**
 * Decodes the body of a CloudMonitor alert callback. The current doc says the body is
 * application/x-www-form-urlencoded; an older doc shows JSON with `dimensions` as a JSON array.
 * The content type decides; when it names neither, a body starting with `{` is read as JSON.
 */
export function parseCloudMonitorCallback(body: string, contentType: string | undefined): AlarmCallback {
  const type = (contentType ?? '').toLowerCase();
  const isJson = type.includes('json') || (!type.includes('x-www-form-urlencoded') && body.trimStart().startsWith('{'));
  const fields = isJson ? parseJson(body, 'alarm callback') : Object.fromEntries(new URLSearchParams(body));
  return toAlarmCallback(fields, 'alarm callback');
}

/**
 * The EventBridge event type of a CloudMonitor alert, as the EventBridge "CloudMonitor events"
 * page names it (docs/reference/alibaba-cloud.md §10). UNVERIFIED: no sample event is public (docs/reference/alibaba-cloud.md §4.4). Relied on: a
 * CloudEvents 1.0 envelope whose `data` carries the same fields as the HTTP callback, as an object
 * or as the callback's text; capture a real event in the EventBridge console before going live.
 */
export const CMS_ALERT_EVENT_TYPE = 'cms:CloudMonitor:AlertWebHook';

const cloudEventSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.literal(CMS_ALERT_EVENT_TYPE),
  data: z.union([z.record(z.string(), z.unknown()), z.string()]),
});

export function decodeEventBridgeAlert(event: unknown): AlarmCallback {
  const raw = Buffer.isBuffer(event) || typeof event === 'string' ? parseJson(event, 'EventBridge event') : event;
  const envelope = validate(cloudEventSchema, raw, 'EventBridge event');
  const data = envelope.data;
  if (typeof data !== 'string') return toAlarmCallback(data, 'EventBridge event.data');
  const fields = data.trimStart().startsWith('{') ? parseJson(data, 'EventBridge event.data') : Object.fromEntries(new URLSearchParams(data));
  return toAlarmCallback(fields, 'EventBridge event.data');
}

function toAlarmCallback(input: unknown, where: string): AlarmCallback {
  const fields = validate(alarmFieldsSchema, input, where);
  const dimensionsText = fields.dimensions === undefined ? '' : typeof fields.dimensions === 'string' ? fields.dimensions : JSON.stringify(fields.dimensions);
  const instanceId = singleInstanceId(dimensionsText, fields.instanceId, where);
  const userId = fields.userId !== undefined ? String(fields.userId) : dimensionValue(dimensionsText, 'userId')[0];
  const alertName = fields.alertName ?? '';
  const callback: AlarmCallback = {
    alertName,
    alertState: fields.alertState === 'ALARM' ? 'ALERT' : fields.alertState,
    metricName: fields.metricName,
    namespace: (fields.namespace ?? fields.metricProject) as string,
    curValue: Number(fields.curValue),
    instanceId,
    ruleId: fields.ruleId || alertName,
    timestamp: epochMillis(Number(fields.timestamp)),
  };
  // A number the regex admits can still be ±Infinity ('1e999') or, as epoch seconds × 1000, overflow;
  // the replay window and the metric sample need real values (found by test/fuzz).
  if (!Number.isFinite(callback.curValue)) refuse(`${where}.curValue: expected a finite number, got ${String(fields.curValue)}`);
  if (!Number.isSafeInteger(callback.timestamp) || callback.timestamp < 0) {
    refuse(`${where}.timestamp: expected epoch seconds or milliseconds, got ${String(fields.timestamp)}`);
  }
  if (userId !== undefined) callback.userId = userId;
  if (fields.triggerLevel !== undefined) callback.triggerLevel = fields.triggerLevel;
  if (fields.expression !== undefined) {
    callback.expression = typeof fields.expression === 'string' ? fields.expression : fields.expression.map((e) => e.expression).join('; ');
  }
  return callback;
}

/**
 * Values of one key in a `dimensions` text, whatever its notation: the documented Java-map string
 * `{userId=12****, instanceId=i-12****}` (the doc sample even has a stray `)` after the user id),
 * or JSON `[{"userId":"1","instanceId":"i-1"}]`. Instance ids are `[\w.-]+`.
 */
function dimensionValue(text: string, key: string): string[] {
  const pattern = new RegExp(`\\b${key}"?\\s*[=:]\\s*"?([\\w.-]+)`, 'g');
  return [...new Set([...text.matchAll(pattern)].map((match) => match[1] as string))];
}

function singleInstanceId(dimensionsText: string, topLevel: string | undefined, where: string): string {
  const ids = dimensionValue(dimensionsText, 'instanceId');
  if (ids.length === 0 && topLevel) ids.push(topLevel);
  if (ids.length !== 1) {
    const found = ids.length === 0 ? 'none' : ids.join(', ');
    const issue = `${where}.dimensions: expected exactly one instanceId, found ${found}`;
    throw new ValidationError(issue, [issue]);
  }
  return ids[0] as string;
}

function refuse(issue: string): never {
  throw new ValidationError(issue, [issue]);
}

/** The callback's timestamp is epoch seconds (doc sample 1508136760); a value beyond 1e11 is already ms. */
function epochMillis(value: number): number {
  return value > 1e11 ? Math.round(value) : Math.round(value * 1000);
}

/**
 * Key under which a delivery is recorded, so CloudMonitor's 3 retries of one alert (and the same
 * alert arriving by both the callback and EventBridge) are handled once.
 */
export function alarmEventKey(callback: AlarmCallback): string {
  return ['cms', callback.ruleId, callback.instanceId, callback.alertState, callback.timestamp].join('|');
}

/** Outbound metrics the alarm path understands (docs/reference/alibaba-cloud.md §4.1), with how to read their value. */
const OUTBOUND_METRICS: Record<string, 'percent' | 'bitsPerSecond'> = {
  InternetOutRate: 'bitsPerSecond',
  VPC_PublicIP_InternetOutRate: 'bitsPerSecond',
  InternetOutRate_Percent: 'percent',
  VPC_PublicIP_InternetOutRate_Percent: 'percent',
  // EIPs (acs_vpc_eip) and shared bandwidth packages (acs_bandwidth_package): outbound rate in bit/s,
  // and the package's outbound rate in % of its bandwidth (docs/reference/vpc.md, CloudMonitor metrics).
  'net_tx.rate': 'bitsPerSecond',
  'net_tx.ratePercent': 'percent',
};

/**
 * The alarm's value as served bit/s. `*_Percent` metrics are relative to the instance's configured
 * InternetMaxBandwidthOut (docs/reference/alibaba-cloud.md §4.1), so they need the bandwidth at the time of the alarm.
 */
export function toMetricSample(callback: AlarmCallback, bandwidthOutMbps: number): MetricSample {
  const unit = OUTBOUND_METRICS[callback.metricName];
  if (unit === undefined) {
    const expected = Object.keys(OUTBOUND_METRICS).join(', ');
    const issue = `alarm callback.metricName: ${callback.metricName} is not an outbound bandwidth metric (expected one of ${expected})`;
    throw new ValidationError(issue, [issue]);
  }
  const outBps = unit === 'percent' ? (callback.curValue / 100) * bandwidthOutMbps * 1_000_000 : callback.curValue;
  return { at: callback.timestamp, outBps };
}
