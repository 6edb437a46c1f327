// The fast replay: every interval of the trace is one fleet tick through the PRODUCTION cycle
// (runTick → reconcile → decide → apply), with in-memory stand-ins for the three services:
// - a simulated ECS that applies ModifyInstanceNetworkSpec and refuses what the ECS emulator refuses,
//   by asking the same pure model of the provider's rules (local-cloud/ecs-rules.ts: ranges, the
//   5-minute lock, the monthly downgrade quota, a change during a temporary upgrade, ...), so a guard
//   that lets a violation through shows up as a failed order instead of passing silently;
// - a simulated CloudMonitor that reports exactly what the CloudMonitor emulator would: it runs the
//   emulator's own traffic model (local-cloud/cms) on the same demand series and bandwidth log;
// - the in-memory state store on the simulated clock.
// Thousands of decisions per second; fullstack.ts replays the same scenario through the built
// functions, SDKs and emulators, and the two must write the same decision log.

import { createAlarmService } from '../../local-cloud/cms/alarms';
import { latestVisibleBucket } from '../../local-cloud/cms/metrics';
import { bandwidthAt, minuteStats } from '../../local-cloud/cms/traffic';
import { DEFAULT_QUOTA_RULE, refusalOf, spendDowngrade, spendsDowngradeQuota } from '../../local-cloud/ecs-rules';
import type { LocalInstance } from '../../local-cloud/model';
import { eipChangeRefusal, packageChangeRefusal } from '../../local-cloud/vpc/rules';
import { classifyEcsError } from '../adapters/pop';
import { classifyVpcError } from '../adapters/vpc';
import { DEFAULT_CONTACT_GROUP, DEFAULT_TIMES, deriveAlarmRules, ruleParams } from '../cli/setup-alarms';
import type { HistorySample, MetricSample, ScalingState, TrafficPoint } from '../core/types';
import { handleAlarm } from '../cycle/alarm';
import { parseEndTime } from '../cycle/apply';
import type { CycleDeps, CycleLogRecord } from '../cycle/deps';
import { runTick } from '../cycle/tick';
import { CloudApiError } from '../errors';
import { parseCloudMonitorCallback } from '../events/alarm';
import type { InstanceApi, MetricApi, ModifyBandwidthRequest } from '../ports/cloud';
import { emptyState, type StateStore, shardOf } from '../ports/state-store';
import { createMemoryStore } from '../state/memory';
import { type Scenario, simulatedFacts } from './scenario';

/** One tick's decision as the cycle logged it (msg "decision"): the replay's comparable output. */
export interface DecisionLogEntry {
  at: number;
  action: string;
  from: number;
  to: number;
  proposed: number;
  reason: string;
  outcome: string;
  errorCode?: string;
  /** The decision's own one-line explanation, as the cycle logged it. */
  message?: string;
  /** Temporary or permanent, and why, for an upgrade answering saturation (Decision.upgradeChoice). */
  upgradeChoice?: string;
  /** A predictive policy's forecast (Mbps): what forecast-and-scale would have acted on. */
  forecast?: number;
}

/** One alert notice the simulated CloudMonitor sent, and what the alarm function made of it. */
export interface AlarmNotice {
  /** When CloudMonitor judged the rule and sent the notice. */
  evaluatedAt: number;
  /** When the alarm function ran on it (evaluatedAt + the delivery delay). */
  handledAt: number;
  alertState: string;
  /** The alarm function's outcome: the cycle's (applied, held, ...) or NOT_FOUND / NOT_MANAGED / DUPLICATE. */
  outcome: string;
  from?: number;
  to?: number;
  reason?: string;
}

export interface ReplayRun {
  decisions: DecisionLogEntry[];
  /** With ReplayOptions.alarms: every alert notice, in the order the alarm function handled them. */
  alarms?: AlarmNotice[];
  /** Bandwidth in effect at the start of each interval, after that interval's tick. */
  planMbps: number[];
  /** Error lines the cycle logged (a failed describe, a refused order, ...), as "at level msg: detail". */
  errors: string[];
}

/** Reads a cycle log record (a fast-mode record or a parsed function log line) into the decision log. */
export function decisionEntry(at: number, record: Record<string, unknown>): DecisionLogEntry {
  const entry: DecisionLogEntry = {
    at,
    action: String(record.action),
    from: Number(record.current),
    to: Number(record.target),
    proposed: Number(record.proposed),
    reason: String(record.reason),
    outcome: String(record.outcome),
  };
  if (typeof record.errorCode === 'string') entry.errorCode = record.errorCode;
  if (typeof record.message === 'string') entry.message = record.message;
  if (typeof record.upgradeChoice === 'string') entry.upgradeChoice = record.upgradeChoice;
  if (typeof record.forecast === 'number') entry.forecast = record.forecast;
  return entry;
}

/** The bandwidth in effect at each tick time, from a bandwidth log (the emulator's shape). */
export function planFromLog(log: LocalInstance['bandwidthLog'], initialMbps: number, tickTimes: readonly number[]): number[] {
  const holder = { bandwidthLog: log, InternetMaxBandwidthOut: initialMbps };
  return tickTimes.map((t) => bandwidthAt(holder, t));
}

export interface ReplayOptions {
  /**
   * Hand the served history to decide() (through the state row, as the Tablestore cache would), so a
   * policy's `predictive` block runs. Default true; false replays a predictive policy as its plain
   * reactive rules (its cold start), the baseline bench:quality compares against.
   */
  feedHistory?: boolean;
  /**
   * Tick once every this many steps of the trace (default 1: every step). Between ticks the served
   * history still gains every minute, as the live cache's DescribeMetricList append would give it;
   * bench:quality compares a 1-minute tick with the deployed 5-minute one on one-minute traffic.
   */
  tickEverySteps?: number;
  /**
   * Run the alarm path next to the tick: the CloudMonitor rule `setup-alarms` would write for the
   * policy, judged by the local cloud's alarm engine on the simulated minutes, its notices handled by
   * the alarm function's own cycle (src/cycle/alarm.ts). Absent: ticks only.
   */
  alarms?: AlarmPathOptions;
}

/**
 * The alarm path as deployed: the rule is `setup-alarms`' own (src/cli/setup-alarms.ts deriveAlarmRules
 * and ruleParams: the policy's saturation threshold on VPC_PublicIP_InternetOutRate_Percent, Average,
 * Period 60, GreaterThanOrEqualToThreshold, SilenceTime 3600 s), and only `Times` and the delivery
 * delay are chosen here.
 */
export interface AlarmPathOptions {
  /**
   * Escalations.Critical.Times: "the consecutive number of times for which the metric value meets the
   * trigger condition before a Critical-level alert is triggered" (PutResourceMetricRule,
   * https://www.alibabacloud.com/help/en/cms/cloudmonitor-1-0/developer-reference/api-cms-2019-01-01-putresourcemetricrule).
   * Default setup-alarms' DEFAULT_TIMES (2); `--times` changes it.
   */
  times?: number;
  /**
   * From the minute a point becomes visible (the replay's reporting lag, as the tick sees it) to the
   * alarm function's run. CloudMonitor checks a rule once per detection period (60 s here); a check
   * that comes just before the point lands finds it a period later, so an alert "may be triggered with
   * a delay of one detection period", which the page calls not significant for short periods
   * (https://www.alibabacloud.com/help/en/cms/cloudmonitor-1-0/support/why-is-threshold-alarm-rule-triggering-delayed).
   * The callback's own latency is not documented. Default 60 s, the harsh end: a whole period late.
   * The plan holds one bandwidth per trace step, so on one-minute steps any delay up to 60 s gives the
   * same figures: a change made mid-minute counts from the next whole minute (the rest of its minute
   * at the old bandwidth, which is harsher than the cloud).
   */
  deliverySeconds?: number;
}

/** A notice waiting for its delivery time: the form body CloudMonitor POSTed. */
interface PendingNotice {
  evaluatedAt: number;
  dueAt: number;
  body: string;
  contentType: string;
}

export async function replayFast(scenario: Scenario, options: ReplayOptions = {}): Promise<ReplayRun> {
  let now = scenario.clockStart;
  const cloud = createSimulatedCloud(scenario, () => now);
  const decisions: DecisionLogEntry[] = [];
  const errors: string[] = [];
  const memory = createMemoryStore({ now: () => now });
  const feeds = (options.feedHistory ?? true) && scenario.policy.predictive !== undefined;
  const deps: CycleDeps = {
    ecs: cloud.ecs,
    metrics: cloud.metrics,
    store: feeds ? withServedHistory(memory, scenario.instance.instanceId, cloud.history) : memory,
    now: () => now,
    // Retries happen at the same simulated instant, as in the full stack, where the manual clock
    // stands still while a function runs.
    sleep: async () => {},
    log: (record) => {
      if (record.msg === 'decision') decisions.push(decisionEntry(now, record));
      else if (record.level === 'error' || record.msg === 'order failed') errors.push(describeLog(now, record));
    },
    random: () => 0,
  };
  const every = options.tickEverySteps ?? 1;
  if (!(Number.isInteger(every) && every >= 1)) throw new RangeError(`tickEverySteps: expected a whole number >= 1, got ${every}`);
  const alarmPath = options.alarms ? createAlarmPath(scenario, cloud.instance, options.alarms) : undefined;
  const notices: AlarmNotice[] = [];
  for (const [i, at] of scenario.tickTimes.entries()) {
    // Notices due by this step first, each at its own delivery time: an alarm that lands on a tick's
    // instant runs before that tick, the order that lets the tick see what the alarm did.
    for (const due of alarmPath?.due(at) ?? []) {
      now = due.dueAt;
      cloud.advance(due.dueAt);
      notices.push(await handleNotice(deps, scenario, due));
    }
    now = at;
    cloud.advance(at);
    if (i % every === 0) await runTick(deps, { doc: scenario.doc, shard: 0, of: 1, triggerTime: at });
    // No tick this step: the minute still reaches the history (the live cache appends every minute).
    else await cloud.metrics.latestOutRates(scenario.instance.regionId, [{ instanceId: scenario.instance.instanceId, networkType: 'vpc' }]);
    await alarmPath?.evaluate(at);
  }
  return {
    decisions,
    planMbps: planFromLog(cloud.instance.bandwidthLog, scenario.instance.initialMbps, scenario.tickTimes),
    errors,
    ...(alarmPath ? { alarms: notices } : {}),
  };
}

/**
 * CloudMonitor's side of the alarm path: the local cloud's alarm engine (local-cloud/cms/alarms.ts:
 * Times consecutive visible periods at or above the threshold raise ALERT, a clear sends OK, a
 * lasting ALERT is sent again after SilenceTime) holding the rule setup-alarms would write, on the
 * simulated instance's minutes. Its POSTs are caught instead of sent and handed to the alarm
 * function `deliverySeconds` later.
 */
function createAlarmPath(scenario: Scenario, instance: LocalInstance, options: AlarmPathOptions) {
  const times = options.times ?? DEFAULT_TIMES;
  const deliveryMs = (options.deliverySeconds ?? 60) * 1000;
  if (!(Number.isInteger(times) && times >= 1)) throw new RangeError(`alarms.times: expected a whole number >= 1, got ${times}`);
  if (!(Number.isFinite(deliveryMs) && deliveryMs > 0)) throw new RangeError(`alarms.deliverySeconds: expected a number > 0, got ${options.deliverySeconds}`);
  const pending: PendingNotice[] = [];
  let evaluatingAt = 0;
  const service = createAlarmService(
    {
      instances: new Map([[instance.InstanceId, instance]]),
      userId: '1234567890',
      lagSeconds: () => scenario.reportingLagSeconds,
      published: () => true,
      // The replay puts only setup-alarms' rule, whose group setup-alarms creates first.
      contactGroupExists: () => true,
    },
    {
      fetch: async (_url, init) => {
        const headers = new Headers(init?.headers);
        pending.push({
          evaluatedAt: evaluatingAt,
          dueAt: evaluatingAt + deliveryMs,
          body: String(init?.body ?? ''),
          contentType: headers.get('content-type') ?? '',
        });
        return new Response(null, { status: 200 });
      },
      timeoutMs: 5000,
      retryDelayMs: 0,
    },
  );
  const [rule] = deriveAlarmRules([{ instance: simulatedFacts(scenario.instance, scenario.instance.initialMbps), policy: scenario.policy }], {
    times,
    contactGroup: DEFAULT_CONTACT_GROUP,
    webhook: 'https://alarm.replay.invalid/',
  });
  if (!rule) throw new Error(`setup-alarms writes no rule for ${scenario.instance.instanceId}`);
  const params = Object.fromEntries(Object.entries(ruleParams(rule)).map(([key, value]) => [key, String(value)]));
  service.handlers.PutResourceMetricRule(params, scenario.clockStart);
  return {
    async evaluate(at: number) {
      evaluatingAt = at;
      await service.engine.evaluate(at);
    },
    /** The notices due at or before `at`, oldest first, removed from the queue. */
    due(at: number): PendingNotice[] {
      const ready = pending.filter((n) => n.dueAt <= at);
      if (ready.length > 0) pending.splice(0, pending.length, ...pending.filter((n) => n.dueAt > at));
      return ready;
    },
  };
}

/** The alarm function's cycle on one notice, decoded by the function's own parser. */
async function handleNotice(deps: CycleDeps, scenario: Scenario, notice: PendingNotice): Promise<AlarmNotice> {
  const callback = parseCloudMonitorCallback(notice.body, notice.contentType);
  const result = await handleAlarm(deps, { doc: scenario.doc, callback });
  const base = { evaluatedAt: notice.evaluatedAt, handledAt: notice.dueAt, alertState: callback.alertState };
  if (result.outcome !== 'HANDLED') return { ...base, outcome: result.outcome };
  const { cycle } = result;
  return { ...base, outcome: cycle.outcome, from: cycle.decision.current, to: cycle.decision.target, reason: cycle.reason };
}

/**
 * The state store as the predictive policy's history cache would make it look: every state read
 * carries the served samples CloudMonitor reported so far (the live path reads them with
 * DescribeMetricList and caches them in bwscaler_served: src/cycle/served-history.ts); writes leave the history out, as it is
 * CloudMonitor's record, not ours. An instance with no row yet reads as a fresh state WITH the history
 * (version 0: its first write still creates the row).
 */
function withServedHistory(store: StateStore, instanceId: string, samples: HistorySample[]): StateStore {
  const attach = (state: ScalingState): ScalingState => (state.instanceId === instanceId ? { ...state, history: { samples } } : state);
  const strip = (state: ScalingState): ScalingState => {
    const { history: _history, ...rest } = state;
    return rest;
  };
  return {
    ...store,
    getState: async (id) => attach(await store.getState(id)),
    listStates: async (shard, shards) => {
      const states = await store.listStates(shard, shards);
      if (shardOf(instanceId, shards) === shard && !states.some((s) => s.instanceId === instanceId)) states.push(emptyState(instanceId));
      return states.map(attach);
    },
    putState: async (next, expected) => attach(await store.putState(strip(next), expected)),
    commit: async (next, expected, history) => attach(await store.commit(strip(next), expected, history)),
  };
}

export function describeLog(at: number, record: CycleLogRecord | Record<string, unknown>): string {
  const { level, msg, ...fields } = record;
  const detail = Object.entries(fields)
    .filter(([key, value]) => value !== undefined && key !== 'time')
    .map(([key, value]) => `${key}=${value instanceof Error ? value.message : typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' ');
  return `${new Date(at).toISOString()} ${String(level)} ${String(msg)}: ${detail}`;
}

interface TemporaryUpgrade {
  start: number;
  end: number;
  base: number;
  target: number;
  started: boolean;
}

interface SimulatedCloud {
  ecs: InstanceApi;
  metrics: MetricApi;
  /** The provider's record of the instance: bandwidth log and demand, in the emulator's shape. */
  instance: LocalInstance;
  /** What the emulator's clock hook does when time moves: start and revert temporary upgrades. */
  advance(now: number): void;
  /** Every served sample CloudMonitor reported, oldest first, with the cap in force at its minute. */
  history: HistorySample[];
}

function refusal(code: string, message: string): CloudApiError {
  return new CloudApiError(`ModifyInstanceNetworkSpec failed: ${code}: ${message}`, code, classifyEcsError(code, message));
}

function vpcRefusal(api: string, code: string, message: string): CloudApiError {
  return new CloudApiError(`${api} failed: ${code}: ${message}`, code, classifyVpcError(code, 'rejected'));
}

function createSimulatedCloud(scenario: Scenario, clock: () => number): SimulatedCloud {
  const sim = scenario.instance;
  const instance: LocalInstance = {
    InstanceId: sim.instanceId,
    RegionId: sim.regionId,
    InstanceChargeType: sim.instanceChargeType,
    InternetChargeType: sim.internetChargeType,
    InstanceNetworkType: 'vpc',
    Status: 'Running',
    InternetMaxBandwidthOut: sim.initialMbps,
    InternetMaxBandwidthIn: Math.max(100, sim.initialMbps),
    PublicIpAddress: ['47.96.0.1'],
    Tags: Object.entries(sim.tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
    OperationLocks: [],
    demand: scenario.demand,
    bandwidthLog: [{ at: scenario.clockStart, out: sim.initialMbps }],
    downgradesUsed: 0,
    downgradeQuota: sim.downgradeQuota,
  };
  let lastChangeAt: number | undefined;
  let temporary: TemporaryUpgrade | undefined;
  const orders = new Map<string, { orderId: string; fingerprint: string }>();
  let nextOrder = 1;

  const setBandwidth = (out: number, at: number) => {
    instance.InternetMaxBandwidthOut = out;
    const lastAt = instance.bandwidthLog.at(-1)?.at ?? at;
    instance.bandwidthLog.push({ at: Math.max(at, lastAt), out });
  };
  const runTemporaryUpgrade = (now: number) => {
    if (!temporary) return;
    if (!temporary.started && temporary.start <= now) {
      temporary.started = true;
      setBandwidth(temporary.target, temporary.start);
    }
    if (temporary.end <= now) {
      setBandwidth(temporary.base, temporary.end);
      temporary = undefined;
    }
  };

  const ecs: InstanceApi = {
    async describeInstances(query) {
      const wanted =
        query.regionId === sim.regionId &&
        (query.instanceIds === undefined || query.instanceIds.includes(sim.instanceId)) &&
        Object.entries(query.tags ?? {}).every(([key, value]) => sim.tags[key] === value);
      return wanted ? [simulatedFacts(sim, instance.InternetMaxBandwidthOut)] : [];
    },
    async modifyBandwidth(request: ModifyBandwidthRequest) {
      const now = clock();
      if (sim.resource) return modifyResource(request, now);
      // Checked in the emulator's order (local-cloud/ecs.ts modifyInstanceNetworkSpec).
      const fingerprint = JSON.stringify({ ...request, clientToken: undefined });
      const seen = orders.get(request.clientToken);
      if (seen) {
        if (seen.fingerprint !== fingerprint)
          throw refusal('IdempotentParameterMismatch', 'The request uses the same client token as a previous, but non-identical request.');
        return { orderId: seen.orderId };
      }
      if (request.instanceId !== sim.instanceId) throw refusal('InvalidInstanceId.NotFound', 'The specified InstanceId does not exist.');
      const from = instance.InternetMaxBandwidthOut;
      const isTemporary = request.startTime !== undefined && request.endTime !== undefined;
      const window = isTemporary ? { start: Date.parse(request.startTime as string), end: parseEndTime(request.endTime as string) } : undefined;
      const view = {
        instanceId: instance.InstanceId,
        regionId: instance.RegionId,
        instanceChargeType: instance.InstanceChargeType,
        internetChargeType: instance.InternetChargeType,
        networkType: instance.InstanceNetworkType,
        status: instance.Status,
        out: from,
        eipBound: false,
        operationLocks: instance.OperationLocks,
        downgradesUsed: instance.downgradesUsed,
        ...(instance.downgradePeriod !== undefined ? { downgradePeriod: instance.downgradePeriod } : {}),
        ...(instance.downgradeQuota !== undefined ? { downgradeQuota: instance.downgradeQuota } : {}),
      };
      const refused = refusalOf(
        view,
        {
          out: request.bandwidthOut,
          ...(request.bandwidthIn !== undefined ? { in: request.bandwidthIn } : {}),
          ...(window ? { temporary: window } : {}),
        },
        { now, ...(lastChangeAt !== undefined ? { lastChangeAt } : {}), temporaryUpgradeActive: temporary !== undefined, quota: DEFAULT_QUOTA_RULE },
      );
      if (refused) throw refusal(refused.code, refused.message);
      const isDowngrade = spendsDowngradeQuota(view, from, request.bandwidthOut, DEFAULT_QUOTA_RULE, isTemporary);

      const orderId = `sim-order-${nextOrder++}`;
      orders.set(request.clientToken, { orderId, fingerprint });
      lastChangeAt = now;
      if (window) {
        temporary = {
          start: window.start,
          end: window.end,
          base: from,
          target: request.bandwidthOut,
          started: false,
        };
        runTemporaryUpgrade(now);
      } else {
        if (isDowngrade) spendDowngrade(instance, now, DEFAULT_QUOTA_RULE);
        if (request.bandwidthOut !== from) setBandwidth(request.bandwidthOut, now);
      }
      return { orderId };
    },
  };

  /**
   * An EIP's or package's change, refused as the VPC emulator refuses it (local-cloud/vpc/rules.ts:
   * the range per billing, a package's cool-down after a change, the same bandwidth again). Applied
   * at once: the package's Modifying spell (seconds to minutes in the emulator) ends before the next
   * tick's describe, which is the read-back; the full-stack replay runs the emulator's own delay.
   */
  const modifyResource = (request: ModifyBandwidthRequest, now: number): { orderId: string } => {
    const resource = sim.resource as NonNullable<typeof sim.resource>;
    const api = resource.kind === 'eip' ? 'ModifyEipAddressAttribute' : 'ModifyCommonBandwidthPackageSpec';
    if (request.instanceId !== sim.instanceId) throw vpcRefusal(api, 'InvalidAllocationId.NotFound', `${request.instanceId} does not exist`);
    const from = instance.InternetMaxBandwidthOut;
    const refused =
      resource.kind === 'eip'
        ? eipChangeRefusal(
            {
              chargeType: 'PostPaid',
              internetChargeType: resource.internetChargeType === 'PayByTraffic' ? 'PayByTraffic' : 'PayByBandwidth',
              status: 'InUse',
              operationLocks: [],
            },
            request.bandwidthOut,
            false,
          )
        : packageChangeRefusal(
            {
              bandwidth: from,
              internetChargeType: resource.internetChargeType === 'PayBy95' ? 'PayBy95' : 'PayByBandwidth',
              instanceChargeType: 'PostPaid',
              status: 'Available',
              businessStatus: 'Normal',
              ...(lastChangeAt !== undefined ? { lastChangeAt } : {}),
            },
            request.bandwidthOut,
            now,
            false,
          );
    if (refused) throw vpcRefusal(api, refused.code, refused.message);
    lastChangeAt = now;
    if (request.bandwidthOut !== from) setBandwidth(request.bandwidthOut, now);
    return { orderId: `sim-${resource.kind}-${nextOrder++}` };
  };

  const metrics: MetricApi = {
    async latestOutRates(regionId, instances) {
      const samples = new Map<string, MetricSample>();
      if (regionId !== sim.regionId || !instances.some((i) => i.instanceId === sim.instanceId)) return samples;
      // DescribeMetricLast, Period 60: the newest visible minute, its Average rounded to whole bit/s
      // (local-cloud/cms/query.ts, metrics.ts).
      const minute = latestVisibleBucket(60, scenario.reportingLagSeconds, clock());
      const outBps = Math.round(minuteStats(instance, 'outRate', minute).Average);
      samples.set(sim.instanceId, { at: minute, outBps });
      // Recorded after this tick's decision reads the history: the history is the PAST samples, and
      // decide() takes this one from the signal.
      pendingSample = { at: minute, mbps: outBps / 1_000_000, cap: bandwidthAt(instance, minute) };
      return samples;
    },
    // The spend guard's traffic: the same minutes the emulator publishes, integrated as the
    // CloudMonitor adapter does (src/adapters/cms.ts: the minute's Average × 60 s / 8), and only
    // minutes already visible at the simulated time.
    async outboundBytes(regionId, requested, startMs, endMs) {
      const points: TrafficPoint[] = [];
      if (regionId !== sim.regionId || requested.instanceId !== sim.instanceId) return points;
      const newest = latestVisibleBucket(60, scenario.reportingLagSeconds, clock());
      const first = Math.ceil(startMs / 60_000) * 60_000;
      for (let minute = first; minute + 60_000 <= endMs && minute <= newest; minute += 60_000) {
        const outBps = Math.round(minuteStats(instance, 'outRate', minute).Average);
        points.push({ start: minute, end: minute + 60_000, bytes: (outBps * 60) / 8 });
      }
      return points;
    },
  };

  const history: HistorySample[] = [];
  let pendingSample: HistorySample | undefined;
  const advance = (now: number) => {
    if (pendingSample && (history.at(-1)?.at ?? Number.NEGATIVE_INFINITY) < pendingSample.at) history.push(pendingSample);
    pendingSample = undefined;
    runTemporaryUpgrade(now);
  };
  return { ecs, metrics, instance, advance, history };
}
