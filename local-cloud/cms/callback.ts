// How a threshold alert leaves CloudMonitor: the documented form-encoded webhook, or the same
// fields wrapped in an EventBridge CloudEvent, POSTed with CloudMonitor's documented retry
// discipline (a try and up to three retries, 5 s timeout each) and every attempt recorded.
// Source: "Use threshold alert callbacks", https://www.alibabacloud.com/help/en/document_detail/60714.html
// (last updated 2026-06-04); the body format and fields are summarised in docs/reference/cloudmonitor.md.
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/** The doc: "OK, ALERT, and INSUFFICIENT_DATA". */
export type AlertState = 'OK' | 'ALERT' | 'INSUFFICIENT_DATA';

/** The callback fields, all strings, named exactly as the 2020 callback doc's sample body. */
export interface CallbackFields {
  alertName: string;
  alertState: AlertState;
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
  /** Undefined when there is no data (INSUFFICIENT_DATA). */
  curValue: number | undefined;
};

export function callbackFields(input: CallbackInput): CallbackFields {
  const { at, dimensions, curValue, ...rest } = input;
  const timestamp = String(Math.floor(at / 1000));
  return {
    ...rest,
    // The doc defines curValue only for a triggered or cleared alert. With no data there is no
    // value; the emulator sends an empty field, the harsher reading for a receiver that needs a number.
    curValue: curValue === undefined ? '' : String(curValue),
    // A Java map's toString, not JSON: `{userId=12****, instanceId=i-12****}` (the doc's sample body).
    dimensions: `{${Object.entries(dimensions)
      .map(([key, value]) => `${key}=${value}`)
      .join(', ')}}`,
    timestamp,
    // The doc shows a `signature` field but not how it is computed. The emulator sends
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
 * CloudEvents 1.0 structured envelope in the shape EventBridge delivers (its MNS trigger sample,
 * awesome-fc/code-example nodejs/nodejs-mns-queue-trigger/README.md). The type
 * `cms:CloudMonitor:AlertWebHook` is the EventBridge "CloudMonitor events" page's; no real CloudMonitor
 * event sample is public, so `data` carries the webhook fields.
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
  alertState: AlertState;
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

/**
 * "Cloud Monitor retries failed callbacks up to three times": the first try and three retries.
 * (An older page said "The retry policy of alarm callback is three times", which an earlier
 * emulator read as three tries in all; the current wording is explicit about retries.)
 */
export const DELIVERY_TRIES = 4;

export interface DeliveryOptions {
  fetch: typeof fetch;
  /** Per attempt; CloudMonitor documents 5 s. */
  timeoutMs: number;
  /**
   * Wall-clock pause between tries. CloudMonitor documents no spacing; a short one is the harsher
   * choice (a receiver that is down for more than tries × (timeout + pause) loses the notice).
   */
  retryDelayMs: number;
}

export interface DeliveryRequest {
  ruleId: string;
  instanceId: string;
  alertState: AlertState;
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
