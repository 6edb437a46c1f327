// The admin API of the local cloud (not part of Alibaba's protocol): move a manual clock, read the
// whole state, inject faults, settle unpaid orders, and change what a console user could change
// (account balance/arrears, instance status, locks, EIP). JSON in and out; errors are {"error"}.
//
// Routes (under /_admin):
//   GET  /state                    everything; ?callsSince=N for the call log from N
//   GET  /clock, POST /clock       {advanceSeconds} (manual clock only)
//   GET|POST|DELETE /faults        inject RPC faults (see world.ts Fault)
//   POST /account                  {balance?, arrears?}
//   POST /orders/{id}/pay|cancel   settle an unpaid order
//   POST /instances/{id}           {Status?, OperationLocks?, ExpiredTime?, EipAddress?|null,
//                                   BaseBandwidthMbps?|null, InstanceType?, DowngradesUsed?}
//   GET  /ecs/rules                the account's ECS rules (ecs-rules.ts)
//   POST /ecs/rules                {regionalCaps?: {payByTrafficMbps, payByBandwidthMbps} for every
//                                   region, or {"cn-hangzhou": {...}} per region; downgradeQuota?:
//                                   {count?, period?: month|lifetime, utcOffsetMinutes?,
//                                   payByTrafficSpends?}; downgradePrivilege?; downgradeLocksBillingCycle?}
//   POST /ecs/quota/reset          {instanceId?}: the downgrade quota as on the 1st (all instances
//                                   when none is named); also lifts the billing-cycle lock
//   GET  /cms, POST /cms/reporting-lag, GET /ots
//   /vpc/...                       EIPs, shared bandwidth packages and their change delay (vpc/admin.ts)
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { Cms } from './cms/index';
import { describeInstance, type Ecs } from './ecs';
import { downgradesSpent, quotaPeriodOf } from './ecs-rules';
import { type capsSchema, ecsRulesSchema } from './fixture';
import { lagRoute } from './lag';
import type { Clock } from './model';
import type { Ots } from './ots/index';
import type { HttpReply } from './rpc';
import { VpcAdminError, vpcAdminRoute } from './vpc/admin';
import type { Vpc } from './vpc/index';
import type { Fault, World } from './world';

export interface AdminDeps {
  world: World;
  clock: Clock;
  ecs: Ecs;
  vpc: Vpc;
  cms: Cms;
  ots: Ots;
}

const faultSchema = z
  .strictObject({
    service: z.enum(['ecs', 'vpc', 'cms', 'ots']).optional(),
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
  BaseBandwidthMbps: z.number().int().positive().nullable().optional(),
  InstanceType: z.string().min(1).optional(),
  DowngradesUsed: z.number().int().nonnegative().optional(),
});
// A patch of the account's ECS rules takes the fixture's own `ecs` shape (fixture.ts), every key optional.
const quotaResetSchema = z.strictObject({ instanceId: z.string().min(1).optional() });
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
  const { world, clock, ecs, vpc, cms, ots } = deps;

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
        DowngradesUsed: downgradesSpent(
          { used: i.downgradesUsed, ...(i.downgradePeriod ? { period: i.downgradePeriod } : {}) },
          clock.now(),
          world.ecsRules.quota,
        ),
        DowngradeQuota: i.downgradeQuota ?? world.ecsRules.quota.count,
        ...(i.baseBandwidthMbps !== undefined ? { BaseBandwidthMbps: i.baseBandwidthMbps } : {}),
        Demand: i.demand,
        BandwidthLog: i.bandwidthLog,
      })),
      ecsRules: world.ecsRules,
      orders: world.orders,
      callsTotal: world.calls.length,
      calls: world.calls.slice(since),
      faults: world.faults,
      ...(vpcAdminRoute(vpc, world, clock.now(), 'GET', '/vpc', undefined) as object),
    };
  }

  async function dispatch(method: string, path: string, url: URL, body: unknown): Promise<unknown> {
    if (method === 'GET' && path === '/state') return state(url);
    if (path === '/lag' || path.startsWith('/lag/')) return routeLag(method, path, body);
    if (path === '/vpc' || path.startsWith('/vpc/')) return routeVpc(method, path, body);
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
    if (path === '/ecs/rules') {
      if (method === 'POST') {
        const patch = parse(ecsRulesSchema, body);
        const caps = patch.regionalCaps;
        if (caps !== undefined) {
          if ('payByTrafficMbps' in caps && typeof caps.payByTrafficMbps === 'number') {
            world.ecsRules.regionalCaps = { default: caps as z.output<typeof capsSchema>, byRegion: {} };
          } else {
            Object.assign(world.ecsRules.regionalCaps.byRegion, caps);
          }
        }
        if (patch.downgradeQuota !== undefined) Object.assign(world.ecsRules.quota, stripUndefined(patch.downgradeQuota));
        if (patch.downgradePrivilege !== undefined) world.ecsRules.downgradePrivilege = patch.downgradePrivilege;
        if (patch.downgradeLocksBillingCycle !== undefined) world.ecsRules.downgradeLocksBillingCycle = patch.downgradeLocksBillingCycle;
      }
      if (method === 'GET' || method === 'POST') return { ecsRules: world.ecsRules };
    }
    if (method === 'POST' && path === '/ecs/quota/reset') {
      const { instanceId } = parse(quotaResetSchema, body);
      if (instanceId !== undefined && !world.instances.has(instanceId)) throw new AdminError(404, `no instance ${instanceId}`);
      const period = quotaPeriodOf(clock.now(), world.ecsRules.quota);
      for (const instance of world.instances.values()) {
        if (instanceId !== undefined && instance.InstanceId !== instanceId) continue;
        instance.downgradesUsed = 0;
        instance.downgradePeriod = period;
        delete instance.lockedForBillingCycle;
      }
      return { reset: instanceId ?? 'all' };
    }
    if (method === 'GET' && path === '/cms') {
      return { reportingLagSeconds: cms.reportingLagSeconds, rules: cms.alarms.rules(), deliveries: cms.deliveries() };
    }
    if (method === 'GET' && path === '/cms/custom') return { metrics: cms.custom.metrics(), events: cms.custom.events() };
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
      else if (patch.EipAddress !== undefined) instance.EipAddress = stripUndefined(patch.EipAddress);
      if (patch.BaseBandwidthMbps === null) delete instance.baseBandwidthMbps;
      else if (patch.BaseBandwidthMbps !== undefined) instance.baseBandwidthMbps = patch.BaseBandwidthMbps;
      if (patch.InstanceType !== undefined) instance.InstanceType = patch.InstanceType;
      if (patch.DowngradesUsed !== undefined) {
        instance.downgradesUsed = patch.DowngradesUsed;
        instance.downgradePeriod = quotaPeriodOf(clock.now(), world.ecsRules.quota);
      }
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

  function routeVpc(method: string, path: string, body: unknown): unknown {
    try {
      const answer = vpcAdminRoute(vpc, world, clock.now(), method, path, body);
      if (answer === undefined) throw new AdminError(404, `no admin route ${method} ${path}`);
      return answer;
    } catch (error) {
      if (error instanceof VpcAdminError) throw new AdminError(error.status, error.message);
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
