// The admin API of the local cloud (not part of Alibaba's protocol): move a manual clock, read the
// whole state, inject faults, settle unpaid orders, and change what a console user could change
// (account balance/arrears, instance status, locks, EIP). JSON in and out; errors are {"error"}.
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { Cms } from './cms/index';
import { describeInstance, type Ecs } from './ecs';
import { lagRoute } from './lag';
import type { Clock } from './model';
import type { Ots } from './ots/index';
import type { HttpReply } from './rpc';
import type { Fault, World } from './world';

export interface AdminDeps {
  world: World;
  clock: Clock;
  ecs: Ecs;
  cms: Cms;
  ots: Ots;
}

const faultSchema = z
  .strictObject({
    service: z.enum(['ecs', 'cms', 'ots']).optional(),
    action: z.string().min(1).optional(),
    code: z.string().min(1).optional(),
    status: z.number().int().min(400).max(599).optional(),
    message: z.string().optional(),
    rate: z.number().min(0).max(1).default(1),
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    timeout: z.literal(true).optional(),
    html502: z.literal(true).optional(),
    phase: z.enum(['before', 'after']).optional(),
    count: z.number().int().positive().optional(),
  })
  .refine((f) => f.code !== undefined || f.latencyMs !== undefined || f.timeout || f.html502, {
    message: 'a fault needs an effect: code, latencyMs, timeout or html502',
  })
  // The Tablestore emulator holds one fault at a time: an error code, or a held request.
  .refine((f) => f.service !== 'ots' || ((f.code !== undefined || f.timeout) && !f.html502 && f.latencyMs === undefined), {
    message: 'a Tablestore fault is an error code or a timeout (with optional action, status and rate)',
  });

const clockSchema = z.strictObject({ advanceSeconds: z.number().finite().min(0) });
const accountSchema = z.strictObject({ balance: z.number().finite().optional(), arrears: z.boolean().optional() });
const instancePatchSchema = z.strictObject({
  Status: z.enum(['Pending', 'Starting', 'Running', 'Stopping', 'Stopped']).optional(),
  OperationLocks: z.array(z.string()).optional(),
  ExpiredTime: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$/, 'expected yyyy-MM-ddTHH:mmZ')
    .optional(),
  EipAddress: z
    .strictObject({ AllocationId: z.string(), IpAddress: z.string(), Bandwidth: z.number().int().nonnegative(), InternetChargeType: z.string() })
    .nullable()
    .optional(),
});
const lagSchema = z.strictObject({ seconds: z.number().finite().min(0) });

class AdminError extends Error {
  override name = 'AdminError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function createAdmin(deps: AdminDeps) {
  const { world, clock, ecs, cms, ots } = deps;

  function state(url: URL) {
    // ?callsSince=N returns only calls[N..] so a poller does not re-read the whole log.
    const since = Number(url.searchParams.get('callsSince') ?? 0) || 0;
    return {
      now: clock.now(),
      nowIso: new Date(clock.now()).toISOString(),
      clock: clock.mode,
      account: world.account,
      instances: [...world.instances.values()].map((i) => ({
        ...describeInstance(i),
        DowngradesUsed: i.downgradesUsed,
        DowngradeQuota: i.downgradeQuota ?? 3,
        Demand: i.demand,
        BandwidthLog: i.bandwidthLog,
      })),
      orders: world.orders,
      callsTotal: world.calls.length,
      calls: world.calls.slice(since),
      faults: world.faults,
    };
  }

  async function dispatch(method: string, path: string, url: URL, body: unknown): Promise<unknown> {
    if (method === 'GET' && path === '/state') return state(url);
    if (path === '/lag' || path.startsWith('/lag/')) return routeLag(method, path, body);
    if (path === '/clock') {
      if (method === 'GET') return { now: clock.now(), nowIso: new Date(clock.now()).toISOString(), mode: clock.mode };
      if (method === 'POST') {
        const { advanceSeconds } = parse(clockSchema, body);
        if (clock.mode !== 'manual') throw new AdminError(409, 'the clock is real; start the local cloud with --clock manual to advance it');
        const now = await clock.advance(advanceSeconds);
        return { now, nowIso: new Date(now).toISOString() };
      }
    }
    if (path === '/faults') {
      if (method === 'GET') return { faults: world.faults };
      if (method === 'DELETE') {
        world.faults.length = 0;
        ots.setFault(null);
        return { faults: [] };
      }
      if (method === 'POST') {
        const faults = (Array.isArray(body) ? body : [body]).map((f) => parse(faultSchema, f));
        for (const fault of faults) addFault(fault);
        return { faults: world.faults };
      }
    }
    if (method === 'POST' && path === '/account') {
      const patch = parse(accountSchema, body);
      if (patch.balance !== undefined) world.account.balance = patch.balance;
      if (patch.arrears !== undefined) world.account.arrears = patch.arrears;
      return { account: world.account };
    }
    if (method === 'GET' && path === '/cms') {
      return { reportingLagSeconds: cms.reportingLagSeconds, rules: cms.alarms.rules(), deliveries: cms.deliveries() };
    }
    if (method === 'POST' && path === '/cms/reporting-lag') {
      const { seconds } = parse(lagSchema, body);
      cms.setReportingLag(seconds);
      return { reportingLagSeconds: cms.reportingLagSeconds };
    }
    if (method === 'GET' && path === '/ots') return { tables: ots.tables(), calls: ots.calls() };
    const order = /^\/orders\/(\d+)\/(pay|cancel)$/.exec(path);
    if (method === 'POST' && order) {
      const [, orderId = '', verb] = order;
      try {
        return { order: verb === 'pay' ? ecs.payOrder(orderId) : ecs.cancelOrder(orderId) };
      } catch (error) {
        if (error instanceof RangeError) throw new AdminError(world.orders.some((o) => o.OrderId === orderId) ? 409 : 404, error.message);
        throw error;
      }
    }
    const instancePath = /^\/instances\/([^/]+)$/.exec(path);
    if (method === 'POST' && instancePath) {
      const id = decodeURIComponent(instancePath[1] ?? '');
      const instance = world.instances.get(id);
      if (!instance) throw new AdminError(404, `no instance ${id}`);
      const patch = parse(instancePatchSchema, body);
      if (patch.Status !== undefined) instance.Status = patch.Status;
      if (patch.OperationLocks !== undefined) instance.OperationLocks = patch.OperationLocks;
      if (patch.ExpiredTime !== undefined) instance.ExpiredTime = patch.ExpiredTime;
      if (patch.EipAddress === null) delete instance.EipAddress;
      else if (patch.EipAddress !== undefined) instance.EipAddress = patch.EipAddress;
      return { instance: describeInstance(instance) };
    }
    throw new AdminError(404, `no admin route ${method} ${path}`);
  }

  function routeLag(method: string, path: string, body: unknown): unknown {
    try {
      const answer = lagRoute(ecs.lag, world.instances.keys(), clock.now(), method, path, body);
      if (answer === undefined) throw new AdminError(404, `no admin route ${method} ${path}`);
      return answer;
    } catch (error) {
      if (error instanceof RangeError) throw new AdminError(400, error.message);
      throw error;
    }
  }

  function addFault(fault: z.output<typeof faultSchema>): void {
    if (fault.service === 'ots') {
      ots.setFault({
        // A held Tablestore request still needs a code for when it is finally answered.
        code: fault.code ?? 'OTSServerBusy',
        rate: fault.rate,
        ...(fault.action !== undefined ? { action: fault.action } : {}),
        ...(fault.status !== undefined ? { status: fault.status } : {}),
        ...(fault.timeout ? { timeout: true } : {}),
      });
      return;
    }
    world.faults.push(stripUndefined(fault) as Fault);
  }

  return async function handleAdmin(req: IncomingMessage, body: Buffer, path: string): Promise<HttpReply> {
    const url = new URL(req.url ?? '/', 'http://local');
    const method = (req.method ?? 'GET').toUpperCase();
    try {
      let json: unknown;
      if (body.length > 0) {
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch {
          throw new AdminError(400, 'the request body is not JSON');
        }
      }
      return reply(200, await dispatch(method, path, url, json ?? {}));
    } catch (error) {
      if (error instanceof AdminError) return reply(error.status, { error: error.message });
      return reply(500, { error: error instanceof Error ? error.message : String(error) });
    }
  };
}

function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`);
  throw new AdminError(400, issues.join('; '));
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function reply(status: number, body: unknown): HttpReply {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
