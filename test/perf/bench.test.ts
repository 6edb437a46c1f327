// The benchmark's STRUCTURE, never its timings (a shared 2-core machine makes those meaningless in a
// test): the bundles build under the size budget and still carry what they need, the slimmed
// Tablestore protocol keeps the messages the store uses, the proxy classifies calls, and the target
// checks read the figures the way bench/targets.ts states them.
import { mkdtemp, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quantile } from '../../bench/alarm-latency';
import { classifyRequest } from '../../bench/latency-proxy';
import { evaluateTargets, type PerfFigures, TARGETS } from '../../bench/targets';
// @ts-expect-error: plain ESM build script without type declarations
import { buildFunctions } from '../../scripts/build.mjs';
// @ts-expect-error: plain ESM build script without type declarations
import { slimCompiledProto } from '../../scripts/slim-tablestore.mjs';

const COMPILED_PROTO = createRequire(import.meta.url).resolve('tablestore/lib/protocol/tablestore_compiled_proto.js');

describe('the function bundles', () => {
  it('build, report their size, and stay within the 800 KB budget', async () => {
    const outdir = await mkdtemp(join(tmpdir(), 'bwscaler-perf-test-'));

    const built = (await buildFunctions({ quiet: true, outdir })) as Record<string, { outfile: string; bytes: number }>;

    for (const name of ['alarm', 'schedule']) {
      const bundle = built[name];
      expect(bundle?.bytes, name).toBeGreaterThan(100 * 1024);
      expect(bundle?.bytes, name).toBeLessThanOrEqual(TARGETS.maxBundleBytes);
      expect((await readFile(bundle?.outfile as string)).byteLength).toBe(bundle?.bytes);
    }
  }, 60_000);
});

describe('slimCompiledProto', () => {
  it('keeps create/encode/decode of the row and table messages and drops the unused methods and search', async () => {
    const source = await readFile(COMPILED_PROTO, 'utf8');

    const slim: string = slimCompiledProto(source);
    // biome-ignore lint/suspicious/noExplicitAny: the evaluated protobuf module is untyped
    const module = { exports: {} as Record<string, any> };
    new Function('module', 'exports', 'require', slim)(module, module.exports, createRequire(COMPILED_PROTO));
    const proto = module.exports.main.proto;

    expect(slim.length).toBeLessThan(source.length / 2);
    for (const message of ['GetRowRequest', 'PutRowRequest', 'UpdateRowRequest', 'GetRangeRequest', 'BatchWriteRowRequest', 'BatchWriteRowResponse']) {
      expect(typeof proto[message].create, message).toBe('function');
      expect(typeof proto[message].encode, message).toBe('function');
      expect(typeof proto[message].decode, message).toBe('function');
      expect(proto[message].toObject, message).toBeUndefined();
    }
    expect(() => module.exports.search.proto.SearchRequest).toThrow(/search-index protocol is left out/);
  });

  it('round-trips a message exactly as the untouched module does', async () => {
    const req = createRequire(COMPILED_PROTO);
    const full = req(COMPILED_PROTO).main.proto;
    // biome-ignore lint/suspicious/noExplicitAny: the evaluated protobuf module is untyped
    const module = { exports: {} as Record<string, any> };
    new Function('module', 'exports', 'require', slimCompiledProto(await readFile(COMPILED_PROTO, 'utf8')))(module, module.exports, req);
    const slim = module.exports.main.proto;
    const properties = { tableName: 'c12_state', primaryKey: Buffer.from([1, 2, 3]), maxVersions: 1 };

    const bytes = slim.GetRowRequest.encode(slim.GetRowRequest.create(properties)).finish();

    expect(Buffer.from(bytes)).toEqual(Buffer.from(full.GetRowRequest.encode(full.GetRowRequest.create(properties)).finish()));
    expect(slim.GetRowRequest.decode(bytes).tableName).toBe('c12_state');
  });

  it('fails loudly on a file that is not the expected pbjs layout', () => {
    expect(() => slimCompiledProto('module.exports = {};')).toThrow(/unexpected layout/);
  });
});

describe('classifyRequest', () => {
  const rows = [
    { name: 'an ECS call by query', path: '/?Action=DescribeInstances&Version=2014-05-26', body: '', expected: 'ecs:DescribeInstances' },
    { name: 'an ECS call by form body', path: '/', body: 'Action=ModifyInstanceNetworkSpec&Version=2014-05-26', expected: 'ecs:ModifyInstanceNetworkSpec' },
    { name: 'a CloudMonitor call', path: '/?Version=2019-01-01&Action=DescribeMetricLast', body: '', expected: 'cms:DescribeMetricLast' },
    { name: 'a Tablestore operation', path: '/BatchWriteRow', body: '\u0000binary', expected: 'ots:BatchWriteRow' },
  ];
  it.each(rows)('$name', ({ path, body, expected }) => {
    expect(classifyRequest(path, body)).toBe(expected);
  });
});

describe('quantile', () => {
  it.each([
    { name: 'p50 of 1..100 is 50', values: Array.from({ length: 100 }, (_, i) => 100 - i), q: 0.5, expected: 50 },
    { name: 'p99 of 1..100 is 99', values: Array.from({ length: 100 }, (_, i) => i + 1), q: 0.99, expected: 99 },
    { name: 'any quantile of one value is that value', values: [7], q: 0.99, expected: 7 },
  ])('$name', ({ values, q, expected }) => {
    expect(quantile(values, q)).toBe(expected);
  });
});

describe('evaluateTargets', () => {
  const good: PerfFigures = {
    bundles: {
      alarm: { bytes: 600_000, coldStartMs: 50, baselineColdStartMs: 100 },
      schedule: { bytes: 600_000, coldStartMs: 50, baselineColdStartMs: 100 },
    },
    alarmLatencyMs: { p50: 10, p99: 20 },
    fleetTick: { instances: 5000, wallMs: 9000, calls: { DescribeInstances: 50, DescribeMetricLast: 5, ModifyInstanceNetworkSpec: 250, tablestore: 520 } },
    backtestDecisionsPerSecond: 5000,
    predictiveBacktestDecisionsPerSecond: 12_000,
  };
  const failing = (figures: PerfFigures) =>
    evaluateTargets(figures, { acted: 250 })
      .filter((c) => c.pass === false)
      .map((c) => c.figure);
  const rows: Array<{ name: string; change: (f: PerfFigures) => void; fails: string[] }> = [
    { name: 'figures within every target fail nothing', change: () => {}, fails: [] },
    { name: 'a bundle over 800 KB fails its size', change: (f) => (f.bundles.alarm.bytes = 800 * 1024 + 1), fails: ['alarm bundle bytes'] },
    { name: 'a cold start above 0.6x the baseline fails', change: (f) => (f.bundles.schedule.coldStartMs = 61), fails: ['schedule cold start ms (median)'] },
    { name: 'a tick over 10 s fails', change: (f) => (f.fleetTick.wallMs = 10_001), fails: ['fleet tick wall ms (5000)'] },
    { name: 'more than ceil(N/100) DescribeInstances fails', change: (f) => (f.fleetTick.calls.DescribeInstances = 51), fails: ['DescribeInstances calls'] },
    {
      name: 'more than a handful of CloudMonitor calls fails',
      change: (f) => (f.fleetTick.calls.DescribeMetricLast = 100),
      fails: ['DescribeMetricLast calls'],
    },
    {
      name: 'Tablestore above 2 per act plus the per-tick allowance fails',
      change: (f) => (f.fleetTick.calls.tablestore = 2 * 250 + 25 + 5 + 1),
      fails: ['Tablestore round trips'],
    },
    {
      name: 'a predictive backtest at 10,000 decisions/s or fewer fails',
      change: (f) => (f.predictiveBacktestDecisionsPerSecond = 10_000),
      fails: ['backtest decisions/s (fast, predictive)'],
    },
    { name: 'an unmeasured predictive backtest (no traces) fails nothing', change: (f) => (f.predictiveBacktestDecisionsPerSecond = null), fails: [] },
  ];
  it.each(rows)('$name', ({ change, fails }) => {
    const figures = structuredClone(good);
    change(figures);

    expect(failing(figures)).toEqual(fails);
  });
});
