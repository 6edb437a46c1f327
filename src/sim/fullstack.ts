// The full-stack replay: the same scenario as replay.ts, through the BUILT schedule function in the
// local Function Compute runner, the real SDKs over HTTP, and the ECS / CloudMonitor / Tablestore
// emulators on a manual clock. Slow (a function invocation and a dozen signed requests per tick);
// its point is to show that the fast replay's decision log is the one production would write.
//
// The backtest replays the TIMER path only and creates no alarm rules: an alarm can only raise
// bandwidth between ticks, and with one demand value per 5-minute interval there is nothing between
// ticks for it to see.

import { type Fixture, formatExpiredTime } from '../../local-cloud/fixture';
import { ValidationError } from '../errors';
import { decisionEntry, describeLog, planFromLog, type ReplayRun } from './replay';
import type { Scenario } from './scenario';
import { startSystem } from './system';

export interface FullStackOptions {
  /** Prebuilt function bundles (built once per process otherwise). */
  distDir?: string;
}

/** The schedule function is deployed under this name by template.yml. */
const SCHEDULE_FUNCTION = 'bwscaler-schedule';

export async function replayFullStack(scenario: Scenario, options: FullStackOptions = {}): Promise<ReplayRun> {
  const sim = scenario.instance;
  const fixture = {
    regionId: sim.regionId,
    // Upgrades of a subscription are paid from the balance; the replay measures the policy, not the wallet.
    account: { balance: 1e12 },
    ...(sim.resource ? resourceFixture(scenario) : { instances: [instanceFixture(scenario)] }),
  };
  const system = await startSystem({
    cloud: { fixture, start: scenario.clockStart },
    policyText: scenario.policyText,
    params: { ScheduleCron: timerCron(scenario.grid.start, scenario.grid.stepSeconds) },
    ...(options.distDir ? { distDir: options.distDir } : {}),
  });
  const decisions: ReplayRun['decisions'] = [];
  const errors: string[] = [];
  try {
    system.cloud.cms.setReportingLag(scenario.reportingLagSeconds);
    for (const at of scenario.tickTimes) {
      await system.cloud.clock.advance((at - system.cloud.clock.now()) / 1000);
      const fired = await system.runner.fireTimersUntil(at);
      const tick = fired.find((invocation) => invocation.functionName === SCHEDULE_FUNCTION);
      if (fired.length !== 1 || !tick || tick.at !== at) {
        throw new Error(
          `full-stack replay: expected one schedule tick at ${new Date(at).toISOString()}, the runner fired ${fired.map((i) => `${i.functionName}@${new Date(i.at).toISOString()}`).join(', ') || 'nothing'}`,
        );
      }
      if (!tick.ok) errors.push(`${new Date(at).toISOString()} error invocation: ${tick.error?.message ?? 'failed'}`);
      for (const record of logRecords(tick.logs)) {
        if (record.msg === 'decision') decisions.push(decisionEntry(at, record));
        else if (record.level === 'error' || record.msg === 'order failed') errors.push(describeLog(at, record));
      }
    }
    const { world } = system.cloud;
    const replayed =
      sim.resource?.kind === 'eip'
        ? world.eips.get(sim.instanceId)
        : sim.resource
          ? world.bandwidthPackages.get(sim.instanceId)
          : world.instances.get(sim.instanceId);
    if (!replayed) throw new Error(`full-stack replay: the emulator lost ${sim.instanceId}`);
    return { decisions, planMbps: planFromLog(replayed.bandwidthLog, sim.initialMbps, scenario.tickTimes), errors };
  } finally {
    await system.close();
  }
}

function instanceFixture(scenario: Scenario) {
  const sim = scenario.instance;
  return {
    InstanceId: sim.instanceId,
    InstanceChargeType: sim.instanceChargeType,
    InternetChargeType: sim.internetChargeType,
    InstanceNetworkType: 'vpc' as const,
    InternetMaxBandwidthOut: sim.initialMbps,
    Tags: Object.entries(sim.tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
    Demand: scenario.demand,
    DowngradeQuota: sim.downgradeQuota,
    ...(sim.expiredAt === undefined ? {} : { ExpiredTime: formatExpiredTime(sim.expiredAt) }),
  };
}

/**
 * The EIP, or the package with one EIP in it carrying the trace's demand (a package carries what its
 * EIPs ask for: local-cloud/cms/vpc-traffic.ts).
 */
function resourceFixture(scenario: Scenario): Pick<Fixture, 'instances' | 'eips' | 'bandwidthPackages'> {
  const sim = scenario.instance;
  const resource = sim.resource as NonNullable<typeof sim.resource>;
  const tags = Object.entries(sim.tags).map(([Key, Value]) => ({ Key, Value }));
  if (resource.kind === 'eip') {
    const internetChargeType = resource.internetChargeType === 'PayByTraffic' ? 'PayByTraffic' : 'PayByBandwidth';
    return {
      instances: [],
      eips: [
        {
          AllocationId: sim.instanceId,
          IpAddress: '47.96.0.1',
          InternetChargeType: internetChargeType,
          Bandwidth: sim.initialMbps,
          Tags: tags,
          Demand: scenario.demand,
        },
      ],
    };
  }
  return {
    instances: [],
    bandwidthPackages: [
      {
        BandwidthPackageId: sim.instanceId,
        Bandwidth: sim.initialMbps,
        InternetChargeType: resource.internetChargeType === 'PayBy95' ? 'PayBy95' : 'PayByBandwidth',
        Tags: tags,
      },
    ],
    eips: [{ AllocationId: 'eip-backtest-member', IpAddress: '47.96.0.1', Bandwidth: 5, BandwidthPackageId: sim.instanceId, Demand: scenario.demand }],
  };
}

/** The function's JSON log lines (one record per line); anything else it printed is skipped. */
function logRecords(lines: readonly string[]): Array<Record<string, unknown>> {
  const records: Array<Record<string, unknown>> = [];
  for (const chunk of lines) {
    for (const line of chunk.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        records.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // A line that only looks like JSON is a print, not a log record.
      }
    }
  }
  return records;
}

/**
 * The six-field Function Compute cron (UTC, seconds first) that fires at every interval start of a
 * trace: `S M0-59/K * * * *` for a step of K minutes dividing an hour, `S M H0-23/K * * *` for K hours
 * dividing a day. Croner and FC both read a range with a step; a bare `M0/K` croner refuses.
 */
export function timerCron(start: number, stepSeconds: number): string {
  const date = new Date(start);
  const second = date.getUTCSeconds();
  const minute = date.getUTCMinutes();
  const hour = date.getUTCHours();
  if (stepSeconds % 60 === 0 && 3600 % stepSeconds === 0) {
    const k = stepSeconds / 60;
    return k === 60 ? `${second} ${minute} * * * *` : `${second} ${minute % k}-59/${k} * * * *`;
  }
  if (stepSeconds % 3600 === 0 && 86_400 % stepSeconds === 0) {
    const k = stepSeconds / 3600;
    return `${second} ${minute} ${hour % k}-23/${k} * * *`;
  }
  throw new ValidationError(
    `--full-stack needs a trace step that divides an hour (in whole minutes) or a day (in whole hours) to run the timer on; this trace's step is ${stepSeconds} s (the fast replay takes any step)`,
  );
}
