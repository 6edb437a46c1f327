// CycleDeps made of fakes: a manual clock that `sleep` advances (no real waiting), the fake ECS and
// CloudMonitor, the memory store behind a counting wrapper, and captured logs and notices.

import type { InstanceFacts } from '../../src/core/types';
import type { CycleDeps, CycleLogRecord } from '../../src/cycle/deps';
import type { NotifyEvent } from '../../src/notify/notifier';
import { createMemoryStore } from '../../src/state/memory';
import { createFakeInstanceApi, type FakeInstanceApi } from './instance-api';
import { createFakeMetricApi, type FakeMetricApi } from './metric-api';
import { type CountingStore, countingStore } from './store';

export interface FakeWorld {
  deps: CycleDeps;
  ecs: FakeInstanceApi;
  metrics: FakeMetricApi;
  store: CountingStore;
  clock: { now: number };
  logs: CycleLogRecord[];
  notices: NotifyEvent[];
  sleeps: number[];
}

export const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);

export function fakeWorld(instances: InstanceFacts[], options: { now?: number; downgradeQuota?: number } = {}): FakeWorld {
  const clock = { now: options.now ?? T0 };
  const ecs = createFakeInstanceApi(instances, { downgradeQuota: options.downgradeQuota });
  const metrics = createFakeMetricApi();
  const store = countingStore(createMemoryStore({ now: () => clock.now }));
  const logs: CycleLogRecord[] = [];
  const notices: NotifyEvent[] = [];
  const sleeps: number[] = [];
  const deps: CycleDeps = {
    ecs,
    metrics,
    store,
    now: () => clock.now,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.now += ms;
    },
    log: (record) => logs.push(record),
    notify: async (notice) => {
      notices.push(notice);
    },
    // Deterministic jitter: half of the backoff cap every time.
    random: () => 0.5,
  };
  return { deps, ecs, metrics, store, clock, logs, notices, sleeps };
}
