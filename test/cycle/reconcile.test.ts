import { describe, expect, it } from 'vitest';
import { formatEndTime, formatStartTime } from '../../src/core/temporary-upgrade';
import type { BlockedCondition, Decision, InstanceFacts, PendingChange, Policy, ScalingState } from '../../src/core/types';
import { applyDecision } from '../../src/cycle/apply';
import { blockView, reconcilePending } from '../../src/cycle/reconcile';
import { StoreUnavailableError } from '../../src/errors';
import { emptyState } from '../../src/ports/state-store';
import { type FakeWorld, fakeWorld, T0 } from '../fakes/cycle-deps';
import { faults, instanceFacts, type ModifyFault } from '../fakes/instance-api';
import { policy, setDecision } from './fixtures';

const ID = 'i-reconcile';
const MINUTE = 60_000;

function pendingChange(overrides: Partial<PendingChange> = {}): PendingChange {
  return {
    decisionId: 'd-test',
    clientToken: 'bwscaler-d-test',
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

/** Decided again on the current facts, the cycle still wants the intent's change (the usual case). */
function stillWanted(state: ScalingState): { decideAgain: () => Decision; mayLowerBandwidth: boolean } {
  const pending = state.pending;
  return {
    decideAgain: () => (pending ? setDecision(ID, pending.from, pending.target, { action: pending.action }) : setDecision(ID, 10, 10, { action: 'none' })),
    mayLowerBandwidth: true,
  };
}

/** A world whose store holds an intent written at T0 that never got its commit. */
async function worldWithIntent(instance: Partial<InstanceFacts>, pending: PendingChange, ageMs: number): Promise<{ world: FakeWorld; state: ScalingState }> {
  const world = fakeWorld([instanceFacts({ instanceId: ID, ...instance })]);
  const state = await world.store.putState({ ...emptyState(ID), pending }, 0);
  world.clock.now = T0 + ageMs;
  world.store.calls.putState = 0;
  return { world, state };
}

describe('reconcilePending', () => {
  interface Row {
    name: string;
    instance: Partial<InstanceFacts>;
    pending?: Partial<PendingChange>;
    ageMs: number;
    policy?: Partial<Policy>;
    faults?: ModifyFault[];
    inFlight: boolean;
    outcome?: string;
    errorCode?: string;
    resends: number;
    keepsIntent: boolean;
    ledger: number;
    lastChangeAt?: number;
  }

  const rows: Row[] = [
    {
      name: 'confirms an intent already in effect without a second call, dated at the latest time it can have been placed',
      instance: { instanceChargeType: 'PrePaid', bandwidthOut: 5 },
      ageMs: 10 * MINUTE,
      inFlight: false,
      outcome: 'reconciled',
      resends: 0,
      keepsIntent: false,
      ledger: 1,
      lastChangeAt: T0 + MINUTE,
    },
    {
      name: 'confirms a young intent already in effect (its own invocation will lose its commit)',
      instance: { bandwidthOut: 5 },
      ageMs: 1000,
      inFlight: false,
      outcome: 'reconciled',
      resends: 0,
      keepsIntent: false,
      ledger: 0,
      lastChangeAt: T0 + 1000,
    },
    {
      name: 'leaves a young unconfirmed intent to the invocation that may still be sending it',
      instance: { bandwidthOut: 10 },
      ageMs: 30_000,
      inFlight: true,
      resends: 0,
      keepsIntent: true,
      ledger: 0,
    },
    {
      name: 're-sends an unconfirmed intent with the same ClientToken',
      instance: { bandwidthOut: 10 },
      ageMs: 5 * MINUTE,
      inFlight: false,
      outcome: 'reconciled',
      resends: 1,
      keepsIntent: false,
      ledger: 0,
    },
    {
      name: 'keeps the intent when the re-send is uncertain again',
      instance: { bandwidthOut: 10 },
      ageMs: 5 * MINUTE,
      faults: [faults.timeoutBeforeOrder, faults.timeoutBeforeOrder, faults.timeoutBeforeOrder, faults.timeoutBeforeOrder],
      inFlight: true,
      outcome: 'uncertain',
      errorCode: 'RequestTimeout',
      resends: 4,
      keepsIntent: true,
      ledger: 0,
    },
    {
      name: 'drops an intent past the re-send age and counts a subscription downgrade conservatively',
      instance: { instanceChargeType: 'PrePaid', bandwidthOut: 10 },
      ageMs: 20 * MINUTE,
      inFlight: false,
      outcome: 'failed',
      errorCode: 'INTENT_EXPIRED',
      resends: 0,
      keepsIntent: false,
      ledger: 1,
    },
    {
      name: 'drops an intent whose re-sends are used up',
      instance: { bandwidthOut: 10 },
      pending: { attempts: 3 },
      ageMs: 5 * MINUTE,
      inFlight: false,
      outcome: 'failed',
      errorCode: 'SENDS_EXHAUSTED',
      resends: 0,
      keepsIntent: false,
      ledger: 0,
    },
    {
      name: 'drops an intent when someone else changed the bandwidth meanwhile',
      instance: { bandwidthOut: 30 },
      ageMs: 5 * MINUTE,
      inFlight: false,
      outcome: 'failed',
      errorCode: 'OUT_OF_BAND_CHANGE',
      resends: 0,
      keepsIntent: false,
      ledger: 0,
    },
    {
      name: 'drops a temporary upgrade whose StartTime has passed: the identical re-send could only be refused',
      instance: { instanceChargeType: 'PrePaid', bandwidthOut: 10 },
      pending: { action: 'temporaryUpgrade', target: 20, isDowngrade: false, startTime: formatStartTime(T0), endTime: formatEndTime(T0 + 3 * 60 * MINUTE) },
      ageMs: 2 * MINUTE,
      inFlight: false,
      outcome: 'failed',
      errorCode: 'START_TIME_PASSED',
      resends: 0,
      keepsIntent: false,
      ledger: 0,
    },
    {
      name: 're-sends a temporary upgrade whose StartTime is still this minute',
      instance: { instanceChargeType: 'PrePaid', bandwidthOut: 10 },
      pending: {
        action: 'temporaryUpgrade',
        target: 20,
        isDowngrade: false,
        startTime: formatStartTime(T0 + 2 * MINUTE),
        endTime: formatEndTime(T0 + 4 * 60 * MINUTE),
      },
      ageMs: 2 * MINUTE,
      inFlight: false,
      outcome: 'reconciled',
      resends: 1,
      keepsIntent: false,
      ledger: 0,
    },
    {
      // The provider reads StartTime to the minute: 30 s into the minute it names, it has not passed.
      name: 're-sends a temporary upgrade 30 s into the minute its StartTime names',
      instance: { instanceChargeType: 'PrePaid', bandwidthOut: 10 },
      pending: {
        action: 'temporaryUpgrade',
        target: 20,
        isDowngrade: false,
        startTime: formatStartTime(T0 + 2 * MINUTE),
        endTime: formatEndTime(T0 + 4 * 60 * MINUTE),
      },
      ageMs: 2.5 * MINUTE,
      inFlight: false,
      outcome: 'reconciled',
      resends: 1,
      keepsIntent: false,
      ledger: 0,
    },
    {
      name: 'never re-sends in observe mode',
      instance: { bandwidthOut: 10 },
      ageMs: 5 * MINUTE,
      policy: { mode: 'observe' },
      inFlight: false,
      outcome: 'failed',
      errorCode: 'NOT_ENFORCED',
      resends: 0,
      keepsIntent: false,
      ledger: 0,
    },
  ];

  it.each(rows)('$name', async (row) => {
    // Prepare
    const pending = pendingChange(row.pending);
    const { world, state } = await worldWithIntent(row.instance, pending, row.ageMs);
    world.ecs.failNextModify(...(row.faults ?? []));
    const instance = world.ecs.instances.get(ID) as InstanceFacts;

    // Act
    const result = await reconcilePending(world.deps, { policy: policy(row.policy), instance, state, source: 'tick:test', ...stillWanted(state) });

    // Assess
    expect(result.inFlight).toBe(row.inFlight);
    expect(result.outcome).toBe(row.outcome);
    expect(result.errorCode).toBe(row.errorCode);
    expect(world.ecs.modifyCalls).toHaveLength(row.resends);
    for (const call of world.ecs.modifyCalls) expect(call).toMatchObject({ clientToken: pending.clientToken, bandwidthOut: pending.target, autoPay: true });
    const stored = await world.store.getState(ID);
    expect(stored.pending !== undefined).toBe(row.keepsIntent);
    expect(stored.downgrades).toHaveLength(row.ledger);
    if (row.lastChangeAt !== undefined) expect(stored.lastChangeAt).toBe(row.lastChangeAt);
    const history = await world.store.queryHistory(ID, 0, Number.MAX_SAFE_INTEGER);
    expect(history.map((h) => h.outcome)).toEqual(row.outcome && !row.keepsIntent ? [row.outcome] : []);
  });

  // The race the chaos month found (SDK timeout 300 ms): at one moment a tick and an alarm both read
  // a 5-minute-old intent. The first re-sends it (attempts + 1, sentAt now); the second, reading the
  // state after that write, decided again, dropped it as STALE_INTENT and won the commit, while the
  // first one's order went through: an order whose decision was recorded as failed. An intent sent
  // moments ago belongs to the invocation sending it, however old the decision is.
  it.each([
    { name: 'deciding again would drop it', decideAgain: () => setDecision(ID, 10, 10, { action: 'none' }) },
    { name: 'deciding again still wants it', decideAgain: () => setDecision(ID, 10, 5) },
  ])('leaves an old intent that another invocation re-sent moments ago to that invocation ($name)', async ({ decideAgain }) => {
    // Prepare
    const pending = pendingChange({ attempts: 2, sentAt: T0 + 5 * MINUTE - 10_000 });
    const { world, state } = await worldWithIntent({ bandwidthOut: 10 }, pending, 5 * MINUTE);
    const instance = world.ecs.instances.get(ID) as InstanceFacts;

    // Act
    const result = await reconcilePending(world.deps, { policy: policy(), instance, state, source: 'alarm:test', decideAgain, mayLowerBandwidth: true });

    // Assess
    expect(result).toMatchObject({ inFlight: true });
    expect(result.outcome).toBeUndefined();
    expect(world.ecs.modifyCalls).toHaveLength(0);
    expect((await world.store.getState(ID)).pending).toEqual(pending);
    expect(await world.store.queryHistory(ID, 0, Number.MAX_SAFE_INTEGER)).toEqual([]);
  });

  it('returns the state untouched when there is no intent', async () => {
    const world = fakeWorld([instanceFacts({ instanceId: ID })]);
    const result = await reconcilePending(world.deps, {
      policy: policy(),
      instance: instanceFacts({ instanceId: ID }),
      state: emptyState(ID),
      source: 't',
      ...stillWanted(emptyState(ID)),
    });
    expect(result).toEqual({ state: emptyState(ID), inFlight: false, unwritten: [] });
    expect(world.store.total()).toBe(0);
  });

  it('lets only one of two racing reconcilers re-send', async () => {
    // Prepare
    const { world, state } = await worldWithIntent({ bandwidthOut: 10 }, pendingChange(), 5 * MINUTE);
    const instance = world.ecs.instances.get(ID) as InstanceFacts;
    const ctx = { policy: policy(), instance: structuredClone(instance), state, source: 't', ...stillWanted(state) };

    // Act
    const results = await Promise.all([reconcilePending(world.deps, ctx), reconcilePending(world.deps, ctx)]);

    // Assess
    expect(results.map((r) => r.outcome ?? r.errorCode).sort()).toEqual(['CONCURRENT_UPDATE', 'reconciled']);
    expect(world.ecs.modifyCalls).toHaveLength(1);
  });

  it('settles a crash between the order and the commit with exactly one order', async () => {
    // Prepare: an invocation orders, then dies before its commit.
    const world = fakeWorld([instanceFacts({ instanceId: ID, instanceChargeType: 'PrePaid' })]);
    world.store.failNext('commit', new StoreUnavailableError('crash'));
    const decide = () => setDecision(ID, 10, 5);
    await expect(
      applyDecision(world.deps, {
        policy: policy(),
        instance: instanceFacts({ instanceId: ID, instanceChargeType: 'PrePaid' }),
        state: emptyState(ID),
        decision: decide(),
        source: 'alarm',
      }),
    ).rejects.toThrow('crash');
    world.clock.now += 2 * MINUTE;

    // Act: the next invocation reads the intent and the provider's view.
    const state = await world.store.getState(ID);
    const result = await reconcilePending(world.deps, {
      policy: policy(),
      instance: world.ecs.instances.get(ID) as InstanceFacts,
      state,
      source: 'tick',
      ...stillWanted(state),
    });

    // Assess
    expect(result.outcome).toBe('reconciled');
    expect(world.ecs.orders).toHaveLength(1);
    expect(world.ecs.modifyCalls).toHaveLength(1);
    expect((await world.store.getState(ID)).downgrades).toEqual([{ at: T0 + MINUTE, from: 10, to: 5 }]);
  });
});

describe('blockView', () => {
  const HOUR = 60 * MINUTE;
  const rows: Array<{ name: string; blocked?: BlockedCondition; locks: string[]; now: number; kind: string }> = [
    { name: 'sees nothing to do without a block', locks: [], now: T0, kind: 'unchanged' },
    {
      name: 'keeps a security block while OperationLocks still has "security"',
      blocked: { code: 'InstanceLockedForSecurity', since: T0, message: '' },
      locks: ['security'],
      now: T0 + 5 * HOUR,
      kind: 'unchanged',
    },
    {
      name: 'lifts a security block once the lock is gone',
      blocked: { code: 'InstanceLockedForSecurity', since: T0, message: '' },
      locks: [],
      now: T0 + MINUTE,
      kind: 'lifted',
    },
    {
      name: 'lifts an expiry/arrears block once the "financial" lock is gone',
      blocked: { code: 'InstanceExpiredOrInArrears', since: T0, message: '' },
      locks: [],
      now: T0 + MINUTE,
      kind: 'lifted',
    },
    {
      name: 'holds an unpaid-order block within the probe interval',
      blocked: { code: 'InvalidInstance.UnPaidOrder', since: T0, message: '' },
      locks: [],
      now: T0 + 29 * MINUTE,
      kind: 'unchanged',
    },
    {
      name: 'lets one probe through after the interval since the block began',
      blocked: { code: 'InvalidInstance.UnPaidOrder', since: T0, message: '' },
      locks: [],
      now: T0 + 30 * MINUTE,
      kind: 'probe',
    },
    {
      name: 'measures the interval from the last probe',
      blocked: { code: 'Account.Arrearage', since: T0 - 5 * HOUR, message: '', lastProbeAt: T0 },
      locks: [],
      now: T0 + 10 * MINUTE,
      kind: 'unchanged',
    },
  ];

  it.each(rows)('$name', ({ blocked, locks, now, kind }) => {
    const state: ScalingState = { ...emptyState(ID), ...(blocked ? { blocked } : {}) };
    expect(blockView(state, instanceFacts({ instanceId: ID, operationLocks: locks }), now).kind).toBe(kind);
  });
});

describe('reconcilePending, an order the provider accepted (placed)', () => {
  const placed = (overrides: Partial<PendingChange> = {}) => pendingChange({ orderId: 'order-1', placedAt: T0 + 1000, sentAt: T0, ...overrides });

  it.each([
    {
      name: 'commits it as applied once DescribeInstances shows it, dated at the answer',
      bandwidthOut: 5,
      ageMs: 3 * MINUTE,
      outcome: 'applied',
      inFlight: false,
      keepsIntent: false,
    },
    {
      name: 'waits without a send while it does not show, within the bound',
      bandwidthOut: 10,
      ageMs: 9 * MINUTE,
      outcome: undefined,
      inFlight: true,
      keepsIntent: true,
    },
    { name: 'blocks with CHANGE_NOT_VISIBLE past the bound', bandwidthOut: 10, ageMs: 11 * MINUTE, outcome: 'blocked', inFlight: false, keepsIntent: false },
  ])('$name', async ({ bandwidthOut, ageMs, outcome, inFlight, keepsIntent }) => {
    // Prepare
    const { world, state } = await worldWithIntent({ instanceChargeType: 'PrePaid', bandwidthOut }, placed(), ageMs);
    const instance = world.ecs.instances.get(ID) as InstanceFacts;

    // Act
    const result = await reconcilePending(world.deps, { policy: policy(), instance, state, source: 'tick:test', ...stillWanted(state) });

    // Assess
    expect(result.outcome).toBe(outcome);
    expect(result.inFlight).toBe(inFlight);
    expect(world.ecs.modifyCalls).toEqual([]);
    const stored = await world.store.getState(ID);
    expect(stored.pending !== undefined).toBe(keepsIntent);
    if (outcome === 'applied') expect(stored).toMatchObject({ lastChangeAt: T0 + 1000, downgrades: [{ at: T0 + 1000, orderId: 'order-1' }] });
    if (outcome === 'blocked') {
      expect(stored.blocked?.code).toBe('CHANGE_NOT_VISIBLE');
      expect(stored.downgrades).toHaveLength(1);
      expect(world.notices).toMatchObject([{ type: 'needs-a-human', code: 'CHANGE_NOT_VISIBLE' }]);
    }
  });

  it('keeps a re-sent intent in flight when its order is placed but not yet visible', async () => {
    // Prepare: the re-send is answered with an order, but DescribeInstances still shows 10.
    const { world, state } = await worldWithIntent({ bandwidthOut: 10 }, pendingChange(), 5 * MINUTE);
    const instance = structuredClone(world.ecs.instances.get(ID) as InstanceFacts);
    const lagged = { ...world.deps, ecs: { ...world.deps.ecs, describeInstances: async () => [instance] } };

    // Act
    const result = await reconcilePending(lagged, { policy: policy(), instance, state, source: 'tick:test', ...stillWanted(state) });

    // Assess
    expect(result).toMatchObject({ outcome: 'placed', inFlight: true });
    expect((await world.store.getState(ID)).pending).toMatchObject({ attempts: 2, orderId: expect.any(String) });
  });

  it('holds an inherited downgrade on the alarm path without sending or dropping it', async () => {
    const { world, state } = await worldWithIntent({ bandwidthOut: 10 }, pendingChange(), 5 * MINUTE);
    const instance = world.ecs.instances.get(ID) as InstanceFacts;
    const result = await reconcilePending(world.deps, {
      policy: policy(),
      instance,
      state,
      source: 'alarm:x',
      ...stillWanted(state),
      mayLowerBandwidth: false,
    });
    expect(result).toMatchObject({ inFlight: true, errorCode: 'ALARM_NO_SCALE_DOWN' });
    expect(world.ecs.modifyCalls).toEqual([]);
    expect((await world.store.getState(ID)).pending?.decisionId).toBe('d-test');
  });

  it('lets the loser of a race for the re-send stop without a call', async () => {
    const { world, state } = await worldWithIntent({ bandwidthOut: 10 }, pendingChange(), 5 * MINUTE);
    await world.store.putState({ ...state, recommendations: [] }, state.version);
    const instance = world.ecs.instances.get(ID) as InstanceFacts;
    const result = await reconcilePending(world.deps, { policy: policy(), instance, state, source: 'tick:test', ...stillWanted(state) });
    expect(result).toMatchObject({ inFlight: true, errorCode: 'CONCURRENT_UPDATE', unwritten: [] });
    expect(world.ecs.modifyCalls).toEqual([]);
  });
});
