// The predictive policy's edges (src/core/predictive.ts), found by mutation testing: where a sample
// reads as censored, which samples a look-back or a peak window includes, the saving a scale-down
// needs, and what the decision's message says. Each table names the behaviour at its boundary.
import { describe, expect, it } from 'vitest';
import type { MetricRecommendation } from '../../src/core/metric';
import {
  censoredSteps,
  changesSince,
  demandEstimate,
  estimateDayLength,
  lookBack,
  predict,
  predictiveRecommendation,
  recentPeak,
  riseFactor,
  volatility,
} from '../../src/core/predictive';
import type { HistorySample, PredictiveConfig } from '../../src/core/types';
import { MINUTE, PREDICTIVE_CONFIG, T0 } from '../fixtures/policies';

const STEP = 5 * MINUTE;

const CONFIG = PREDICTIVE_CONFIG;

/** No percentage margins and no small-bandwidth widening: the band's levels are the demand itself. */
const BARE: PredictiveConfig = { ...CONFIG, triggerPercent: 0, setPercent: 0, smallMbps: 0 };

const PLAIN: MetricRecommendation = { mbps: 0, reason: 'WITHIN_TOLERANCE', message: 'plain' };

/** Samples one step apart ending one step before T0 (oldest first), as [mbps, cap] pairs. */
const samplesOf = (pairs: Array<[number, number]>): HistorySample[] => pairs.map(([mbps, cap], i) => ({ at: T0 - (pairs.length - i) * STEP, mbps, cap }));

describe('demandEstimate: a served sample read as demand', () => {
  it.each([
    { name: 'under the censored share of its cap: itself', mbps: 40, cap: 100, expected: 40 },
    { name: 'exactly at the censored share (98 %): the cap + 1 Mbps', mbps: 49, cap: 50, expected: 51 },
    { name: 'above the cap + 1 Mbps: itself', mbps: 60, cap: 50, expected: 60 },
    { name: 'an unknown cap (0): itself, however small', mbps: 0.5, cap: 0, expected: 0.5 },
  ])('$name', ({ mbps, cap, expected }) => {
    expect(demandEstimate(CONFIG, mbps, cap)).toBe(expected);
  });
});

describe('recentPeak: the censored reading and the look-back edges', () => {
  // Look-back 10 min at T0: samples at T0 - 10 min and later are in it.
  it.each([
    { name: 'a sample exactly at 98 % of its cap reads as the cap + 1', samples: samplesOf([[49, 50]]), lookBack: 600, expected: 51 },
    { name: 'a sample under the share reads as itself', samples: samplesOf([[30, 100]]), lookBack: 600, expected: 30 },
    { name: 'an unknown cap (0) reads as the sample', samples: samplesOf([[0.5, 0]]), lookBack: 600, expected: 0.5 },
    {
      name: 'the oldest sample of the array counts',
      samples: samplesOf([
        [30, 100],
        [10, 100],
      ]),
      lookBack: 600,
      expected: 30,
    },
    {
      name: 'a sample exactly at the start of the look-back counts',
      samples: [{ at: T0 - 600_000, mbps: 30, cap: 100 }],
      lookBack: 600,
      expected: 30,
    },
    {
      name: 'beyond the base look-back, held share 0: a censored sample reads as the cap + 1',
      samples: [{ at: T0 - 3_600_000, mbps: 49, cap: 50 }, ...samplesOf([[10, 100]])],
      lookBack: 7200,
      expected: 51,
    },
  ])('$name', ({ samples, lookBack, expected }) => {
    expect(recentPeak(CONFIG, samples, T0, lookBack, 0.1)).toBe(expected);
  });

  // holdPercent 50 over a 2-hour look-back: the level reached in at least half of its samples.
  it.each([
    {
      name: 'censored samples read as the cap + 1 in the held share',
      samples: samplesOf([
        [49, 50],
        [49, 50],
        [1, 100],
      ]),
      expected: 51,
    },
    {
      name: 'a sample exactly at the look-back start is one of its samples',
      samples: [{ at: T0 - 7_200_000, mbps: 40, cap: 100 }, { at: T0 - 7_200_000 + 1, mbps: 40, cap: 100 }, ...samplesOf([[1, 100]])],
      expected: 40,
    },
  ])('holdPercent 50: $name', ({ samples, expected }) => {
    expect(recentPeak({ ...CONFIG, lookBackSeconds: 0, holdPercent: 50 }, samples, T0, 7200, 0.1)).toBe(expected);
  });
});

describe('predict: the edges of the band and of a scale-down', () => {
  // Flat history at 10 Mbps (a peak of 10) unless said; BARE margins: the scale-down level is the recent peak.
  const flat10 = samplesOf(Array.from({ length: 4 }, (): [number, number] => [10, 100]));
  it.each([
    {
      name: 'a cap exactly at the trigger level is inside the band (no scale-up)',
      config: { ...CONFIG, triggerPercent: 0, triggerMbps: 2 },
      samples: samplesOf([[40, 100]]),
      sample: 40,
      current: 42,
      expected: 42,
    },
    {
      name: 'a saving exactly the share of the peak is enough',
      config: { ...BARE, scaleDownPercentOfPeak: 10 },
      samples: flat10,
      sample: 20,
      current: 22,
      expected: 20,
    },
    {
      name: 'a saving under the share of this demand (the peak) holds, whatever the older samples',
      config: { ...BARE, scaleDownPercentOfPeak: 10 },
      samples: flat10,
      sample: 20,
      current: 21,
      expected: 21,
    },
    {
      name: 'a peak-window sample whose share is exactly the saving does not hold',
      config: { ...BARE, scaleDownPercentOfPeak: 50, lookBackSeconds: 0 },
      samples: [{ at: T0 - 86_400_000, mbps: 50, cap: 100 }, ...flat10],
      sample: 10,
      current: 35,
      expected: 10,
    },
    {
      name: 'a censored peak-window sample reads as the cap + 1: half of 51 is over a 25 Mbps saving, hold',
      config: { ...BARE, scaleDownPercentOfPeak: 50, lookBackSeconds: 0 },
      samples: [{ at: T0 - 86_400_000, mbps: 49, cap: 50 }, ...flat10],
      sample: 10,
      current: 35,
      expected: 35,
    },
    {
      name: 'a peak exactly at the start of the peak window holds',
      config: { ...BARE, scaleDownPercentOfPeak: 50, lookBackSeconds: 0, peakWindowSeconds: 86_400 },
      samples: [{ at: T0 - 86_400_000, mbps: 60, cap: 100 }, ...flat10],
      sample: 10,
      current: 35,
      expected: 35,
    },
    {
      name: 'a peak just before the peak window does not',
      config: { ...BARE, scaleDownPercentOfPeak: 50, lookBackSeconds: 0, peakWindowSeconds: 86_400 },
      samples: [{ at: T0 - 86_400_001, mbps: 60, cap: 100 }, ...flat10],
      sample: 10,
      current: 35,
      expected: 10,
    },
    {
      name: 'a sample exactly at 98 % of the cap is censored: up past the cap',
      config: BARE,
      samples: flat10,
      sample: 49,
      current: 50,
      expected: 60,
    },
  ])('$name', ({ config, samples, sample, current, expected }) => {
    expect(predict(config, { samples }, sample, current, T0).reactive).toBe(expected);
  });

  // 4 cap changes in the last day against a budget of 1: every scale-down must save 4 times more,
  // the 1 Mbps minimum included (the share of a 10 Mbps peak, 4 × 3 % of it, is under 2 Mbps).
  const busy = samplesOf([
    [10, 20],
    [10, 21],
    [10, 20],
    [10, 21],
    [10, 20],
  ]);
  it.each([
    { name: 'a 3 Mbps saving is under 4 × 1 Mbps: hold', current: 13, expected: 13 },
    { name: 'a 4 Mbps saving is exactly 4 × 1 Mbps: down', current: 14, expected: 10 },
  ])('over the changes budget: $name', ({ current, expected }) => {
    const p = predict({ ...BARE, changesPerDay: 1 }, { samples: busy }, 10, current, T0);

    expect(p.scaleDownStrictness).toBe(4);
    expect(p.reactive).toBe(expected);
  });

  it('a cap of 0 (unknown) is never read as saturated', () => {
    expect(predict(BARE, { samples: samplesOf([[0, 0]]) }, 0, 0, T0).censored).toBe(false);
  });

  it('without a changes budget the changes are not counted', () => {
    expect(predict(BARE, { samples: busy }, 10, 14, T0).changesInDay).toBeUndefined();
  });

  it('a rise seen only over the scale-up horizon raises the forecast (the scale-down one seeing none)', () => {
    // 14 days of 40 Mbps, 44 Mbps from 10 to 20 minutes after this time of day; downHorizon 5 minutes sees none of it.
    const day = 86_400_000;
    const samples: HistorySample[] = [];
    for (let at = T0 - 14 * day; at < T0; at += STEP) {
      const into = (((at - T0) % day) + day) % day;
      samples.push({ at, mbps: into >= 10 * MINUTE && into <= 20 * MINUTE ? 44 : 40, cap: 100 });
    }
    const seasonal = { days: 14, minDays: 7, horizonSeconds: 1800, downHorizonSeconds: 300, maxRise: 1.2, dayLengthSeconds: 86_400 };

    const p = predict({ ...CONFIG, seasonal }, { samples }, 40, 41, T0);

    expect(p.riseFactor).toBeCloseTo(1.1, 9);
    expect(p.reactive).toBe(Math.ceil(40 * 1.093));
    expect(p.forecast).toBe(Math.ceil(44 * 1.093));
  });
});

describe('censoredSteps and changesSince at their edges', () => {
  it.each([
    { name: 'a sample exactly at 98 % of its cap continues the run', samples: samplesOf([[49, 50]]), current: 60, steps: 1 },
    {
      name: 'an unknown cap (0) ends the run',
      samples: samplesOf([
        [5, 20],
        [5, 0],
      ]),
      current: 20,
      steps: 0,
    },
  ])('censoredSteps: $name', ({ samples, current, steps }) => {
    expect(censoredSteps(CONFIG, samples, current)).toBe(steps);
  });

  it('changesSince: a change from the oldest sample, exactly at `from`, counts', () => {
    const samples = [52, 50, 50].map((cap, i) => ({ at: T0 + i * STEP, mbps: 10, cap }));

    expect(changesSince(samples, T0)).toBe(1);
  });
});

describe("predictiveRecommendation: the decision's reason and message", () => {
  const flat40 = samplesOf([
    [40, 100],
    [40, 100],
  ]);
  const seasonal = { days: 14, minDays: 7, horizonSeconds: 1800, maxRise: 1.1, dayLengthSeconds: 84_900 };
  const tail = (profile: string) => `(rise ×1.000${profile}, day 23h35m; seasonal: 0 of 7 days of history needed), reactive 42 Mbps, forecast-only`;
  it.each([
    {
      name: 'inside the band: hold, and say so',
      config: CONFIG,
      samples: flat40,
      sample: 40,
      current: 42,
      reason: 'WITHIN_TOLERANCE',
      message: 'served 40 Mbps: 42 Mbps is inside the band; forecast 42 Mbps (rise ×1.000), reactive 42 Mbps, forecast-only',
    },
    {
      name: 'under the trigger, not at the cap: a plain scale-up',
      config: CONFIG,
      samples: flat40,
      sample: 40,
      current: 41,
      reason: 'SCALE_UP',
      message: 'served 40 Mbps: up to 44 Mbps; forecast 44 Mbps (rise ×1.000), reactive 44 Mbps, forecast-only',
    },
    {
      name: 'over the band: down to the recent peak, the look-back said',
      config: CONFIG,
      samples: flat40,
      sample: 40,
      current: 60,
      reason: 'SCALE_DOWN',
      message: 'served 40 Mbps, recent peak within 10 min: down to 44 Mbps; forecast 44 Mbps (rise ×1.000), reactive 44 Mbps, forecast-only',
    },
    {
      name: 'at the cap with no step filled yet: the reading said, without steps',
      config: CONFIG,
      samples: samplesOf([
        [40, 100],
        [40, 100],
      ]),
      sample: 50,
      current: 50,
      reason: 'SATURATED_STEP_UP',
      message:
        'served 50 Mbps (at the cap: demand at least that, read as +20 %): up to 66 Mbps; forecast 66 Mbps (rise ×1.000), reactive 66 Mbps, forecast-only',
    },
    {
      name: 'the median profile on a configured day: the day and the missing history said',
      config: { ...CONFIG, seasonal },
      samples: flat40,
      sample: 40,
      current: 42,
      reason: 'WITHIN_TOLERANCE',
      message: `served 40 Mbps: 42 Mbps is inside the band; forecast 42 Mbps ${tail('')}`,
    },
    {
      name: 'every profile option said',
      config: { ...CONFIG, seasonal: { ...seasonal, quantile: 0.9, windowSeconds: 2700, windowMeanSeconds: 600 } },
      samples: flat40,
      sample: 40,
      current: 42,
      reason: 'WITHIN_TOLERANCE',
      message: `served 40 Mbps: 42 Mbps is inside the band; forecast 42 Mbps ${tail(', profile 0.9-quantile of 10-min means ±45 min')}`,
    },
    {
      name: 'the window alone',
      config: { ...CONFIG, seasonal: { ...seasonal, windowSeconds: 2700 } },
      samples: flat40,
      sample: 40,
      current: 42,
      reason: 'WITHIN_TOLERANCE',
      message: `served 40 Mbps: 42 Mbps is inside the band; forecast 42 Mbps ${tail(', profile median ±45 min')}`,
    },
    {
      name: 'the means alone',
      config: { ...CONFIG, seasonal: { ...seasonal, windowMeanSeconds: 600 } },
      samples: flat40,
      sample: 40,
      current: 42,
      reason: 'WITHIN_TOLERANCE',
      message: `served 40 Mbps: 42 Mbps is inside the band; forecast 42 Mbps ${tail(', profile median of 10-min means')}`,
    },
    {
      name: 'the quantile alone',
      config: { ...CONFIG, seasonal: { ...seasonal, quantile: 0.9 } },
      samples: flat40,
      sample: 40,
      current: 42,
      reason: 'WITHIN_TOLERANCE',
      message: `served 40 Mbps: 42 Mbps is inside the band; forecast 42 Mbps ${tail(', profile 0.9-quantile')}`,
    },
    {
      name: 'a cap of 0 (unknown): the plain rules',
      config: CONFIG,
      samples: flat40,
      sample: 40,
      current: 0,
      reason: 'WITHIN_TOLERANCE',
      message: 'plain (predictive: no served history yet, plain reactive rules)',
    },
  ])('$name', ({ config, samples, sample, current, reason, message }) => {
    const r = predictiveRecommendation(config, { samples }, sample, current, T0, PLAIN);

    expect(r.reason).toBe(reason);
    expect(r.message).toBe(message);
  });

  it('two samples are history enough', () => {
    const r = predictiveRecommendation(
      CONFIG,
      {
        samples: samplesOf([
          [40, 100],
          [40, 100],
        ]),
      },
      40,
      60,
      T0,
      PLAIN,
    );

    expect(r.prediction).toBeDefined();
  });
});

describe('the margins, the volatility and the look-back at their edges', () => {
  it('a demand exactly at smallMbps gets the narrow margins', () => {
    const config = { ...CONFIG, triggerPercent: 10, setPercent: 20 };

    // 5.4 Mbps is under 5 × 1.1: up to 5 × 1.2 = 6 (the wide margins would ask 5 × 1.8 = 9).
    expect(predict(config, { samples: samplesOf([[5, 100]]) }, 5, 5.4, T0).reactive).toBe(6);
  });

  // 10 Mbps and a rise of 10, 20 … 60 % after each: 12 sample-to-sample rises, the falls read as 0.
  const levels = [10, 11, 10, 12, 10, 13, 10, 14, 10, 15, 10, 16, 10];
  const twelve = samplesOf(levels.map((m): [number, number] => [m, 100]));
  const eleven = samplesOf(levels.slice(0, 12).map((m): [number, number] => [m, 100]));
  it.each([
    { name: '11 rises: too few, none', samples: eleven, quantile: 0.9, expected: undefined },
    { name: '12 rises: the 0.5 quantile (falls read as 0)', samples: twelve, quantile: 0.5, expected: 0.1 },
    { name: '12 rises: quantile 1 is the largest', samples: twelve, quantile: 1, expected: 0.6 },
    {
      name: 'a rise from 0 Mbps is left out',
      samples: samplesOf([...levels.map((m): [number, number] => [m, 100]), [0, 100], [50, 100]]),
      quantile: 1,
      expected: 0.6,
    },
    {
      name: 'a rise before the last 6 hours is left out',
      samples: [{ at: T0 - 7 * 3_600_000, mbps: 1, cap: 100 }, { at: T0 - 6 * 3_600_000 - 1, mbps: 100, cap: 100 }, ...twelve],
      quantile: 1,
      expected: 0.6,
    },
  ])('volatility: $name', ({ samples, quantile, expected }) => {
    const v = volatility({ ...CONFIG, volatilityQuantile: quantile }, samples, T0);

    if (expected === undefined) expect(v).toBeUndefined();
    else expect(v).toBeCloseTo(expected, 9);
  });

  it('too few rises to read the volatility: the base look-back', () => {
    expect(
      lookBack(
        CONFIG,
        samplesOf([
          [10, 100],
          [80, 100],
        ]),
        T0,
      ),
    ).toBe(600);
  });
});

describe('estimateDayLength: how much history it says it had', () => {
  // T0 is a 6-hour boundary: the history counts up to T0.
  const day = 86_400_000;
  const flatFrom = (days: number) => [
    { at: T0 - days * day, mbps: 10, cap: 100 },
    { at: T0 - 3_600_000, mbps: 10, cap: 100 },
  ];
  it.each([
    {
      name: '1.25 days: said to a tenth, rounded down',
      samples: flatFrom(1.25),
      note: 'day length: 1.2 of 3 days of history needed, the configured day assumed',
    },
    {
      name: 'exactly 3 days is enough (then no pattern in it)',
      samples: flatFrom(3),
      note: 'day length: no clear daily pattern in the history, the configured day assumed',
    },
  ])('$name', ({ samples, note }) => {
    expect(estimateDayLength(samples, T0, 14, 86_400)).toEqual({ seconds: 86_400, note });
  });

  it.each([
    { name: 'the next 6 hours (the same samples then span 3 days)', now: T0 + 6 * 3_600_000, days: 14, nominal: 86_400, note: /no clear daily pattern/ },
    { name: 'fewer days', now: T0, days: 2, nominal: 86_400, note: /^day length: 0\.0 of 3 days/ },
    { name: 'another nominal day', now: T0, days: 14, nominal: 43_200, note: /no clear daily pattern/ },
  ])('the memo of one samples array answers only the same question: $name', ({ now, days, nominal, note }) => {
    // 2.9 days of history up to T0: too little at T0, enough 6 hours later.
    const samples = flatFrom(2.9);
    expect(estimateDayLength(samples, T0, 14, 86_400).note).toMatch(/^day length: 2\.9 of 3 days/);

    expect(estimateDayLength(samples, now, days, nominal).note).toMatch(note);
  });

  it('a seasonal note and a day-length note are both said', () => {
    const seasonal = { days: 14, minDays: 7, horizonSeconds: 1800, maxRise: 1.1, dayLengthSeconds: 86_400, dayLengthFromData: true };

    const r = riseFactor({ ...CONFIG, seasonal }, flatFrom(1.25), T0);

    expect(r.note).toBe('seasonal: 0 of 7 days of history needed; day length: 1.2 of 3 days of history needed, the configured day assumed');
  });
});

describe('riseFactor: which days and which offsets it reads', () => {
  const DAY_MS = 86_400_000;
  const SEASONAL = { days: 14, minDays: 7, horizonSeconds: 1800, maxRise: 1.2, dayLengthSeconds: 86_400 };
  /** 5-minute samples from `from` (days before T0) up to `to` (ms before T0, exclusive), each `level(minutes into T0's time of day)`. */
  const dailyOf = (level: (minute: number) => number, from = 14, to = 0, keep: (at: number) => boolean = () => true): HistorySample[] => {
    const samples: HistorySample[] = [];
    for (let at = T0 - from * DAY_MS; at < T0 - to; at += STEP) {
      if (keep(at)) samples.push({ at, mbps: level(((((at - T0) % DAY_MS) + DAY_MS) % DAY_MS) / MINUTE), cap: 100 });
    }
    return samples;
  };
  const burst = (from: number, to: number) => (minute: number) => (minute >= from && minute <= to ? 44 : 40);
  it.each([
    {
      name: 'a rise the 5-minute scale-down horizon does not reach raises only the scale-up factor',
      seasonal: { ...SEASONAL, downHorizonSeconds: 300 },
      samples: dailyOf(burst(10, 20)),
      factor: 1.1,
      downFactor: 1,
    },
    {
      name: 'a rise beyond the scale-up horizon raises only the scale-down factor',
      seasonal: { ...SEASONAL, downHorizonSeconds: 3600 },
      samples: dailyOf(burst(40, 55)),
      factor: 1,
      downFactor: 1.1,
    },
    {
      name: 'a rise exactly at the end of the scale-down horizon counts',
      seasonal: { ...SEASONAL, downHorizonSeconds: 3600 },
      samples: dailyOf(burst(60, 60)),
      factor: 1,
      downFactor: 1.1,
    },
    {
      name: 'no traffic at this time of day: 1, not a division by 0',
      seasonal: SEASONAL,
      samples: dailyOf((minute) => (minute === 0 ? 0 : 10)),
      factor: 1,
      downFactor: 1,
    },
    {
      name: 'a history that stops inside the horizon a day ago reads what there is',
      seasonal: { ...SEASONAL, days: 1, minDays: 1 },
      samples: dailyOf(burst(5, 10), 3, DAY_MS - 10 * MINUTE),
      factor: 1.1,
      downFactor: 1.1,
    },
  ])('$name', ({ seasonal, samples, factor, downFactor }) => {
    const r = riseFactor({ ...CONFIG, seasonal }, samples, T0);

    expect(r.factor).toBeCloseTo(factor, 9);
    expect(r.downFactor).toBeCloseTo(downFactor, 9);
    expect(r.dayLengthSeconds).toBe(86_400);
  });

  // Three days of history; a gap before the time of day one day ago, ending `gapEnd` ms before it.
  it.each([
    { name: 'a gap of exactly the horizon keeps the day', gapFrom: 1800_000 - 1, note: undefined },
    { name: 'a longer gap leaves the day out', gapFrom: 1800_000, note: 'seasonal: 1 of 2 days of history needed' },
  ])('$name', ({ gapFrom, note }) => {
    const samples = dailyOf(burst(5, 10), 3, 0, (at) => !(at >= T0 - DAY_MS - gapFrom && at <= T0 - DAY_MS));

    expect(riseFactor({ ...CONFIG, seasonal: { ...SEASONAL, days: 2, minDays: 2 } }, samples, T0).note).toBe(note);
  });
});
