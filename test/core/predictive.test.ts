// The predictive policy (src/core/predictive.ts): its rules one by one, table-driven, and the two
// promises it makes to decide(): the forecast only ever raises, and without history it is the plain
// reactive rules exactly.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/core/decide';
import {
  censoredSteps,
  changesSince,
  estimateDayLength,
  lookBack,
  predict,
  predictiveRecommendation,
  recentPeak,
  riseFactor,
  select,
} from '../../src/core/predictive';
import type { DecideInput, HistorySample, PredictiveConfig, ServedHistory } from '../../src/core/types';
import { MINUTE, makeInput, makePolicy, PREDICTIVE_CONFIG, T0, tickOf } from '../fixtures/policies';
import { inputArb } from './arbitraries';

const DAY = 24 * 60 * MINUTE;
const STEP = 5 * MINUTE;

const CONFIG = PREDICTIVE_CONFIG;

/** `count` samples ending one step before `now`, each from `level(i)` (i = 0 oldest), under `cap`. */
function historyOf(count: number, level: (i: number) => number, cap = 100, now = T0): ServedHistory {
  const samples: HistorySample[] = [];
  for (let i = 0; i < count; i++) samples.push({ at: now - (count - i) * STEP, mbps: level(i), cap });
  return { samples };
}

const flat = (mbps: number, cap = 100) => historyOf(24, () => mbps, cap);

const seasonal = { days: 14, minDays: 7, horizonSeconds: 1800, maxRise: 1.1, dayLengthSeconds: 86_400 };
/** 14 days of a daily ramp: from `base` at the time of day of T0 to base × rise half an hour later. */
const daily = (base: number, rise: number) =>
  historyOf(14 * 288, (i) => {
    const at = T0 - (14 * 288 - i) * STEP;
    const minutesIntoDay = ((((at - T0) % DAY) + DAY) % DAY) / MINUTE;
    return minutesIntoDay <= 30 ? base * (1 + ((rise - 1) * minutesIntoDay) / 30) : base;
  });
describe('predict: the trigger/set band', () => {
  // Flat history at the sample's level unless said otherwise; the 7-day peak is then the level itself.
  const cases: Array<{ name: string; sample: number; current: number; history?: ServedHistory; expected: number }> = [
    { name: 'within the trigger margin of the demand: up to the set margin', sample: 40, current: 41, expected: Math.ceil(40 * 1.093) },
    { name: 'above the trigger margin: inside the band, hold', sample: 40, current: 43, expected: 43 },
    { name: 'well above: down to the set margin over the recent peak', sample: 40, current: 60, expected: 44 },
    {
      name: 'a saving under 3 % of the 7-day peak: hold',
      sample: 40,
      current: 46,
      history: historyOf(24, (i) => (i === 0 ? 80 : 40)),
      expected: 46,
    },
    {
      name: 'scale-down follows the highest demand of the look-back, not the last sample',
      sample: 30,
      current: 60,
      history: historyOf(24, (i) => (i === 23 ? 45 : 30)),
      expected: Math.ceil(45 * 1.093),
    },
    { name: 'below 5 Mbps the margins are 4× wider', sample: 3, current: 3.4, expected: Math.ceil(3 * (1 + 4 * 0.093)) },
    { name: 'censored (>= 98 % of the cap): read as 20 % above the cap', sample: 49.5, current: 50, expected: Math.ceil(60 * 1.093) },
  ];
  it.each(cases)('$name', ({ sample, current, history, expected }) => {
    const p = predict(CONFIG, history ?? flat(sample), sample, current, T0);

    expect(p.reactive).toBe(expected);
  });

  it('a censored sample steps up by at least 1 Mbps, whatever the margins say', () => {
    // Margins so thin that ceil() alone would land on the current cap.
    const config = { ...CONFIG, censoredRisePercent: 0, setPercent: 1e-9, triggerPercent: 5e-10 };

    const p = predict(config, flat(10, 10), 10, 10, T0);

    expect(p.censored).toBe(true);
    expect(p.reactive).toBeGreaterThanOrEqual(11);
  });
});

describe('predict: the look-back and the seasonal factor', () => {
  it('lengthens the scale-down look-back on volatile traffic, up to the maximum', () => {
    const smooth = historyOf(72, (i) => 40 + (i % 2));
    const spiky = historyOf(72, (i) => (i % 3 === 0 ? 80 : 20));

    expect(lookBack(CONFIG, smooth.samples, T0)).toBe(600);
    expect(lookBack(CONFIG, spiky.samples, T0)).toBe(7200);
  });

  const cases: Array<{ name: string; history: ServedHistory; expected: number }> = [
    { name: 'a 5 % rise every day at this time: 1.05', history: daily(40, 1.05), expected: 1.05 },
    { name: 'a 30 % rise: clipped to maxRise', history: daily(40, 1.3), expected: 1.1 },
    { name: 'a fall: never below 1', history: daily(40, 0.7), expected: 1 },
    { name: 'fewer days than minDays: 1', history: historyOf(3 * 288, () => 40), expected: 1 },
  ];
  it.each(cases)('$name', ({ history, expected }) => {
    expect(riseFactor({ ...CONFIG, seasonal }, history.samples, T0).factor).toBeCloseTo(expected, 6);
  });

  it('forecast-and-scale keeps the reactive band where the forecast asks for less (margins narrow above 5 Mbps)', () => {
    // 4.8 Mbps now, 5 % more every day at this time: the forecast's 5.04 Mbps gets the narrow margin.
    const config: PredictiveConfig = { ...CONFIG, mode: 'forecast-and-scale', seasonal };
    const history = daily(4.8, 1.05);

    const p = predict(config, history, 4.8, 5, T0);

    expect(p.riseFactor).toBeCloseTo(1.05, 6);
    expect(p.forecast).toBeLessThan(p.reactive);
    expect(p.target).toBe(p.reactive);
  });

  describe('scale-down reads the profile over downHorizon: bandwidth the next hour wants back is kept', () => {
    // 40 Mbps all day, except 46 Mbps (15 % more) from 40 to 60 minutes after this time of day.
    const comesBack = historyOf(14 * 288, (i) => {
      const at = T0 - (14 * 288 - i) * STEP;
      const minutesIntoDay = ((((at - T0) % DAY) + DAY) % DAY) / MINUTE;
      return minutesIntoDay >= 40 && minutesIntoDay <= 60 ? 46 : 40;
    });
    const cases: Array<{ name: string; down: { downHorizonSeconds?: number; downMaxRise?: number }; expected: number }> = [
      { name: 'without downHorizon (the 30-minute horizon sees nothing): down to the band', down: {}, expected: Math.ceil(40 * 1.093) },
      { name: 'downHorizon 1 h sees the rise: hold the 50 Mbps', down: { downHorizonSeconds: 3600, downMaxRise: 1.2 }, expected: 50 },
      {
        name: 'downMaxRise 1.05 clips what it sees: down, but less far',
        down: { downHorizonSeconds: 3600, downMaxRise: 1.05 },
        expected: Math.ceil(40 * 1.05 * 1.093),
      },
      {
        name: 'downHorizon 35 min stops before the rise: down to the band',
        down: { downHorizonSeconds: 2100, downMaxRise: 1.2 },
        expected: Math.ceil(40 * 1.093),
      },
    ];
    it.each(cases)('$name', ({ down, expected }) => {
      const config: PredictiveConfig = { ...CONFIG, mode: 'forecast-and-scale', seasonal: { ...seasonal, ...down } };

      const p = predict(config, comesBack, 40, 50, T0);

      expect(p.reactive).toBe(Math.ceil(40 * 1.093));
      expect(p.target).toBe(expected);
    });

    it('forecast-only logs the held bandwidth and acts on the band', () => {
      const config: PredictiveConfig = { ...CONFIG, mode: 'forecast-only', seasonal: { ...seasonal, downHorizonSeconds: 3600, downMaxRise: 1.2 } };

      const p = predict(config, comesBack, 40, 50, T0);

      expect(p.forecast).toBe(50);
      expect(p.target).toBe(p.reactive);
    });
  });

  it('select() finds the k-th smallest, as a sort would', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { minLength: 1, maxLength: 60 }), fc.nat(), (values, k0) => {
        const k = k0 % values.length;
        const sorted = [...values].sort((a, b) => a - b);
        expect(select(Float64Array.from(values), values.length, k)).toBe(sorted[k]);
      }),
    );
  });
});

describe('estimateDayLength: the day is read from the history, not assumed', () => {
  /**
   * `days` nominal days of 5-minute samples ending at `now`: a daily wave of period `daySeconds`, a
   * weekday bump every seventh such day, and deterministic noise; `gap` leaves out [from, to) ms before now.
   */
  function cyclic(daySeconds: number, days: number, options: { noise?: number; gap?: [number, number]; flat?: boolean } = {}) {
    const samples: HistorySample[] = [];
    const count = Math.floor((days * DAY) / STEP);
    let seed = 7;
    const random = () => {
      seed = (seed * 16_807) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    for (let i = 0; i < count; i++) {
      const at = T0 - (count - i) * STEP;
      if (options.gap && T0 - at <= options.gap[0] && T0 - at > options.gap[1]) continue;
      const phase = (2 * Math.PI * (at - T0)) / (daySeconds * 1000);
      const weekly = Math.floor((at - T0) / (7 * daySeconds * 1000)) % 2 === 0 ? 1.1 : 1;
      const wave = options.flat ? 40 : 40 * weekly * (1 + 0.6 * Math.sin(phase));
      samples.push({ at, mbps: wave * (1 + (options.noise ?? 0.05) * (random() - 0.5)), cap: 100 });
    }
    return samples;
  }

  const cases: Array<{ name: string; samples: HistorySample[]; expected: number; tolerance: number; note?: RegExp }> = [
    { name: 'a 24-hour day: 1 d', samples: cyclic(86_400, 14), expected: 86_400, tolerance: 120 },
    { name: 'a day of 283 five-minute samples (a clock running 1.7 % fast): 84,900 s', samples: cyclic(84_900, 14), expected: 84_900, tolerance: 120 },
    { name: 'a 23-hour day', samples: cyclic(82_800, 14), expected: 82_800, tolerance: 120 },
    { name: 'a day of 25 hours, with only 5 days of history', samples: cyclic(90_000, 5), expected: 90_000, tolerance: 300 },
    { name: 'a six-hour hole in the history', samples: cyclic(84_900, 14, { gap: [3 * DAY, 3 * DAY - 6 * 60 * MINUTE] }), expected: 84_900, tolerance: 120 },
    { name: 'noisy traffic (±25 %)', samples: cyclic(84_900, 14, { noise: 0.5 }), expected: 84_900, tolerance: 300 },
    {
      name: 'under 3 days of history: the configured day, said',
      samples: cyclic(84_900, 2.5),
      expected: 86_400,
      tolerance: 0,
      note: /of 3 days of history needed/,
    },
    {
      name: 'no daily pattern (noise only): the configured day, said',
      samples: cyclic(86_400, 14, { flat: true }),
      expected: 86_400,
      tolerance: 0,
      note: /no clear daily pattern/,
    },
    {
      name: 'a 30-hour cycle, outside ±10 % of the day: the configured day, said',
      samples: cyclic(108_000, 14),
      expected: 86_400,
      tolerance: 0,
      note: /no clear daily pattern/,
    },
  ];
  it.each(cases)('$name', ({ samples, expected, tolerance, note }) => {
    const estimate = estimateDayLength(samples, T0, 14, 86_400);

    expect(Math.abs(estimate.seconds - expected)).toBeLessThanOrEqual(tolerance);
    if (note) expect(estimate.note).toMatch(note);
    else expect(estimate.note).toBeUndefined();
  });

  // Within 45 s over 5 to 14 days of history: the 15-minute bins alone would read it to a bin (900 s);
  // the parabola through the peak's neighbours and the refinement at k days make up the rest (without
  // the parabola the error reaches 200 s on these rows, without the refinement 79 s).
  const precise = [86_400, 84_900, 82_800, 85_500, 87_300, 88_000, 80_000, 91_000].flatMap((daySeconds) =>
    [14, 7, 5].map((days) => ({ name: `a ${daySeconds} s day over ${days} days of history`, daySeconds, days })),
  );
  it.each(precise)('reads $name to within 45 s', ({ daySeconds, days }) => {
    const estimate = estimateDayLength(cyclic(daySeconds, days), T0, 14, 86_400);

    expect(Math.abs(estimate.seconds - daySeconds)).toBeLessThanOrEqual(45);
  });

  it('searches around the configured day: a 12-hour nominal day finds a 12-hour cycle', () => {
    const estimate = estimateDayLength(cyclic(43_000, 14), T0, 14, 43_200);

    expect(Math.abs(estimate.seconds - 43_000)).toBeLessThanOrEqual(120);
  });

  it('reads nothing after the start of the current 6 hours, so the memo cannot change an answer', () => {
    // One growing array (as the backtest passes it), asked at several times: each answer is the one a
    // fresh copy of the same samples gives, and samples after the 6-hour cutoff change nothing.
    const all = cyclic(84_900, 14);
    const growing: HistorySample[] = [];
    for (let i = 0; i < all.length; i++) {
      growing.push(all[i] as HistorySample);
      if (i % 97 !== 0 || i < 900) continue;
      const now = (all[i] as HistorySample).at + STEP;
      expect(estimateDayLength(growing, now, 14, 86_400)).toEqual(estimateDayLength([...growing], now, 14, 86_400));
    }
    const now = T0 + 3 * 3_600_000;
    const cutoff = Math.floor(now / (6 * 3_600_000)) * 6 * 3_600_000;
    const upToCutoff = all.filter((s) => s.at <= cutoff);
    const changedAfter = [...upToCutoff, ...all.filter((s) => s.at > cutoff).map((s) => ({ ...s, mbps: 0 }))];
    expect(estimateDayLength(changedAfter, now, 14, 86_400)).toEqual(estimateDayLength(all, now, 14, 86_400));
  });

  it('the seasonal factor lines the days up with the estimated day, and misses most of the rise with a fixed 24 hours', () => {
    // A 10 % rise in the half hour after this time of day, on a day of 84,900 s.
    const dayMs = 84_900_000;
    const samples: HistorySample[] = [];
    const count = Math.floor((14 * DAY) / STEP);
    for (let i = 0; i < count; i++) {
      const at = T0 - (count - i) * STEP;
      const intoDay = ((((at - T0) % dayMs) + dayMs) % dayMs) / MINUTE;
      const ramp = intoDay <= 30 ? 1 + (0.1 * intoDay) / 30 : intoDay < 600 ? 1.1 : 1;
      samples.push({ at, mbps: 40 * ramp * (1 + 0.3 * Math.sin((2 * Math.PI * (at - T0)) / dayMs)), cap: 100 });
    }
    const estimated = { ...seasonal, maxRise: 1.2, dayLengthFromData: true };
    const fixed = { ...seasonal, maxRise: 1.2, dayLengthFromData: false };

    const withEstimate = riseFactor({ ...CONFIG, seasonal: estimated }, samples, T0);
    const withFixedDay = riseFactor({ ...CONFIG, seasonal: fixed }, samples, T0);

    expect(withEstimate.dayLengthSeconds).toBeGreaterThan(84_780);
    expect(withEstimate.dayLengthSeconds).toBeLessThan(85_020);
    expect(withEstimate.factor).toBeGreaterThan(1.08);
    expect(withFixedDay.factor).toBeLessThan(1.05);
  });
});

/** A predictive block for generated policies (both modes, with the seasonal factor). */
const configArb: fc.Arbitrary<PredictiveConfig> = fc.record({
  mode: fc.constantFrom('forecast-only' as const, 'forecast-and-scale' as const),
  triggerPercent: fc.double({ min: 0.5, max: 10, noNaN: true }),
  setPercent: fc.double({ min: 10, max: 30, noNaN: true }),
  triggerMbps: fc.double({ min: 0, max: 2, noNaN: true }),
  setMbps: fc.double({ min: 0, max: 3, noNaN: true }),
  holdPercent: fc.constantFrom(0, 7, 20),
  smallMbps: fc.integer({ min: 0, max: 10 }),
  smallFactor: fc.double({ min: 1, max: 5, noNaN: true }),
  scaleDownPercentOfPeak: fc.double({ min: 0.5, max: 20, noNaN: true }),
  peakWindowSeconds: fc.constantFrom(3600, 86_400, 7 * 86_400),
  lookBackSeconds: fc.constantFrom(0, 600, 1800),
  maxLookBackSeconds: fc.constant(7200),
  volatilityQuantile: fc.double({ min: 0.5, max: 0.99, noNaN: true }),
  censoredPercent: fc.double({ min: 80, max: 100, noNaN: true }),
  censoredRisePercent: fc.double({ min: 0, max: 50, noNaN: true }),
  seasonal: fc.tuple(fc.boolean(), fc.constantFrom(undefined, 3600, 7200)).map(([dayLengthFromData, downHorizonSeconds]) => ({
    days: 3,
    minDays: 1,
    horizonSeconds: 1800,
    maxRise: 1.1,
    dayLengthSeconds: 86_400,
    dayLengthFromData,
    ...(downHorizonSeconds === undefined ? {} : { downHorizonSeconds, downMaxRise: 1.3 }),
  })),
});

/** Up to 4 days of 5-minute served samples under a cap, ending before `now`. */
function historyArb(now: number): fc.Arbitrary<ServedHistory> {
  return fc
    .tuple(fc.array(fc.double({ min: 0, max: 12, noNaN: true }), { minLength: 2, maxLength: 1152 }), fc.integer({ min: 1, max: 100 }))
    .map(([levels, cap]) => ({
      samples: levels.map((mbps, i) => ({ at: now - (levels.length - i) * STEP, mbps: Math.min(mbps * (cap / 10), cap), cap })),
    }));
}

describe('predict: properties', () => {
  it('forecast-and-scale never sets less than the reactive band (the forecast only raises)', () => {
    fc.assert(
      fc.property(
        configArb,
        // Random histories, and daily ramps near 5 Mbps (a seasonal rise where the band is not monotone).
        fc.oneof(
          historyArb(T0),
          fc.tuple(fc.double({ min: 3, max: 7, noNaN: true }), fc.double({ min: 1, max: 1.2, noNaN: true })).map(([base, rise]) => daily(base, rise)),
        ),
        // Half the samples near 5 Mbps, where the margins change width and the band is not monotone.
        fc.oneof(fc.double({ min: 0, max: 120, noNaN: true }), fc.double({ min: 3, max: 7, noNaN: true })),
        fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 3, max: 9 })),
        (generated, history, sample, current) => {
          // The 14-day seasonal block the daily ramps need, with the generated day estimate and downHorizon.
          // smallMbps 5, where the daily ramps sit: the band is not monotone there, which max() must absorb.
          const config = { ...generated, smallMbps: 5, seasonal: { ...generated.seasonal, ...seasonal, days: 14, minDays: 7 } };
          const p = predict({ ...config, mode: 'forecast-and-scale' }, history, sample, current, T0);
          expect(p.target).toBeGreaterThanOrEqual(p.reactive);
          expect(p.target).toBeGreaterThanOrEqual(predict({ ...config, mode: 'forecast-only' }, history, sample, current, T0).target);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('through decide(): forecast-and-scale never proposes or sets less than forecast-only on the same input', () => {
    const withHistory = inputArb({ healthy: true }).chain((input) =>
      fc.tuple(configArb, historyArb(input.now)).map(([config, history]): [DecideInput, PredictiveConfig] => [{ ...input, history }, config]),
    );
    fc.assert(
      fc.property(withHistory, ([input, config]) => {
        const only = decide({ ...input, policy: { ...input.policy, predictive: { ...config, mode: 'forecast-only' } } });
        const scale = decide({ ...input, policy: { ...input.policy, predictive: { ...config, mode: 'forecast-and-scale' } } });
        expect(scale.proposed).toBeGreaterThanOrEqual(only.proposed);
      }),
      { numRuns: 300 },
    );
  });

  it('without history, decide() is the plain reactive rules exactly, and its message says so', () => {
    let said = 0;
    fc.assert(
      fc.property(fc.oneof(inputArb(), inputArb({ healthy: true })), configArb, (input, config) => {
        const { history: _h, ...withoutHistory } = input;
        const state = { ...input.state };
        delete state.history;
        const plain = decide({ ...withoutHistory, state });
        const predictive = decide({ ...withoutHistory, state, policy: { ...input.policy, predictive: config } });
        const { message: plainMessage, ...plainRest } = plain;
        const { message, ...rest } = predictive;
        expect(rest).toEqual(plainRest);
        if (message !== plainMessage) {
          said += 1;
          expect(message).toContain('no served history yet, plain reactive rules');
        }
      }),
      { numRuns: 300 },
    );
    expect(said).toBeGreaterThan(0);
  });
});

describe('predictiveRecommendation in decide()', () => {
  const policy = makePolicy({ predictive: { ...CONFIG, mode: 'forecast-only' }, targetTracking: { targetUtilization: 92, tolerance: 3.9 } });

  it('cold start: the reactive rules decide and the message says there is no history', () => {
    const d = decide(makeInput({ policy, instance: { ...makeInput().instance, bandwidthOut: 60 }, signal: tickOf(40) }));

    expect(d.target).toBe(Math.ceil(40 / 0.92));
    expect(d.message).toContain('predictive: no served history yet, plain reactive rules');
  });

  it('with history: the band decides and the forecast is logged next to it', () => {
    const d = decide(makeInput({ policy, instance: { ...makeInput().instance, bandwidthOut: 60 }, signal: tickOf(40), history: flat(40) }));

    expect(d.target).toBe(44);
    expect(d.reason).toBe('SCALE_DOWN');
    expect(d.message).toMatch(/forecast 44 Mbps \(rise ×1\.000\), reactive 44 Mbps, forecast-only/);
  });

  it('the state row carries the history when DecideInput does not (the fast backtest passes it so)', () => {
    const base = makeInput({ policy, instance: { ...makeInput().instance, bandwidthOut: 60 }, signal: tickOf(40) });

    const d = decide({ ...base, state: { ...base.state, history: flat(40) } });

    expect(d.target).toBe(44);
  });

  it('a recommendation without a sample history of at least two points is the plain one', () => {
    const plain = { mbps: 7, reason: 'WITHIN_TOLERANCE' as const, message: 'plain' };

    expect(predictiveRecommendation(CONFIG, { samples: [] }, 7, 10, T0, plain)).toEqual({
      ...plain,
      message: 'plain (predictive: no served history yet, plain reactive rules)',
    });
  });
});

describe('forecast-only: the forecast is logged, never applied', () => {
  // Daily ramps give a real seasonal rise (forecast above reactive), random histories the rest.
  const withHistory = inputArb({ healthy: true }).chain((input) =>
    fc
      .tuple(
        configArb,
        fc.oneof(
          historyArb(input.now),
          fc.tuple(fc.double({ min: 3, max: 60, noNaN: true }), fc.double({ min: 1.02, max: 1.2, noNaN: true })).map(([base, rise]) => {
            const shift = input.now - T0;
            const h = daily(base, rise);
            return { samples: h.samples.map((s) => ({ ...s, at: s.at + shift })) };
          }),
        ),
      )
      .map(([config, history]): [DecideInput, PredictiveConfig] => [
        { ...input, history },
        { ...config, seasonal: { ...seasonal, minDays: 1 } },
      ]),
  );

  it('a forecast-only decision acts exactly as the same policy without its seasonal forecast', () => {
    let raised = 0;
    fc.assert(
      fc.property(withHistory, ([input, config]) => {
        const { seasonal: _seasonal, ...reactiveOnly } = config;
        const only = decide({ ...input, policy: { ...input.policy, predictive: { ...config, mode: 'forecast-only' } } });
        const without = decide({ ...input, policy: { ...input.policy, predictive: { ...reactiveOnly, mode: 'forecast-only' } } });
        const pick = (d: typeof only) => ({ action: d.action, target: d.target, proposed: d.proposed, reason: d.reason, isDowngrade: d.isDowngrade });
        expect(pick(only)).toEqual(pick(without));
        if (only.prediction && only.prediction.forecast > only.prediction.reactive) raised += 1;
      }),
      { numRuns: 300 },
    );
    // The property means something only if the forecast did ask for more some of the time.
    expect(raised).toBeGreaterThan(0);
  });

  it('the decision carries the prediction: reactive, forecast, rise factor and mode', () => {
    const policy = makePolicy({ predictive: { ...CONFIG, mode: 'forecast-only', seasonal }, targetTracking: { targetUtilization: 92, tolerance: 3.9 } });

    const d = decide(makeInput({ policy, instance: { ...makeInput().instance, bandwidthOut: 41 }, signal: tickOf(40), history: daily(40, 1.08) }));

    expect(d.prediction).toEqual({ mode: 'forecast-only', reactive: Math.ceil(40 * 1.093), forecast: expect.any(Number), riseFactor: expect.any(Number) });
    expect(d.prediction?.forecast).toBeGreaterThan(d.prediction?.reactive ?? Number.POSITIVE_INFINITY);
    expect(d.target).toBe(d.prediction?.reactive);
  });

  it('a cold start says why the history is missing when the cycle says so', () => {
    const policy = makePolicy({ predictive: CONFIG, targetTracking: { targetUtilization: 92, tolerance: 3.9 } });

    const d = decide(
      makeInput({
        policy,
        instance: { ...makeInput().instance, bandwidthOut: 60 },
        signal: tickOf(40),
        history: { samples: [], note: 'history backfill queued' },
      }),
    );

    expect(d.message).toContain('(predictive: history backfill queued, plain reactive rules)');
    expect(d.prediction).toBeUndefined();
  });
});

describe('predict: margins in Mbps, the changes budget and the held look-back', () => {
  it.each([
    { name: 'percent margins alone: 42 Mbps is above 40 × 1.037, hold', config: CONFIG, expected: 42 },
    {
      name: 'with 1 Mbps on the trigger: 42 Mbps is within 40 × 1.037 + 1, up to 40 × 1.093 + 2',
      config: { ...CONFIG, triggerMbps: 1, setMbps: 2 },
      expected: Math.ceil(40 * 1.093 + 2),
    },
    {
      name: 'the Mbps part of the set margin also sets the scale-down level',
      config: { ...CONFIG, setMbps: 2 },
      current: 60,
      expected: Math.ceil(40 * 1.093 + 2),
    },
  ])('$name', ({ config, current, expected }) => {
    expect(predict(config, flat(40), 40, current ?? 42, T0).reactive).toBe(expected);
  });

  /** 24 hours of 5-minute samples at 40 Mbps whose cap alternates every `every` samples (changes = 288 / every). */
  const busyDay = (every: number) => historyOf(288, () => 40, 100).samples.map((s, i) => ({ ...s, cap: Math.floor(i / every) % 2 === 0 ? 50 : 52 }));

  it.each([
    { name: 'consecutive different caps count', caps: [50, 50, 52, 52, 50], expected: 2 },
    { name: 'an unknown cap (0) between two equal ones is no change', caps: [50, 0, 0, 50, 52], expected: 1 },
    { name: 'nothing changed', caps: [50, 50, 50], expected: 0 },
  ])('changesSince: $name', ({ caps, expected }) => {
    const samples = caps.map((cap, i) => ({ at: T0 + i * STEP, mbps: 10, cap }));

    expect(changesSince(samples, T0)).toBe(expected);
    expect(changesSince(samples, T0 + caps.length * STEP)).toBe(0);
  });

  it.each([
    // 44 Mbps would do, saving 16 Mbps from 60; the usual saving needed is 3 % of the 40 Mbps peak (1.2 Mbps).
    { name: 'no budget: down to the band', config: CONFIG, history: busyDay(6), expected: 44, budgetSaid: false },
    { name: 'under the budget: down to the band', config: { ...CONFIG, changesPerDay: 60 }, history: busyDay(6), expected: 44, budgetSaid: false },
    {
      name: '47 changes over a budget of 4: a 16 Mbps saving still clears 47 / 4 × 1.2 Mbps',
      config: { ...CONFIG, changesPerDay: 4 },
      history: busyDay(6),
      expected: 44,
      budgetSaid: true,
    },
    {
      name: '143 changes over a budget of 4: 143 / 4 × 1.2 Mbps is more than 16, hold',
      config: { ...CONFIG, changesPerDay: 4 },
      history: busyDay(2),
      expected: 60,
      budgetSaid: true,
    },
  ])('changes budget: $name', ({ config, history, expected, budgetSaid }) => {
    const r = predictiveRecommendation(config, { samples: history }, 40, 60, T0, { mbps: 60, reason: 'WITHIN_TOLERANCE', message: 'plain' });

    expect(r.mbps).toBe(expected);
    expect(r.message.includes('over the budget')).toBe(budgetSaid);
  });

  it('the changes budget never holds back a scale-up', () => {
    const config = { ...CONFIG, changesPerDay: 1 };

    expect(predict(config, { samples: busyDay(1) }, 40, 41, T0).reactive).toBe(Math.ceil(40 * 1.093));
  });

  // Volatile: every third sample 2.5 times the others (the look-back lengthens to its 2 h maximum),
  // with bursts to 80 Mbps 60 (and 90) minutes ago.
  const volatile = (bursts: number[]) => historyOf(72, (i) => (bursts.includes(72 - i) ? 80 : i % 3 === 0 ? 50 : 20));
  it.each([
    { name: 'holdShare 0: the isolated burst is held for the whole look-back', holdPercent: 0, bursts: [12], expected: 80 },
    { name: 'holdShare 7: an isolated burst is not held beyond the base look-back', holdPercent: 7, bursts: [12], expected: 50 },
    { name: 'holdShare 7: a burst that came back (2 of 24 samples) is held', holdPercent: 7, bursts: [12, 18], expected: 80 },
  ])('$name', ({ holdPercent, bursts, expected }) => {
    const history = volatile(bursts);
    const config = { ...CONFIG, holdPercent };

    expect(lookBack(config, history.samples, T0)).toBe(7200);
    expect(recentPeak(config, history.samples, T0, 7200, 20)).toBe(expected);
  });

  it.each([
    { name: 'holdPercent 0 (the highest sample held)', config: { ...CONFIG, holdPercent: 0 } },
    { name: 'the base look-back (nothing beyond it)', config: { ...CONFIG, holdPercent: 7, lookBackSeconds: 7200 } },
  ])('a scale-down with $name says no held share', ({ config }) => {
    const r = predictiveRecommendation(config, volatile([12]), 20, 200, T0, { mbps: 200, reason: 'WITHIN_TOLERANCE', message: 'plain' });

    expect(r.reason).toBe('SCALE_DOWN');
    expect(r.message).not.toContain('levels reached');
  });

  it('a scale-down past an isolated burst says what the look-back held', () => {
    const r = predictiveRecommendation({ ...CONFIG, holdPercent: 7 }, volatile([12]), 20, 90, T0, { mbps: 90, reason: 'WITHIN_TOLERANCE', message: 'plain' });

    expect(r.mbps).toBe(Math.ceil(50 * 1.093));
    expect(r.message).toContain('recent peak within 120 min (beyond 10 min, levels reached in >= 7 % of it): down to 55 Mbps');
  });
});

describe('predict: a censored run steps up faster each time the demand fills the step', () => {
  /** Samples 5 minutes apart, newest last, each at `share` of its cap. */
  const run = (caps: number[], share = 1) => caps.map((cap, i) => ({ at: T0 - (caps.length - i) * STEP, mbps: cap * share, cap }));

  it.each([
    { name: 'the first censored sample: no step filled yet', samples: run([20]), current: 20, steps: 0 },
    { name: 'two raises filled at once', samples: run([20, 22, 25]), current: 25, steps: 2 },
    { name: 'the raise to the current cap, filled by this sample', samples: run([20, 22]), current: 25, steps: 2 },
    {
      name: 'a sample under the cap ends the run',
      samples: [...run([20]), ...run([22], 0.5), ...run([25])].map((s, i) => ({ ...s, at: T0 - (3 - i) * STEP })),
      current: 25,
      steps: 0,
    },
  ])('censoredSteps: $name', ({ samples, current, steps }) => {
    expect(censoredSteps(CONFIG, samples, current)).toBe(steps);
  });

  it.each([
    { name: 'first step: the cap + 20 %', caps: [50], expected: Math.ceil(50 * 1.2 * 1.093) },
    { name: 'after two filled steps: the cap + 80 %', caps: [30, 40, 50], expected: Math.ceil(50 * 1.8 * 1.093) },
    { name: 'after four: at most the cap + 100 %', caps: [10, 20, 30, 40, 50], expected: Math.ceil(50 * 2 * 1.093) },
  ])('$name', ({ caps, expected }) => {
    expect(predict(CONFIG, { samples: run(caps) }, 50, 50, T0).reactive).toBe(expected);
  });

  it('says how far above the cap it read the demand, and why', () => {
    const r = predictiveRecommendation(CONFIG, { samples: run([30, 40, 50]) }, 50, 50, T0, { mbps: 50, reason: 'WITHIN_TOLERANCE', message: 'plain' });

    expect(r.reason).toBe('SATURATED_STEP_UP');
    expect(r.message).toContain('served 50 Mbps (at the cap: demand at least that, read as +80 % after 2 step(s) up it filled at once): up to 99 Mbps');
  });
});
