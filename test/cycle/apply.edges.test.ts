// The intent → order → commit path at the edges the mutation run (README "Mutation testing") showed
// untested: a store outage on the intent write, each answer that proves nothing was placed, the retry
// time bound at its exact edge, a failure no adapter translated, and the ledger of a change.
import { describe, expect, it } from 'vitest';
import type { InstanceFacts, PendingChange } from '../../src/core/types';
import { applyDecision, countsAgainstQuota, downgradeEntries, sendOrder, stateAfterChange } from '../../src/cycle/apply';
import { CloudApiError, type CloudErrorCategory, StoreUnavailableError } from '../../src/errors';
import { emptyState } from '../../src/ports/state-store';
import { fakeWorld, T0 } from '../fakes/cycle-deps';
import { instanceFacts } from '../fakes/instance-api';
import { policy, setDecision } from './fixtures';

const ID = 'i-edges';
const HOUR = 3_600_000;
const RETRY = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 8000, maxElapsedMs: 20_000 };
const REQUEST = { regionId: 'cn-hangzhou', instanceId: ID, bandwidthOut: 20, clientToken: 'tok', autoPay: true };

function pendingChange(overrides: Partial<PendingChange> = {}): PendingChange {
  return {
    decisionId: 'd-edges',
    clientToken: 'tok',
    action: 'set',
    from: 20,
    target: 10,
    startedAt: T0,
    isDowngrade: true,
    attempts: 1,
    allocatePublicIp: false,
    ...overrides,
  };
}

describe('applyDecision, the intent write', () => {
  it('fails closed on a store outage: no order, no state, the error propagates', async () => {
    // Prepare
    const world = fakeWorld([instanceFacts({ instanceId: ID })]);
    world.store.failNext('putState', new StoreUnavailableError('store down'));

    // Act
    const run = applyDecision(world.deps, {
      policy: policy(),
      instance: instanceFacts({ instanceId: ID }),
      state: emptyState(ID),
      decision: setDecision(ID, 10, 20),
      source: 't',
    });

    // Assess
    await expect(run).rejects.toThrow(StoreUnavailableError);
    expect(world.ecs.modifyCalls).toEqual([]);
  });

  it('starts a new stabilisation window: the intent and the change carry no recommendation', async () => {
    // Prepare
    const world = fakeWorld([instanceFacts({ instanceId: ID })]);
    const state = { ...emptyState(ID), recommendations: [{ at: T0 - 60_000, mbps: 30 }] };
    let intentRecommendations: unknown;
    world.ecs.onModify = async () => {
      intentRecommendations = (await world.store.getState(ID)).recommendations;
    };

    // Act
    await applyDecision(world.deps, { policy: policy(), instance: instanceFacts({ instanceId: ID }), state, decision: setDecision(ID, 10, 20), source: 't' });

    // Assess
    expect(intentRecommendations).toEqual([]);
    expect((await world.store.getState(ID)).recommendations).toEqual([]);
  });
});

describe('sendOrder', () => {
  function failing(...errors: unknown[]) {
    const world = fakeWorld([instanceFacts({ instanceId: ID })]);
    let calls = 0;
    const deps = {
      ...world.deps,
      ecs: {
        ...world.deps.ecs,
        modifyBandwidth: async () => {
          const error = errors[calls++];
          if (error === undefined) return { orderId: 'order-ok' };
          throw error;
        },
      },
    };
    return { world, deps, calls: () => calls };
  }
  const cloud = (code: string, category: CloudErrorCategory = 'retryable') => new CloudApiError(`fake: ${code}`, code, category, 'req');

  it.each([
    { code: 'Throttling.User', uncertain: false },
    { code: 'Throttling', uncertain: false },
    { code: 'LastOrderProcessing', uncertain: false },
    { code: 'LastRequestProcessing', uncertain: false },
    { code: 'TaskConflict', uncertain: false },
    { code: 'ECONNREFUSED', uncertain: false },
    // Retryable answers that may come after the order was placed.
    { code: 'InternalError', uncertain: true },
    { code: 'ServiceUnavailable', uncertain: true },
    { code: 'User.Throttling', uncertain: true },
  ])('a first send refused to the end with $code is uncertain: $uncertain', async ({ code, uncertain }) => {
    const { deps } = failing(cloud(code), cloud(code), cloud(code), cloud(code));
    expect(await sendOrder(deps, REQUEST, RETRY)).toMatchObject({ kind: 'error', code, uncertain, attempts: 4 });
  });

  it('keeps a re-send of a stored intent uncertain even when every answer is a refusal before any order', async () => {
    const { deps } = failing(cloud('LastOrderProcessing'), cloud('LastOrderProcessing'), cloud('LastOrderProcessing'), cloud('LastOrderProcessing'));
    expect(await sendOrder(deps, REQUEST, RETRY, true)).toMatchObject({ kind: 'error', uncertain: true });
  });

  it('keeps uncertainty once an attempt may have placed the order', async () => {
    const { deps } = failing(cloud('InternalError'), cloud('Throttling.User'), cloud('Throttling.User'), cloud('Throttling.User'));
    expect(await sendOrder(deps, REQUEST, RETRY)).toMatchObject({ kind: 'error', code: 'Throttling.User', uncertain: true });
  });

  it('does not retry a refusal that is not retryable', async () => {
    const { deps, calls } = failing(cloud('InvalidParameter', 'rejected'));
    expect(await sendOrder(deps, REQUEST, RETRY)).toEqual({
      kind: 'error',
      code: 'InvalidParameter',
      category: 'rejected',
      message: 'fake: InvalidParameter',
      attempts: 1,
      uncertain: false,
    });
    expect(calls()).toBe(1);
  });

  it.each([
    { name: 'an Error', error: new TypeError('boom'), code: 'TypeError', message: 'boom' },
    { name: 'a thrown string', error: 'socket hang up', code: 'UnknownError', message: 'socket hang up' },
  ])('treats $name no adapter translated as a send that may have placed the order, without retrying', async ({ error, code, message }) => {
    const { deps, calls } = failing(error);
    expect(await sendOrder(deps, REQUEST, RETRY)).toEqual({ kind: 'error', code, category: 'unknown', message, uncertain: true, attempts: 1 });
    expect(calls()).toBe(1);
  });

  it.each([
    // random() is 0.5: the first wait is 500 ms, the second 1000 ms (ending at 1500 ms).
    { name: 'retries when the wait ends exactly at the time bound', maxElapsedMs: 1500, calls: 3, sleeps: [500, 1000] },
    { name: 'stops when the wait would end a millisecond past it', maxElapsedMs: 1499, calls: 2, sleeps: [500] },
  ])('$name', async ({ maxElapsedMs, calls: expected, sleeps }) => {
    const { world, deps, calls } = failing(cloud('Throttling.User'), cloud('Throttling.User'), cloud('Throttling.User'), cloud('Throttling.User'));
    await sendOrder(deps, REQUEST, { ...RETRY, maxElapsedMs });
    expect(calls()).toBe(expected);
    expect(world.sleeps).toEqual(sleeps);
  });

  it('logs each retry with its code, attempt and wait', async () => {
    const { world, deps } = failing(cloud('Throttling.User'));
    await sendOrder(deps, REQUEST, RETRY);
    expect(world.logs.filter((l) => l.msg === 'order retry')).toEqual([
      { level: 'info', msg: 'order retry', instanceId: ID, code: 'Throttling.User', attempt: 1, delayMs: 500 },
    ]);
  });
});

describe('the ledger of a change', () => {
  const subscription = instanceFacts({ instanceId: ID, instanceChargeType: 'PrePaid', internetChargeType: 'PayByBandwidth' });

  it.each<{ name: string; instance: InstanceFacts; isDowngrade: boolean; counts: boolean }>([
    { name: 'a subscription pay-by-bandwidth downgrade', instance: subscription, isDowngrade: true, counts: true },
    { name: 'a subscription pay-by-bandwidth upgrade', instance: subscription, isDowngrade: false, counts: false },
    { name: 'a subscription pay-by-traffic downgrade', instance: { ...subscription, internetChargeType: 'PayByTraffic' }, isDowngrade: true, counts: false },
    { name: 'a pay-as-you-go downgrade', instance: { ...subscription, instanceChargeType: 'PostPaid' }, isDowngrade: true, counts: false },
  ])('counts against the quota: $name → $counts', ({ instance, isDowngrade, counts }) => {
    expect(countsAgainstQuota(instance, pendingChange({ isDowngrade }))).toBe(counts);
  });

  // 2026-01-31 23:30 in UTC+8 is 15:30 UTC; 00:30 on 2026-02-01 in UTC+8 is 16:30 UTC.
  const beforeFebruary = Date.UTC(2026, 0, 31, 15, 30);
  const inFebruary = Date.UTC(2026, 0, 31, 16, 30);

  it.each([
    {
      name: 'books a window across the 1st in both months',
      monthlyReset: true,
      window: { earliest: beforeFebruary, latest: inFebruary },
      ats: [beforeFebruary, inFebruary],
    },
    {
      name: 'books a window inside one month once, at its latest',
      monthlyReset: true,
      window: { earliest: inFebruary, latest: inFebruary + HOUR },
      ats: [inFebruary + HOUR],
    },
    {
      name: 'books a lifetime quota once, whatever the window',
      monthlyReset: false,
      window: { earliest: beforeFebruary, latest: inFebruary },
      ats: [inFebruary],
    },
  ])('$name', ({ monthlyReset, window, ats }) => {
    const entries = downgradeEntries({ downgradeBudget: { quota: 3, reserve: 0, monthlyReset } }, pendingChange(), window, 'order-1');
    expect(entries).toEqual(ats.map((at) => ({ at, from: 20, to: 10, orderId: 'order-1' })));
  });

  it('dates a downgrade at the latest time it can have been placed and keeps a running temporary upgrade', () => {
    const temporaryUpgrade = { until: T0 + 2 * HOUR, base: 10, target: 30 };
    const state = { ...emptyState(ID), temporaryUpgrade };
    const next = stateAfterChange(state, policy(), subscription, pendingChange(), { earliest: T0, latest: T0 + HOUR });
    expect(next).toMatchObject({ lastChangeAt: T0 + HOUR, lastScaleDownAt: T0 + HOUR, lastTarget: 10, temporaryUpgrade });
    expect(next.lastScaleUpAt).toBeUndefined();
    expect(next.downgrades).toEqual([{ at: T0 + HOUR, from: 20, to: 10 }]);
  });

  it('drops a temporary upgrade that ended by the time of the change', () => {
    const state = { ...emptyState(ID), temporaryUpgrade: { until: T0 + HOUR, base: 10, target: 30 } };
    const next = stateAfterChange(state, policy(), subscription, pendingChange({ isDowngrade: false, target: 40 }), { earliest: T0, latest: T0 + HOUR });
    expect(next.temporaryUpgrade).toBeUndefined();
    expect(next).toMatchObject({ lastScaleUpAt: T0 + HOUR, downgrades: [] });
  });

  it('warns of a low quota when the last ordinary downgrade is spent, and not before', async () => {
    // quota 3, no reserve: the first downgrade leaves 2 (no warning), the second leaves 1 (warning).
    for (const [prior, warned] of [
      [0, false],
      [1, true],
    ] as const) {
      const world = fakeWorld([subscription]);
      const state = { ...emptyState(ID), downgrades: Array.from({ length: prior }, (_, i) => ({ at: T0 - (i + 1) * HOUR, from: 30, to: 20 })) };
      await applyDecision(world.deps, { policy: policy(), instance: subscription, state, decision: setDecision(ID, 10, 5), source: 't' });
      expect(world.notices.filter((n) => n.type === 'quota-low')).toEqual(warned ? [{ type: 'quota-low', instanceId: ID, remaining: 1, quota: 3 }] : []);
    }
  });

  it('reads a faulted instance back as not applied, the order kept as placed', async () => {
    const world = fakeWorld([instanceFacts({ instanceId: ID })]);
    const lagging = {
      ...world.deps,
      ecs: {
        ...world.deps.ecs,
        describeInstances: async () => {
          throw new CloudApiError('fake: InternalError', 'InternalError', 'retryable', 'req');
        },
      },
    };
    const result = await applyDecision(lagging, {
      policy: policy(),
      instance: instanceFacts({ instanceId: ID }),
      state: emptyState(ID),
      decision: setDecision(ID, 10, 20),
      source: 't',
      verify: { readBackPolls: 3 },
    });
    expect(result.outcome).toBe('placed');
    expect(world.sleeps).toEqual([]);
    expect((await world.store.getState(ID)).pending).toMatchObject({ orderId: result.orderId, placedAt: T0 });
  });

  it('reads back a slow order until it shows, pausing between reads but not before the first', async () => {
    const world = fakeWorld([instanceFacts({ instanceId: ID })]);
    let reads = 0;
    const slow = {
      ...world.deps,
      ecs: {
        ...world.deps.ecs,
        describeInstances: async () => [instanceFacts({ instanceId: ID, bandwidthOut: ++reads >= 3 ? 20 : 10 })],
      },
    };
    const result = await applyDecision(slow, {
      policy: policy(),
      instance: instanceFacts({ instanceId: ID }),
      state: emptyState(ID),
      decision: setDecision(ID, 10, 20),
      source: 't',
      verify: { readBackPolls: 3, readBackIntervalMs: 700 },
    });
    expect(result.outcome).toBe('applied');
    expect(world.sleeps).toEqual([700, 700]);
    expect(reads).toBe(3);
  });
});
