import { describe, expect, it } from 'vitest';
import { budgetNow, statusRow } from '../../src/cli/status';
import { makePolicy, makeState } from '../fixtures/policies';

// The DOWNGRADES column of `bwscaler status` counts the budget as the policy does now
// (src/core/budget.ts), not the raw stored ledger, which keeps last month's entries and the
// provider's QuotaExceed mark until the next state write.
const JAN_20 = Date.UTC(2026, 0, 20, 12);
const FEB_2 = Date.UTC(2026, 1, 2, 12);
const monthly = makePolicy({ downgradeBudget: { quota: 3, reserve: 1, monthlyReset: true }, billingUtcOffsetMinutes: 0 });
const spentInJanuary = makeState({
  downgrades: [
    { at: JAN_20 - 3_600_000, from: 30, to: 20 },
    { at: JAN_20, from: 20, to: 10 },
  ],
  quotaExhaustedAt: JAN_20,
});
const downgradesCell = (row: string[]) => row[4];

describe('status: the downgrade budget column', () => {
  it.each([
    { name: 'inside the month the quota was spent, it says so', now: JAN_20 + 60_000, cell: '2 (0 left) (quota spent)' },
    { name: 'after the monthly reset, last month no longer counts', now: FEB_2, cell: '0 (2 left)' },
  ])('$name', ({ now, cell }) => {
    const row = statusRow({ instanceId: 'i-1', policy: monthly.name, state: spentInJanuary, stored: true, budget: budgetNow(spentInJanuary, monthly, now) });
    expect(downgradesCell(row)).toBe(cell);
  });

  it('without a policy it shows the stored ledger and says the quota was spent once, not that it is spent now', () => {
    const row = statusRow({ instanceId: 'i-1', state: spentInJanuary, stored: true });
    expect(downgradesCell(row)).toBe('2 (quota spent once)');
  });
});
