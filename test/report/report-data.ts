// Report data for the tests: small hand-made instances, and a synthetic backtest of any length whose
// numbers behave like a real one (a daily cycle with bursts, a reactive bandwidth, costs that add up).
import type { ReportData, ReportDecision, ReportInstance } from '../../src/report/types';

export const T0 = Date.UTC(2024, 0, 1);
/** 51.3 days at 5-minute steps: the length of the ISP reference trace (../shared/traces). */
export const REFERENCE_POINTS = 14_772;

export function makeInstance(overrides: Partial<ReportInstance> = {}): ReportInstance {
  const demandMbps = overrides.demandMbps ?? [4, 6, 12, 9, 5, 3];
  const bandwidthMbps = overrides.bandwidthMbps ?? demandMbps.map(() => 10);
  return {
    instanceId: 'i-small',
    billing: 'postpaid-bandwidth',
    policy: 'web',
    start: T0,
    stepSeconds: 300,
    demandMbps,
    servedMbps: demandMbps.map((demand, i) => Math.min(demand, bandwidthMbps[i] as number)),
    bandwidthMbps,
    cumulativeCost: demandMbps.map((_, i) => (i + 1) * 0.05),
    summary: { cost: 0.3, staticPeakCost: 0.5, droppedFraction: 0.05, saturatedMinutes: 5, changes: 0, downgrades: 0, blocked: {} },
    decisions: [],
    ...overrides,
  };
}

export function makeReport(instances: ReportInstance[], overrides: Partial<ReportData> = {}): ReportData {
  return { title: 'Backtest', generatedAt: '2024-03-01T00:00:00Z', currency: 'CNY', instances, ...overrides };
}

export function decision(overrides: Partial<ReportDecision> = {}): ReportDecision {
  return { at: T0, action: 'none', from: 10, to: 10, reason: 'AT_TARGET', message: 'already at 10 Mbps', ...overrides };
}

/**
 * A deterministic backtest of `points` steps: demand follows a daily cycle with noise and rare bursts;
 * every 15 minutes the bandwidth is set to served ÷ 0.7 (doubled when saturated), held by a 5-minute
 * lock now and then, which makes acting, blocked and quiet decisions in realistic proportions.
 */
export function syntheticInstance(instanceId: string, points: number, seed = 1): ReportInstance {
  const random = lcg(seed);
  const stepSeconds = 300;
  // Pay-as-you-go prices of docs/reference/alibaba-cloud.md §8: the first 5 Mbps at 0.063, the rest at 0.248 per Mbps-hour.
  const stepCost = (mbps: number) => (Math.min(mbps, 5) * 0.063 + Math.max(0, mbps - 5) * 0.248) * (stepSeconds / 3600);
  const demandMbps: number[] = [];
  const servedMbps: number[] = [];
  const bandwidthMbps: number[] = [];
  const oracleMbps: number[] = [];
  const cumulativeCost: number[] = [];
  const decisions: ReportDecision[] = [];
  const blocked: Record<string, number> = {};
  let bandwidth = 20;
  let cost = 0;
  let changes = 0;
  let downgrades = 0;
  for (let i = 0; i < points; i++) {
    const at = T0 + i * stepSeconds * 1000;
    const hourOfDay = ((i * stepSeconds) / 3600) % 24;
    const burst = random() < 0.002 ? 30 + random() * 40 : 0;
    const demand = Math.max(0.2, 12 + 9 * Math.sin(((hourOfDay - 8) / 24) * 2 * Math.PI) + (random() - 0.5) * 4 + burst);
    if (i > 0 && i % 3 === 0) {
      const lastServed = servedMbps[i - 1] as number;
      const saturated = lastServed >= 0.95 * bandwidth;
      const wanted = Math.min(100, Math.max(1, Math.ceil(saturated ? bandwidth * 2 : lastServed / 0.7)));
      if (wanted === bandwidth) {
        decisions.push({ at, action: 'none', from: bandwidth, to: bandwidth, reason: 'AT_TARGET', message: `already at ${bandwidth} Mbps` });
      } else if (random() < 0.1) {
        blocked.PROVIDER_LOCK = (blocked.PROVIDER_LOCK ?? 0) + 1;
        decisions.push({
          at,
          action: 'none',
          from: bandwidth,
          to: bandwidth,
          reason: 'PROVIDER_LOCK',
          message: 'changed less than 5 minutes ago',
          outcome: 'none',
        });
      } else {
        decisions.push({
          at,
          action: 'set',
          from: bandwidth,
          to: wanted,
          reason: saturated ? 'SATURATED_STEP_UP' : wanted > bandwidth ? 'SCALE_UP' : 'SCALE_DOWN',
          message: `served ${lastServed.toFixed(1)} Mbps of ${bandwidth} Mbps`,
          outcome: 'applied',
        });
        if (wanted < bandwidth) downgrades++;
        changes++;
        bandwidth = wanted;
      }
    }
    demandMbps.push(demand);
    bandwidthMbps.push(bandwidth);
    servedMbps.push(Math.min(demand, bandwidth));
    oracleMbps.push(Math.ceil(demand));
    cost += stepCost(bandwidth);
    cumulativeCost.push(cost);
  }
  const peak = Math.ceil(Math.max(...demandMbps));
  const staticPeakCumulativeCost = demandMbps.map((_, i) => (i + 1) * stepCost(peak));
  const demandTotal = demandMbps.reduce((sum, value) => sum + value, 0);
  const servedTotal = servedMbps.reduce((sum, value) => sum + value, 0);
  return {
    instanceId,
    label: `synthetic web server ${seed}`,
    billing: 'postpaid-bandwidth',
    policy: 'reactive',
    start: T0,
    stepSeconds,
    demandMbps,
    servedMbps,
    bandwidthMbps,
    oracleMbps,
    cumulativeCost,
    staticPeakCumulativeCost,
    summary: {
      cost,
      staticPeakCost: staticPeakCumulativeCost[points - 1] ?? 0,
      oracleCost: oracleMbps.reduce((sum, mbps) => sum + stepCost(mbps), 0),
      droppedFraction: demandTotal > 0 ? (demandTotal - servedTotal) / demandTotal : 0,
      saturatedMinutes: demandMbps.filter((demand, i) => demand > (bandwidthMbps[i] as number)).length * 5,
      changes,
      downgrades,
      blocked,
    },
    decisions,
  };
}

/** A linear congruential generator: the same seed gives the same trace on every machine. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}
