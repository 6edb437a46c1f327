import { describe, expect, it } from 'vitest';
import { accrueSpend, spendCap, spendMeasureFrom, spendPeriods } from '../../src/core/spend';
import type { TrafficPoint } from '../../src/core/types';

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** 2025-06-10 20:30 in Beijing (UTC+8). */
const NOW = Date.parse('2025-06-10T12:30:00Z');
const BILLING_DAY = Date.parse('2025-06-09T16:00:00Z');
const BILLING_HOUR = Date.parse('2025-06-10T12:00:00Z');
/** 1 GB in one minute. */
const gbAt = (start: number): TrafficPoint => ({ start, end: start + MINUTE, bytes: 1e9 });

describe('billing periods', () => {
  const rows = [
    { name: 'the day starts at 00:00 UTC+8 by default', offset: undefined, expected: { hourStart: BILLING_HOUR, dayStart: BILLING_DAY } },
    { name: 'a UTC billing zone starts the day at 00:00 UTC', offset: 0, expected: { hourStart: BILLING_HOUR, dayStart: Date.parse('2025-06-10T00:00:00Z') } },
    { name: 'a half-hour zone starts the hour at :30 UTC', offset: 330, expected: { hourStart: NOW, dayStart: Date.parse('2025-06-09T18:30:00Z') } },
  ];
  it.each(rows)('$name', ({ offset, expected }) => {
    expect(spendPeriods(NOW, offset)).toEqual(expected);
  });
});

describe('accrueSpend', () => {
  it('measures a cold start from the start of the billing day and splits hour from day', () => {
    const points = [gbAt(BILLING_DAY), gbAt(BILLING_HOUR - MINUTE), gbAt(BILLING_HOUR), gbAt(BILLING_HOUR + MINUTE)];

    const spend = accrueSpend(undefined, points, NOW, 0.8);

    expect(spendMeasureFrom(undefined, NOW)).toBe(BILLING_DAY);
    expect(spend).toEqual({ hourStart: BILLING_HOUR, hourCny: 1.6, dayStart: BILLING_DAY, dayCny: 3.2, lastSampleAt: BILLING_HOUR + 2 * MINUTE });
  });

  it('never counts a point twice when a measurement is repeated after a crash', () => {
    const first = accrueSpend(undefined, [gbAt(BILLING_HOUR)], NOW, 0.8);

    const again = accrueSpend(first, [gbAt(BILLING_HOUR), gbAt(BILLING_HOUR + MINUTE)], NOW, 0.8);

    expect(again.hourCny).toBeCloseTo(1.6, 10);
    expect(again.lastSampleAt).toBe(BILLING_HOUR + 2 * MINUTE);
  });

  it('starts a new hour at zero and keeps the day', () => {
    const earlier = { hourStart: BILLING_HOUR - HOUR, hourCny: 5, dayStart: BILLING_DAY, dayCny: 7, lastSampleAt: BILLING_HOUR - MINUTE };

    const spend = accrueSpend(earlier, [gbAt(BILLING_HOUR - MINUTE), gbAt(BILLING_HOUR)], NOW, 0.8);

    expect(spend).toMatchObject({ hourStart: BILLING_HOUR, dayStart: BILLING_DAY });
    expect(spend.hourCny).toBeCloseTo(0.8, 10);
    expect(spend.dayCny).toBeCloseTo(8.6, 10);
  });

  it('ignores points not yet finished at now and negative values', () => {
    const spend = accrueSpend(
      undefined,
      [
        { start: NOW - 30_000, end: NOW + 30_000, bytes: 1e9 },
        { start: BILLING_HOUR, end: BILLING_HOUR + MINUTE, bytes: -1 },
      ],
      NOW,
      0.8,
    );

    expect(spend.dayCny).toBe(0);
  });

  const points: Array<{ name: string; point: TrafficPoint; dayCny: number; lastSampleAt: number }> = [
    { name: 'a point that ends at now counts', point: { start: NOW - MINUTE, end: NOW, bytes: 1e9 }, dayCny: 0.8, lastSampleAt: NOW },
    {
      // Otherwise an idle minute stays unmeasured, and spendCap charges it at the full bandwidth.
      name: 'a minute without traffic counts as measured',
      point: { start: BILLING_HOUR, end: BILLING_HOUR + MINUTE, bytes: 0 },
      dayCny: 0,
      lastSampleAt: BILLING_HOUR + MINUTE,
    },
    {
      name: 'a point without a byte count is ignored',
      point: { start: BILLING_HOUR, end: BILLING_HOUR + MINUTE, bytes: Number.NaN },
      dayCny: 0,
      lastSampleAt: BILLING_DAY,
    },
  ];
  it.each(points)('$name', ({ point, dayCny, lastSampleAt }) => {
    const spend = accrueSpend(undefined, [point], NOW, 0.8);

    expect(spend).toMatchObject({ dayCny, lastSampleAt });
  });

  it("starts over from the new day's start when the billing time zone changes", () => {
    // Counted under UTC+8 up to 12:02 UTC; the policy now bills in UTC, whose day started at 00:00.
    // The hour is the same one, but the new day is measured again from its start, the hour included:
    // keeping either running total would count 12:00-12:02 twice.
    const utcDay = Date.parse('2025-06-10T00:00:00Z');
    const earlier = { hourStart: BILLING_HOUR, hourCny: 1.6, dayStart: BILLING_DAY, dayCny: 5, lastSampleAt: BILLING_HOUR + 2 * MINUTE };
    const from = spendMeasureFrom(earlier, NOW, 0);

    const spend = accrueSpend(
      earlier,
      [gbAt(BILLING_HOUR - HOUR), gbAt(BILLING_HOUR), gbAt(BILLING_HOUR + MINUTE), gbAt(BILLING_HOUR + 5 * MINUTE)],
      NOW,
      0.8,
      0,
    );

    expect(from).toBe(utcDay);
    expect(spend.hourCny).toBeCloseTo(2.4, 10);
    expect(spend.dayCny).toBeCloseTo(3.2, 10);
    expect(spend).toMatchObject({ hourStart: BILLING_HOUR, dayStart: utcDay, lastSampleAt: BILLING_HOUR + 6 * MINUTE });
  });
});

describe('spendCap', () => {
  const guard = { pricePerGb: 0.8, budgetCnyPerHour: 10 };

  it('counts the time CloudMonitor has not reported yet at the full current bandwidth', () => {
    // 28 of the hour's 30 minutes measured at 9.5 CNY; 2 minutes at 20 Mbps may have cost 0.24 CNY more.
    const spend = { hourStart: BILLING_HOUR, hourCny: 9.5, dayStart: BILLING_DAY, dayCny: 9.5, lastSampleAt: NOW - 2 * MINUTE };

    const cap = spendCap(guard, spend, NOW, 20);

    expect(cap?.remainingCny).toBeCloseTo(0.26, 10);
  });

  it("near the end of the hour fits the lock to what is left of this hour and the next hour's even rate", () => {
    // 1 CNY left 60 s before the hour ends is 10,000 Mbit: this hour alone affords 166 Mbps for its
    // last 60 s, but the cap holds for the 5-minute lock, 240 s of it in the next hour, whose 10 CNY
    // is an even 27.8 Mbps: (10,000 + 27.8 × 240) / 300 = 55.
    const now = BILLING_HOUR + HOUR - MINUTE;
    const spend = { hourStart: BILLING_HOUR, hourCny: 9, dayStart: BILLING_DAY, dayCny: 9, lastSampleAt: now };

    expect(spendCap(guard, spend, now, 0)?.mbps).toBe(55);
  });

  it('never lets the next hour pay for what this hour has overspent near its end', () => {
    // 0.01 CNY (100 Mbit) left 60 s before the end: this hour affords 1.6 Mbps, so 1, however
    // generous the next hour's share of the lock would be.
    const now = BILLING_HOUR + HOUR - MINUTE;
    const spend = { hourStart: BILLING_HOUR, hourCny: 9.99, dayStart: BILLING_DAY, dayCny: 9.99, lastSampleAt: now };

    expect(spendCap(guard, spend, now, 0)?.mbps).toBe(1);
  });

  const daily = { pricePerGb: 0.8, budgetCnyPerDay: 20 };
  const rows = [
    {
      name: 'the tighter cap binds: the hour when its budget is the smaller share',
      // 30 minutes left of a 10 CNY hour: 100,000 Mbit over 1,800 s is 55.5 Mbps; the day's 1,000 CNY affords far more.
      guard: { pricePerGb: 0.8, budgetCnyPerHour: 10, budgetCnyPerDay: 1000 },
      spend: undefined,
      currentMbps: 0,
      expected: { mbps: 55, period: 'hour', remainingCny: 10, budgetCny: 10 },
    },
    {
      name: "spend of an earlier billing day does not count against today's budget",
      guard: daily,
      spend: { hourStart: BILLING_DAY - HOUR, hourCny: 30, dayStart: BILLING_DAY - 24 * HOUR, dayCny: 30, lastSampleAt: BILLING_DAY - MINUTE },
      currentMbps: 0,
      // 20 CNY = 200,000 Mbit over the day's 3.5 hours left (12,600 s) is 15.9 Mbps.
      expected: { mbps: 15, period: 'day', remainingCny: 20 },
    },
    {
      name: 'the daily budget also counts the time CloudMonitor has not reported yet at the full current bandwidth',
      guard: daily,
      // 2 minutes at 20 Mbps unmeasured: 2,400 Mbit = 0.3 GB = 0.24 CNY on top of the 5 measured.
      spend: { hourStart: BILLING_HOUR, hourCny: 1, dayStart: BILLING_DAY, dayCny: 5, lastSampleAt: NOW - 2 * MINUTE },
      currentMbps: 20,
      expected: { period: 'day', remainingCny: 14.76 },
    },
  ];
  it.each(rows)('$name', ({ guard, spend, currentMbps, expected }) => {
    const cap = spendCap(guard, spend, NOW, currentMbps);

    expect(cap).toMatchObject({ ...expected, remainingCny: expect.closeTo(expected.remainingCny, 10) });
  });
});
