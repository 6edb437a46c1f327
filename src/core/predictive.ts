// The predictive policy (issue 14): a pure function of the past served samples, the current cap, the
// clock and the current sample. Forecast state comes in as input (`ServedHistory`), never read here.
//
// Two recommendations come out of one history:
// - `reactive`: the structural rules, which look only at what was served (a trigger/set band instead of
//   a target with a dead band, a prompt scale-down tied to the recent peak, wider margins on small
//   bandwidths, a look-back that lengthens on volatile traffic, censored samples read as "at least");
// - `forecast`: the same rules on demand raised by the seasonal rise factor (the median of the same
//   time of day over the last days: its maximum over the coming horizon relative to now).
// `forecast-only` acts on `reactive` and logs `forecast`; `forecast-and-scale` acts on the larger of
// the two, so the forecast only ever raises (AWS predictive scaling's rule:
// https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-predictive-scaling.html).
import { formatMbps } from './format';
import { ceilMbps, type MetricRecommendation } from './metric';
import type { HistorySample, PredictionLog, PredictiveConfig, ServedHistory } from './types';

export interface Prediction {
  /** The structural rules on the served history alone. */
  reactive: number;
  /** The same rules on demand × riseFactor. */
  forecast: number;
  /** What the policy acts on: reactive (forecast-only) or max(reactive, forecast). */
  target: number;
  riseFactor: number;
  /** Look-back used for scale-down, in seconds. */
  lookBackSeconds: number;
  /** Cap changes over the last 24 hours of history, when the policy has a changes budget. */
  changesInDay?: number;
  /** How many times the usual saving a scale-down needs (> 1 only over the changes budget). */
  scaleDownStrictness: number;
  /** Why the seasonal factor is 1, when it is for want of data. */
  seasonalNote?: string;
  /** The day the seasonal profile was read with (estimated or configured), when there is one. */
  dayLengthSeconds?: number;
  censored: boolean;
  /** When censored: how far above the cap demand was read (a fraction), after `censoredSteps` filled steps. */
  censoredRise?: number;
  censoredSteps?: number;
}

/** The last index whose sample is at or before `t`, or -1. Samples are oldest first. */
export function indexAtOrBefore(samples: ReadonlyArray<HistorySample>, t: number): number {
  let low = 0;
  let high = samples.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if ((samples[mid] as HistorySample).at <= t) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return found;
}

/** A served sample as a demand estimate: at or near the cap it says only "at least the cap + 1 Mbps". */
export function demandEstimate(config: PredictiveConfig, mbps: number, cap: number): number {
  if (cap > 0 && mbps >= (config.censoredPercent / 100) * cap) return Math.max(mbps, cap + 1);
  return mbps;
}

/** Trigger and set margins (fractions) for a demand: `smallFactor` times wider below `smallMbps`. */
export function margins(config: PredictiveConfig, demand: number): { trigger: number; set: number } {
  const widen = demand < config.smallMbps ? config.smallFactor : 1;
  return { trigger: (config.triggerPercent / 100) * widen, set: (config.setPercent / 100) * widen };
}

/**
 * The band's two levels (Mbps) over a demand: its percentage margins plus the absolute ones
 * (`triggerMbps`, `setMbps`). Aggregate traffic's sample-to-sample noise grows slower than its level
 * (on the ISP tuning part the 99.5th percentile of 5-minute rises is 27 % below 15 Mbps and 7 % above
 * 65 Mbps), so a margin in percent alone is too thin at low levels, where most drops happen, and too
 * thick at the peak, where most of the bill is: an absolute part puts the headroom where the noise is.
 */
export function bandLevels(config: PredictiveConfig, demand: number): { trigger: number; set: number } {
  const m = margins(config, demand);
  return { trigger: demand * (1 + m.trigger) + (config.triggerMbps ?? 0), set: demand * (1 + m.set) + (config.setMbps ?? 0) };
}

/**
 * The q-quantile of values[0..n) (linear between neighbours, so 0.5 is the median, the mean of the two
 * middle values when n is even), reordering them: quickselect, as this runs per offset on every decision.
 */
function quantileOf(values: Float64Array, n: number, q: number): number {
  const position = q * (n - 1);
  const upperIndex = Math.ceil(position);
  const upper = select(values, n, upperIndex);
  const lowerWeight = upperIndex - position;
  // A shortcut: the formula below gives `upper` at weight 0 too.
  if (lowerWeight === 0) return upper;
  // After select, values[0..upperIndex) hold the upperIndex smallest: the largest of them is the lower neighbour.
  let lower = values[0] as number;
  for (let i = 1; i < upperIndex; i++) lower = Math.max(lower, values[i] as number);
  // The median's own formula at 0.5, so that the default profile is the median to the last bit.
  return lowerWeight === 0.5 ? (lower + upper) / 2 : upper - lowerWeight * (upper - lower);
}

/**
 * The seasonal profile with a time-of-day tolerance, on the days' shared grid (the j-th sample after
 * each day's anchor is one time of day): profile[j] = m(j) + the `quantile` across the days of each
 * day's highest excess over m within ±`window` samples of j. A day's level at an offset is its sample
 * there, or the mean of the ±`half` samples around it; m is the days' median of their mean over
 * ±`window` samples.
 *
 * So m keeps the shape of the day (its rise over the next hour is not read early), and only what a
 * day had ABOVE that shape may come from a neighbouring minute: a burst that recurs every day within a
 * window lines up across the days. m is a median of means, not of levels, so that a burst diluted over
 * the window still stands out with one or two days of history (where the median of two days would be
 * half the burst). The mean tells a burst (minutes on end) from minute noise, whose highest minute of
 * an hour would otherwise raise every hour of the day. Indices outside the history read its first or
 * last sample. Linear in the samples read (prefix sums, a monotone queue per day), plus one
 * quickselect per offset.
 */
function toleratedProfile(
  samples: ReadonlyArray<HistorySample>,
  anchors: readonly number[],
  length: number,
  window: number,
  half: number,
  quantile: number,
): Float64Array {
  const days = anchors.length;
  const span = length + 2 * window;
  const reach = window + half;
  const read = span + 2 * reach;
  const last = samples.length - 1;
  const scratch = toleratedScratch(days * span, read + 1);
  // levels[d × span + o]: day d's level at offset o - window; around[...]: its mean over ±window
  // there, which keeps the day's shape and dilutes a burst (prefix sums over the clamped reads).
  const { levels, around, sums } = scratch;
  for (let d = 0; d < days; d++) {
    const first = (anchors[d] as number) - window - reach;
    for (let i = 0; i < read; i++) {
      const index = first + i;
      sums[i + 1] = (sums[i] as number) + (samples[Math.min(last, Math.max(0, index))] as HistorySample).mbps;
    }
    for (let o = 0; o < span; o++) {
      const centre = o + reach;
      levels[d * span + o] = ((sums[centre + half + 1] as number) - (sums[centre - half] as number)) / (2 * half + 1);
      around[d * span + o] = ((sums[centre + window + 1] as number) - (sums[centre - window] as number)) / (2 * window + 1);
    }
  }
  const shape = new Float64Array(span);
  const column = new Float64Array(days);
  for (let o = 0; o < span; o++) {
    for (let d = 0; d < days; d++) column[d] = around[d * span + o] as number;
    shape[o] = quantileOf(column, days, 0.5);
  }
  // Each day's highest excess over m within ±window: a monotone queue per day (the excess is written
  // over `levels`, which is not read again).
  const excess = levels;
  for (let d = 0; d < days; d++) for (let o = 0; o < span; o++) excess[d * span + o] = (excess[d * span + o] as number) - (shape[o] as number);
  const highest = new Float64Array(days * length);
  const queue = scratch.queue;
  for (let d = 0; d < days; d++) {
    const base = d * span;
    let head = 0;
    let tail = 0;
    let next = 0;
    for (let j = 0; j < length; j++) {
      // Offsets j .. j + 2 window of the span are j ± window of the profile.
      for (; next <= j + 2 * window; next++) {
        const value = excess[base + next] as number;
        while (tail > head && (excess[base + (queue[tail - 1] as number)] as number) <= value) tail--;
        queue[tail++] = next;
      }
      while ((queue[head] as number) < j) head++;
      highest[d * length + j] = excess[base + (queue[head] as number)] as number;
    }
  }
  const profile = new Float64Array(length);
  for (let j = 0; j < length; j++) {
    for (let d = 0; d < days; d++) column[d] = highest[d * length + j] as number;
    profile[j] = (shape[j + window] as number) + quantileOf(column, days, quantile);
  }
  return profile;
}

/**
 * Work arrays for toleratedProfile, kept between decisions (a one-minute history asks for tens of
 * kilobytes on every one). Only sizes carry over: every cell read is written first in the same call,
 * but sums[0], which is never written and stays 0.
 */
let toleratedArrays = { levels: new Float64Array(0), around: new Float64Array(0), sums: new Float64Array(0), queue: new Int32Array(0) };
// Its mutants reallocate more often, or keep arrays too small (read as NaN, which fails the profile
// tests in a fresh process): they survive Stryker only because the arrays outlive a run in its worker.
function toleratedScratch(cells: number, sums: number): typeof toleratedArrays {
  if (toleratedArrays.levels.length < cells || toleratedArrays.sums.length < sums) {
    const size = Math.max(cells, toleratedArrays.levels.length);
    toleratedArrays = {
      levels: new Float64Array(size),
      around: new Float64Array(size),
      sums: new Float64Array(Math.max(sums, toleratedArrays.sums.length)),
      queue: new Int32Array(size),
    };
  }
  return toleratedArrays;
}

/**
 * The seasonal rise factor: for each of the last `days` days, the served samples from the same time
 * of day to `horizonSeconds` later; their median profile's maximum over the horizon relative to its
 * value now, clipped to [1, maxRise]. 1 (with a note) until `minDays` days of history exist. The
 * day's length is the configured one, or estimated from the history around it (`dayLengthFromData`).
 *
 * Three options read the days for a burst that recurs daily but not at the same minute (the median
 * of a minute sees it only on the days it fell on that minute): `quantile` takes that quantile across
 * the days instead of the median; `windowSeconds` lets each day's excess over the days' shape come from
 * within ±window of the time of day, and `windowMeanSeconds` reads a day's level as the mean of that
 * span around each sample (`toleratedProfile`). The level now stays the plain median of the days'
 * samples at this time of day, so the factor is "what the busier days brought around this time,
 * over today's typical level". All three absent (or 0.5, 0, 0): the median profile exactly.
 */
export function riseFactor(
  config: PredictiveConfig,
  samples: ReadonlyArray<HistorySample>,
  now: number,
): { factor: number; downFactor: number; note?: string; dayLengthSeconds?: number } {
  const seasonal = config.seasonal;
  if (!seasonal) return { factor: 1, downFactor: 1 };
  const day = seasonal.dayLengthFromData ? estimateDayLength(samples, now, seasonal.days, seasonal.dayLengthSeconds) : { seconds: seasonal.dayLengthSeconds };
  const dayMs = day.seconds * 1000;
  const horizonMs = seasonal.horizonSeconds * 1000;
  const downHorizonMs = (seasonal.downHorizonSeconds ?? seasonal.horizonSeconds) * 1000;
  const readMs = Math.max(horizonMs, downHorizonMs);
  // Each day's profile is the run of samples from its anchor (the last at or before the same time of
  // day) to readMs later; the days share the history's grid, so the j-th sample of each is one offset.
  const anchors: number[] = [];
  let firstStart = 0;
  let length = Number.POSITIVE_INFINITY;
  for (let k = 1; k <= seasonal.days; k++) {
    const start = now - k * dayMs;
    const first = indexAtOrBefore(samples, start);
    if (first < 0) break;
    // The same time of day must be there: a gap longer than the horizon leaves that day out.
    if (start - (samples[first] as HistorySample).at > horizonMs) continue;
    let count = 1;
    while (first + count < samples.length && (samples[first + count] as HistorySample).at <= start + readMs) count++;
    if (anchors.length === 0) firstStart = start;
    anchors.push(first);
    length = Math.min(length, count);
  }
  const withDay = (result: { factor: number; downFactor: number; note?: string }) => ({
    ...result,
    ...(day.note === undefined ? {} : { note: result.note === undefined ? day.note : `${result.note}; ${day.note}` }),
    dayLengthSeconds: day.seconds,
  });
  if (anchors.length < seasonal.minDays) {
    return withDay({ factor: 1, downFactor: 1, note: `seasonal: ${anchors.length} of ${seasonal.minDays} days of history needed` });
  }
  const levels = new Float64Array(anchors.length);
  const quantile = seasonal.quantile ?? 0.5;
  const windowMs = (seasonal.windowSeconds ?? 0) * 1000;
  const meanMs = (seasonal.windowMeanSeconds ?? 0) * 1000;
  // The tolerance and the mean in samples of the grid, counted on the most recent day.
  const samplesWithin = (ms: number) =>
    ms > 0 ? indexAtOrBefore(samples, (samples[anchors[0] as number] as HistorySample).at + ms) - (anchors[0] as number) : 0;
  const window = samplesWithin(windowMs);
  const half = samplesWithin(meanMs / 2);
  const tolerated = window > 0 || half > 0 ? toleratedProfile(samples, anchors, length, window, half, quantile) : undefined;
  const plainAt = (j: number) => {
    for (let d = 0; d < anchors.length; d++) levels[d] = (samples[(anchors[d] as number) + j] as HistorySample).mbps;
    return levels;
  };
  const profileAt = (j: number) => (tolerated ? (tolerated[j] as number) : quantileOf(plainAt(j), anchors.length, quantile));
  const nowLevel = quantileOf(plainAt(0), anchors.length, 0.5);
  if (!(nowLevel > 0)) return withDay({ factor: 1, downFactor: 1 });
  // The profile's peak within each horizon (offsets read on the most recent day). The plain median
  // profile is the level now at offset 0; a widened or other-quantile one is read there too.
  const firstAnchor = anchors[0] as number;
  let peak = nowLevel;
  let downPeak = nowLevel;
  // (Starting the plain median at 0 rereads nowLevel.)
  for (let j = quantile === 0.5 && !tolerated ? 1 : 0; j < length; j++) {
    const level = profileAt(j);
    const offset = (samples[firstAnchor + j] as HistorySample).at - firstStart;
    if (offset <= horizonMs) peak = Math.max(peak, level);
    if (offset <= downHorizonMs) downPeak = Math.max(downPeak, level);
  }
  const clip = (rise: number, max: number) => Math.min(max, Math.max(1, rise));
  return withDay({
    factor: clip(peak / nowLevel, seasonal.maxRise),
    downFactor:
      seasonal.downHorizonSeconds === undefined ? clip(peak / nowLevel, seasonal.maxRise) : clip(downPeak / nowLevel, seasonal.downMaxRise ?? seasonal.maxRise),
  });
}

/** The estimate's bins: a 96th of the nominal day (15 minutes for 1 d). */
const BINS_PER_DAY = 96;
/** The estimate is redone every 6 hours, from the history up to the start of those 6 hours. */
const DAY_ESTIMATE_EVERY_MS = 6 * 3_600_000;
/** Below this autocorrelation at the peak there is no daily pattern to speak of. */
const MIN_DAILY_CORRELATION = 0.3;

export interface DayLengthEstimate {
  seconds: number;
  /** Why the estimate fell back to the nominal day, when it did. */
  note?: string;
}

/**
 * The traffic's day length, estimated from the served history: a trace's "day" need not be 24 hours of
 * its timestamps (one shared trace repeats every 283 five-minute samples, not 288, its clock being
 * off), and a profile read k days back with the wrong day drifts by k times the error.
 *
 * The history of the last `days` nominal days up to the start of the current 6 hours is averaged into
 * bins of a 96th of the nominal day. The autocorrelation's peak between 0.9 and 1.1 nominal days gives a first estimate;
 * the peak near k such days (k = half the days available, at most 7: a week also lines the weekdays up)
 * refines it k-fold; a parabola through the peak and its neighbours gives the fraction of a bin. No
 * clear daily pattern (peak autocorrelation < 0.3, or at the edge of the range) or under 3 nominal days
 * of history: the nominal day, with a note. A lag between samples is a shift of the same profile, whatever
 * the users' time zone, so none is needed (a daylight-saving shift is not modelled).
 *
 * Pure by value: the result depends only on `samples` up to the 6-hour cutoff. It is memoised per
 * samples array (the backtest passes one growing array), which assumes that a sample once at or before
 * a cutoff is never changed in that array; the memo checks the first and last such sample.
 */
export function estimateDayLength(samples: ReadonlyArray<HistorySample>, now: number, days: number, nominalSeconds: number): DayLengthEstimate {
  const cutoff = Math.floor(now / DAY_ESTIMATE_EVERY_MS) * DAY_ESTIMATE_EVERY_MS;
  const last = indexAtOrBefore(samples, cutoff);
  const memo = dayLengthMemo.get(samples);
  // A cache: skipping it changes no answer. The cutoff, days and nominal day are pinned by tests; the
  // last/lastAt/firstAt checks back each other up against a changed array, and no test tells them apart.
  if (
    memo &&
    memo.cutoff === cutoff &&
    memo.last === last &&
    memo.lastAt === samples[last]?.at &&
    memo.firstAt === samples[0]?.at &&
    memo.days === days &&
    memo.nominalSeconds === nominalSeconds
  ) {
    return memo.estimate;
  }
  const estimate = dayLengthUpTo(samples, last, cutoff, days, nominalSeconds);
  dayLengthMemo.set(samples, { cutoff, last, lastAt: samples[last]?.at, firstAt: samples[0]?.at, days, nominalSeconds, estimate });
  return estimate;
}

const dayLengthMemo = new WeakMap<
  ReadonlyArray<HistorySample>,
  {
    cutoff: number;
    last: number;
    lastAt: number | undefined;
    firstAt: number | undefined;
    days: number;
    nominalSeconds: number;
    estimate: DayLengthEstimate;
  }
>();

function dayLengthUpTo(samples: ReadonlyArray<HistorySample>, last: number, cutoff: number, days: number, nominalSeconds: number): DayLengthEstimate {
  const nominal = { seconds: nominalSeconds };
  const nominalMs = nominalSeconds * 1000;
  const binMs = nominalMs / BINS_PER_DAY;
  const binCount = Math.floor(days * BINS_PER_DAY);
  const from = cutoff - binCount * binMs;
  const sums = new Float64Array(binCount);
  const counts = new Uint16Array(binCount);
  let earliest = Number.POSITIVE_INFINITY;
  for (let i = last; i >= 0; i--) {
    const s = samples[i] as HistorySample;
    if (s.at < from) break;
    const bin = Math.min(binCount - 1, Math.floor((s.at - from) / binMs));
    sums[bin] = (sums[bin] as number) + s.mbps;
    counts[bin] = (counts[bin] as number) + 1;
    earliest = s.at;
  }
  const spanDays = (cutoff - earliest) / nominalMs;
  if (!(spanDays >= 3))
    return {
      ...nominal,
      note: `day length: ${(Math.floor(Math.max(0, spanDays) * 10) / 10).toFixed(1)} of 3 days of history needed, the configured day assumed`,
    };
  // Centred bin means; an empty bin (a gap) is NaN and leaves its pairs out.
  let total = 0;
  let filled = 0;
  for (let b = 0; b < binCount; b++) {
    if ((counts[b] as number) > 0) {
      total += (sums[b] as number) / (counts[b] as number);
      filled++;
    }
  }
  const mean = total / filled;
  const x = new Float64Array(binCount);
  for (let b = 0; b < binCount; b++) x[b] = (counts[b] as number) > 0 ? (sums[b] as number) / (counts[b] as number) - mean : Number.NaN;
  const first = Math.max(0, binCount - Math.floor(spanDays * BINS_PER_DAY));
  const coarse = peakLag(x, first, Math.floor(0.9 * BINS_PER_DAY), Math.ceil(1.1 * BINS_PER_DAY));
  if (!coarse || coarse.correlation < MIN_DAILY_CORRELATION) {
    return { ...nominal, note: 'day length: no clear daily pattern in the history, the configured day assumed' };
  }
  const k = Math.max(1, Math.min(7, Math.floor(spanDays / 2)));
  let lagBins = coarse.lag;
  if (k > 1) {
    // The first estimate's error (within a bin or two) grows k-fold at k days: search that wide.
    const centre = k * coarse.lag;
    const fine = peakLag(x, first, Math.floor(centre - 2 * k), Math.ceil(centre + 2 * k));
    if (fine && fine.correlation >= MIN_DAILY_CORRELATION) lagBins = fine.lag / k;
  }
  return { seconds: Math.round((lagBins * nominalSeconds) / BINS_PER_DAY) };
}

/** Autocorrelation of x[first..] at `lag` over the pairs where both bins have data. */
function correlationAt(x: Float64Array, first: number, lag: number): number {
  let cross = 0;
  let energyA = 0;
  let energyB = 0;
  for (let i = first + lag; i < x.length; i++) {
    const a = x[i] as number;
    const b = x[i - lag] as number;
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    cross += a * b;
    energyA += a * a;
    energyB += b * b;
  }
  return energyA > 0 && energyB > 0 ? cross / Math.sqrt(energyA * energyB) : 0;
}

/**
 * The lag in [low, high] with the highest autocorrelation, refined to a fraction of a bin by a parabola
 * through it and its neighbours; undefined when the peak sits at an edge of the range (no peak inside it)
 * or the range does not fit the data.
 */
function peakLag(x: Float64Array, first: number, low: number, high: number): { lag: number; correlation: number } | undefined {
  if (low < 1 || high + 1 >= x.length - first) return undefined;
  let best = low;
  let bestCorrelation = Number.NEGATIVE_INFINITY;
  const correlations = new Float64Array(high - low + 3);
  for (let lag = low - 1; lag <= high + 1; lag++) {
    const c = correlationAt(x, first, lag);
    correlations[lag - low + 1] = c;
    if (lag >= low && lag <= high && c > bestCorrelation) {
      best = lag;
      bestCorrelation = c;
    }
  }
  const before = correlations[best - low] as number;
  const after = correlations[best - low + 2] as number;
  if (before > bestCorrelation || after > bestCorrelation) return undefined;
  const curvature = before - 2 * bestCorrelation + after;
  const offset = curvature < 0 ? Math.max(-0.5, Math.min(0.5, (before - after) / (2 * curvature))) : 0;
  return { lag: best + offset, correlation: bestCorrelation };
}

/**
 * The scale-down look-back: `lookBackSeconds`, lengthened in proportion to how far the recent
 * sample-to-sample rises (their `volatilityQuantile` over the last 6 hours) exceed the set margin, up to
 * `maxLookBackSeconds`: on spiky traffic the policy does not chase noise down.
 */
export function lookBack(config: PredictiveConfig, samples: ReadonlyArray<HistorySample>, now: number): number {
  return lookBackFor(config, volatility(config, samples, now));
}

function lookBackFor(config: PredictiveConfig, rise: number | undefined): number {
  if (rise === undefined) return config.lookBackSeconds;
  const scale = Math.max(1, rise / (config.setPercent / 100));
  return Math.min(config.maxLookBackSeconds, Math.round(config.lookBackSeconds * scale));
}

/**
 * The `volatilityQuantile` of the sample-to-sample rises (fractions, falls as 0) over the last
 * 6 hours; undefined with fewer than 12 of them.
 */
export function volatility(config: PredictiveConfig, samples: ReadonlyArray<HistorySample>, now: number): number | undefined {
  const since = now - VOLATILITY_WINDOW_MS;
  const first = Math.max(1, indexAtOrBefore(samples, since) + 1);
  const count = samples.length - first;
  if (count < 12) return undefined;
  // A typed array sorts numerically without a comparator: this runs on every decision.
  const rises = new Float64Array(count);
  let n = 0;
  for (let i = first; i < samples.length; i++) {
    const before = (samples[i - 1] as HistorySample).mbps;
    if (before > 0) rises[n++] = Math.max(0, (samples[i] as HistorySample).mbps / before - 1);
  }
  if (n < 12) return undefined;
  return select(rises, n, Math.min(n - 1, Math.floor(config.volatilityQuantile * n)));
}

/** How far back the sample-to-sample rises are read for volatility: a quarter of a day. */
export const VOLATILITY_WINDOW_MS = 6 * 3_600_000;

/** The k-th smallest of values[0..n) (0-based), reordering them: Hoare's quickselect, O(n) on average. */
export function select(values: Float64Array, n: number, k: number): number {
  let low = 0;
  let high = n - 1;
  while (low < high) {
    const pivot = values[(low + high) >> 1] as number;
    let i = low;
    let j = high;
    while (i <= j) {
      while ((values[i] as number) < pivot) i++;
      while ((values[j] as number) > pivot) j--;
      if (i <= j) {
        const t = values[i] as number;
        values[i] = values[j] as number;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) high = j;
    else if (k >= i) low = i;
    else return values[k] as number;
  }
  return values[k] as number;
}

/**
 * The trigger/set band on one demand level and the recent peak. `mayScaleDown(saving)` says whether a
 * saving of that many Mbps is worth a change (>= 1 Mbps and >= the share of the week's peak).
 */
function band(
  config: PredictiveConfig,
  current: number,
  demand: number,
  recentPeak: number,
  mayScaleDown: (saving: number) => boolean,
  censored: boolean,
): number {
  const up = bandLevels(config, demand);
  if (current < up.trigger || censored) {
    const target = ceilMbps(up.set);
    return censored ? Math.max(target, current + 1) : Math.max(target, current);
  }
  const down = ceilMbps(bandLevels(config, recentPeak).set);
  return mayScaleDown(current - down) ? down : current;
}

/**
 * Whether some demand estimate within [from, now] times `share` exceeds `limit`, scanning from the
 * newest sample back and stopping at the first: the same comparison as `share × highestSince(…) > limit`
 * (a product with a positive share keeps the order), without reading the whole week when the answer is yes.
 */
function anyAbove(config: PredictiveConfig, samples: ReadonlyArray<HistorySample>, from: number, share: number, limit: number): boolean {
  const censoredShare = config.censoredPercent / 100;
  for (let i = samples.length - 1; i >= 0; i--) {
    const s = samples[i] as HistorySample;
    if (s.at < from) return false;
    const estimate = s.cap > 0 && s.mbps >= censoredShare * s.cap ? Math.max(s.mbps, s.cap + 1) : s.mbps;
    if (share * estimate > limit) return true;
  }
  return false;
}

/** The highest demand estimate within [from, now] (censored samples read as cap + 1), at least `floor`. */
function highestSince(config: PredictiveConfig, samples: ReadonlyArray<HistorySample>, from: number, floor: number): number {
  const censoredShare = config.censoredPercent / 100;
  let highest = floor;
  for (let i = samples.length - 1; i >= 0; i--) {
    const s = samples[i] as HistorySample;
    if (s.at < from) break;
    // demandEstimate, inlined: this loop may run over a week of samples.
    const estimate = s.cap > 0 && s.mbps >= censoredShare * s.cap ? Math.max(s.mbps, s.cap + 1) : s.mbps;
    if (estimate > highest) highest = estimate; // `>=` keeps the same value
  }
  return highest;
}

/**
 * The peak a scale-down keeps above: the highest demand estimate over the base look-back and, over the
 * part a volatile history adds (up to `lookBackSeconds`), the highest level the demand reached in at
 * least `holdPercent` % of that look-back's samples. Holding a Mbps costs all the time; it saves drops
 * only while the demand is above it, so an isolated burst is not held for hours, a recurring one is.
 * `holdPercent` 0 holds the highest sample, burst or not.
 */
export function recentPeak(config: PredictiveConfig, samples: ReadonlyArray<HistorySample>, now: number, lookBackSeconds: number, demand: number): number {
  const short = highestSince(config, samples, now - config.lookBackSeconds * 1000, demand);
  // A shortcut: a look-back no longer than the base one adds nothing to the max below.
  if (lookBackSeconds <= config.lookBackSeconds) return short;
  const start = indexAtOrBefore(samples, now - lookBackSeconds * 1000 - 1) + 1;
  const n = samples.length - start;
  const held = Math.max(1, Math.ceil(((config.holdPercent ?? 0) / 100) * n));
  // Shortcuts: n 0 reads nothing beyond `short`; held 1 is select()'s largest, the highest sample from
  // the same instant (timestamps are whole milliseconds).
  if (n <= 0) return short;
  if (held === 1) return Math.max(short, highestSince(config, samples, now - lookBackSeconds * 1000, demand));
  const censoredShare = config.censoredPercent / 100;
  const values = new Float64Array(n);
  for (let i = start; i < samples.length; i++) {
    const s = samples[i] as HistorySample;
    values[i - start] = s.cap > 0 && s.mbps >= censoredShare * s.cap ? Math.max(s.mbps, s.cap + 1) : s.mbps;
  }
  return Math.max(short, select(values, n, Math.max(0, n - held)));
}

/**
 * The prediction for one decision. `sample` is this tick's served rate in Mbps (it may be newer than
 * the history's last sample, which it then extends); `current` the cap now.
 */
export function predict(config: PredictiveConfig, history: ServedHistory, sampleMbps: number, current: number, now: number): Prediction {
  const samples = history.samples;
  const censored = current > 0 && sampleMbps >= (config.censoredPercent / 100) * current;
  // Censored: demand is at least the cap; how much more is unknown, so read it as censoredRise above,
  // doubled for each step up that the demand has already filled (a surge is found in a few steps).
  const steps = censored ? censoredSteps(config, samples, current) : 0;
  const censoredRise = Math.min(MAX_CENSORED_RISE, (config.censoredRisePercent / 100) * 2 ** steps);
  const demand = censored ? Math.max(sampleMbps, current * (1 + censoredRise)) : sampleMbps;
  const lookBackSeconds = lookBack(config, samples, now);
  const recent = recentPeak(config, samples, now, lookBackSeconds, demand);
  const changes = config.changesPerDay === undefined ? undefined : changesSince(samples, now - DAY_MS);
  // Over the budget, every scale-down must save that many times more (scale-up is never held back):
  // on noisier traffic than the policy was tuned on, the changes a day stay near the budget.
  // (`changes` is undefined exactly when `changesPerDay` is: the second test only narrows the type.)
  const strictness = changes === undefined || config.changesPerDay === undefined ? 1 : Math.max(1, changes / config.changesPerDay);
  const share = (strictness * config.scaleDownPercentOfPeak) / 100;
  const peakFrom = now - config.peakWindowSeconds * 1000;
  // saving >= strictness × max(1 Mbps, scaleDownPercentOfPeak % of the week's peak) (`share` holds the
  // strictness), the peak being at least this demand. Decided without always scanning the week: a
  // saving under share × demand fails at once, and the backward scan stops at the first sample that
  // puts share × the peak above the saving.
  const mayScaleDown = (saving: number) => saving >= strictness && saving >= share * demand && !anyAbove(config, samples, peakFrom, share, saving);
  const reactive = band(config, current, demand, recent, mayScaleDown, censored);
  const rise = riseFactor(config, samples, now);
  // A shortcut: band() with both factors 1 is the reactive band.
  const forecast =
    rise.factor === 1 && rise.downFactor === 1 ? reactive : band(config, current, demand * rise.factor, recent * rise.downFactor, mayScaleDown, censored);
  // The forecast only ever raises: max() keeps that true even where the band is not monotone (its
  // margins widen below smallMbps, so a little more demand can ask for less bandwidth).
  const target = config.mode === 'forecast-and-scale' ? Math.max(reactive, forecast) : reactive;
  return {
    reactive,
    forecast,
    target,
    riseFactor: rise.factor,
    lookBackSeconds,
    censored,
    // Optional fields are left out, not written as undefined (a test that cannot tell the two apart
    // lets those mutants live).
    ...(censored ? { censoredRise, censoredSteps: steps } : {}),
    ...(changes === undefined ? {} : { changesInDay: changes }),
    scaleDownStrictness: strictness,
    ...(rise.note === undefined ? {} : { seasonalNote: rise.note }),
    ...(rise.dayLengthSeconds === undefined ? {} : { dayLengthSeconds: rise.dayLengthSeconds }),
  };
}

const DAY_MS = 86_400_000;

/** A censored step reads demand at most this much above the cap (a doubling), however long the run. */
const MAX_CENSORED_RISE = 1;

/**
 * How many times the cap was raised during the run of censored samples that ends now: each is a step
 * up that the demand filled at once. Scans back from the newest sample while samples are censored
 * (a cap of 0 is unknown and ends the run); the current cap counts as the newest.
 */
export function censoredSteps(config: PredictiveConfig, samples: ReadonlyArray<HistorySample>, current: number): number {
  const censoredShare = config.censoredPercent / 100;
  let steps = 0;
  let newer = current;
  for (let i = samples.length - 1; i >= 0; i--) {
    const s = samples[i] as HistorySample;
    if (!(s.cap > 0 && s.mbps >= censoredShare * s.cap)) break;
    if (s.cap < newer) steps++;
    newer = s.cap;
  }
  return steps;
}

/**
 * How many times the cap changed over the samples at or after `from`: consecutive known caps that
 * differ. A cap of 0 is unknown (a backfilled minute: src/cycle/served-history.ts) and is skipped, so
 * a run of unknown caps between two equal ones is no change.
 */
export function changesSince(samples: ReadonlyArray<HistorySample>, from: number): number {
  let changes = 0;
  let newer = 0;
  for (let i = samples.length - 1; i >= 0; i--) {
    const s = samples[i] as HistorySample;
    if (s.at < from) break;
    if (s.cap <= 0) continue;
    if (newer > 0 && s.cap !== newer) changes++;
    newer = s.cap;
  }
  return changes;
}

/** A day length for a message: "23h35m". */
function formatDayLength(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** How the seasonal profile was read, when not the plain median: ", profile 0.9-quantile ±45 min". */
function profileDescription(config: PredictiveConfig): string {
  const seasonal = config.seasonal;
  if (!seasonal) return '';
  const quantile = seasonal.quantile ?? 0.5;
  const window = seasonal.windowSeconds ?? 0;
  const mean = seasonal.windowMeanSeconds ?? 0;
  if (quantile === 0.5 && window === 0 && mean === 0) return '';
  const across = quantile === 0.5 ? 'median' : `${quantile}-quantile`;
  const level = mean > 0 ? ` of ${Math.round(mean / 60)}-min means` : '';
  return `, profile ${across}${level}${window > 0 ? ` ±${Math.round(window / 60)} min` : ''}`;
}

/**
 * The metric recommendation of a policy with a `predictive` block. Without history (a cold start, or a
 * path that does not pass one) it is the plain reactive rules' recommendation, and says so.
 */
export function predictiveRecommendation(
  config: PredictiveConfig,
  history: ServedHistory | undefined,
  sampleMbps: number,
  current: number,
  now: number,
  plain: MetricRecommendation,
): MetricRecommendation {
  if (!history || history.samples.length < 2 || current <= 0) {
    const why = history?.note ?? 'no served history yet';
    return { ...plain, message: `${plain.message} (predictive: ${why}, plain reactive rules)` };
  }
  const p = predict(config, history, sampleMbps, current, now);
  const prediction: PredictionLog = { mode: config.mode, reactive: p.reactive, forecast: p.forecast, riseFactor: p.riseFactor };
  const day = p.dayLengthSeconds === undefined ? '' : `, day ${formatDayLength(p.dayLengthSeconds)}`;
  const seasonal = `${profileDescription(config)}${day}${p.seasonalNote ? `; ${p.seasonalNote}` : ''}`;
  const detail = `forecast ${formatMbps(p.forecast)} (rise ×${p.riseFactor.toFixed(3)}${seasonal}), reactive ${formatMbps(p.reactive)}, ${config.mode}`;
  const censoredRead =
    p.censoredRise === undefined
      ? ''
      : `, read as +${Math.round(p.censoredRise * 100)} %${p.censoredSteps ? ` after ${p.censoredSteps} step(s) up it filled at once` : ''}`;
  const served = `served ${formatMbps(sampleMbps)}${p.censored ? ` (at the cap: demand at least that${censoredRead})` : ''}`;
  const budget =
    // (changesInDay and changesPerDay are defined together: the first two tests narrow the types.)
    p.changesInDay !== undefined && config.changesPerDay !== undefined && p.scaleDownStrictness > 1
      ? `; ${p.changesInDay} changes in 24 h, over the budget of ${config.changesPerDay}: a scale-down must save ×${p.scaleDownStrictness.toFixed(2)}`
      : '';
  const held =
    p.lookBackSeconds > config.lookBackSeconds && (config.holdPercent ?? 0) > 0
      ? ` (beyond ${Math.round(config.lookBackSeconds / 60)} min, levels reached in >= ${config.holdPercent} % of it)`
      : '';
  if (p.target > current) {
    return {
      mbps: p.target,
      reason: p.censored ? 'SATURATED_STEP_UP' : 'SCALE_UP',
      message: `${served}: up to ${formatMbps(p.target)}; ${detail}`,
      prediction,
    };
  }
  if (p.target < current) {
    return {
      mbps: p.target,
      reason: 'SCALE_DOWN',
      message: `${served}, recent peak within ${Math.round(p.lookBackSeconds / 60)} min${held}: down to ${formatMbps(p.target)}; ${detail}${budget}`,
      prediction,
    };
  }
  return { mbps: current, reason: 'WITHIN_TOLERANCE', message: `${served}: ${formatMbps(current)} is inside the band; ${detail}${budget}`, prediction };
}
