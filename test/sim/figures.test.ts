// Figures a user can trust (issue 13 §3): no plan beats the optimum it is compared with, `score`
// cannot be gamed by dropping traffic, prices come from the user's file end to end, and likely
// mistakes are said out loud.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/backtest';
import type { CommandIo } from '../../src/cli/command';
import { runBacktest } from '../../src/sim/backtest';
import { BILLINGS } from '../../src/sim/cost';
import { parsePrices } from '../../src/sim/prices';
import { parseTrace } from '../../src/sim/trace';
import { csvOf, EXAMPLE_POLICY, SYNTHETIC_MBPS, syntheticTrace } from './support';

function capture(): CommandIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: { write: (text: string) => (io.out += text) },
    stderr: { write: (text: string) => (io.err += text) },
    now: () => Date.now(),
  };
  return io;
}

/** One-minute spikes on a low base: what made a dropping policy look cheaper than the optimum. */
function spikyTrace() {
  const mbps = Array.from({ length: 240 }, (_, i) => (i % 37 === 5 ? 70 : i % 11 === 3 ? 30 : 6));
  const start = Date.parse('2026-03-02T08:00:00Z');
  const rows = mbps.map((v, i) => `${new Date(start + i * 60_000).toISOString()},${v}`);
  return parseTrace(['timestamp,value', ...rows].join('\n'), 'spiky.csv', { unit: 'Mbps' });
}

describe('backtest figures', () => {
  const traces = [
    { name: 'synthetic', trace: syntheticTrace() },
    { name: 'spiky', trace: spikyTrace() },
  ];
  const rows = BILLINGS.flatMap((billing) => traces.map(({ name, trace }) => ({ name: `${billing}, ${name} trace`, billing, trace })));

  it.each(rows)('no plan beats its optimum: $name', async ({ billing, trace }) => {
    const { summary, outcomes } = await runBacktest({ trace, billing, policyText: EXAMPLE_POLICY, policySource: 'examples/policy.yaml' });

    for (const plan of [outcomes.policy, outcomes.staticPeak, outcomes.naive]) {
      expect(plan.score).toBeGreaterThanOrEqual(summary.oracleScore - 1e-9);
      if (plan.droppedGb === 0) expect(plan.cost).toBeGreaterThanOrEqual(summary.oracleCost - 1e-9);
    }
    expect(summary.scoreVsOracle).toBeGreaterThanOrEqual(1);
    expect(summary.score).toBeCloseTo(summary.cost + summary.dropPenaltyPerGb * summary.droppedGb, 9);
  });
});

const PRICES_YAML = `currency: USD
payAsYouGo: { tierMbps: 5, lowPerMbpsHour: 0.01, highPerMbpsHour: 0.04 }
subscription: { points: [[2, 7], [5, 18]], abovePerMbpsMonth: 12 }
trafficPerGb: 0.12
`;

describe('--prices FILE', () => {
  let dir: string;
  let trace: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bwscaler-prices-'));
    trace = join(dir, 'trace.csv');
    await writeFile(trace, csvOf(SYNTHETIC_MBPS.map((mbps) => mbps * 1e6)));
  });

  it('prices a backtest in the file currency, end to end', async () => {
    const file = join(dir, 'prices.yaml');
    await writeFile(file, PRICES_YAML);
    const io = capture();
    const report = join(dir, 'report.html');

    const code = await run(['--trace', trace, '--prices', file, '--json', '--report', report], {}, io);

    expect(code, io.err).toBe(0);
    const summary = JSON.parse(io.out.trim().split('\n').at(-1) as string) as Record<string, number | string>;
    const hangzhou = capture();
    await run(['--trace', trace, '--json'], {}, hangzhou);
    const defaults = JSON.parse(hangzhou.out.trim().split('\n').at(-1) as string) as Record<string, number | string>;
    expect(summary.currency).toBe('USD');
    expect(summary.dropPenaltyPerGb).toBeCloseTo(1.2, 10);
    expect(summary.cost).not.toBeCloseTo(defaults.cost as number, 2);
    expect(io.out).toContain(`Prices from ${file}.`);
    expect(hangzhou.out).toContain('documented Hangzhou examples');
    expect(await readFile(report, 'utf8')).toContain('USD');
  });

  it('accepts the same table as JSON', () => {
    const json = JSON.stringify({
      currency: 'EUR',
      payAsYouGo: { tierMbps: 5, lowPerMbpsHour: 0.01, highPerMbpsHour: 0.04 },
      subscription: { points: [[5, 18]], abovePerMbpsMonth: 12 },
      trafficPerGb: 0.1,
      dropPenaltyPerGb: 3,
    });

    expect(parsePrices(json, 'p.json')).toMatchObject({
      currency: 'EUR',
      dropPenaltyPerGb: 3,
      subscription: {
        points: [
          [0, 0],
          [5, 18],
        ],
        daysPerMonth: 30,
      },
    });
  });

  it.each([
    {
      name: 'a missing price',
      text: 'currency: USD\npayAsYouGo: { tierMbps: 5, lowPerMbpsHour: 0.01, highPerMbpsHour: 0.04 }\nsubscription: { points: [[5, 18]], abovePerMbpsMonth: 12 }\n',
      error: /p\.yaml: trafficPerGb: expected the price per GB/,
    },
    {
      name: 'a negative price',
      text: PRICES_YAML.replace('0.12', '-1'),
      error: /p\.yaml: trafficPerGb: expected the price per GB of outbound traffic: a number >= 0/,
    },
    {
      name: 'points out of order',
      text: PRICES_YAML.replace('[[2, 7], [5, 18]]', '[[5, 18], [2, 7]]'),
      error: /p\.yaml: subscription\.points\.1\.0: expected more Mbps than points\[0\] \(5\)/,
    },
    { name: 'an unknown key', text: `${PRICES_YAML}tax: 0.06\n`, error: /p\.yaml: \(top level\): Unrecognized key: "tax"/ },
  ])('refuses $name, naming the path', ({ text, error }) => {
    expect(() => parsePrices(text, 'p.yaml')).toThrow(error);
  });

  it('exits 2 naming an unreadable prices file', async () => {
    const io = capture();

    const code = await run(['--trace', trace, '--prices', join(dir, 'nope.yaml')], {}, io);

    expect(code).toBe(2);
    expect(io.err).toMatch(/cannot read prices file .*nope\.yaml/);
  });
});

describe('warnings on likely mistakes', () => {
  it('warns when most demand is dropped and the peak is above what the API serves', async () => {
    const { summary } = await runBacktest({
      trace: syntheticTrace(SYNTHETIC_MBPS.map((m) => m * 10)),
      billing: 'traffic',
      policyText: EXAMPLE_POLICY,
      policySource: 'examples/policy.yaml',
    });

    expect(summary.warnings.join('\n')).toMatch(/peak demand 850\.0 Mbps is above the 100 Mbps the API allows/);
    expect(summary.warnings.join('\n')).toMatch(/saturated \d+ % of the time/);
  });

  it('replays a one-policy file without --policy-name, and says so', async () => {
    const one =
      'version: 1\npolicies:\n  - name: solo\n    instances: { region: cn-shanghai, ids: [i-solo] }\n    bounds: { minOut: 5, maxOut: 50 }\n    targetTracking: {}\n';

    const { summary } = await runBacktest({ trace: syntheticTrace(), billing: 'postpaid-bandwidth', policyText: one, policySource: 'solo.yaml' });

    expect(summary.policy).toBe('solo');
    expect(summary.warnings).toContain(
      'solo.yaml has one policy, "solo", whose selector does not match the simulated postpaid-bandwidth instance; replaying it as if it did (pass --policy-name solo to say so)',
    );
  });
});
