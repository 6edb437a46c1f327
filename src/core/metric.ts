// What the metric rules recommend from one served-traffic sample, and the memory of recommendations
// the scale-down stabilisation reads. CloudMonitor reports SERVED traffic: at the cap, demand is
// censored, which is why saturation is checked before any proportional rule.
import { formatMbps, formatPercent, formatPoints } from './format';
import type { Adjustment, Policy, PredictionLog, ReasonCode, Recommendation, StepRule } from './types';

const BITS_PER_MBIT = 1_000_000;

/**
 * How old a sample may be and still move bandwidth: three periods of the default 5-minute tick
 * (template.yml ScheduleCron). CloudMonitor reports 1-minute points a minute or two late, so a sane
 * sample is minutes old; one far older means the metric pipeline (or a clock) is broken.
 */
export const DEFAULT_MAX_SAMPLE_AGE_SECONDS = 900;

/**
 * Served traffic as a percentage of the bandwidth cap; undefined at 0 Mbps, where nothing is served
 * and utilisation says nothing about demand. Rounded to 1e-9 %: 29 Mbps of 100 computes as
 * 28.999999999999996 in floating point and must still fall in a band that starts at 29 %.
 */
export function utilization(sampleBps: number, mbps: number): number | undefined {
  if (mbps <= 0) return undefined;
  return Math.round((sampleBps / (mbps * BITS_PER_MBIT)) * 100 * 1e9) / 1e9;
}

export function bpsToMbps(bps: number): number {
  return bps / BITS_PER_MBIT;
}

/**
 * Whole Mbps, rounded up (the API takes integers; rounding up never under-provisions). The 1e-9 slack
 * keeps float noise from costing a whole Mbps: 10 × 1.1 is 11.000000000000002, which must stay 11.
 */
export function ceilMbps(value: number): number {
  return Math.max(0, Math.ceil(value - 1e-9));
}

export function applyAdjustment(adjust: Adjustment, current: number): number {
  switch (adjust.type) {
    case 'add':
      return ceilMbps(current + adjust.mbps);
    case 'multiply':
      return ceilMbps(current * adjust.factor);
    case 'set':
      return ceilMbps(adjust.mbps);
  }
}

function describeAdjustment(adjust: Adjustment, result: number): string {
  switch (adjust.type) {
    case 'add':
      // An add of 0 reads "adding 0 Mbps" or "removing 0 Mbps" alike: `>= 0` and `> 0` say the same.
      return `${adjust.mbps >= 0 ? 'adding' : 'removing'} ${formatMbps(Math.abs(adjust.mbps))}, to ${formatMbps(result)}`;
    case 'multiply':
      return adjust.factor === 2 ? `doubling to ${formatMbps(result)}` : `×${adjust.factor} to ${formatMbps(result)}`;
    case 'set':
      return `setting ${formatMbps(result)}`;
  }
}

export interface MetricRecommendation {
  mbps: number;
  reason: ReasonCode;
  message: string;
  /** A predictive policy's prediction, logged on the decision whatever the guards make of it. */
  prediction?: PredictionLog;
}

type MetricRules = Pick<Policy, 'saturation' | 'stepRules' | 'targetTracking'>;

/**
 * The metric rules, first match wins:
 * 1. saturation: utilisation >= saturation.thresholdPercent. The served rate is censored, so the
 *    proportional rules would under-estimate demand; step up by the configured adjustment, and by at
 *    least 1 Mbps whatever it says.
 * 2. step rules: the band [from, to) holding the utilisation.
 * 3. target tracking: within target ± tolerance (percentage points) nothing moves; outside it,
 *    desired = ceil(served / target%).
 * 4. otherwise hold.
 * `current` must be > 0 (see `utilization`); at 0 Mbps this returns a NO_METRIC hold.
 */
export function recommendFromMetric(rules: MetricRules, outBps: number, current: number): MetricRecommendation {
  const percent = utilization(outBps, current);
  if (percent === undefined) {
    return {
      mbps: current,
      reason: 'NO_METRIC',
      message: `at ${formatMbps(current)} nothing is served, so utilisation says nothing about demand`,
    };
  }
  const served = `served ${formatMbps(bpsToMbps(outBps))} is ${formatPercent(percent)} of ${formatMbps(current)}`;

  const { thresholdPercent, adjust } = rules.saturation;
  if (percent >= thresholdPercent) {
    const mbps = Math.max(applyAdjustment(adjust, current), current + 1);
    return {
      mbps,
      reason: 'SATURATED_STEP_UP',
      message: `${served} (>= ${formatPercent(thresholdPercent)}): demand unknown, ${describeAdjustment(adjust, mbps)}`,
    };
  }

  const band = rules.stepRules.find((rule) => percent >= rule.from && percent < rule.to);
  if (band) {
    const mbps = applyAdjustment(band.adjust, current);
    return {
      mbps,
      reason: directionReason(current, mbps),
      message: `${served}, in step band ${describeBand(band)}: ${describeAdjustment(band.adjust, mbps)}`,
    };
  }

  const tracking = rules.targetTracking;
  if (tracking) {
    const { targetUtilization, tolerance } = tracking;
    const target = `the ${formatPercent(targetUtilization)} target`;
    // The band includes its edges; the 1e-9 slack keeps float noise at an edge inside it (so `<` would
    // differ from `<=` only 1e-9 beyond the edge: an equivalent mutant).
    if (Math.abs(percent - targetUtilization) <= tolerance + 1e-9) {
      return {
        mbps: current,
        reason: 'WITHIN_TOLERANCE',
        message: `${served}, within ${formatPercent(targetUtilization)} ± ${formatPoints(tolerance)}`,
      };
    }
    const mbps = ceilMbps((bpsToMbps(outBps) * 100) / targetUtilization);
    return { mbps, reason: directionReason(current, mbps), message: `${served}: ${target} needs ${formatMbps(mbps)}` };
  }

  return { mbps: current, reason: 'AT_TARGET', message: `${served}: no rule applies` };
}

/** `[80%, 95%)`, or `>= 95%` for an open-ended top band (the policy file's omitted `to`). */
function describeBand(band: StepRule): string {
  return Number.isFinite(band.to) ? `[${band.from}%, ${band.to}%)` : `>= ${band.from}%`;
}

function directionReason(current: number, mbps: number): ReasonCode {
  if (mbps > current) return 'SCALE_UP';
  if (mbps < current) return 'SCALE_DOWN';
  return 'AT_TARGET';
}

/**
 * Would the rules, seeing this demand at bandwidth `mbps`, ask for more? Served traffic there is the
 * demand clipped at the new cap, which is what CloudMonitor would report after the change.
 */
export function wouldScaleUp(rules: MetricRules, outBps: number, mbps: number): boolean {
  if (mbps <= 0) return outBps > 0;
  const served = Math.min(outBps, mbps * BITS_PER_MBIT);
  return recommendFromMetric(rules, served, mbps).mbps > mbps;
}

/**
 * A Tablestore cell holds at most 2 MB; a recommendation serialises to ~35 bytes, so this cap (a day
 * of one-minute ticks, far beyond any sensible stabilisation window) keeps the row small whatever the
 * window says.
 */
const MAX_RECOMMENDATIONS = 1440;

/** The recommendations still inside the stabilisation window ending at `now`, oldest first. */
export function trimRecommendations(recommendations: readonly Recommendation[], now: number, windowSeconds: number): Recommendation[] {
  const since = now - windowSeconds * 1000;
  return recommendations
    .filter((r) => r.at >= since && r.at <= now)
    .sort((a, b) => a.at - b.at)
    .slice(-MAX_RECOMMENDATIONS);
}

/** HPA-style scale-down stabilisation: the safest (highest) recommendation within the window. */
export function highestRecommendation(recommendations: readonly Recommendation[]): number | undefined {
  if (recommendations.length === 0) return undefined;
  return Math.max(...recommendations.map((r) => r.mbps));
}
