// A CloudMonitor alert for one instance (functions/alarm): the fast path for scale-up.
//
// Order of work, cheapest refusal first:
// 1. DescribeInstances for the named instance (the callback carries no region: each region the
//    policies cover is asked until one knows it; normally there is one) → NOT_FOUND;
// 2. selectPolicy → NOT_MANAGED. Nothing is written for an unmanaged instance, not even the event
//    key: an alarm that changes nothing needs no dedupe, and a foreign alarm rule pointed at the
//    endpoint must not fill the table. An EIP-bound instance's EIP is described too: when a policy
//    manages it, the instance is reported MANAGED_THROUGH_EIP, as the tick reports it (managed-eip.ts);
// 3. the alarm value as a sample (a non-outbound metric is a configuration error: ValidationError);
// 4. markEventHandled(alarmEventKey): CloudMonitor retries a callback 3 times
//    (https://www.alibabacloud.com/help/en/cms/user-guide/use-the-alert-callback-feature-to-automatically-handle-alerts)
//    and the same alert may also come through EventBridge. The key is only a claim, not the
//    acknowledgement: the acknowledgement is the history row the cycle writes under `alarm:<key>`.
//    A delivery whose key is already claimed is a DUPLICATE only when that row exists; when it does
//    not (the first delivery crashed, or its history write failed, after claiming), the retry runs
//    the cycle again. That re-run is idempotent: it decides on the stored state, which carries any
//    change or intent the first run wrote, and the conditional intent lets one order through;
// 5. the instance cycle with the alarm signal. ALERT drives scale-up. OK and INSUFFICIENT_DATA are
//    recorded the same way and can never lower the bandwidth: the cycle refuses downgrades from an
//    alarm (ALARM_NO_SCALE_DOWN in instance.ts) and decide() holds on INSUFFICIENT_DATA (NO_METRIC).

import { applyControls } from '../core/controls';
import type { InstanceFacts, Signal } from '../core/types';
import { type AlarmCallback, alarmEventKey, toMetricSample } from '../events/alarm';
import { type PolicyDocument, selectPolicy } from '../policy/load';
import { DEFAULT_RETRY, type RetryOptions, retryRead } from './apply';
import { readAlarmControls } from './controls';
import type { CycleDeps } from './deps';
import { type InstanceOutcome, runInstanceCycle } from './instance';
import { withManagedEip } from './managed-eip';
import type { ReconcileOptions } from './reconcile';

/** Far longer than CloudMonitor's retries take (3 × 5 s); the rows expire on their own. */
export const ALARM_EVENT_TTL_SECONDS = 86_400;

export interface AlarmInput {
  doc: PolicyDocument;
  callback: AlarmCallback;
  retry?: Partial<RetryOptions>;
  reconcile?: Partial<ReconcileOptions>;
}

export type AlarmResult =
  | { outcome: 'NOT_FOUND' | 'NOT_MANAGED'; instanceId: string }
  | { outcome: 'DUPLICATE'; instanceId: string; eventKey: string }
  | { outcome: 'HANDLED'; instanceId: string; eventKey: string; cycle: InstanceOutcome };

export async function handleAlarm(deps: CycleDeps, input: AlarmInput): Promise<AlarmResult> {
  const { doc, callback } = input;
  const { instanceId } = callback;
  const regions = [...new Set(doc.policies.map((policy) => policy.selector.regionId))];
  let instance: InstanceFacts | undefined;
  for (const regionId of regions) {
    [instance] = await retryRead(deps, { ...DEFAULT_RETRY, ...input.retry }, () => deps.ecs.describeInstances({ regionId, instanceIds: [instanceId] }));
    if (instance) break;
  }
  if (!instance) return settle(deps, { outcome: 'NOT_FOUND', instanceId });
  const policy = selectPolicy(doc, instance);
  if (!policy) return settle(deps, { outcome: 'NOT_MANAGED', instanceId });
  // An EIP-bound instance whose EIP a policy manages is served through it, as the tick reports it.
  const found = instance;
  instance = await retryRead(deps, { ...DEFAULT_RETRY, ...input.retry }, () =>
    withManagedEip((query) => deps.ecs.describeInstances(query), doc, { instance: found, policy }),
  );

  const sample = toMetricSample(callback, instance.bandwidthOut);
  const eventKey = alarmEventKey(callback);
  const claimed = await deps.store.markEventHandled(eventKey, ALARM_EVENT_TTL_SECONDS);
  if (!claimed && (await audited(deps, instanceId, eventKey, callback.timestamp))) return settle(deps, { outcome: 'DUPLICATE', instanceId, eventKey });
  if (!claimed)
    deps.log({ level: 'warn', msg: 'alarm re-run', instanceId, eventKey, why: 'claimed earlier but no history row: the earlier run did not finish' });

  const signal: Signal = { kind: 'alarm', alertState: callback.alertState, metricName: callback.metricName, sample, eventId: eventKey };
  const state = await deps.store.getState(instanceId);
  const controlled = applyControls(policy, instanceId, await readAlarmControls(deps, instanceId, policy.name), deps.now());
  const cycle = await runInstanceCycle(deps, {
    policy: controlled,
    instance,
    state,
    signal,
    // The alarm acts on its one fresh sample and only ever raises; the served history is the tick's.
    ...(controlled.predictive ? { history: { samples: [], note: 'an alarm decides on its fresh sample alone' } } : {}),
    source: `alarm:${eventKey}`,
    retry: input.retry,
    reconcile: input.reconcile,
  });
  if (cycle.history.length > 0) await deps.store.appendHistory(cycle.history);
  return settle(deps, { outcome: 'HANDLED', instanceId, eventKey, cycle });
}

/** Far wider than CloudMonitor's clock skew and its retries: the history is searched from this much before the alert. */
const AUDIT_LOOKBACK_MS = 3_600_000;

/** The history row of this alert exists: an earlier delivery finished, audit included. */
async function audited(deps: CycleDeps, instanceId: string, eventKey: string, alertAt: number): Promise<boolean> {
  const rows = await deps.store.queryHistory(instanceId, alertAt - AUDIT_LOOKBACK_MS, deps.now() + 1);
  return rows.some((row) => row.source === `alarm:${eventKey}`);
}

function settle(deps: CycleDeps, result: AlarmResult): AlarmResult {
  if (result.outcome !== 'HANDLED') deps.log({ level: 'info', msg: 'alarm', outcome: result.outcome, instanceId: result.instanceId });
  return result;
}
