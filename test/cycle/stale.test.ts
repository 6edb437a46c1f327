// Lag, crashes and stale decisions: each case is a defect the apply path had, reproduced as it would
// happen in production and asserted from what the provider saw (the fake's call log) and what the
// store holds.
import { describe, expect, it } from 'vitest';
import type { InstanceFacts, PendingChange, Policy } from '../../src/core/types';
import { handleAlarm } from '../../src/cycle/alarm';
import { runInstanceCycle } from '../../src/cycle/instance';
import { StoreUnavailableError } from '../../src/errors';
import type { AlarmCallback } from '../../src/events/alarm';
import type { PolicyDocument } from '../../src/policy/load';
import { emptyState } from '../../src/ports/state-store';
import { type FakeWorld, fakeWorld, T0 } from '../fakes/cycle-deps';
import { faults, instanceFacts } from '../fakes/instance-api';
import { mbps } from '../fakes/metric-api';
import { policy } from './fixtures';

const ID = 'i-stale';
const MINUTE = 60_000;
const SUBSCRIPTION: Partial<InstanceFacts> = { instanceChargeType: 'PrePaid', internetChargeType: 'PayByBandwidth', tags: { team: 'web' } };

function pendingChange(overrides: Partial<PendingChange> = {}): PendingChange {
  return {
    decisionId: 'd-stale',
    clientToken: 'bwscaler-d-stale',
    action: 'set',
    from: 20,
    target: 10,
    startedAt: T0,
    isDowngrade: true,
    attempts: 1,
    autoPay: true,
    allocatePublicIp: false,
    ...overrides,
  };
}

/** A store holding an intent an earlier invocation wrote and never settled; the clock `ageMs` later. */
async function worldWithIntent(pending: PendingChange, ageMs: number, instance: Partial<InstanceFacts> = {}): Promise<FakeWorld> {
  const world = fakeWorld([instanceFacts({ instanceId: ID, bandwidthOut: pending.from, ...SUBSCRIPTION, ...instance })]);
  await world.store.putState({ ...emptyState(ID), pending }, 0);
  world.clock.now = T0 + ageMs;
  return world;
}

function doc(overrides: Partial<Policy> = {}): PolicyDocument {
  return { source: 'test', policies: [policy({ selector: { regionId: 'cn-hangzhou', tags: { team: 'web' } }, ...overrides })] };
}

function alert(overrides: Partial<AlarmCallback> = {}): AlarmCallback {
  return {
    alertName: 'bandwidth high',
    alertState: 'ALERT',
    metricName: 'VPC_PublicIP_InternetOutRate_Percent',
    namespace: 'acs_ecs_dashboard',
    curValue: 100,
    instanceId: ID,
    ruleId: 'rule-1',
    timestamp: T0 + 3 * MINUTE - 10_000,
    ...overrides,
  };
}

const instanceOf = (world: FakeWorld) => structuredClone(world.ecs.instances.get(ID) as InstanceFacts);

describe('a pending intent is sent again only if a fresh decision still wants it', () => {
  it('never re-sends a downgrade from an alarm: a saturated instance is scaled up, not halved', async () => {
    // Prepare: a tick wrote 20 → 10 and its call failed uncertainly; three minutes later, 100 % saturation.
    const world = await worldWithIntent(pendingChange(), 3 * MINUTE);

    // Act
    const result = await handleAlarm(world.deps, { doc: doc(), callback: alert() });

    // Assess
    expect(world.ecs.modifyCalls.filter((call) => call.bandwidthOut < 20)).toEqual([]);
    expect(world.ecs.downgradesUsed.get(ID) ?? 0).toBe(0);
    expect(result.outcome).toBe('HANDLED');
    expect(world.ecs.instances.get(ID)?.bandwidthOut).toBeGreaterThan(20);
  });

  it('never re-sends an inherited downgrade from an alarm even when a fresh decision would still make it', async () => {
    // Prepare: the alarm reports low traffic (OK state); the tick's decision would also lower.
    const world = await worldWithIntent(pendingChange(), 3 * MINUTE);

    // Act
    await handleAlarm(world.deps, { doc: doc(), callback: alert({ alertState: 'OK', curValue: 30 }) });

    // Assess: the intent is left for the tick, unsent.
    expect(world.ecs.modifyCalls).toEqual([]);
    expect((await world.store.getState(ID)).pending?.decisionId).toBe('d-stale');
  });

  it('does not let a tick re-send a downgrade its fresh reading no longer asks for', async () => {
    // Prepare: the intent is 5 minutes old; traffic is now at saturation.
    const world = await worldWithIntent(pendingChange(), 5 * MINUTE);
    const state = await world.store.getState(ID);

    // Act
    await runInstanceCycle(world.deps, {
      policy: policy(),
      instance: instanceOf(world),
      state,
      signal: { kind: 'tick', sample: mbps(20, world.clock.now - 30_000) },
      source: 'tick:test',
    });

    // Assess
    expect(world.ecs.modifyCalls.filter((call) => call.bandwidthOut === 10)).toEqual([]);
    const history = await world.store.queryHistory(ID, 0, Number.MAX_SAFE_INTEGER);
    expect(history.find((row) => row.decisionId === 'd-stale')).toMatchObject({ outcome: 'failed', errorCode: 'STALE_INTENT' });
  });
});

describe('a re-send remembers that the first send may have placed the order', () => {
  it.each([
    { name: 'LastOrderProcessing', fault: faults.lastOrderProcessing },
    { name: 'Throttling', fault: faults.throttling },
    { name: 'TaskConflict', fault: { code: 'TaskConflict', category: 'retryable' as const } },
  ])('keeps the intent uncertain, never failed, when the re-send is refused with $name', async ({ fault }) => {
    // Prepare: an upgrade 20 → 40 whose first send timed out; traffic still saturates 20 Mbps.
    const world = await worldWithIntent(pendingChange({ target: 40, isDowngrade: false }), 5 * MINUTE);
    world.ecs.failNextModify(fault, fault, fault, fault);

    // Act
    const outcome = await runInstanceCycle(world.deps, {
      policy: policy(),
      instance: instanceOf(world),
      state: await world.store.getState(ID),
      signal: { kind: 'tick', sample: mbps(20, world.clock.now - 30_000) },
      source: 'tick:test',
    });

    // Assess
    expect(outcome.reconciled).toBe('uncertain');
    expect((await world.store.getState(ID)).pending?.clientToken).toBe('bwscaler-d-stale');
    expect(new Set(world.ecs.modifyCalls.map((call) => call.clientToken))).toEqual(new Set(['bwscaler-d-stale']));
  });
});

describe('a reconciled change is dated at the latest time it can have been placed', () => {
  it('books a downgrade that may fall on either side of the 1st in both months', async () => {
    // Prepare: the intent was written 30 s before the 1st of February begins in the billing time zone
    // (UTC+8 by default); the instance shows it at 00:05.
    const midnight = Date.UTC(2026, 1, 1) - 8 * 3_600_000;
    const world = fakeWorld([instanceFacts({ instanceId: ID, bandwidthOut: 10, ...SUBSCRIPTION })]);
    await world.store.putState({ ...emptyState(ID), pending: pendingChange({ startedAt: midnight - 30_000 }) }, 0);
    world.clock.now = midnight + 5 * MINUTE;

    // Act
    const outcome = await runInstanceCycle(world.deps, {
      policy: policy({ downgradeBudget: { quota: 3, reserve: 0, monthlyReset: true } }),
      instance: instanceOf(world),
      state: await world.store.getState(ID),
      signal: { kind: 'tick' },
      source: 'tick:test',
    });

    // Assess: one entry in January and one in February; the lock runs from the latest moment.
    expect(outcome.reconciled).toBe('reconciled');
    const stored = await world.store.getState(ID);
    expect(stored.downgrades.map((d) => d.at >= midnight)).toEqual([false, true]);
    expect(stored.lastChangeAt).toBe(midnight + 30_000);
  });

  it('measures the provider lock from the latest placement, not from when the intent was written', async () => {
    // Prepare: an upgrade intent written at T0 whose send may have run until T0 + 1 min; now T0 + 5.5 min.
    const world = fakeWorld([instanceFacts({ instanceId: ID, bandwidthOut: 40, ...SUBSCRIPTION })]);
    await world.store.putState({ ...emptyState(ID), pending: pendingChange({ target: 40, isDowngrade: false }) }, 0);
    world.clock.now = T0 + 5.5 * MINUTE;

    // Act: traffic saturates 40 Mbps; dated at T0, the lock would already be over.
    await runInstanceCycle(world.deps, {
      policy: policy(),
      instance: instanceOf(world),
      state: await world.store.getState(ID),
      signal: { kind: 'tick', sample: mbps(40, world.clock.now - 10_000) },
      source: 'tick:test',
    });

    // Assess
    expect(world.ecs.modifyCalls).toEqual([]);
  });
});

describe('an alarm is acknowledged only with its audit row', () => {
  it('re-runs a delivery whose first run claimed the event but lost its history write', async () => {
    // Prepare: the first delivery's decision holds (within tolerance), and its history write fails.
    const world = fakeWorld([instanceFacts({ instanceId: ID, bandwidthOut: 20, ...SUBSCRIPTION })], { now: T0 });
    const callback = alert({ alertState: 'OK', curValue: 60, timestamp: T0 - 10_000 });
    world.store.failNext('appendHistory', new StoreUnavailableError('history write lost'));
    await expect(handleAlarm(world.deps, { doc: doc(), callback })).rejects.toThrow('history write lost');

    // Act: CloudMonitor retries the same callback.
    const retry = await handleAlarm(world.deps, { doc: doc(), callback });

    // Assess
    expect(retry.outcome).toBe('HANDLED');
    const history = await world.store.queryHistory(ID, 0, Number.MAX_SAFE_INTEGER);
    expect(history.map((row) => row.source)).toEqual([expect.stringMatching(/^alarm:/)]);
  });

  it('answers DUPLICATE once the audit row exists', async () => {
    const world = fakeWorld([instanceFacts({ instanceId: ID, bandwidthOut: 20, ...SUBSCRIPTION })], { now: T0 });
    const callback = alert({ alertState: 'OK', curValue: 60, timestamp: T0 - 10_000 });
    await handleAlarm(world.deps, { doc: doc(), callback });
    expect((await handleAlarm(world.deps, { doc: doc(), callback })).outcome).toBe('DUPLICATE');
  });
});
