// The budget's edges the mutation run (README "Mutation testing") found untested: a QuotaExceed at the
// very first millisecond of a billing month, the reset of a lifetime quota and of a UTC-billed account,
// and a ledger that holds more downgrades than the policy allows.
import { describe, expect, it } from 'vitest';
import { downgradesLeft, nextQuotaReset, quotaExhausted, startOfBillingMonth, startOfUtcMonth } from '../../src/core/budget';
import { HOUR, makePolicy, makeState, T0 } from '../fixtures/policies';

/** 2025-06-01 00:00 in UTC+8, the start of T0's billing month. */
const JUNE_BEIJING = Date.UTC(2025, 5, 1) - 8 * HOUR;

describe('the downgrade budget at its edges', () => {
  it.each([
    { name: 'counts a QuotaExceed at 00:00 on the 1st as this month’s', at: JUNE_BEIJING, exhausted: true },
    { name: 'clears a QuotaExceed a millisecond before the month began', at: JUNE_BEIJING - 1, exhausted: false },
  ])('$name', ({ at, exhausted }) => {
    const policy = makePolicy({ downgradeBudget: { monthlyReset: true } });
    const state = makeState({ quotaExhaustedAt: at });

    expect(quotaExhausted(state, policy, T0)).toBe(exhausted);
    expect(downgradesLeft(state, policy, T0, true)).toBe(exhausted ? 0 : 3);
  });

  it('never resets a lifetime quota', () => {
    expect(nextQuotaReset(makePolicy({ downgradeBudget: { monthlyReset: false } }), T0)).toBeUndefined();
  });

  it('resets a UTC-billed quota at 00:00 UTC on the 1st of the next month, not in UTC+8', () => {
    const policy = makePolicy({ downgradeBudget: { monthlyReset: true }, billingUtcOffsetMinutes: 0 });
    const lastHourOfJune = Date.UTC(2025, 5, 30, 23);

    expect(nextQuotaReset(policy, lastHourOfJune)).toBe(Date.UTC(2025, 6, 1));
    expect(startOfUtcMonth(lastHourOfJune)).toBe(Date.UTC(2025, 5, 1));
    expect(startOfBillingMonth(lastHourOfJune)).toBe(Date.UTC(2025, 6, 1) - 8 * HOUR);
  });

  it('leaves none, never a negative count, when the ledger holds more than the quota', () => {
    const policy = makePolicy({ downgradeBudget: { quota: 3, reserve: 1, monthlyReset: false } });
    const state = makeState({ downgrades: [1, 2, 3, 4].map((n) => ({ at: T0 - n * HOUR, from: 20, to: 10 })) });

    expect([downgradesLeft(state, policy, T0, false), downgradesLeft(state, policy, T0, true)]).toEqual([0, 0]);
  });
  it('resets a quota exhausted in the first hours of a Beijing month at the start of the next one', () => {
    // 2025-06-30 20:00 UTC is 04:00 on 1 July in UTC+8: the next reset is 1 August, 00:00 UTC+8.
    const policy = makePolicy({ downgradeBudget: { monthlyReset: true } });
    expect(nextQuotaReset(policy, Date.UTC(2025, 5, 30, 20))).toBe(Date.UTC(2025, 7, 1) - 8 * HOUR);
  });
});
