// `backtest --billing` with the EIP and shared-package billings, and `--compare-billing`.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/backtest';
import type { CommandIo } from '../../src/cli/command';
import type { ReportData } from '../../src/report/types';
import type { BillingComparison } from '../../src/sim/backtest';
import { BILLING_MODES, DEFAULT_PRICES } from '../../src/sim/cost';
import { repriceReport } from '../../src/sim/reprice';
import { VPC_BILLINGS } from '../../src/sim/vpc-billing';
import { csvOf, SYNTHETIC_MBPS } from './support';

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

describe('backtest with EIP and shared-package billings', () => {
  let dir: string;
  let trace: string;
  let ecsOnlyPrices: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bwscaler-vpc-billing-'));
    trace = join(dir, 'trace.csv');
    await writeFile(trace, csvOf(SYNTHETIC_MBPS.map((mbps) => mbps * 1e6)));
    ecsOnlyPrices = join(dir, 'ecs-only.yaml');
    await writeFile(
      ecsOnlyPrices,
      [
        'currency: USD',
        'payAsYouGo: { tierMbps: 5, lowPerMbpsHour: 0.01, highPerMbpsHour: 0.04 }',
        'subscription: { points: [[1, 7], [2, 14], [5, 35]], abovePerMbpsMonth: 11 }',
        'trafficPerGb: 0.12',
      ].join('\n'),
    );
  });

  it.each(VPC_BILLINGS.map((billing) => ({ billing })))('accepts --billing $billing and prices the replayed plan under it', async ({ billing }) => {
    const io = capture();

    const code = await run(['--trace', trace, '--json', '--billing', billing], {}, io);

    expect(code, io.err).toBe(0);
    const summary = JSON.parse(io.out.trim().split('\n').at(-1) as string) as Record<string, unknown>;
    // Replayed on the EIP or package itself, not on an ECS instance with the same kind of meter.
    expect(summary.replayedAs).toBeUndefined();
    expect(summary.replayedOn).toEqual(billing.startsWith('eip') ? { kind: 'eip', id: 'eip-demo-1' } : { kind: 'cbwp', id: 'cbwp-demo-1' });
    expect(summary.cost as number).toBeGreaterThan(0);
    // The optimum is a lower bound: on cost for a plan that drops nothing, on score for every plan.
    if (summary.droppedFraction === 0) expect(summary.costVsOracle as number).toBeGreaterThanOrEqual(1 - 1e-9);
    if (summary.oracleScoreExact) expect(summary.scoreVsOracle as number).toBeGreaterThanOrEqual(1 - 1e-9);
    expect(io.out).toMatch(new RegExp(`plan priced as ${billing}`));
  });

  it.each([
    // By bandwidth: demo-eip's spend guard (pay-by-traffic only) would cap a 150 Mbps day by design.
    { billing: 'eip-bandwidth', policy: 'demo-eip', peak: 150 },
    { billing: 'cbwp-bandwidth', policy: 'demo-egress', peak: 300 },
  ])(
    'replays $policy of examples/vpc-policy.yaml on the resource itself, above the 100 Mbps an ECS instance allows ($billing, peak $peak)',
    async ({ billing, policy, peak }) => {
      // Prepare: the synthetic day rescaled to a peak an ECS instance cannot be set to.
      const io = capture();

      // Act
      const code = await run(
        [
          ...['--trace', trace, '--json', '--billing', billing, '--peak-mbps', String(peak)],
          ...['--policy', 'examples/vpc-policy.yaml', '--policy-name', policy, '--data', join(dir, `${policy}.json`)],
        ],
        {},
        io,
      );

      // Assess: the plan follows the peak above 100 Mbps (two hours of ramps: a few % is dropped on the way up).
      expect(code, io.err).toBe(0);
      const summary = JSON.parse(io.out.trim().split('\n').at(-1) as string) as Record<string, unknown>;
      expect(summary).toMatchObject({ billing, policy });
      expect(summary.warnings).toEqual([]);
      const saved = JSON.parse(await readFile(join(dir, `${policy}.json`), 'utf8')) as ReportData;
      const highest = Math.max(...(saved.instances[0]?.bandwidthMbps ?? []));
      expect(highest).toBeGreaterThan(100);
      expect(summary.droppedFraction as number).toBeLessThan(0.05);
      expect(summary.replayedOn).toMatchObject({ kind: billing.startsWith('eip') ? 'eip' : 'cbwp' });
    },
  );

  it.each(VPC_BILLINGS.map((billing) => ({ billing })))(
    'saves a $billing run that re-prices to the same figures and writes its report',
    async ({ billing }) => {
      const io = capture();
      const data = join(dir, `${billing}.json`);
      const report = join(dir, `${billing}.html`);

      const code = await run(['--trace', trace, '--json', '--billing', billing, '--data', data, '--report', report], {}, io);

      expect(code, io.err).toBe(0);
      const summary = JSON.parse(io.out.trim().split('\n').at(-1) as string) as { cost: number; oracleCost: number };
      const saved = JSON.parse(await readFile(data, 'utf8')) as ReportData;
      const instance = saved.instances[0];
      expect(instance?.billing).toBe(billing);
      expect(instance?.cumulativeCost.at(-1)).toBeCloseTo(summary.cost, 6);
      const repriced = repriceReport(saved, DEFAULT_PRICES, 'the defaults').instances[0];
      expect(repriced?.summary.cost).toBeCloseTo(summary.cost, 6);
      expect(repriced?.summary.oracleCost).toBeCloseTo(summary.oracleCost, 6);
      expect(await readFile(report, 'utf8')).toContain(billing);
    },
  );

  it('says when the best-score optimum is not solved (cbwp-95)', async () => {
    const io = capture();

    const code = await run(['--trace', trace, '--json', '--billing', 'cbwp-95'], {}, io);

    expect(code, io.err).toBe(0);
    expect(io.out).toMatch(/cbwp-95: the best-score plan is not solved/);
    expect(JSON.parse(io.out.trim().split('\n').at(-1) as string)).toMatchObject({ oracleScoreExact: false });
  });

  it.each([
    {
      name: 'an unknown billing, listing the new ones',
      args: ['--trace', 'x.csv', '--billing', 'eip'],
      error: /--billing: expected one of postpaid-bandwidth, prepaid-bandwidth, traffic, eip-bandwidth, eip-traffic, cbwp-bandwidth, cbwp-95, got "eip"/,
    },
    {
      name: 'an EIP billing with a price file that has no EIP prices',
      args: ['--trace', '@TRACE', '--billing', 'eip-bandwidth', '--prices', '@PRICES'],
      error: /ecs-only\.yaml has no "eip" section, which --billing eip-bandwidth needs/,
    },
    {
      name: 'a package billing with a price file that has no package prices',
      args: ['--trace', '@TRACE', '--billing', 'cbwp-95', '--prices', '@PRICES'],
      error: /ecs-only\.yaml has no "cbwp" section, which --billing cbwp-95 needs/,
    },
    { name: '--compare-billing with --billing', args: ['--trace', 'x.csv', '--compare-billing', '--billing', 'traffic'], error: /leave out --billing/ },
    {
      name: '--compare-billing with --report',
      args: ['--trace', 'x.csv', '--compare-billing', '--report', 'r.html'],
      error: /--report and --data hold one billing/,
    },
  ])('refuses $name with exit code 2 and a message naming it', async ({ args, error }) => {
    const io = capture();

    const code = await run(
      args.map((a) => (a === '@TRACE' ? trace : a === '@PRICES' ? ecsOnlyPrices : a)),
      {},
      io,
    );

    expect(code).toBe(2);
    expect(io.err).toMatch(error);
  });

  it('compares every billing on one trace, static and autoscaled, and names the best fit', async () => {
    const io = capture();

    const code = await run(['--trace', trace, '--compare-billing', '--json'], {}, io);

    expect(code, io.err).toBe(0);
    const comparison = JSON.parse(io.out.trim().split('\n').at(-1) as string) as BillingComparison;
    expect(comparison.rows.map((row) => row.billing)).toEqual(BILLING_MODES);
    for (const row of comparison.rows) {
      expect(row.skipped, row.billing).toBeUndefined();
      expect(row.oracle?.cost as number, row.billing).toBeLessThanOrEqual((row.staticPeak?.cost as number) + 1e-9);
    }
    expect(BILLING_MODES).toContain(comparison.cheapestStatic);
    expect(BILLING_MODES).toContain(comparison.cheapestAutoscaled);
    expect(io.out).toMatch(/static peak fits \S+ best, the policy's plan fits \S+ best/);
  });

  it('skips the billings a price file cannot price, and prices the rest', async () => {
    const io = capture();

    const code = await run(['--trace', trace, '--compare-billing', '--json', '--prices', ecsOnlyPrices], {}, io);

    expect(code, io.err).toBe(0);
    const comparison = JSON.parse(io.out.trim().split('\n').at(-1) as string) as BillingComparison;
    const skipped = comparison.rows.filter((row) => row.skipped !== undefined).map((row) => row.billing);
    expect(skipped).toEqual(VPC_BILLINGS);
    expect(comparison.rows.find((row) => row.billing === 'traffic')?.autoscaled?.cost).toBeGreaterThan(0);
    expect(io.out).toMatch(/skipped: the price table has no "eip" section/);
  });
});
