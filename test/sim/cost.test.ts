import { describe, expect, it } from 'vitest';
import { hourlyBandwidthCost, intervalCost, scorePlan } from '../../src/sim/cost';

describe('price model (docs/reference/alibaba-cloud.md §8 examples)', () => {
  it.each([
    { name: 'pay-as-you-go 7 Mbps for 30 days is 583.92 CNY (doc example)', billing: 'postpaid-bandwidth' as const, mbps: 7, hours: 720, expected: 583.92 },
    { name: 'pay-as-you-go 5 Mbps stays in the low tier', billing: 'postpaid-bandwidth' as const, mbps: 5, hours: 1, expected: 0.315 },
    { name: 'subscription 2 Mbps is 46 CNY a month', billing: 'prepaid-bandwidth' as const, mbps: 2, hours: 720, expected: 46 },
    { name: 'subscription 5 Mbps is 125 CNY a month', billing: 'prepaid-bandwidth' as const, mbps: 5, hours: 720, expected: 125 },
    { name: 'subscription 7 Mbps is 125 + 2 × 80 = 285 CNY a month', billing: 'prepaid-bandwidth' as const, mbps: 7, hours: 720, expected: 285 },
    { name: 'pay-by-traffic holds bandwidth for free', billing: 'traffic' as const, mbps: 100, hours: 720, expected: 0 },
  ])('$name', ({ billing, mbps, hours, expected }) => {
    expect(hourlyBandwidthCost(billing, mbps) * hours).toBeCloseTo(expected, 6);
  });

  it('charges pay-by-traffic 0.80 CNY per GB served', () => {
    // 8 Mbit/s for 1000 s = 1 GB.
    expect(intervalCost('traffic', 100, 8, 1000)).toBeCloseTo(0.8, 9);
  });
});

describe('scorePlan', () => {
  it('counts dropped demand, saturated minutes, changes and downgrades', () => {
    const outcome = scorePlan([10, 30, 10, 10], [20, 20, 20, 10], 300, 'postpaid-bandwidth');
    expect(outcome.droppedFraction).toBeCloseTo(10 / 60, 9);
    expect(outcome.saturatedMinutes).toBe(5);
    expect(outcome.changes).toBe(1);
    expect(outcome.downgrades).toBe(1);
  });
});
