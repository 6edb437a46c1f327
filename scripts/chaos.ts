// `npm run chaos`: the long chaos run (issue 7). 50 instances over a simulated month on the local
// cloud, with faults, duplicated/delayed/reordered alarms, concurrent invocations and SIGKILLed
// children (test/chaos/run.ts). Progress goes to stderr; the LAST line on stdout is the JSON summary.
// Exit 1 when any violation is counted or no crash was survived.
//
// The fleet is split into `--shards` parts (2 by default: the machine has 2 cores), each run in its
// own process on its own local cloud, as separate deployments would run; the summary adds them up.
// The SIGKILLs are spread over the shards (3 over 2 shards: 2 and 1).
//
//   npm run chaos -- [--instances 50] [--days 30] [--seed 1] [--crashes 3] [--shards 2]
//
// CHAOS_CPU_PROF=DIR writes a V8 CPU profile of every shard process and thread into DIR (NODE_OPTIONS
// refuses --cpu-prof, so the flag goes on the shard's command line).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildOnce } from '../src/sim/system';
import { CHAOS_FUNCTION_SETTINGS, type ChaosReport, type ChaosSummary, runChaos } from '../test/chaos/run';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '50' },
    days: { type: 'string', default: '30' },
    seed: { type: 'string', default: '1' },
    crashes: { type: 'string', default: '3' },
    shards: { type: 'string', default: '2' },
    // Internal: run shard i of n in this process and print its whole report as the last line.
    shard: { type: 'string' },
    dist: { type: 'string' },
  },
});

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name}: expected a positive number, got "${text}"`);
  return value;
}

const instances = Math.round(positive('instances', values.instances));
const days = positive('days', values.days);
const seed = Math.round(positive('seed', values.seed));
const crashes = Math.round(positive('crashes', values.crashes));
const shards = Math.min(instances, Math.round(positive('shards', values.shards)));
const started = Date.now();
const elapsed = () => Math.round((Date.now() - started) / 1000);

if (values.shard !== undefined) {
  const [index, of] = values.shard.split('/').map(Number) as [number, number];
  const report = await runChaos({
    instances,
    days,
    seed,
    crashes: Math.floor(crashes / of) + (index < crashes % of ? 1 : 0),
    shard: { index, of },
    ...(values.dist ? { distDir: values.dist } : {}),
    progress: (line) => process.stderr.write(`[chaos ${index}/${of} ${elapsed()}s] ${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
} else {
  const distDir: string = await buildOnce();
  const script = fileURLToPath(import.meta.url);
  const reports = await Promise.all(
    Array.from({ length: shards }, (_, index) => runShard(script, [...process.argv.slice(2), '--shard', `${index}/${shards}`, '--dist', distDir])),
  );
  const summary = { ...reports[0]?.summary } as ChaosSummary;
  for (const key of Object.keys(summary) as Array<keyof ChaosSummary>) summary[key] = reports.reduce((sum, r) => sum + r.summary[key], 0);
  const details = reports.map((r, index) => ({ shard: `${index}/${shards}`, ...r.details }));
  process.stderr.write(`${JSON.stringify(details)}\n`);
  const sum = (pick: (d: ChaosReport['details']) => number) => reports.reduce((total, r) => total + pick(r.details), 0);
  const violations =
    summary.quotaViolations +
    summary.lockViolations +
    summary.duplicateOrders +
    summary.lostDecisions +
    summary.stateMismatches +
    summary.staleActions +
    summary.unverifiedChanges +
    summary.placedTwice;
  const survived = summary.crashes > 0 && sum((d) => d.crashesRecovered) === summary.crashes;
  const clean = violations === 0 && survived && sum((d) => d.unmanagedWrites) === 0 && sum((d) => d.ordersWhilePaused) === 0;
  process.stderr.write(`[chaos ${elapsed()}s] ${days} day(s), ${instances} instances in ${shards} shard(s): ${clean ? 'clean' : 'NOT clean'}\n`);
  // What differs from the functions' defaults and how the run was split, beside the counts.
  const settings = {
    sdkTimeoutMs: Number(CHAOS_FUNCTION_SETTINGS.BWSCALER_SDK_TIMEOUT_MS),
    retryDelayMs: Number(CHAOS_FUNCTION_SETTINGS.BWSCALER_RETRY_DELAY_MS),
    readBackIntervalMs: Number(CHAOS_FUNCTION_SETTINGS.BWSCALER_READBACK_INTERVAL_MS),
  };
  process.stdout.write(`${JSON.stringify({ ...summary, shards, ...settings, tickSeconds: 300, wallSeconds: elapsed() })}\n`);
  process.exitCode = clean ? 0 : 1;
}

/** One shard in its own process (its own local cloud, its own core); its report is its last stdout line. */
function runShard(script: string, args: string[]): Promise<ChaosReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...(process.env.CHAOS_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CHAOS_CPU_PROF}`] : []), '--import', 'tsx', script, ...args],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(last) as ChaosReport);
      } catch {
        reject(new Error(`chaos shard ${args.join(' ')} ended (${code ?? signal}) without a report: ${last.slice(0, 300)}`));
      }
    });
  });
}
