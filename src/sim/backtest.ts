// A backtest: replay a trace through the policy (fast or full stack), then score the plan it produced
// next to the hindsight oracle and the two baselines, all on the same demand grid and price table.

import { apiRange } from '../core/provider';
import { isHeldBack } from '../core/reasons';
import type { ReportData, ReportDecision, ReportInstance } from '../report/types';
import { naiveReactivePlan, staticPeakPlan } from './baselines';
import { type Billing, DEFAULT_PRICES, intervalCost, type PlanOutcome, type PriceTable, scorePlan } from './cost';
import { oraclePlan } from './oracle';
import { type DecisionLogEntry, type ReplayRun, replayFast } from './replay';
import { buildScenario, type Scenario } from './scenario';
import { demandGrid, type Trace } from './trace';

export interface BacktestInput {
  trace: Trace;
  billing: Billing;
  policyText: string;
  policySource: string;
  policyName?: string;
  /** Replay through the built functions, SDKs and emulators instead of in memory. */
  fullStack?: boolean;
  prices?: PriceTable;
}

/** The figures `backtest --json` prints (its last line). */
export interface BacktestSummary {
  trace: string;
  points: number;
  stepSeconds: number;
  days: number;
  billing: Billing;
  policy: string;
  mode: 'fast' | 'full-stack';
  currency: string;
  cost: number;
  staticPeakCost: number;
  naiveCost: number;
  oracleCost: number;
  costVsOracle: number;
  staticPeakVsOracle: number;
  naiveVsOracle: number;
  droppedFraction: number;
  naiveDroppedFraction: number;
  saturatedMinutes: number;
  changes: number;
  changesPerDay: number;
  naiveChangesPerDay: number;
  downgrades: number;
  /** Holding decisions that kept back a change the rules wanted, by reason (see `blockedReasons`). */
  blocked: Record<string, number>;
  /** Errors the cycle logged (refused orders, failed calls): 0 in a sound replay. */
  errors: number;
}

export interface BacktestResult {
  summary: BacktestSummary;
  scenario: Scenario;
  run: ReplayRun;
  plans: { policy: number[]; oracle: number[]; staticPeak: number[]; naive: number[] };
  outcomes: { policy: PlanOutcome; oracle: PlanOutcome; staticPeak: PlanOutcome; naive: PlanOutcome };
}

export async function runBacktest(input: BacktestInput): Promise<BacktestResult> {
  const grid = demandGrid(input.trace);
  const scenario = buildScenario({
    grid,
    billing: input.billing,
    policyText: input.policyText,
    policySource: input.policySource,
    ...(input.policyName === undefined ? {} : { policyName: input.policyName }),
  });
  const run = input.fullStack ? await (await import('./fullstack')).replayFullStack(scenario) : await replayFast(scenario);
  return scoreRun(scenario, run, { trace: input.trace.name, mode: input.fullStack ? 'full-stack' : 'fast', prices: input.prices ?? DEFAULT_PRICES });
}

/** Scores a replay next to the oracle and the baselines. Exported for tests that replay by hand. */
export function scoreRun(scenario: Scenario, run: ReplayRun, options: { trace: string; mode: BacktestSummary['mode']; prices?: PriceTable }): BacktestResult {
  const prices = options.prices ?? DEFAULT_PRICES;
  const { grid, billing, policy, instance } = scenario;
  const demand = grid.mbps;
  const step = grid.stepSeconds;
  // The oracle and the baselines live within the same limits as the policy: its bounds, cut to the
  // API range, and (subscription) the provider's downgrade quota. The policy's own reserve is a
  // choice of the policy, not a constraint of the provider, so the oracle does not keep one.
  const bounds = { minMbps: policy.bounds.minOut, maxMbps: Math.min(policy.bounds.maxOut, apiRange(instance).max) };
  const oracle = oraclePlan(demand, step, {
    billing,
    ...bounds,
    initialMbps: instance.initialMbps,
    ...(instance.instanceChargeType === 'PrePaid' && billing === 'prepaid-bandwidth' ? { downgradeQuota: instance.downgradeQuota } : {}),
    prices,
  }).planMbps;
  const staticPeak = staticPeakPlan(demand, bounds.maxMbps);
  const naive = naiveReactivePlan(demand, step, bounds);
  const score = (plan: number[]) => scorePlan(demand, plan, step, billing, prices);
  const outcomes = { policy: score(run.planMbps), oracle: score(oracle), staticPeak: score(staticPeak), naive: score(naive) };
  const days = (demand.length * step) / 86_400;
  const ratio = (cost: number) => (outcomes.oracle.cost > 0 ? cost / outcomes.oracle.cost : Number.NaN);
  const summary: BacktestSummary = {
    trace: options.trace,
    points: demand.length,
    stepSeconds: step,
    days,
    billing,
    policy: policy.name,
    mode: options.mode,
    currency: prices.currency,
    cost: outcomes.policy.cost,
    staticPeakCost: outcomes.staticPeak.cost,
    naiveCost: outcomes.naive.cost,
    oracleCost: outcomes.oracle.cost,
    costVsOracle: ratio(outcomes.policy.cost),
    staticPeakVsOracle: ratio(outcomes.staticPeak.cost),
    naiveVsOracle: ratio(outcomes.naive.cost),
    droppedFraction: outcomes.policy.droppedFraction,
    naiveDroppedFraction: outcomes.naive.droppedFraction,
    saturatedMinutes: outcomes.policy.saturatedMinutes,
    changes: outcomes.policy.changes,
    changesPerDay: outcomes.policy.changes / days,
    naiveChangesPerDay: outcomes.naive.changes / days,
    downgrades: outcomes.policy.downgrades,
    blocked: blockedReasons(run.decisions),
    errors: run.errors.length,
  };
  return { summary, scenario, run, plans: { policy: run.planMbps, oracle, staticPeak, naive }, outcomes };
}

/**
 * Counts of the reasons that held back a change the rules wanted: decisions that did not act although
 * their proposal differed from the current bandwidth (a cooldown, stabilisation, the minimum hold,
 * the flap check, the downgrade budget, the provider lock, ...). Holds with nothing to hold back
 * (WITHIN_TOLERANCE, WARMUP, NO_METRIC) are not counted: they wanted no change.
 */
export function blockedReasons(decisions: readonly DecisionLogEntry[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const d of decisions) {
    if (!isHeldBack({ ...d, current: d.from })) continue;
    counts[d.reason] = (counts[d.reason] ?? 0) + 1;
  }
  return counts;
}

/** One backtest as report.html data (src/report). */
export function reportData(result: BacktestResult, prices: PriceTable = DEFAULT_PRICES): ReportData {
  const { scenario, plans, summary } = result;
  const demand = scenario.grid.mbps;
  const cumulative = (plan: number[]) => {
    let total = 0;
    return plan.map((mbps, i) => {
      total += intervalCost(scenario.billing, mbps, Math.min(demand[i] as number, mbps), scenario.grid.stepSeconds, prices);
      return total;
    });
  };
  const decisions: ReportDecision[] = result.run.decisions.map((d) => ({
    at: d.at,
    action: d.action as ReportDecision['action'],
    from: d.from,
    to: d.to,
    proposed: d.proposed,
    reason: d.reason,
    // The decision's own message (the report's Message column), with the provider's code when an order failed.
    message: `${d.message ?? d.reason}${d.errorCode ? ` (${d.errorCode})` : ''}`,
    outcome: d.outcome,
  }));
  const instance: ReportInstance = {
    instanceId: scenario.instance.instanceId,
    label: `${summary.trace} replayed (${summary.mode})`,
    billing: scenario.billing,
    policy: scenario.policy.name,
    start: scenario.grid.start,
    stepSeconds: scenario.grid.stepSeconds,
    demandMbps: [...demand],
    servedMbps: plans.policy.map((mbps, i) => Math.min(demand[i] as number, mbps)),
    bandwidthMbps: [...plans.policy],
    oracleMbps: [...plans.oracle],
    cumulativeCost: cumulative(plans.policy),
    staticPeakCumulativeCost: cumulative(plans.staticPeak),
    summary: {
      cost: summary.cost,
      staticPeakCost: summary.staticPeakCost,
      oracleCost: summary.oracleCost,
      droppedFraction: summary.droppedFraction,
      saturatedMinutes: summary.saturatedMinutes,
      changes: summary.changes,
      downgrades: summary.downgrades,
      blocked: summary.blocked,
    },
    decisions,
  };
  return {
    title: `bwscaler backtest: ${summary.trace}`,
    subtitle: `policy ${summary.policy}, ${summary.billing}, ${summary.points} intervals of ${summary.stepSeconds} s (${summary.days.toFixed(1)} days)`,
    generatedAt: new Date().toISOString(),
    currency: prices.currency,
    notes: [
      `cost ${summary.costVsOracle.toFixed(3)}× the hindsight oracle; static peak ${summary.staticPeakVsOracle.toFixed(3)}×; naive reactive rule ${summary.naiveVsOracle.toFixed(3)}×`,
      'Prices are the documented Hangzhou examples (src/sim/cost.ts); pass your own for real figures.',
    ],
    instances: [instance],
  };
}
