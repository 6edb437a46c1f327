import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/core/decide';
import { settleTemporaryUpgrade, TEMPORARY_REVERT_GRACE_MS } from '../../src/core/temporary-upgrade';
import type { DecideInput, Decision, SaturationTemporaryUpgrade, ScalingState, Signal } from '../../src/core/types';
import { HOUR, MINUTE, makeInput, makeInstance, makePolicy, makeState, makeSubscription, makeWindow, sampleOf, T0, tickOf } from '../fixtures/policies';

const AUTO: SaturationTemporaryUpgrade = { mode: 'auto', durationSeconds: 3 * 3600, spareDowngrades: 1 };

const policyWith = (temporary: Partial<SaturationTemporaryUpgrade> | undefined, overrides: Parameters<typeof makePolicy>[0] = {}) =>
  makePolicy({
    saturation: {
      thresholdPercent: 95,
      adjust: { type: 'multiply', factor: 2 },
      ...(temporary ? { temporaryUpgrade: { ...AUTO, ...temporary } } : {}),
    },
    ...overrides,
  });

const alarmOf = (mbps: number, at = T0): Signal => ({
  kind: 'alarm',
  alertState: 'ALERT',
  metricName: 'VPC_PublicIP_InternetOutRate',
  sample: sampleOf(mbps, at),
  eventId: 'alarm-1',
});

const downgrade = (at: number) => ({ at, from: 20, to: 10 });
/** Quota 3, reserve 1 (lifetime counting in the fixtures): two ordinary downgrades, minus those used. */
const used = (count: number): ScalingState => makeState({ downgrades: Array.from({ length: count }, (_, i) => downgrade(T0 - (i + 1) * 24 * HOUR)) });

/** 9.6 Mbps served on 10 Mbps: saturated, doubling to 20. */
const saturated = { instance: makeSubscription(), signal: alarmOf(9.6) };

type Seen = Pick<Decision, 'action' | 'target' | 'reason' | 'startTime' | 'endTime'> & { choice?: string };

function seen(decision: Decision): Seen {
  const { action, target, reason, startTime, endTime, upgradeChoice } = decision;
  return { action, target, reason, startTime, endTime, ...(upgradeChoice ? { choice: upgradeChoice.reason } : {}) };
}

const set = (target: number, choice?: string, reason = 'SATURATED_STEP_UP'): Seen => ({
  action: 'set',
  target,
  reason: reason as Seen['reason'],
  startTime: undefined,
  endTime: undefined,
  ...(choice ? { choice } : {}),
});
const temporary = (target: number, startTime: string, endTime: string, choice: string, reason = 'SATURATED_STEP_UP'): Seen => ({
  action: 'temporaryUpgrade',
  target,
  reason: reason as Seen['reason'],
  startTime,
  endTime,
  choice,
});

interface Row {
  name: string;
  input: Partial<DecideInput>;
  expected: Seen;
}

const rows: Row[] = [
  {
    name: 'auto upgrades permanently while paying it back still leaves the spare downgrade',
    input: { ...saturated, policy: policyWith({}), state: used(0) },
    expected: set(20, 'PERMANENT_BUDGET_AMPLE'),
  },
  {
    name: 'auto upgrades temporarily once the downgrades left are down to the spare one',
    input: { ...saturated, policy: policyWith({}), state: used(1) },
    expected: temporary(20, '2025-06-10T12:00Z', '2025-06-10T15Z', 'TEMPORARY_BUDGET_SCARCE'),
  },
  {
    name: 'auto upgrades temporarily when the provider reported the quota exhausted',
    input: { ...saturated, policy: policyWith({}), state: makeState({ quotaExhaustedAt: T0 - HOUR }) },
    expected: temporary(20, '2025-06-10T12:00Z', '2025-06-10T15Z', 'TEMPORARY_BUDGET_SCARCE'),
  },
  {
    name: 'a larger spare turns temporary earlier',
    input: { ...saturated, policy: policyWith({ spareDowngrades: 2 }, { downgradeBudget: { quota: 3, reserve: 0 } }), state: used(1) },
    expected: temporary(20, '2025-06-10T12:00Z', '2025-06-10T15Z', 'TEMPORARY_BUDGET_SCARCE'),
  },
  {
    name: 'always upgrades temporarily with the whole budget left',
    input: { ...saturated, policy: policyWith({ mode: 'always' }), state: used(0) },
    expected: temporary(20, '2025-06-10T12:00Z', '2025-06-10T15Z', 'TEMPORARY_ALWAYS'),
  },
  {
    name: 'never upgrades permanently with no budget left',
    input: { ...saturated, policy: policyWith({ mode: 'never' }), state: used(2) },
    expected: set(20, 'PERMANENT_BY_POLICY'),
  },
  {
    name: 'without the block a saturation upgrade is permanent and carries no choice',
    input: { ...saturated, policy: policyWith(undefined), state: used(2) },
    expected: set(20),
  },
  {
    name: 'a tick that reads saturation is answered the same way as an alarm',
    input: { ...saturated, signal: tickOf(9.6), policy: policyWith({}), state: used(2) },
    expected: temporary(20, '2025-06-10T12:00Z', '2025-06-10T15Z', 'TEMPORARY_BUDGET_SCARCE'),
  },
  {
    name: "a tick's ordinary scale-up (not saturated) is permanent and carries no choice",
    input: { ...saturated, signal: tickOf(9), policy: policyWith({}), state: used(2) },
    expected: set(13, undefined, 'SCALE_UP'),
  },
  {
    name: "an alarm's scale-up below the saturation threshold is answered like saturation",
    input: { ...saturated, signal: alarmOf(9), policy: policyWith({}), state: used(2) },
    expected: temporary(13, '2025-06-10T12:00Z', '2025-06-10T15Z', 'TEMPORARY_BUDGET_SCARCE', 'SCALE_UP'),
  },
  {
    name: 'a pay-as-you-go instance downgrades freely: a permanent upgrade, no choice',
    input: { ...saturated, instance: makeInstance(), policy: policyWith({ mode: 'always' }), state: used(2) },
    expected: set(20),
  },
  {
    name: 'a subscription pay-by-traffic instance spends no refund on a downgrade: a permanent upgrade, no choice',
    input: { ...saturated, instance: makeSubscription({ internetChargeType: 'PayByTraffic' }), policy: policyWith({ mode: 'always' }), state: used(2) },
    expected: set(20),
  },
  {
    name: 'inside a schedule window the schedule owns the plan: a permanent upgrade, no choice',
    input: { ...saturated, policy: policyWith({ mode: 'always' }), state: used(2), activeWindows: [makeWindow({ floor: 5 })] },
    expected: set(20),
  },
  {
    name: 'StartTime is the next whole minute and EndTime the duration later, rounded up to the UTC hour',
    input: { ...saturated, now: T0 + 10 * MINUTE + 30_000, signal: alarmOf(9.6, T0 + 10 * MINUTE), policy: policyWith({ mode: 'always' }) },
    expected: temporary(20, '2025-06-10T12:11Z', '2025-06-10T16Z', 'TEMPORARY_ALWAYS'),
  },
  {
    name: 'a longer duration ends later, still on the hour',
    input: { ...saturated, policy: policyWith({ mode: 'always', durationSeconds: 4.5 * 3600 }) },
    expected: temporary(20, '2025-06-10T12:00Z', '2025-06-10T17Z', 'TEMPORARY_ALWAYS'),
  },
  {
    name: 'a subscription that expires before the upgrade could end is upgraded permanently',
    input: { ...saturated, instance: makeSubscription({ expiredAt: T0 + 2 * HOUR }), policy: policyWith({ mode: 'always' }) },
    expected: set(20, 'PERMANENT_EXPIRES_FIRST'),
  },
  {
    name: 'the minimum sizes the temporary upgrade up front',
    input: { ...saturated, policy: policyWith({ mode: 'always', minimumMbps: 50 }) },
    expected: temporary(50, '2025-06-10T12:00Z', '2025-06-10T15Z', 'TEMPORARY_ALWAYS'),
  },
  {
    name: 'the minimum never lifts the target past maxOut',
    input: { ...saturated, policy: policyWith({ mode: 'always', minimumMbps: 80 }, { bounds: { maxOut: 60 } }) },
    expected: temporary(60, '2025-06-10T12:00Z', '2025-06-10T15Z', 'TEMPORARY_ALWAYS'),
  },
  {
    name: 'a remembered base-bandwidth refusal narrows the minimum like any proposal',
    input: {
      ...saturated,
      policy: policyWith({ mode: 'always', minimumMbps: 50 }),
      state: makeState({
        refused: {
          code: 'InvalidParameter.BandwidthBiggerThanBaseBandwidth',
          reason: 'BANDWIDTH_CAP',
          scope: 'up',
          from: 10,
          target: 50,
          cap: 30,
          since: T0 - MINUTE,
          at: T0 - MINUTE,
          count: 1,
          retryAt: T0 + HOUR,
          message: 'bigger than the base bandwidth 30 Mbps',
        },
      }),
    },
    expected: temporary(30, '2025-06-10T12:00Z', '2025-06-10T15Z', 'TEMPORARY_ALWAYS', 'BANDWIDTH_CAP'),
  },
  {
    name: 'the policy max step narrows the minimum like any proposal',
    input: { ...saturated, policy: policyWith({ mode: 'always', minimumMbps: 50 }, { behavior: { maxStepUpMbps: 15 } }) },
    expected: temporary(25, '2025-06-10T12:00Z', '2025-06-10T15Z', 'TEMPORARY_ALWAYS', 'MAX_STEP'),
  },
  {
    name: 'an alarm the rules answer with a hold is no upgrade, whatever the minimum',
    input: { ...saturated, signal: alarmOf(7), policy: policyWith({ mode: 'always', minimumMbps: 50 }) },
    expected: { action: 'none', target: 10, reason: 'WITHIN_TOLERANCE', startTime: undefined, endTime: undefined },
  },
  {
    name: 'an alarm the rules answer with a scale-down is no upgrade, whatever the minimum',
    input: { ...saturated, signal: alarmOf(3), policy: policyWith({ mode: 'always', minimumMbps: 50 }) },
    expected: set(5, undefined, 'SCALE_DOWN'),
  },
  {
    name: 'the minimum does not size a permanent upgrade',
    input: { ...saturated, policy: policyWith({ minimumMbps: 50 }), state: used(0) },
    expected: set(20, 'PERMANENT_BUDGET_AMPLE'),
  },
];

describe('an upgrade answering saturation on a subscription instance', () => {
  it.each(rows)('$name', ({ input, expected }) => {
    // Act
    const decision = decide(makeInput(input));

    // Assess
    expect(seen(decision)).toEqual(expected);
  });

  it('says which it chose and why in the message and in upgradeChoice', () => {
    const decision = decide(makeInput({ ...saturated, policy: policyWith({}), state: used(1) }));

    expect(decision.upgradeChoice).toEqual({
      kind: 'temporary',
      reason: 'TEMPORARY_BUDGET_SCARCE',
      message:
        '1 ordinary downgrade left, at most spareDowngrades 1: a permanent upgrade could not be paid back: temporary until 2025-06-10T15Z, reverting by itself',
    });
    expect(decision.message).toMatch(/doubling to 20 Mbps; 1 ordinary downgrade left.*\(TEMPORARY_BUDGET_SCARCE\)$/);
  });

  it('in observe mode reports the temporary upgrade it would make, and makes none', () => {
    const decision = decide(makeInput({ ...saturated, policy: policyWith({ mode: 'always' }, { mode: 'observe' }) }));

    expect(decision).toMatchObject({ action: 'none', reason: 'OBSERVE_ONLY', target: 20, upgradeChoice: { kind: 'temporary' } });
    expect(decision.message).toMatch(/^observe mode: would temporarily upgrade 10 Mbps → 20 Mbps/);
  });
});

describe('a temporary upgrade that has run', () => {
  const running = { until: T0 + HOUR, base: 10, target: 20 };

  it.each([
    { name: 'holds every change while it runs', now: T0, current: 20, held: true },
    { name: 'holds after EndTime while DescribeInstances still shows the temporary target', now: T0 + HOUR + 10 * MINUTE, current: 20, held: true },
    { name: 'no longer holds once the grace after EndTime is over', now: T0 + HOUR + TEMPORARY_REVERT_GRACE_MS, current: 20, held: false },
    { name: 'no longer holds once the revert shows', now: T0 + HOUR + MINUTE, current: 10, held: false },
  ])('$name', ({ now, current, held }) => {
    // Prepare: 9 Mbps served asks for a change either way (90 % of 10 is above the band, 45 % of 20 below it).
    const input = makeInput({
      now,
      instance: makeSubscription({ bandwidthOut: current }),
      state: makeState({ temporaryUpgrade: running }),
      signal: tickOf(current === 20 ? 3 : 9, now),
    });

    // Act
    const decision = decide(input);

    // Assess
    expect(decision.reason === 'TEMPORARY_UPGRADE_ACTIVE').toBe(held);
  });

  it.each([
    { name: 'is left alone while it runs', now: T0 + 30 * MINUTE, current: 20, expected: undefined },
    { name: 'is left alone after EndTime until DescribeInstances shows the revert', now: T0 + HOUR + 5 * MINUTE, current: 20, expected: undefined },
    {
      name: 'once reverted, is forgotten: the state learns the base as its last target and books no downgrade',
      now: T0 + HOUR + 2 * MINUTE,
      current: 10,
      expected: { reverted: true, lastTarget: 10, lastChangeAt: T0 + HOUR, downgrades: 0 },
    },
    {
      name: 'still at the target long after EndTime, is forgotten and the target taken as the bandwidth',
      now: T0 + HOUR + TEMPORARY_REVERT_GRACE_MS,
      current: 20,
      expected: { reverted: false, lastTarget: 20, lastChangeAt: T0 - 2 * HOUR, downgrades: 0 },
    },
  ])('$name', ({ now, current, expected }) => {
    const state = makeState({ temporaryUpgrade: running, lastTarget: 20, lastChangeAt: T0 - 2 * HOUR });

    const settled = settleTemporaryUpgrade(state, current, now);

    if (expected === undefined) {
      expect(settled).toBeUndefined();
      return;
    }
    expect(settled?.state.temporaryUpgrade).toBeUndefined();
    expect({
      reverted: settled?.reverted,
      lastTarget: settled?.state.lastTarget,
      lastChangeAt: settled?.state.lastChangeAt,
      downgrades: settled?.state.downgrades.length,
    }).toEqual(expected);
    expect(settled?.state.version).toBe(state.version);
  });

  it('is nothing to settle when there is none', () => {
    expect(settleTemporaryUpgrade(makeState(), 10, T0)).toBeUndefined();
  });
});

describe('every temporary upgrade answering saturation, whatever the clock, budget and expiry', () => {
  const arbitraryInput = fc.record({
    now: fc.integer({ min: T0, max: T0 + 40 * 24 * HOUR }),
    used: fc.integer({ min: 0, max: 3 }),
    mode: fc.constantFrom<SaturationTemporaryUpgrade['mode']>('auto', 'always'),
    durationSeconds: fc.integer({ min: 3 * 3600, max: 2 * 24 * 3600 }),
    spareDowngrades: fc.integer({ min: 0, max: 1 }),
    expiresInMs: fc.integer({ min: 0, max: 10 * 24 * HOUR }),
    served: fc.double({ min: 9.5, max: 12, noNaN: true }),
  });

  it('obeys the provider: StartTime not before now, EndTime on a UTC hour at least 3 h later and not past the expiry', () => {
    fc.assert(
      fc.property(arbitraryInput, ({ now, used: count, mode, durationSeconds, spareDowngrades, expiresInMs, served }) => {
        const expiredAt = now + expiresInMs + 1;
        const decision = decide(
          makeInput({
            now,
            instance: makeSubscription({ expiredAt }),
            policy: policyWith({ mode, durationSeconds, spareDowngrades }),
            state: makeState({ downgrades: Array.from({ length: count }, () => downgrade(now - HOUR)) }),
            signal: alarmOf(served, now),
          }),
        );
        if (decision.action !== 'temporaryUpgrade') return;
        const start = Date.parse(decision.startTime ?? '');
        const end = Date.parse(`${(decision.endTime ?? '').slice(0, -1)}:00Z`);
        expect(decision.startTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$/);
        expect(decision.endTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}Z$/);
        expect(start).toBeGreaterThanOrEqual(Math.floor(now / MINUTE) * MINUTE);
        expect(end - start).toBeGreaterThanOrEqual(3 * HOUR);
        expect(end - start).toBeGreaterThanOrEqual(durationSeconds * 1000);
        expect(end).toBeLessThanOrEqual(expiredAt);
      }),
    );
  });

  it('is chosen by auto only when a permanent upgrade could not be paid back and still spare spareDowngrades', () => {
    fc.assert(
      fc.property(arbitraryInput, ({ now, used: count, durationSeconds, spareDowngrades, served }) => {
        const decision = decide(
          makeInput({
            now,
            instance: makeSubscription({ expiredAt: now + 365 * 24 * HOUR }),
            policy: policyWith({ mode: 'auto', durationSeconds, spareDowngrades }),
            state: makeState({ downgrades: Array.from({ length: count }, () => downgrade(now - HOUR)) }),
            signal: alarmOf(served, now),
          }),
        );
        const left = Math.max(0, 2 - count);
        expect(decision.action).toBe(left <= spareDowngrades ? 'temporaryUpgrade' : 'set');
      }),
    );
  });
});
