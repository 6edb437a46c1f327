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
  /** Why the seasonal factor is 1, when it is for want of data. */
  seasonalNote?: string;
  censored: boolean;
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

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1 ? (values[mid] as number) : ((values[mid - 1] as number) + (values[mid] as number)) / 2;
}

/**
 * The seasonal rise factor: for each of the last `days` days, the served samples from the same time
 * of day to `horizonSeconds` later; their median profile's maximum over the horizon relative to its
 * value now, clipped to [1, maxRise]. 1 (with a note) until `minDays` days of history exist.
 */
export function riseFactor(config: PredictiveConfig, samples: ReadonlyArray<HistorySample>, now: number): { factor: number; note?: string } {
  const seasonal = config.seasonal;
  if (!seasonal) return { factor: 1 };
  const dayMs = seasonal.dayLengthSeconds * 1000;
  const horizonMs = seasonal.horizonSeconds * 1000;
  const profiles: number[][] = [];
  for (let k = 1; k <= seasonal.days; k++) {
    const start = now - k * dayMs;
    const first = indexAtOrBefore(samples, start);
    if (first < 0) break;
    const anchor = samples[first] as HistorySample;
    // The same time of day must be there: a gap longer than the horizon leaves that day out.
    if (start - anchor.at > horizonMs) continue;
    const profile: number[] = [anchor.mbps];
    for (let i = first + 1; i < samples.length; i++) {
      const s = samples[i] as HistorySample;
      if (s.at > start + horizonMs) break;
      profile.push(s.mbps);
    }
    profiles.push(profile);
  }
  if (profiles.length < seasonal.minDays) {
    return { factor: 1, note: `seasonal: ${profiles.length} of ${seasonal.minDays} days of history needed` };
  }
  const length = Math.min(...profiles.map((p) => p.length));
  const nowLevel = median(profiles.map((p) => p[0] as number));
  if (!(nowLevel > 0)) return { factor: 1 };
  let peak = nowLevel;
  for (let j = 1; j < length; j++) peak = Math.max(peak, median(profiles.map((p) => p[j] as number)));
  return { factor: Math.min(seasonal.maxRise, Math.max(1, peak / nowLevel)) };
}

/**
 * The scale-down look-back: `lookBackSeconds`, lengthened in proportion to how far the recent
 * sample-to-sample rises (their `volatilityQuantile` over the last 6 hours) exceed the set margin, up to
 * `maxLookBackSeconds`: on spiky traffic the policy does not chase noise down.
 */
export function lookBack(config: PredictiveConfig, samples: ReadonlyArray<HistorySample>, now: number): number {
  const since = now - VOLATILITY_WINDOW_MS;
  const first = Math.max(1, indexAtOrBefore(samples, since) + 1);
  const count = samples.length - first;
  if (count < 12) return config.lookBackSeconds;
  // A typed array sorts numerically without a comparator: this runs on every decision.
  const rises = new Float64Array(count);
  let n = 0;
  for (let i = first; i < samples.length; i++) {
    const before = (samples[i - 1] as HistorySample).mbps;
    if (before > 0) rises[n++] = Math.max(0, (samples[i] as HistorySample).mbps / before - 1);
  }
  if (n < 12) return config.lookBackSeconds;
  const q = select(rises, n, Math.min(n - 1, Math.floor(config.volatilityQuantile * n)));
  const scale = Math.max(1, q / (config.setPercent / 100));
  return Math.min(config.maxLookBackSeconds, Math.round(config.lookBackSeconds * scale));
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

/** The trigger/set band on one demand level (and the recent peak for scale-down). */
/**
 * The trigger/set band on one demand level and the recent peak. `downThreshold` is asked for only when
 * a scale-down of at least 1 Mbps is on the table: it scans a week of samples.
 */
function band(config: PredictiveConfig, current: number, demand: number, recentPeak: number, downThreshold: () => number, censored: boolean): number {
  const up = margins(config, demand);
  if (current < demand * (1 + up.trigger) || censored) {
    const target = ceilMbps(demand * (1 + up.set));
    return censored ? Math.max(target, current + 1) : Math.max(target, current);
  }
  const down = ceilMbps(recentPeak * (1 + margins(config, recentPeak).set));
  return current - down >= 1 && current - down >= downThreshold() ? down : current;
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
    if (estimate > highest) highest = estimate;
  }
  return highest;
}

/**
 * The prediction for one decision. `sample` is this tick's served rate in Mbps (it may be newer than
 * the history's last sample, which it then extends); `current` the cap now.
 */
export function predict(config: PredictiveConfig, history: ServedHistory, sampleMbps: number, current: number, now: number): Prediction {
  const samples = history.samples;
  const censored = current > 0 && sampleMbps >= (config.censoredPercent / 100) * current;
  // Censored: demand is at least the cap; how much more is unknown, so read it as censoredRise above.
  const demand = censored ? Math.max(sampleMbps, current * (1 + config.censoredRisePercent / 100)) : sampleMbps;
  const lookBackSeconds = lookBack(config, samples, now);
  const recent = highestSince(config, samples, now - lookBackSeconds * 1000, demand);
  let threshold: number | undefined;
  const downThreshold = () => {
    threshold ??= Math.max(1, (config.scaleDownPercentOfPeak / 100) * highestSince(config, samples, now - config.peakWindowSeconds * 1000, demand));
    return threshold;
  };
  const reactive = band(config, current, demand, recent, downThreshold, censored);
  const rise = riseFactor(config, samples, now);
  const forecast = rise.factor === 1 ? reactive : band(config, current, demand * rise.factor, recent * rise.factor, downThreshold, censored);
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
    ...(rise.note === undefined ? {} : { seasonalNote: rise.note }),
  };
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
  const seasonal = p.seasonalNote ? `; ${p.seasonalNote}` : '';
  const detail = `forecast ${formatMbps(p.forecast)} (rise ×${p.riseFactor.toFixed(3)}${seasonal}), reactive ${formatMbps(p.reactive)}, ${config.mode}`;
  const served = `served ${formatMbps(sampleMbps)}${p.censored ? ' (at the cap: demand at least that)' : ''}`;
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
      message: `${served}, recent peak within ${Math.round(p.lookBackSeconds / 60)} min: down to ${formatMbps(p.target)}; ${detail}`,
      prediction,
    };
  }
  return { mbps: current, reason: 'WITHIN_TOLERANCE', message: `${served}: ${formatMbps(current)} is inside the band; ${detail}`, prediction };
}
