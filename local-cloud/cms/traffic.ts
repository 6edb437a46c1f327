// What the network would carry for one instance: demand over time, clipped at the bandwidth the
// instance had at that moment. Everything here is a pure function of (spec, instance, t) so any
// instant can be asked for in O(1) (O(log n) in the bandwidth log), in any order, with no state.
import type { DemandSpec, LocalInstance } from '../model';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Inbound traffic as a fraction of outbound demand. The emulator has no separate inbound model; a
 * web-serving instance receives requests and ACKs that are small next to the responses it sends,
 * so a tenth is a plausible, fixed ratio. Nothing in bwscaler scales on inbound traffic.
 */
export const INBOUND_FRACTION = 0.1;

/**
 * Offsets inside a minute at which a minute's statistics are sampled. Six samples catch a
 * bandwidth change or a flash crowd that starts mid-minute while keeping a day of one instance
 * at ~8,600 evaluations.
 */
const SAMPLE_OFFSETS_MS = [0, 10, 20, 30, 40, 50].map((s) => s * SECOND);

/** Outbound demand in Mbit/s at epoch-ms `t`: what users would pull if the pipe were unlimited. */
export function demandMbps(spec: DemandSpec, t: number): number {
  switch (spec.kind) {
    case 'constant':
      return Math.max(0, spec.mbps);
    case 'series':
      return seriesValue(spec, t);
    case 'diurnal':
      return diurnalValue(spec, t);
  }
}

/**
 * Step-hold series. A null gap, and any time before the series starts, reads as the previous
 * non-null value, or 0 when there is none: a trace that has said nothing yet means "no traffic",
 * and a short gap in a recorded trace is far more likely a collection hiccup than an outage.
 */
function seriesValue(spec: Extract<DemandSpec, { kind: 'series' }>, t: number): number {
  if (spec.mbps.length === 0 || t < spec.start) return 0;
  const step = Math.floor((t - spec.start) / (spec.stepSeconds * SECOND));
  for (let i = Math.min(step, spec.mbps.length - 1); i >= 0; i--) {
    const value = spec.mbps[i];
    if (value !== null && value !== undefined) return Math.max(0, value);
  }
  return 0;
}

function diurnalValue(spec: Extract<DemandSpec, { kind: 'diurnal' }>, t: number): number {
  const hourOfDay = (((t % DAY) + DAY) % DAY) / HOUR;
  // Raised cosine: 1 at the peak hour, 0 twelve hours away, smooth in between.
  const cycle = (1 + Math.cos((2 * Math.PI * (hourOfDay - spec.peakHourUtc)) / 24)) / 2;
  const weekday = new Date(t).getUTCDay();
  const weekend = weekday === 0 || weekday === 6 ? (spec.weekendFactor ?? 1) : 1;
  const noise = 1 + (spec.noise ?? 0) * valueNoise(spec.seed ?? 0, t);
  let mbps = (spec.baseMbps + (spec.peakMbps - spec.baseMbps) * cycle) * weekend * noise;
  for (const crowd of spec.flashCrowds ?? []) {
    if (t >= crowd.start && t < crowd.start + crowd.durationSeconds * SECOND) mbps += crowd.extraMbps;
  }
  return Math.max(0, mbps);
}

/**
 * Deterministic noise in [-1, 1]: a hashed value per (seed, minute), linearly interpolated between
 * neighbouring minutes so that samples within one minute differ (Maximum ≠ Minimum) and there are
 * no jumps at minute boundaries.
 */
function valueNoise(seed: number, t: number): number {
  const minute = Math.floor(t / MINUTE);
  const fraction = (t - minute * MINUTE) / MINUTE;
  const a = hashToUnit(seed, minute);
  const b = hashToUnit(seed, minute + 1);
  return a + (b - a) * fraction;
}

/** 32-bit integer mix (the murmur3 finaliser) of (seed, n), mapped to [-1, 1]. */
function hashToUnit(seed: number, n: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ n;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  h ^= h >>> 16;
  return ((h >>> 0) / 0xffffffff) * 2 - 1;
}

/**
 * The outbound bandwidth (Mbit/s) in effect at `t`: the last `bandwidthLog` entry at or before
 * `t`. Before the first entry the instance is taken to have had its initial bandwidth all along,
 * so a replay that asks about the past still sees a capped pipe.
 */
export function bandwidthAt(instance: Pick<LocalInstance, 'bandwidthLog' | 'InternetMaxBandwidthOut'>, t: number): number {
  const log = instance.bandwidthLog;
  const first = log[0];
  if (first === undefined) return instance.InternetMaxBandwidthOut;
  if (t < first.at) return first.out;
  let lo = 0;
  let hi = log.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((log[mid]?.at ?? Number.POSITIVE_INFINITY) <= t) lo = mid;
    else hi = mid - 1;
  }
  return log[lo]?.out ?? first.out;
}

/** Outbound traffic actually carried at `t`, Mbit/s: CloudMonitor sees served traffic, never demand. */
export function servedMbps(instance: LocalInstance, t: number): number {
  return Math.min(demandMbps(instance.demand, t), bandwidthAt(instance, t));
}

/**
 * Inbound traffic at `t`, Mbit/s: INBOUND_FRACTION of outbound demand, clipped at the instance's
 * current `InternetMaxBandwidthIn` (the emulator keeps no history of the inbound cap).
 */
export function inboundMbps(instance: LocalInstance, t: number): number {
  return Math.min(demandMbps(instance.demand, t) * INBOUND_FRACTION, Math.max(0, instance.InternetMaxBandwidthIn));
}

/** What one minute of a metric looks like, in the metric's own unit. */
export interface MinuteStats {
  Average: number;
  Maximum: number;
  Minimum: number;
}

export type TrafficQuantity = 'outRate' | 'outPercent' | 'inRate' | 'outBytes';

/**
 * Average/Maximum/Minimum over the minute starting at `minuteStart` (epoch ms, minute-aligned).
 * Rates are bit/s (the unit of CloudMonitor's ECS rate metrics); percent is served ÷ bandwidth in
 * effect at each sample × 100, and 0 while the bandwidth is 0. Bytes are one number per minute
 * (the volume the minute carried, its mean rate × 60 s ÷ 8), so its three statistics are equal.
 */
export function minuteStats(instance: LocalInstance, quantity: TrafficQuantity, minuteStart: number): MinuteStats {
  if (quantity === 'outBytes') {
    const bytes = (minuteStats(instance, 'outRate', minuteStart).Average * 60) / 8;
    return { Average: bytes, Maximum: bytes, Minimum: bytes };
  }
  let sum = 0;
  let max = Number.NEGATIVE_INFINITY;
  let min = Number.POSITIVE_INFINITY;
  for (const offset of SAMPLE_OFFSETS_MS) {
    const value = sampleAt(instance, quantity, minuteStart + offset);
    sum += value;
    max = Math.max(max, value);
    min = Math.min(min, value);
  }
  return { Average: sum / SAMPLE_OFFSETS_MS.length, Maximum: max, Minimum: min };
}

/** Average/Maximum/Minimum of `sample` over the minute starting at `minuteStart`, at the same offsets as minuteStats. */
export function sampleMinute(sample: (t: number) => number, minuteStart: number): MinuteStats {
  let sum = 0;
  let max = Number.NEGATIVE_INFINITY;
  let min = Number.POSITIVE_INFINITY;
  for (const offset of SAMPLE_OFFSETS_MS) {
    const value = sample(minuteStart + offset);
    sum += value;
    max = Math.max(max, value);
    min = Math.min(min, value);
  }
  return { Average: sum / SAMPLE_OFFSETS_MS.length, Maximum: max, Minimum: min };
}

function sampleAt(instance: LocalInstance, quantity: Exclude<TrafficQuantity, 'outBytes'>, t: number): number {
  switch (quantity) {
    case 'outRate':
      return servedMbps(instance, t) * 1e6;
    case 'inRate':
      return inboundMbps(instance, t) * 1e6;
    case 'outPercent': {
      const bandwidth = bandwidthAt(instance, t);
      return bandwidth > 0 ? (Math.min(demandMbps(instance.demand, t), bandwidth) / bandwidth) * 100 : 0;
    }
  }
}
