// The policy file as users write it: YAML (or JSON) with friendly units, checked by zod.
//
// Every object is a `z.strictObject`: an unknown key is an error, because a misspelt guard
// (`scaleDwon:`) would otherwise be silently dropped and the guard would not apply. Defaults are
// written with `prefault` in the same friendly syntax a user would type ("5m", "x2"), so they pass
// through the same checks and appear in the JSON Schema editors read (schema/policy.schema.json).
//
// Every message starts with "expected …"; the loader (./load) prefixes the path and appends
// ", got <input>". Checks that span fields sit on the smallest object holding those fields, so an
// error in one part of the file does not hide the errors in another.
import * as z from 'zod';
import { PROVIDER_LOCK_SECONDS } from '../core/provider';
import { TEMPORARY_UPGRADE_MIN_SECONDS } from '../core/temporary-upgrade';
import type { Adjustment } from '../core/types';
import { scheduleSchema } from './schedules';
import { API_MAX_MBPS, adjustment, duration, inboundMbps, maxStep, mbps, outboundMbps, percent, RESOURCE_MAX_MBPS } from './units';

/** Example outbound-traffic price, Hangzhou (docs/reference/alibaba-cloud.md §8: "examples only"). */
const DEFAULT_PRICE_CNY_PER_GB = 0.8;

// ---------------------------------------------------------------------------------------------
// Policy parts.

const REGION_PATTERN = /^[a-z]{2,}(?:-[a-z0-9]+)+$/;

/** How each selector key names what it selects: `instances:` ECS instances, `eips:` EIPs, `bandwidthPackages:` shared packages. */
const SELECTORS = {
  instances: { kind: 'ecs', noun: 'instance', pattern: /^i-[A-Za-z0-9-]+$/, example: 'i-bp1example' },
  eips: { kind: 'eip', noun: 'EIP', pattern: /^eip-[A-Za-z0-9-]+$/, example: 'eip-bp1example' },
  bandwidthPackages: { kind: 'cbwp', noun: 'shared bandwidth package', pattern: /^cbwp-[A-Za-z0-9-]+$/, example: 'cbwp-bp1example' },
} as const;
export type SelectorKey = keyof typeof SELECTORS;
export const SELECTOR_KEYS = Object.keys(SELECTORS) as SelectorKey[];
export const SELECTOR_KIND: Readonly<Record<SelectorKey, 'ecs' | 'eip' | 'cbwp'>> = {
  instances: 'ecs',
  eips: 'eip',
  bandwidthPackages: 'cbwp',
};

function selectorSchema(key: SelectorKey) {
  const { noun, pattern, example } = SELECTORS[key];
  const plural = `${noun}s`;
  return z
    .strictObject({
      region: z
        .string({ error: 'expected a region id such as "cn-hangzhou"' })
        .regex(REGION_PATTERN, { error: 'expected a region id such as "cn-hangzhou"' })
        .meta({ description: `Region of the ${plural}, e.g. cn-hangzhou.` }),
      ids: z
        .array(z.string({ error: `expected an ${noun} id such as "${example}"` }).regex(pattern, { error: `expected an ${noun} id such as "${example}"` }), {
          error: `expected a list of ${noun} ids`,
        })
        .min(1, { error: `expected at least one ${noun} id` })
        .optional()
        .meta({ description: `${plural[0]?.toUpperCase()}${plural.slice(1)} managed by id.` }),
      tags: z
        .record(z.string().min(1, { error: 'expected a non-empty tag key' }), z.string({ error: 'expected a tag value' }), {
          error: 'expected a mapping of tag key to value',
        })
        .optional()
        .meta({ description: `${plural[0]?.toUpperCase()}${plural.slice(1)} managed by tag: one matches when it carries ALL of these tags.` }),
    })
    .superRefine((selected, ctx) => {
      if (selected.ids === undefined && selected.tags === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected ids or tags (or both) to select ${plural}`, input: selected });
      }
      if (selected.tags !== undefined && Object.keys(selected.tags).length === 0) {
        ctx.addIssue({ code: 'custom', path: ['tags'], message: 'expected at least one tag', input: selected.tags });
      }
      const seen = new Set<string>();
      selected.ids?.forEach((id, index) => {
        if (seen.has(id)) ctx.addIssue({ code: 'custom', path: ['ids', index], message: 'expected each id once', input: id });
        seen.add(id);
      });
    });
}

const boundsSchema = z
  .strictObject({
    minOut: outboundMbps('Lowest outbound bandwidth (Mbps). 0 only takes effect with allowZero on VPC instances.'),
    maxOut: mbps(
      1,
      RESOURCE_MAX_MBPS,
      `Highest outbound bandwidth (Mbps): ECS instances at most ${API_MAX_MBPS}, EIPs and packages per their billing; the limit of each resource's billing is checked per resource.`,
    ),
    minIn: inboundMbps('Lowest inbound bandwidth (Mbps); unset leaves inbound alone.').optional(),
    maxIn: inboundMbps('Highest inbound bandwidth (Mbps).').optional(),
  })
  .superRefine((bounds, ctx) => {
    if (bounds.minOut > bounds.maxOut) {
      ctx.addIssue({ code: 'custom', path: ['minOut'], message: `expected at most maxOut (${bounds.maxOut})`, input: bounds.minOut });
    }
    if (bounds.minIn !== undefined && bounds.maxIn !== undefined && bounds.minIn > bounds.maxIn) {
      ctx.addIssue({ code: 'custom', path: ['minIn'], message: `expected at most maxIn (${bounds.maxIn})`, input: bounds.minIn });
    }
  });

const targetTrackingSchema = z
  .strictObject({
    target: percent('Utilisation to aim for: served outbound rate / bandwidth, in %. Default 70.').prefault(70),
    tolerance: z
      .number({ error: 'expected a number of percentage points from 0 to 50' })
      .min(0, { error: 'expected a number of percentage points from 0 to 50' })
      .max(50, { error: 'expected a number of percentage points from 0 to 50' })
      .prefault(10)
      .meta({
        description: 'Dead band in percentage points: no action while utilisation is within target ± tolerance. Default 10.',
      }),
  })
  .superRefine((tracking, ctx) => {
    if (tracking.target - tracking.tolerance <= 0 || tracking.target + tracking.tolerance >= 100) {
      ctx.addIssue({
        code: 'custom',
        path: ['tolerance'],
        message: `expected target ± tolerance to stay within 0–100 % (target ${tracking.target})`,
        input: tracking.tolerance,
      });
    }
  });

const stepSchema = z
  .strictObject({
    from: z
      .number({ error: 'expected a utilisation percentage >= 0' })
      .min(0, { error: 'expected a utilisation percentage >= 0' })
      .prefault(0)
      .meta({ description: 'Band start, utilisation % (inclusive). Default 0.' }),
    // Served traffic can read slightly above the bandwidth, so an open-ended top band is allowed:
    // an omitted `to` means "and above".
    to: z
      .number({ error: 'expected a utilisation percentage' })
      .gt(0, { error: 'expected a utilisation percentage above 0' })
      .optional()
      .meta({ description: 'Band end, utilisation % (exclusive). Omit for "and above".' }),
    adjust: adjustment('What to do in this band: "+N"/"-N" Mbps, "xF" factor, "=N" set.'),
  })
  .superRefine((step, ctx) => {
    if (step.to !== undefined && step.to <= step.from) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: `expected more than from (${step.from})`, input: step.to });
    }
  });

const stepsSchema = z
  .array(stepSchema, { error: 'expected a list of step bands' })
  .superRefine((steps, ctx) => {
    const order = steps.map((step, index) => ({ ...step, index, to: step.to ?? Number.POSITIVE_INFINITY }));
    order.sort((a, b) => a.from - b.from);
    for (let i = 1; i < order.length; i += 1) {
      const [previous, current] = [order[i - 1], order[i]];
      if (previous && current && current.from < previous.to) {
        const band = `${previous.from}–${Number.isFinite(previous.to) ? previous.to : '∞'}`;
        ctx.addIssue({
          code: 'custom',
          path: [current.index, 'from'],
          message: `expected a band that does not overlap steps[${previous.index}] (${band})`,
          input: current.from,
        });
      }
    }
  })
  .meta({ description: 'Utilisation bands and what to do in each. Bands must not overlap.' });

const saturationTemporaryUpgradeSchema = z.strictObject({
  mode: z.enum(['auto', 'always', 'never'], { error: 'expected "auto", "always" or "never"' }).prefault('auto').meta({
    description:
      'auto: temporary once the ordinary downgrades left are at most spareDowngrades, else permanent; always: temporary; never: permanent. Default auto.',
  }),
  duration: duration(
    TEMPORARY_UPGRADE_MIN_SECONDS,
    "How long the temporary upgrade lasts: at least 3h (the provider's EndTime - StartTime >= 3 h); EndTime is rounded up to the UTC hour. Default 3h.",
  ).prefault('3h'),
  minimum: outboundMbps(
    'The temporary target is at least this (Mbps), within bounds: while it runs the provider refuses every other change, a further upgrade included. Default: the saturation step alone.',
  ).optional(),
  spareDowngrades: z
    .int({ error: 'expected a whole number of downgrades >= 0' })
    .min(0, { error: 'expected a whole number of downgrades >= 0' })
    .prefault(1)
    .meta({ description: 'auto: a permanent upgrade only while paying it back still leaves this many ordinary downgrades. Default 1.' }),
});

const saturationSchema = z.strictObject({
  threshold: percent('At or above this utilisation the served rate hides the real demand. Default 95.').prefault(95),
  adjust: adjustment('How to step up when saturated ("+N" or "xF"). Default "x2".', { upOnly: true }).prefault('x2'),
  temporaryUpgrade: saturationTemporaryUpgradeSchema.optional().meta({
    description:
      'Subscription pay-by-bandwidth instances: answer saturation (an alarm, or a tick that reads it) outside every schedule window with a temporary upgrade that reverts by itself, chosen from the downgrade budget. Absent: off.',
  }),
});

const scaleUpSchema = z.strictObject({
  cooldown: duration(PROVIDER_LOCK_SECONDS, 'Minimum time between metric-driven scale-ups. At least 5m. Default 5m.').prefault('5m'),
  maxStep: maxStep('Largest increase in one step: Mbps or "N%". Default unlimited.').optional(),
});

const scaleDownSchema = z.strictObject({
  cooldown: duration(PROVIDER_LOCK_SECONDS, 'Minimum time between metric-driven scale-downs. At least 5m. Default 15m.').prefault('15m'),
  stabilization: duration(0, 'Scale down to the highest recommendation seen in this window. Default 30m.').prefault('30m'),
  maxStep: maxStep('Largest decrease in one step: Mbps or "N%" (at most 100%). Default unlimited.', 100).optional(),
  minHold: duration(0, 'Minimum time at the current bandwidth before a downgrade. Default 1h.').prefault('1h'),
  projectedCheck: z
    .boolean({ error: 'expected true or false' })
    .prefault(true)
    .meta({ description: 'Refuse a downgrade whose projected utilisation would trigger a scale-up. Default true.' }),
});

/**
 * The largest downgrade quota the provider documents: "Up to three refunds can be made for each
 * subscription instance" (https://www.alibabacloud.com/help/en/ecs/user-guide/modify-the-bandwidth-configurations-of-subscription-instances).
 * The current console guide sizes a monthly quota by the account's consumption and shows it under
 * Privileges & Quota; a larger quota is accepted only when the policy says it is the account's own.
 */
export const DOCUMENTED_DOWNGRADE_QUOTA = 3;

const downgradeBudgetSchema = z
  .strictObject({
    quota: z
      .int({ error: 'expected a whole number of downgrades >= 1' })
      .min(1, { error: 'expected a whole number of downgrades >= 1' })
      .prefault(DOCUMENTED_DOWNGRADE_QUOTA)
      .meta({
        description: `Subscription downgrades allowed per period (the docs: ${DOCUMENTED_DOWNGRADE_QUOTA}). Above ${DOCUMENTED_DOWNGRADE_QUOTA} needs accountQuota: true. Default ${DOCUMENTED_DOWNGRADE_QUOTA}.`,
      }),
    accountQuota: z.boolean({ error: 'expected true or false' }).prefault(false).meta({
      description: "The quota is this account's own, read from the console's Privileges & Quota page, and may exceed the documented 3. Default false.",
    }),
    reserve: z
      .int({ error: 'expected a whole number of downgrades >= 0' })
      .min(0, { error: 'expected a whole number of downgrades >= 0' })
      .prefault(1)
      .meta({ description: 'Downgrades kept back for emergencies. Default 1.' }),
    // On by default: the current console guide describes a monthly quota, reset on the 1st, and a
    // provider QuotaExceed is recorded with its date either way, so a reset that did not happen is
    // answered by the provider (and blocks again until the next 1st) rather than spending anything.
    // Lifetime counting (false) follows the older API text: 3 per instance, never reset.
    monthlyReset: z
      .boolean({ error: 'expected true or false' })
      .prefault(true)
      .meta({ description: 'Reset the count on the 1st of each month, in the billing time zone. false = count over the lifetime. Default true.' }),
  })
  .superRefine((budget, ctx) => {
    // A quota below 1 is already reported; comparing against it would only add noise.
    if (budget.quota >= 1 && budget.reserve >= budget.quota) {
      ctx.addIssue({
        code: 'custom',
        path: ['reserve'],
        message: `expected fewer than quota (${budget.quota}), so that ordinary scale-down keeps at least one downgrade`,
        input: budget.reserve,
      });
    }
    if (budget.quota > DOCUMENTED_DOWNGRADE_QUOTA && !budget.accountQuota) {
      ctx.addIssue({
        code: 'custom',
        path: ['quota'],
        message: `expected at most ${DOCUMENTED_DOWNGRADE_QUOTA} (the documented quota); if this account's quota is larger, say so with accountQuota: true`,
        input: budget.quota,
      });
    }
  });

const BILLING_TIME_ZONE_PATTERN = /^(?:UTC|[+-](\d{2}):(\d{2}))$/;
const BILLING_TIME_ZONE_SHAPE = 'a UTC offset like "+08:00" or "UTC"';

/** "+08:00" → 480 minutes east of UTC. */
const billingTimeZoneSchema = z
  .string({ error: `expected ${BILLING_TIME_ZONE_SHAPE}` })
  .transform((text, ctx) => {
    const match = BILLING_TIME_ZONE_PATTERN.exec(text.trim());
    const hours = Number(match?.[1] ?? 0);
    const minutes = Number(match?.[2] ?? 0);
    if (!match || hours > 14 || minutes > 59) {
      ctx.addIssue({ code: 'custom', message: `expected ${BILLING_TIME_ZONE_SHAPE}`, input: text });
      return z.NEVER;
    }
    return (text.trim().startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  })
  .meta({
    description: 'Where billing hours, days and months start: spend budgets and the monthly downgrade quota. Default "+08:00" (China site, Beijing time).',
  });

const spendGuardSchema = z
  .strictObject({
    pricePerGb: z
      .number({ error: 'expected a price in CNY per GB above 0' })
      .positive({ error: 'expected a price in CNY per GB above 0' })
      .prefault(DEFAULT_PRICE_CNY_PER_GB)
      .meta({ description: "CNY per GB of outbound traffic. Default 0.8 (the docs' Hangzhou example price)." }),
    budgetCnyPerHour: z
      .number({ error: 'expected CNY above 0' })
      .positive({ error: 'expected CNY above 0' })
      .optional()
      .meta({ description: "Lower the cap while this hour's spend runs ahead of this budget." }),
    budgetCnyPerDay: z
      .number({ error: 'expected CNY above 0' })
      .positive({ error: 'expected CNY above 0' })
      .optional()
      .meta({ description: "Lower the cap while today's spend runs ahead of this budget." }),
  })
  .superRefine((guard, ctx) => {
    if (guard.budgetCnyPerHour === undefined && guard.budgetCnyPerDay === undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected budgetCnyPerHour or budgetCnyPerDay (or both)', input: guard });
    }
  });

const FRACTION_ERROR = 'expected a number greater than 0 and below 1';

const seasonalSchema = z
  .strictObject({
    days: z
      .int({ error: 'expected a whole number of days from 1 to 28' })
      .min(1, { error: 'expected a whole number of days from 1 to 28' })
      .max(28, { error: 'expected a whole number of days from 1 to 28' })
      .prefault(14)
      .meta({ description: 'Days of history the same-time-of-day profile reads. Default 14.' }),
    minDays: z
      .int({ error: 'expected a whole number of days >= 1' })
      .min(1, { error: 'expected a whole number of days >= 1' })
      .prefault(7)
      .meta({ description: 'No seasonal factor (1) until this many days are there. Default 7.' }),
    horizon: duration(60, 'How far ahead the profile looks for a rise. Default 25m.').prefault('25m'),
    maxRise: z
      .number({ error: 'expected a factor from 1 to 2' })
      .min(1, { error: 'expected a factor from 1 to 2' })
      .max(2, { error: 'expected a factor from 1 to 2' })
      .prefault(1.1)
      .meta({ description: 'The rise factor is clipped to [1, maxRise]. Default 1.1.' }),
    dayLength: duration(3600, "The length of the traffic's day, or the day the estimate searches around (±10 %). Default 1d.").prefault('1d'),
    dayLengthFromData: z.boolean({ error: 'expected true or false' }).prefault(true).meta({
      description: "Estimate the day's length from the served history (the autocorrelation's peak near dayLength); false: dayLength exactly. Default true.",
    }),
    downHorizon: duration(60, 'Scale down no lower than the profile says the next downHorizon needs. Absent: horizon.').optional(),
    downMaxRise: z
      .number({ error: 'expected a factor from 1 to 2' })
      .min(1, { error: 'expected a factor from 1 to 2' })
      .max(2, { error: 'expected a factor from 1 to 2' })
      .optional()
      .meta({ description: "Scale-down's rise factor (over downHorizon) is clipped to [1, downMaxRise]. Absent: maxRise." }),
    quantile: z
      .number({ error: 'expected a number from 0 to 1' })
      .min(0, { error: 'expected a number from 0 to 1' })
      .max(1, { error: 'expected a number from 0 to 1' })
      .optional()
      .meta({
        description:
          'The profile is this quantile across the days at each time of day (1: the busiest day), against their median now. Absent: 0.5, the median.',
      }),
    window: duration(
      0,
      "Time-of-day tolerance: each day's profile is its highest level within ±window, for a burst that recurs daily at a moving time. Absent: 0.",
    ).optional(),
    windowMean: duration(
      0,
      "A day's level is the mean of its samples over windowMean (centred), so a burst of minutes stands out of minute noise. Absent: single samples.",
    ).optional(),
  })
  .superRefine((seasonal, ctx) => {
    if (seasonal.window !== undefined && 2 * seasonal.window > seasonal.dayLength) {
      ctx.addIssue({ code: 'custom', path: ['window'], message: `expected at most half of dayLength (${seasonal.dayLength / 2} s)`, input: seasonal.window });
    }
    if (seasonal.downHorizon !== undefined && seasonal.downHorizon < seasonal.horizon) {
      ctx.addIssue({ code: 'custom', path: ['downHorizon'], message: `expected at least horizon (${seasonal.horizon} s)`, input: seasonal.downHorizon });
    }
    if (seasonal.minDays > seasonal.days) {
      ctx.addIssue({ code: 'custom', path: ['minDays'], message: `expected at most days (${seasonal.days})`, input: seasonal.minDays });
    }
  });

const marginMbps = (description: string) =>
  z
    .number({ error: 'expected a number of Mbps from 0 to 100' })
    .min(0, { error: 'expected a number of Mbps from 0 to 100' })
    .max(100, { error: 'expected a number of Mbps from 0 to 100' })
    .prefault(0)
    .meta({ description });

const predictiveSchema = z
  .strictObject({
    mode: z.enum(['forecast-only', 'forecast-and-scale'], { error: 'expected "forecast-only" or "forecast-and-scale"' }).prefault('forecast-only').meta({
      description:
        'forecast-only: act on the served history, log the forecast. forecast-and-scale: the forecast may raise (never lower). Default forecast-only.',
    }),
    trigger: percent('Scale up when the bandwidth is less than this % above the demand estimate. Default 3.7.').prefault(3.7),
    set: percent('... and then set it this % above the demand estimate. Default 9.3.').prefault(9.3),
    triggerMbps: marginMbps('Added to the trigger margin, in Mbps: sample-to-sample noise grows slower than the traffic. Default 0.'),
    setMbps: marginMbps('Added to the set margin, in Mbps. Default 0.'),
    changesPerDay: z
      .number({ error: 'expected a number of changes a day from 1 to 1440' })
      .min(1, { error: 'expected a number of changes a day from 1 to 1440' })
      .max(1440, { error: 'expected a number of changes a day from 1 to 1440' })
      .optional()
      .meta({
        description:
          'A budget: over this many changes in the last 24 hours, a scale-down must save proportionally more (scale-up is never held). Absent: none.',
      }),
    smallBelow: mbps(0, API_MAX_MBPS, 'Below this demand (Mbps) both margins are smallFactor times wider. Default 5.').prefault(5),
    smallFactor: z
      .number({ error: 'expected a factor from 1 to 10' })
      .min(1, { error: 'expected a factor from 1 to 10' })
      .max(10, { error: 'expected a factor from 1 to 10' })
      .prefault(4)
      .meta({ description: 'How much wider the margins are below smallBelow. Default 4.' }),
    scaleDownAtLeast: percent('Scale down once the saving is at least this % of the peak in peakWindow (and 1 Mbps). Default 3.').prefault(3),
    peakWindow: duration(3600, 'The window of that peak. Default 7d.').prefault('7d'),
    lookBack: duration(0, 'Scale down to the highest demand within this look-back. Default 10m.').prefault('10m'),
    maxLookBack: duration(0, 'The look-back lengthens on volatile traffic up to this. Default 2h.').prefault('2h'),
    holdShare: z
      .number({ error: 'expected a percentage from 0 to 100' })
      .min(0, { error: 'expected a percentage from 0 to 100' })
      .max(100, { error: 'expected a percentage from 0 to 100' })
      .prefault(0)
      .meta({
        description:
          'Beyond lookBack, hold only a level the demand reached in at least this % of the lengthened look-back (an isolated burst is not held). Default 0: the highest sample.',
      }),
    volatilityQuantile: z
      .number({ error: FRACTION_ERROR })
      .gt(0, { error: FRACTION_ERROR })
      .lt(1, { error: FRACTION_ERROR })
      .prefault(0.9)
      .meta({ description: "Quantile of the last 6 hours' sample-to-sample rises that measures volatility. Default 0.9." }),
    censored: percent('A served sample at or above this % of its cap only says demand was at least that. Default 98.').prefault(98),
    censoredRise: z
      .number({ error: 'expected a percentage from 0 to 100' })
      .min(0, { error: 'expected a percentage from 0 to 100' })
      .max(100, { error: 'expected a percentage from 0 to 100' })
      .prefault(20)
      .meta({
        description:
          'A censored sample is read as demand this % above the cap (the step at least 1 Mbps), doubled for each step in a row the demand filled, at most 100 %. Default 20.',
      }),
    seasonal: seasonalSchema.optional().meta({ description: 'Raise ahead of the same time of day over the last days. Absent: off.' }),
  })
  .superRefine((p, ctx) => {
    if (p.set <= p.trigger) ctx.addIssue({ code: 'custom', path: ['set'], message: `expected more than trigger (${p.trigger})`, input: p.set });
    if (p.maxLookBack < p.lookBack) {
      ctx.addIssue({ code: 'custom', path: ['maxLookBack'], message: `expected at least lookBack (${p.lookBack} s)`, input: p.maxLookBack });
    }
  });

const OVERRIDE_UNTIL_SHAPE = 'an ISO 8601 time with seconds and a zone, e.g. "2025-06-01T20:00:00+08:00"';

const overrideSchema = z.strictObject({
  // Within bounds (checked on the policy): the decision core holds the bounds for every driver, an
  // override included, so an override outside them would be clamped without the operator noticing.
  bandwidth: outboundMbps('Pin the outbound bandwidth to this (Mbps), bypassing the rules; within bounds.'),
  until: z.iso
    .datetime({ offset: true, error: `expected ${OVERRIDE_UNTIL_SHAPE}` })
    .transform((text) => Date.parse(text))
    .meta({ description: 'When the override ends. An expired override is ignored.' }),
  reason: z
    .string({ error: 'expected a reason (who asked and why)' })
    .refine((text) => text.trim() !== '', { error: 'expected a reason (who asked and why)' })
    .transform((text) => text.trim())
    .meta({ description: 'Why; shown in every decision the override makes.' }),
});

const POLICY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const policySchema = z
  .strictObject({
    name: z
      .string({ error: 'expected a policy name (letters, digits, ".", "_", "-"; up to 64)' })
      .regex(POLICY_NAME_PATTERN, { error: 'expected a policy name (letters, digits, ".", "_", "-"; up to 64)' })
      .meta({ description: 'Unique name; appears in every decision.' }),
    instances: selectorSchema('instances').optional().meta({ description: 'ECS instances whose own public bandwidth this policy scales.' }),
    eips: selectorSchema('eips').optional().meta({ description: 'Elastic IPs (pay-as-you-go) whose bandwidth this policy scales.' }),
    bandwidthPackages: selectorSchema('bandwidthPackages')
      .optional()
      .meta({ description: 'Internet Shared Bandwidth packages (pay-as-you-go) whose bandwidth this policy scales.' }),
    mode: z
      .enum(['observe', 'enforce'], { error: 'expected "observe" or "enforce"' })
      .prefault('enforce')
      .meta({ description: 'observe: decide and log, never call ECS. Default enforce.' }),
    paused: z.boolean({ error: 'expected true or false' }).prefault(false).meta({ description: 'Stop deciding for these instances. Default false.' }),
    bounds: boundsSchema,
    // Absent means off: a policy does what it says. `targetTracking: {}` turns it on with the defaults.
    targetTracking: targetTrackingSchema.optional(),
    steps: stepsSchema.prefault([]),
    saturation: saturationSchema.prefault({}),
    schedules: z
      .array(scheduleSchema, { error: 'expected a list of schedule windows' })
      .prefault([])
      .meta({ description: 'Level-triggered windows that set a floor, a ceiling or an exact value.' }),
    scaleUp: scaleUpSchema.prefault({}),
    scaleDown: scaleDownSchema.prefault({}),
    warmup: duration(0, 'Ignore metrics this long after a change (CloudMonitor lags). Default 5m.').prefault('5m'),
    maxSampleAge: duration(60, 'Never act on a traffic sample older than this (STALE_METRIC). Default 15m: three 5-minute ticks.').prefault('15m'),
    downgradeBudget: downgradeBudgetSchema.prefault({}),
    billingTimeZone: billingTimeZoneSchema.prefault('+08:00'),
    spendGuard: spendGuardSchema.optional().meta({ description: 'PayByTraffic instances: cap spending.' }),
    override: overrideSchema.optional(),
    predictive: predictiveSchema
      .optional()
      .meta({ description: 'Scale ahead of the day from the served history (issue 14). Absent: the reactive rules only.' }),
    autoPay: z
      .boolean({ error: 'expected true or false' })
      .prefault(true)
      .meta({ description: 'ModifyInstanceNetworkSpec AutoPay: pay upgrade orders at once. Default true.' }),
    allowZero: z
      .boolean({ error: 'expected true or false' })
      .prefault(false)
      .meta({ description: 'Allow a VPC instance to go to 0 Mbps, which releases its public IP. Default false.' }),
  })
  .superRefine(
    (policy, ctx) => {
      // Runs even when other parts of the policy failed (`when`), so the fields it reads may still
      // be raw input: every read is guarded.
      if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) return;
      const selectors = SELECTOR_KEYS.filter((key) => (policy as Record<string, unknown>)[key] !== undefined);
      if (selectors.length !== 1) {
        ctx.addIssue({
          code: 'custom',
          message: 'expected exactly one of instances, eips or bandwidthPackages to say what the policy scales (one policy per kind)',
          input: selectors.length === 0 ? 'none' : selectors.join(' and '),
        });
      }
      const bounds = policy.bounds as { minOut?: unknown; maxOut?: unknown } | undefined;
      if (selectors.length === 1 && selectors[0] === 'instances') {
        // ModifyInstanceNetworkSpec's own ceiling (subscription pay-by-bandwidth); EIPs and packages go higher.
        for (const key of ['minOut', 'maxOut'] as const) {
          const value = bounds?.[key];
          if (typeof value === 'number' && value > API_MAX_MBPS && value <= RESOURCE_MAX_MBPS) {
            ctx.addIssue({ code: 'custom', path: ['bounds', key], message: `expected at most ${API_MAX_MBPS} Mbps for ECS instances`, input: value });
          }
        }
      }
      const [minOut, maxOut] = [bounds?.minOut, bounds?.maxOut];
      if (typeof minOut !== 'number' || typeof maxOut !== 'number' || minOut > maxOut) return;
      // Bounds are the hard envelope and schedules and overrides move inside it (the core clamps
      // every driver to the bounds), so a value outside them would be silently cut. A peak above
      // maxOut means maxOut is too low.
      const schedules: unknown[] = Array.isArray(policy.schedules) ? policy.schedules : [];
      schedules.forEach((window, index) => {
        for (const key of ['floor', 'ceiling', 'exact'] as const) {
          const value = (window as Record<string, unknown> | null)?.[key];
          if (typeof value === 'number' && (value < minOut || value > maxOut)) {
            ctx.addIssue({
              code: 'custom',
              path: ['schedules', index, key],
              message: `expected a value within bounds (${minOut}–${maxOut} Mbps)`,
              input: value,
            });
          }
        }
      });
      const override = (policy.override as { bandwidth?: unknown } | undefined)?.bandwidth;
      if (typeof override === 'number' && (override < minOut || override > maxOut)) {
        ctx.addIssue({
          code: 'custom',
          path: ['override', 'bandwidth'],
          message: `expected a value within bounds (${minOut}–${maxOut} Mbps), which hold for overrides too`,
          input: override,
        });
      }
      const temporary = (policy.saturation as { temporaryUpgrade?: { minimum?: unknown; spareDowngrades?: unknown; mode?: unknown } } | undefined)
        ?.temporaryUpgrade;
      if (typeof temporary?.minimum === 'number' && (temporary.minimum < minOut || temporary.minimum > maxOut)) {
        ctx.addIssue({
          code: 'custom',
          path: ['saturation', 'temporaryUpgrade', 'minimum'],
          message: `expected a value within bounds (${minOut}–${maxOut} Mbps)`,
          input: temporary.minimum,
        });
      }
      checkSpareDowngrades(temporary, policy.downgradeBudget, ctx);
      const threshold = (policy.saturation as { threshold?: unknown } | undefined)?.threshold;
      const target = (policy.targetTracking as { target?: unknown; tolerance?: unknown } | undefined)?.target;
      checkStepDirections(policy.steps, typeof target === 'number' ? target : undefined, threshold, ctx);
      const tolerance = (policy.targetTracking as { tolerance?: unknown } | undefined)?.tolerance;
      if (typeof threshold === 'number' && typeof target === 'number' && typeof tolerance === 'number') {
        if (threshold <= target + tolerance) {
          ctx.addIssue({
            code: 'custom',
            path: ['saturation', 'threshold'],
            message: `expected a threshold above targetTracking's band (${target} + ${tolerance})`,
            input: threshold,
          });
        }
      }
    },
    { when: () => true },
  );

/**
 * With as many spare downgrades as the ordinary quota holds (quota − reserve), `auto` could never
 * choose a permanent upgrade: the policy says `always` in a way nobody reading it would notice.
 */
function checkSpareDowngrades(temporary: { spareDowngrades?: unknown; mode?: unknown } | undefined, budget: unknown, ctx: z.RefinementCtx): void {
  const spare = temporary?.spareDowngrades;
  const { quota, reserve } = (budget ?? {}) as { quota?: unknown; reserve?: unknown };
  if (temporary?.mode !== 'auto' || typeof spare !== 'number' || typeof quota !== 'number' || typeof reserve !== 'number') return;
  const ordinary = quota - reserve;
  if (ordinary >= 1 && spare >= ordinary) {
    ctx.addIssue({
      code: 'custom',
      path: ['saturation', 'temporaryUpgrade', 'spareDowngrades'],
      message: `expected fewer than the ordinary downgrades (downgradeBudget quota − reserve = ${ordinary}); with as many, auto never upgrades permanently: write mode: always`,
      input: spare,
    });
  }
}

/**
 * Step bands must push utilisation toward where the policy wants it, not away:
 * {from: 80, to: 95, adjust: "-50"} cuts bandwidth exactly when it runs hot.
 * - With targetTracking, a band wholly at or above the target must not lower bandwidth, and a band
 *   wholly at or below it must not raise it.
 * - Always (the policy's target may be implicit in its bands), a band that lowers bandwidth must lie
 *   below every band that raises it, the saturation step-up included.
 * A "=N" band sets a value and has no direction; a band whose own limits are wrong is already reported.
 */
function checkStepDirections(steps: unknown, target: number | undefined, saturation: unknown, ctx: z.RefinementCtx): void {
  if (!Array.isArray(steps)) return;
  const bands = steps.flatMap((raw, index) => {
    const step = raw as { from?: unknown; to?: unknown; adjust?: unknown } | null;
    const adjust = step?.adjust as Adjustment | undefined;
    if (typeof adjust !== 'object' || adjust === null || typeof step?.from !== 'number') return [];
    const to = typeof step.to === 'number' ? step.to : Number.POSITIVE_INFINITY;
    if (to <= step.from) return [];
    const lowers = (adjust.type === 'add' && adjust.mbps < 0) || (adjust.type === 'multiply' && adjust.factor < 1);
    const raises = (adjust.type === 'add' && adjust.mbps > 0) || (adjust.type === 'multiply' && adjust.factor > 1);
    return [{ index, from: step.from, to, lowers, raises, adjust }];
  });
  const issue = (index: number, adjust: Adjustment, message: string) =>
    ctx.addIssue({ code: 'custom', path: ['steps', index, 'adjust'], message, input: adjust });
  const raising = bands.filter((band) => band.raises).map((band) => ({ from: band.from, what: `steps[${band.index}]` }));
  if (typeof saturation === 'number') raising.push({ from: saturation, what: `the saturation threshold (${saturation} %)` });
  for (const band of bands) {
    if (target !== undefined && band.from >= target && band.lowers) {
      issue(
        band.index,
        band.adjust,
        `expected an increase: this band is above targetTracking's target (${target} %), and lowering bandwidth there raises utilisation further`,
      );
    } else if (target !== undefined && band.to <= target && band.raises) {
      issue(
        band.index,
        band.adjust,
        `expected a decrease: this band is below targetTracking's target (${target} %), and raising bandwidth there lowers utilisation further`,
      );
    } else if (band.lowers) {
      const above = raising.find((r) => r.from < band.to);
      if (above) issue(band.index, band.adjust, `expected a band that lowers bandwidth to end at or below ${above.what}, which raises it from ${above.from} %`);
    }
  }
}

export const policyDocumentSchema = z
  .strictObject({
    version: z.literal(1, { error: 'expected version: 1' }),
    policies: z.array(policySchema, { error: 'expected a list of policies' }).min(1, { error: 'expected at least one policy' }),
  })
  .superRefine(
    (doc, ctx) => {
      // Across policies, so it runs even when one policy has errors (`when`); reads are guarded.
      const policies: unknown[] = Array.isArray(doc?.policies) ? doc.policies : [];
      const names = new Map<string, number>();
      const owners = new Map<string, number>();
      policies.forEach((raw, index) => {
        const policy = raw as ({ name?: unknown } & Partial<Record<SelectorKey, { ids?: unknown }>>) | null;
        if (typeof policy?.name === 'string') {
          const first = names.get(policy.name);
          if (first !== undefined) {
            ctx.addIssue({
              code: 'custom',
              path: ['policies', index, 'name'],
              message: `expected a unique name (policies[${first}] has it)`,
              input: policy.name,
            });
          } else names.set(policy.name, index);
        }
        for (const key of SELECTOR_KEYS) {
          const ids = policy?.[key]?.ids;
          if (!Array.isArray(ids)) continue;
          ids.forEach((id: unknown, idIndex) => {
            if (typeof id !== 'string') return;
            const owner = owners.get(id);
            if (owner !== undefined && owner !== index) {
              ctx.addIssue({
                code: 'custom',
                path: ['policies', index, key, 'ids', idIndex],
                message: `expected ${key === 'instances' ? 'an instance' : 'a resource'} managed by one policy only (policies[${owner}] lists it)`,
                input: id,
              });
            } else owners.set(id, index);
          });
        }
      });
    },
    { when: () => true },
  )
  .meta({
    title: 'bwscaler policy file',
    description: 'Policies for scaling the public bandwidth of Alibaba Cloud ECS instances, Elastic IPs and Internet Shared Bandwidth packages.',
  });

/** A policy file as parsed: user field names, defaults applied, durations in seconds. */
export type ParsedPolicyDocument = z.output<typeof policyDocumentSchema>;
export type ParsedPolicy = ParsedPolicyDocument['policies'][number];

/** The JSON Schema editors use (committed as schema/policy.schema.json; a test keeps it in sync). */
export function policyJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(policyDocumentSchema, { io: 'input', target: 'draft-2020-12' });
}
