import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InstanceFacts, ScalingState } from '../../src/core/types';
import { applyDecision, parseEndTime } from '../../src/cycle/apply';
import { clientTokenOf, decisionIdOf } from '../../src/cycle/history';
import { StoreUnavailableError } from '../../src/errors';
import { emptyState } from '../../src/ports/state-store';
import { fakeWorld, T0 } from '../fakes/cycle-deps';
import { faults, instanceFacts, type ModifyFault } from '../fakes/instance-api';
import { policy, setDecision } from './fixtures';

const ID = 'i-apply';

async function storedState(world: ReturnType<typeof fakeWorld>, instanceId = ID): Promise<ScalingState> {
  return world.store.getState(instanceId);
}

describe('decisionIdOf', () => {
  it('derives the same id for the same logical decision and a different one otherwise', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 30 }),
        fc.nat(1000),
        fc.constantFrom('set' as const, 'temporaryUpgrade' as const),
        fc.integer({ min: 0, max: 200 }),
        (instanceId, version, action, target) => {
          const id = decisionIdOf(instanceId, version, action, target);
          expect(decisionIdOf(instanceId, version, action, target)).toBe(id);
          expect(decisionIdOf(instanceId, version + 1, action, target)).not.toBe(id);
          expect(decisionIdOf(instanceId, version, action, target + 1)).not.toBe(id);
          const token = clientTokenOf(id);
          expect(token.length).toBeLessThanOrEqual(64);
          expect(token).toMatch(/^[\x21-\x7e]+$/);
        },
      ),
    );
  });
});

describe('applyDecision', () => {
  interface Row {
    name: string;
    instance: Partial<InstanceFacts>;
    target: number;
    faults: ModifyFault[];
    downgradesUsed?: number;
    /** Downgrades already in the ledger before this one. */
    priorDowngrades?: number;
    outcome: string;
    errorCode?: string;
    modifyCalls: number;
    orders: number;
    keepsIntent: boolean;
    /** Expected fields of the state after the call. */
    state: Partial<ScalingState>;
    ledger: number;
    notice?: string[];
  }

  const rows: Row[] = [
    {
      name: 'applies a scale-up and commits lastChangeAt, lastScaleUpAt and lastTarget',
      instance: {},
      target: 20,
      faults: [],
      outcome: 'applied',
      modifyCalls: 1,
      orders: 1,
      keepsIntent: false,
      state: { lastChangeAt: T0, lastScaleUpAt: T0, lastTarget: 20 },
      ledger: 0,
      notice: ['applied'],
    },
    {
      name: 'records a subscription pay-by-bandwidth downgrade in the ledger with its order id',
      instance: { instanceChargeType: 'PrePaid' },
      target: 5,
      faults: [],
      outcome: 'applied',
      modifyCalls: 1,
      orders: 1,
      keepsIntent: false,
      state: { lastScaleDownAt: T0, lastTarget: 5 },
      ledger: 1,
      notice: ['applied'],
    },
    {
      name: 'warns that the quota runs low after a downgrade that leaves at most one',
      instance: { instanceChargeType: 'PrePaid' },
      priorDowngrades: 2,
      target: 5,
      faults: [],
      outcome: 'applied',
      modifyCalls: 1,
      orders: 1,
      keepsIntent: false,
      state: { lastScaleDownAt: T0 },
      ledger: 3,
      notice: ['applied', 'quota-low'],
    },
    {
      name: 'keeps a pay-as-you-go downgrade out of the ledger (no refund involved)',
      instance: { instanceChargeType: 'PostPaid' },
      target: 5,
      faults: [],
      outcome: 'applied',
      modifyCalls: 1,
      orders: 1,
      keepsIntent: false,
      state: { lastScaleDownAt: T0 },
      ledger: 0,
      notice: ['applied'],
    },
    {
      name: 'retries throttling with the same ClientToken until the order goes through',
      instance: {},
      target: 20,
      faults: [faults.throttling, faults.lastOrderProcessing],
      outcome: 'applied',
      modifyCalls: 3,
      orders: 1,
      keepsIntent: false,
      state: { lastTarget: 20 },
      ledger: 0,
      notice: ['applied'],
    },
    {
      name: 'gets the original order back when a timed-out call had placed it',
      instance: {},
      target: 20,
      faults: [faults.timeoutAfterOrder],
      outcome: 'applied',
      modifyCalls: 2,
      orders: 1,
      keepsIntent: false,
      state: { lastTarget: 20 },
      ledger: 0,
      notice: ['applied'],
    },
    {
      name: 'clears the intent when every attempt was refused before an order (nothing changed)',
      instance: {},
      target: 20,
      faults: [faults.throttling, faults.throttling, faults.throttling, faults.throttling],
      outcome: 'failed',
      errorCode: 'Throttling.User',
      modifyCalls: 4,
      orders: 0,
      keepsIntent: false,
      state: {},
      ledger: 0,
    },
    {
      name: 'keeps the intent when an attempt may have placed the order (timeouts to the end)',
      instance: {},
      target: 20,
      faults: [faults.timeoutBeforeOrder, faults.throttling, faults.throttling, faults.throttling],
      outcome: 'uncertain',
      errorCode: 'Throttling.User',
      modifyCalls: 4,
      orders: 0,
      keepsIntent: true,
      state: {},
      ledger: 0,
    },
    {
      name: 'records the downgrade quota as spent on InstanceDowngrade.QuotaExceed, without retrying',
      instance: { instanceChargeType: 'PrePaid' },
      downgradesUsed: 3,
      target: 5,
      faults: [],
      outcome: 'blocked',
      errorCode: 'InstanceDowngrade.QuotaExceed',
      modifyCalls: 1,
      orders: 0,
      keepsIntent: false,
      state: { quotaExhaustedAt: T0 },
      ledger: 0,
      notice: ['blocked'],
    },
    {
      name: 'blocks the instance on an unpaid order and notifies',
      instance: {},
      target: 20,
      faults: [faults.unpaidOrder],
      outcome: 'blocked',
      errorCode: 'InvalidInstance.UnPaidOrder',
      modifyCalls: 1,
      orders: 0,
      keepsIntent: false,
      state: { blocked: { code: 'InvalidInstance.UnPaidOrder', since: T0, message: 'fake: InvalidInstance.UnPaidOrder', lastProbeAt: T0 } },
      ledger: 0,
      notice: ['needs-a-human'],
    },
    {
      name: 'fails a rejected request at once, clears the intent and remembers the refusal (one notice)',
      instance: {},
      target: 20,
      faults: [faults.outOfRange],
      outcome: 'failed',
      errorCode: 'InvalidInternetMaxBandwidthOut.ValueNotSupported',
      modifyCalls: 1,
      orders: 0,
      keepsIntent: false,
      state: {
        refused: {
          code: 'InvalidInternetMaxBandwidthOut.ValueNotSupported',
          reason: 'PROVIDER_REFUSED',
          scope: 'up',
          from: 10,
          target: 20,
          since: T0,
          at: T0,
          count: 1,
          retryAt: T0 + 15 * 60_000,
          message: 'fake: InvalidInternetMaxBandwidthOut.ValueNotSupported',
        },
      },
      ledger: 0,
      notice: ['blocked'],
    },
  ];

  it.each(rows)('$name', async (row) => {
    // Prepare
    const world = fakeWorld([instanceFacts({ instanceId: ID, ...row.instance })]);
    if (row.downgradesUsed !== undefined) world.ecs.downgradesUsed.set(ID, row.downgradesUsed);
    world.ecs.failNextModify(...row.faults);
    const instance = [...world.ecs.instances.values()][0] as InstanceFacts;
    const decision = setDecision(ID, instance.bandwidthOut, row.target);
    const prior = Array.from({ length: row.priorDowngrades ?? 0 }, (_, i) => ({ at: T0 - (i + 1) * 86_400_000, from: 20, to: 10 }));
    const state = { ...emptyState(ID), downgrades: prior };

    // Act
    const result = await applyDecision(world.deps, { policy: policy(), instance, state, decision, source: 'tick:test' });

    // Assess
    expect(result.outcome).toBe(row.outcome);
    expect(result.errorCode).toBe(row.errorCode);
    expect(world.ecs.modifyCalls).toHaveLength(row.modifyCalls);
    expect(new Set(world.ecs.modifyCalls.map((call) => call.clientToken))).toEqual(new Set([clientTokenOf(result.decisionId)]));
    expect(world.ecs.orders).toHaveLength(row.orders);
    const stored = await storedState(world);
    expect(stored.pending !== undefined).toBe(row.keepsIntent);
    expect(stored).toMatchObject(row.state);
    expect(stored.downgrades).toHaveLength(row.ledger);
    if (row.ledger > 0) expect(stored.downgrades.at(-1)?.orderId).toBe(world.ecs.orders[0]?.orderId);
    // Two round trips for an acting decision: the intent and the commit (none for the commit when the intent stays).
    expect(world.store.calls.putState).toBe(1);
    expect(world.store.calls.commit).toBe(row.keepsIntent ? 0 : 1);
    expect(world.notices.map((n) => n.type)).toEqual(row.notice ?? []);
    const history = await world.store.queryHistory(ID, 0, Number.MAX_SAFE_INTEGER);
    expect(history.map((h) => h.outcome)).toEqual(row.keepsIntent ? [] : [row.outcome]);
    expect(result.unwritten.map((h) => h.outcome)).toEqual(row.keepsIntent ? ['uncertain'] : []);
  });

  it('waits with capped exponential backoff and jitter between attempts', async () => {
    // Prepare: random() is 0.5, so each wait is half of min(8000, 1000·2^(n-1)).
    const world = fakeWorld([instanceFacts({ instanceId: ID })]);
    world.ecs.failNextModify(faults.throttling, faults.throttling, faults.throttling);

    // Act
    await applyDecision(world.deps, {
      policy: policy(),
      instance: instanceFacts({ instanceId: ID }),
      state: emptyState(ID),
      decision: setDecision(ID, 10, 20),
      source: 't',
    });

    // Assess
    expect(world.sleeps).toEqual([500, 1000, 2000]);
  });

  it('stops retrying when the next wait would pass the time bound', async () => {
    // Prepare
    const world = fakeWorld([instanceFacts({ instanceId: ID })]);
    world.ecs.failNextModify(faults.throttling, faults.throttling, faults.throttling);

    // Act
    const result = await applyDecision(world.deps, {
      policy: policy(),
      instance: instanceFacts({ instanceId: ID }),
      state: emptyState(ID),
      decision: setDecision(ID, 10, 20),
      source: 't',
      retry: { maxElapsedMs: 1200 },
    });

    // Assess: waits of 500 and 1000 would end at 1500 > 1200, so only the first wait happens.
    expect(world.sleeps).toEqual([500]);
    expect(world.ecs.modifyCalls).toHaveLength(2);
    expect(result.outcome).toBe('failed');
  });

  it('lets one of two racing invocations order and stops the other with CONCURRENT_UPDATE', async () => {
    // Prepare: both read the same state and decided the same change.
    const world = fakeWorld([instanceFacts({ instanceId: ID })]);
    const instance = instanceFacts({ instanceId: ID });
    const ctx = { policy: policy(), instance, state: emptyState(ID), decision: setDecision(ID, 10, 20), source: 't' };

    // Act
    const results = await Promise.all([applyDecision(world.deps, ctx), applyDecision(world.deps, ctx)]);

    // Assess
    expect(results.map((r) => r.outcome).sort()).toEqual(['applied', 'conflict']);
    expect(results.find((r) => r.outcome === 'conflict')?.errorCode).toBe('CONCURRENT_UPDATE');
    expect(world.ecs.orders).toHaveLength(1);
    expect(world.ecs.modifyCalls).toHaveLength(1);
  });

  it('sends a temporary upgrade with StartTime/EndTime and remembers when it ends', async () => {
    // Prepare
    const world = fakeWorld([instanceFacts({ instanceId: ID, instanceChargeType: 'PrePaid' })]);
    const decision = setDecision(ID, 10, 50, {
      action: 'temporaryUpgrade',
      reason: 'SCHEDULE_FLOOR',
      startTime: '2026-01-05T12:01Z',
      endTime: '2026-01-05T18Z',
    });

    // Act
    await applyDecision(world.deps, {
      policy: policy({ autoPay: false }),
      instance: instanceFacts({ instanceId: ID }),
      state: emptyState(ID),
      decision,
      source: 't',
    });

    // Assess
    expect(world.ecs.modifyCalls[0]).toMatchObject({ bandwidthOut: 50, startTime: '2026-01-05T12:01Z', endTime: '2026-01-05T18Z', autoPay: false });
    expect((await storedState(world)).temporaryUpgrade).toEqual({ until: Date.UTC(2026, 0, 5, 18), base: 10, target: 50 });
  });

  it('asks for a public IP when a pay-as-you-go instance leaves 0 Mbps', async () => {
    // Prepare
    const world = fakeWorld([instanceFacts({ instanceId: ID, bandwidthOut: 0, hasPublicIp: false })]);
    const decision = setDecision(ID, 0, 5, { allocatePublicIp: true });

    // Act
    await applyDecision(world.deps, {
      policy: policy(),
      instance: instanceFacts({ instanceId: ID, bandwidthOut: 0 }),
      state: emptyState(ID),
      decision,
      source: 't',
    });

    // Assess
    expect(world.ecs.modifyCalls[0]?.allocatePublicIp).toBe(true);
  });

  it('leaves the intent in place when the commit never arrives after the order', async () => {
    // Prepare
    const world = fakeWorld([instanceFacts({ instanceId: ID })]);
    world.store.failNext('commit', new StoreUnavailableError('Tablestore unreachable'));

    // Act
    const act = applyDecision(world.deps, {
      policy: policy(),
      instance: instanceFacts({ instanceId: ID }),
      state: emptyState(ID),
      decision: setDecision(ID, 10, 20),
      source: 't',
    });

    // Assess
    await expect(act).rejects.toThrow(StoreUnavailableError);
    expect((await storedState(world)).pending).toMatchObject({ target: 20, from: 10, attempts: 1 });
    expect(world.ecs.instances.get(ID)?.bandwidthOut).toBe(20);
  });

  it('refuses a decision that does not act', async () => {
    const world = fakeWorld([]);
    const decision = setDecision(ID, 10, 10, { action: 'none', reason: 'AT_TARGET' });
    await expect(
      applyDecision(world.deps, { policy: policy(), instance: instanceFacts({ instanceId: ID }), state: emptyState(ID), decision, source: 't' }),
    ).rejects.toThrow(/does not act/);
  });
});

describe('parseEndTime', () => {
  it.each([
    { name: 'reads an hour-precision EndTime', text: '2017-12-06T22Z', at: Date.UTC(2017, 11, 6, 22) },
    { name: 'refuses a minute-precision time', text: '2017-12-06T22:40Z', at: undefined },
  ])('$name', ({ text, at }) => {
    if (at === undefined) expect(() => parseEndTime(text)).toThrow(/yyyy-MM-ddTHHZ/);
    else expect(parseEndTime(text)).toBe(at);
  });
});
