import { describe, expect, it } from 'vitest';
import type { Decision, InstanceFacts, Policy, ScalingState, Signal } from '../../src/core/types';
import { recommendationsToStore, runInstanceCycle } from '../../src/cycle/instance';
import { DEFAULT_RECONCILE } from '../../src/cycle/reconcile';
import { emptyState } from '../../src/ports/state-store';
import { type FakeWorld, fakeWorld, T0 } from '../fakes/cycle-deps';
import { faults, instanceFacts } from '../fakes/instance-api';
import { mbps } from '../fakes/metric-api';
import { policy, setDecision } from './fixtures';

const ID = 'i-cycle';
const MINUTE = 60_000;

/** A tick reading of `served` Mbps taken just now. */
function tick(world: FakeWorld, served: number): Signal {
  return { kind: 'tick', sample: mbps(served, world.clock.now) };
}

async function cycle(world: FakeWorld, p: Policy, signal: Signal) {
  const instance = world.ecs.instances.get(ID) as InstanceFacts;
  const state = await world.store.getState(ID);
  world.store.calls.getState = 0;
  return runInstanceCycle(world.deps, { policy: p, instance, state, signal, source: 'tick:test' });
}

describe('runInstanceCycle', () => {
  interface Row {
    name: string;
    policy?: Partial<Policy>;
    instance?: Partial<InstanceFacts>;
    state?: Partial<ScalingState>;
    served: number;
    outcome: string;
    reason: string;
    modifyCalls: number;
    /** Store round trips: intent + commit for an acting decision, nothing for a quiet hold. */
    storeWrites: number;
    bandwidth: number;
  }

  const rows: Row[] = [
    {
      name: 'scales a saturated instance up through intent and commit',
      served: 10,
      outcome: 'applied',
      reason: 'SATURATED_STEP_UP',
      modifyCalls: 1,
      storeWrites: 2,
      bandwidth: 20,
    },
    {
      name: 'makes zero ECS writes in observe mode and records what it would have done',
      policy: { mode: 'observe' },
      served: 10,
      outcome: 'observed',
      reason: 'OBSERVE_ONLY',
      modifyCalls: 0,
      storeWrites: 0,
      bandwidth: 10,
    },
    {
      name: 'writes nothing when the instance is within tolerance',
      served: 6,
      outcome: 'none',
      reason: 'WITHIN_TOLERANCE',
      modifyCalls: 0,
      storeWrites: 0,
      bandwidth: 10,
    },
    {
      name: 'holds while an intent of another invocation is in flight',
      state: {
        pending: { decisionId: 'd-x', clientToken: 'bwscaler-d-x', action: 'set', from: 10, target: 20, startedAt: T0 - 1000, isDowngrade: false, attempts: 1 },
      },
      served: 10,
      outcome: 'none',
      reason: 'PENDING_CHANGE',
      modifyCalls: 0,
      storeWrites: 0,
      bandwidth: 10,
    },
    {
      name: 'holds a scale-down for the stabilisation window and stores the window',
      policy: { behavior: { ...policy().behavior, scaleDownStabilizationSeconds: 300 } },
      served: 1,
      outcome: 'none',
      reason: 'STABILIZATION',
      modifyCalls: 0,
      storeWrites: 1,
      bandwidth: 10,
    },
    {
      name: 'refuses a downgrade once the provider reported the quota spent',
      instance: { instanceChargeType: 'PrePaid' },
      state: { quotaExhaustedAt: T0 - MINUTE },
      served: 1,
      outcome: 'none',
      reason: 'DOWNGRADE_BUDGET',
      modifyCalls: 0,
      storeWrites: 0,
      bandwidth: 10,
    },
    {
      name: 'stays blocked by an unpaid order within the probe interval',
      state: { blocked: { code: 'InvalidInstance.UnPaidOrder', since: T0 - 10 * MINUTE, message: 'unpaid' } },
      served: 10,
      outcome: 'none',
      reason: 'UNPAID_ORDER',
      modifyCalls: 0,
      storeWrites: 0,
      bandwidth: 10,
    },
  ];

  it.each(rows)('$name', async (row) => {
    // Prepare
    const world = fakeWorld([instanceFacts({ instanceId: ID, ...row.instance })]);
    if (row.state) await world.store.putState({ ...emptyState(ID), ...row.state }, 0);
    world.store.calls.putState = 0;

    // Act
    const outcome = await cycle(world, policy(row.policy), tick(world, row.served));

    // Assess
    expect(outcome.outcome).toBe(row.outcome);
    expect(outcome.reason).toBe(row.reason);
    expect(world.ecs.modifyCalls).toHaveLength(row.modifyCalls);
    expect(world.store.calls.putState + world.store.calls.commit).toBe(row.storeWrites);
    expect(world.ecs.instances.get(ID)?.bandwidthOut).toBe(row.bandwidth);
    // A non-acting decision hands its history row to the caller's batch; an acting one committed it.
    expect(outcome.history.map((h) => h.outcome)).toEqual(row.outcome === 'applied' ? [] : [row.outcome]);
  });

  it('scales down after the window of low readings, storing the window only while it holds', async () => {
    // Prepare
    const world = fakeWorld([instanceFacts({ instanceId: ID })]);
    const p = policy({ behavior: { ...policy().behavior, scaleDownStabilizationSeconds: 300 } });

    // Act: low readings every minute for five minutes and one more.
    const outcomes = [];
    for (let minute = 0; minute <= 6; minute++) {
      world.clock.now = T0 + minute * MINUTE;
      outcomes.push(await cycle(world, p, tick(world, 1)));
    }

    // Assess
    expect(outcomes.map((o) => o.reason)).toEqual([
      'STABILIZATION',
      'STABILIZATION',
      'STABILIZATION',
      'STABILIZATION',
      'STABILIZATION',
      'STABILIZATION',
      'SCALE_DOWN',
    ]);
    expect(outcomes.at(-1)?.outcome).toBe('applied');
    expect(world.ecs.instances.get(ID)?.bandwidthOut).toBe(2);
    expect((await world.store.getState(ID)).recommendations).toEqual([]);
  });

  it('restarts the window when a reading at or above the bandwidth comes between low ones', async () => {
    // Prepare
    const world = fakeWorld([instanceFacts({ instanceId: ID })]);
    const p = policy({ behavior: { ...policy().behavior, scaleDownStabilizationSeconds: 300 } });
    await cycle(world, p, tick(world, 1));
    world.store.calls.putState = 0;

    // Act
    world.clock.now = T0 + MINUTE;
    const quiet = await cycle(world, p, tick(world, 6));
    const writesForQuiet = world.store.calls.putState;
    world.clock.now = T0 + 2 * MINUTE;
    await cycle(world, p, tick(world, 6));
    const writesForSecondQuiet = world.store.calls.putState - writesForQuiet;
    world.clock.now = T0 + 5.5 * MINUTE;
    const low = await cycle(world, p, tick(world, 1));

    // Assess: the low reading at 0 would have let a scale-down through at 5 min; the restart holds it.
    expect(quiet.reason).toBe('WITHIN_TOLERANCE');
    expect(writesForQuiet).toBe(1);
    expect(writesForSecondQuiet).toBe(0);
    expect(low.reason).toBe('STABILIZATION');
  });

  it('probes an unpaid-order block after the interval and keeps it while the provider still refuses', async () => {
    // Prepare
    const world = fakeWorld([instanceFacts({ instanceId: ID })]);
    world.ecs.accountBlocks.set(ID, 'InvalidInstance.UnPaidOrder');
    await cycle(world, policy(), tick(world, 10));
    const since = (await world.store.getState(ID)).blocked?.since;

    // Act
    world.clock.now = T0 + 10 * MINUTE;
    const early = await cycle(world, policy(), tick(world, 10));
    world.clock.now = T0 + 31 * MINUTE;
    const refused = await cycle(world, policy(), tick(world, 10));
    world.ecs.accountBlocks.delete(ID);
    world.clock.now = T0 + 45 * MINUTE;
    const stillWaiting = await cycle(world, policy(), tick(world, 10));
    world.clock.now = T0 + 62 * MINUTE;
    const cleared = await cycle(world, policy(), tick(world, 10));

    // Assess
    expect([early.reason, refused.outcome, stillWaiting.reason, cleared.outcome]).toEqual(['UNPAID_ORDER', 'blocked', 'UNPAID_ORDER', 'applied']);
    expect(world.ecs.modifyCalls).toHaveLength(3);
    expect(refused.state.blocked).toMatchObject({ since, lastProbeAt: T0 + 31 * MINUTE });
    expect(cleared.state.blocked).toBeUndefined();
  });

  it('lifts a security block once OperationLocks no longer has it, in one write', async () => {
    // Prepare
    const world = fakeWorld([instanceFacts({ instanceId: ID })]);
    await world.store.putState({ ...emptyState(ID), blocked: { code: 'InstanceLockedForSecurity', since: T0 - MINUTE, message: 'locked' } }, 0);
    world.store.calls.putState = 0;

    // Act
    const outcome = await cycle(world, policy(), tick(world, 6));

    // Assess
    expect(outcome.reason).toBe('WITHIN_TOLERANCE');
    expect(world.store.calls.putState).toBe(1);
    expect((await world.store.getState(ID)).blocked).toBeUndefined();
  });

  it('records the quota as spent when the provider refuses, and attempts no further downgrade', async () => {
    // Prepare: the ledger is empty but the quota was spent elsewhere (shared with other refunds).
    const world = fakeWorld([instanceFacts({ instanceId: ID, instanceChargeType: 'PrePaid' })]);
    world.ecs.downgradesUsed.set(ID, 3);

    // Act
    const first = await cycle(world, policy(), tick(world, 1));
    world.clock.now += 10 * MINUTE;
    const second = await cycle(world, policy(), tick(world, 1));

    // Assess
    expect(first.outcome).toBe('blocked');
    expect(first.errorCode).toBe('InstanceDowngrade.QuotaExceed');
    expect(second.reason).toBe('DOWNGRADE_BUDGET');
    expect(world.ecs.modifyCalls).toHaveLength(1);
  });

  it('re-sends a timed-out order with the same ClientToken on the next invocation, never a second order', async () => {
    // Prepare: every attempt of the first invocation times out before reaching the provider.
    const world = fakeWorld([instanceFacts({ instanceId: ID })]);
    world.ecs.failNextModify(faults.timeoutBeforeOrder, faults.timeoutBeforeOrder, faults.timeoutBeforeOrder, faults.timeoutBeforeOrder);
    const first = await cycle(world, policy(), tick(world, 10));

    // Act
    world.clock.now += 2 * MINUTE;
    const second = await cycle(world, policy(), tick(world, 10));

    // Assess
    expect(first.outcome).toBe('uncertain');
    expect(second.reconciled).toBe('reconciled');
    expect(second.reason).toBe('PROVIDER_LOCK');
    expect(new Set(world.ecs.modifyCalls.map((call) => call.clientToken)).size).toBe(1);
    expect(world.ecs.orders).toHaveLength(1);
    expect(world.ecs.instances.get(ID)?.bandwidthOut).toBe(20);
  });

  it('reconciles a change an earlier invocation left unconfirmed before deciding anew', async () => {
    // Prepare: the order went through but its commit never arrived.
    const world = fakeWorld([instanceFacts({ instanceId: ID, bandwidthOut: 20 })]);
    const pending = {
      decisionId: 'd-left',
      clientToken: 'bwscaler-d-left',
      action: 'set' as const,
      from: 10,
      target: 20,
      startedAt: T0 - 2 * MINUTE,
      isDowngrade: false,
      attempts: 1,
    };
    await world.store.putState({ ...emptyState(ID), pending }, 0);

    // Act
    const outcome = await cycle(world, policy(), tick(world, 12));

    // Assess: the change counts from when it was ordered, so the provider lock still holds.
    expect(outcome.reconciled).toBe('reconciled');
    expect(outcome.reason).toBe('WITHIN_TOLERANCE');
    // Dated at the latest time the unanswered send can have placed it: its start + inFlightMs.
    expect(outcome.state.lastChangeAt).toBe(T0 - 2 * MINUTE + DEFAULT_RECONCILE.inFlightMs);
    expect(world.ecs.modifyCalls).toHaveLength(0);
  });
});

describe('recommendationsToStore', () => {
  const now = T0;
  const stored = [{ at: now - MINUTE, mbps: 4 }];
  const stabilized = { guard: 'stabilization', reason: 'STABILIZATION' as const, message: '', from: 2, to: 10 };
  const rows: Array<{ name: string; stored: typeof stored; decision: Decision; expected: unknown }> = [
    {
      name: 'writes nothing when the decision carries no reading of this tick',
      stored,
      decision: setDecision(ID, 10, 10, { action: 'none', recommendations: stored }),
      expected: undefined,
    },
    {
      name: 'clears a stored window once a reading reaches the current bandwidth',
      stored,
      decision: setDecision(ID, 10, 10, { action: 'none', recommendations: [...stored, { at: now, mbps: 10 }] }),
      expected: [],
    },
    {
      name: 'writes nothing for a quiet reading when nothing is stored',
      stored: [],
      decision: setDecision(ID, 10, 10, { action: 'none', recommendations: [{ at: now, mbps: 12 }] }),
      expected: undefined,
    },
    {
      name: 'stores the window while stabilisation holds the scale-down',
      stored,
      decision: setDecision(ID, 10, 10, { action: 'none', guards: [stabilized], recommendations: [...stored, { at: now, mbps: 2 }] }),
      expected: [...stored, { at: now, mbps: 2 }],
    },
    {
      name: 'writes nothing for a low reading held by another guard',
      stored,
      decision: setDecision(ID, 10, 10, { action: 'none', reason: 'BOUNDS', recommendations: [...stored, { at: now, mbps: 2 }] }),
      expected: undefined,
    },
  ];

  it.each(rows)('$name', ({ stored: before, decision, expected }) => {
    expect(recommendationsToStore(before, decision, now)).toEqual(expected);
  });
});
