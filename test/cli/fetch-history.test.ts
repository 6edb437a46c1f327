import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRpcClient, type RpcClient } from '../../src/adapters/pop';
import { fetchRateHistory, run, traceCsv } from '../../src/cli/fetch-history';
import { parseTrace } from '../../src/sim/trace';
import { type CliCloud, runCli, startCliCloud } from './support';

const MINUTE = 60_000;
const DAY = 86_400_000;

describe('bwscaler fetch-history against the local cloud', () => {
  let local: CliCloud;
  let dir: string;
  let cms: RpcClient;
  const now = () => local.cloud.clock.now();
  const listCalls = () => local.cloud.world.calls.filter((call) => call.action === 'DescribeMetricList').length;

  beforeAll(async () => {
    local = await startCliCloud();
    await local.cloud.clock.advance(86_400);
    dir = await mkdtemp(join(tmpdir(), 'bwscaler-fetch-'));
    const { endpoints } = local.cloud;
    cms = createRpcClient({
      endpoint: endpoints.cms,
      apiVersion: '2019-01-01',
      credentials: { accessKeyId: endpoints.accessKeyId, accessKeySecret: endpoints.accessKeySecret },
    });
  });
  afterAll(async () => {
    cms?.close();
    await rm(dir, { recursive: true, force: true });
    await local?.close();
  });

  it('prints a day of minutes as a trace the backtest reads in bit/s', async () => {
    // Prepare
    const before = listCalls();

    // Act
    const result = await runCli(run, ['--instance', 'i-web-1', '--days', '1'], local.env(), now);

    // Assess: the newest visible minute started two minutes ago (one period plus CloudMonitor's
    // reporting lag), the oldest is the first full minute after the window opened.
    expect(result.code).toBe(0);
    const trace = parseTrace(result.stdout, 'i-web-1.csv', { unit: 'bps' });
    expect(trace.stepSeconds).toBe(60);
    expect(trace.missingSlots).toBe(0);
    expect(trace.points).toHaveLength(1438);
    expect(trace.points[0]?.at).toBe(now() - DAY + MINUTE);
    expect(trace.points.at(-1)?.at).toBe(now() - 2 * MINUTE);
    expect(new Set(trace.points.map((point) => point.mbps))).toEqual(new Set([4]));
    expect(result.stdout.split('\n')[1]).toBe(`${new Date(now() - DAY + MINUTE).toISOString().replace('.000Z', 'Z')},4000000`);
    // 1,438 points in pages of 1,000: the second page comes by NextToken.
    expect(listCalls() - before).toBe(2);
    expect(result.stderr).toContain('1438 points of VPC_PublicIP_InternetOutRate for i-web-1');
  });

  it('writes 5-minute points of several days to a file, one query per day', async () => {
    // Prepare
    const file = join(dir, 'web-1.csv');
    const before = listCalls();

    // Act
    const result = await runCli(run, ['--instance', 'i-web-1', '--days', '3', '--period', '300', '--out', file], local.env(), now);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    const trace = parseTrace(await readFile(file, 'utf8'), 'web-1.csv', { unit: 'bps' });
    expect(trace.stepSeconds).toBe(300);
    expect(trace.missingSlots).toBe(0);
    expect(trace.points).toHaveLength(3 * 288 - 2);
    expect(listCalls() - before).toBe(3);
  });

  it('reads the classic-network metric for a classic instance', async () => {
    const result = await runCli(run, ['--instance', 'i-web-3', '--days', '1'], local.env(), now);

    expect(result.code).toBe(0);
    expect(result.stderr).toContain('points of InternetOutRate for i-web-3');
  });

  it('returns the same points whatever the page length', async () => {
    // Prepare
    const query = {
      regionId: 'cn-hangzhou',
      instanceId: 'i-shop-1',
      metricName: 'VPC_PublicIP_InternetOutRate',
      periodSeconds: 60,
      from: now() - DAY / 2,
      to: now(),
    };

    // Act
    const whole = await fetchRateHistory(cms, query);
    const paged = await fetchRateHistory(cms, query, { pageLength: 97 });

    // Assess
    expect(paged).toEqual(whole);
    expect(whole).toHaveLength(718);
  });

  it('exits 1 for an instance ECS does not know', async () => {
    const result = await runCli(run, ['--instance', 'i-nowhere'], local.env(), now);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--instance i-nowhere: DescribeInstances in cn-hangzhou does not return it');
  });

  it('names the range asked and the range CloudMonitor has when a clock runs ahead of it', async () => {
    // Prepare: "now" a week ahead of the local cloud's manual clock, as a terminal's is.
    const ahead = () => now() + 7 * 86_400_000;

    // Act
    const result = await runCli(run, ['--instance', 'i-web-1', '--days', '1'], local.env(), ahead);

    // Assess
    expect(result.code).toBe(1);
    const asked = `between ${new Date(ahead() - 86_400_000).toISOString().slice(0, 13)}`;
    expect(result.stderr).toContain(asked);
    expect(result.stderr).toMatch(/CloudMonitor keeps 31 days, so it has points from \S+ up to \S+: its clock is behind this machine's/);
    expect(result.stderr).toContain('--clock wall');
  });

  it('prints the points as JSON with --json', async () => {
    const result = await runCli(run, ['--instance', 'i-web-1', '--days', '1', '--json'], local.env(), now);

    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as { metricName: string; points: Array<{ at: string; bps: number }> };
    expect(printed.metricName).toBe('VPC_PublicIP_InternetOutRate');
    expect(printed.points.length).toBeGreaterThan(1000);
  });

  const usageRows = [
    { name: 'without --instance', args: ['--days', '1'], expected: '--instance is required' },
    { name: 'zero days', args: ['--instance', 'i-web-1', '--days', '0'], expected: '--days: expected a whole number from 1 to 31, got 0' },
    {
      name: 'more days than CloudMonitor keeps',
      args: ['--instance', 'i-web-1', '--days', '32'],
      expected: '--days: expected a whole number from 1 to 31, got 32',
    },
    { name: 'a 15-minute period', args: ['--instance', 'i-web-1', '--period', '900'], expected: '--period: expected 60 or 300 (seconds), got "900"' },
    {
      name: 'a metric that is not in bit/s',
      args: ['--instance', 'i-web-1', '--metric', 'VPC_PublicIP_InternetOutRate_Percent'],
      expected:
        '--metric: expected one of VPC_PublicIP_InternetOutRate, InternetOutRate, VPC_PublicIP_InternetInRate, InternetInRate (the bit/s metrics), got "VPC_PublicIP_InternetOutRate_Percent"',
    },
    { name: 'a stray positional argument', args: ['i-web-1'], expected: "Unexpected argument 'i-web-1'" },
  ];

  it.each(usageRows)('exits 2 and names the flag: $name', async ({ args, expected }) => {
    const result = await runCli(run, args, local.env(), now);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(expected);
    expect(result.stdout).toBe('');
  });
});

describe('traceCsv', () => {
  it('round-trips through the backtest trace reader with --unit bps', () => {
    const start = Date.UTC(2026, 0, 1);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 200_000_000 }), { minLength: 2, maxLength: 200 }), (rates) => {
        const points = rates.map((bps, i) => ({ at: start + i * MINUTE, bps }));

        const trace = parseTrace(traceCsv(points), 'trace.csv', { unit: 'bps' });

        expect(trace.stepSeconds).toBe(60);
        expect(trace.points).toEqual(points.map((point) => ({ at: point.at, mbps: point.bps / 1_000_000 })));
      }),
    );
  });
});
