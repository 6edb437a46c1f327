import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hourlyBandwidthCost, scorePlan } from '../../src/sim/cost';
import { oraclePlan } from '../../src/sim/oracle';

/** Exhaustive search over every plan, for tiny inputs: the oracle must match it. */
function bruteForce(demand: number[], levels: number[], initial: number, quota: number): number {
  let best = Number.POSITIVE_INFINITY;
  const walk = (i: number, previous: number, used: number, cost: number) => {
    if (i === demand.length) {
      best = Math.min(best, cost);
      return;
    }
    for (const level of levels) {
      if (level < Math.ceil((demand[i] as number) - 1e-9)) continue;
      const spent = used + (level < previous ? 1 : 0);
      if (spent > quota) continue;
      walk(i + 1, level, spent, cost + hourlyBandwidthCost('prepaid-bandwidth', level) * (300 / 3600));
    }
  };
  walk(0, initial, 0, 0);
  return best;
}

describe('oraclePlan', () => {
  it('serves every interval with the smallest whole Mbps when changes are free (pay-as-you-go)', () => {
    const demand = [1.2, 7.9, 3, 15.0000000001];
    const { planMbps } = oraclePlan(demand, 300, { billing: 'postpaid-bandwidth', minMbps: 1, maxMbps: 100, initialMbps: 10 });
    expect(planMbps).toEqual([2, 8, 3, 15]);
  });

  it('holds one level for a whole lock period when the trace is finer than the lock', () => {
    const demand = [1, 9, 2, 2, 2, 3, 1, 1, 1, 1];
    const { planMbps } = oraclePlan(demand, 60, { billing: 'postpaid-bandwidth', minMbps: 1, maxMbps: 100, initialMbps: 1 });
    expect(planMbps).toEqual([9, 9, 9, 9, 9, 3, 3, 3, 3, 3]);
  });

  it('never drops demand that fits under the upper bound, and clips what does not', () => {
    const { planMbps } = oraclePlan([50, 150], 300, { billing: 'postpaid-bandwidth', minMbps: 1, maxMbps: 100, initialMbps: 1 });
    expect(planMbps).toEqual([50, 100]);
  });

  it('spends no more subscription downgrades than the quota', () => {
    const demand = [20, 2, 20, 2, 20, 2, 20, 2];
    const { planMbps } = oraclePlan(demand, 300, {
      billing: 'prepaid-bandwidth',
      minMbps: 1,
      maxMbps: 30,
      initialMbps: 20,
      downgradeQuota: 2,
    });
    expect(scorePlan(demand, planMbps, 300, 'prepaid-bandwidth').downgrades).toBeLessThanOrEqual(2);
    expect(planMbps.every((mbps, i) => mbps >= (demand[i] as number))).toBe(true);
  });

  it('matches an exhaustive search on small subscription cases (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 2 }),
        (demand, initial, quota) => {
          const { planMbps } = oraclePlan(demand, 300, {
            billing: 'prepaid-bandwidth',
            minMbps: 1,
            maxMbps: 6,
            initialMbps: initial,
            downgradeQuota: quota,
          });
          const withInitial = [initial, ...planMbps];
          const downgrades = withInitial.slice(1).filter((mbps, i) => mbps < (withInitial[i] as number)).length;
          expect(downgrades).toBeLessThanOrEqual(quota);
          const cost = scorePlan(demand, planMbps, 300, 'prepaid-bandwidth').cost;
          expect(cost).toBeCloseTo(bruteForce(demand, [1, 2, 3, 4, 5, 6], initial, quota), 9);
        },
      ),
      { numRuns: 300 },
    );
  });
});
