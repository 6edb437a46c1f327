// A Function Compute instance the chaos run can kill: a REAL child process (not a worker thread) that
// loads a BUILT bundle and serves invocations over IPC, so `SIGKILL` lands between the ECS call and the
// Tablestore commit exactly as an out-of-memory kill or a host failure would.
//
// Started as `node --import tsx test/chaos/child.ts` with the function's environment. The bundle must
// read the SIMULATED time everywhere (its decisions, pop-core's signed Timestamp, Tablestore's
// x-ots-date), so Date is replaced before anything else loads; the parent sends the time with each
// message (the local cloud's clock does not move while an invocation is in flight).
//
// It also reads the state store for the parent (`dump`): the parent's own process stamps requests
// with the wall clock, a month away from the simulated one, which the emulators' skew checks refuse.
import { createRequire } from 'node:module';

const RealDate = Date;
let simulatedNow = RealDate.now();

class SimulatedDate extends RealDate {
  constructor(...args: unknown[]) {
    if (args.length === 0) super(simulatedNow);
    else super(...(args as [number]));
  }
  static override now(): number {
    return simulatedNow;
  }
}
globalThis.Date = SimulatedDate as DateConstructor;
process.noDeprecation = true;

const lines: string[] = [];
// Capture what the function prints, as Function Compute's log collection would.
process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
  lines.push(String(chunk));
  const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
  callback?.();
  return true;
}) as typeof process.stdout.write;
const capture = (...args: unknown[]) => {
  lines.push(`${args.map(String).join(' ')}\n`);
};
console.log = capture;
console.error = capture;
console.warn = capture;
console.info = capture;

export interface ChildInvoke {
  id: number;
  kind: 'invoke';
  now: number;
  /** The raw event, as Function Compute hands it to the handler (base64 over IPC). */
  event: string;
  context: Record<string, unknown>;
}

export interface ChildDump {
  id: number;
  kind: 'dump';
  now: number;
  instanceIds: string[];
  /** History rows from this time on (epoch ms). */
  since: number;
}

/** Pauses these policies with the product's own control (what `bwscaler pause --policy` writes). */
export interface ChildPause {
  id: number;
  kind: 'pause';
  now: number;
  policies: string[];
}

export type ChildRequest = ChildInvoke | ChildDump | ChildPause;

export interface ChildReply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: { name?: string; message: string };
  logs: string[];
}

const bundle = process.env.BWSCALER_CHAOS_BUNDLE;
if (!bundle) throw new Error('test/chaos/child.ts: BWSCALER_CHAOS_BUNDLE names no bundle');
// The bundle reads its configuration from the environment at its first invocation; the variable that
// names it here is not one of its own (config.ts refuses unknown BWSCALER_* names).
delete process.env.BWSCALER_CHAOS_BUNDLE;
const handler = createRequire(import.meta.url)(bundle).handler as (event: Buffer, context: unknown) => Promise<unknown>;
const credentials = JSON.parse(process.env.BWSCALER_CHAOS_CREDENTIALS ?? '{}') as { accessKeyId: string; accessKeySecret: string; securityToken?: string };
delete process.env.BWSCALER_CHAOS_CREDENTIALS;

async function invoke(message: ChildInvoke): Promise<unknown> {
  const context = { ...message.context, credentials, logger: { info: capture, warn: capture, error: capture, debug: () => {} } };
  return handler(Buffer.from(message.event, 'base64'), context);
}

/** Every stored state, and the history rows that say what became of an acting decision. */
async function dump(message: ChildDump): Promise<unknown> {
  const { createTablestoreStore } = await import('../../src/state/tablestore');
  const store = createTablestoreStore({
    endpoint: process.env.BWSCALER_OTS_ENDPOINT ?? '',
    instanceName: process.env.BWSCALER_OTS_INSTANCE ?? '',
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    ...(credentials.securityToken ? { securityToken: credentials.securityToken } : {}),
    timeoutMs: 30_000,
  });
  const states = await store.listStates(0, 1);
  const history = [];
  for (const instanceId of message.instanceIds) {
    for (const row of await store.queryHistory(instanceId, message.since, Number.POSITIVE_INFINITY)) {
      // Holding decisions are most of the rows and say nothing about orders.
      if (['none', 'observed', 'deferred', 'skipped'].includes(row.outcome)) continue;
      history.push({
        instanceId: row.instanceId,
        at: row.at,
        decisionId: row.decisionId,
        target: row.decision.target,
        isDowngrade: row.decision.isDowngrade,
        outcome: row.outcome,
        orderId: row.orderId,
        errorCode: row.errorCode,
      });
    }
  }
  return { states, history };
}

async function pause(message: ChildPause): Promise<unknown> {
  const { createTablestoreControlStore } = await import('../../src/state/control');
  const controls = createTablestoreControlStore({
    endpoint: process.env.BWSCALER_OTS_ENDPOINT ?? '',
    instanceName: process.env.BWSCALER_OTS_INSTANCE ?? '',
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    ...(credentials.securityToken ? { securityToken: credentials.securityToken } : {}),
    timeoutMs: 30_000,
  });
  for (const target of message.policies) {
    await controls.putControl({ kind: 'pause', scope: 'policy', target, reason: 'chaos run: settle before the final check', by: 'chaos', at: message.now });
  }
  return { paused: message.policies };
}

process.on('message', async (message: ChildRequest) => {
  simulatedNow = message.now;
  let reply: ChildReply;
  try {
    const result = message.kind === 'invoke' ? await invoke(message) : message.kind === 'dump' ? await dump(message) : await pause(message);
    reply = { id: message.id, ok: true, result, logs: lines.splice(0) };
  } catch (error) {
    const failure = error instanceof Error ? { name: error.name, message: error.message } : { message: String(error) };
    reply = { id: message.id, ok: false, error: failure, logs: lines.splice(0) };
  }
  process.send?.(reply);
});
process.send?.({ ready: true });
