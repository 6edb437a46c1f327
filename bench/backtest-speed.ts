// Backtest speed in fast mode: src/sim/replay.ts's replayFast (every interval one tick of the
// production cycle against in-memory stand-ins) over a real trace, in decisions per second.
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sharedTracesDir } from '../src/sim/quality';
import { replayFast } from '../src/sim/replay';
import { buildScenario } from '../src/sim/scenario';
import { ROOT } from '../src/sim/system';
import { demandGrid, loadTrace } from '../src/sim/trace';

export interface BacktestSpeedResult {
  trace: string;
  decisions: number;
  wallMs: number;
  decisionsPerSecond: number;
}

/** The longest shared trace: 51 days of 5-minute points. Public data, read in place, never copied into the repo. */
export const TRACE = join(sharedTracesDir(ROOT), 'isp-eu-transatlantic-bits-5min.csv');

/** Undefined when the shared traces are absent (the caller says so). */
export async function measureBacktestSpeed(policyFile = 'examples/policy.yaml'): Promise<BacktestSpeedResult | undefined> {
  try {
    await access(TRACE);
  } catch {
    return undefined;
  }
  // bits per 5-minute interval, rescaled to an 80 Mbps peak: inside the web-fleet policy's bounds.
  const trace = await loadTrace(TRACE, { unit: 'bits-per-interval', peakMbps: 80 });
  const scenario = buildScenario({
    grid: demandGrid(trace),
    billing: 'postpaid-bandwidth',
    policyText: await readFile(join(ROOT, policyFile), 'utf8'),
    policySource: policyFile,
  });
  const started = performance.now();
  const run = await replayFast(scenario);
  const wallMs = performance.now() - started;
  return { trace: trace.name, decisions: run.decisions.length, wallMs, decisionsPerSecond: run.decisions.length / (wallMs / 1000) };
}

/**
 * Each policy's median over `rounds` timed runs in this one process, the policies taking turns round by
 * round so that load and the JIT's warm-up fall on both alike, after one untimed warm-up run each. A
 * single run of a fresh process measured the compiler as much as the policy: on one idle machine the
 * same predictive replay read 6,836, then 11,925, then 14,253 decisions a second.
 */
export async function measureBacktestSpeeds(policyFiles: readonly string[], rounds = 3): Promise<Array<BacktestSpeedResult & { runs: number[] }> | undefined> {
  const runs = policyFiles.map(() => [] as BacktestSpeedResult[]);
  for (let round = 0; round <= rounds; round++) {
    for (const [i, file] of policyFiles.entries()) {
      const result = await measureBacktestSpeed(file);
      if (!result) return undefined;
      if (round > 0) runs[i]?.push(result);
    }
  }
  return runs.map((list) => {
    const sorted = [...list].sort((a, b) => a.decisionsPerSecond - b.decisionsPerSecond);
    const median = sorted[Math.floor(sorted.length / 2)] as BacktestSpeedResult;
    return { ...median, runs: list.map((r) => Math.round(r.decisionsPerSecond)) };
  });
}
