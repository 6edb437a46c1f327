// The seasonal profile's options for a burst that recurs daily at a moving time (issue 14, one-minute
// traffic): `quantile` across the days, a time-of-day tolerance (`windowSeconds`) on each day's excess
// over the days' shape, and the mean a day's level is read as (`windowMeanSeconds`). Checked against plain
// reference implementations (a sort per offset, a scan per window) and on the case they exist for.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { predictiveRecommendation, riseFactor } from '../../src/core/predictive';
import type { HistorySample, PredictiveConfig } from '../../src/core/types';
import { MINUTE, T0 } from '../fixtures/policies';

const DAY = 24 * 60 * MINUTE;

const CONFIG: PredictiveConfig = {
  mode: 'forecast-and-scale',
  triggerPercent: 2.5,
  setPercent: 7,
  smallMbps: 5,
  smallFactor: 4,
  scaleDownPercentOfPeak: 3.5,
  peakWindowSeconds: 7 * 86_400,
  lookBackSeconds: 300,
  maxLookBackSeconds: 7200,
  volatilityQuantile: 0.9,
  censoredPercent: 98,
  censoredRisePercent: 20,
};

type Seasonal = NonNullable<PredictiveConfig['seasonal']>;
const SEASONAL: Seasonal = { days: 14, minDays: 1, horizonSeconds: 900, maxRise: 2, dayLengthSeconds: 86_400, dayLengthFromData: false };

/** Deterministic noise in [-1, 1] per sample index. */
function noise(i: number): number {
  const x = Math.sin(i * 12.9898 + 78.233) * 43_758.5453;
  return 2 * (x - Math.floor(x)) - 1;
}

/** `days` days of samples every `stepMs` ending one step before `now`, each `level(at, i)`. */
function history(days: number, stepMs: number, level: (at: number, i: number) => number, now = T0): HistorySample[] {
  const count = Math.floor((days * DAY) / stepMs);
  return Array.from({ length: count }, (_, i) => {
    const at = now - (count - i) * stepMs;
    return { at, mbps: level(at, i), cap: 200 };
  });
}

/** Minutes from T0's time of day to `at`'s, in [0, 1440). */
const minuteOfDay = (at: number) => ((((at - T0) % DAY) + DAY) % DAY) / MINUTE;

/**
 * One-minute traffic at 30 Mbps ± 10 % with a +25 Mbps burst of 20 minutes each day, starting
 * `windowFrom` + (d × 37 mod 90) minutes after T0's time of day: the evaluation trace's shape.
 */
function movingBurst(days: number, windowFrom: number): HistorySample[] {
  return history(days, MINUTE, (at, i) => {
    const day = Math.floor((at - (T0 - days * DAY)) / DAY);
    const start = windowFrom + ((day * 37) % 90);
    const m = minuteOfDay(at);
    return 30 * (1 + 0.1 * noise(i)) + (m >= start && m < start + 20 ? 25 : 0);
  });
}

// ---------------------------------------------------------------------------------------------
// References: the definitions, written the slow way.

function quantileOfSorted(sorted: number[], q: number): number {
  const position = q * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const a = sorted[low] as number;
  const b = sorted[high] as number;
  return position === low ? a : position - low === 0.5 ? (a + b) / 2 : a + (position - low) * (b - a);
}
const quantile = (values: number[], q: number) =>
  quantileOfSorted(
    [...values].sort((a, b) => a - b),
    q,
  );

/**
 * The rise factor on a gapless grid, from its definition: for each offset j of the horizon, the
 * q-quantile across the days of (the days' shape m at j, their median of ±window means, + that day's
 * highest excess over m within ±window samples), against the plain median of the days' samples now,
 * clipped to [1, maxRise].
 */
function referenceFactor(samples: HistorySample[], seasonal: Seasonal, stepMs: number): number {
  const days: number[] = [];
  for (let k = 1; k <= seasonal.days; k++) {
    const i = samples.findLastIndex((s) => s.at <= T0 - k * DAY);
    if (i < 0) break;
    days.push(i);
  }
  const steps = Math.floor((seasonal.horizonSeconds * 1000) / stepMs);
  const window = Math.floor(((seasonal.windowSeconds ?? 0) * 1000) / stepMs);
  const half = Math.floor(((seasonal.windowMeanSeconds ?? 0) * 500) / stepMs);
  const q = seasonal.quantile ?? 0.5;
  const at = (i: number) => (samples[Math.min(samples.length - 1, Math.max(0, i))] as HistorySample).mbps;
  const level = (i: number) => {
    let sum = 0;
    for (let h = -half; h <= half; h++) sum += at(i + h);
    return sum / (2 * half + 1);
  };
  const around = (i: number) => {
    let sum = 0;
    for (let h = -window; h <= window; h++) sum += at(i + h);
    return sum / (2 * window + 1);
  };
  const m = (o: number) =>
    quantile(
      days.map((a) => around(a + o)),
      0.5,
    );
  const now = quantile(
    days.map((a) => at(a)),
    0.5,
  );
  let peak = now;
  for (let j = 0; j <= steps; j++) {
    const profile =
      window === 0 && half === 0
        ? quantile(
            days.map((a) => at(a + j)),
            q,
          )
        : m(j) +
          quantile(
            days.map((a) => {
              let highest = Number.NEGATIVE_INFINITY;
              for (let o = j - window; o <= j + window; o++) highest = Math.max(highest, level(a + o) - m(o));
              return highest;
            }),
            q,
          );
    peak = Math.max(peak, profile);
  }
  return Math.min(seasonal.maxRise, Math.max(1, peak / now));
}

describe('riseFactor: the profile options against their definitions', () => {
  it('quantile 0.5 without a window is the median profile, to the last bit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 100, noNaN: true }), { minLength: 4 * 288, maxLength: 4 * 288 }),
        fc.integer({ min: 1, max: 3 }),
        (levels, days) => {
          const samples = history(4, 5 * MINUTE, (_, i) => levels[i] as number);
          const seasonal = { ...SEASONAL, days, horizonSeconds: 1800 };

          const median = riseFactor({ ...CONFIG, seasonal: { ...seasonal, quantile: 0.5 } }, samples, T0).factor;

          expect(median).toBe(riseFactor({ ...CONFIG, seasonal }, samples, T0).factor);
          expect(median).toBe(referenceFactor(samples, seasonal, 5 * MINUTE));
        },
      ),
    );
  });

  const options: Array<{ name: string; options: Partial<Seasonal> }> = [
    { name: 'quantile 0.9', options: { quantile: 0.9 } },
    { name: 'quantile 0 (the quietest day)', options: { quantile: 0 } },
    { name: 'quantile 1 (the busiest day)', options: { quantile: 1 } },
    { name: 'a ±20-minute window', options: { windowSeconds: 1200 } },
    { name: 'a ±20-minute window on 15-minute means, quantile 0.75', options: { windowSeconds: 1200, windowMeanSeconds: 900, quantile: 0.75 } },
    { name: '15-minute means alone', options: { windowMeanSeconds: 900 } },
  ];
  it.each(options)('$name: as defined', ({ options }) => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 1, max: 100, noNaN: true }), { minLength: 6 * 288, maxLength: 6 * 288 }), (levels) => {
        const samples = history(6, 5 * MINUTE, (_, i) => levels[i] as number);
        const seasonal = { ...SEASONAL, days: 5, horizonSeconds: 1800, ...options };

        const factor = riseFactor({ ...CONFIG, seasonal }, samples, T0).factor;

        expect(factor).toBeCloseTo(referenceFactor(samples, seasonal, 5 * MINUTE), 9);
      }),
      { numRuns: 30 },
    );
  });
});

describe('riseFactor: a burst that recurs every day within a 90-minute window', () => {
  // Now is 30 minutes before the window opens; the horizon is 15 minutes.
  const samples = movingBurst(14, 30);
  const cases: Array<{ name: string; options: Partial<Seasonal>; atLeast: number; atMost: number }> = [
    { name: 'the median profile does not see it', options: {}, atLeast: 1, atMost: 1.05 },
    { name: 'nor does the 0.9-quantile of each minute (a few days have it there)', options: { quantile: 0.9 }, atLeast: 1, atMost: 1.1 },
    {
      name: 'a ±45-minute window and quantile 0.9 see it coming: most of ×(30 + 25) / 30',
      options: { windowSeconds: 2700, quantile: 0.9 },
      atLeast: 1.5,
      atMost: 2,
    },
    {
      name: 'the same on 10-minute means: the burst stands out of the noise',
      options: { windowSeconds: 2700, windowMeanSeconds: 600, quantile: 0.9 },
      atLeast: 1.5,
      atMost: 2,
    },
  ];
  it.each(cases)('$name', ({ options, atLeast, atMost }) => {
    const { factor } = riseFactor({ ...CONFIG, seasonal: { ...SEASONAL, ...options } }, samples, T0);

    expect(factor).toBeGreaterThanOrEqual(atLeast);
    expect(factor).toBeLessThanOrEqual(atMost);
  });

  it('one day of history already lines the burst up (the shape is a mean over the window, not a median of one day)', () => {
    const seasonal = { ...SEASONAL, windowSeconds: 2700, windowMeanSeconds: 600, quantile: 0.75 };

    expect(riseFactor({ ...CONFIG, seasonal }, movingBurst(1, 30), T0).factor).toBeGreaterThan(1.4);
  });

  it('hours away from the window, 10-minute means keep the noise from raising it', () => {
    const away = movingBurst(14, 6 * 60);
    const seasonal = { ...SEASONAL, windowSeconds: 2700, quantile: 0.9 };

    const onSamples = riseFactor({ ...CONFIG, seasonal }, away, T0).factor;
    const onMeans = riseFactor({ ...CONFIG, seasonal: { ...seasonal, windowMeanSeconds: 600 } }, away, T0).factor;

    expect(onMeans).toBeLessThan(1.06);
    expect(onMeans).toBeLessThan(onSamples);
  });

  it('too little history: factor 1, and the note says how much is missing', () => {
    const seasonal = { ...SEASONAL, minDays: 3, windowSeconds: 2700, windowMeanSeconds: 600, quantile: 0.9 };

    const rise = riseFactor({ ...CONFIG, seasonal }, movingBurst(2, 30), T0);

    expect(rise.factor).toBe(1);
    expect(rise.note).toBe('seasonal: 2 of 3 days of history needed');
  });

  it("the decision's message says how the profile was read, next to the rise", () => {
    const config = { ...CONFIG, seasonal: { ...SEASONAL, windowSeconds: 2700, windowMeanSeconds: 600, quantile: 0.9 } };
    const plain = { mbps: 40, reason: 'WITHIN_TOLERANCE' as const, message: 'plain' };

    const recommendation = predictiveRecommendation(config, { samples }, 30, 40, T0, plain);

    expect(recommendation.message).toMatch(/rise ×1\.[5-9]\d\d, profile 0\.9-quantile of 10-min means ±45 min/);
    expect(recommendation.mbps).toBeGreaterThan(50);
  });
});
