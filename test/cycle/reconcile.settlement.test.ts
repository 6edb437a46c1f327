// The reconciler's settlement paths that the mutation run (npm run mutation, README "Mutation testing")
// found untested: a store outage on the re-send intent write, a fresh decision that wants the same
// target by another action, and the quota booking and the notice of an order that never shows up.
import { describe, expect, it } from 'vitest';
import type { Decision, InstanceFacts, PendingChange, ScalingState } from '../../src/core/types';
import { blockView, reconcilePending } from '../../src/cycle/reconcile';
import { ConflictError, StoreUnavailableError } from '../../src/errors';
import { emptyState } from '../../src/ports/state-store';
import { type FakeWorld, fakeWorld, T0 } from '../fakes/cycle-deps';
import { instanceFacts } from '../fakes/instance-api';
import { policy, setDecision } from './fixtures';

const ID = 'i-settle';
const MINUTE = 60_000;

function pendingChange(overrides: Partial<PendingChange> = {}): PendingChange {
  return {
    decisionId: 'd-settle',
    clientToken: 'bwscaler-d-settle',
    action: 'set',
    from: 10,
    target: 5,
    startedAt: T0,
    isDowngrade: true,
    attempts: 1,
    autoPay: true,
    allocatePublicIp: false,
    ...overrides,
  };
}

async function worldWithIntent(
  instance: Partial<InstanceFacts>,
  pending: PendingChange,
  ageMs: number,
): Promise<{ world: FakeWorld; state: ScalingState; instance: InstanceFacts }> {
  const world = fakeWorld([instanceFacts({ instanceId: ID, ...instance })]);
  const state = await world.store.putState({ ...emptyState(ID), pending }, 0);
  world.clock.now = T0 + ageMs;
  return { world, state, instance: structuredClone(world.ecs.instances.get(ID) as InstanceFacts) };
}

const sameChange = (pending: PendingChange) => () => setDecision(ID, pending.from, pending.target);

describe('reconcilePending, re-send', () => {
  it('stops without an order and keeps the intent when the store fails the re-send intent write', async () => {
    // Prepare
    const pending = pendingChange();
    const { world, state, instance } = await worldWithIntent({ bandwidthOut: 10 }, pending, 5 * MINUTE);
    world.store.failNext('putState', new StoreUnavailableError('store down'));

    // Act
    const run = reconcilePending(world.deps, {
      policy: policy(),
      instance,
      state,
      source: 'tick:test',
      decideAgain: sameChange(pending),
      mayLowerBandwidth: true,
    });

    // Assess: failing closed means no ECS call on an intent whose attempt count was never stored.
    await expect(run).rejects.toThrow(StoreUnavailableError);
    expect(world.ecs.modifyCalls).toEqual([]);
    expect((await world.store.getState(ID)).pending).toEqual(pending);
  });

  it.each<{ name: string; fresh: (p: PendingChange) => Decision }>([
    {
      name: 'drops an intent whose fresh decision wants the same target as a temporary upgrade instead of a set',
      fresh: (p) => setDecision(ID, p.from, p.target, { action: 'temporaryUpgrade' }),
    },
    { name: 'drops an intent whose fresh decision wants another target by the same action', fresh: (p) => setDecision(ID, p.from, p.target + 5) },
    { name: 'drops an intent whose fresh decision wants no change', fresh: (p) => setDecision(ID, p.from, p.from, { action: 'none' }) },
  ])('$name', async ({ fresh }) => {
    // Prepare: a 10 → 20 upgrade left unconfirmed.
    const pending = pendingChange({ target: 20, isDowngrade: false });
    const { world, state, instance } = await worldWithIntent({ bandwidthOut: 10 }, pending, 5 * MINUTE);

    // Act
    const result = await reconcilePending(world.deps, {
      policy: policy(),
      instance,
      state,
      source: 'tick:test',
      decideAgain: () => fresh(pending),
      mayLowerBandwidth: true,
    });

    // Assess
    expect(result).toMatchObject({ outcome: 'failed', errorCode: 'STALE_INTENT', inFlight: false });
    expect(world.ecs.modifyCalls).toEqual([]);
    expect((await world.store.getState(ID)).pending).toBeUndefined();
  });
});

describe('reconcilePending, an accepted order that never shows', () => {
  const placed = pendingChange({ orderId: 'order-1', placedAt: T0 + 1000, sentAt: T0 });

  it.each([
    { name: 'books a subscription pay-by-bandwidth downgrade as spent', instance: { instanceChargeType: 'PrePaid' as const }, ledger: 1 },
    { name: 'books nothing for a pay-as-you-go downgrade (no refund, no quota)', instance: { instanceChargeType: 'PostPaid' as const }, ledger: 0 },
    {
      name: 'books nothing for a subscription pay-by-traffic downgrade (no refund, no quota)',
      instance: { instanceChargeType: 'PrePaid' as const, internetChargeType: 'PayByTraffic' as const },
      ledger: 0,
    },
  ])('blocks with CHANGE_NOT_VISIBLE and $name', async ({ instance: facts, ledger }) => {
    // Prepare
    const { world, state, instance } = await worldWithIntent({ bandwidthOut: 10, ...facts }, placed, 11 * MINUTE);

    // Act
    const result = await reconcilePending(world.deps, {
      policy: policy(),
      instance,
      state,
      source: 'tick:test',
      decideAgain: sameChange(placed),
      mayLowerBandwidth: true,
    });

    // Assess
    expect(result).toMatchObject({ outcome: 'blocked', errorCode: 'CHANGE_NOT_VISIBLE', inFlight: false });
    const stored = await world.store.getState(ID);
    expect(stored.blocked).toMatchObject({ code: 'CHANGE_NOT_VISIBLE', since: T0 + 11 * MINUTE, lastProbeAt: T0 + 11 * MINUTE });
    expect(stored.downgrades).toHaveLength(ledger);
    expect(world.notices).toMatchObject([{ type: 'needs-a-human', instanceId: ID, code: 'CHANGE_NOT_VISIBLE' }]);
  });

  it('leaves the block and its notice to the invocation that wins the settlement race', async () => {
    // Prepare
    const { world, state, instance } = await worldWithIntent({ bandwidthOut: 10, instanceChargeType: 'PrePaid' }, placed, 11 * MINUTE);
    world.store.failNext('commit', new ConflictError('settled elsewhere'));

    // Act
    const result = await reconcilePending(world.deps, {
      policy: policy(),
      instance,
      state,
      source: 'tick:test',
      decideAgain: sameChange(placed),
      mayLowerBandwidth: true,
    });

    // Assess
    expect(result).toEqual({ state, inFlight: true, errorCode: 'CONCURRENT_UPDATE', unwritten: [] });
    expect(world.notices).toEqual([]);
    expect((await world.store.getState(ID)).pending).toEqual(placed);
  });

  it('rethrows a store outage on the block commit, the intent kept', async () => {
    const { world, state, instance } = await worldWithIntent({ bandwidthOut: 10 }, placed, 11 * MINUTE);
    world.store.failNext('commit', new StoreUnavailableError('store down'));
    await expect(
      reconcilePending(world.deps, { policy: policy(), instance, state, source: 'tick:test', decideAgain: sameChange(placed), mayLowerBandwidth: true }),
    ).rejects.toThrow(StoreUnavailableError);
    expect(world.notices).toEqual([]);
    expect((await world.store.getState(ID)).pending).toEqual(placed);
  });
});

describe('reconcilePending, at the edges of its time bounds', () => {
  const wanted = { decideAgain: (p: PendingChange) => () => setDecision(ID, p.from, p.target) };

  it.each([
    { name: 'waits for an accepted order exactly visibleWithinMs after its answer', sincePlaced: 10 * MINUTE, outcome: undefined, inFlight: true },
    { name: 'blocks an accepted order a millisecond later', sincePlaced: 10 * MINUTE + 1, outcome: 'blocked', inFlight: false },
  ])('$name', async ({ sincePlaced, outcome, inFlight }) => {
    const placed = pendingChange({ orderId: 'order-1', placedAt: T0 + 1000, sentAt: T0 });
    const { world, state, instance } = await worldWithIntent({ bandwidthOut: 10 }, placed, 1000 + sincePlaced);
    const result = await reconcilePending(world.deps, {
      policy: policy(),
      instance,
      state,
      source: 't',
      decideAgain: wanted.decideAgain(placed),
      mayLowerBandwidth: true,
    });
    expect(result.outcome).toBe(outcome);
    expect(result.inFlight).toBe(inFlight);
  });

  it.each([
    { name: 'leaves an intent a millisecond younger than inFlightMs to its own invocation', ageMs: MINUTE - 1, resends: 0 },
    { name: 're-sends an intent exactly inFlightMs old', ageMs: MINUTE, resends: 1 },
    { name: 're-sends an intent exactly maxResendAgeMs old', ageMs: 15 * MINUTE, resends: 1 },
    { name: 'drops an intent a millisecond past maxResendAgeMs', ageMs: 15 * MINUTE + 1, resends: 0 },
  ])('$name', async ({ ageMs, resends }) => {
    const pending = pendingChange();
    const { world, state, instance } = await worldWithIntent({ bandwidthOut: 10 }, pending, ageMs);
    await reconcilePending(world.deps, { policy: policy(), instance, state, source: 't', decideAgain: wanted.decideAgain(pending), mayLowerBandwidth: true });
    expect(world.ecs.modifyCalls).toHaveLength(resends);
  });

  it('dates a confirmed re-sent intent from its latest send, not its first', async () => {
    // Prepare: first sent at T0, re-sent at T0 + 5 min, unanswered both times; now T0 + 20 min it shows.
    const resent = pendingChange({ attempts: 2, sentAt: T0 + 5 * MINUTE });
    const { world, state, instance } = await worldWithIntent({ bandwidthOut: 5, instanceChargeType: 'PrePaid' }, resent, 20 * MINUTE);

    // Act
    const result = await reconcilePending(world.deps, {
      policy: policy(),
      instance,
      state,
      source: 't',
      decideAgain: wanted.decideAgain(resent),
      mayLowerBandwidth: true,
    });

    // Assess: the latest moment the re-send could have placed it is its start plus inFlightMs.
    expect(result.outcome).toBe('reconciled');
    const stored = await world.store.getState(ID);
    expect(stored.lastChangeAt).toBe(T0 + 6 * MINUTE);
    expect(stored.downgrades).toEqual([{ at: T0 + 6 * MINUTE, from: 10, to: 5 }]);
  });
});

describe('reconcilePending, records of each settlement', () => {
  const history = (world: FakeWorld) => world.store.queryHistory(ID, 0, Number.MAX_SAFE_INTEGER);

  it('a confirmed intent: its history row says why it was settled without a decision', async () => {
    const pending = pendingChange();
    const { world, state, instance } = await worldWithIntent({ bandwidthOut: 5 }, pending, 5 * MINUTE);
    await reconcilePending(world.deps, { policy: policy(), instance, state, source: 't', decideAgain: sameChange(pending), mayLowerBandwidth: true });
    expect((await history(world)).map((h) => [h.decision.reason, h.decision.message])).toEqual([
      ['PENDING_CHANGE', "an earlier invocation's change, now shown by DescribeInstances"],
    ]);
  });

  it('a dropped intent: a warning and a history row naming the refusal', async () => {
    const pending = pendingChange();
    const { world, state, instance } = await worldWithIntent({ bandwidthOut: 30 }, pending, 5 * MINUTE);
    await reconcilePending(world.deps, { policy: policy(), instance, state, source: 't', decideAgain: sameChange(pending), mayLowerBandwidth: true });
    expect((await history(world)).map((h) => [h.outcome, h.errorCode, h.decision.reason, h.decision.message])).toEqual([
      ['failed', 'OUT_OF_BAND_CHANGE', 'PENDING_CHANGE', 'intent dropped: OUT_OF_BAND_CHANGE'],
    ]);
    expect(world.logs).toContainEqual({ level: 'warn', msg: 'intent dropped', instanceId: ID, decisionId: 'd-settle', errorCode: 'OUT_OF_BAND_CHANGE' });
  });

  it('a re-sent intent: an info line, and the order id in the result and the history row', async () => {
    const pending = pendingChange();
    const { world, state, instance } = await worldWithIntent({ bandwidthOut: 10 }, pending, 5 * MINUTE);
    const result = await reconcilePending(world.deps, {
      policy: policy(),
      instance,
      state,
      source: 't',
      decideAgain: sameChange(pending),
      mayLowerBandwidth: true,
    });
    const orderId = world.ecs.orders[0]?.orderId;
    expect(result).toEqual({ state: await world.store.getState(ID), inFlight: false, outcome: 'reconciled', orderId, unwritten: [] });
    expect(world.logs).toContainEqual({ level: 'info', msg: 'intent resent', instanceId: ID, decisionId: 'd-settle', attempt: 2 });
    expect((await history(world)).map((h) => [h.orderId, h.decision.reason, h.decision.message])).toEqual([
      [orderId, 'PENDING_CHANGE', 'an earlier invocation left this change unconfirmed; decided again and re-sent with the same ClientToken'],
    ]);
  });

  it('a re-sent intent whose commit is lost stays in flight: no decision on top of it', async () => {
    const pending = pendingChange();
    const { world, state, instance } = await worldWithIntent({ bandwidthOut: 10 }, pending, 5 * MINUTE);
    world.store.failNext('commit', new ConflictError('settled elsewhere'));
    const result = await reconcilePending(world.deps, {
      policy: policy(),
      instance,
      state,
      source: 't',
      decideAgain: sameChange(pending),
      mayLowerBandwidth: true,
    });
    expect(result).toMatchObject({ inFlight: true, outcome: 'conflict', errorCode: 'CONCURRENT_UPDATE' });
  });

  it('an accepted order that never shows: the block, its warning and its notice say what was ordered and how long ago', async () => {
    const placed = pendingChange({ orderId: 'order-1', placedAt: T0 + 1000, sentAt: T0 });
    const { world, state, instance } = await worldWithIntent({ bandwidthOut: 10 }, placed, 11 * MINUTE);
    await reconcilePending(world.deps, { policy: policy(), instance, state, source: 't', decideAgain: sameChange(placed), mayLowerBandwidth: true });
    const message = 'order order-1 (10 → 5 Mbps) was accepted but DescribeInstances still shows 10 Mbps after 659 s';
    expect((await world.store.getState(ID)).blocked?.message).toBe(message);
    expect((await history(world)).map((h) => [h.outcome, h.errorCode, h.decision.reason, h.decision.message])).toEqual([
      ['blocked', 'CHANGE_NOT_VISIBLE', 'PENDING_CHANGE', message],
    ]);
    expect(world.logs).toContainEqual({ level: 'warn', msg: 'change not visible', instanceId: ID, decisionId: 'd-settle', orderId: 'order-1' });
    expect(world.notices).toEqual([
      { type: 'needs-a-human', instanceId: ID, code: 'CHANGE_NOT_VISIBLE', message: `${message}; bandwidth changes stop until this is resolved` },
    ]);
  });

  it('waits for an accepted order without writing anything', async () => {
    const placed = pendingChange({ orderId: 'order-1', placedAt: T0 + 1000, sentAt: T0 });
    const { world, state, instance } = await worldWithIntent({ bandwidthOut: 10 }, placed, 2 * MINUTE);
    const result = await reconcilePending(world.deps, {
      policy: policy(),
      instance,
      state,
      source: 't',
      decideAgain: sameChange(placed),
      mayLowerBandwidth: true,
    });
    expect(result).toEqual({ state, inFlight: true, unwritten: [] });
  });
});

describe('blockView, an expiry block while the financial lock stays', () => {
  it('keeps the block', () => {
    const state: ScalingState = { ...emptyState(ID), blocked: { code: 'InstanceExpiredOrInArrears', since: T0, message: '' } };
    expect(blockView(state, instanceFacts({ instanceId: ID, operationLocks: ['financial'] }), T0 + 60 * MINUTE).kind).toBe('unchanged');
  });
});
