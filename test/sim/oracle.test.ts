// The hindsight optimum is a true lower bound: checked against exhaustive search over every plan on
// small cases, per billing mode, for both objectives (cost serving all demand; score = cost + penalty
// × dropped GB).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BILLINGS, type Billing, DEFAULT_PRICES, droppedGigabytes, intervalCost, scorePlan } from '../../src/sim/cost';
import { oraclePlan } from '../../src/sim/oracle';

interface Rules {
  /** Intervals a change holds (the 5-minute lock at this step). */
  lock: number;
  /** Downgrades neither lock nor spend quota (the subscription relaxation). */
  freeDowngrades: boolean;
  /** Downgrades allowed (strict subscription model); undefined = unlimited. */
  quota?: number;
}

/** Every plan over levels 0..max under `rules`; the least objective. */
function exhaustive(demand: number[], step: number, billing: Billing, max: number, initial: number, rules: Rules, penalty?: number): number {
  let best = Number.POSITIVE_INFINITY;
  const intervalObjective = (i: number, level: number) => {
    const d = demand[i] as number;
    if (penalty === undefined && level < Math.min(max, Math.ceil(d - 1e-9))) return Number.POSITIVE_INFINITY;
    const c = intervalCost(billing, level, Math.min(d, level), step);
    return penalty === undefined ? c : c + penalty * droppedGigabytes(d, level, step);
  };
  const walk = (i: number, previous: number, locked: number, used: number, total: number) => {
    if (total >= best) return;
    if (i === demand.length) {
      best = total;
      return;
    }
    for (let level = 0; level <= max; level++) {
      const changes = level !== previous;
      if (changes && locked > 0) continue;
      const down = level < previous;
      if (changes && down && !rules.freeDowngrades && rules.quota !== undefined && used >= rules.quota) continue;
      const nextLocked = changes && !(down && rules.freeDowngrades) ? rules.lock - 1 : Math.max(0, locked - 1);
      const c = intervalObjective(i, level);
      if (c === Number.POSITIVE_INFINITY) continue;
      walk(i + 1, level, nextLocked, used + (changes && down ? 1 : 0), total + c);
    }
  };
  walk(0, initial, 0, 0, 0);
  return best;
}

const MAX = 4;
const STEP = 60;
const LOCK = 5;
const cases = fc.record({
  demand: fc.array(
    fc.integer({ min: 0, max: 50 }).map((tenths) => tenths / 10),
    { minLength: 1, maxLength: 8 },
  ),
  initial: fc.integer({ min: 0, max: MAX }),
  quota: fc.integer({ min: 0, max: 2 }),
});

describe('oraclePlan: the hindsight optimum per billing mode', () => {
  for (const billing of BILLINGS) {
    const exactRules: Rules = { lock: LOCK, freeDowngrades: billing === 'prepaid-bandwidth' };

    it(`${billing}: equals exhaustive search under its rules, for cost and for score (property)`, () => {
      fc.assert(
        fc.property(cases, ({ demand, initial }) => {
          const cost = oraclePlan(demand, STEP, { billing, maxMbps: MAX, initialMbps: initial });
          const score = oraclePlan(demand, STEP, { billing, maxMbps: MAX, initialMbps: initial, dropPenaltyPerGb: 8 });
          expect(cost.objective).toBeCloseTo(exhaustive(demand, STEP, billing, MAX, initial, exactRules), 9);
          expect(score.objective).toBeCloseTo(exhaustive(demand, STEP, billing, MAX, initial, exactRules, 8), 9);
          // The plan it returns scores what it claims.
          expect(scorePlan(demand, cost.planMbps, STEP, billing).cost).toBeCloseTo(cost.objective, 9);
          expect(scorePlan(demand, score.planMbps, STEP, billing).score).toBeCloseTo(score.objective, 9);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('prepaid-bandwidth: never exceeds the strict optimum (every change locks, downgrades spend the quota) (property)', () => {
    fc.assert(
      fc.property(cases, ({ demand, initial, quota }) => {
        const strict: Rules = { lock: LOCK, freeDowngrades: false, quota };
        const cost = oraclePlan(demand, STEP, { billing: 'prepaid-bandwidth', maxMbps: MAX, initialMbps: initial }).objective;
        const score = oraclePlan(demand, STEP, { billing: 'prepaid-bandwidth', maxMbps: MAX, initialMbps: initial, dropPenaltyPerGb: 8 }).objective;
        expect(cost).toBeLessThanOrEqual(exhaustive(demand, STEP, 'prepaid-bandwidth', MAX, initial, strict) + 1e-9);
        expect(score).toBeLessThanOrEqual(exhaustive(demand, STEP, 'prepaid-bandwidth', MAX, initial, strict, 8) + 1e-9);
      }),
      { numRuns: 150 },
    );
  });

  it('solves the lock exactly at one-minute resolution instead of taking 5-minute block maxima', () => {
    // A 9 Mbps spike in minute 1: blocks aligned at minute 0 would hold 9 for minutes 0-4; the exact
    // optimum moves to 9 at minute 1 and back down at minute 6.
    const demand = [1, 9, 2, 2, 2, 2, 1, 1, 1, 1];
    const { planMbps } = oraclePlan(demand, 60, { billing: 'postpaid-bandwidth', maxMbps: 100, initialMbps: 1 });
    expect(planMbps).toEqual([1, 9, 9, 9, 9, 9, 1, 1, 1, 1]);
  });

  it('serves pay-by-traffic demand at the API maximum, whatever the policy bounds', () => {
    const { planMbps, objective } = oraclePlan([75, 75, 120], 300, { billing: 'traffic', maxMbps: 100, initialMbps: 20 });
    expect(planMbps[2]).toBe(100);
    expect(objective).toBeCloseTo(scorePlan([75, 75, 120], [100, 100, 100], 300, 'traffic').cost, 9);
  });

  it('costs no more than any plan that drops nothing, and scores no more than any plan at all (property)', () => {
    // Random plans that obey the lock (every change holds for 5 one-minute intervals), per billing mode.
    const plans = fc.record({
      billing: fc.constantFrom(...BILLINGS),
      demand: fc.array(
        fc.integer({ min: 0, max: 300 }).map((tenths) => tenths / 10),
        { minLength: 1, maxLength: 40 },
      ),
      segments: fc.array(fc.record({ level: fc.integer({ min: 0, max: 40 }), hold: fc.integer({ min: LOCK, max: 12 }) }), { minLength: 1, maxLength: 10 }),
    });
    fc.assert(
      fc.property(plans, ({ billing, demand, segments }) => {
        const plan: number[] = [];
        for (const { level, hold } of segments) for (let k = 0; k < hold && plan.length < demand.length; k++) plan.push(level);
        while (plan.length < demand.length) plan.push(plan.at(-1) as number);
        const options = { billing, maxMbps: 100, initialMbps: plan[0] as number };
        const outcome = scorePlan(demand, plan, STEP, billing);
        const scoreBound = oraclePlan(demand, STEP, { ...options, dropPenaltyPerGb: DEFAULT_PRICES.dropPenaltyPerGb }).objective;
        expect(outcome.score).toBeGreaterThanOrEqual(scoreBound - 1e-9);
        if (outcome.droppedGb === 0) expect(outcome.cost).toBeGreaterThanOrEqual(oraclePlan(demand, STEP, options).objective - 1e-9);
      }),
      { numRuns: 200 },
    );
  });
});
