// The monthly downgrade quota: months start in the billing time zone, and a provider QuotaExceed
// blocks downgrades until the next reset, not for the rest of the subscription.
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/core';
import { downgradesLeft, nextQuotaReset, quotaExhausted, startOfBillingMonth } from '../../src/core/budget';
import { parsePolicyDocument } from '../../src/policy/load';
import { makeInstance, makeState, tickOf } from '../fixtures/policies';
import { documentWith } from '../policy/helpers';

const [POLICY] = parsePolicyDocument(documentWith({ targetTracking: {}, scaleDown: { stabilization: 0, minHold: 0 } }), 'test.yaml').policies;
/** 2025-07-01 00:30 in Beijing: the first half hour of July there, still June in UTC. */
const JULY_FIRST_BEIJING = Date.parse('2025-06-30T16:30:00Z');

describe('the monthly downgrade quota (the default)', () => {
  it('starts a month at 00:00 on the 1st in UTC+8', () => {
    expect(startOfBillingMonth(JULY_FIRST_BEIJING)).toBe(Date.parse('2025-06-30T16:00:00Z'));
    expect(nextQuotaReset(POLICY as NonNullable<typeof POLICY>, Date.parse('2025-06-15T00:00:00Z'))).toBe(Date.parse('2025-06-30T16:00:00Z'));
  });

  it('treats a provider QuotaExceed as exhausted until the next reset, and lifts it there', () => {
    const policy = POLICY as NonNullable<typeof POLICY>;
    const state = makeState({ quotaExhaustedAt: Date.parse('2025-06-20T03:00:00Z'), downgrades: [] });

    expect(quotaExhausted(state, policy, Date.parse('2025-06-30T15:59:59Z'))).toBe(true);
    expect(quotaExhausted(state, policy, JULY_FIRST_BEIJING)).toBe(false);
    expect(downgradesLeft(state, policy, JULY_FIRST_BEIJING, false)).toBe(2);
  });

  it('lets a subscription scale down again in the month after a QuotaExceed', () => {
    const policy = POLICY as NonNullable<typeof POLICY>;
    const instance = makeInstance({ instanceChargeType: 'PrePaid', internetChargeType: 'PayByBandwidth', bandwidthOut: 50 });
    const state = makeState({ quotaExhaustedAt: Date.parse('2025-06-20T03:00:00Z'), downgrades: [] });

    const blocked = decide({
      now: Date.parse('2025-06-30T12:00:00Z'),
      policy,
      instance,
      state,
      signal: tickOf(5, Date.parse('2025-06-30T12:00:00Z')),
      activeWindows: [],
    });
    const july = decide({ now: JULY_FIRST_BEIJING, policy, instance, state, signal: tickOf(5, JULY_FIRST_BEIJING), activeWindows: [] });

    expect(blocked.reason).toBe('DOWNGRADE_BUDGET');
    expect(blocked.message).toContain('it resets at 2025-06-30T16:00:00');
    expect(july.isDowngrade).toBe(true);
  });
});
