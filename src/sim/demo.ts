// `npm start`: a simulated week of the whole system on the local cloud. The BUILT function bundles
// run in the local Function Compute runner on a manual clock; the schedule function fires on its
// template timer, CloudMonitor alarm rules created through the real PutResourceMetricRule API call
// the alarm function back over HTTP, and every call goes through the real SDKs to the emulators.
// Nothing here decides anything: the demo only drives time and reads what happened.
//
// The workload is SYNTHETIC (local-cloud/cms/traffic.ts `diurnal`): daily cycles peaking at different
// hours, quieter or busier weekends, seeded noise, and one flash crowd. It is not a recorded trace.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { DEFAULT_MANUAL_START } from '../../local-cloud/clock';
import { bandwidthAt, demandMbps } from '../../local-cloud/cms/traffic';
import type { Invocation } from '../../local-cloud/fc/runner';
import { demoFleet, type Fixture, type FixtureInstance } from '../../local-cloud/fixture';
import { DEFAULT_LAG } from '../../local-cloud/lag';
import type { DemandSpec, LocalInstance } from '../../local-cloud/model';
import { demoBandwidthPackages, demoEips, type FixtureEip } from '../../local-cloud/vpc/fixture';
import type { LocalBandwidthPackage, LocalEip } from '../../local-cloud/vpc/model';
import type { CallRecord, Order, World } from '../../local-cloud/world';
import { run as setupAlarms } from '../cli/setup-alarms';
import { isHeldBack, REASONS } from '../core/reasons';
import type { ReasonCode } from '../core/types';
import { type PolicyDocument, parsePolicyDocument } from '../policy/load';
import { renderReport } from '../report/html';
import { formatSummaryTable } from '../report/summary';
import type { ReportData, ReportDecision, ReportInstance } from '../report/types';
import { forecastSeries } from './backtest';
import { staticPeakPlan } from './baselines';
import { type Billing, cumulativePlanCost, DEFAULT_PRICES, intervalCost, type PlanCalendar, type PriceTable, scorePlan } from './cost';
import { oraclePlan } from './oracle';
import { ROOT, startSystem, WEBHOOK_TOKEN } from './system';
import { VPC_RANGES, type VpcBilling } from './vpc-billing';
import { vpcOraclePlan } from './vpc-oracle';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The template's default ScheduleCron (template.yml): the production cadence, not a faster one. */
export const DEMO_SCHEDULE_CRON = '0 */5 * * * *';
/** DEMO_SCHEDULE_CRON's period: the loop advances the clock one period at a time. */
const SCHEDULE_PERIOD_MINUTES = 5;
/** Longer runs are a backtest's job (`bwscaler backtest`); a month of minutes is the demo's ceiling. */
export const MAX_DEMO_DAYS = 31;

export interface DemoOptions {
  /** Simulated days; fractions allowed (the tests run part of a day). Default 7. */
  days?: number;
  /** Where report.html is written; relative to the working directory. Default 'report.html'. */
  out?: string;
  /** Seeds the demand noise and the local cloud's dice; the same seed replays the same week. Default 1. */
  seed?: number;
  /** Called once per simulated hour, and at the end. */
  progress?: (progress: DemoProgress) => void;
  /** The price table (`--prices FILE`); default the documented Hangzhou examples. */
  prices?: PriceTable;
  /** Where `prices` came from, for the report's notes. */
  pricesSource?: string;
}

export interface DemoProgress {
  /** Simulated time (epoch ms). */
  at: number;
  minutesDone: number;
  minutesTotal: number;
  invocations: number;
  /** Orders that changed a bandwidth: ECS orders, and accepted EIP and package changes. */
  changes: number;
  /** Alarm callbacks CloudMonitor delivered to the alarm function. */
  alarms: number;
}

export interface DemoResult {
  data: ReportData;
  /** formatSummaryTable(data). */
  summary: string;
  out: string;
  bytes: number;
  start: number;
  end: number;
  /** Every ECS order of the run, in time order. */
  orders: Order[];
  /** Every ModifyInstanceNetworkSpec call the ECS emulator answered (code 'OK' or the refusal). */
  modifyCalls: CallRecord[];
  /** Every ModifyEipAddressAttribute and ModifyCommonBandwidthPackageSpec call the VPC emulator answered. */
  vpcModifyCalls: CallRecord[];
  invocations: { schedule: number; alarm: number; failed: Array<{ functionName: string; at: number; message: string }> };
  /** Wall-clock milliseconds: building and starting the system, and the simulated run itself. */
  wallMs: { startup: number; run: number };
}

const DEFAULTS = { days: 7, out: 'report.html', seed: 1 } as const;

/** The example policy files the demo runs, in the order their policies are listed (demoPolicyText). */
export const DEMO_POLICY_FILES = ['examples/policy.yaml', 'examples/vpc-policy.yaml', 'examples/predictive-policy.yaml'] as const;
/** The demo's one instance under the predictive policy, in forecast-only mode. */
export const FORECAST_INSTANCE = 'i-demo-forecast-1';
/** What the demo names examples/predictive-policy.yaml's policy: its own name (web-fleet) is the fleet's. */
export const FORECAST_POLICY = 'web-forecast';

/**
 * The demo's one policy document, composed from the example files so that the demo holds no policy
 * numbers of its own (editing an example changes the demo):
 * - examples/policy.yaml: the ECS fleet (web-fleet, shop-subscription, api-traffic);
 * - examples/vpc-policy.yaml: the demo EIP eip-demo-1 and the shared bandwidth package cbwp-demo-1;
 * - examples/predictive-policy.yaml: its policy with a `predictive` block, as written, but named
 *   web-forecast, selecting i-demo-forecast-1 alone (its own tag selector would take the fleet's web
 *   servers, which policy.yaml's web-fleet already manages) and in forecast-only mode: the forecast
 *   is logged beside each decision and drawn in the report, and never raises the bandwidth itself.
 */
export async function demoPolicyText(root: string = ROOT): Promise<string> {
  const documents = await Promise.all(
    DEMO_POLICY_FILES.map(async (file) => ({ file, policies: policiesOf(parseYaml(await readFile(join(root, file), 'utf8')), file) })),
  );
  const [fleet, vpc, predictive] = documents as [(typeof documents)[0], (typeof documents)[0], (typeof documents)[0]];
  const forecast = predictive.policies.find((policy) => policy.predictive !== undefined);
  if (!forecast) throw new Error(`${predictive.file}: no policy with a predictive block for the demo's ${FORECAST_INSTANCE}`);
  const { name: _name, instances, predictive: block, ...rules } = forecast;
  const region = (instances as { region?: unknown } | undefined)?.region ?? 'cn-hangzhou';
  const composed = {
    version: 1,
    policies: [
      ...fleet.policies,
      ...vpc.policies,
      { name: FORECAST_POLICY, instances: { region, ids: [FORECAST_INSTANCE] }, ...rules, predictive: { ...(block as object), mode: 'forecast-only' } },
    ],
  };
  return `# bwscaler demo: ${DEMO_POLICY_FILES.join(' + ')} (src/sim/demo.ts demoPolicyText)\n${stringifyYaml(composed)}`;
}

function policiesOf(document: unknown, file: string): Array<Record<string, unknown>> {
  const policies = (document as { policies?: unknown } | null)?.policies;
  if (!Array.isArray(policies) || !policies.every((p) => typeof p === 'object' && p !== null)) {
    throw new Error(`${file}: expected a policies: list`);
  }
  return policies as Array<Record<string, unknown>>;
}

/**
 * The demo fleet of the local cloud (local-cloud/fixture.ts demoFleet: three pay-as-you-go web
 * servers, a subscription shop, a pay-by-traffic API), with the noise seeds following `seed` and
 * two changes of demand:
 * - i-demo-web-1 gets a flash crowd of +50 Mbps for 90 minutes, 20 minutes past the hour nearest the
 *   middle of the run (Thursday 12:20 UTC, 20:20 Beijing time, on the default week), when its own
 *   cycle is near its trough: the case the saturation alarm exists for.
 * - i-demo-sub-1 becomes a shop that is quiet by day and busy in the evening. The fleet's own curve
 *   (a raised cosine from 6 to 45 Mbps) is so broad that target tracking buys the evening bandwidth
 *   by late morning, for the rest of the term, and the evening schedule never has anything to do.
 *   Here the day stays under 18 Mbps (below the policy's 90 % band at its 20 Mbps base) and an
 *   evening rush of three stacked steps (+8 Mbps from 19:20, +16 from 20:00, +24 from 20:30 to
 *   21:30 Beijing time, easing off by 22:40) lands inside the policy's 19:00-23:00 window. On
 *   weekdays it peaks near 42 Mbps, within the policy's band at the window's 50 Mbps floor; the
 *   weekend factor (1.3) takes it above, so the weekend evenings ask for more than the floor.
 */
export function demoFixture(options: { start: number; days: number; seed: number }): Fixture {
  const middle = options.start + Math.floor((options.days * DAY) / 2 / HOUR) * HOUR;
  const flashCrowd = { start: middle + 20 * MINUTE, durationSeconds: 90 * 60, extraMbps: 50 };
  const instances = demoFleet().map((instance): FixtureInstance => {
    const demand = instance.Demand;
    if (demand?.kind !== 'diurnal') return instance;
    // Seed 1 keeps the fleet's own seeds, so `npm start` shows the curves the local cloud documents.
    const seeded = { ...demand, seed: (demand.seed ?? 0) + 1000 * (options.seed - 1) };
    switch (instance.InstanceId) {
      case 'i-demo-web-1':
        return { ...instance, Demand: { ...seeded, flashCrowds: [flashCrowd] } };
      case 'i-demo-sub-1':
        return {
          ...instance,
          Demand: { ...seeded, baseMbps: 6, peakMbps: 16, peakHourUtc: 13, flashCrowds: eveningRush(options.start, options.days) },
        };
      default:
        return { ...instance, Demand: seeded };
    }
  });
  // The balance pays a year of the subscription's upgrades (the local cloud's own demo account does the
  // same; a fixture's account otherwise defaults to 1,000 CNY, which one evening peak exhausts).
  return {
    account: { balance: 100_000 },
    instances: [...instances, forecastInstance(options.seed)],
    // A fixture that lists its instances gets no EIPs or packages by default: the demo account's.
    eips: demoEips().map((eip) => reseededEip(eip, options)),
    bandwidthPackages: demoBandwidthPackages(),
  };
}

/**
 * i-demo-forecast-1, under examples/predictive-policy.yaml's policy (demoPolicyText): a pay-as-you-go
 * web server peaking at 16:00 Beijing time. It was provisioned for its peak before the run (50 Mbps),
 * so the two weeks CloudMonitor holds from before the run are its real demand, not a capped one: the
 * first tick backfills them (src/cycle/served-history.ts) and the policy forecasts from the start.
 */
function forecastInstance(seed: number): FixtureInstance {
  return {
    InstanceId: FORECAST_INSTANCE,
    InstanceName: 'demo-web-forecast-1',
    InstanceChargeType: 'PostPaid',
    InternetChargeType: 'PayByBandwidth',
    InstanceNetworkType: 'vpc',
    Status: 'Running',
    InternetMaxBandwidthOut: 50,
    Tags: [{ TagKey: 'app', TagValue: 'forecast' }],
    Demand: { kind: 'diurnal', baseMbps: 5, peakMbps: 35, peakHourUtc: 8, weekendFactor: 0.7, noise: 0.08, seed: 5 + 1000 * (seed - 1) },
  };
}

/**
 * The demo account's EIPs (local-cloud/vpc/fixture.ts), their noise following `seed`, with two
 * changes of demand:
 * - eip-demo-1 peaks at 18 Mbps (6.5 CNY an hour at 0.8 CNY/GB) instead of 30: examples/vpc-policy.yaml's
 *   spend guard (10 CNY an hour) is a brake for runaway spend, and the demo's ordinary day stays well
 *   under it, as the policy files advise. Near the budget the guard caps every tick at what is left of
 *   the hour's budget (measured at a 24 Mbps peak: 26 SPEND_GUARD changes a day, and an alarm an hour
 *   from the EIP's rule, whose threshold setup-alarms fixed at 95 % of the initial 20 Mbps);
 * - the package's first NAT EIP carries a nightly sync of +150 Mbps from 02:10 to 03:50 Beijing time,
 *   the planned peak vpc-policy.yaml's nightly-sync schedule (02:00-04:00, exactly 200 Mbps) is for.
 */
function reseededEip(eip: FixtureEip, options: { start: number; days: number; seed: number }): FixtureEip {
  const demand = eip.Demand;
  if (demand?.kind !== 'diurnal') return eip;
  const seeded: DemandSpec = { ...demand, seed: (demand.seed ?? 0) + 1000 * (options.seed - 1) };
  switch (eip.AllocationId) {
    case 'eip-demo-1':
      return { ...eip, Demand: { ...seeded, peakMbps: 18 } };
    case 'eip-demo-nat-1':
      return { ...eip, Demand: { ...seeded, flashCrowds: nightlySync(options.start, options.days) } };
    default:
      return { ...eip, Demand: seeded };
  }
}

/** 18:10-19:50 UTC (02:10-03:50 Beijing time) on every day of the run, and on the day before it. */
function nightlySync(start: number, days: number): Array<{ start: number; durationSeconds: number; extraMbps: number }> {
  return Array.from({ length: Math.ceil(days) + 1 }, (_, i) => ({
    start: start + (i - 1) * DAY + 18 * HOUR + 10 * MINUTE,
    durationSeconds: 100 * 60,
    extraMbps: 150,
  }));
}

/** The shop's evening rush on every day of the run, in UTC (Beijing time minus 8 hours). */
function eveningRush(start: number, days: number): Array<{ start: number; durationSeconds: number; extraMbps: number }> {
  const steps = [
    { from: 11 * HOUR + 20 * MINUTE, to: 14 * HOUR + 40 * MINUTE },
    { from: 12 * HOUR, to: 14 * HOUR },
    { from: 12 * HOUR + 30 * MINUTE, to: 13 * HOUR + 30 * MINUTE },
  ];
  return Array.from({ length: Math.ceil(days) }, (_, day) =>
    steps.map((step) => ({ start: start + day * DAY + step.from, durationSeconds: (step.to - step.from) / 1000, extraMbps: 8 })),
  ).flat();
}

/** Runs the demo end to end and writes the report; see DemoOptions for the defaults. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const days = options.days ?? DEFAULTS.days;
  const seed = options.seed ?? DEFAULTS.seed;
  const prices = options.prices ?? DEFAULT_PRICES;
  const out = options.out ?? DEFAULTS.out;
  if (!(Number.isFinite(days) && days > 0 && days <= MAX_DEMO_DAYS)) {
    throw new RangeError(`days: expected a number above 0 and at most ${MAX_DEMO_DAYS}, got ${days}`);
  }
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed: expected a whole number, got ${seed}`);

  // Monday 00:00 UTC (the local cloud's documented manual start): a week of the run is Monday to Sunday.
  const start = DEFAULT_MANUAL_START;
  const minutesTotal = Math.round((days * DAY) / MINUTE);
  const end = start + minutesTotal * MINUTE;
  const policyText = await demoPolicyText();
  const doc = parsePolicyDocument(policyText, DEMO_POLICY_FILES.join(' + '));

  const startupBegan = performance.now();
  const system = await startSystem({
    // The provider's processing delay is on, as in the real cloud (local-cloud/lag.ts).
    cloud: { fixture: demoFixture({ start, days, seed }), start, seed, lag: { ...DEFAULT_LAG, seed } },
    policyText,
    params: { ScheduleCron: DEMO_SCHEDULE_CRON },
    setUp: ({ cloud, runner }) => createAlarmRules(cloud.endpoints, runner.httpUrl('bwscaler-alarm'), policyText),
  });
  const startupMs = performance.now() - startupBegan;
  const runBegan = performance.now();
  try {
    const { clock, world } = system.cloud;
    const changes = () => world.orders.filter(changedBandwidth).length + vpcChanges(world.calls).length;
    const report = (minutesDone: number) =>
      options.progress?.({
        at: clock.now(),
        minutesDone,
        minutesTotal,
        invocations: system.runner.invocations.length,
        changes: changes(),
        alarms: system.runner.invocations.filter((i) => i.functionName === 'bwscaler-alarm').length,
      });
    // The clock runs its listeners once per simulated minute however far it is advanced
    // (MANUAL_STEP_SECONDS): ECS reverts due temporary upgrades, then CloudMonitor judges the minute
    // and calls the alarm function back, inline. The timers are fired after each step, so a step of
    // one schedule period delivers everything in the same order as minute steps would, with a
    // fifth of the cron look-ups (measured: ~0.3 ms each, 3 s over a week of minutes).
    let minutesDone = 0;
    while (minutesDone < minutesTotal) {
      const step = Math.min(SCHEDULE_PERIOD_MINUTES, minutesTotal - minutesDone);
      await clock.advance(step * 60);
      await system.runner.fireTimersUntil(clock.now());
      const hourCrossed = Math.floor((minutesDone + step) / 60) > Math.floor(minutesDone / 60);
      minutesDone += step;
      if (hourCrossed || minutesDone === minutesTotal) report(minutesDone);
    }

    const decisions = decisionsFromLogs(system.runner.invocations);
    const data: ReportData = {
      title: 'bwscaler demo: a simulated week on the local cloud',
      subtitle: `${formatDays(days)} from ${new Date(start).toISOString().slice(0, 16)}Z, seed ${seed}`,
      generatedAt: new Date().toISOString(),
      currency: prices.currency,
      notes: [
        'The workload is SYNTHETIC: daily cycles peaking at different hours, weekend factors, seeded noise and one flash crowd on i-demo-web-1. It is not a recorded trace.',
        'End to end: the built function bundles, the real SDKs, and the local ECS, CloudMonitor and Tablestore emulators on a simulated clock; the schedule function runs every 5 minutes and CloudMonitor alarm rules call the alarm function.',
        `Policies: ${DEMO_POLICY_FILES.join(', ')} (the last one's on ${FORECAST_INSTANCE} alone, as ${FORECAST_POLICY}, forecast-only). EIPs and the shared bandwidth package are billed as their own kinds (docs/cost-model.md); their optimum is the least any plan pays under that billing. Prices: ${options.pricesSource ? `from ${options.pricesSource}` : 'the documented Hangzhou examples (src/sim/cost.ts), not your bill; pass --prices FILE for your own'}. Optimum: the least any plan can pay under the provider's rules (docs/cost-model.md); score = cost + ${prices.dropPenaltyPerGb} ${prices.currency} per dropped GB. Static peak: a constant bandwidth equal to the peak demand, in whole Mbps.`,
        telemetryNote(system.cloud.cms.custom),
      ],
      instances: [
        ...[...world.instances.values()].map((instance) =>
          instanceReport(instance, { start, minutes: minutesTotal, doc, orders: world.orders, decisions: decisions.get(instance.InstanceId) ?? [] }, prices),
        ),
        // The EIPs a policy can scale (an EIP inside a package is the package's) and the packages.
        ...[...world.eips.values()]
          .filter((eip) => !eip.BandwidthPackageId)
          .map((eip) =>
            vpcResourceReport(
              vpcResource(world, eip),
              { start, minutes: minutesTotal, doc, calls: world.calls, decisions: decisions.get(eip.AllocationId) ?? [] },
              prices,
            ),
          ),
        ...[...world.bandwidthPackages.values()].map((pkg) =>
          vpcResourceReport(
            vpcResource(world, pkg),
            { start, minutes: minutesTotal, doc, calls: world.calls, decisions: decisions.get(pkg.BandwidthPackageId) ?? [] },
            prices,
          ),
        ),
      ],
    };
    const html = renderReport(data);
    await writeFile(out, html);
    const failed = system.runner.invocations
      .filter((i) => !i.ok)
      .map((i) => ({ functionName: i.functionName, at: i.at, message: i.error?.message ?? 'unknown error' }));
    return {
      data,
      summary: formatSummaryTable(data),
      out,
      bytes: Buffer.byteLength(html),
      start,
      end,
      orders: world.orders.map((order) => ({ ...order })),
      modifyCalls: world.calls.filter((call) => call.action === 'ModifyInstanceNetworkSpec').map((call) => ({ ...call })),
      vpcModifyCalls: world.calls.filter((call) => VPC_MODIFY_ACTIONS.has(call.action)).map((call) => ({ ...call })),
      invocations: {
        schedule: system.runner.invocations.filter((i) => i.functionName === 'bwscaler-schedule').length,
        alarm: system.runner.invocations.filter((i) => i.functionName === 'bwscaler-alarm').length,
        failed,
      },
      wallMs: { startup: startupMs, run: performance.now() - runBegan },
    };
  } finally {
    await system.close();
  }
}

/** What the local CloudMonitor received as custom metrics and events (README, "Observability"). */
function telemetryNote(custom: { metrics(): Array<{ metricName: string }>; events(): Array<{ eventName: string }> }): string {
  const count = (names: string[]) => {
    const byName = new Map<string, number>();
    for (const name of names) byName.set(name, (byName.get(name) ?? 0) + 1);
    return (
      [...byName]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, n]) => `${name} ${n}`)
        .join(', ') || 'none'
    );
  };
  return `CloudMonitor custom metrics received: ${count(custom.metrics().map((m) => m.metricName))}. Custom events: ${count(custom.events().map((e) => e.eventName))}.`;
}

/**
 * The alarm rules, made as an operator makes them: `bwscaler setup-alarms` against the local cloud,
 * with the alarm function's HTTP trigger as the callback URL. The command calls DescribeInstances,
 * PutResourceMetricRule and the contact-group and event-rule APIs through pop-core; the local CloudMonitor then evaluates the rules on the
 * simulated clock and posts its form-encoded callbacks to the runner.
 */
async function createAlarmRules(
  endpoints: { region: string; ecs: string; cms: string; vpc: string; accessKeyId: string; accessKeySecret: string; securityToken?: string },
  callbackUrl: string,
  policyText: string,
): Promise<void> {
  let output = '';
  const capture = { write: (text: string) => (output += text) };
  const code = await setupAlarms(
    // The contact the rules notify: the local CloudMonitor records the notices, it sends no mail.
    ['--callback-url', callbackUrl, '--contact-email', 'ops@example.com'],
    {
      // The composed document, as the functions get it (no --policy FILE: the command reads this).
      BWSCALER_POLICY: policyText,
      BWSCALER_REGION: endpoints.region,
      BWSCALER_ECS_ENDPOINT: endpoints.ecs,
      BWSCALER_CMS_ENDPOINT: endpoints.cms,
      // A policy with eips: or bandwidthPackages: describes them here; unset, it would be the real endpoint.
      BWSCALER_VPC_ENDPOINT: endpoints.vpc,
      BWSCALER_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
      ALIBABA_CLOUD_ACCESS_KEY_ID: endpoints.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: endpoints.accessKeySecret,
      ...(endpoints.securityToken ? { ALIBABA_CLOUD_SECURITY_TOKEN: endpoints.securityToken } : {}),
    },
    { stdout: capture, stderr: capture, now: () => Date.now() },
  );
  if (code !== 0) throw new Error(`setup-alarms failed (exit ${code}):\n${output}`);
}

/** One decision line a function printed (src/cycle/instance.ts logDecision). */
export interface LoggedDecision {
  at: number;
  instanceId: string;
  policy: string;
  action: ReportDecision['action'];
  current: number;
  target: number;
  proposed: number;
  reason: string;
  message?: string;
  outcome?: string;
  errorCode?: string;
  /** A predictive policy's forecast (Mbps), logged beside the decision. */
  forecast?: number;
}

const ACTIONS = new Set(['none', 'set', 'temporaryUpgrade']);

/** The `msg: "decision"` lines of every invocation, by instance, in invocation order. */
export function decisionsFromLogs(invocations: readonly Invocation[]): Map<string, LoggedDecision[]> {
  const byInstance = new Map<string, LoggedDecision[]>();
  for (const invocation of invocations) {
    for (const line of invocation.logs.flatMap((chunk) => chunk.split('\n'))) {
      const decision = parseDecisionLine(line, invocation.at);
      if (!decision) continue;
      const list = byInstance.get(decision.instanceId) ?? [];
      list.push(decision);
      byInstance.set(decision.instanceId, list);
    }
  }
  return byInstance;
}

function parseDecisionLine(line: string, invokedAt: number): LoggedDecision | undefined {
  // Functions print other lines too (tick summaries, warnings); only well-formed decisions count.
  if (!line.includes('"decision"')) return undefined;
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const { msg, instanceId, policy, action, current, target, proposed, reason } = record;
  if (msg !== 'decision' || typeof instanceId !== 'string' || typeof action !== 'string' || !ACTIONS.has(action)) return undefined;
  if (typeof current !== 'number' || typeof target !== 'number' || typeof reason !== 'string') return undefined;
  const time = typeof record.time === 'string' ? Date.parse(record.time) : Number.NaN;
  return {
    at: Number.isFinite(time) ? time : invokedAt,
    instanceId,
    policy: typeof policy === 'string' ? policy : '',
    action: action as ReportDecision['action'],
    current,
    target,
    proposed: typeof proposed === 'number' ? proposed : target,
    reason,
    ...(typeof record.message === 'string' ? { message: record.message } : {}),
    ...(typeof record.outcome === 'string' ? { outcome: record.outcome } : {}),
    ...(typeof record.errorCode === 'string' ? { errorCode: record.errorCode } : {}),
    ...(typeof record.forecast === 'number' ? { forecast: record.forecast } : {}),
  };
}

/**
 * Counts of the reasons that held back a change the rules wanted: a decision that did not act while
 * its proposal differed from the current bandwidth (the backtest's definition, src/sim/backtest.ts),
 * plus an order that did not go through (outcome 'blocked' or 'failed'), under the provider's error
 * code: a wanted change the provider refused was held back as surely as one a guard held.
 */
export function blockedByReason(decisions: readonly LoggedDecision[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const d of decisions) {
    const key =
      d.action === 'none' ? (isHeldBack(d) ? d.reason : undefined) : d.outcome === 'blocked' || d.outcome === 'failed' ? (d.errorCode ?? d.reason) : undefined;
    if (key !== undefined) counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** An order that moved the bandwidth (an unpaid or cancelled one did not, nor a same-value one). */
function changedBandwidth(order: Order): boolean {
  return order.status === 'paid' && order.kind !== 'unchanged';
}

function billingOf(instance: LocalInstance): Billing {
  if (instance.InternetChargeType === 'PayByTraffic') return 'traffic';
  return instance.InstanceChargeType === 'PrePaid' ? 'prepaid-bandwidth' : 'postpaid-bandwidth';
}

const LABELS: Record<Billing, string> = {
  'postpaid-bandwidth': 'pay-as-you-go, pay-by-bandwidth',
  'prepaid-bandwidth': 'subscription, pay-by-bandwidth',
  traffic: 'pay-as-you-go, pay-by-traffic',
};

/** The API's ceiling per billing (docs/reference/alibaba-cloud.md §1.1): 200 Mbps for subscription by bandwidth, else 100. */
function apiMaxMbps(billing: Billing): number {
  return billing === 'prepaid-bandwidth' ? 200 : 100;
}

function instanceReport(
  instance: LocalInstance,
  run: { start: number; minutes: number; doc: PolicyDocument; orders: readonly Order[]; decisions: readonly LoggedDecision[] },
  prices: PriceTable,
): ReportInstance {
  const billing = billingOf(instance);
  const step = 60;
  // Bandwidth changes land on whole minutes (the clock moves in minutes), so the bandwidth at a
  // minute's midpoint holds for the whole minute; demand is sampled at the same midpoint.
  const demand: number[] = [];
  const bandwidth: number[] = [];
  for (let i = 0; i < run.minutes; i++) {
    const t = run.start + i * MINUTE + MINUTE / 2;
    demand.push(demandMbps(instance.demand, t));
    bandwidth.push(bandwidthAt(instance, t));
  }
  const served = demand.map((d, i) => Math.min(d, bandwidth[i] as number));
  const cumulative = (plan: readonly number[]) => {
    let total = 0;
    return plan.map((mbps, i) => (total += intervalCost(billing, mbps, Math.min(demand[i] as number, mbps), step, prices)));
  };

  const policyName = run.decisions.find((d) => d.policy !== '')?.policy ?? '';
  const policy = run.doc.policies.find((p) => p.name === policyName);
  const maxMbps = Math.min(policy?.bounds.maxOut ?? apiMaxMbps(billing), apiMaxMbps(billing));
  const initialMbps = instance.bandwidthLog[0]?.out ?? instance.InternetMaxBandwidthOut;
  // An EIP-bound instance's traffic and bill are its EIP's: the instance's own bandwidth (0) is all it
  // has, so there is no peak to provision and nothing to save, and no saving is claimed for it.
  const eipBound = (instance.EipAddress?.IpAddress ?? '') !== '';
  const staticPeak = eipBound ? bandwidth : staticPeakPlan(demand, maxMbps);
  // The physical bound (src/sim/oracle.ts): the API range and the provider's rules, not the policy's bounds.
  const oracle = policy ? oraclePlan(demand, step, { billing, maxMbps: apiMaxMbps(billing), initialMbps, prices }).planMbps : undefined;
  const scoreOracle = policy
    ? oraclePlan(demand, step, { billing, maxMbps: apiMaxMbps(billing), initialMbps, prices, dropPenaltyPerGb: prices.dropPenaltyPerGb }).planMbps
    : undefined;
  const outcome = scorePlan(demand, bandwidth, step, billing, prices);
  const own = run.orders.filter((order) => order.InstanceId === instance.InstanceId && changedBandwidth(order));

  return {
    instanceId: instance.InstanceId,
    label: LABELS[billing],
    billing,
    policy: policyName || '(not managed)',
    start: run.start,
    stepSeconds: step,
    demandMbps: demand,
    servedMbps: served,
    bandwidthMbps: bandwidth,
    ...(oracle ? { oracleMbps: oracle } : {}),
    ...forecastSeries(run.decisions, run.start, step, run.minutes),
    cumulativeCost: cumulative(bandwidth),
    staticPeakCumulativeCost: cumulative(staticPeak),
    summary: {
      cost: outcome.cost,
      staticPeakCost: scorePlan(demand, staticPeak, step, billing, prices).cost,
      ...(oracle ? { oracleCost: scorePlan(demand, oracle, step, billing, prices).cost } : {}),
      score: outcome.score,
      dropPenaltyPerGb: prices.dropPenaltyPerGb,
      ...(scoreOracle ? { oracleScore: scorePlan(demand, scoreOracle, step, billing, prices).score } : {}),
      droppedFraction: outcome.droppedFraction,
      saturatedMinutes: outcome.saturatedMinutes,
      // Orders, not steps of the bandwidth series: a temporary upgrade's revert is the provider's, not a change.
      changes: own.length,
      // Quota spent as the provider counts it (subscription); for the others, downgrade orders.
      downgrades: billing === 'prepaid-bandwidth' ? instance.downgradesUsed : own.filter((order) => order.kind === 'downgrade').length,
      blocked: blockedByReason(run.decisions),
    },
    decisions: reportDecisions(run.decisions),
  };
}

/** The VPC calls that change a bandwidth (the package's asynchronously: it counts once accepted). */
const VPC_MODIFY_ACTIONS = new Set(['ModifyEipAddressAttribute', 'ModifyCommonBandwidthPackageSpec']);

/** The accepted EIP and package changes in the VPC emulator's own call log. */
function vpcChanges(calls: readonly CallRecord[]): CallRecord[] {
  return calls.filter((call) => VPC_MODIFY_ACTIONS.has(call.action) && call.code === 'OK');
}

/** An EIP or a package as the report needs it: its id, billing, demand and bandwidth over time. */
interface VpcResource {
  id: string;
  billing: VpcBilling;
  label: string;
  demandAt(t: number): number;
  bandwidthLog: ReadonlyArray<{ at: number; out: number }>;
  bandwidth: number;
}

function vpcResource(world: Pick<World, 'eips'>, resource: LocalEip | LocalBandwidthPackage): VpcResource {
  if ('AllocationId' in resource) {
    const byTraffic = resource.InternetChargeType === 'PayByTraffic';
    return {
      id: resource.AllocationId,
      billing: byTraffic ? 'eip-traffic' : 'eip-bandwidth',
      label: `Elastic IP, pay-as-you-go, ${byTraffic ? 'pay-by-traffic' : 'pay-by-bandwidth'}`,
      demandAt: (t) => demandMbps(resource.demand, t),
      bandwidthLog: resource.bandwidthLog,
      bandwidth: resource.Bandwidth,
    };
  }
  // Pay-by-dominant-traffic packages are not in the cost model (docs/cost-model.md): the demo has none.
  if (resource.InternetChargeType === 'PayByDominantTraffic')
    throw new Error(`${resource.BandwidthPackageId}: pay-by-dominant-traffic packages are not priced`);
  const members = [...world.eips.values()].filter((eip) => eip.BandwidthPackageId === resource.BandwidthPackageId);
  return {
    id: resource.BandwidthPackageId,
    billing: resource.InternetChargeType === 'PayBy95' ? 'cbwp-95' : 'cbwp-bandwidth',
    label: `Internet Shared Bandwidth package, pay-as-you-go, ${resource.InternetChargeType === 'PayBy95' ? 'enhanced 95th percentile' : 'pay-by-bandwidth'}, ${members.length} EIPs`,
    // The package carries what its EIPs ask for (local-cloud/cms/vpc-traffic.ts).
    demandAt: (t) => members.reduce((sum, eip) => sum + demandMbps(eip.demand, t), 0),
    bandwidthLog: resource.bandwidthLog,
    bandwidth: resource.Bandwidth,
  };
}

/**
 * An EIP's or a package's row, beside the instances': the same figures, priced under its own billing
 * (src/sim/cost.ts planCost: a day billed at its highest bandwidth, or per GB), against the same
 * billing's optimum (src/sim/vpc-oracle.ts) and static peak provisioning within the policy's bounds
 * and the API's range. Changes are the accepted Modify calls of the emulator's call log.
 */
function vpcResourceReport(
  resource: VpcResource,
  run: { start: number; minutes: number; doc: PolicyDocument; calls: readonly CallRecord[]; decisions: readonly LoggedDecision[] },
  prices: PriceTable,
): ReportInstance {
  const { billing } = resource;
  const step = 60;
  const demand: number[] = [];
  const bandwidth: number[] = [];
  for (let i = 0; i < run.minutes; i++) {
    const t = run.start + i * MINUTE + MINUTE / 2;
    demand.push(resource.demandAt(t));
    bandwidth.push(bandwidthAt({ bandwidthLog: [...resource.bandwidthLog], InternetMaxBandwidthOut: resource.bandwidth }, t));
  }
  const policyName = run.decisions.find((d) => d.policy !== '')?.policy ?? '';
  const policy = run.doc.policies.find((p) => p.name === policyName);
  const calendar: PlanCalendar = { startMs: run.start, utcOffsetMinutes: policy?.billingUtcOffsetMinutes ?? 480 };
  const range = VPC_RANGES[billing];
  const staticPeak = staticPeakPlan(demand, Math.min(policy?.bounds.maxOut ?? range.max, range.max)).map((mbps) => Math.max(range.min, mbps));
  const oracle = policy ? vpcOraclePlan(demand, step, { billing, prices, calendar }).planMbps : undefined;
  const scoreOracle = policy ? vpcOraclePlan(demand, step, { billing, prices, calendar, dropPenaltyPerGb: prices.dropPenaltyPerGb }).planMbps : undefined;
  const score = (plan: readonly number[]) => scorePlan(demand, plan, step, billing, prices, calendar);
  const outcome = score(bandwidth);
  const log = resource.bandwidthLog;
  return {
    instanceId: resource.id,
    label: resource.label,
    billing,
    policy: policyName || '(not managed)',
    start: run.start,
    stepSeconds: step,
    demandMbps: demand,
    servedMbps: demand.map((d, i) => Math.min(d, bandwidth[i] as number)),
    bandwidthMbps: bandwidth,
    ...(oracle ? { oracleMbps: oracle } : {}),
    ...forecastSeries(run.decisions, run.start, step, run.minutes),
    cumulativeCost: cumulativePlanCost(billing, demand, bandwidth, step, prices, calendar),
    staticPeakCumulativeCost: cumulativePlanCost(billing, demand, staticPeak, step, prices, calendar),
    summary: {
      cost: outcome.cost,
      staticPeakCost: score(staticPeak).cost,
      ...(oracle ? { oracleCost: score(oracle).cost } : {}),
      score: outcome.score,
      dropPenaltyPerGb: prices.dropPenaltyPerGb,
      ...(scoreOracle ? { oracleScore: score(scoreOracle).score } : {}),
      droppedFraction: outcome.droppedFraction,
      saturatedMinutes: outcome.saturatedMinutes,
      changes: vpcChanges(run.calls).filter((call) => call.resourceId === resource.id).length,
      downgrades: log.filter((entry, i) => i > 0 && entry.out < (log[i - 1] as { out: number }).out).length,
      blocked: blockedByReason(run.decisions),
    },
    decisions: reportDecisions(run.decisions),
  };
}

function reportDecisions(decisions: readonly LoggedDecision[]): ReportDecision[] {
  return decisions.map((d) => ({
    at: d.at,
    action: d.action,
    from: d.current,
    to: d.target,
    proposed: d.proposed,
    reason: d.reason,
    message: d.message ?? REASONS[d.reason as ReasonCode] ?? d.reason,
    ...(d.outcome !== undefined ? { outcome: d.outcome } : {}),
  }));
}

function formatDays(days: number): string {
  if (days === 7) return 'One simulated week';
  if (Number.isInteger(days)) return `${days} simulated day${days === 1 ? '' : 's'}`;
  return `${Math.round(days * 240) / 10} simulated hours`;
}
