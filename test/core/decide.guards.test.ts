import { describe, expect, it } from 'vitest';
import { decide } from '../../src/core/decide';
import { TEMPORARY_REVERT_GRACE_MS } from '../../src/core/temporary-upgrade';
import type { DecideInput, DowngradeRecord } from '../../src/core/types';
import { HOUR, MINUTE, makeInput, makeInstance, makePolicy, makeState, makeSubscription, makeWindow, T0, tickOf } from '../fixtures/policies';
import { type Outcome, outcomeOf } from './summary';

interface Row {
  name: string;
  input: Partial<DecideInput>;
  expected: Outcome;
}

const set = (target: number, reason: Outcome['reason'], guards: string[] = []): Outcome => ({ action: 'set', target, reason, guards });
const none = (target: number, reason: Outcome['reason'], guards: string[] = []): Outcome => ({ action: 'none', target, reason, guards });

// The default instance runs at 10 Mbps; the default policy tracks 70% ± 10 points and doubles at 95%.
const saturated = tickOf(9.6); // asks for 20
const low = tickOf(3.5); // asks for 5
const override = (bandwidth: number) => ({ bandwidth, until: T0 + HOUR, reason: 'operator' });
const recentlyChanged = (minutesAgo: number, kind: 'up' | 'down') => {
  const at = T0 - minutesAgo * MINUTE;
  return makeState(kind === 'up' ? { lastChangeAt: at, lastScaleUpAt: at } : { lastChangeAt: at, lastScaleDownAt: at });
};
const downgrades = (count: number, at = T0 - 24 * HOUR): DowngradeRecord[] =>
  Array.from({ length: count }, (_, i) => ({ at: at + i * MINUTE, from: 20, to: 10 }));

const shapingRows: Row[] = [
  {
    name: 'stabilisation goes down only to the highest recent recommendation',
    input: {
      policy: makePolicy({ behavior: { scaleDownStabilizationSeconds: 300 } }),
      state: makeState({ recommendations: [{ at: T0 - MINUTE, mbps: 8 }] }),
      signal: low,
    },
    expected: set(8, 'STABILIZATION', ['stabilization']),
  },
  {
    name: 'stabilisation holds when a recent recommendation was at or above current',
    input: {
      policy: makePolicy({ behavior: { scaleDownStabilizationSeconds: 300 } }),
      state: makeState({ recommendations: [{ at: T0 - MINUTE, mbps: 12 }] }),
      signal: low,
    },
    expected: none(10, 'STABILIZATION', ['stabilization']),
  },
  {
    name: 'recommendations older than the window do not stabilise',
    input: {
      policy: makePolicy({ behavior: { scaleDownStabilizationSeconds: 300 } }),
      state: makeState({ recommendations: [{ at: T0 - 6 * MINUTE, mbps: 12 }] }),
      signal: low,
    },
    expected: set(5, 'SCALE_DOWN'),
  },
  {
    name: 'stabilisation never delays a scale-up',
    input: {
      policy: makePolicy({ behavior: { scaleDownStabilizationSeconds: 300 } }),
      state: makeState({ recommendations: [{ at: T0 - MINUTE, mbps: 40 }] }),
      signal: saturated,
    },
    expected: set(20, 'SATURATED_STEP_UP'),
  },
  {
    name: 'a step up is limited to maxStepUpMbps',
    input: { policy: makePolicy({ behavior: { maxStepUpMbps: 4 } }), signal: saturated },
    expected: set(14, 'MAX_STEP', ['maxStep']),
  },
  {
    name: 'with an absolute and a percent limit the larger step is allowed',
    input: { policy: makePolicy({ behavior: { maxStepUpMbps: 2, maxStepUpPercent: 50 } }), signal: saturated },
    expected: set(15, 'MAX_STEP', ['maxStep']),
  },
  {
    name: 'a step down is limited to maxStepDownMbps',
    input: { policy: makePolicy({ behavior: { maxStepDownMbps: 2 } }), signal: low },
    expected: set(8, 'MAX_STEP', ['maxStep']),
  },
  {
    name: 'a percent step never rounds to a standstill at small bandwidths',
    input: {
      policy: makePolicy({ behavior: { maxStepUpPercent: 10 } }),
      instance: makeInstance({ bandwidthOut: 1 }),
      signal: tickOf(0.96),
    },
    expected: set(2, 'SATURATED_STEP_UP'),
  },
  {
    name: 'a downgrade waits for the minimum hold after a change',
    input: { policy: makePolicy({ behavior: { minHoldBeforeDowngradeSeconds: 3600 } }), state: recentlyChanged(10, 'up'), signal: low },
    expected: none(10, 'MIN_HOLD', ['minHold']),
  },
  {
    name: 'after the minimum hold the downgrade proceeds',
    input: { policy: makePolicy({ behavior: { minHoldBeforeDowngradeSeconds: 3600 } }), state: recentlyChanged(120, 'up'), signal: low },
    expected: set(5, 'SCALE_DOWN'),
  },
  {
    name: 'the projected check keeps the lowest bandwidth that would not trip scale-up',
    input: {
      policy: makePolicy({
        stepRules: [{ from: 0, to: 30, adjust: { type: 'set', mbps: 2 } }],
        behavior: { projectedCheck: true },
      }),
      signal: tickOf(2.9),
    },
    expected: set(4, 'PROJECTED_FLAP', ['projectedFlap']),
  },
  {
    name: 'without the projected check the same rule drops straight to its value',
    input: { policy: makePolicy({ stepRules: [{ from: 0, to: 30, adjust: { type: 'set', mbps: 2 } }] }), signal: tickOf(2.9) },
    expected: set(2, 'SCALE_DOWN'),
  },
  {
    name: 'a scale-up within the scale-up cooldown holds',
    input: { policy: makePolicy({ behavior: { scaleUpCooldownSeconds: 900 } }), state: recentlyChanged(10, 'up'), signal: saturated },
    expected: none(10, 'COOLDOWN', ['cooldown']),
  },
  {
    name: 'a scale-down within the scale-down cooldown after an upgrade holds',
    input: { policy: makePolicy({ behavior: { scaleDownCooldownSeconds: 900 } }), state: recentlyChanged(10, 'up'), signal: low },
    expected: none(10, 'COOLDOWN', ['cooldown']),
  },
  {
    name: 'a scale-up right after a scale-down is not held by the scale-up cooldown',
    input: { policy: makePolicy({ behavior: { scaleUpCooldownSeconds: 900 } }), state: recentlyChanged(10, 'down'), signal: saturated },
    expected: set(20, 'SATURATED_STEP_UP'),
  },
  {
    name: 'a schedule exact value bypasses the cooldown',
    input: {
      policy: makePolicy({ behavior: { scaleUpCooldownSeconds: 3600 } }),
      state: recentlyChanged(10, 'up'),
      activeWindows: [makeWindow({ exact: 50 })],
    },
    expected: set(50, 'SCHEDULE_EXACT'),
  },
  {
    name: 'an override bypasses stabilisation and the minimum hold',
    input: {
      policy: makePolicy({
        override: override(5),
        behavior: { minHoldBeforeDowngradeSeconds: 3600, scaleDownStabilizationSeconds: 300 },
      }),
      state: makeState({ lastChangeAt: T0 - 10 * MINUTE, recommendations: [{ at: T0 - MINUTE, mbps: 30 }] }),
    },
    expected: set(5, 'OVERRIDE'),
  },
];

const payByTraffic = (bandwidthOut: number) => makeInstance({ internetChargeType: 'PayByTraffic', bandwidthOut });
const hourlyBudget = { pricePerGb: 0.8, budgetCnyPerHour: 10 };

const limitRows: Row[] = [
  {
    name: 'a schedule ceiling caps a scale-up',
    input: { activeWindows: [makeWindow({ ceiling: 15 })], signal: saturated },
    expected: set(15, 'SCHEDULE_CEILING', ['scheduleCeiling']),
  },
  {
    name: 'a schedule ceiling lowers the bandwidth even when the metric would hold',
    input: { instance: makeInstance({ bandwidthOut: 30 }), activeWindows: [makeWindow({ ceiling: 20 })], signal: tickOf(21) },
    expected: set(20, 'SCHEDULE_CEILING', ['scheduleCeiling']),
  },
  {
    name: 'a schedule floor raises the bandwidth even without a metric',
    input: { activeWindows: [makeWindow({ floor: 40 })], signal: tickOf(undefined) },
    expected: set(40, 'SCHEDULE_FLOOR', ['scheduleFloor']),
  },
  {
    name: 'when overlapping windows disagree the floor wins over the ceiling',
    input: {
      activeWindows: [makeWindow({ name: 'night', ceiling: 15 }), makeWindow({ name: 'batch', floor: 30 })],
      signal: saturated,
    },
    expected: set(30, 'SCHEDULE_FLOOR', ['scheduleCeiling', 'scheduleFloor']),
  },
  {
    name: 'a schedule floor bypasses the cooldown that held the metric',
    input: {
      policy: makePolicy({ behavior: { scaleUpCooldownSeconds: 3600 } }),
      state: recentlyChanged(10, 'up'),
      activeWindows: [makeWindow({ floor: 40 })],
      signal: saturated,
    },
    expected: set(40, 'SCHEDULE_FLOOR', ['cooldown', 'scheduleFloor']),
  },
  {
    name: "an exact value is not capped by another window's ceiling",
    input: { activeWindows: [makeWindow({ name: 'peak', exact: 50 }), makeWindow({ name: 'night', ceiling: 20 })] },
    expected: set(50, 'SCHEDULE_EXACT'),
  },
  {
    name: 'the spend guard caps pay-by-traffic bandwidth to what the hourly budget affords',
    input: { policy: makePolicy({ spendGuard: hourlyBudget }), instance: payByTraffic(20), signal: tickOf(19.6) },
    expected: set(27, 'SPEND_GUARD', ['spendGuard']),
  },
  {
    name: 'spend earlier in the hour leaves less to spread over the rest of it',
    input: {
      now: T0 + 30 * MINUTE,
      policy: makePolicy({ spendGuard: hourlyBudget }),
      instance: payByTraffic(10),
      state: makeState({ spend: { hourStart: T0, hourCny: 9.5, dayStart: T0 - 20 * HOUR, dayCny: 50, lastSampleAt: T0 + 29 * MINUTE } }),
      signal: tickOf(7, T0 + 30 * MINUTE),
    },
    expected: set(2, 'SPEND_GUARD', ['spendGuard']),
  },
  {
    // 0.23 CNY left at 59:00 is 2,300 Mbit: 38 Mbps for this hour's last 60 s; the lock's other 240 s
    // fall in the next hour, at its even rate of 27.8 Mbps. Over the 300 s: 29.9, so 29 (not the
    // 7 Mbps that this hour's remainder alone, spread over the whole lock, would allow).
    name: "near the end of the hour the cap counts the next hour's budget for the lock that runs into it",
    input: {
      now: T0 + 59 * MINUTE,
      policy: makePolicy({ spendGuard: hourlyBudget }),
      instance: payByTraffic(33),
      state: makeState({ spend: { hourStart: T0, hourCny: 9.77, dayStart: T0 - 20 * HOUR, dayCny: 50, lastSampleAt: T0 + 59 * MINUTE } }),
      signal: tickOf(33, T0 + 59 * MINUTE),
    },
    expected: set(29, 'SPEND_GUARD', ['spendGuard']),
  },
  {
    name: 'spend recorded for an earlier hour does not count',
    input: {
      policy: makePolicy({ spendGuard: hourlyBudget }),
      instance: payByTraffic(10),
      state: makeState({ spend: { hourStart: T0 - HOUR, hourCny: 100, dayStart: T0 - 20 * HOUR, dayCny: 100, lastSampleAt: T0 - MINUTE } }),
    },
    expected: none(10, 'WITHIN_TOLERANCE'),
  },
  {
    name: 'an override is not held to the spend guard',
    input: { policy: makePolicy({ spendGuard: hourlyBudget, override: override(60) }), instance: payByTraffic(20) },
    expected: set(60, 'OVERRIDE'),
  },
  {
    name: 'the spend guard ignores pay-by-bandwidth instances',
    input: { policy: makePolicy({ spendGuard: hourlyBudget }), instance: makeInstance({ bandwidthOut: 20 }), signal: tickOf(19.6) },
    expected: set(40, 'SATURATED_STEP_UP'),
  },
  {
    name: 'the policy maximum holds even for an override',
    input: { policy: makePolicy({ override: override(150) }) },
    expected: set(100, 'BOUNDS', ['bounds']),
  },
  {
    name: 'below the policy minimum the bandwidth is raised without a metric',
    input: { policy: makePolicy({ bounds: { minOut: 20 } }), signal: tickOf(undefined) },
    expected: set(20, 'BOUNDS', ['bounds']),
  },
  {
    name: 'a pay-as-you-go instance stops at the API maximum of 100 Mbps',
    input: { policy: makePolicy({ bounds: { maxOut: 300 } }), instance: makeInstance({ bandwidthOut: 80 }), signal: tickOf(79) },
    expected: set(100, 'PROVIDER_RANGE', ['providerRange']),
  },
  {
    name: 'a subscription pay-by-bandwidth instance stops at the API maximum of 200 Mbps',
    input: { policy: makePolicy({ bounds: { maxOut: 300 } }), instance: makeSubscription({ bandwidthOut: 150 }), signal: tickOf(149) },
    expected: set(200, 'PROVIDER_RANGE', ['providerRange']),
  },
  {
    name: 'a subscription pay-by-traffic instance stops at 100 Mbps',
    input: {
      policy: makePolicy({ bounds: { maxOut: 300 } }),
      instance: makeSubscription({ internetChargeType: 'PayByTraffic', bandwidthOut: 80 }),
      signal: tickOf(79),
    },
    expected: set(100, 'PROVIDER_RANGE', ['providerRange']),
  },
  {
    name: 'a VPC instance keeps 1 Mbps rather than lose its public IP',
    input: { policy: makePolicy({ bounds: { minOut: 0 } }), signal: tickOf(0) },
    expected: set(1, 'ZERO_PROTECTED', ['zeroProtection']),
  },
  {
    name: 'with allowZero a VPC instance may go to 0',
    input: { policy: makePolicy({ bounds: { minOut: 0 }, allowZero: true }), signal: tickOf(0) },
    expected: set(0, 'SCALE_DOWN'),
  },
  {
    name: 'a classic instance keeps its IP at 0 and may go there',
    input: { policy: makePolicy({ bounds: { minOut: 0 } }), instance: makeInstance({ networkType: 'classic' }), signal: tickOf(0) },
    expected: set(0, 'SCALE_DOWN'),
  },
];

const providerRows: Row[] = [
  {
    name: 'a running temporary upgrade is not downgraded: it reverts by itself',
    input: {
      instance: makeSubscription({ bandwidthOut: 50 }),
      state: makeState({ temporaryUpgrade: { until: T0 + HOUR, base: 10, target: 50 } }),
      signal: tickOf(5),
    },
    expected: none(50, 'TEMPORARY_UPGRADE_ACTIVE', ['temporaryUpgrade']),
  },
  {
    name: 'a running temporary upgrade is not upgraded again: the provider refuses any change until it ends',
    input: {
      instance: makeSubscription({ bandwidthOut: 50 }),
      state: makeState({ temporaryUpgrade: { until: T0 + HOUR, base: 10, target: 50 } }),
      signal: tickOf(49.5),
    },
    expected: none(50, 'TEMPORARY_UPGRADE_ACTIVE', ['temporaryUpgrade']),
  },
  {
    name: 'a temporary upgrade just past its end still holds while DescribeInstances shows its target (the revert is not visible yet)',
    input: {
      instance: makeSubscription({ bandwidthOut: 50 }),
      state: makeState({ temporaryUpgrade: { until: T0 - 1, base: 10, target: 50 } }),
      signal: tickOf(5),
    },
    expected: none(50, 'TEMPORARY_UPGRADE_ACTIVE', ['temporaryUpgrade']),
  },
  {
    name: 'a temporary upgrade past its end and the grace after it no longer holds',
    input: {
      instance: makeSubscription({ bandwidthOut: 50 }),
      state: makeState({ temporaryUpgrade: { until: T0 - TEMPORARY_REVERT_GRACE_MS, base: 10, target: 50 } }),
      signal: tickOf(5),
    },
    expected: set(8, 'SCALE_DOWN'),
  },
  {
    name: 'a subscription downgrade stops at quota minus reserve',
    input: { instance: makeSubscription(), state: makeState({ downgrades: downgrades(2) }), signal: low },
    expected: none(10, 'DOWNGRADE_BUDGET', ['downgradeBudget']),
  },
  {
    name: 'a subscription downgrade within the budget proceeds',
    input: { instance: makeSubscription(), state: makeState({ downgrades: downgrades(1) }), signal: low },
    expected: set(5, 'SCALE_DOWN'),
  },
  {
    name: 'an override may spend the reserve',
    input: { policy: makePolicy({ override: override(5) }), instance: makeSubscription(), state: makeState({ downgrades: downgrades(2) }) },
    expected: set(5, 'OVERRIDE'),
  },
  {
    name: 'an override may not exceed the quota',
    input: { policy: makePolicy({ override: override(5) }), instance: makeSubscription(), state: makeState({ downgrades: downgrades(3) }) },
    expected: none(10, 'DOWNGRADE_BUDGET', ['downgradeBudget']),
  },
  {
    name: 'the provider reporting QuotaExceed stops downgrades whatever we counted',
    input: { policy: makePolicy({ override: override(5) }), instance: makeSubscription(), state: makeState({ quotaExhaustedAt: T0 - HOUR }) },
    expected: none(10, 'DOWNGRADE_BUDGET', ['downgradeBudget']),
  },
  {
    name: "with monthlyReset last month's downgrades do not count",
    input: {
      policy: makePolicy({ downgradeBudget: { monthlyReset: true } }),
      instance: makeSubscription(),
      state: makeState({ downgrades: downgrades(3, Date.UTC(2025, 4, 20)), quotaExhaustedAt: Date.UTC(2025, 4, 21) }),
      signal: low,
    },
    expected: set(5, 'SCALE_DOWN'),
  },
  {
    name: "with monthlyReset this month's downgrades count",
    input: {
      policy: makePolicy({ downgradeBudget: { monthlyReset: true } }),
      instance: makeSubscription(),
      state: makeState({ downgrades: downgrades(2, Date.UTC(2025, 5, 1)) }),
      signal: low,
    },
    expected: none(10, 'DOWNGRADE_BUDGET', ['downgradeBudget']),
  },
  {
    name: 'pay-as-you-go downgrades are not budgeted',
    input: { state: makeState({ downgrades: downgrades(10), quotaExhaustedAt: T0 - HOUR }), signal: low },
    expected: set(5, 'SCALE_DOWN'),
  },
  {
    name: 'an exhausted budget never holds an upgrade',
    input: { instance: makeSubscription(), state: makeState({ quotaExhaustedAt: T0 - HOUR }), signal: saturated },
    expected: set(20, 'SATURATED_STEP_UP'),
  },
  {
    name: 'a running classic instance cannot leave 0 Mbps',
    input: {
      policy: makePolicy({ bounds: { minOut: 5 } }),
      instance: makeInstance({ networkType: 'classic', bandwidthOut: 0 }),
      signal: tickOf(0),
    },
    expected: none(0, 'CLASSIC_NOT_STOPPED', ['bounds', 'classicStopped']),
  },
  {
    name: 'a stopped classic instance can leave 0 Mbps',
    input: {
      policy: makePolicy({ bounds: { minOut: 5 } }),
      instance: makeInstance({ networkType: 'classic', bandwidthOut: 0, status: 'Stopped' }),
      signal: tickOf(0),
    },
    expected: set(5, 'BOUNDS', ['bounds']),
  },
  {
    name: 'within 5 minutes of a change even a schedule waits',
    input: { state: makeState({ lastChangeAt: T0 - 2 * MINUTE }), activeWindows: [makeWindow({ exact: 50 })] },
    expected: none(10, 'PROVIDER_LOCK', ['providerLock']),
  },
  {
    name: 'within 5 minutes of a change even an override waits',
    input: { policy: makePolicy({ override: override(50) }), state: makeState({ lastChangeAt: T0 - 4 * MINUTE }) },
    expected: none(10, 'PROVIDER_LOCK', ['providerLock']),
  },
  {
    name: 'the provider lock ends exactly 300 s after the change',
    input: { state: makeState({ lastChangeAt: T0 - 5 * MINUTE }), activeWindows: [makeWindow({ exact: 50 })] },
    expected: set(50, 'SCHEDULE_EXACT'),
  },
];

describe('decide: scale-down and step shaping of metric proposals', () => {
  it.each(shapingRows)('$name', ({ input, expected }) => {
    // Prepare
    const decideInput = makeInput(input);

    // Act
    const decision = decide(decideInput);

    // Assess
    expect(outcomeOf(decision)).toEqual(expected);
  });
});

describe('decide: schedule limits, spend guard, bounds and the API range', () => {
  it.each(limitRows)('$name', ({ input, expected }) => {
    const decision = decide(makeInput(input));

    expect(outcomeOf(decision)).toEqual(expected);
  });
});

describe('decide: provider rules on the change', () => {
  it.each(providerRows)('$name', ({ input, expected }) => {
    const decision = decide(makeInput(input));

    expect(outcomeOf(decision)).toEqual(expected);
  });
});

describe('decide: guard hits', () => {
  it('record what each guard changed, from and to, in order', () => {
    const decision = decide(
      makeInput({
        policy: makePolicy({ behavior: { maxStepUpMbps: 30 }, bounds: { maxOut: 100 } }),
        instance: makeInstance({ bandwidthOut: 60 }),
        signal: tickOf(59),
      }),
    );

    expect(decision.proposed).toBe(120);
    expect(decision.guards.map(({ guard, reason, from, to }) => ({ guard, reason, from, to }))).toEqual([
      { guard: 'maxStep', reason: 'MAX_STEP', from: 120, to: 90 },
    ]);
  });

  it('explain the downgrade budget with the count and the reserve', () => {
    const decision = decide(makeInput({ instance: makeSubscription(), state: makeState({ downgrades: downgrades(2) }), signal: low }));

    expect(decision.message).toBe('2 of 3 downgrades used on this subscription (1 kept in reserve for a manual override)');
  });
});
