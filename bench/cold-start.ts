// Cold start: a FRESH Node process loads the function and serves its first event, timed inside the
// process from just before the load to the handler's answer (Node's own boot, the same for every
// variant, is left out so the ratio compares what bwscaler controls).
//
// The first event of the schedule function is a timer event (see firstEvent). That of the alarm
// function (chosen, the same for every variant and run): a signed CloudMonitor callback, an
// OK-state alert at 40 % for a MANAGED instance of the local cloud the parent process runs on a real
// clock. It takes the whole alarm path: config and policy parsing, DescribeInstances, the Tablestore
// SDK's first use (markEventHandled, getState, the history append), decide(). OK never scales
// (alarm.ts), so every run finds the same instance in the same state; each run's callback has its
// own timestamp, so none is a DUPLICATE.
//
// Variants:
// - bundled: dist/alarm/index.js, the minified CommonJS file the deploy zip holds, `require`d;
// - unbundled (the baseline): the same functions/alarm/index.ts compiled by esbuild with every
//   package left EXTERNAL (ESM, since @middy/core is ESM-only), so the handler loads zod, yaml,
//   croner, pop-core, middy and tablestore from node_modules through Node's resolver: the handler
//   as it would run from a zip of the sources and their node_modules. Only bwscaler's own code is
//   in one file in both variants.
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { startLocalCloud } from '../local-cloud/cloud';
import { alarmCallback, ROOT, WEBHOOK_TOKEN } from '../src/sim/system';
import { ensureTables } from '../src/state/tables';

export interface ColdStartRun {
  /** From just before the load to the first answer, ms. */
  totalMs: number;
  loadMs: number;
  firstEventMs: number;
  /** What the handler answered (checked: a measurement of an error path would be worthless). */
  answer: { statusCode?: number; body?: string; instances?: number; errors?: unknown[] };
}

export interface ColdStartResult {
  medianMs: number;
  runs: ColdStartRun[];
}

const POLICY = `
version: 1
policies:
  - name: cold-start
    instances: { region: cn-hangzhou, tags: { app: web } }
    bounds: { minOut: 5, maxOut: 100 }
    targetTracking: { target: 70, tolerance: 10 }
`;
const INSTANCE = 'i-cold-start-1';

/** Builds the unbundled baseline of a function into node_modules/.cache (so that Node resolves its packages). */
export async function buildUnbundled(name: 'alarm' | 'schedule'): Promise<string> {
  const outdir = join(ROOT, 'node_modules/.cache/bwscaler-bench/unbundled', name);
  await mkdir(outdir, { recursive: true });
  const outfile = join(outdir, 'index.mjs');
  await build({
    entryPoints: [join(ROOT, 'functions', name, 'index.ts')],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node20',
    format: 'esm',
    tsconfig: join(ROOT, 'tsconfig.build.json'),
    logLevel: 'silent',
  });
  return outfile;
}

// Runs in the child. `performance.now()` starts at process start, so t0 is taken right before the load.
const CHILD = `
const [file, kind, event, context] = JSON.parse(process.env.BENCH_INPUT);
const t0 = performance.now();
const mod = kind === 'cjs' ? (await import('node:module')).createRequire(import.meta.url)(file) : await import(file);
const t1 = performance.now();
const answer = await mod.handler(Buffer.from(event, 'utf8'), context);
const t2 = performance.now();
process.stdout.write(JSON.stringify({ loadMs: t1 - t0, firstEventMs: t2 - t1, totalMs: t2 - t0, answer }) + '\\n');
process.exit(0);
`;

function runChild(input: unknown, env: Record<string, string>): Promise<ColdStartRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-deprecation', '--input-type=module', '-e', CHILD], {
      env: { PATH: process.env.PATH ?? '', ...env, BENCH_INPUT: JSON.stringify(input) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      // The handler logs its JSON lines to stdout too; the measurement is the last line.
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{"loadMs"')) reject(new Error(`cold-start child exited ${code}: ${err || out}`));
      else resolve(JSON.parse(last) as ColdStartRun);
    });
  });
}

/**
 * The first event: for alarm, the OK callback described at the top; for schedule, a timer event
 * (one tick over the one-instance fleet: DescribeInstances, DescribeMetricLast, listStates, decide,
 * the history append).
 */
function firstEvent(fn: 'alarm' | 'schedule', timestamp: number): string {
  if (fn === 'schedule') {
    return JSON.stringify({ triggerTime: new Date(timestamp).toISOString(), triggerName: 'every-5-minutes', payload: '' });
  }
  return JSON.stringify({
    version: 'v1',
    rawPath: '/',
    body: alarmCallback({ instanceId: INSTANCE, curValue: 40, alertState: 'OK', timestamp }),
    isBase64Encoded: false,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' },
    queryParameters: { token: WEBHOOK_TOKEN },
    requestContext: { http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' } },
  });
}

function checkAnswer(fn: 'alarm' | 'schedule', variant: string, run: ColdStartRun): void {
  const { answer } = run;
  const ok =
    fn === 'alarm'
      ? answer.statusCode === 200 &&
        !['NOT_FOUND', 'NOT_MANAGED', 'DUPLICATE'].includes(String((JSON.parse(answer.body ?? '{}') as { outcome?: string }).outcome))
      : answer.instances === 1 && answer.errors?.length === 0;
  if (!ok) throw new Error(`cold start (${fn}, ${variant}): the first event did not take the whole path: ${JSON.stringify(answer)}`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Alternates the variants run by run (a load spike on a shared machine then hits both alike) and
 * returns each one's median. Every run must answer 200 HANDLED, or the measurement is of an error path.
 */
export async function measureColdStarts(
  fn: 'alarm' | 'schedule',
  variants: Record<string, { file: string; kind: 'cjs' | 'esm' }>,
  runs: number,
): Promise<Record<string, ColdStartResult>> {
  const cloud = await startLocalCloud({
    clock: 'real',
    fixture: {
      instances: [
        {
          InstanceId: INSTANCE,
          InstanceChargeType: 'PostPaid',
          InternetChargeType: 'PayByBandwidth',
          InstanceNetworkType: 'vpc',
          InternetMaxBandwidthOut: 10,
          Tags: [{ TagKey: 'app', TagValue: 'web' }],
          Demand: { kind: 'constant', mbps: 4 },
        },
      ],
    },
  });
  try {
    const e = cloud.endpoints;
    await ensureTables({ endpoint: e.ots, instanceName: e.otsInstance, accessKeyId: e.accessKeyId, accessKeySecret: e.accessKeySecret });
    const env = {
      BWSCALER_REGION: e.region,
      BWSCALER_ECS_ENDPOINT: e.ecs,
      BWSCALER_CMS_ENDPOINT: e.cms,
      BWSCALER_OTS_ENDPOINT: e.ots,
      BWSCALER_OTS_INSTANCE: e.otsInstance,
      BWSCALER_POLICY: POLICY,
      BWSCALER_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
    };
    const context = {
      requestId: 'cold-start',
      credentials: { accessKeyId: e.accessKeyId, accessKeySecret: e.accessKeySecret, ...(e.securityToken ? { securityToken: e.securityToken } : {}) },
      function: { name: 'bwscaler-alarm' },
    };
    const results: Record<string, ColdStartRun[]> = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
    const base = Date.now();
    let sent = 0;
    for (let i = 0; i < runs; i++) {
      for (const [name, variant] of Object.entries(variants)) {
        // A distinct whole second per run (the event key holds the callback's timestamp in seconds),
        // counting back from the start so that all stay inside the 300 s replay window.
        const timestamp = base - sent++ * 1000;
        const run = await runChild([variant.file, variant.kind, firstEvent(fn, timestamp), context], env);
        checkAnswer(fn, name, run);
        results[name]?.push(run);
      }
    }
    return Object.fromEntries(Object.entries(results).map(([name, list]) => [name, { medianMs: median(list.map((r) => r.totalMs)), runs: list }]));
  } finally {
    await cloud.close();
  }
}
