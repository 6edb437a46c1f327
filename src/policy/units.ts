// Units a policy file is written in: durations, Mbps, percentages, adjustments and maximum steps.
// Each is a zod schema whose message starts with "expected …" (see ./schema.ts for how the loader
// completes it).
import * as z from 'zod';
import { apiRange } from '../core/provider';
import type { Adjustment } from '../core/types';
import { EIP_RANGE, PACKAGE_RANGE } from '../core/vpc-rules';

/**
 * The largest InternetMaxBandwidthOut the API accepts at all (subscription pay-by-bandwidth). The
 * 100 Mbit/s limit of the other charge types depends on the instance, so the decision core checks
 * it, not the policy.
 */
export const API_MAX_MBPS = apiRange({ instanceChargeType: 'PrePaid', internetChargeType: 'PayByBandwidth' }).max;

/**
 * The largest bandwidth any kind's Modify API accepts (a shared bandwidth package, src/core/vpc-rules.ts):
 * the most an outbound value in a policy file can be. Each kind's own limit is checked against the
 * policy's selector (ECS: API_MAX_MBPS) and, per resource, by the decision core.
 */
export const RESOURCE_MAX_MBPS = Math.max(API_MAX_MBPS, ...Object.values(EIP_RANGE).map((r) => r.max), ...Object.values(PACKAGE_RANGE).map((r) => r.max));
// ---------------------------------------------------------------------------------------------
// Durations: "30s", "5m", "2h", "1d", combinations in that order ("1h30m"), or plain seconds.

const DURATION_PATTERN = /^(?=\d)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
const DURATION_SHAPE = 'like "30s", "5m", "2h", "1d", "1h30m" or a number of seconds';

export function parseDuration(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text);
  if (!match) return undefined;
  const [days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
  return (((days ?? 0) * 24 + (hours ?? 0)) * 60 + (minutes ?? 0)) * 60 + (seconds ?? 0);
}

/** The inverse of parseDuration for messages: 300 → "5m", 5400 → "1h30m". */
export function formatDuration(totalSeconds: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  let rest = totalSeconds;
  let text = '';
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * size;
  }
  return text || '0s';
}

/**
 * The longest duration any policy field accepts: 31 days. No cooldown, warm-up, hold or window is
 * meant to last longer than a billing month, and a bound keeps a typo ("99999999999999999999d",
 * which JavaScript reads as 8.6e24 s) from disabling a rule for good without a word.
 */
export const MAX_DURATION_SECONDS = 31 * 86_400;

export function duration(minSeconds: number, description: string) {
  const shapeError = `expected a duration ${DURATION_SHAPE}`;
  return z
    .union([z.string().regex(DURATION_PATTERN, { error: shapeError }), z.int().nonnegative({ error: shapeError })], {
      error: shapeError,
    })
    .transform((value, ctx) => {
      const seconds = typeof value === 'number' ? value : parseDuration(value);
      if (seconds !== undefined && !(seconds <= MAX_DURATION_SECONDS)) {
        ctx.addIssue({ code: 'custom', message: `expected a duration of at most ${formatDuration(MAX_DURATION_SECONDS)}`, input: value });
        return z.NEVER;
      }
      if (seconds === undefined || seconds < minSeconds) {
        const message = seconds === undefined ? shapeError : `expected a duration of at least ${formatDuration(minSeconds)}`;
        ctx.addIssue({ code: 'custom', message, input: value });
        return z.NEVER;
      }
      return seconds;
    })
    .meta({ description });
}

// ---------------------------------------------------------------------------------------------
// Bandwidth and percentages.

export function mbps(min: number, max: number, description: string) {
  return z
    .int({ error: `expected a whole number of Mbps from ${min} to ${max}` })
    .min(min, { error: `expected a whole number of Mbps from ${min} to ${max}` })
    .max(max, { error: `expected a whole number of Mbps from ${min} to ${max}` })
    .meta({ description });
}

export const outboundMbps = (description: string) => mbps(0, RESOURCE_MAX_MBPS, description);

/** ModifyInstanceNetworkSpec InternetMaxBandwidthIn: 1–200 (SDK model validation, docs/reference/alibaba-cloud.md §1.1). */
export const inboundMbps = (description: string) => mbps(1, API_MAX_MBPS, description);

export function percent(description: string) {
  const error = 'expected a percentage greater than 0 and at most 100';
  return z.number({ error }).gt(0, { error }).max(100, { error }).meta({ description });
}

// ---------------------------------------------------------------------------------------------
// Adjustments: "+10" / "-10" (Mbps), "x2" / "x0.5" (factor), "=50" (set to 50 Mbps).
// Strings rather than objects: one short token reads well in a table of bands, and the JSON
// Schema pattern lets an editor flag a typo as it is typed.

const ADJUSTMENT_PATTERN = /^(?:[+-]\d+|x\d+(?:\.\d+)?|=\d+)$/;
const ADJUSTMENT_SHAPE = 'an adjustment "+N" or "-N" (Mbps), "xF" (factor) or "=N" (set to N Mbps)';

export function parseAdjustment(text: string): Adjustment | undefined {
  if (!ADJUSTMENT_PATTERN.test(text)) return undefined;
  const amount = Number(text.slice(1));
  if (text.startsWith('x')) return { type: 'multiply', factor: amount };
  if (text.startsWith('=')) return { type: 'set', mbps: amount };
  return { type: 'add', mbps: text.startsWith('-') ? -amount : amount };
}

/** Why an adjustment cannot be used, or undefined. `upOnly`: it must raise the bandwidth. */
function adjustmentProblem(adjust: Adjustment, upOnly: boolean): string | undefined {
  switch (adjust.type) {
    case 'add':
      if (adjust.mbps === 0) return 'expected a non-zero change';
      if (upOnly && adjust.mbps < 0) return 'expected an increase ("+N" or "xF" with F > 1)';
      return Math.abs(adjust.mbps) > RESOURCE_MAX_MBPS ? `expected a change of at most ${RESOURCE_MAX_MBPS} Mbps` : undefined;
    case 'multiply':
      if (adjust.factor === 0) return 'expected a factor greater than 0 (to go to 0 write "=0")';
      if (adjust.factor === 1) return 'expected a factor other than 1';
      return upOnly && adjust.factor < 1 ? 'expected an increase ("+N" or "xF" with F > 1)' : undefined;
    case 'set':
      if (upOnly) return 'expected an increase ("+N" or "xF" with F > 1)';
      return adjust.mbps > RESOURCE_MAX_MBPS ? `expected a bandwidth of at most ${RESOURCE_MAX_MBPS} Mbps` : undefined;
  }
}

export function adjustment(description: string, { upOnly = false }: { upOnly?: boolean } = {}) {
  return z
    .string({
      // YAML reads an unquoted +10 as the number 10 and -10 as -10: say so, or the message is a riddle.
      error: (issue) =>
        typeof issue.input === 'number'
          ? `expected ${ADJUSTMENT_SHAPE} as a quoted string (YAML reads unquoted +10 as the number 10)`
          : `expected ${ADJUSTMENT_SHAPE}`,
    })
    .regex(ADJUSTMENT_PATTERN, { error: `expected ${ADJUSTMENT_SHAPE}` })
    .transform((text, ctx) => {
      const adjust = parseAdjustment(text);
      const problem = adjust === undefined ? `expected ${ADJUSTMENT_SHAPE}` : adjustmentProblem(adjust, upOnly);
      if (adjust === undefined || problem !== undefined) {
        ctx.addIssue({ code: 'custom', message: problem ?? `expected ${ADJUSTMENT_SHAPE}`, input: text });
        return z.NEVER;
      }
      return adjust;
    })
    .meta({ description });
}

// ---------------------------------------------------------------------------------------------
// Max step: a number of Mbps or a percentage of the current bandwidth ("50%").

const MAX_STEP_SHAPE = 'a maximum step in Mbps (a whole number) or a percentage of the current bandwidth like "50%"';

/** `maxPercent`: a decrease cannot exceed 100 %; an increase has no natural limit. */
export function maxStep(description: string, maxPercent = Number.POSITIVE_INFINITY) {
  const error = `expected ${MAX_STEP_SHAPE}`;
  return z
    .union([z.int({ error }).positive({ error }), z.string({ error }).regex(/^\d+(?:\.\d+)?%$/, { error })], { error })
    .transform((value, ctx): { mbps?: number; percent?: number } => {
      if (typeof value === 'number') return { mbps: value };
      const share = Number(value.slice(0, -1));
      if (share <= 0 || share > maxPercent) {
        const limit = Number.isFinite(maxPercent) ? ` and at most ${maxPercent}%` : '';
        ctx.addIssue({ code: 'custom', message: `expected a percentage above 0%${limit}`, input: value });
        return z.NEVER;
      }
      return { percent: share };
    })
    .meta({ description });
}
