// functions/alarm: a CloudMonitor alert, by HTTP callback (FC 3.0 HTTP trigger) or as an EventBridge
// CloudEvent, scales the named instance up when a policy manages it.
import type { AlarmResult } from '../cycle/alarm';
import { handleAlarm } from '../cycle/alarm';
import { ValidationError } from '../errors';
import { type AlarmCallback, decodeEventBridgeAlert, decodeFcHttpEvent, parseCloudMonitorCallback, verifyWebhookToken } from '../events';
import { parseJson } from '../events/validate';
import { type FcContext, type HttpResponse, jsonResponse } from './middleware';

export async function alarmHandler(event: Buffer, context: FcContext): Promise<HttpResponse | Record<string, unknown>> {
  const rt = context.runtime;
  if (!rt) throw new Error('alarmHandler: the runtime middleware did not run');
  const raw = parseJson(event, 'alarm event');
  const isCloudEvent = typeof raw === 'object' && raw !== null && 'specversion' in raw;

  let callback: AlarmCallback;
  let times: number[];
  if (isCloudEvent) {
    // EventBridge delivers through a trigger the account configured: no webhook token to check. The
    // replay window still applies, to the alert's own timestamp and to the envelope's `time`: an
    // EventBridge retry or a replayed archive can deliver an hours-old ALERT.
    callback = decodeEventBridgeAlert(raw);
    times = [callback.timestamp, ...cloudEventTime(raw)];
  } else {
    const request = decodeFcHttpEvent(event);
    if (request.method !== 'POST') return jsonResponse(405, { error: 'only POST is accepted' });
    if (!verifyWebhookToken(request.query.token, rt.config.webhookToken)) {
      rt.logger.warn('alarm refused', { requestId: context.requestId, why: 'missing or wrong token' });
      return jsonResponse(401, { error: 'missing or wrong token' });
    }
    callback = parseCloudMonitorCallback(request.body, request.headers['content-type']);
    times = [callback.timestamp];
  }
  // A replayed alert (a copied request, an old retry, a redelivered event) is refused on its own time.
  const window = rt.config.replayWindowSeconds * 1000;
  const stale = times.map((at) => rt.deps.now() - at).find((age) => age > window || age < -window);
  if (stale !== undefined) {
    const ageSeconds = Math.round(stale / 1000);
    rt.logger.warn('alarm refused', { requestId: context.requestId, why: 'outside the replay window', ageSeconds });
    const error = `alert time is ${ageSeconds} s from now, outside the ${rt.config.replayWindowSeconds} s replay window`;
    return isCloudEvent ? { outcome: 'REFUSED', reason: 'REPLAY_WINDOW', error } : jsonResponse(403, { error });
  }
  if (!callback.instanceId) throw new ValidationError('alarm: no instanceId');
  const result = await handleAlarm(rt.deps, { doc: rt.doc, callback, ...(rt.retry && { retry: rt.retry }), ...(rt.reconcile && { reconcile: rt.reconcile }) });
  await rt.telemetry?.flush(); // after the decision is written; never throws, bounded by its deadline
  const summary = rt.logger.redact(summarize(result));
  rt.logger.info('alarm handled', { requestId: context.requestId, ...summary });
  return isCloudEvent ? summary : jsonResponse(200, summary);
}

/** The CloudEvents `time` attribute (RFC 3339), when the envelope carries one. */
function cloudEventTime(raw: unknown): number[] {
  const time = (raw as { time?: unknown }).time;
  if (typeof time !== 'string') return [];
  const at = Date.parse(time);
  if (Number.isNaN(at)) throw new ValidationError(`EventBridge event.time: expected an RFC 3339 time, got ${JSON.stringify(time)}`);
  return [at];
}

function summarize(result: AlarmResult): Record<string, unknown> {
  if (result.outcome !== 'HANDLED') return { outcome: result.outcome, instanceId: result.instanceId };
  const { cycle } = result;
  return {
    outcome: cycle.outcome,
    instanceId: result.instanceId,
    policy: cycle.policy,
    decisionId: cycle.decisionId,
    action: cycle.decision.action,
    from: cycle.decision.current,
    to: cycle.decision.target,
    reason: cycle.reason,
    message: cycle.decision.message,
    ...(cycle.orderId ? { orderId: cycle.orderId } : {}),
    ...(cycle.errorCode ? { errorCode: cycle.errorCode } : {}),
  };
}
