// Shared inputs of the backtest tests: a synthetic trace and the shared real traces, when present.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedTracesDir } from '../../src/sim/quality';
import { parseTrace, type Trace } from '../../src/sim/trace';

/** The fields the README promises in `backtest --json`'s last line. */
export const SUMMARY_FIELDS = [
  'trace',
  'points',
  'cost',
  'staticPeakCost',
  'oracleCost',
  'costVsOracle',
  'score',
  'oracleScore',
  'scoreVsOracle',
  'dropPenaltyPerGb',
  'warnings',
  'droppedFraction',
  'saturatedMinutes',
  'changes',
  'changesPerDay',
  'downgrades',
  'blocked',
] as const;

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const EXAMPLE_POLICY_PATH = join(ROOT, 'examples/policy.yaml');
export const EXAMPLE_POLICY = readFileSync(EXAMPLE_POLICY_PATH, 'utf8');
/** The shared real traces are read in place (never copied into the repository); tests skip without them. */
export const TRACES_DIR = sharedTracesDir(ROOT);
export const tracePath = (file: string): string | undefined => (existsSync(join(TRACES_DIR, file)) ? join(TRACES_DIR, file) : undefined);

const START = Date.parse('2026-03-02T08:00:00Z');

/** CSV text of 5-minute Mbps values starting at 08:00 UTC. */
export function csvOf(mbps: readonly number[], start = START): string {
  return ['timestamp,value', ...mbps.map((v, i) => `${new Date(start + i * 300_000).toISOString()},${v}`)].join('\n');
}

/**
 * Two hours that exercise every path of a web policy: a steady start, a ramp, a burst past the
 * bandwidth (saturation), a plateau and a fall (stabilisation, cooldowns, scale-down).
 */
export const SYNTHETIC_MBPS = [20, 21, 22, 26, 31, 38, 46, 80, 85, 84, 70, 60, 55, 50, 40, 30, 22, 18, 15, 14, 14, 13, 12, 12];

export function syntheticTrace(mbps: readonly number[] = SYNTHETIC_MBPS): Trace {
  return parseTrace(csvOf(mbps), 'synthetic.csv', { unit: 'Mbps' });
}
