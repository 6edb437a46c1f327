// The pure helpers the cycle, the simulator and the README share with decide().
import { describe, expect, it } from 'vitest';
import { downgradesInPeriod, downgradesLeft, quotaExhausted } from '../../src/core/budget';
import { formatMbps, formatPercent } from '../../src/core/format';
import { applyAdjustment, trimRecommendations, utilization, wouldScaleUp } from '../../src/core/metric';
import { apiRange, blockedReason, lockReason, needsPublicIpAllocation } from '../../src/core/provider';
import { REASONS } from '../../src/core/reasons';
import { spendCap, trafficCostCny } from '../../src/core/spend';
import { formatEndTime, formatStartTime, temporaryUpgradeTimes } from '../../src/core/temporary-upgrade';
import type { Adjustment, InstanceFacts } from '../../src/core/types';
import { HOUR, MINUTE, makeInstance, makePolicy, makeState, T0 } from '../fixtures/policies';

describe('apiRange', () => {
  const rows: Array<{ name: string; instance: Partial<InstanceFacts>; max: number }> = [
    { name: 'subscription pay-by-bandwidth: 0-200', instance: { instanceChargeType: 'PrePaid', internetChargeType: 'PayByBandwidth' }, max: 200 },
    { name: 'subscription pay-by-traffic: 0-100', instance: { instanceChargeType: 'PrePaid', internetChargeType: 'PayByTraffic' }, max: 100 },
    { name: 'pay-as-you-go pay-by-bandwidth: 0-100', instance: { instanceChargeType: 'PostPaid', internetChargeType: 'PayByBandwidth' }, max: 100 },
    { name: 'pay-as-you-go pay-by-traffic: 0-100', instance: { instanceChargeType: 'PostPaid', internetChargeType: 'PayByTraffic' }, max: 100 },
  ];
  it.each(rows)('$name', ({ instance, max }) => {
    expect(apiRange(makeInstance(instance))).toEqual({ min: 0, max });
  });
});

describe('blockedReason and lockReason', () => {
  const blocked = [
    { name: 'OperationDenied.UnpaidOrder is an unpaid order', code: 'OperationDenied.UnpaidOrder', reason: 'UNPAID_ORDER' },
    { name: 'NotEnoughBalance is arrears', code: 'InvalidAccountStatus.NotEnoughBalance', reason: 'ACCOUNT_ARREARS' },
    { name: 'InstanceExpiredOrInArrears is an expired instance', code: 'InstanceExpiredOrInArrears', reason: 'INSTANCE_EXPIRED' },
    { name: 'InstanceLockedForSecurity is a security lock', code: 'InstanceLockedForSecurity', reason: 'SECURITY_LOCK' },
    { name: 'an inherited property name is not a known code', code: 'toString', reason: 'NEEDS_HUMAN' },
  ];
  it.each(blocked)('$name', ({ code, reason }) => {
    expect(blockedReason(code)).toBe(reason);
  });

  it('reads a dedicated host financial lock like a financial one', () => {
    expect(lockReason('dedicatedhostfinancial', { instanceChargeType: 'PrePaid' })).toBe('INSTANCE_EXPIRED');
  });
});

describe('needsPublicIpAllocation', () => {
  const rows = [
    { name: 'pay-as-you-go 0→N without an IP', charge: 'PostPaid', ip: false, from: 0, to: 5, needs: true },
    { name: 'pay-as-you-go staying at 0', charge: 'PostPaid', ip: false, from: 0, to: 0, needs: false },
    { name: 'pay-as-you-go N→M', charge: 'PostPaid', ip: true, from: 5, to: 10, needs: false },
    { name: 'subscription 0→N', charge: 'PrePaid', ip: false, from: 0, to: 5, needs: false },
  ] as const;
  it.each(rows)('$name', ({ charge, ip, from, to, needs }) => {
    expect(needsPublicIpAllocation({ instanceChargeType: charge, hasPublicIp: ip }, from, to)).toBe(needs);
  });
});

describe('utilization and applyAdjustment', () => {
  it('is undefined at 0 Mbps, where nothing is served', () => {
    expect(utilization(0, 0)).toBeUndefined();
  });

  it('survives float noise at a band edge', () => {
    expect(utilization(29_000_000, 100)).toBe(29);
  });

  const adjustments: Array<{ name: string; adjust: Adjustment; current: number; result: number }> = [
    { name: 'add', adjust: { type: 'add', mbps: 5 }, current: 10, result: 15 },
    { name: 'add never goes below 0', adjust: { type: 'add', mbps: -50 }, current: 10, result: 0 },
    { name: 'multiply rounds up', adjust: { type: 'multiply', factor: 1.5 }, current: 5, result: 8 },
    { name: 'multiply ignores float noise', adjust: { type: 'multiply', factor: 1.1 }, current: 10, result: 11 },
    { name: 'set', adjust: { type: 'set', mbps: 50 }, current: 10, result: 50 },
  ];
  it.each(adjustments)('$name', ({ adjust, current, result }) => {
    expect(applyAdjustment(adjust, current)).toBe(result);
  });
});

describe('wouldScaleUp', () => {
  const policy = makePolicy();
  const rows = [
    { name: 'demand above the new cap saturates it', outBps: 9e6, mbps: 5, trips: true },
    { name: 'demand on target at the new cap does not', outBps: 3.5e6, mbps: 5, trips: false },
    { name: 'any demand at 0 Mbps would', outBps: 1, mbps: 0, trips: true },
  ];
  it.each(rows)('$name', ({ outBps, mbps, trips }) => {
    expect(wouldScaleUp(policy, outBps, mbps)).toBe(trips);
  });
});

describe('trimRecommendations', () => {
  it('keeps the window, oldest first, and drops the future', () => {
    const recs = [
      { at: T0 - 2 * MINUTE, mbps: 3 },
      { at: T0 + MINUTE, mbps: 9 },
      { at: T0 - 10 * MINUTE, mbps: 1 },
      { at: T0 - 4 * MINUTE, mbps: 2 },
    ];

    expect(trimRecommendations(recs, T0, 300)).toEqual([
      { at: T0 - 4 * MINUTE, mbps: 2 },
      { at: T0 - 2 * MINUTE, mbps: 3 },
    ]);
  });
});

describe('the downgrade budget', () => {
  const rows = [
    { name: 'lifetime counting counts every downgrade', monthlyReset: false, ats: [Date.UTC(2025, 0, 5), T0], used: 2 },
    {
      name: 'monthly counting starts at 00:00 on the 1st in the billing time zone (UTC+8)',
      monthlyReset: true,
      ats: [Date.UTC(2025, 5, 1) - 8 * HOUR - 1, Date.UTC(2025, 5, 1) - 8 * HOUR, T0],
      used: 2,
    },
  ];
  it.each(rows)('$name', ({ monthlyReset, ats, used }) => {
    const state = makeState({ downgrades: ats.map((at) => ({ at, from: 20, to: 10 })) });
    expect(downgradesInPeriod(state, makePolicy({ downgradeBudget: { monthlyReset } }), T0)).toBe(used);
  });

  it('leaves quota minus reserve for the rules and the whole quota for an override', () => {
    const policy = makePolicy({ downgradeBudget: { quota: 3, reserve: 1 } });
    const state = makeState({ downgrades: [{ at: T0 - HOUR, from: 20, to: 10 }] });

    expect([downgradesLeft(state, policy, T0, false), downgradesLeft(state, policy, T0, true)]).toEqual([1, 2]);
  });

  it('treats a QuotaExceed from last month as cleared under monthlyReset only', () => {
    const state = makeState({ quotaExhaustedAt: Date.UTC(2025, 4, 31) });

    expect(quotaExhausted(state, makePolicy({ downgradeBudget: { monthlyReset: true } }), T0)).toBe(false);
    expect(quotaExhausted(state, makePolicy({ downgradeBudget: { monthlyReset: false } }), T0)).toBe(true);
  });
});

describe('the spend guard', () => {
  it('prices traffic per GB of 10^9 bytes', () => {
    // 8 Mbit/s for 1000 s is 1 GB.
    expect(trafficCostCny(8_000_000, 1000, 0.8)).toBeCloseTo(0.8, 10);
  });

  it('takes the tighter of the hourly and daily caps', () => {
    // T0 is 20:00 in the billing time zone (UTC+8): the day has 4 h left. Day: 20 CNY = 25 GB over
    // 14400 s = 13.9 Mbit/s; hour: 10 CNY over 1 h = 27.7 Mbit/s.
    const cap = spendCap({ pricePerGb: 0.8, budgetCnyPerHour: 10, budgetCnyPerDay: 20 }, undefined, T0);

    expect(cap).toEqual({ mbps: 13, period: 'day', remainingCny: 20, budgetCny: 20 });
  });

  it('is absent without a budget', () => {
    expect(spendCap({ pricePerGb: 0.8 }, undefined, T0)).toBeUndefined();
  });
});

describe('temporary upgrade times', () => {
  it('formats StartTime to the minute and EndTime to the hour, in UTC', () => {
    expect([formatStartTime(T0 + 5 * MINUTE), formatEndTime(T0 + 5 * HOUR)]).toEqual(['2025-06-10T12:05Z', '2025-06-10T17Z']);
  });

  it('is refused beyond the subscription lifecycle', () => {
    expect(temporaryUpgradeTimes(T0, T0 + HOUR, T0 + 2 * HOUR)).toBeUndefined();
  });

  it('ends exactly at a window end that is already on the hour and 3 h away', () => {
    expect(temporaryUpgradeTimes(T0, T0 + 3 * HOUR)).toEqual({ startTime: '2025-06-10T12:00Z', endTime: '2025-06-10T15Z', until: T0 + 3 * HOUR });
  });
});

describe('messages', () => {
  const rows = [
    { name: 'whole Mbps read without decimals', text: formatMbps(100), expected: '100 Mbps' },
    { name: 'one decimal is kept', text: formatMbps(96.25), expected: '96.2 Mbps' },
    { name: 'a percentage never rounds up across a threshold', text: formatPercent(94.96), expected: '94.9%' },
  ];
  it.each(rows)('$name', ({ text, expected }) => {
    expect(text).toBe(expected);
  });

  it('every reason code has a one-line description', () => {
    const multiLine = Object.entries(REASONS).filter(([, text]) => text.length === 0 || text.includes('\n'));

    expect(multiLine).toEqual([]);
  });
});
