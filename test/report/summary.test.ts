import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors';
import { formatDroppedPercent, formatSignedPercent, instanceFigures } from '../../src/report/figures';
import { formatSummaryTable } from '../../src/report/summary';
import { makeInstance, makeReport } from './report-data';

const summary = makeInstance().summary;

describe('instanceFigures', () => {
  it.each([
    {
      name: 'saving and distance to the oracle are percents of the static peak and of the oracle',
      instance: makeInstance({ summary: { ...summary, cost: 25, staticPeakCost: 100, oracleCost: 20 } }),
      expected: { savingPercent: 75, overOraclePercent: 25 },
    },
    {
      name: 'costing more than the static peak is a negative saving',
      instance: makeInstance({ summary: { ...summary, cost: 120, staticPeakCost: 100 } }),
      expected: { savingPercent: -20, overOraclePercent: undefined },
    },
    {
      name: 'a free static peak (pay-by-traffic with no traffic) has no saving percent',
      instance: makeInstance({ summary: { ...summary, cost: 0, staticPeakCost: 0, oracleCost: 0 } }),
      expected: { savingPercent: undefined, overOraclePercent: undefined },
    },
    {
      name: 'changes per day count the days the series covers',
      instance: makeInstance({ demandMbps: Array(576).fill(5), summary: { ...summary, changes: 12 } }),
      expected: { days: 2, changesPerDay: 6 },
    },
    {
      name: 'blocked reasons are ordered by count, then by code, without zero counts',
      instance: makeInstance({ summary: { ...summary, blocked: { COOLDOWN: 2, PROVIDER_LOCK: 7, DOWNGRADE_BUDGET: 2, MIN_HOLD: 0 } } }),
      expected: {
        blocked: [
          { reason: 'PROVIDER_LOCK', count: 7 },
          { reason: 'COOLDOWN', count: 2 },
          { reason: 'DOWNGRADE_BUDGET', count: 2 },
        ],
      },
    },
  ])('$name', ({ instance, expected }) => {
    expect(instanceFigures(instance)).toMatchObject(expected);
  });
});

describe('figure formats', () => {
  it.each([
    { name: 'a real but tiny loss does not read as zero', percent: 0.001, expected: '<0.01%' },
    { name: 'no loss reads as zero', percent: 0, expected: '0.00%' },
    { name: 'two decimals otherwise', percent: 1.2345, expected: '1.23%' },
  ])('dropped: $name', ({ percent, expected }) => {
    expect(formatDroppedPercent(percent)).toBe(expected);
  });

  it.each([
    { name: 'above', percent: 12.34, expected: '+12.3%' },
    { name: 'below', percent: -4, expected: '-4.0%' },
    { name: 'absent', percent: undefined, expected: '—' },
  ])('signed difference $name', ({ percent, expected }) => {
    expect(formatSignedPercent(percent)).toBe(expected);
  });
});

describe('formatSummaryTable', () => {
  const data = makeReport([
    makeInstance({
      instanceId: 'i-web',
      summary: {
        cost: 1234.5,
        staticPeakCost: 3000,
        oracleCost: 1000,
        droppedFraction: 0.0012,
        saturatedMinutes: 35,
        changes: 120,
        downgrades: 40,
        blocked: { PROVIDER_LOCK: 12, COOLDOWN: 3, MIN_HOLD: 2, STABILIZATION: 1 },
      },
    }),
    makeInstance({
      instanceId: 'i-batch-subscription',
      billing: 'prepaid-bandwidth',
      summary: { cost: 80, staticPeakCost: 100, droppedFraction: 0, saturatedMinutes: 0, changes: 4, downgrades: 2, blocked: {} },
    }),
  ]);

  it('prints a header, a rule and one row per instance with the figures', () => {
    // Act
    const lines = formatSummaryTable(data).split('\n');

    // Assess
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      /^resource\s+kind\s+billing\s+cost CNY\s+static peak\s+saving\s+vs oracle\s+score vs opt\s+dropped\s+changes\s+downgrades\s+top blocked reasons$/,
    );
    expect(lines[1]).toMatch(/^-+( +-+)+$/);
    expect(lines[2]).toMatch(
      /^i-web\s+ecs\s+postpaid-bandwidth\s+1,234.50\s+3,000.00\s+58.9%\s+\+23.5%\s+—\s+0.12%\s+120\s+40\s+PROVIDER_LOCK 12, COOLDOWN 3, MIN_HOLD 2 \(\+1 more\)$/,
    );
    expect(lines[3]).toMatch(/^i-batch-subscription\s+ecs\s+prepaid-bandwidth\s+80.00\s+100.00\s+20.0%\s+—\s+—\s+0.00%\s+4\s+2\s+—$/);
  });

  it('aligns every column: each column starts at the same offset on every line', () => {
    // Prepare: the rule line marks where each column starts.
    const lines = formatSummaryTable(data).split('\n');
    const starts = [...(lines[1] as string).matchAll(/-+/g)].map((match) => ({ from: match.index, to: match.index + match[0].length }));

    // Assess: right-aligned numbers end at their column's end, left-aligned text starts at its start.
    const heading = lines[0] as string;
    for (const { from } of starts) expect(heading[from - 1] ?? ' ').toBe(' ');
    for (const row of lines.slice(2)) {
      for (const [column, { from, to }] of starts.entries()) {
        const numeric = column >= 3 && column <= 10;
        if (numeric) expect(row[to - 1], `column ${column} of "${row}"`).not.toBe(' ');
        else expect(row[from], `column ${column} of "${row}"`).not.toBe(' ');
      }
    }
  });

  it('prints control characters in untrusted ids as U+FFFD, so they cannot drive the terminal', () => {
    const table = formatSummaryTable(makeReport([makeInstance({ instanceId: 'i-\u001b[2Jevil\r' })]));
    const controls = [...table].filter((character) => character !== '\n' && (character.codePointAt(0) as number) < 0x20);
    expect(controls).toEqual([]);
    expect(table).toContain('i-\uFFFD[2Jevil\uFFFD');
  });

  it('says so when the run has no instances', () => {
    expect(formatSummaryTable(makeReport([]))).toMatch(/\(no instances\)$/);
  });

  it('refuses malformed data with the path of the problem', () => {
    const data = makeReport([makeInstance({ summary: { ...summary, changes: Number.NaN } })]);
    expect(() => formatSummaryTable(data)).toThrow(ValidationError);
    expect(() => formatSummaryTable(data)).toThrow(/instances\[0\]\.summary\.changes: expected a finite number, got NaN/);
  });
});
