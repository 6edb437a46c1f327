// `--prices FILE`: your own price table (YAML or JSON) for backtest, start and report. Every price is
// required: a file that named its currency but left one price to the Hangzhou default would mix two
// currencies in one figure without a word. Without a file the documented Hangzhou examples apply
// (DEFAULT_PRICES, src/sim/cost.ts), and every output says so.
//
//   currency: USD
//   payAsYouGo: { tierMbps: 5, lowPerMbpsHour: 0.01, highPerMbpsHour: 0.04 }   # per Mbps per hour, two tiers
//   subscription:                                                               # per month
//     points: [[1, 7], [2, 14], [5, 35]]     # [Mbps, price per month], interpolated between points
//     abovePerMbpsMonth: 11                  # each Mbps above the last point
//     daysPerMonth: 30                       # optional, default 30 (prorating)
//   trafficPerGb: 0.12                        # pay-by-traffic, per GB (10^9 bytes) outbound
//   dropPenaltyPerGb: 1.2                     # optional: score penalty per dropped GB, default 10 × trafficPerGb
//   eip:                                      # optional; needed for --billing eip-*
//     { tierMbps: 5, lowPerMbpsDay: 0.14, highPerMbpsDay: 0.5, trafficPerGb: 0.123 }
//   cbwp:                                     # optional; needed for --billing cbwp-*
//     { perMbpsDay: 0.5, enhanced95PerMbpsDay: 0.5, enhanced95MinimumRatio: 0.2 }
//
// The EIP and package sections are optional so that a file written for ECS instances stays valid; a
// file without them cannot price those billings, and the backtest says so instead of falling back to
// the CNY defaults.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import * as z from 'zod';
import { ValidationError } from '../errors';
import type { PriceTable } from './cost';

const price = (what: string) =>
  z.number({ error: `expected ${what}: a number >= 0` }).refine((n) => Number.isFinite(n) && n >= 0, { error: `expected ${what}: a number >= 0` });

const pricesSchema = z.strictObject({
  currency: z
    .string({ error: 'expected a currency code such as "CNY" or "USD"' })
    .regex(/^[A-Z]{3}$/, { error: 'expected a three-letter currency code such as "CNY" or "USD"' }),
  payAsYouGo: z.strictObject({
    tierMbps: z.int({ error: 'expected a whole number of Mbps >= 0' }).min(0, { error: 'expected a whole number of Mbps >= 0' }),
    lowPerMbpsHour: price('the price per Mbps per hour up to tierMbps'),
    highPerMbpsHour: price('the price per Mbps per hour above tierMbps'),
  }),
  subscription: z
    .strictObject({
      points: z
        .array(z.tuple([z.int({ error: 'expected whole Mbps >= 1' }).min(1, { error: 'expected whole Mbps >= 1' }), price('a monthly price')]), {
          error: 'expected a list of [Mbps, price per month] pairs',
        })
        .min(1, { error: 'expected at least one [Mbps, price per month] pair' }),
      abovePerMbpsMonth: price('the monthly price of each Mbps above the last point'),
      daysPerMonth: z.number({ error: 'expected a number of days from 28 to 31' }).min(28).max(31).prefault(30),
    })
    .superRefine((table, ctx) => {
      table.points.forEach(([mbps, monthly], index) => {
        const before = table.points[index - 1];
        if (before && mbps <= before[0])
          ctx.addIssue({ code: 'custom', path: ['points', index, 0], message: `expected more Mbps than points[${index - 1}] (${before[0]})`, input: mbps });
        else if (before && monthly < before[1])
          ctx.addIssue({
            code: 'custom',
            path: ['points', index, 1],
            message: `expected a price no lower than points[${index - 1}] (${before[1]})`,
            input: monthly,
          });
      });
    }),
  trafficPerGb: price('the price per GB of outbound traffic'),
  dropPenaltyPerGb: price('the score penalty per dropped GB').optional(),
  eip: z
    .strictObject({
      tierMbps: z.int({ error: 'expected a whole number of Mbps >= 0' }).min(0, { error: 'expected a whole number of Mbps >= 0' }),
      lowPerMbpsDay: price('the EIP price per Mbps per day up to tierMbps'),
      highPerMbpsDay: price('the EIP price per Mbps per day above tierMbps'),
      trafficPerGb: price('the EIP price per GB of outbound traffic'),
    })
    .optional(),
  cbwp: z
    .strictObject({
      perMbpsDay: price('the shared bandwidth price per Mbps per day'),
      enhanced95PerMbpsDay: price('the enhanced 95th percentile price per Mbps per day'),
      enhanced95MinimumRatio: z
        .number({ error: 'expected the minimum bandwidth share: a number from 0 to 1' })
        .min(0, { error: 'expected the minimum bandwidth share: a number from 0 to 1' })
        .max(1, { error: 'expected the minimum bandwidth share: a number from 0 to 1' })
        .prefault(0.2),
    })
    .optional(),
});

/** Parses a price file's text (YAML or JSON); errors name the file and the path of each problem. */
export function parsePrices(text: string, source: string): PriceTable {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new ValidationError(`${source}: not YAML or JSON: ${(error as Error).message}`);
  }
  const result = pricesSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${source}: ${issue.path.length ? issue.path.join('.') : '(top level)'}: ${issue.message}`);
    throw new ValidationError(issues.length === 1 ? (issues[0] as string) : `${source}: ${issues.length} problems\n  ${issues.join('\n  ')}`, issues);
  }
  const p = result.data;
  return {
    currency: p.currency,
    payg: { tierMbps: p.payAsYouGo.tierMbps, lowPerMbpsHour: p.payAsYouGo.lowPerMbpsHour, highPerMbpsHour: p.payAsYouGo.highPerMbpsHour },
    subscription: {
      points: [[0, 0], ...p.subscription.points],
      abovePerMbpsMonth: p.subscription.abovePerMbpsMonth,
      daysPerMonth: p.subscription.daysPerMonth,
    },
    trafficPerGb: p.trafficPerGb,
    dropPenaltyPerGb: p.dropPenaltyPerGb ?? 10 * p.trafficPerGb,
    ...(p.eip === undefined ? {} : { eip: p.eip }),
    ...(p.cbwp === undefined ? {} : { cbwp: p.cbwp }),
  };
}

/** Reads and parses `--prices FILE`; an unreadable file is a ValidationError naming it. */
export async function loadPrices(file: string): Promise<PriceTable> {
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new ValidationError(`cannot read prices file ${file}: ${(error as Error).message}`);
  });
  return parsePrices(text, file);
}

/** The line every output carries about where its prices come from. */
export function pricesNote(source: string | undefined): string {
  return source === undefined
    ? 'Prices are the documented Hangzhou examples (src/sim/cost.ts), not your bill: pass --prices FILE for your own.'
    : `Prices from ${source}.`;
}
