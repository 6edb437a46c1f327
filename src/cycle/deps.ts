// What one decision cycle needs from the outside world, as a plain object. The handlers build it once
// per container (clients reused on warm invocations); tests and the simulator pass fakes and clocks.

import type { NotifyEvent } from '../notify/notifier';
import type { InstanceApi, MetricApi } from '../ports/cloud';
import type { ControlStore } from '../ports/control-store';
import type { ServedStore } from '../ports/served-store';
import type { StateStore } from '../ports/state-store';

/** One structured log line; `msg` is the stable event name, the rest are stable keys. */
export interface CycleLogRecord {
  level: 'info' | 'warn' | 'error';
  msg: string;
  [field: string]: unknown;
}

export interface CycleDeps {
  ecs: InstanceApi;
  metrics: MetricApi;
  store: StateStore;
  /** The predictive policy's served-rate cache; absent = predictive policies run reactive (a cold start, said so). */
  served?: ServedStore;
  /** The control table (runtime pauses and overrides); absent = none (the backtest, unit tests). */
  controls?: ControlStore;
  /** Epoch ms. The only clock the cycle reads. */
  now(): number;
  /** Backoff between retries; tests pass a fake that advances their clock instead of waiting. */
  sleep(ms: number): Promise<void>;
  log(record: CycleLogRecord): void;
  /** src/notify's Notifier.notify. A failure is logged and swallowed: it never undoes a committed change. */
  notify?: (event: NotifyEvent) => Promise<unknown>;
  /** [0, 1) source for backoff jitter; Math.random when absent. */
  random?: () => number;
}

/** Calls deps.notify without letting it fail the cycle. */
export async function sendNotice(deps: CycleDeps, event: NotifyEvent): Promise<void> {
  if (!deps.notify) return;
  try {
    await deps.notify(event);
  } catch (error) {
    deps.log({ level: 'warn', msg: 'notify failed', instanceId: event.instanceId, type: event.type, error });
  }
}
