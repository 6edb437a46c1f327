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
  if (isCloudEvent) {
    // EventBridge delivers through a trigger the account configured: no webhook token to check.
    callback = decodeEventBridgeAlert(raw);
  } else {
    const request = decodeFcHttpEvent(event);
    if (request.method !== 'POST') return jsonResponse(405, { error: 'only POST is accepted' });
    if (!verifyWebhookToken(request.query.token, rt.config.webhookToken)) {
      rt.logger.warn('alarm refused', { requestId: context.requestId, why: 'missing or wrong token' });
      return jsonResponse(401, { error: 'missing or wrong token' });
    }
    callback = parseCloudMonitorCallback(request.body, request.headers['content-type']);
    // A replayed callback (a copied request, an old retry) is refused on its own timestamp.
    const age = rt.deps.now() - callback.timestamp;
    const window = rt.config.replayWindowSeconds * 1000;
    if (age > window || age < -window) {
      rt.logger.warn('alarm refused', { requestId: context.requestId, why: 'outside the replay window', ageSeconds: Math.round(age / 1000) });
      return jsonResponse(403, {
        error: `callback timestamp is ${Math.round(age / 1000)} s from now, outside the ${rt.config.replayWindowSeconds} s replay window`,
      });
    }
  }
  if (!callback.instanceId) throw new ValidationError('alarm: no instanceId');
  const result = await handleAlarm(rt.deps, { doc: rt.doc, callback });
  await rt.telemetry?.flush(); // after the decision is written; never throws, bounded by its deadline
  const summary = rt.logger.redact(summarize(result));
  rt.logger.info('alarm handled', { requestId: context.requestId, ...summary });
  return isCloudEvent ? summary : jsonResponse(200, summary);
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
