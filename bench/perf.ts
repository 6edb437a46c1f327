// `npm run bench`: bundle size, cold start, warm alarm latency, fleet-tick throughput and backtest
// speed, each next to its baseline or target. Prints a table, then ONE JSON line (the last line), and
// exits 1 naming every target that failed.
//
// Timings come from whatever machine runs this; the table's header names it. On a shared, loaded
// machine the absolute figures swell, while the cold-start RATIO holds up better (both variants are
// measured alternately, run by run).

import { mkdtemp } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error: plain ESM build script without type declarations
import { buildFunctions } from '../scripts/build.mjs';
import { measureAlarmLatency } from './alarm-latency';
import { measureBacktestSpeeds } from './backtest-speed';
import { buildUnbundled, measureColdStarts } from './cold-start';
import { measureFleetTick } from './fleet-tick';
import { evaluateTargets, type PerfFigures } from './targets';

const FUNCTIONS = ['alarm', 'schedule'] as const;
const COLD_START_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 11);
const ALARM_INVOCATIONS = Number(process.env.BENCH_ALARM_INVOCATIONS ?? 100);
const FLEET_INSTANCES = Number(process.env.BENCH_FLEET_INSTANCES ?? 5000);
const FLEET_LATENCY_MS = 20;
/** Timed runs of each backtest, after a warm-up run: the figure is their median. */
const BACKTEST_ROUNDS = Number(process.env.BENCH_BACKTEST_ROUNDS ?? 3);

function progress(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

async function main(): Promise<number> {
  if (COLD_START_RUNS < 10) progress(`note: BENCH_COLD_RUNS=${COLD_START_RUNS}, below the 10 runs a stable median needs`);
  progress('building the bundles');
  const distDir = await mkdtemp(join(tmpdir(), 'bwscaler-bench-dist-'));
  const built = (await buildFunctions({ quiet: true, outdir: distDir })) as Record<string, { outfile: string; bytes: number }>;

  const bundles = {} as PerfFigures['bundles'];
  for (const fn of FUNCTIONS) {
    progress(`cold start of ${fn}: ${COLD_START_RUNS} fresh processes per variant`);
    const file = built[fn]?.outfile as string;
    const results = await measureColdStarts(
      fn,
      { bundled: { file, kind: 'cjs' }, unbundled: { file: await buildUnbundled(fn), kind: 'esm' } },
      COLD_START_RUNS,
    );
    bundles[fn] = {
      bytes: built[fn]?.bytes as number,
      coldStartMs: round(results.bundled?.medianMs as number),
      baselineColdStartMs: round(results.unbundled?.medianMs as number),
    };
  }

  progress(`warm alarm latency: ${ALARM_INVOCATIONS} invocations`);
  const alarm = await measureAlarmLatency({ invocations: ALARM_INVOCATIONS, distDir });
  progress(`fleet tick: ${FLEET_INSTANCES} instances, +${FLEET_LATENCY_MS} ms per call`);
  const fleet = await measureFleetTick({ instances: FLEET_INSTANCES, latencyMs: FLEET_LATENCY_MS, distDir });
  progress(`backtest speed (fast mode): the example and the predictive policy (with its served history), ${BACKTEST_ROUNDS} rounds each after a warm-up`);
  const speeds = await measureBacktestSpeeds(['examples/policy.yaml', 'examples/predictive-policy.yaml'], BACKTEST_ROUNDS);
  if (!speeds) progress('the shared traces (../shared/traces) are absent: backtest speed not measured');
  const [backtest, predictive] = speeds ?? [];

  const figures: PerfFigures = {
    bundles,
    alarmLatencyMs: { p50: round(alarm.p50), p99: round(alarm.p99) },
    fleetTick: { instances: fleet.instances, wallMs: round(fleet.wallMs), calls: fleet.calls },
    backtestDecisionsPerSecond: backtest ? Math.round(backtest.decisionsPerSecond) : null,
    predictiveBacktestDecisionsPerSecond: predictive ? Math.round(predictive.decisionsPerSecond) : null,
  };
  const checks = evaluateTargets(figures, { acted: fleet.acted });

  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${loadavg()[0]?.toFixed(1)}`;
  console.log(`bwscaler performance on ${machine}`);
  console.log(formatTable(checks));
  console.log(
    `fleet tick detail: acted ${fleet.acted}, deferred ${fleet.deferred}; Tablestore ${JSON.stringify(fleet.tablestoreByOperation)}` +
      (backtest && predictive
        ? `; backtest ${backtest.decisions} decisions of ${backtest.trace}, median of decisions/s ${backtest.runs.join(', ')} (example) and ${predictive.runs.join(', ')} (predictive)`
        : ''),
  );
  const failed = checks.filter((c) => c.pass === false);
  for (const check of failed) console.log(`TARGET FAILED: ${check.figure} = ${check.value} (target ${check.target})`);
  console.log(JSON.stringify(figures));
  return failed.length > 0 ? 1 : 0;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function formatTable(checks: ReturnType<typeof evaluateTargets>): string {
  const rows = [
    ['figure', 'value', 'baseline / target', 'ratio', 'ok'],
    ...checks.map((c) => [c.figure, String(c.value), c.target, c.ratio ?? '', c.pass === undefined ? '' : c.pass ? 'yes' : 'NO']),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}

process.exitCode = await main();
