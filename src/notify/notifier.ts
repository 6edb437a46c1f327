// Notifications to people: a DingTalk group robot or a generic JSON webhook. Best effort by
// contract: a notification failure is logged and never reaches the scaling cycle.
import { createHmac } from 'node:crypto';
import { type Logger, redactValue } from '../log';

export type NotifyEvent =
  /** A bandwidth change went through. */
  | { type: 'applied'; instanceId: string; from: number; to: number; reason: string; orderId?: string; message?: string }
  /** A guard kept a wanted change from happening (budget, EIP, status, ...). */
  | { type: 'blocked'; instanceId: string; reason: string; message: string }
  /** Few subscription downgrades left. */
  | { type: 'quota-low'; instanceId: string; remaining: number; quota: number }
  /** A provider condition only a person can clear (unpaid order, arrears, security lock, ...). */
  | { type: 'needs-a-human'; instanceId: string; code: string; message: string }
  /** An operator paused, resumed or overrode (instanceId is "policy/<name>" for a whole policy), or a long pause's daily reminder. */
  | { type: 'control'; instanceId: string; change: 'paused' | 'resumed' | 'override' | 'override-removed' | 'reminder'; message: string };

export interface Notifier {
  /** Resolves true when the receiver accepted the message; never rejects. */
  notify(event: NotifyEvent): Promise<boolean>;
}

/** The CloudMonitor callback gets 5 s (docs/reference/alibaba-cloud.md §4.3); a notification must not eat into a cycle's budget. */
export const DEFAULT_NOTIFY_TIMEOUT_MS = 3000;

export function createNotifier(options: {
  url: string;
  kind: 'dingtalk' | 'webhook';
  secret?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  logger?: Logger;
  now?: () => number;
}): Notifier {
  const send = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? DEFAULT_NOTIFY_TIMEOUT_MS;

  const request = (event: NotifyEvent): { url: string; body: unknown } => {
    if (options.kind === 'webhook') return { url: options.url, body: { source: 'bwscaler', ...event } };
    const url = options.secret === undefined ? options.url : withQuery(options.url, dingTalkSignature(options.secret, now()));
    return { url, body: { msgtype: 'markdown', markdown: { title: title(event), text: markdown(event) } } };
  };

  return {
    async notify(event) {
      // Messages quote provider errors: no secret leaves in a notification either.
      const { url, body } = request(options.logger ? options.logger.redact(event) : redactValue(event));
      try {
        const response = await send(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await response.text();
        const failure = rejection(options.kind, response.status, text);
        if (failure === undefined) return true;
        options.logger?.warn('notification refused', { event: event.type, instanceId: event.instanceId, url, failure });
        return false;
      } catch (error) {
        options.logger?.warn('notification failed', { event: event.type, instanceId: event.instanceId, url, error });
        return false;
      }
    },
  };
}

/**
 * DingTalk custom-robot signing ("加签"): HMAC-SHA256 keyed with the secret over
 * `timestamp + "\n" + secret`, Base64, then URL-encoded; sent as `&timestamp=…&sign=…` with the
 * timestamp in milliseconds, which DingTalk accepts within one hour of its clock. Checked against
 * the published Java/Python samples (open.dingtalk.com custom-robot-access, as mirrored by
 * third-party pages: the official page itself was not reachable here).
 */
export function dingTalkSignature(secret: string, timestampMs: number): { timestamp: string; sign: string } {
  const timestamp = String(timestampMs);
  const digest = createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
  return { timestamp, sign: encodeURIComponent(digest) };
}

function withQuery(url: string, signature: { timestamp: string; sign: string }): string {
  // `sign` is already URL-encoded (that is part of the algorithm): append it verbatim.
  const separator = url.includes('?') ? '&' : '?';
  return `${url}${separator}timestamp=${signature.timestamp}&sign=${signature.sign}`;
}

/**
 * Why a receiver refused the message, or undefined when it accepted it. DingTalk answers HTTP 200
 * with `{"errcode":0,"errmsg":"ok"}` on success and a non-zero errcode (bad signature, rate limit)
 * otherwise; a generic webhook accepts with any 2xx.
 */
function rejection(kind: 'dingtalk' | 'webhook', status: number, text: string): string | undefined {
  if (status < 200 || status >= 300) return `HTTP ${status}: ${text.slice(0, 200)}`;
  if (kind === 'webhook') return undefined;
  try {
    const answer = JSON.parse(text) as { errcode?: unknown; errmsg?: unknown };
    return answer.errcode === 0 ? undefined : `errcode ${String(answer.errcode)}: ${String(answer.errmsg)}`;
  } catch {
    return `not a DingTalk answer: ${text.slice(0, 200)}`;
  }
}

function title(event: NotifyEvent): string {
  switch (event.type) {
    case 'applied':
      return `bwscaler: ${event.instanceId} ${event.from} → ${event.to} Mbps`;
    case 'blocked':
      return `bwscaler: change blocked on ${event.instanceId}`;
    case 'quota-low':
      return `bwscaler: ${event.remaining} downgrades left on ${event.instanceId}`;
    case 'needs-a-human':
      return `bwscaler: ${event.instanceId} needs attention`;
    case 'control':
      return `bwscaler: ${event.instanceId} ${event.change}`;
  }
}

function markdown(event: NotifyEvent): string {
  const lines = [`#### ${title(event)}`];
  switch (event.type) {
    case 'applied':
      lines.push(`- reason: ${event.reason}`);
      if (event.message) lines.push(`- ${event.message}`);
      if (event.orderId) lines.push(`- order: ${event.orderId}`);
      break;
    case 'blocked':
      lines.push(`- reason: ${event.reason}`, `- ${event.message}`);
      break;
    case 'quota-low':
      lines.push(`- ${event.remaining} of ${event.quota} subscription downgrades remain; scale-down keeps the rest for emergencies`);
      break;
    case 'needs-a-human':
      lines.push(`- provider error: ${event.code}`, `- ${event.message}`, '- scaling of this instance is paused until the condition clears');
      break;
    case 'control':
      lines.push(`- ${event.message}`);
      break;
  }
  return lines.join('\n');
}
