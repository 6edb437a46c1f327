// Each guard on its own: what it answers, the exact message included, at the edges of its condition.
// decide() tests see only the reason code of the guard that bound; the mutation run (README "Mutation
// testing") showed that a guard's boundary (`<` vs `<=`) and its message (the numbers an operator reads
// next to the reason code) could change with every decide() test still green.
import { describe, expect, it } from 'vitest';
import {
  applyCooldown,
  applyDowngradeBudget,
  applySpendGuard,
  capAtScheduleCeiling,
  clampToBounds,
  clampToProviderRange,
  type DecideContext,
  type Driver,
  type Guard,
  type HardStop,
  holdBeforeDowngrade,
  holdBlockedUpgrade,
  holdDuringTemporaryUpgrade,
  limitStep,
  preventFlap,
  protectZero,
  raiseToScheduleFloor,
  requireStoppedForClassic,
  respectProviderLock,
  respectRefusal,
  spendRaiseAtLeast,
  stabilizeScaleDown,
  stopWhenBlocked,
  stopWhenChangesRefused,
  stopWhenEipBound,
  stopWhenExpired,
  stopWhenLocked,
  stopWhenPaused,
  stopWhenPending,
  stopWhenStatusUnsupported,
} from '../../src/core/guards';
import type { ActiveWindow, InstanceFacts, MetricSample, Recommendation, RefusedChange, ScalingState } from '../../src/core/types';
import { eipRules } from '../../src/core/vpc-rules';
import { HOUR, MINUTE, makeInstance, makePolicy, makeState, makeWindow, type PolicyOverrides, T0 } from '../fixtures/policies';

interface Setup {
  policy?: PolicyOverrides;
  instance?: Partial<InstanceFacts>;
  state?: Partial<ScalingState>;
  windows?: ActiveWindow[];
  sample?: MetricSample;
  recommendations?: Recommendation[];
}

function contextOf(setup: Setup = {}): DecideContext {
  const instance = makeInstance(setup.instance);
  return {
    now: T0,
    policy: makePolicy(setup.policy),
    instance,
    state: makeState(setup.state),
    windows: setup.windows ?? [],
    current: instance.bandwidthOut,
    ...(setup.sample ? { sample: setup.sample } : {}),
    recommendations: setup.recommendations ?? [],
  };
}

const ISO_T0 = '2025-06-10T12:00:00.000Z';
const secondsAgo = (s: number) => T0 - s * 1000;

describe('hard stops', () => {
  const rows: Array<{ name: string; stop: HardStop; setup: Setup; verdict?: { reason: string; message: string } }> = [
    {
      name: 'a paused policy stops',
      stop: stopWhenPaused,
      setup: { policy: { paused: true } },
      verdict: { reason: 'PAUSED', message: "policy 'web' is paused (paused: true in the policy file)" },
    },
    { name: 'a running policy passes', stop: stopWhenPaused, setup: {} },
    {
      name: 'a block on every change stops, with its code, start and message',
      stop: stopWhenBlocked,
      setup: { state: { blocked: { code: 'InvalidInstance.UnPaidOrder', since: T0 - HOUR, message: 'pay it' } } },
      verdict: { reason: 'UNPAID_ORDER', message: 'blocked since 2025-06-10T11:00:00.000Z by InvalidInstance.UnPaidOrder: pay it' },
    },
    {
      name: 'a block on upgrades only is left to holdBlockedUpgrade',
      stop: stopWhenBlocked,
      setup: { state: { blocked: { code: 'QuotaExceeded.InternetBandwidth', since: T0, message: '', scope: 'up' } } },
    },
    {
      name: 'an unsettled intent stops, naming its change and attempt',
      stop: stopWhenPending,
      setup: {
        state: {
          pending: {
            decisionId: 'd-1',
            clientToken: 't',
            action: 'set',
            from: 10,
            target: 5,
            startedAt: T0,
            isDowngrade: true,
            attempts: 2,
            allocatePublicIp: false,
          },
        },
      },
      verdict: { reason: 'PENDING_CHANGE', message: 'change 10 Mbps → 5 Mbps (decision d-1, attempt 2) is not settled yet' },
    },
    {
      name: 'a status the API refuses stops',
      stop: stopWhenStatusUnsupported,
      setup: { instance: { status: 'Starting' } },
      verdict: { reason: 'STATUS_UNSUPPORTED', message: 'instance is Starting; ModifyInstanceNetworkSpec needs Running or Stopped' },
    },
    { name: 'a stopped instance passes', stop: stopWhenStatusUnsupported, setup: { instance: { status: 'Stopped' } } },
    {
      name: 'the first OperationLocks entry names the stop, every entry is listed',
      stop: stopWhenLocked,
      setup: { instance: { operationLocks: ['security', 'recycling'] } },
      verdict: { reason: 'SECURITY_LOCK', message: 'OperationLocks holds "security", "recycling": the provider refuses changes until it is lifted' },
    },
    {
      name: 'a subscription expiring this very millisecond stops',
      stop: stopWhenExpired,
      setup: { instance: { instanceChargeType: 'PrePaid', expiredAt: T0 } },
      verdict: { reason: 'INSTANCE_EXPIRED', message: `subscription expired at ${ISO_T0}` },
    },
    {
      name: 'a subscription expiring a millisecond later passes',
      stop: stopWhenExpired,
      setup: { instance: { instanceChargeType: 'PrePaid', expiredAt: T0 + 1 } },
    },
    { name: 'a pay-as-you-go instance never expires', stop: stopWhenExpired, setup: { instance: { instanceChargeType: 'PostPaid', expiredAt: T0 - HOUR } } },
    {
      name: 'a bound EIP stops',
      stop: stopWhenEipBound,
      setup: { instance: { eipBound: true } },
      verdict: { reason: 'EIP_BOUND', message: "an EIP is bound: its bandwidth is the EIP's, not the instance's" },
    },
  ];

  it.each(rows)('$name', ({ stop, setup, verdict }) => {
    expect(stop(contextOf(setup))).toEqual(verdict);
  });
});

interface GuardRow {
  name: string;
  guard: Guard;
  setup: Setup;
  target: number;
  driver?: Driver;
  narrowing?: { to: number; reason: string; message: string };
}

function guardCases(rows: GuardRow[]) {
  it.each(rows)('$name', ({ guard, setup, target, driver, narrowing }) => {
    const verdict = guard(contextOf(setup), { target, reason: 'SCALE_DOWN', message: '', driver: driver ?? 'metric' });
    expect(verdict).toEqual(narrowing);
  });
}

const recs = (...mbps: number[]) => mbps.map((m, i) => ({ at: T0 - i * MINUTE, mbps: m }));

describe('scale-down and step shaping', () => {
  guardCases([
    {
      name: 'stabilisation keeps the highest recommendation in the window',
      guard: stabilizeScaleDown,
      setup: { policy: { behavior: { scaleDownStabilizationSeconds: 300 } }, recommendations: recs(3, 6) },
      target: 4,
      narrowing: { to: 6, reason: 'STABILIZATION', message: 'highest recommendation in the last 300 s is 6 Mbps: scaling down only to 6 Mbps' },
    },
    {
      name: 'stabilisation holds the current bandwidth when a recommendation is above it',
      guard: stabilizeScaleDown,
      setup: { policy: { behavior: { scaleDownStabilizationSeconds: 60 } }, recommendations: recs(12, 4) },
      target: 4,
      narrowing: { to: 10, reason: 'STABILIZATION', message: 'highest recommendation in the last 60 s is 12 Mbps: no scale-down yet' },
    },
    { name: 'stabilisation passes a target equal to the highest recommendation', guard: stabilizeScaleDown, setup: { recommendations: recs(4, 2) }, target: 4 },
    {
      name: 'stabilisation leaves schedule-driven downgrades alone',
      guard: stabilizeScaleDown,
      setup: { recommendations: recs(8) },
      target: 4,
      driver: 'schedule',
    },
    { name: 'stabilisation leaves upgrades alone', guard: stabilizeScaleDown, setup: { recommendations: recs(30) }, target: 20 },
    {
      name: 'the step limit allows the larger of the absolute and the percentage step up',
      guard: limitStep,
      setup: { policy: { behavior: { maxStepUpMbps: 5, maxStepUpPercent: 100 } } },
      target: 30,
      narrowing: { to: 20, reason: 'MAX_STEP', message: 'a step up is at most 10 Mbps: 20 Mbps instead of 30 Mbps' },
    },
    {
      name: 'the step limit takes the absolute step up when it is the larger',
      guard: limitStep,
      setup: { policy: { behavior: { maxStepUpMbps: 15, maxStepUpPercent: 50 } } },
      target: 30,
      narrowing: { to: 25, reason: 'MAX_STEP', message: 'a step up is at most 15 Mbps: 25 Mbps instead of 30 Mbps' },
    },
    {
      name: 'the step limit down uses the down limits only',
      guard: limitStep,
      setup: { policy: { behavior: { maxStepUpMbps: 50, maxStepDownPercent: 50 } } },
      target: 2,
      narrowing: { to: 5, reason: 'MAX_STEP', message: 'a step down is at most 5 Mbps: 5 Mbps instead of 2 Mbps' },
    },
    {
      name: 'the step limit never rounds a small percentage to a standstill',
      guard: limitStep,
      setup: { instance: { bandwidthOut: 5 }, policy: { behavior: { maxStepUpPercent: 10 } } },
      target: 9,
      narrowing: { to: 6, reason: 'MAX_STEP', message: 'a step up is at most 1 Mbps: 6 Mbps instead of 9 Mbps' },
    },
    {
      name: 'the step limit keeps a whole-Mbps percentage whole (70 × 10 % is 7, not 6)',
      guard: limitStep,
      setup: { instance: { bandwidthOut: 70 }, policy: { behavior: { maxStepDownPercent: 10 } } },
      target: 50,
      narrowing: { to: 63, reason: 'MAX_STEP', message: 'a step down is at most 7 Mbps: 63 Mbps instead of 50 Mbps' },
    },
    { name: 'the step limit passes a step exactly at the limit', guard: limitStep, setup: { policy: { behavior: { maxStepUpMbps: 10 } } }, target: 20 },
    { name: 'the step limit is off without limits', guard: limitStep, setup: {}, target: 90 },
    { name: 'the step limit leaves overrides alone', guard: limitStep, setup: { policy: { behavior: { maxStepUpMbps: 1 } } }, target: 90, driver: 'override' },
    {
      name: 'the hold keeps a recent change',
      guard: holdBeforeDowngrade,
      setup: { policy: { behavior: { minHoldBeforeDowngradeSeconds: 600 } }, state: { lastChangeAt: secondsAgo(300) } },
      target: 5,
      narrowing: { to: 10, reason: 'MIN_HOLD', message: 'at 10 Mbps for 300 s; a downgrade needs 600 s there first' },
    },
    {
      name: 'the hold ends exactly at its length',
      guard: holdBeforeDowngrade,
      setup: { policy: { behavior: { minHoldBeforeDowngradeSeconds: 600 } }, state: { lastChangeAt: secondsAgo(600) } },
      target: 5,
    },
    {
      name: 'the hold does not delay upgrades',
      guard: holdBeforeDowngrade,
      setup: { policy: { behavior: { minHoldBeforeDowngradeSeconds: 600 } }, state: { lastChangeAt: secondsAgo(1) } },
      target: 20,
    },
    {
      name: 'the scale-up cooldown runs from the last scale-up',
      guard: applyCooldown,
      setup: { policy: { behavior: { scaleUpCooldownSeconds: 60 } }, state: { lastScaleUpAt: secondsAgo(30), lastScaleDownAt: secondsAgo(1) } },
      target: 20,
      narrowing: { to: 10, reason: 'COOLDOWN', message: 'last scale-up 30 s ago; the scale-up cooldown is 60 s' },
    },
    {
      name: 'the scale-up cooldown ignores a recent downgrade',
      guard: applyCooldown,
      setup: { policy: { behavior: { scaleUpCooldownSeconds: 60 } }, state: { lastChangeAt: secondsAgo(1), lastScaleDownAt: secondsAgo(1) } },
      target: 20,
    },
    {
      name: 'the scale-down cooldown runs from the latest change of any kind',
      guard: applyCooldown,
      setup: {
        policy: { behavior: { scaleDownCooldownSeconds: 300 } },
        state: { lastChangeAt: secondsAgo(200), lastScaleUpAt: secondsAgo(50), lastScaleDownAt: secondsAgo(400) },
      },
      target: 5,
      narrowing: { to: 10, reason: 'COOLDOWN', message: 'last change 50 s ago; the scale-down cooldown is 300 s' },
    },
    {
      name: 'the scale-down cooldown reads the last scale-down when it is the latest',
      guard: applyCooldown,
      setup: { policy: { behavior: { scaleDownCooldownSeconds: 300 } }, state: { lastScaleUpAt: secondsAgo(900), lastScaleDownAt: secondsAgo(120) } },
      target: 5,
      narrowing: { to: 10, reason: 'COOLDOWN', message: 'last change 120 s ago; the scale-down cooldown is 300 s' },
    },
    {
      name: 'a cooldown ends exactly at its length',
      guard: applyCooldown,
      setup: { policy: { behavior: { scaleUpCooldownSeconds: 60 } }, state: { lastScaleUpAt: secondsAgo(60) } },
      target: 20,
    },
    {
      name: 'a cooldown without an earlier change passes',
      guard: applyCooldown,
      setup: { policy: { behavior: { scaleDownCooldownSeconds: 300 } } },
      target: 5,
    },
    {
      name: 'a cooldown leaves schedules alone',
      guard: applyCooldown,
      setup: { policy: { behavior: { scaleUpCooldownSeconds: 60 } }, state: { lastScaleUpAt: secondsAgo(1) } },
      target: 20,
      driver: 'schedule',
    },
  ]);
});

describe('the projected flap check', () => {
  // Target tracking at 70 % ± 10 points: a bandwidth trips scale-up once the served traffic is above
  // 80 % of it. 6 Mbps served trips it at 7 Mbps (85.7 %) and not at 8 (75 %).
  const sample: MetricSample = { at: T0, outBps: 6_000_000 };
  guardCases([
    {
      name: 'keeps the smallest bandwidth that would not trip scale-up',
      guard: preventFlap,
      setup: { policy: { behavior: { projectedCheck: true } }, sample },
      target: 6,
      narrowing: { to: 8, reason: 'PROJECTED_FLAP', message: 'served 6 Mbps at 6 Mbps would be 100% and trip scale-up: scaling down only to 8 Mbps' },
    },
    {
      name: 'holds the current bandwidth when every lower one trips scale-up',
      guard: preventFlap,
      setup: { instance: { bandwidthOut: 8 }, policy: { behavior: { projectedCheck: true } }, sample },
      target: 7,
      narrowing: { to: 8, reason: 'PROJECTED_FLAP', message: 'served 6 Mbps at 7 Mbps would be 85.7% and trip scale-up: no scale-down' },
    },
    {
      name: 'passes a downgrade that would not trip scale-up',
      guard: preventFlap,
      setup: { policy: { behavior: { projectedCheck: true } }, sample },
      target: 8,
    },
    { name: 'is off unless projectedCheck is on', guard: preventFlap, setup: { sample }, target: 6 },
    { name: 'needs a sample', guard: preventFlap, setup: { policy: { behavior: { projectedCheck: true } } }, target: 6 },
  ]);
});

describe('limits', () => {
  const windows = [makeWindow({ name: 'a', ceiling: 30, floor: 5 }), makeWindow({ name: 'b', ceiling: 20, floor: 8 }), makeWindow({ name: 'c' })];
  guardCases([
    {
      name: 'the lowest schedule ceiling caps',
      guard: capAtScheduleCeiling,
      setup: { windows },
      target: 25,
      narrowing: { to: 20, reason: 'SCHEDULE_CEILING', message: "window 'b' caps bandwidth at 20 Mbps" },
    },
    { name: 'a target at the ceiling passes', guard: capAtScheduleCeiling, setup: { windows }, target: 20 },
    { name: 'a ceiling does not cap an override', guard: capAtScheduleCeiling, setup: { windows }, target: 25, driver: 'override' },
    {
      name: 'the highest schedule floor raises',
      guard: raiseToScheduleFloor,
      setup: { windows },
      target: 6,
      narrowing: { to: 8, reason: 'SCHEDULE_FLOOR', message: "window 'b' keeps bandwidth at 8 Mbps or more" },
    },
    { name: 'a target at the floor passes', guard: raiseToScheduleFloor, setup: { windows }, target: 8 },
    { name: 'a floor does not raise a schedule-driven target', guard: raiseToScheduleFloor, setup: { windows }, target: 6, driver: 'schedule' },
    {
      name: 'the policy minimum raises',
      guard: clampToBounds,
      setup: { policy: { bounds: { minOut: 2, maxOut: 50 } } },
      target: 1,
      driver: 'override',
      narrowing: { to: 2, reason: 'BOUNDS', message: '1 Mbps is below the policy minimum 2 Mbps' },
    },
    {
      name: 'the policy maximum caps',
      guard: clampToBounds,
      setup: { policy: { bounds: { minOut: 2, maxOut: 50 } } },
      target: 51,
      driver: 'override',
      narrowing: { to: 50, reason: 'BOUNDS', message: '51 Mbps is above the policy maximum 50 Mbps' },
    },
    { name: 'the policy minimum itself passes', guard: clampToBounds, setup: { policy: { bounds: { minOut: 2, maxOut: 50 } } }, target: 2 },
    { name: 'the policy maximum itself passes', guard: clampToBounds, setup: { policy: { bounds: { minOut: 2, maxOut: 50 } } }, target: 50 },
    {
      name: 'the API range caps a pay-as-you-go instance at 100',
      guard: clampToProviderRange,
      setup: {},
      target: 101,
      narrowing: { to: 100, reason: 'PROVIDER_RANGE', message: 'the API allows at most 100 Mbps for a PostPaid PayByBandwidth instance' },
    },
    { name: 'the API range passes 100 on a pay-as-you-go instance', guard: clampToProviderRange, setup: {}, target: 100 },
    {
      name: 'the API range caps a subscription pay-by-bandwidth instance at 200',
      guard: clampToProviderRange,
      setup: { instance: { instanceChargeType: 'PrePaid' } },
      target: 201,
      narrowing: { to: 200, reason: 'PROVIDER_RANGE', message: 'the API allows at most 200 Mbps for a PrePaid PayByBandwidth instance' },
    },
    {
      name: 'the API range passes 200 on a subscription pay-by-bandwidth instance',
      guard: clampToProviderRange,
      setup: { instance: { instanceChargeType: 'PrePaid' } },
      target: 200,
    },
    {
      name: 'zero is refused on a VPC instance',
      guard: protectZero,
      setup: {},
      target: 0,
      narrowing: { to: 1, reason: 'ZERO_PROTECTED', message: "0 Mbps would release this VPC instance's public IP and allowZero is off: 1 Mbps instead" },
    },
    { name: 'zero is allowed with allowZero', guard: protectZero, setup: { policy: { allowZero: true } }, target: 0 },
    { name: 'zero is allowed on a classic instance', guard: protectZero, setup: { instance: { networkType: 'classic' } }, target: 0 },
    { name: 'an instance already at zero stays there', guard: protectZero, setup: { instance: { bandwidthOut: 0 } }, target: 0 },
  ]);
});

describe('provider rules on the change', () => {
  const subscription: Partial<InstanceFacts> = { instanceChargeType: 'PrePaid', internetChargeType: 'PayByBandwidth' };
  const used = (n: number) => Array.from({ length: n }, (_, i) => ({ at: T0 - (i + 1) * HOUR, from: 20, to: 10 }));
  guardCases([
    {
      name: 'a running temporary upgrade holds every change',
      guard: holdDuringTemporaryUpgrade,
      setup: { instance: { bandwidthOut: 20 }, state: { temporaryUpgrade: { until: T0 + HOUR, base: 10, target: 20 } } },
      target: 30,
      driver: 'override',
      narrowing: { to: 20, reason: 'TEMPORARY_UPGRADE_ACTIVE', message: 'a temporary upgrade to 20 Mbps reverts to 10 Mbps by itself at 2025-06-10T13Z' },
    },
    {
      name: 'a temporary upgrade ending now, its revert visible, holds nothing',
      guard: holdDuringTemporaryUpgrade,
      setup: { instance: { bandwidthOut: 10 }, state: { temporaryUpgrade: { until: T0, base: 10, target: 20 } } },
      target: 5,
    },
    {
      name: 'a temporary upgrade ending now, its revert not yet visible, holds',
      guard: holdDuringTemporaryUpgrade,
      setup: { instance: { bandwidthOut: 20 }, state: { temporaryUpgrade: { until: T0, base: 10, target: 20 } } },
      target: 10,
      narrowing: {
        to: 20,
        reason: 'TEMPORARY_UPGRADE_ACTIVE',
        message: 'a temporary upgrade to 20 Mbps ended at 2025-06-10T12Z and DescribeInstances does not show its revert to 10 Mbps yet: holding',
      },
    },
    {
      name: 'the budget keeps the reserve from the rules',
      guard: applyDowngradeBudget,
      setup: { instance: subscription, state: { downgrades: used(2) } },
      target: 5,
      narrowing: { to: 10, reason: 'DOWNGRADE_BUDGET', message: '2 of 3 downgrades used on this subscription (1 kept in reserve for a manual override)' },
    },
    {
      name: 'the budget lets an override spend the reserve',
      guard: applyDowngradeBudget,
      setup: { instance: subscription, state: { downgrades: used(2) } },
      target: 5,
      driver: 'override',
    },
    {
      name: 'the budget stops an override once the reserve is spent too, without a reserve note',
      guard: applyDowngradeBudget,
      setup: { instance: subscription, policy: { downgradeBudget: { monthlyReset: true } }, state: { downgrades: used(3) } },
      target: 5,
      driver: 'override',
      narrowing: { to: 10, reason: 'DOWNGRADE_BUDGET', message: '3 of 3 downgrades used this month' },
    },
    {
      name: 'the budget without a reserve says nothing of one',
      guard: applyDowngradeBudget,
      setup: { instance: subscription, policy: { downgradeBudget: { reserve: 0 } }, state: { downgrades: used(3) } },
      target: 5,
      narrowing: { to: 10, reason: 'DOWNGRADE_BUDGET', message: '3 of 3 downgrades used on this subscription' },
    },
    {
      name: 'the budget names a provider QuotaExceed and when the quota resets',
      guard: applyDowngradeBudget,
      setup: { instance: subscription, policy: { downgradeBudget: { monthlyReset: true } }, state: { quotaExhaustedAt: T0 - HOUR } },
      target: 5,
      narrowing: {
        to: 10,
        reason: 'DOWNGRADE_BUDGET',
        message: 'the provider reported the downgrade quota exhausted at 2025-06-10T11:00:00.000Z; it resets at 2025-06-30T16:00:00.000Z',
      },
    },
    {
      name: 'the budget names a provider QuotaExceed on a lifetime quota without a reset',
      guard: applyDowngradeBudget,
      setup: { instance: subscription, state: { quotaExhaustedAt: T0 - HOUR } },
      target: 5,
      narrowing: { to: 10, reason: 'DOWNGRADE_BUDGET', message: 'the provider reported the downgrade quota exhausted at 2025-06-10T11:00:00.000Z' },
    },
    { name: 'the budget does not apply to pay-as-you-go', guard: applyDowngradeBudget, setup: { state: { downgrades: used(3) } }, target: 5 },
    {
      name: 'the budget does not apply to subscription pay-by-traffic',
      guard: applyDowngradeBudget,
      setup: { instance: { instanceChargeType: 'PrePaid', internetChargeType: 'PayByTraffic' }, state: { downgrades: used(3) } },
      target: 5,
    },
    {
      name: 'the budget does not apply to upgrades',
      guard: applyDowngradeBudget,
      setup: { instance: subscription, state: { downgrades: used(3) } },
      target: 20,
    },
    {
      name: 'a running classic instance stays at zero',
      guard: requireStoppedForClassic,
      setup: { instance: { networkType: 'classic', bandwidthOut: 0 } },
      target: 5,
      narrowing: { to: 0, reason: 'CLASSIC_NOT_STOPPED', message: 'a classic-network instance leaves 0 Mbps only while Stopped; it is Running' },
    },
    {
      name: 'a stopped classic instance leaves zero',
      guard: requireStoppedForClassic,
      setup: { instance: { networkType: 'classic', bandwidthOut: 0, status: 'Stopped' } },
      target: 5,
    },
    { name: 'a running VPC instance leaves zero', guard: requireStoppedForClassic, setup: { instance: { bandwidthOut: 0 } }, target: 5 },
    {
      name: 'the provider lock holds every driver within 300 s of the last change',
      guard: respectProviderLock,
      setup: { state: { lastChangeAt: T0 - 299_999 } },
      target: 20,
      driver: 'override',
      narrowing: { to: 10, reason: 'PROVIDER_LOCK', message: 'last change 299.9 s ago; the provider allows none within 300 s' },
    },
    {
      name: 'the provider lock ends exactly 300 s after the last change',
      guard: respectProviderLock,
      setup: { state: { lastChangeAt: secondsAgo(300) } },
      target: 20,
    },
    { name: 'the provider lock does not hold a no-change', guard: respectProviderLock, setup: { state: { lastChangeAt: secondsAgo(1) } }, target: 10 },
    {
      name: 'an upgrade-only block holds upgrades',
      guard: holdBlockedUpgrade,
      setup: { state: { blocked: { code: 'QuotaExceeded.InternetBandwidth', since: T0 - HOUR, message: 'region full', scope: 'up' } } },
      target: 20,
      narrowing: {
        to: 10,
        reason: 'REGIONAL_BANDWIDTH_QUOTA',
        message: 'upgrades blocked since 2025-06-10T11:00:00.000Z by QuotaExceeded.InternetBandwidth: region full',
      },
    },
    {
      name: 'an upgrade-only block lets a downgrade through',
      guard: holdBlockedUpgrade,
      setup: { state: { blocked: { code: 'QuotaExceeded.InternetBandwidth', since: T0, message: '', scope: 'up' } } },
      target: 5,
    },
    {
      name: 'a block on every change is the hard stop’s, not this guard’s',
      guard: holdBlockedUpgrade,
      setup: { state: { blocked: { code: 'Account.Arrearage', since: T0, message: '' } } },
      target: 20,
    },
    // A proposal that keeps the current bandwidth is not a change: no guard below narrows it.
    {
      name: 'a running temporary upgrade does not hold a no-change',
      guard: holdDuringTemporaryUpgrade,
      setup: { instance: { bandwidthOut: 20 }, state: { temporaryUpgrade: { until: T0 + HOUR, base: 10, target: 20 } } },
      target: 20,
    },
    {
      name: 'an exhausted budget does not hold a no-change',
      guard: applyDowngradeBudget,
      setup: { instance: subscription, state: { downgrades: used(3) } },
      target: 10,
    },
    {
      name: 'a running classic instance at zero may stay at zero',
      guard: requireStoppedForClassic,
      setup: { instance: { networkType: 'classic', bandwidthOut: 0 } },
      target: 0,
    },
    {
      name: 'an upgrade-only block does not hold a no-change',
      guard: holdBlockedUpgrade,
      setup: { state: { blocked: { code: 'QuotaExceeded.InternetBandwidth', since: T0, message: '', scope: 'up' } } },
      target: 10,
    },
    {
      name: 'the budget counts this month when last month’s QuotaExceed has reset',
      guard: applyDowngradeBudget,
      setup: {
        instance: subscription,
        policy: { downgradeBudget: { monthlyReset: true, reserve: 0 } },
        state: { quotaExhaustedAt: Date.UTC(2025, 4, 20), downgrades: used(3) },
      },
      target: 5,
      narrowing: { to: 10, reason: 'DOWNGRADE_BUDGET', message: '3 of 3 downgrades used this month' },
    },
  ]);
});

// The guards decide() tests reach only by reason code: what an operator reads beside the code, and
// where each condition starts and ends.
describe('hard stops on other kinds and other sources', () => {
  const eip = (billing: Partial<Parameters<typeof eipRules>[0]> = {}, overrides: Partial<InstanceFacts> = {}): Partial<InstanceFacts> => ({
    instanceId: 'eip-1',
    kind: 'eip',
    status: 'InUse',
    rules: eipRules({ chargeType: 'PostPaid', internetChargeType: 'PayByTraffic', ...billing }),
    ...overrides,
  });
  const rows: Array<{ name: string; stop: HardStop; setup: Setup; verdict?: { reason: string; message: string } }> = [
    {
      name: 'an EIP in a status its API refuses is named by id, with its API and statuses',
      stop: stopWhenStatusUnsupported,
      setup: { instance: eip({}, { status: 'Associating' }) },
      verdict: { reason: 'STATUS_UNSUPPORTED', message: 'eip-1 is Associating; ModifyEipAddressAttribute needs Available or InUse' },
    },
    {
      name: 'an ECS instance that says its kind is still "instance"',
      stop: stopWhenStatusUnsupported,
      setup: { instance: { kind: 'ecs', status: 'Pending' } },
      verdict: { reason: 'STATUS_UNSUPPORTED', message: 'instance is Pending; ModifyInstanceNetworkSpec needs Running or Stopped' },
    },
    { name: 'an EIP in use passes the status check', stop: stopWhenStatusUnsupported, setup: { instance: eip() } },
    {
      name: 'a subscription EIP is refused by its rules, which say why',
      stop: stopWhenChangesRefused,
      setup: { instance: eip({ chargeType: 'PrePaid' }) },
      verdict: {
        reason: 'PROVIDER_REFUSED',
        message: 'a subscription EIP: ModifyEipAddressAttribute refuses its bandwidth (Forbidden.ChargeTypeIsPrepaid); change it in the console',
      },
    },
    { name: 'a pay-as-you-go EIP is not refused', stop: stopWhenChangesRefused, setup: { instance: eip() } },
    { name: 'an ECS instance is never refused by rules it does not carry', stop: stopWhenChangesRefused, setup: {} },
    {
      name: 'an instance served through a managed EIP names the EIP and its policy',
      stop: stopWhenEipBound,
      setup: { instance: { eipBound: true, managedThroughEip: { eipId: 'eip-9', policy: 'edge' } } },
      verdict: {
        reason: 'MANAGED_THROUGH_EIP',
        message: "its bandwidth is EIP eip-9's, which policy 'edge' manages: the EIP is scaled, not the instance",
      },
    },
    { name: 'an instance without an EIP passes', stop: stopWhenEipBound, setup: { instance: { managedThroughEip: { eipId: 'eip-9', policy: 'edge' } } } },
    { name: 'an empty OperationLocks passes', stop: stopWhenLocked, setup: { instance: { operationLocks: [] } } },
    { name: 'a settled state passes the pending check', stop: stopWhenPending, setup: {} },
    { name: 'a state without a block passes', stop: stopWhenBlocked, setup: {} },
  ];

  it.each(rows)('$name', ({ stop, setup, verdict }) => {
    expect(stop(contextOf(setup))).toEqual(verdict);
  });
});

describe('the spend guard', () => {
  // 0.8 CNY/GB, 10 CNY an hour, nothing measured yet, at 12:00 UTC (20:00 billing time): 12.5 GB =
  // 100,000 Mbit over the hour's 3,600 s is 27.7 Mbps, rounded down to 27.
  const hourly = { pricePerGb: 0.8, budgetCnyPerHour: 10 };
  const traffic: Partial<InstanceFacts> = { internetChargeType: 'PayByTraffic', bandwidthOut: 0 };
  guardCases([
    {
      name: 'caps a pay-by-traffic target at what the budget affords, saying what is left',
      guard: applySpendGuard,
      setup: { instance: traffic, policy: { spendGuard: hourly } },
      target: 30,
      narrowing: { to: 27, reason: 'SPEND_GUARD', message: '10.00 of the 10 CNY budget per hour is left: at most 27 Mbps until the hour ends' },
    },
    { name: 'passes a target the budget affords exactly', guard: applySpendGuard, setup: { instance: traffic, policy: { spendGuard: hourly } }, target: 27 },
    {
      name: 'holds a bandwidth just under the cap rather than placing a change to gain 1 Mbps',
      guard: applySpendGuard,
      setup: { instance: { ...traffic, bandwidthOut: 26 }, policy: { spendGuard: hourly } },
      target: 30,
      narrowing: {
        to: 26,
        reason: 'SPEND_GUARD',
        message:
          '10.00 of the 10 CNY budget per hour is left: at most 27 Mbps until the hour ends; holding 26 Mbps, since a raise of 1 Mbps is not worth a change near the budget',
      },
    },
    {
      name: 'raises to the cap once the raise is worth a change (2 Mbps, or a tenth above 20 Mbps)',
      guard: applySpendGuard,
      setup: { instance: { ...traffic, bandwidthOut: 24 }, policy: { spendGuard: hourly } },
      target: 30,
      narrowing: { to: 27, reason: 'SPEND_GUARD', message: '10.00 of the 10 CNY budget per hour is left: at most 27 Mbps until the hour ends' },
    },
    {
      name: 'at the cap already, says the cap plainly (there is no raise to hold back)',
      guard: applySpendGuard,
      setup: { instance: { ...traffic, bandwidthOut: 27 }, policy: { spendGuard: hourly } },
      target: 30,
      narrowing: { to: 27, reason: 'SPEND_GUARD', message: '10.00 of the 10 CNY budget per hour is left: at most 27 Mbps until the hour ends' },
    },
    {
      name: 'always lowers a bandwidth above the cap, however little',
      guard: applySpendGuard,
      setup: { instance: { ...traffic, bandwidthOut: 28 }, policy: { spendGuard: hourly } },
      target: 30,
      narrowing: { to: 27, reason: 'SPEND_GUARD', message: '10.00 of the 10 CNY budget per hour is left: at most 27 Mbps until the hour ends' },
    },
    {
      name: 'caps a schedule-driven target too',
      guard: applySpendGuard,
      setup: { instance: traffic, policy: { spendGuard: hourly } },
      target: 28,
      driver: 'schedule',
      narrowing: { to: 27, reason: 'SPEND_GUARD', message: '10.00 of the 10 CNY budget per hour is left: at most 27 Mbps until the hour ends' },
    },
    {
      // 0.4 CNY an hour affords 4,000 Mbit over 3,600 s: 1 Mbps. From 0 Mbps, where nothing is served, any raise is worth a change.
      name: 'raises 0 Mbps to a cap of 1 Mbps',
      guard: applySpendGuard,
      setup: { instance: traffic, policy: { spendGuard: { pricePerGb: 0.8, budgetCnyPerHour: 0.4 } } },
      target: 30,
      narrowing: { to: 1, reason: 'SPEND_GUARD', message: '0.40 of the 0.4 CNY budget per hour is left: at most 1 Mbps until the hour ends' },
    },
    { name: 'lets an override through', guard: applySpendGuard, setup: { instance: traffic, policy: { spendGuard: hourly } }, target: 30, driver: 'override' },
    {
      name: 'does not apply to pay-by-bandwidth',
      guard: applySpendGuard,
      setup: { instance: { bandwidthOut: 0 }, policy: { spendGuard: hourly } },
      target: 30,
    },
    { name: 'is off without a budget', guard: applySpendGuard, setup: { instance: traffic }, target: 30 },
    {
      name: 'is off with a guard that sets no budget',
      guard: applySpendGuard,
      setup: { instance: traffic, policy: { spendGuard: { pricePerGb: 0.8 } } },
      target: 30,
    },
  ]);
});

describe('the least raise toward the spend cap worth a change', () => {
  it.each([
    { current: 1, least: 2 },
    { current: 10, least: 2 },
    { current: 20, least: 2 },
    { current: 21, least: 3 },
    { current: 30, least: 3 },
    { current: 95, least: 10 },
  ])('at $current Mbps is $least Mbps', ({ current, least }) => {
    expect(spendRaiseAtLeast(current)).toBe(least);
  });
});

describe('a remembered refusal', () => {
  // Refused 10 → 20 a minute ago by a base-bandwidth refusal; the back-off runs 14 more minutes.
  const refusal = (overrides: Partial<RefusedChange> = {}): RefusedChange => ({
    code: 'InvalidParameter.BandwidthBiggerThanBaseBandwidth',
    reason: 'BANDWIDTH_CAP',
    scope: 'up',
    from: 10,
    target: 20,
    since: T0 - 2 * MINUTE,
    at: T0 - MINUTE,
    count: 2,
    retryAt: T0 + 14 * MINUTE,
    message: '%s',
    ...overrides,
  });
  const episode = 'InvalidParameter.BandwidthBiggerThanBaseBandwidth refused 10 Mbps → 20 Mbps at 2025-06-10T11:59:00.000Z (2× since 2025-06-10T11:58:00.000Z)';
  const retry = '2025-06-10T12:14:00.000Z';
  guardCases([
    {
      name: 'a base-bandwidth refusal tries halfway while it backs off',
      guard: respectRefusal,
      setup: { state: { refused: refusal() } },
      target: 25,
      narrowing: { to: 15, reason: 'BANDWIDTH_CAP', message: `${episode}; trying halfway, 15 Mbps until ${retry}` },
    },
    { name: 'a target at halfway passes', guard: respectRefusal, setup: { state: { refused: refusal() } }, target: 15 },
    {
      name: 'a target a step above halfway is narrowed',
      guard: respectRefusal,
      setup: { state: { refused: refusal() } },
      target: 16,
      narrowing: { to: 15, reason: 'BANDWIDTH_CAP', message: `${episode}; trying halfway, 15 Mbps until ${retry}` },
    },
    {
      name: 'the cap the refusal named, below the refused target',
      guard: respectRefusal,
      setup: { state: { refused: refusal({ cap: 12 }) } },
      target: 20,
      narrowing: { to: 12, reason: 'BANDWIDTH_CAP', message: `${episode}; the refusal allows at most 12 Mbps until ${retry}` },
    },
    {
      name: 'a named cap at the refused target itself tries one below it',
      guard: respectRefusal,
      setup: { state: { refused: refusal({ cap: 20 }) } },
      target: 20,
      narrowing: { to: 19, reason: 'BANDWIDTH_CAP', message: `${episode}; the refusal allows at most 20 Mbps until ${retry}` },
    },
    {
      name: 'a named cap from another reason still narrows',
      guard: respectRefusal,
      setup: { state: { refused: refusal({ reason: 'PROVIDER_REFUSED', cap: 12 }) } },
      target: 20,
      narrowing: { to: 12, reason: 'PROVIDER_REFUSED', message: `${episode}; the refusal allows at most 12 Mbps until ${retry}` },
    },
    {
      name: 'nothing between the current bandwidth and the refused target: hold',
      guard: respectRefusal,
      setup: { state: { refused: refusal({ target: 11 }) } },
      target: 11,
      narrowing: {
        to: 10,
        reason: 'BANDWIDTH_CAP',
        message:
          'InvalidParameter.BandwidthBiggerThanBaseBandwidth refused 10 Mbps → 11 Mbps at 2025-06-10T11:59:00.000Z (2× since 2025-06-10T11:58:00.000Z); not sent again before 2025-06-10T12:14:00.000Z',
      },
    },
    {
      name: 'a cap at the current bandwidth holds',
      guard: respectRefusal,
      setup: { state: { refused: refusal({ cap: 10 }) } },
      target: 15,
      narrowing: { to: 10, reason: 'BANDWIDTH_CAP', message: `${episode}; not sent again before ${retry}` },
    },
    {
      name: 'another refused upgrade holds without guessing',
      guard: respectRefusal,
      setup: { state: { refused: refusal({ reason: 'PROVIDER_REFUSED' }) } },
      target: 12,
      narrowing: { to: 10, reason: 'PROVIDER_REFUSED', message: `${episode}; not sent again before ${retry}` },
    },
    {
      name: 'the back-off over this very millisecond: the refused target is probed, no higher',
      guard: respectRefusal,
      setup: { state: { refused: refusal({ retryAt: T0 }) } },
      target: 25,
      narrowing: { to: 20, reason: 'BANDWIDTH_CAP', message: `${episode}; the back-off is over: probing 20 Mbps again, no higher` },
    },
    {
      name: 'the back-off one millisecond from its end still holds back',
      guard: respectRefusal,
      setup: { state: { refused: refusal({ retryAt: T0 + 1 }) } },
      target: 20,
      narrowing: { to: 15, reason: 'BANDWIDTH_CAP', message: `${episode}; trying halfway, 15 Mbps until 2025-06-10T12:00:00.001Z` },
    },
    {
      name: 'after the back-off, the refused target itself passes',
      guard: respectRefusal,
      setup: { state: { refused: refusal({ retryAt: T0 }) } },
      target: 20,
    },
    { name: 'an upgrade refusal says nothing about a downgrade', guard: respectRefusal, setup: { state: { refused: refusal() } }, target: 5 },
    {
      name: 'an upgrade refusal says nothing once the bandwidth reached its target',
      guard: respectRefusal,
      setup: { instance: { bandwidthOut: 20 }, state: { refused: refusal() } },
      target: 30,
    },
    {
      name: 'a refused downgrade holds downgrades while it backs off',
      guard: respectRefusal,
      setup: { state: { refused: refusal({ scope: 'down', reason: 'DOWNGRADE_REFUSED', target: 5 }) } },
      target: 8,
      narrowing: {
        to: 10,
        reason: 'DOWNGRADE_REFUSED',
        message:
          'InvalidParameter.BandwidthBiggerThanBaseBandwidth refused 10 Mbps → 5 Mbps at 2025-06-10T11:59:00.000Z (2× since 2025-06-10T11:58:00.000Z); not sent again before 2025-06-10T12:14:00.000Z',
      },
    },
    { name: 'a refused downgrade lets an upgrade go', guard: respectRefusal, setup: { state: { refused: refusal({ scope: 'down', target: 5 }) } }, target: 12 },
    {
      name: 'a refused downgrade goes again after its back-off',
      guard: respectRefusal,
      setup: { state: { refused: refusal({ scope: 'down', target: 5, retryAt: T0 }) } },
      target: 5,
    },
    {
      name: 'a refusal of every change holds an upgrade and a downgrade',
      guard: respectRefusal,
      setup: { state: { refused: refusal({ scope: 'any', reason: 'STATUS_UNSUPPORTED' }) } },
      target: 5,
      narrowing: { to: 10, reason: 'STATUS_UNSUPPORTED', message: `${episode}; not sent again before ${retry}` },
    },
    {
      name: 'a refusal of every change ends with its back-off',
      guard: respectRefusal,
      setup: { state: { refused: refusal({ scope: 'any', retryAt: T0 }) } },
      target: 5,
    },
    {
      name: 'an inbound refusal never holds the outbound bandwidth',
      guard: respectRefusal,
      setup: { state: { refused: refusal({ scope: 'inbound' }) } },
      target: 5,
    },
    { name: 'a refusal does not hold a no-change', guard: respectRefusal, setup: { state: { refused: refusal({ scope: 'any' }) } }, target: 10 },
  ]);
});

describe('paused: where the pause comes from', () => {
  const rows: Array<{ name: string; setup: Setup; message: string }> = [
    {
      name: 'a control-table pause of a policy, until resumed',
      setup: { policy: { paused: true, pausedBy: { scope: 'policy', target: 'web', by: 'ops', reason: 'incident 42' } } },
      message: "policy 'web' is paused by ops in the control table until resumed: incident 42",
    },
    {
      name: 'a control-table pause of one instance, until a time',
      setup: { policy: { paused: true, pausedBy: { scope: 'instance', target: 'i-1', by: 'ops', reason: 'migration', until: T0 + HOUR } } },
      message: 'instance i-1 is paused by ops in the control table until 2025-06-10T13:00:00.000Z: migration',
    },
  ];
  it.each(rows)('$name', ({ setup, message }) => {
    expect(stopWhenPaused(contextOf(setup))).toEqual({ reason: 'PAUSED', message });
  });
});

// Found by the mutation run over the whole of guards.ts: edges the rows above left open.
describe('guard edges', () => {
  const sample: MetricSample = { at: T0, outBps: 6_000_000 };
  guardCases([
    // A proposal that keeps the current bandwidth is not a change, whatever the shaping guards' state.
    { name: 'stabilisation does not narrow a no-change', guard: stabilizeScaleDown, setup: { recommendations: recs(30) }, target: 10 },
    { name: 'stabilisation without recommendations passes', guard: stabilizeScaleDown, setup: {}, target: 4 },
    {
      name: 'the hold does not narrow a no-change',
      guard: holdBeforeDowngrade,
      setup: { policy: { behavior: { minHoldBeforeDowngradeSeconds: 600 } }, state: { lastChangeAt: secondsAgo(1) } },
      target: 10,
    },
    {
      name: 'a cooldown does not narrow a no-change',
      guard: applyCooldown,
      setup: { policy: { behavior: { scaleDownCooldownSeconds: 300 } }, state: { lastChangeAt: secondsAgo(1) } },
      target: 10,
    },
    {
      // 6 Mbps served trips scale-up at 7 Mbps too: the flap check keeps the current bandwidth, never more.
      name: 'the flap check never narrows above the current bandwidth',
      guard: preventFlap,
      setup: { instance: { bandwidthOut: 7 }, policy: { behavior: { projectedCheck: true } }, sample },
      target: 5,
      narrowing: { to: 7, reason: 'PROJECTED_FLAP', message: 'served 6 Mbps at 5 Mbps would be 100% and trip scale-up: no scale-down' },
    },
    {
      name: 'the lowest ceiling caps wherever it is listed',
      guard: capAtScheduleCeiling,
      setup: { windows: [makeWindow({ name: 'low', ceiling: 20 }), makeWindow({ name: 'high', ceiling: 30 })] },
      target: 25,
      narrowing: { to: 20, reason: 'SCHEDULE_CEILING', message: "window 'low' caps bandwidth at 20 Mbps" },
    },
    {
      name: 'two equal ceilings: the first listed is named',
      guard: capAtScheduleCeiling,
      setup: { windows: [makeWindow({ name: 'first', ceiling: 20 }), makeWindow({ name: 'second', ceiling: 20 })] },
      target: 25,
      narrowing: { to: 20, reason: 'SCHEDULE_CEILING', message: "window 'first' caps bandwidth at 20 Mbps" },
    },
    {
      name: 'the highest floor raises wherever it is listed',
      guard: raiseToScheduleFloor,
      setup: { windows: [makeWindow({ name: 'high', floor: 8 }), makeWindow({ name: 'low', floor: 5 })] },
      target: 4,
      narrowing: { to: 8, reason: 'SCHEDULE_FLOOR', message: "window 'high' keeps bandwidth at 8 Mbps or more" },
    },
    {
      name: 'two equal floors: the first listed is named',
      guard: raiseToScheduleFloor,
      setup: { windows: [makeWindow({ name: 'first', floor: 8 }), makeWindow({ name: 'second', floor: 8 })] },
      target: 4,
      narrowing: { to: 8, reason: 'SCHEDULE_FLOOR', message: "window 'first' keeps bandwidth at 8 Mbps or more" },
    },
    {
      name: 'the API range raises a target below its minimum (an EIP takes no less than 1 Mbps)',
      guard: clampToProviderRange,
      setup: {
        instance: { instanceId: 'eip-1', kind: 'eip', status: 'InUse', rules: eipRules({ chargeType: 'PostPaid', internetChargeType: 'PayByTraffic' }) },
      },
      target: 0,
      driver: 'override',
      narrowing: { to: 1, reason: 'PROVIDER_RANGE', message: 'the API allows no less than 1 Mbps for eip-1' },
    },
    {
      name: 'the API range passes its minimum itself',
      guard: clampToProviderRange,
      setup: { instance: { kind: 'eip', status: 'InUse', rules: eipRules({ chargeType: 'PostPaid', internetChargeType: 'PayByTraffic' }) } },
      target: 1,
    },
  ]);
});
