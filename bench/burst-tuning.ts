// `npx tsx bench/burst-tuning.ts [--policy FILE] [--ticks 1,5] [--alarms]`: a policy on the SYNTHETIC one-minute
// TUNING trace only (src/sim/quality.ts ONE_MINUTE_PARTS.tuning: a midday burst whose start moves
// within 11:00-12:30 UTC), with a 1-minute and a 5-minute tick (and the 5-minute tick with the alarm
// path, `--alarms`). It cannot run the evaluation trace: a parameter sweep for a one-minute policy
// (examples/evening-burst-policy.yaml) runs this, so that tuning never sees an evaluation figure.
// The last line of stdout is one JSON object.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBacktest } from '../src/sim/backtest';
import { missedTargets, ONE_MINUTE_DAYS, ONE_MINUTE_START, ONE_MINUTE_TARGETS, oneMinuteTraffic } from '../src/sim/quality';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

function argument(argv: string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at < 0 ? undefined : argv[at + 1];
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const policySource = argument(argv, '--policy') ?? join(ROOT, 'examples/evening-burst-policy.yaml');
  const policyText = await readFile(policySource, 'utf8');
  const trace = oneMinuteTraffic(ONE_MINUTE_START, ONE_MINUTE_DAYS, 'tuning');
  const ticks = (argument(argv, '--ticks') ?? '1,5').split(',').map(Number);
  const paths: Array<{ path: string; tickEverySteps: number; alarms?: { times: 1 | 2 } }> = [
    ...ticks.map((minutes) => ({ path: `${minutes} min`, tickEverySteps: minutes })),
    ...(argv.includes('--alarms') ? [{ path: '5 min + alarms (Times 2)', tickEverySteps: 5, alarms: { times: 2 as const } }] : []),
  ];
  const rows = [];
  for (const { path, tickEverySteps, alarms } of paths) {
    const { summary: s } = await runBacktest({ trace, billing: 'postpaid-bandwidth', policyText, policySource, tickEverySteps, ...(alarms ? { alarms } : {}) });
    const missed = missedTargets(s, { ...ONE_MINUTE_TARGETS, maxChangesPerDay: Number.POSITIVE_INFINITY });
    rows.push({
      path,
      costVsOracle: s.costVsOracle,
      scoreVsOracle: s.scoreVsOracle,
      droppedFraction: s.droppedFraction,
      changesPerDay: s.changesPerDay,
      errors: s.errors,
      met: missed.length === 0,
    });
    console.log(
      `${trace.name} (TUNING), ${path}: ${s.costVsOracle.toFixed(3)}× the oracle, score ${s.scoreVsOracle.toFixed(3)}×, ${(s.droppedFraction * 100).toFixed(4)} % dropped, ${s.changesPerDay.toFixed(1)} changes/day${s.errors > 0 ? `, ${s.errors} ERRORS` : ''}${missed.length === 0 ? ' (target met)' : ''}`,
    );
  }
  console.log(JSON.stringify({ policy: policySource, part: 'tuning', rows }));
}

await main();
