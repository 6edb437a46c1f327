// What the metric rules recommend from one sample, read directly: the rule that applies at each edge
// of its band, the reason code, and the message an operator reads next to it. decide() tests reach
// these through the guards; the mutation run (README "Mutation testing") showed the band edges and
// most of the wording could change with every decide() test still green.
import { describe, expect, it } from 'vitest';
import { highestRecommendation, type MetricRecommendation, recommendFromMetric, trimRecommendations, wouldScaleUp } from '../../src/core/metric';
import type { Policy } from '../../src/core/types';
import { MINUTE, makePolicy, T0 } from '../fixtures/policies';

type Rules = Pick<Policy, 'saturation' | 'stepRules' | 'targetTracking'>;

const Mbps = 1_000_000;
const rulesOf = (overrides: Partial<Rules> = {}): Rules => ({
  saturation: { thresholdPercent: 95, adjust: { type: 'multiply', factor: 2 } },
  stepRules: [],
  ...overrides,
});
const tracking = { targetUtilization: 70, tolerance: 10 };

describe('recommendFromMetric', () => {
  const rows: Array<{ name: string; rules: Rules; outMbps: number; current: number; expected: MetricRecommendation }> = [
    {
      name: 'at 0 Mbps nothing is served: hold without a metric',
      rules: rulesOf({ targetTracking: tracking }),
      outMbps: 0,
      current: 0,
      expected: { mbps: 0, reason: 'NO_METRIC', message: 'at 0 Mbps nothing is served, so utilisation says nothing about demand' },
    },
    {
      name: 'served exactly at the saturation threshold is saturated',
      rules: rulesOf({ targetTracking: tracking }),
      outMbps: 9.5,
      current: 10,
      expected: { mbps: 20, reason: 'SATURATED_STEP_UP', message: 'served 9.5 Mbps is 95% of 10 Mbps (>= 95%): demand unknown, doubling to 20 Mbps' },
    },
    {
      name: 'saturation steps up by at least 1 Mbps, whatever its adjustment says',
      rules: rulesOf({ saturation: { thresholdPercent: 95, adjust: { type: 'set', mbps: 5 } } }),
      outMbps: 10,
      current: 10,
      expected: { mbps: 11, reason: 'SATURATED_STEP_UP', message: 'served 10 Mbps is 100% of 10 Mbps (>= 95%): demand unknown, setting 11 Mbps' },
    },
    {
      name: 'saturation names an added step',
      rules: rulesOf({ saturation: { thresholdPercent: 95, adjust: { type: 'add', mbps: 5 } } }),
      outMbps: 10,
      current: 10,
      expected: { mbps: 15, reason: 'SATURATED_STEP_UP', message: 'served 10 Mbps is 100% of 10 Mbps (>= 95%): demand unknown, adding 5 Mbps, to 15 Mbps' },
    },
    {
      name: 'saturation names a factor other than 2',
      rules: rulesOf({ saturation: { thresholdPercent: 95, adjust: { type: 'multiply', factor: 1.5 } } }),
      outMbps: 10,
      current: 10,
      expected: { mbps: 15, reason: 'SATURATED_STEP_UP', message: 'served 10 Mbps is 100% of 10 Mbps (>= 95%): demand unknown, ×1.5 to 15 Mbps' },
    },
    {
      name: 'a step band applies from its lower edge, and says which band',
      rules: rulesOf({ stepRules: [{ from: 20, to: 30, adjust: { type: 'add', mbps: -2 } }], targetTracking: tracking }),
      outMbps: 2,
      current: 10,
      expected: { mbps: 8, reason: 'SCALE_DOWN', message: 'served 2 Mbps is 20% of 10 Mbps, in step band [20%, 30%): removing 2 Mbps, to 8 Mbps' },
    },
    {
      name: 'a step band stops short of its upper edge: target tracking decides there',
      rules: rulesOf({ stepRules: [{ from: 20, to: 30, adjust: { type: 'add', mbps: -2 } }], targetTracking: tracking }),
      outMbps: 3,
      current: 10,
      expected: { mbps: 5, reason: 'SCALE_DOWN', message: 'served 3 Mbps is 30% of 10 Mbps: the 70% target needs 5 Mbps' },
    },
    {
      name: 'an open-ended top band reads as >= its lower edge',
      rules: rulesOf({ stepRules: [{ from: 80, to: Number.POSITIVE_INFINITY, adjust: { type: 'add', mbps: 5 } }] }),
      outMbps: 8.5,
      current: 10,
      expected: { mbps: 15, reason: 'SCALE_UP', message: 'served 8.5 Mbps is 85% of 10 Mbps, in step band >= 80%: adding 5 Mbps, to 15 Mbps' },
    },
    {
      name: 'a band that sets the current bandwidth is at target',
      rules: rulesOf({ stepRules: [{ from: 40, to: 60, adjust: { type: 'set', mbps: 10 } }] }),
      outMbps: 5,
      current: 10,
      expected: { mbps: 10, reason: 'AT_TARGET', message: 'served 5 Mbps is 50% of 10 Mbps, in step band [40%, 60%): setting 10 Mbps' },
    },
    {
      name: 'the tolerance band includes its edges',
      rules: rulesOf({ targetTracking: tracking }),
      outMbps: 8,
      current: 10,
      expected: { mbps: 10, reason: 'WITHIN_TOLERANCE', message: 'served 8 Mbps is 80% of 10 Mbps, within 70% ± 10 points' },
    },
    {
      name: 'with no rule that applies, hold',
      rules: rulesOf(),
      outMbps: 5,
      current: 10,
      expected: { mbps: 10, reason: 'AT_TARGET', message: 'served 5 Mbps is 50% of 10 Mbps: no rule applies' },
    },
  ];
  it.each(rows)('$name', ({ rules, outMbps, current, expected }) => {
    expect(recommendFromMetric(rules, outMbps * Mbps, current)).toEqual(expected);
  });
});

describe('wouldScaleUp at 0 Mbps', () => {
  it.each([
    { name: 'some demand would', outBps: 1, trips: true },
    { name: 'no demand would not', outBps: 0, trips: false },
  ])('$name', ({ outBps, trips }) => {
    expect(wouldScaleUp(makePolicy(), outBps, 0)).toBe(trips);
  });
});

describe('the recommendations the stabilisation reads', () => {
  it('keeps both edges of the window: a recommendation made exactly at its start, and one made now', () => {
    const recs = [
      { at: T0 - 5 * MINUTE - 1, mbps: 1 },
      { at: T0 - 5 * MINUTE, mbps: 2 },
      { at: T0, mbps: 3 },
    ];

    expect(trimRecommendations(recs, T0, 300)).toEqual([recs[1], recs[2]]);
  });

  it('keeps at most a day of one-minute recommendations, the newest', () => {
    const recs = Array.from({ length: 1500 }, (_, i) => ({ at: T0 - i * MINUTE, mbps: i }));

    const kept = trimRecommendations(recs, T0, 7 * 86_400);

    expect(kept).toHaveLength(1440);
    expect([kept[0], kept.at(-1)]).toEqual([recs[1439], recs[0]]);
  });

  it('has no highest recommendation when there is none', () => {
    expect(highestRecommendation([])).toBeUndefined();
  });
});
