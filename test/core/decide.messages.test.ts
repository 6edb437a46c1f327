// What decide() says, not only which reason code: the holds before any rule runs, the proposal's
// words, the guard names a decision lists, and the inbound bandwidth an order carries. Found open by
// the mutation run over decide.ts (README "Mutation testing").
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/core/decide';
import type { DecideInput, RefusedChange } from '../../src/core/types';
import { HOUR, MINUTE, makeInput, makeInstance, makePolicy, makeState, makeSubscription, makeWindow, sampleOf, T0, tickOf } from '../fixtures/policies';

const SATURATED = 'served 9.6 Mbps is 96% of 10 Mbps (>= 95%): demand unknown, doubling to 20 Mbps';

const inboundRefusal: RefusedChange = {
  code: 'InvalidInternetMaxBandwidthIn.ValueNotSupported',
  reason: 'INBOUND_REFUSED',
  scope: 'inbound',
  from: 10,
  target: 20,
  since: T0,
  at: T0,
  count: 1,
  retryAt: T0 + HOUR,
  message: '',
};

const sizedTemporary = makePolicy({
  saturation: {
    thresholdPercent: 95,
    adjust: { type: 'multiply', factor: 2 },
    temporaryUpgrade: { mode: 'always', durationSeconds: 3 * 3600, spareDowngrades: 1, minimumMbps: 50 },
  },
});
const saturatedAlarm = { kind: 'alarm', alertState: 'ALERT', metricName: 'VPC_PublicIP_InternetOutRate', sample: sampleOf(9.6), eventId: 'a-1' } as const;

interface Row {
  name: string;
  input: Partial<DecideInput>;
  expected: { action: string; target: number; reason: string; message: string; guards?: string[]; targetIn?: number };
}

const rows: Row[] = [
  {
    name: 'an alarm reporting INSUFFICIENT_DATA holds, naming its metric',
    input: { signal: { kind: 'alarm', alertState: 'INSUFFICIENT_DATA', metricName: 'VPC_PublicIP_InternetOutRate', sample: sampleOf(0), eventId: 'e-1' } },
    expected: {
      action: 'none',
      target: 10,
      reason: 'NO_METRIC',
      message: 'alarm on VPC_PublicIP_InternetOutRate reports INSUFFICIENT_DATA: holding, never downgrading blind',
    },
  },
  {
    name: 'no sample holds',
    input: { signal: tickOf(undefined) },
    expected: { action: 'none', target: 10, reason: 'NO_METRIC', message: 'no traffic sample: holding, never downgrading blind' },
  },
  {
    name: 'a sample that is not a rate holds, quoting it',
    input: { signal: { kind: 'tick', sample: { at: T0, outBps: Number.NaN } } },
    expected: { action: 'none', target: 10, reason: 'NO_METRIC', message: 'traffic sample NaN bit/s is not a rate: holding' },
  },
  {
    name: 'a sample from the future says how far ahead it is',
    input: { signal: tickOf(9.6, T0 + 20 * MINUTE) },
    expected: {
      action: 'none',
      target: 10,
      reason: 'STALE_METRIC',
      message: 'the sample at 2025-06-10T12:20:00.000Z is 1200 s in the future; samples older than 900 s are not acted on',
    },
  },
  {
    name: 'within the warm-up after a change: held, saying how long',
    input: { policy: makePolicy({ behavior: { warmupSeconds: 300 } }), state: makeState({ lastChangeAt: T0 - 120_000 }), signal: tickOf(9.6) },
    expected: { action: 'none', target: 10, reason: 'WARMUP', message: 'changed 120 s ago; metrics are ignored for 300 s after a change (CloudMonitor lags)' },
  },
  {
    name: 'the warm-up ends exactly at its length',
    input: { policy: makePolicy({ behavior: { warmupSeconds: 300 } }), state: makeState({ lastChangeAt: T0 - 300_000 }), signal: tickOf(9.6) },
    expected: { action: 'set', target: 20, reason: 'SATURATED_STEP_UP', message: SATURATED },
  },
  {
    name: 'a sample a millisecond before the change measured the old bandwidth',
    input: { state: makeState({ lastChangeAt: T0 - 6 * MINUTE }), signal: tickOf(9.6, T0 - 6 * MINUTE - 1) },
    expected: {
      action: 'none',
      target: 10,
      reason: 'WARMUP',
      message: 'the sample at 2025-06-10T11:53:59.999Z predates the change at 2025-06-10T11:54:00.000Z',
    },
  },
  {
    name: 'a sample taken at the very change is read',
    input: { state: makeState({ lastChangeAt: T0 - 6 * MINUTE }), signal: tickOf(9.6, T0 - 6 * MINUTE) },
    expected: { action: 'set', target: 20, reason: 'SATURATED_STEP_UP', message: SATURATED },
  },
  {
    name: 'an override says to what, until when and why',
    input: { policy: makePolicy({ override: { bandwidth: 30, until: T0 + HOUR, reason: 'launch' } }) },
    expected: { action: 'set', target: 30, reason: 'OVERRIDE', message: 'manual override to 30 Mbps until 2025-06-10T13:00:00.000Z: launch' },
  },
  {
    name: 'an override already in force is AT_TARGET',
    input: { policy: makePolicy({ override: { bandwidth: 10, until: T0 + HOUR, reason: 'launch' } }) },
    expected: {
      action: 'none',
      target: 10,
      reason: 'AT_TARGET',
      message: 'manual override to 10 Mbps until 2025-06-10T13:00:00.000Z: launch; already at 10 Mbps',
    },
  },
  {
    name: 'overlapping exact windows: the highest, wherever it is listed',
    input: { activeWindows: [makeWindow({ name: 'a', exact: 20 }), makeWindow({ name: 'b', exact: 40 })] },
    expected: { action: 'set', target: 40, reason: 'SCHEDULE_EXACT', message: "window 'b' sets exactly 40 Mbps" },
  },
  {
    name: 'equal exact windows: the first listed is named',
    input: { activeWindows: [makeWindow({ name: 'a', exact: 40 }), makeWindow({ name: 'b', exact: 40 })] },
    expected: { action: 'set', target: 40, reason: 'SCHEDULE_EXACT', message: "window 'a' sets exactly 40 Mbps" },
  },
  {
    name: 'observe mode lists itself as the last guard',
    input: { policy: makePolicy({ mode: 'observe' }), signal: tickOf(9.6) },
    expected: {
      action: 'none',
      target: 20,
      reason: 'OBSERVE_ONLY',
      message: `observe mode: would set 10 Mbps → 20 Mbps (SATURATED_STEP_UP: ${SATURATED})`,
      guards: ['observe'],
    },
  },
  {
    name: 'an upgrade-only block is listed as blockedUpgrade',
    input: { state: makeState({ blocked: { code: 'QuotaExceeded.InternetBandwidth', since: T0, message: 'full', scope: 'up' } }), signal: tickOf(9.6) },
    expected: {
      action: 'none',
      target: 10,
      reason: 'REGIONAL_BANDWIDTH_QUOTA',
      message: 'upgrades blocked since 2025-06-10T12:00:00.000Z by QuotaExceeded.InternetBandwidth: full',
      guards: ['blockedUpgrade'],
    },
  },
  {
    name: 'a remembered refusal is listed as refusal',
    input: {
      state: makeState({ refused: { ...inboundRefusal, code: 'InvalidParameter.Conflict', reason: 'PROVIDER_REFUSED', scope: 'any', retryAt: T0 + HOUR } }),
      signal: tickOf(9.6),
    },
    expected: {
      action: 'none',
      target: 10,
      reason: 'PROVIDER_REFUSED',
      message:
        'InvalidParameter.Conflict refused 10 Mbps → 20 Mbps at 2025-06-10T12:00:00.000Z (1× since 2025-06-10T12:00:00.000Z); not sent again before 2025-06-10T13:00:00.000Z',
      guards: ['refusal'],
    },
  },
  {
    name: 'inbound bounds set the inbound bandwidth the order carries',
    input: { policy: makePolicy({ bounds: { minIn: 50 } }), signal: tickOf(9.6) },
    expected: { action: 'set', target: 20, reason: 'SATURATED_STEP_UP', message: SATURATED, targetIn: 20 },
  },
  {
    name: 'a refused inbound change is left out while it backs off, and the decision says so',
    input: { policy: makePolicy({ bounds: { minIn: 50 } }), state: makeState({ refused: inboundRefusal }), signal: tickOf(9.6) },
    expected: {
      action: 'set',
      target: 20,
      reason: 'SATURATED_STEP_UP',
      message: `${SATURATED}; inbound left as it is (InvalidInternetMaxBandwidthIn.ValueNotSupported until 2025-06-10T13:00:00.000Z)`,
    },
  },
  {
    name: 'without inbound bounds the inbound bandwidth is left alone, even outside the range the order allows',
    input: { instance: makeInstance({ bandwidthIn: 100 }), signal: tickOf(9.6) },
    expected: { action: 'set', target: 20, reason: 'SATURATED_STEP_UP', message: SATURATED },
  },
  {
    name: 'a resource without an inbound bandwidth gets none, whatever the bounds',
    input: { policy: makePolicy({ bounds: { minIn: 5 } }), instance: makeInstance({ bandwidthIn: undefined }), signal: tickOf(9.6) },
    expected: { action: 'set', target: 20, reason: 'SATURATED_STEP_UP', message: SATURATED },
  },
  {
    name: 'a temporary-upgrade window on a subscription that expires first: a plain upgrade, saying why',
    input: { instance: makeSubscription({ expiredAt: T0 + HOUR }), activeWindows: [makeWindow({ name: 'peak', temporaryUpgrade: true })], signal: tickOf(9.6) },
    expected: {
      action: 'set',
      target: 20,
      reason: 'SATURATED_STEP_UP',
      message: `${SATURATED}; the subscription expires before a temporary upgrade could end: a plain upgrade`,
    },
  },
  {
    name: 'a saturation upgrade sized to its minimum says what the rules asked for',
    input: { policy: sizedTemporary, instance: makeSubscription(), signal: saturatedAlarm },
    expected: {
      action: 'temporaryUpgrade',
      target: 50,
      reason: 'SATURATED_STEP_UP',
      message: `${SATURATED} (20 Mbps by the rules); saturation.temporaryUpgrade.mode is always: temporary until 2025-06-10T15Z, at least 50 Mbps (minimum; no other change is possible while it runs), reverting by itself (TEMPORARY_ALWAYS)`,
    },
  },
  {
    name: 'an override during a saturation alarm is the override, never a temporary upgrade',
    input: {
      policy: makePolicy({ ...sizedTemporary, override: { bandwidth: 30, until: T0 + HOUR, reason: 'launch' } }),
      instance: makeSubscription(),
      signal: saturatedAlarm,
    },
    expected: { action: 'set', target: 30, reason: 'OVERRIDE', message: 'manual override to 30 Mbps until 2025-06-10T13:00:00.000Z: launch' },
  },
];

describe('decide() in words', () => {
  it.each(rows)('$name', ({ input, expected }) => {
    const decision = decide(makeInput(input));
    const { action, target, reason, message, targetIn } = decision;
    const seen = {
      action,
      target,
      reason,
      message,
      ...(expected.guards ? { guards: decision.guards.map((g) => g.guard) } : {}),
      ...(targetIn === undefined ? {} : { targetIn }),
    };
    expect(seen).toEqual(expected);
    // A decision that changes nothing is never a downgrade.
    if (action === 'none') expect(decision.isDowngrade).toBe(false);
  });
});
