// The local Function Compute runner: invokes the BUILT bundles with Function Compute 3.0-shaped events
// and contexts, fires timer triggers on their cron schedule on the simulated clock, and serves each
// function's HTTP trigger on 127.0.0.1 (where the local CloudMonitor sends its alarm callbacks).
//
// Each function runs in its own worker thread, like one warm FC instance: loaded once, reused, with its
// own environment. The worker's Date reads the simulated time from shared memory (see worker.cjs).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Cron } from 'croner';
import type { TemplateFunction, TemplateSummary, TemplateTrigger } from './template';

export interface FcCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface FcRunnerOptions {
  template: TemplateSummary;
  /** Where each function's bundle is: default dist/<name without "bwscaler-">/index.js. */
  bundleFor?: (fn: TemplateFunction) => string;
  distDir?: string;
  /** Environment added on top of the template's (local endpoints, for instance). */
  env?: Record<string, string>;
  credentials: FcCredentials;
  /** The simulated clock (epoch ms). */
  now: () => number;
  region?: string;
  accountId?: string;
}

export interface Invocation {
  functionName: string;
  trigger: string;
  at: number;
  ok: boolean;
  result?: unknown;
  error?: { name?: string; message: string };
  logs: string[];
}

export interface FcRunner {
  /** Invokes a function with a raw event (a Buffer, as Function Compute delivers it). */
  invoke(functionName: string, event: Buffer, trigger?: string): Promise<Invocation>;
  /** Base URL of a function's HTTP trigger, e.g. http://127.0.0.1:P/bwscaler-alarm */
  httpUrl(functionName: string): string;
  /** Fires every enabled timer trigger whose schedule falls in (last fired, until], in time order. */
  fireTimersUntil(until: number): Promise<Invocation[]>;
  /** Every invocation so far (with the lines the function printed). */
  readonly invocations: Invocation[];
  close(): Promise<void>;
}

interface Instance {
  worker: Worker;
  fn: TemplateFunction;
  pending: Map<number, (message: WorkerReply) => void>;
}

interface WorkerReply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: { name?: string; message: string };
  logs: string[];
}

const WORKER = fileURLToPath(new URL('./worker.cjs', import.meta.url));

function defaultBundle(distDir: string, fn: TemplateFunction): string {
  return join(distDir, fn.functionName.replace(/^bwscaler-/, ''), 'index.js');
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startFcRunner(options: FcRunnerOptions): Promise<FcRunner> {
  const clockBuffer = new SharedArrayBuffer(8);
  const clock = new Float64Array(clockBuffer);
  const syncClock = () => {
    clock[0] = options.now();
  };
  syncClock();
  // While invocations are in flight the clock keeps following the simulated time (a real clock moves;
  // a manual one only when the driver advances it).
  const ticker = setInterval(syncClock, 20);
  ticker.unref();

  const distDir = options.distDir ?? 'dist';
  const region = options.region ?? 'cn-hangzhou';
  const accountId = options.accountId ?? '1234567890';
  const instances = new Map<string, Instance>();
  const invocations: Invocation[] = [];
  let nextId = 1;

  for (const fn of options.template.functions) {
    const bundle = (options.bundleFor ?? ((f) => defaultBundle(distDir, f)))(fn);
    // FC_FUNC_CODE_PATH: Function Compute names the code directory in this system variable
    // (https://www.alibabacloud.com/help/en/functioncompute/fc/environment-variables); files packed
    // beside index.js (policy.yaml) are read from there.
    const env = { FC_FUNC_CODE_PATH: dirname(bundle), ...fn.env, ...options.env };
    const worker = new Worker(WORKER, {
      workerData: { bundle, clock: clockBuffer, env, credentials: options.credentials },
      env,
      stdout: false,
      stderr: false,
    });
    const instance: Instance = { worker, fn, pending: new Map() };
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: { ready?: boolean }) => {
        if (m.ready) {
          worker.off('error', reject);
          resolve();
        }
      };
      worker.once('message', onMessage);
      worker.once('error', reject);
    });
    worker.on('message', (m: WorkerReply) => {
      instance.pending.get(m.id)?.(m);
      instance.pending.delete(m.id);
    });
    instances.set(fn.functionName, instance);
  }

  const invoke = async (functionName: string, event: Buffer, trigger = 'direct'): Promise<Invocation> => {
    const instance = instances.get(functionName);
    if (!instance) throw new Error(`no function "${functionName}" in the template`);
    syncClock();
    const id = nextId++;
    const at = options.now();
    const context = {
      requestId: randomUUID(),
      region,
      accountId,
      function: {
        name: functionName,
        handler: instance.fn.handler,
        memory: instance.fn.memorySize,
        timeout: instance.fn.timeout,
      },
      tracing: {},
    };
    const reply = await new Promise<WorkerReply>((resolve) => {
      instance.pending.set(id, resolve);
      instance.worker.postMessage({ id, event, context });
    });
    const invocation: Invocation = {
      functionName,
      trigger,
      at,
      ok: reply.ok,
      result: reply.result,
      error: reply.error,
      logs: reply.logs,
    };
    invocations.push(invocation);
    return invocation;
  };

  // HTTP triggers: http://127.0.0.1:P/<functionName>/<path>?<query> → FC 3.0 HTTP event.
  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://local');
      const [, functionName = '', ...rest] = url.pathname.split('/');
      const fn = instances.get(functionName)?.fn;
      const trigger = fn?.triggers.find((t) => t.type === 'http');
      if (!fn || !trigger) {
        res.writeHead(404).end(`no HTTP trigger for "${functionName}"`);
        return;
      }
      if (trigger.methods && !trigger.methods.includes(req.method ?? 'GET')) {
        res.writeHead(405).end('method not allowed by the trigger');
        return;
      }
      const body = await readBody(req);
      const rawPath = `/${rest.join('/')}`;
      const now = options.now();
      const text = body.toString('utf8');
      const binary = !Buffer.from(text, 'utf8').equals(body);
      const event = {
        version: 'v1',
        rawPath,
        body: binary ? body.toString('base64') : text,
        isBase64Encoded: binary,
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase()), String(v)])),
        queryParameters: Object.fromEntries(url.searchParams),
        requestContext: {
          accountId,
          domainName: `${functionName}.${region}.fcapp.run`,
          domainPrefix: functionName,
          http: {
            method: req.method,
            path: rawPath,
            protocol: 'HTTP/1.1',
            sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
            userAgent: req.headers['user-agent'] ?? '',
          },
          requestId: randomUUID(),
          time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          timeEpoch: String(now),
        },
      };
      const invocation = await invoke(functionName, Buffer.from(JSON.stringify(event)), trigger.name);
      if (!invocation.ok) {
        res.writeHead(502, { 'content-type': 'text/plain' }).end(`function error: ${invocation.error?.message}`);
        return;
      }
      const result = invocation.result as
        | { statusCode?: number; headers?: Record<string, string>; body?: string; isBase64Encoded?: boolean }
        | string
        | undefined;
      if (result && typeof result === 'object' && typeof result.statusCode === 'number') {
        const payload = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : Buffer.from(result.body ?? '');
        res.writeHead(result.statusCode, result.headers ?? {}).end(payload);
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end(typeof result === 'string' ? result : JSON.stringify(result ?? null));
      }
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  // Timer triggers: six-field cron, UTC (FC's default time zone).
  const timers: Array<{ fn: TemplateFunction; trigger: TemplateTrigger; cron: Cron; cursor: number }> = [];
  for (const fn of options.template.functions) {
    for (const trigger of fn.triggers) {
      if (trigger.type !== 'timer' || trigger.enable === false || !trigger.cronExpression) continue;
      const expression = trigger.cronExpression.startsWith('@every ') ? everyToCron(trigger.cronExpression) : trigger.cronExpression;
      timers.push({ fn, trigger, cron: new Cron(expression, { timezone: 'UTC', paused: true }), cursor: options.now() });
    }
  }

  const fireTimersUntil = async (until: number): Promise<Invocation[]> => {
    const due: Array<{ at: number; fn: TemplateFunction; trigger: TemplateTrigger }> = [];
    for (const timer of timers) {
      let next = timer.cron.nextRun(new Date(timer.cursor));
      while (next && next.getTime() <= until) {
        due.push({ at: next.getTime(), fn: timer.fn, trigger: timer.trigger });
        timer.cursor = next.getTime();
        next = timer.cron.nextRun(next);
      }
      timer.cursor = Math.max(timer.cursor, until);
    }
    due.sort((a, b) => a.at - b.at);
    const fired: Invocation[] = [];
    for (const d of due) {
      const event = {
        triggerTime: new Date(d.at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        triggerName: d.trigger.name,
        payload: d.trigger.payload ?? '',
      };
      fired.push(await invoke(d.fn.functionName, Buffer.from(JSON.stringify(event)), d.trigger.name));
    }
    return fired;
  };

  return {
    invoke,
    httpUrl: (functionName) => `http://127.0.0.1:${port}/${functionName}`,
    fireTimersUntil,
    invocations,
    close: async () => {
      clearInterval(ticker);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...instances.values()].map((i) => i.worker.terminate()));
    },
  };
}

/** FC's `@every 5m` shorthand as a six-field cron (minutes or hours that divide evenly). */
function everyToCron(expression: string): string {
  const match = /^@every (\d+)([mh])$/.exec(expression.trim());
  if (!match) throw new Error(`unsupported timer expression "${expression}"`);
  const n = Number(match[1]);
  return match[2] === 'm' ? `0 */${n} * * * *` : `0 0 */${n} * * *`;
}
