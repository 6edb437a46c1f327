// The EIP and shared-package optimum is a true lower bound: checked against exhaustive search over
// every plan on small cases (daily-max and traffic bills), and against random plans that serve all
// demand (the enhanced 95th percentile, whose range starts at 200 Mbps and is too wide to enumerate).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BillingMode, DEFAULT_PRICES, type PlanCalendar, scorePlan } from '../../src/sim/cost';
import { oraclePlan } from '../../src/sim/oracle';
import { VPC_RANGES } from '../../src/sim/vpc-billing';

const BEIJING = 480;
/** 2021-01-15 00:00 Beijing time. */
const MIDNIGHT = Date.parse('2021-01-14T16:00:00Z');
/** Eight-hour steps: 3 intervals a billing day, so two days are 6 intervals. */
const STEP = 8 * 3600;
const calendar: PlanCalendar = { startMs: MIDNIGHT, utcOffsetMinutes: BEIJING };

/** Every plan over whole levels min..top; the least cost (serving all demand) or score. */
function exhaustive(mode: BillingMode, demand: number[], min: number, top: number, penalty?: number): number {
  let best = Number.POSITIVE_INFINITY;
  const plan: number[] = new Array(demand.length);
  const walk = (i: number) => {
    if (i === demand.length) {
      const outcome = scorePlan(demand, plan, STEP, mode, DEFAULT_PRICES, calendar);
      const value = penalty === undefined ? outcome.cost : outcome.cost + penalty * outcome.droppedGb;
      if (penalty !== undefined || outcome.droppedGb === 0) best = Math.min(best, value);
      return;
    }
    for (let level = min; level <= top; level++) {
      plan[i] = level;
      walk(i + 1);
    }
  };
  walk(0);
  return best;
}

// Demand up to 2.9 Mbps: levels above 4 are never cheaper (prices only grow and nothing more is
// served), so searching 1..4 (2..4 for a package) covers every plan that could be optimal.
const TOP = 4;
const smallDemand = fc.array(fc.double({ min: 0, max: 2.9, noNaN: true }), { minLength: 6, maxLength: 6 });

describe('the EIP and package optimum against every plan (two billing days, 6 intervals)', () => {
  it.each([{ mode: 'eip-bandwidth' as const }, { mode: 'cbwp-bandwidth' as const }, { mode: 'eip-traffic' as const }])(
    '$mode: the all-demand optimum equals the least cost of every plan that drops nothing',
    ({ mode }) => {
      fc.assert(
        fc.property(smallDemand, (demand) => {
          const oracle = oraclePlan(demand, STEP, { billing: mode, maxMbps: 0, initialMbps: 0, calendar });
          const best = mode === 'eip-traffic' ? exhaustiveEnds(demand) : exhaustive(mode, demand, VPC_RANGES[mode].min, TOP);
          expect(oracle.exact).toBe(true);
          expect(scorePlan(demand, oracle.planMbps, STEP, mode, DEFAULT_PRICES, calendar).droppedGb).toBe(0);
          expect(oracle.objective).toBeCloseTo(best, 9);
        }),
        { numRuns: 25 },
      );
    },
  );

  it.each([
    { mode: 'eip-bandwidth' as const, penalty: 0.05 },
    { mode: 'cbwp-bandwidth' as const, penalty: 0.05 },
    { mode: 'eip-bandwidth' as const, penalty: 8 },
    { mode: 'eip-traffic' as const, penalty: 0.5 },
    { mode: 'eip-traffic' as const, penalty: 8 },
  ])('$mode, penalty $penalty per GB: the score optimum equals the least score of every plan', ({ mode, penalty }) => {
    fc.assert(
      fc.property(smallDemand, (demand) => {
        const oracle = oraclePlan(demand, STEP, { billing: mode, maxMbps: 0, initialMbps: 0, calendar, dropPenaltyPerGb: penalty });
        const best = mode === 'eip-traffic' ? exhaustiveEnds(demand, penalty) : exhaustive(mode, demand, VPC_RANGES[mode].min, TOP, penalty);
        expect(oracle.objective).toBeCloseTo(best, 9);
      }),
      { numRuns: 15 },
    );
  });
});

/**
 * eip-traffic: every plan over {1, 200} per interval. Per interval the bill is linear in the level up
 * to the demand and flat above it, so one of the range's ends is always among the best levels.
 */
function exhaustiveEnds(demand: number[], penalty?: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let mask = 0; mask < 1 << demand.length; mask++) {
    const plan = demand.map((_, i) => (mask & (1 << i) ? 200 : 1));
    const outcome = scorePlan(demand, plan, STEP, 'eip-traffic', DEFAULT_PRICES, calendar);
    if (penalty !== undefined) best = Math.min(best, outcome.cost + penalty * outcome.droppedGb);
    else if (outcome.droppedGb === 0) best = Math.min(best, outcome.cost);
  }
  return best;
}

describe('the enhanced-95th optimum', () => {
  /** Three billing days of five-minute samples, each day's demand one level with a few spikes. */
  const days = fc.array(
    fc.record({ base: fc.integer({ min: 0, max: 1500 }), spike: fc.integer({ min: 0, max: 3000 }), spikes: fc.integer({ min: 0, max: 8 }) }),
    { minLength: 3, maxLength: 3 },
  );
  const toDemand = (spec: Array<{ base: number; spike: number; spikes: number }>) =>
    spec.flatMap(({ base, spike, spikes }) => [...new Array(288 - spikes).fill(base), ...new Array(spikes).fill(Math.max(base, spike))]);

  it('costs no more than any plan that serves all demand (random daily levels at or above the need)', () => {
    fc.assert(
      fc.property(days, fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 3, maxLength: 3 }), (spec, extra) => {
        const demand = toDemand(spec);
        const oracle = oraclePlan(demand, 300, { billing: 'cbwp-95', maxMbps: 0, initialMbps: 0, calendar });
        const plan = spec.flatMap(({ base, spike, spikes }, d) => {
          const need = Math.max(200, Math.ceil(Math.max(base, spikes > 0 ? spike : 0)));
          return new Array(288).fill(need + (extra[d] as number));
        });
        const other = scorePlan(demand, plan, 300, 'cbwp-95', DEFAULT_PRICES, calendar);
        expect(other.droppedGb).toBe(0);
        expect(oracle.objective).toBeLessThanOrEqual(other.cost + 1e-6);
      }),
      { numRuns: 60 },
    );
  });

  it('raises a quiet day to the busy days’ level when the lower excess saves more than the higher minimum costs', () => {
    // Days at 1000, 1000 and 0 Mbps: the quiet day could sit at 200 Mbps, but then the excess is
    // measured above its 40 Mbps minimum; at 1000 Mbps the minimum (200) covers more of the peak.
    const demand = toDemand([
      { base: 1000, spike: 0, spikes: 0 },
      { base: 1000, spike: 0, spikes: 0 },
      { base: 0, spike: 0, spikes: 0 },
    ]);
    const oracle = oraclePlan(demand, 300, { billing: 'cbwp-95', maxMbps: 0, initialMbps: 0, calendar });
    expect(oracle.planMbps[2 * 288]).toBe(1000);
    const lowQuietDay = [...new Array(576).fill(1000), ...new Array(288).fill(200)];
    expect(oracle.objective).toBeLessThan(scorePlan(demand, lowQuietDay, 300, 'cbwp-95', DEFAULT_PRICES, calendar).cost);
  });

  it('says its score optimum is not exact', () => {
    const demand = new Array<number>(288).fill(300);
    const oracle = oraclePlan(demand, 300, { billing: 'cbwp-95', maxMbps: 0, initialMbps: 0, calendar, dropPenaltyPerGb: 8 });
    expect(oracle.exact).toBe(false);
  });
});
