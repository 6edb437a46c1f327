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
