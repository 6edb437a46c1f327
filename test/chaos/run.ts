// The chaos run: the WHOLE system (built bundles on the local Function Compute runner, real SDKs over
// HTTP, the ECS / CloudMonitor / Tablestore emulators) driven through simulated days while the local
// cloud injects faults, alarm deliveries are duplicated, delayed and reordered, invocations for one
// instance run concurrently, and a real child process is killed with SIGKILL between its ECS order
// and its Tablestore commit. At the end the cloud's own records are checked (invariants.ts).
//
// Used by scripts/chaos.ts (the long run: 50 instances, a month) and test/chaos (a short one).
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { bandwidthAt, demandMbps, servedMbps } from '../../local-cloud/cms/traffic';
import { readTemplate } from '../../local-cloud/fc/template';
import type { FixtureInstance } from '../../local-cloud/fixture';
import { DEFAULT_LAG } from '../../local-cloud/lag';
import { type CallRecord, mulberry32, type Order } from '../../local-cloud/world';
import type { ScalingState } from '../../src/core/types';
import { alarmCallback, buildOnce, LOCAL_CODE_BUCKET, ROOT, type System, startSystem, WEBHOOK_TOKEN } from '../../src/sim/system';
import type { ChildReply, ChildRequest } from './child';
import {
  burstDowngrades,
  type CloudInstance,
  decisionOf,
  duplicateOrders,
  type EventRecord,
  lockViolations,
  lostDecisions,
  placedTwice,
  quotaViolations,
  type SettledRow,
  staleActions,
  stateMismatches,
  unaccountedOrders,
  unverifiedChanges,
  type Violations,
} from './invariants';

export interface ChaosOptions {
  /** Managed instances (a fifth of them subscription, a fifth pay-by-traffic). */
  instances: number;
  days: number;
  seed: number;
  /** SIGKILLs to land, spread over the run (each retried at later steps until one lands). */
  crashes: number;
  /** Progress lines (the long run prints them to stderr). */
  progress?: (line: string) => void;
  /**
   * Run one shard of the fleet (instances whose index % of === index) on its own local cloud, with
   * its own dice (seed + index): `npm run chaos` runs the shards in parallel processes.
   */
  shard?: { index: number; of: number };
  /** A prebuilt dist directory (the parallel run builds once for every shard). */
  distDir?: string;
}

/** The JSON line, in its key order. */
export interface ChaosSummary extends Violations {
  events: number;
  faults: number;
  crashes: number;
}

export interface ChaosReport {
  summary: ChaosSummary;
  /** What the counts are made of, for a failing run's diagnosis. */
  details: {
    ticks: number;
    alarmDeliveries: number;
    orders: number;
    crashesRecovered: number;
    /** Orders placed while the fleet was paused for the final check (must be 0). */
    ordersWhilePaused: number;
    /**
     * Downgrades placed into demand above the bandwidth that began inside CloudMonitor's reporting
     * lag: no reader of the metrics could see it yet, so staleActions does not count them.
     */
    burstDowngrades: number;
    /** Quiet ticks run before the pause (6 to 24: until one places nothing). */
    quietTicks: number;
    /** Wall and CPU seconds of the simulated days (start-up and the final check excluded). */
    wallSeconds: number;
    cpuSeconds: number;
    /** API calls the local cloud answered, by service and action: where the run's time goes. */
    calls: Record<string, number>;
    /** ModifyInstanceNetworkSpec calls for instances no policy selects (must be 0). */
    unmanagedWrites: number;
    mismatches: Array<{ instanceId: string; why: string }>;
    unrecorded: EventRecord[];
    /** Orders no applied/reconciled row accounts for, with every settled row of their decision. */
    unaccounted: Array<{ order: Order; rows: SettledRow[] }>;
    /** Downgrade orders staleActions counts: the cloud's demand and bandwidth at the order's time. */
    stale: Array<{ order: Order; demandMbps: number; bandwidthMbps: number; rows: SettledRow[] }>;
  };
}

const STEP_SECONDS = 300;
/**
 * The functions' own settings for the local cloud (src/config.ts), not mocks: the simulated clock
 * stands still while a request waits, an order retry backs off or the alarm path pauses before its
 * second read-back, so those waits cost wall time and buy nothing (the second read-back sees the same
 * simulated moment after 20 ms as after 2 s). An injected timeout is a request the emulator never
 * answers, so it lasts exactly the SDK timeout: 500 ms instead of 3 s. Order back-offs are 20 ms
 * doubling to 160 ms instead of 1 s to 8 s, and the Tablestore SDK's read retries wait 10–20 ms
 * instead of 100–200 ms. The fault and lag rates are unchanged.
 */
export const CHAOS_FUNCTION_SETTINGS = { BWSCALER_SDK_TIMEOUT_MS: '500', BWSCALER_RETRY_DELAY_MS: '20', BWSCALER_READBACK_INTERVAL_MS: '20' };
/**
 * Wall time between rounds of CloudMonitor's retries (see deliverAll): only long enough for the
 * sockets of the round before to close; the simulated clock does not move during a step either way.
 */
const DELIVERY_GAP_MS = 20;
const ALARM_FN = 'bwscaler-alarm';
const SCHEDULE_FN = 'bwscaler-schedule';
const MODIFY = 'ModifyInstanceNetworkSpec';
/**
 * A real CloudMonitor rule stays silent for its channel silence period after an alert (24 h by
 * default; configurable down to 5 min). 4 h keeps a month at 50 instances near 10,000 deliveries.
 */
const ALARM_SILENCE_MS = 4 * 3_600_000;
/** Instances with alarm rules pointing at the endpoint that no policy selects. */
const STRAY_INSTANCES = ['i-chaos-stray-1', 'i-chaos-stray-2'];
/** Codes the run's Tablestore faults answer with (the emulator logs them like real ones). */
const OTS_FAULT_CODES = new Set(['OTSServerBusy', 'OTSTimeout']);

// One policy per billing method, all enforcing. The subscription policy keeps one of three
// downgrades in reserve, so the cloud's quota (3) is never what stops it: our budget (2) is.
export const CHAOS_POLICY = `
version: 1
policies:
  - name: chaos-payg
    instances: { region: cn-hangzhou, tags: { chaos: payg } }
    bounds: { minOut: 5, maxOut: 100 }
    targetTracking: { target: 70, tolerance: 15 }
    saturation: { threshold: 95, adjust: "x2" }
    scaleUp: { cooldown: 5m, maxStep: "100%" }
    scaleDown: { cooldown: 30m, stabilization: 1h, maxStep: "50%", minHold: 30m }
    warmup: 5m
    mode: enforce
  - name: chaos-subscription
    instances: { region: cn-hangzhou, tags: { chaos: sub } }
    bounds: { minOut: 10, maxOut: 80 }
    targetTracking: { target: 70, tolerance: 15 }
    saturation: { threshold: 95, adjust: "x2" }
    scaleDown: { cooldown: 6h, stabilization: 1h, minHold: 2h }
    downgradeBudget: { quota: 3, reserve: 1, monthlyReset: false }
    autoPay: true
    mode: enforce
  - name: chaos-traffic
    instances: { region: cn-hangzhou, tags: { chaos: traffic } }
    bounds: { minOut: 10, maxOut: 100 }
    steps:
      - { to: 30, adjust: "-10" }
      - { from: 85, adjust: "+20" }
    allowZero: false
    mode: enforce
`;
/** The subscription policy's quota − reserve: ordinary downgrades it may spend. */
const SUBSCRIPTION_DOWNGRADES_ALLOWED = 2;
const CHAOS_POLICY_NAMES = ['chaos-payg', 'chaos-subscription', 'chaos-traffic'];

/** A mix of billing methods with daily peaks at different hours and flash crowds, so changes go both ways. */
export function chaosFleet(count: number, start: number, seed: number): FixtureInstance[] {
  const random = mulberry32(seed);
  const fleet: FixtureInstance[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 5 === 3 ? 'sub' : i % 5 === 4 ? 'traffic' : 'payg';
    const out = kind === 'sub' ? 20 : kind === 'traffic' ? 30 : 10;
    const peak = 15 + Math.round(random() * 55);
    const crowds = Array.from({ length: 3 }, (_, n) => ({
      start: start + Math.floor(random() * 28 * 86_400_000) + n,
      durationSeconds: 1800 + Math.floor(random() * 5400),
      extraMbps: 30 + Math.round(random() * 60),
    }));
    fleet.push({
      InstanceId: `i-chaos-${String(i).padStart(3, '0')}`,
      InstanceChargeType: kind === 'sub' ? 'PrePaid' : 'PostPaid',
      InternetChargeType: kind === 'traffic' ? 'PayByTraffic' : 'PayByBandwidth',
      InternetMaxBandwidthOut: out,
      Tags: [{ TagKey: 'chaos', TagValue: kind }],
      Demand: { kind: 'diurnal', baseMbps: 3, peakMbps: peak, peakHourUtc: random() * 24, weekendFactor: 0.7, noise: 0.05, seed: i + 1, flashCrowds: crowds },
      DowngradeQuota: 3,
    });
  }
  for (const id of STRAY_INSTANCES) {
    fleet.push({ InstanceId: id, InternetMaxBandwidthOut: 5, Demand: { kind: 'constant', mbps: 20 } });
  }
  return fleet;
}

// The faults a month of real operation meets, through the admin API. Rates compose in list order (the first fault whose
// dice hit wins). Timeouts cost real seconds (the SDKs' 3 s client timeout), so they hit the write
// path, where an unanswered call matters most, at 2 % (half of them after the order was
// placed: a lost answer), and every call at 0.2 %: a month of ticks is ~20,000 reads, and 2 % of
// them would spend 20 minutes waiting for nothing.
const ECS_FAULTS = [
  { service: 'ecs', action: MODIFY, timeout: true, rate: 0.01, phase: 'after' },
  { service: 'ecs', action: MODIFY, code: 'InternalError', rate: 0.05, phase: 'after' },
  { service: 'ecs', action: MODIFY, html502: true, rate: 0.02, phase: 'after' },
  { service: 'ecs', action: MODIFY, timeout: true, rate: 0.01 },
  { service: 'ecs', code: 'Throttling', rate: 0.1 },
  { service: 'ecs', code: 'InternalError', rate: 0.05 },
  { service: 'ecs', html502: true, rate: 0.02 },
  { service: 'ecs', timeout: true, rate: 0.002 },
  { service: 'cms', code: 'Throttling', rate: 0.05 },
  { service: 'cms', html502: true, rate: 0.01 },
];

/**
 * The Tablestore fault for a simulated hour (the emulator holds one at a time, applied every 1/rate
 * calls): mostly 503s, a held request (a timeout) a few hours a week, some hours clean.
 */
function otsFaultFor(hour: number): Record<string, unknown> | null {
  if (hour % 41 === 7) return { service: 'ots', code: 'OTSTimeout', timeout: true, rate: 0.05 };
  if (hour % 3 === 0) return null;
  return { service: 'ots', code: 'OTSServerBusy', rate: hour % 3 === 1 ? 0.03 : 0.08 };
}

interface Delivery {
  instanceId: string;
  body: string;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const progress = options.progress ?? (() => {});
  const shard = options.shard ?? { index: 0, of: 1 };
  // The fleet is the same whichever way it is split; each shard's dice are its own.
  const seed = options.seed + shard.index;
  const random = mulberry32(seed);
  const distDir = options.distDir ?? (await buildOnce());
  const start = Date.UTC(2026, 10, 2);
  const fleet = chaosFleet(options.instances, start, options.seed).filter((f, i) => STRAY_INSTANCES.includes(f.InstanceId) || i % shard.of === shard.index);
  const managedIds = fleet.filter((f) => !STRAY_INSTANCES.includes(f.InstanceId)).map((f) => f.InstanceId);

  let crash: CrashArm | undefined;
  const system = await startSystem({
    distDir,
    policyText: CHAOS_POLICY,
    env: CHAOS_FUNCTION_SETTINGS,
    cloud: {
      start,
      seed,
      fixture: { account: { balance: 1e9 }, instances: fleet },
      // Orders take seconds to minutes to show (local-cloud/lag.ts), as in the real cloud.
      lag: { ...DEFAULT_LAG, seed },
      // The kill lands the moment the cloud accepted the order, before its answer is even written:
      // the child cannot have committed.
      onCall: (call) => crash?.onCall(call),
    },
  });
  const { cloud, runner } = system;
  const admin = cloud.endpoints.admin;
  const child = new CrashableFunction(distDir, await childEnv(system), () => cloud.clock.now());
  const events: EventRecord[] = [];
  const crashes: Array<{ instanceId: string; orderId: string }> = [];
  let ticks = 0;
  let alarmDeliveries = 0;
  let wallSeconds = 0;
  let cpuSeconds = 0;

  try {
    await child.start();
    await postJson(`${admin}/faults`, ECS_FAULTS);
    const steps = Math.round((options.days * 86_400) / STEP_SECONDS);
    const wallStart = performance.now();
    const cpuStart = process.cpuUsage();
    // Crash k falls due in the middle of the k-th slice of the run and is retried until it lands.
    const crashDueAt = (k: number) => Math.max(1, Math.floor(((k + 0.5) * steps) / options.crashes));
    const lastAlarm = new Map<string, number>();
    let delayed: Delivery[] = [];
    let otsFault: string | undefined;

    for (let step = 1; step <= steps; step++) {
      const now = await cloud.clock.advance(STEP_SECONDS);
      const hour = Math.floor((now - start) / 3_600_000);
      const fault = otsFaultFor(hour);
      if (JSON.stringify(fault) !== otsFault) {
        otsFault = JSON.stringify(fault);
        if (fault) await postJson(`${admin}/faults`, fault);
        else await clearOtsFault(admin);
      }

      // A crash attempt runs alone, so the kill is the only thing in flight for its instance.
      if (crashes.length < options.crashes && step >= crashDueAt(crashes.length)) {
        const landed = await attemptCrash(system, child, now, managedIds, (arm) => {
          crash = arm;
        });
        crash = undefined;
        if (landed) {
          crashes.push(landed);
          events.push({ kind: 'crash', recorded: true });
          progress(`crash ${crashes.length}: SIGKILL after order ${landed.orderId} for ${landed.instanceId}; restarted`);
        }
      }

      const fresh = alarmsAt(system, now, managedIds, lastAlarm, random);
      const copies = fresh.flatMap((d) => Array.from({ length: 2 + Math.floor(random() * 3) }, () => d));
      const due = shuffle([...delayed, ...copies], random);
      // About one delivery in ten arrives a step late (still inside the replay window, or refused by it).
      delayed = [];
      const onTime = due.filter((d) => {
        if (random() < 0.1) {
          delayed.push(d);
          return false;
        }
        return true;
      });
      const tasks: Array<Promise<void>> = [
        runner.fireTimersUntil(now).then(async (invocations) => {
          for (const record of await retriedTicks(runner, now, invocations)) {
            ticks++;
            events.push(record);
          }
        }),
        deliverAll(runner.httpUrl(ALARM_FN), onTime).then((records) => {
          alarmDeliveries += records.length;
          events.push(...records);
        }),
      ];
      // Function Compute delivers timer events at least once: a duplicate tick races the first.
      if (random() < 0.05) {
        const event = { triggerTime: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'), triggerName: 'fleet-tick', payload: '{"shard":0,"of":1}' };
        tasks.push(
          runner.invoke(SCHEDULE_FN, Buffer.from(JSON.stringify(event)), 'fleet-tick').then(async (invocation) => {
            for (const record of await retriedTicks(runner, now, [invocation])) {
              ticks++;
              events.push(record);
            }
          }),
        );
      }
      await Promise.all(tasks);
      forgetAnsweredInvocations(runner);
      if (step % 288 === 0 || step === steps) {
        const cpu = process.cpuUsage(cpuStart);
        progress(
          `day ${(step * STEP_SECONDS) / 86_400}: ${events.length} events, ${cloud.world.orders.length} orders, ${crashes.length} crashes; ` +
            `${Math.round((performance.now() - wallStart) / 1000)} s wall, ${Math.round((cpu.user + cpu.system) / 1e6)} s CPU`,
        );
      }
    }
    const cpu = process.cpuUsage(cpuStart);
    wallSeconds = Math.round((performance.now() - wallStart) / 100) / 10;
    cpuSeconds = Math.round((cpu.user + cpu.system) / 1e5) / 10;

    // Quiet period: no faults, no alarms; the ticks settle every open intent (maxResendAge 15 min).
    // With lag a tick's order is only `placed` until the next tick reads it back, so the period runs
    // on (at most 24 ticks) until a tick places nothing new. Demand keeps moving, so a busy fleet
    // may place orders in every one of them: the fleet is then paused with the product's own control
    // (what an operator's `bwscaler pause --policy` writes), and two more ticks read back what the
    // last ones placed while placing nothing (an order placed then counts in ordersWhilePaused).
    await fetch(`${admin}/faults`, { method: 'DELETE' });
    const quietTick = async (): Promise<number> => {
      const now = await cloud.clock.advance(STEP_SECONDS);
      const ordersBefore = cloud.world.orders.length;
      for (const record of await retriedTicks(runner, now, await runner.fireTimersUntil(now))) {
        ticks++;
        events.push(record);
      }
      return cloud.world.orders.length - ordersBefore;
    };
    let quietTicks = 0;
    for (let placing = true; quietTicks < 24 && (quietTicks < 6 || placing); quietTicks++) placing = (await quietTick()) > 0;
    await child.pause(CHAOS_POLICY_NAMES);
    // While paused, every managed instance also gets a fresh saturation ALERT (its own body, so no
    // de-duplication hides it). The quiet ticks ended on one that placed nothing, so without this a
    // product that ignored the pause would most likely place nothing either and the count could not
    // fail; an alarm path that ignored it scales every instance out of its cooldown up at once.
    const now = cloud.clock.now();
    const ordersBefore = cloud.world.orders.length;
    const alerts = managedIds.map((instanceId) => ({ instanceId, body: alarmCallback({ instanceId, curValue: 99, timestamp: now }) }));
    const alertRecords = await deliverAll(runner.httpUrl(ALARM_FN), alerts);
    alarmDeliveries += alertRecords.length;
    events.push(...alertRecords);
    let ordersWhilePaused = cloud.world.orders.length - ordersBefore;
    for (let i = 0; i < 2; i++) ordersWhilePaused += await quietTick();

    const dump = await child.dump(managedIds, start);
    return report({ system, events, crashes, dump, ticks, alarmDeliveries, managedIds, ordersWhilePaused, quietTicks, wallSeconds, cpuSeconds });
  } finally {
    child.stop();
    await system.close();
  }
}

function report(input: {
  system: System;
  events: EventRecord[];
  crashes: Array<{ instanceId: string; orderId: string }>;
  dump: { states: ScalingState[]; history: SettledRow[] };
  ticks: number;
  alarmDeliveries: number;
  managedIds: string[];
  ordersWhilePaused: number;
  quietTicks: number;
  wallSeconds: number;
  cpuSeconds: number;
}): ChaosReport {
  const { world } = input.system.cloud;
  const { orders, calls } = world;
  const allowed = new Map<string, number>();
  const instances: CloudInstance[] = [];
  for (const id of input.managedIds) {
    const instance = world.instances.get(id);
    if (!instance) continue;
    if (instance.InstanceChargeType === 'PrePaid') allowed.set(id, SUBSCRIPTION_DOWNGRADES_ALLOWED);
    instances.push({
      instanceId: id,
      bandwidthOut: instance.InternetMaxBandwidthOut,
      initialOut: instance.bandwidthLog[0]?.out ?? instance.InternetMaxBandwidthOut,
      downgradesUsed: instance.downgradesUsed,
    });
  }
  const tokenOf = new Map(orders.map((o) => [o.OrderId, o.ClientToken ?? '']));
  const crashesRecovered = input.crashes.filter((c) => {
    const decisionId = (tokenOf.get(c.orderId) ?? '').replace(/^bwscaler-/, '');
    return input.dump.history.some((r) => r.decisionId === decisionId && (r.outcome === 'applied' || r.outcome === 'reconciled'));
  }).length;
  const mismatches = stateMismatches(instances, input.dump.states);
  const demandAt = (id: string, at: number) => demandOf(world, id, at);
  // The newest moment CloudMonitor could show when an order was placed (its reporting lag).
  const visibleLagMs = input.system.cloud.cms.reportingLagSeconds * 1000;
  const bandwidthAt = (id: string, at: number) => bandwidthBefore(world, id, at);
  const otsFaults = input.system.cloud.ots.calls().filter((c) => OTS_FAULT_CODES.has(c.code)).length;
  return {
    summary: {
      events: input.events.length,
      faults: calls.filter((c: CallRecord) => c.fault !== undefined).length + otsFaults,
      crashes: input.crashes.length,
      quotaViolations: quotaViolations(orders, calls, allowed),
      lockViolations: lockViolations(orders, calls),
      duplicateOrders: duplicateOrders(orders, input.dump.history),
      lostDecisions: lostDecisions(input.events, orders, input.dump.history),
      stateMismatches: mismatches.length,
      staleActions: staleActions(orders, demandAt, bandwidthAt, visibleLagMs),
      unverifiedChanges: unverifiedChanges(input.dump.history, (id, at) => bandwidthBefore(world, id, at + 1)),
      placedTwice: placedTwice(orders),
    },
    details: {
      ticks: input.ticks,
      alarmDeliveries: input.alarmDeliveries,
      orders: orders.length,
      crashesRecovered,
      ordersWhilePaused: input.ordersWhilePaused,
      burstDowngrades: burstDowngrades(orders, demandAt, bandwidthAt, visibleLagMs),
      quietTicks: input.quietTicks,
      wallSeconds: input.wallSeconds,
      cpuSeconds: input.cpuSeconds,
      calls: countBy([...calls.map((c: CallRecord) => `${c.service}:${c.action}`), ...input.system.cloud.ots.calls().map((c) => `ots:${c.action}`)]),
      unmanagedWrites: calls.filter((c) => c.action === MODIFY && STRAY_INSTANCES.includes(c.instanceId ?? '')).length,
      mismatches,
      unrecorded: input.events.filter((e) => !e.recorded).map((e) => withCause(e, input.system)),
      stale: orders
        .filter((order) => staleActions([order], demandAt, bandwidthAt, visibleLagMs) > 0)
        .map((order) => ({
          order,
          demandMbps: Math.round(demandAt(order.InstanceId, order.time) * 100) / 100,
          bandwidthMbps: bandwidthAt(order.InstanceId, order.time),
          rows: input.dump.history.filter((row) => row.decisionId === decisionOf(order)),
        })),
      unaccounted: unaccountedOrders(orders, input.dump.history).map((order) => ({
        order,
        rows: input.dump.history.filter((row) => row.decisionId === decisionOf(order)),
      })),
    },
  };
}

/**
 * The runner keeps every invocation with the lines it printed; a month of them is hundreds of
 * megabytes the garbage collector walks on every major collection. The run needs only the failed
 * ones (withCause).
 */
function forgetAnsweredInvocations(runner: System['runner']): void {
  const failed = runner.invocations.filter((i) => i.logs.some((line) => line.includes('invocation failed')));
  runner.invocations.splice(0, runner.invocations.length, ...failed);
}

/** An unrecorded delivery with the error its function logged (found by the request id of its 500). */
function withCause(event: EventRecord, system: System): EventRecord {
  const requestId = /"requestId\\?":\\?"([0-9a-f-]{36})/.exec(event.detail ?? '')?.[1];
  if (!requestId) return event;
  const line = system.runner.invocations.flatMap((i) => i.logs).find((l) => l.includes(requestId) && l.includes('invocation failed'));
  const error = line ? (JSON.parse(line) as { error?: { code?: string; message?: string } }).error : undefined;
  return error ? { ...event, detail: `${event.detail} — ${error.code ?? ''} ${error.message ?? ''}`.slice(0, 500) } : event;
}

function countBy(keys: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of keys.sort()) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}

/** The cloud's demand model for an instance at `at` (Mbps), unclipped. */
function demandOf(world: System['cloud']['world'], instanceId: string, at: number): number {
  const instance = world.instances.get(instanceId);
  return instance ? demandMbps(instance.demand, at) : 0;
}

/** The bandwidth the instance had just before `at`, from the cloud's bandwidth log. */
function bandwidthBefore(world: System['cloud']['world'], instanceId: string, at: number): number {
  const instance = world.instances.get(instanceId);
  if (!instance) return 0;
  return bandwidthAt(instance, at - 1);
}

/**
 * ALERT callbacks for saturated instances (served ≥ 95 % of the bandwidth), silenced per instance as
 * a real rule would be, plus the odd OK and an alert for an instance no policy selects.
 */
function alarmsAt(system: System, now: number, managedIds: string[], lastAlarm: Map<string, number>, random: () => number): Delivery[] {
  const deliveries: Delivery[] = [];
  for (const id of [...managedIds, ...STRAY_INSTANCES]) {
    const instance = system.cloud.world.instances.get(id);
    if (!instance || instance.InternetMaxBandwidthOut === 0) continue;
    const percent = (servedMbps(instance, now) / instance.InternetMaxBandwidthOut) * 100;
    const silent = now - (lastAlarm.get(id) ?? Number.NEGATIVE_INFINITY) < ALARM_SILENCE_MS;
    if (silent) continue;
    if (percent >= 95) {
      lastAlarm.set(id, now);
      deliveries.push({ instanceId: id, body: alarmCallback({ instanceId: id, curValue: Math.round(percent * 100) / 100, timestamp: now }) });
    } else if (random() < 0.005) {
      deliveries.push({ instanceId: id, body: alarmCallback({ instanceId: id, curValue: Math.round(percent), timestamp: now, alertState: 'OK' }) });
    }
  }
  return deliveries;
}

/**
 * A step's alerts as CloudMonitor delivers them: a 5xx answer (or no answer) is retried, 3 times at
 * most. A delivery is recorded only when some attempt got a decision (200 with an outcome) or a
 * reasoned refusal (4xx): a 500 is the function failing, not the system recording what became of the
 * alert. CloudMonitor spaces its retries by seconds, during which the burst of deliveries that made
 * the first one time out has passed; the simulated clock stands still during a step, so the retries
 * go in rounds instead: every first attempt, then the failed ones again once those have all been
 * answered (plus DELIVERY_GAP_MS), and so on.
 */
async function deliverAll(url: string, deliveries: Delivery[]): Promise<EventRecord[]> {
  const records: EventRecord[] = deliveries.map(() => ({ kind: 'alarm', recorded: false, detail: 'never attempted' }));
  let open = deliveries.map((_, index) => index);
  for (let attempt = 0; attempt < 4 && open.length > 0; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, DELIVERY_GAP_MS));
    await Promise.all(
      open.map(async (index) => {
        records[index] = await deliverOnce(url, deliveries[index] as Delivery);
      }),
    );
    open = open.filter((index) => !records[index]?.recorded);
  }
  return records;
}

async function deliverOnce(url: string, delivery: Delivery): Promise<EventRecord> {
  try {
    const response = await fetch(`${url}/?token=${WEBHOOK_TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      body: delivery.body,
    });
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return { kind: 'alarm', recorded: false, detail: `HTTP ${response.status}: ${text.slice(0, 200)}` };
    }
    const recorded =
      (response.status === 200 && typeof body.outcome === 'string') || (response.status >= 400 && response.status < 500 && typeof body.error === 'string');
    return recorded ? { kind: 'alarm', recorded } : { kind: 'alarm', recorded, detail: `HTTP ${response.status}: ${text.slice(0, 200)}` };
  } catch (error) {
    return { kind: 'alarm', recorded: false, detail: `delivery failed: ${(error as Error).message}` };
  }
}

function tickRecord(invocation: { ok: boolean; result?: unknown; error?: { message: string } }): EventRecord {
  // Only a tick that returned its summary recorded its decisions; a thrown tick did not (Function
  // Compute retries it: see retriedTicks).
  const recorded = invocation.ok && typeof (invocation.result as { byOutcome?: unknown })?.byOutcome === 'object';
  return recorded ? { kind: 'tick', recorded } : { kind: 'tick', recorded, detail: JSON.stringify(invocation).slice(0, 300) };
}

type Invocation = { ok: boolean; result?: unknown; error?: { message: string } };

/**
 * Function Compute retries a failed asynchronous invocation (twice by default,
 * https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/user-guide/asynchronous-invocations):
 * each tick that threw is invoked again with its timer event, and the tick counts as one event,
 * recorded when some attempt returned its summary.
 */
async function retriedTicks(runner: System['runner'], now: number, invocations: Invocation[]): Promise<EventRecord[]> {
  const records: EventRecord[] = [];
  for (const first of invocations) {
    let record = tickRecord(first);
    for (let retry = 0; retry < 2 && !record.recorded; retry++) {
      const event = { triggerTime: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'), triggerName: 'fleet-tick', payload: '{"shard":0,"of":1}' };
      record = tickRecord(await runner.invoke(SCHEDULE_FN, Buffer.from(JSON.stringify(event)), 'fleet-tick'));
    }
    records.push(record);
  }
  return records;
}

// ---------------------------------------------------------------------------------------------
// The crash.

interface CrashArm {
  onCall(call: CallRecord): void;
}

/**
 * Sends a saturated-instance alarm through the child process and kills it with SIGKILL the moment the
 * cloud accepts the order. Returns the order when the kill landed; undefined when the cycle held
 * (cooldown, bounds, a fault that outlasted its retries): a later step tries again.
 */
async function attemptCrash(
  system: System,
  child: CrashableFunction,
  now: number,
  managedIds: string[],
  arm: (arm: CrashArm) => void,
): Promise<{ instanceId: string; orderId: string } | undefined> {
  const { world } = system.cloud;
  // The pay-as-you-go instance furthest from its ceiling whose last change is older than the lock.
  const candidates = managedIds
    .map((id) => world.instances.get(id))
    .filter((i) => i !== undefined && i.InstanceChargeType === 'PostPaid' && i.InternetChargeType === 'PayByBandwidth' && i.InternetMaxBandwidthOut <= 50)
    .filter((i) => !world.orders.some((o) => o.InstanceId === i?.InstanceId && now - o.time < 20 * 60_000))
    .sort((a, b) => (a?.InternetMaxBandwidthOut ?? 0) - (b?.InternetMaxBandwidthOut ?? 0));
  const target = candidates[0];
  if (!target) return undefined;
  let killed: { instanceId: string; orderId: string } | undefined;
  arm({
    onCall(call) {
      if (killed || call.action !== MODIFY || call.instanceId !== target.InstanceId || call.orderId === undefined) return;
      killed = { instanceId: target.InstanceId, orderId: call.orderId };
      child.kill();
    },
  });
  const body = alarmCallback({ instanceId: target.InstanceId, curValue: 99, timestamp: now });
  // Unique per attempt: a second attempt on the same instance at the same time must not be a duplicate.
  const event = httpTriggerEvent(`${body}&attempt=${randomUUID()}`, now);
  const outcome = await child.invoke(event).then(
    () => 'returned' as const,
    () => 'died' as const,
  );
  if (outcome === 'died') await child.start();
  return killed;
}

/** The FC 3.0 HTTP-trigger event the runner builds for a POST to the alarm function. */
function httpTriggerEvent(body: string, now: number): Buffer {
  const event = {
    version: 'v1',
    rawPath: '/',
    body,
    isBase64Encoded: false,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' },
    queryParameters: { token: WEBHOOK_TOKEN },
    requestContext: {
      accountId: '1234567890',
      domainName: `${ALARM_FN}.cn-hangzhou.fcapp.run`,
      domainPrefix: ALARM_FN,
      http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'chaos' },
      requestId: randomUUID(),
      time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      timeEpoch: String(now),
    },
  };
  return Buffer.from(JSON.stringify(event));
}

/** The alarm function's environment and credentials, as startSystem gives them to the runner. */
async function childEnv(system: System): Promise<Record<string, string>> {
  const e = system.cloud.endpoints;
  const template = await readTemplate(join(ROOT, 'template.yml'), {
    WebhookToken: WEBHOOK_TOKEN,
    OtsInstanceName: e.otsInstance,
    CodeBucket: LOCAL_CODE_BUCKET,
    'ALIYUN::Region': e.region,
  });
  const fn = template.functions.find((f) => f.functionName === ALARM_FN);
  if (!fn) throw new Error(`template.yml has no function ${ALARM_FN}`);
  return {
    ...fn.env,
    BWSCALER_ECS_ENDPOINT: e.ecs,
    BWSCALER_CMS_ENDPOINT: e.cms,
    BWSCALER_OTS_ENDPOINT: e.ots,
    // The template names policy.yaml in the code package; the chaos run passes its policy inline.
    BWSCALER_POLICY: CHAOS_POLICY,
    ...CHAOS_FUNCTION_SETTINGS,
    BWSCALER_CHAOS_CREDENTIALS: JSON.stringify({
      accessKeyId: e.accessKeyId,
      accessKeySecret: e.accessKeySecret,
      ...(e.securityToken ? { securityToken: e.securityToken } : {}),
    }),
  };
}

const CHILD = join(ROOT, 'test/chaos/child.ts');

/** The alarm bundle in a child process that can be killed and started again. */
class CrashableFunction {
  private process: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (reply: ChildReply) => void; reject: (error: Error) => void }>();

  constructor(
    private readonly distDir: string,
    private readonly env: Record<string, string>,
    private readonly now: () => number,
  ) {}

  async start(): Promise<void> {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...this.env, BWSCALER_CHAOS_BUNDLE: join(this.distDir, 'alarm', 'index.js') };
    const child = fork(CHILD, [], { env, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'], cwd: ROOT });
    this.process = child;
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`chaos child exited before it was ready (${code ?? signal})`)));
      child.once('message', () => resolve());
    });
    child.removeAllListeners('exit');
    child.on('message', (reply: ChildReply) => {
      this.pending.get(reply.id)?.resolve(reply);
      this.pending.delete(reply.id);
    });
    child.on('exit', (code, signal) => {
      for (const { reject } of this.pending.values()) reject(new Error(`chaos child died (${code ?? signal})`));
      this.pending.clear();
    });
  }

  kill(): void {
    this.process?.kill('SIGKILL');
  }

  stop(): void {
    this.process?.kill('SIGKILL');
    this.process = undefined;
  }

  async invoke(event: Buffer): Promise<ChildReply> {
    const context = { requestId: randomUUID(), region: 'cn-hangzhou', accountId: '1234567890', function: { name: ALARM_FN }, tracing: {} };
    return this.send({ id: this.nextId++, kind: 'invoke', now: this.now(), event: event.toString('base64'), context });
  }

  async dump(instanceIds: string[], since: number): Promise<{ states: ScalingState[]; history: SettledRow[] }> {
    const reply = await this.send({ id: this.nextId++, kind: 'dump', now: this.now(), instanceIds, since });
    if (!reply.ok) throw new Error(`reading the state store failed: ${reply.error?.message}`);
    return reply.result as { states: ScalingState[]; history: SettledRow[] };
  }

  async pause(policies: string[]): Promise<void> {
    const reply = await this.send({ id: this.nextId++, kind: 'pause', now: this.now(), policies });
    if (!reply.ok) throw new Error(`pausing the fleet failed: ${reply.error?.message}`);
  }

  private send(request: ChildRequest): Promise<ChildReply> {
    const child = this.process;
    if (!child) return Promise.reject(new Error('the chaos child is not running'));
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      child.send(request);
    });
  }
}

// ---------------------------------------------------------------------------------------------

async function postJson(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`POST ${url}: HTTP ${response.status} ${await response.text()}`);
}

/** The admin API clears every fault at once; the ECS ones are put back. */
async function clearOtsFault(admin: string): Promise<void> {
  await fetch(`${admin}/faults`, { method: 'DELETE' });
  await postJson(`${admin}/faults`, ECS_FAULTS);
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
