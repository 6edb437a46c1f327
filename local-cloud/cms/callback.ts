// How a threshold alert leaves CloudMonitor: the documented form-encoded webhook (facts §4.3),
// or the same fields wrapped in an EventBridge CloudEvent (facts §4.4), POSTed with CloudMonitor's
// documented retry discipline — 3 tries, 5 s timeout each — and every attempt recorded.
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/** The callback fields, all strings, named exactly as the 2020 callback doc's sample body. */
export interface CallbackFields {
  alertName: string;
  alertState: 'OK' | 'ALERT';
  curValue: string;
  dimensions: string;
  expression: string;
  instanceName: string;
  metricName: string;
  metricProject: string;
  namespace: string;
  preTriggerLevel: string;
  ruleId: string;
  signature: string;
  timestamp: string;
  triggerLevel: string;
  userId: string;
}

export type CallbackInput = Omit<CallbackFields, 'signature' | 'dimensions' | 'timestamp' | 'curValue'> & {
  dimensions: { userId: string; instanceId: string; ip?: string };
  /** Epoch ms of the evaluation; the callback carries seconds (sample: `timestamp=1508136760`). */
  at: number;
  curValue: number;
};

export function callbackFields(input: CallbackInput): CallbackFields {
  const { at, dimensions, curValue, ...rest } = input;
  const timestamp = String(Math.floor(at / 1000));
  return {
    ...rest,
    curValue: String(curValue),
    // A Java map's toString, not JSON: `{userId=12****, instanceId=i-12****}` (facts §0.7).
    dimensions: `{${Object.entries(dimensions)
      .map(([key, value]) => `${key}=${value}`)
      .join(', ')}}`,
    timestamp,
    // The doc shows a `signature` field but not how it is computed (facts §4.3). The emulator sends
    // an opaque value of the same shape (base64 of a 20-byte digest) that receivers must not verify.
    signature: createHash('sha1').update(`${input.ruleId}|${dimensions.instanceId}|${timestamp}|${input.alertState}`).digest('base64'),
  };
}

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded; charset=UTF-8';
export const CLOUDEVENT_CONTENT_TYPE = 'application/cloudevents+json; charset=UTF-8';

export function formBody(fields: CallbackFields): string {
  return new URLSearchParams(Object.entries(fields)).toString();
}

/**
 * CloudEvents 1.0 structured envelope in the shape EventBridge delivers (the MNS sample of facts
 * §4.4). The type `cms:CloudMonitor:AlertWebHook` is from peers.md §1.1; the `data` schema of a
 * real CloudMonitor event is unverified (facts §4.4, §9), so `data` carries the webhook fields.
 */
export function cloudEvent(fields: CallbackFields, context: { at: number; regionId: string }): Record<string, unknown> {
  const time = new Date(context.at).toISOString();
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: 'acs.cms',
    type: 'cms:CloudMonitor:AlertWebHook',
    subject: `acs:cms:${context.regionId}:${fields.userId}:alert/${fields.ruleId}`,
    time,
    datacontenttype: 'application/json; charset=utf-8',
    aliyunaccountid: fields.userId,
    aliyunpublishtime: time,
    aliyunoriginalaccountid: fields.userId,
    aliyuneventbusname: 'default',
    aliyunregionid: context.regionId,
    data: fields,
  };
}

export type Channel = 'webhook' | 'eventbridge';

/** One POST attempt, as `Cms.deliveries()` lists it. */
export interface Delivery {
  ruleId: string;
  instanceId: string;
  alertState: 'OK' | 'ALERT';
  triggerLevel: string;
  channel: Channel;
  url: string;
  /** 1-based; at most DELIVERY_TRIES. */
  attempt: number;
  /** Clock time (epoch ms) of the evaluation that raised the alert. */
  at: number;
  outcome: 'delivered' | 'failed';
  /** HTTP status, when the receiver answered. */
  status?: number;
  /** Why the attempt failed without a status: timeout, refused connection, ... */
  error?: string;
  contentType: string;
  body: string;
}

/** "The alert callback is retried 3 times" — read as three tries in all (facts §4.3). */
export const DELIVERY_TRIES = 3;

export interface DeliveryOptions {
  fetch: typeof fetch;
  /** Per attempt; CloudMonitor documents 5 s. */
  timeoutMs: number;
  /** Wall-clock pause between tries; CloudMonitor documents none, so this is the emulator's choice. */
  retryDelayMs: number;
}

export interface DeliveryRequest {
  ruleId: string;
  instanceId: string;
  alertState: 'OK' | 'ALERT';
  triggerLevel: string;
  channel: Channel;
  url: string;
  at: number;
  contentType: string;
  body: string;
}

/**
 * POST until a 2xx or DELIVERY_TRIES attempts. Never throws and never outlives
 * tries × (timeout + delay): every attempt is bounded by its own abort signal.
 */
export async function deliver(request: DeliveryRequest, options: DeliveryOptions, record: (delivery: Delivery) => void): Promise<boolean> {
  for (let attempt = 1; attempt <= DELIVERY_TRIES; attempt++) {
    if (attempt > 1 && options.retryDelayMs > 0) await sleep(options.retryDelayMs);
    const result = await postOnce(request, options);
    record({ ...request, attempt, ...result });
    if (result.outcome === 'delivered') return true;
  }
  return false;
}

async function postOnce(request: DeliveryRequest, options: DeliveryOptions): Promise<{ outcome: 'delivered' | 'failed'; status?: number; error?: string }> {
  try {
    const response = await options.fetch(request.url, {
      method: 'POST',
      headers: { 'content-type': request.contentType },
      body: request.body,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    // The body is irrelevant; cancelling it releases the connection without waiting for it.
    await response.body?.cancel().catch(() => undefined);
    return { outcome: response.ok ? 'delivered' : 'failed', status: response.status };
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    const reason = name === 'TimeoutError' ? `no response within ${options.timeoutMs} ms` : error instanceof Error ? error.message : String(error);
    return { outcome: 'failed', error: `${name}: ${reason}` };
  }
}
