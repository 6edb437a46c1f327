// The EIP and Internet Shared Bandwidth bills, checked against the documents' own worked examples
// (AlibabaCloudDocs/eip cn.zh-CN/产品定价/按量计费.md and intl.en-US/Pricing/Pay-as-you-go.md;
// AlibabaCloudDocs/cbwp cn.zh-CN/产品定价/按量付费/按增强型95计费.md) and hand-computed cases.
import { describe, expect, it } from 'vitest';
import { type BillingMode, DEFAULT_PRICES, type PlanCalendar, type PriceTable, planCost, scorePlan } from '../../src/sim/cost';
import { parsePrices } from '../../src/sim/prices';
import { dailyPeak, enhanced95Bill, monthlyAveragePeak } from '../../src/sim/vpc-billing';

const BEIJING = 480;
/** 2021-01-15 00:00 in Beijing time (UTC+8), the CBWP example's purchase day. */
const JAN_15 = Date.parse('2021-01-14T16:00:00Z');
const HOUR = 3_600_000;

/** A minute grid from `start` (epoch ms) of `minutes` intervals, the plan given as [minutes, Mbps] runs. */
function minutes(runs: Array<[count: number, mbps: number]>): number[] {
  return runs.flatMap(([count, mbps]) => new Array<number>(count).fill(mbps));
}

/**
 * The EIP worked example: created at 09:30, 10 Mbps; 20 Mbps from 17:00; 15 Mbps from 23:00; the day
 * ends at 24:00. 14.5 hours used, billed as 15.
 */
const exampleDay = { startMs: JAN_15 + 9.5 * HOUR, utcOffsetMinutes: BEIJING };
const examplePlan = minutes([
  [450, 10],
  [360, 20],
  [60, 15],
]);

const USD: PriceTable = {
  ...DEFAULT_PRICES,
  currency: 'USD',
  eip: { tierMbps: 5, lowPerMbpsDay: 0.14, highPerMbpsDay: 0.5, trafficPerGb: 0.123 },
};

describe('EIP and shared-bandwidth bills (the docs worked examples)', () => {
  it.each([
    {
      name: 'EIP by bandwidth, CNY: the day is billed at its highest bandwidth, 20 Mbps = 0.96 × 5 + 3.36 × 15 = 55.2 a day, × 15/24 = 34.5',
      mode: 'eip-bandwidth' as BillingMode,
      prices: DEFAULT_PRICES,
      expected: 34.5,
    },
    {
      name: 'EIP by bandwidth, USD: 0.14 × 5 + 0.5 × 15 = 8.2 a day, × 15/24 = 5.125',
      mode: 'eip-bandwidth' as BillingMode,
      prices: USD,
      expected: 5.125,
    },
    {
      name: 'shared bandwidth by bandwidth (hand-computed from the formula): 3.36 × 20 Mbps × 15/24 = 42',
      mode: 'cbwp-bandwidth' as BillingMode,
      prices: DEFAULT_PRICES,
      expected: 42,
    },
  ])('$name', ({ mode, prices, expected }) => {
    // Demand far below the plan: a bandwidth bill does not depend on the traffic.
    const demand = examplePlan.map(() => 1);
    expect(planCost(mode, demand, examplePlan, 60, prices, exampleDay)).toBeCloseTo(expected, 9);
  });

  it('bills an EIP by data transfer per outbound GB: 60 GB × 0.80 CNY = 48 (the doc example, configuration fee waived)', () => {
    // 60 GB spread over the 870 minutes of the example day.
    const mbps = (60e9 * 8) / 1e6 / (870 * 60);
    const demand = examplePlan.map(() => mbps);
    expect(planCost('eip-traffic', demand, examplePlan, 60, DEFAULT_PRICES, exampleDay)).toBeCloseTo(48, 9);
  });

  it('charges a lowered bandwidth from the next billing day on, not the same day', () => {
    // 20 Mbps for an hour at the end of day 1, then 5 Mbps: day 1 pays 20 Mbps for 24 h, day 2 pays 5.
    const calendar: PlanCalendar = { startMs: JAN_15, utcOffsetMinutes: BEIJING };
    const plan = [...new Array(23).fill(5), 20, ...new Array(24).fill(5)];
    const cost = planCost('cbwp-bandwidth', plan, plan, 3600, DEFAULT_PRICES, calendar);
    expect(cost).toBeCloseTo(3.36 * 20 + 3.36 * 5, 9);
  });

  it('starts billing days at midnight in the billing time zone', () => {
    // The same hours, read in UTC instead of Beijing time, straddle two days: 20 Mbps is billed on one only.
    const plan = [...new Array(23).fill(5), 20, ...new Array(24).fill(5)];
    const utc = planCost('cbwp-bandwidth', plan, plan, 3600, DEFAULT_PRICES, { startMs: JAN_15, utcOffsetMinutes: 0 });
    // In UTC the trace starts at 16:00: day 1 has 8 hours (5 Mbps), day 2 has 24 hours with the 20 Mbps hour, day 3 has 16 hours.
    expect(utc).toBeCloseTo((3.36 * 5 * 8) / 24 + 3.36 * 20 + (3.36 * 5 * 16) / 24, 9);
  });
});

describe('enhanced 95th percentile (AlibabaCloudDocs/cbwp 按增强型95计费.md)', () => {
  /** Five-minute samples from the 15th to the 31st of January 2021, 17 days of 288. */
  const step = 300;
  const calendar: PlanCalendar = { startMs: JAN_15, utcOffsetMinutes: BEIJING };
  const intervals = 17 * 288;

  it('reproduces the worked example: 1000 Mbps, 20 % minimum, 17 days, monthly average peak 300 Mbps = 11 424 + 5 712 CNY', () => {
    const demand = new Array<number>(intervals).fill(300);
    const plan = new Array<number>(intervals).fill(1000);
    const bill = enhanced95Bill(demand, plan, { ...calendar, stepSeconds: step }, DEFAULT_PRICES.cbwp!);
    expect(bill.months).toHaveLength(1);
    expect(bill.months[0]?.days).toBe(17);
    expect(bill.months[0]?.minimumFee).toBeCloseTo(672 * 17, 6);
    expect(bill.months[0]?.excessFee).toBeCloseTo(100 * 17 * 3.36, 6);
    expect(planCost('cbwp-95', demand, plan, step, DEFAULT_PRICES, calendar)).toBeCloseTo(17_136, 6);
  });

  it('charges only the minimum when the monthly average peak is at or below it', () => {
    const demand = new Array<number>(intervals).fill(150);
    const plan = new Array<number>(intervals).fill(1000);
    expect(planCost('cbwp-95', demand, plan, step, DEFAULT_PRICES, calendar)).toBeCloseTo(672 * 17, 6);
  });

  it.each([
    { name: 'ignores the 4 highest five-minute samples of a day', spikes: 4, expected: 100 },
    { name: 'takes the 5th highest sample as the daily peak', spikes: 5, expected: 900 },
  ])('$name', ({ spikes, expected }) => {
    const day = [...new Array(288 - spikes).fill(100), ...new Array(spikes).fill(900)];
    expect(dailyPeak(day)).toBe(expected);
  });

  it('averages a month’s 5 highest daily peaks', () => {
    expect(monthlyAveragePeak([10, 50, 40, 30, 20, 60, 5])).toBe((60 + 50 + 40 + 30 + 20) / 5);
  });

  it('averages one-minute points into five-minute samples before ranking them', () => {
    // Five one-minute spikes to 1000 in five different slots would each be a peak sample on their own;
    // averaged with four minutes at 0 they are 200 each. A day of 1440 minutes at 0 otherwise.
    const demand = new Array<number>(1440).fill(0);
    for (const slot of [10, 20, 30, 40, 50]) demand[slot * 5] = 1000;
    const bill = enhanced95Bill(demand, new Array(1440).fill(1000), { startMs: JAN_15, stepSeconds: 60, utcOffsetMinutes: BEIJING }, DEFAULT_PRICES.cbwp!);
    expect(bill.months[0]?.monthlyAveragePeakMbps).toBeCloseTo(200, 9);
  });

  it('reads a changing bandwidth the harsher way: each day at its highest, the excess above the lowest daily minimum', () => {
    // Day 1 at 1000 Mbps, day 2 at 500; 300 Mbps served throughout.
    const demand = new Array<number>(2 * 288).fill(300);
    const plan = [...new Array(288).fill(1000), ...new Array(288).fill(500)];
    const bill = enhanced95Bill(demand, plan, { ...calendar, stepSeconds: step }, DEFAULT_PRICES.cbwp!);
    expect(bill.months[0]?.minimumFee).toBeCloseTo((200 + 100) * 3.36, 9);
    expect(bill.months[0]?.minimumMbps).toBe(100);
    expect(bill.months[0]?.excessFee).toBeCloseTo((300 - 100) * 3.36 * 2, 9);
  });

  it('bills each calendar month apart', () => {
    // Jan 31 and Feb 1, Beijing time: two months of one day each.
    const start = Date.parse('2021-01-30T16:00:00Z');
    const demand = new Array<number>(2 * 288).fill(300);
    const plan = new Array<number>(2 * 288).fill(1000);
    const bill = enhanced95Bill(demand, plan, { startMs: start, stepSeconds: step, utcOffsetMinutes: BEIJING }, DEFAULT_PRICES.cbwp!);
    expect(bill.months.map((m) => m.days)).toEqual([1, 1]);
    expect(bill.cost).toBeCloseTo(2 * (672 + 100 * 3.36), 6);
  });
});

describe('plans outside a mode’s range', () => {
  it.each([
    { name: 'a package under the enhanced 95th cannot go below 200 Mbps', mode: 'cbwp-95' as BillingMode, level: 10, priced: 200 },
    { name: 'a package by bandwidth cannot go below 2 Mbps', mode: 'cbwp-bandwidth' as BillingMode, level: 1, priced: 2 },
    { name: 'an EIP by bandwidth cannot go above 500 Mbps', mode: 'eip-bandwidth' as BillingMode, level: 900, priced: 500 },
  ])('$name', ({ mode, level, priced }) => {
    const calendar: PlanCalendar = { startMs: JAN_15, utcOffsetMinutes: BEIJING };
    const demand = new Array<number>(288).fill(1);
    const asked = scorePlan(demand, new Array(288).fill(level), 300, mode, DEFAULT_PRICES, calendar);
    const held = scorePlan(demand, new Array(288).fill(priced), 300, mode, DEFAULT_PRICES, calendar);
    expect(asked.cost).toBeCloseTo(held.cost, 9);
  });

  it('names the missing section when a price table has no EIP prices', () => {
    const { eip: _eip, ...withoutEip } = DEFAULT_PRICES;
    expect(() => planCost('eip-bandwidth', [1], [1], 60, withoutEip)).toThrow(/no "eip" section, which --billing eip-bandwidth needs/);
  });
});

describe('EIP and package prices in a price file', () => {
  const BASE = [
    'currency: USD',
    'payAsYouGo: { tierMbps: 5, lowPerMbpsHour: 0.01, highPerMbpsHour: 0.04 }',
    'subscription: { points: [[5, 18]], abovePerMbpsMonth: 12 }',
    'trafficPerGb: 0.12',
  ].join('\n');

  it('reads the eip and cbwp sections, the minimum share defaulting to 20 %', () => {
    const text = `${BASE}\neip: { tierMbps: 5, lowPerMbpsDay: 0.14, highPerMbpsDay: 0.5, trafficPerGb: 0.123 }\ncbwp: { perMbpsDay: 0.5, enhanced95PerMbpsDay: 0.5 }\n`;

    expect(parsePrices(text, 'p.yaml')).toMatchObject({
      eip: { tierMbps: 5, lowPerMbpsDay: 0.14, highPerMbpsDay: 0.5, trafficPerGb: 0.123 },
      cbwp: { perMbpsDay: 0.5, enhanced95PerMbpsDay: 0.5, enhanced95MinimumRatio: 0.2 },
    });
  });

  it('leaves them out of a file written for ECS instances, rather than borrowing the CNY defaults', () => {
    const prices = parsePrices(BASE, 'p.yaml');
    expect(prices.eip).toBeUndefined();
    expect(prices.cbwp).toBeUndefined();
  });

  it.each([
    {
      name: 'a missing EIP price',
      text: `${BASE}\neip: { tierMbps: 5, lowPerMbpsDay: 0.14, highPerMbpsDay: 0.5 }\n`,
      error: /p\.yaml: eip\.trafficPerGb: expected the EIP price per GB/,
    },
    {
      name: 'a minimum share above 1',
      text: `${BASE}\ncbwp: { perMbpsDay: 0.5, enhanced95PerMbpsDay: 0.5, enhanced95MinimumRatio: 20 }\n`,
      error: /p\.yaml: cbwp\.enhanced95MinimumRatio: expected the minimum bandwidth share: a number from 0 to 1/,
    },
    {
      name: 'an unknown package key',
      text: `${BASE}\ncbwp: { perMbpsDay: 0.5, enhanced95PerMbpsDay: 0.5, ratio: 0.2 }\n`,
      error: /p\.yaml: cbwp: Unrecognized key: "ratio"/,
    },
  ])('refuses $name, naming the path', ({ text, error }) => {
    expect(() => parsePrices(text, 'p.yaml')).toThrow(error);
  });
});
