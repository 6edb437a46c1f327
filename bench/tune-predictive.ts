// `npx tsx bench/tune-predictive.ts [variants.json]`: replays the ISP trace's TUNING part (its first
// 60 % in time, src/sim/quality.ts splitForBenchmark) and nothing else through the fast backtest, once
// per variant of examples/predictive-policy.yaml's `predictive` block, and prints cost vs the oracle,
// score, dropped share and changes a day for each. The evaluation part is never loaded: this is the
// only tool a parameter sweep may use (issue 14; the log of what was tried is docs/tuning/).
//
// The path is bench:quality's: the same trace, rescaling, billing, scenario, replayFast and scoring;
// only the policy's `predictive` block is replaced in place by the variant (an object of
// PredictiveConfig fields merged over the example's). Without an argument it measures the example
// itself. A variants file holds a JSON array of { "name": ..., "predictive": { ...overrides } }.
//
// `--dump PREFIX` writes each variant's demand and plan to PREFIX.<variant>.json for a closer look.
//
// `--synthetic-spiky` replays instead a SYNTHETIC spiky trace (src/sim/quality.ts is not involved:
// built here, labelled, unlike any shared trace) for checking that a structural change aimed at spiky
// traffic does what it reasons it should; it is never used to choose a number for the shared traces.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PredictiveConfig } from '../src/core/types';
import { scoreRun } from '../src/sim/backtest';
import { DEFAULT_PRICES, scorePlan } from '../src/sim/cost';
import { BENCH_PEAK_MBPS, ISP_TRACE, SHARED_TRACES, sharedTracesDir, splitForBenchmark } from '../src/sim/quality';
import { replayFast } from '../src/sim/replay';
import { buildScenario } from '../src/sim/scenario';
import { demandGrid, loadTrace, type Trace } from '../src/sim/trace';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const PREDICTIVE_POLICY = join(ROOT, 'examples/predictive-policy.yaml');

interface Variant {
  name: string;
  predictive: Partial<PredictiveConfig>;
}

/**
 * SYNTHETIC spiky traffic, 14 days of 5-minute samples: a low base (2–6 Mbps with a daily swing and
 * ±30 % noise) with isolated bursts (about 3 a day at random times, 20–80 Mbps for 1–3 samples) and,
 * on some days, a cluster of bursts within an hour. A fixed LCG seed keeps it reproducible.
 */
function syntheticSpiky(): Trace {
  let seed = 20261207;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const step = 300;
  const start = Date.UTC(2026, 0, 5);
  const n = 14 * 288;
  const mbps = Array.from({ length: n }, (_, i) => {
    const day = Math.sin((2 * Math.PI * (i % 288)) / 288);
    return Math.max(0.5, (4 + 2 * day) * (1 + 0.3 * (2 * random() - 1)));
  });
  let i = 0;
  while (i < n) {
    i += Math.floor(30 + random() * 160);
    const clustered = random() < 0.15;
    const bursts = clustered ? 3 + Math.floor(random() * 4) : 1;
    for (let b = 0; b < bursts && i < n; b++) {
      const height = 20 + random() * 60;
      const length = 1 + Math.floor(random() * 3);
      for (let k = 0; k < length && i + k < n; k++) mbps[i + k] = height * (0.7 + 0.3 * random());
      i += length + (clustered ? 2 + Math.floor(random() * 6) : 0);
    }
  }
  return {
    name: 'SYNTHETIC spiky (bench/tune-predictive.ts)',
    stepSeconds: step,
    points: mbps.map((v, k) => ({ at: start + k * step * 1000, mbps: v })),
    missingSlots: 0,
  };
}

async function tuningTrace(synthetic: boolean): Promise<Trace> {
  if (synthetic) return syntheticSpiky();
  const entry = SHARED_TRACES.find((t) => t.file === ISP_TRACE);
  if (!entry) throw new Error(`${ISP_TRACE} is not a shared trace`);
  const trace = await loadTrace(join(sharedTracesDir(ROOT), ISP_TRACE), { ...entry.options, peakMbps: BENCH_PEAK_MBPS });
  const tuning = splitForBenchmark(ISP_TRACE, trace).find((s) => s.part === 'tuning');
  if (!tuning) throw new Error('no tuning part');
  return tuning.trace;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const synthetic = args.includes('--synthetic-spiky');
  const dumpAt = args.indexOf('--dump');
  const dump = dumpAt >= 0 ? args[dumpAt + 1] : undefined;
  const file = args.find((a, i) => !a.startsWith('--') && (dumpAt < 0 || i !== dumpAt + 1));
  const variants: Variant[] = file ? JSON.parse(await readFile(file, 'utf8')) : [{ name: 'example', predictive: {} }];
  const trace = await tuningTrace(synthetic);
  const policyText = await readFile(PREDICTIVE_POLICY, 'utf8');
  const grid = demandGrid(trace);
  let reference: { oracleCost: number; oracleScore: number } | undefined;
  console.log(`${trace.name}: ${grid.mbps.length} points, ${((grid.mbps.length * grid.stepSeconds) / 86_400).toFixed(1)} days`);
  console.log(['variant', 'cost×', 'score×', 'dropped %', 'ch/day'].join('\t'));
  for (const variant of variants) {
    const scenario = buildScenario({ grid, billing: 'postpaid-bandwidth', policyText, policySource: PREDICTIVE_POLICY });
    const base = scenario.policy.predictive;
    if (!base) throw new Error('the example policy has no predictive block');
    // scenario.policy is the document's governing policy: the tick reads this very object.
    (scenario.policy as { predictive: PredictiveConfig }).predictive = { ...base, ...variant.predictive };
    const run = await replayFast(scenario, { feedHistory: true });
    if (run.errors.length > 0) throw new Error(`${variant.name}: ${run.errors[0]}`);
    if (!reference) {
      const full = scoreRun(scenario, run, { trace: trace.name, mode: 'fast' });
      reference = { oracleCost: full.summary.oracleCost, oracleScore: full.summary.oracleScore };
    }
    const outcome = scorePlan(grid.mbps, run.planMbps, grid.stepSeconds, 'postpaid-bandwidth', DEFAULT_PRICES, {
      startMs: grid.start,
      utcOffsetMinutes: scenario.policy.billingUtcOffsetMinutes ?? 480,
    });
    const days = (grid.mbps.length * grid.stepSeconds) / 86_400;
    if (dump) await writeFile(`${dump}.${variant.name.replace(/[^\w.-]+/g, '_')}.json`, JSON.stringify({ demand: grid.mbps, plan: run.planMbps }));
    console.log(
      [
        variant.name,
        (outcome.cost / reference.oracleCost).toFixed(4),
        (outcome.score / reference.oracleScore).toFixed(4),
        (outcome.droppedFraction * 100).toFixed(4),
        (outcome.changes / days).toFixed(1),
      ].join('\t'),
    );
  }
}

await main();
