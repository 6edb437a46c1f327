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
  /** Fast mode: hand the served history to decide() (default true; see ReplayOptions). */
  feedHistory?: boolean;
  /** Fast mode: tick once every this many trace steps (default 1; see ReplayOptions). */
  tickEverySteps?: number;
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
  /** The all-demand optimum (src/sim/oracle.ts): a lower bound on the cost of a plan that drops nothing. */
  oracleCost: number;
  costVsOracle: number;
  /** Penalty per dropped GB in `score` (prices.dropPenaltyPerGb). */
  dropPenaltyPerGb: number;
  /** cost + dropPenaltyPerGb × dropped GB. */
  score: number;
  /** The least score any plan can reach under the provider's rules. */
  oracleScore: number;
  /** score / oracleScore: >= 1 for every plan. */
  scoreVsOracle: number;
  staticPeakScoreVsOracle: number;
  naiveScoreVsOracle: number;
  droppedGb: number;
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
  /** Likely mistakes in the input, each a sentence (a wrong --unit or --peak-mbps, ...). */
  warnings: string[];
}

export interface BacktestResult {
  summary: BacktestSummary;
  scenario: Scenario;
  run: ReplayRun;
  plans: { policy: number[]; oracle: number[]; scoreOracle: number[]; staticPeak: number[]; naive: number[] };
  outcomes: { policy: PlanOutcome; oracle: PlanOutcome; scoreOracle: PlanOutcome; staticPeak: PlanOutcome; naive: PlanOutcome };
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
  const run = input.fullStack
    ? await (await import('./fullstack')).replayFullStack(scenario)
    : await replayFast(scenario, {
        feedHistory: input.feedHistory ?? true,
        ...(input.tickEverySteps === undefined ? {} : { tickEverySteps: input.tickEverySteps }),
      });
  return scoreRun(scenario, run, { trace: input.trace.name, mode: input.fullStack ? 'full-stack' : 'fast', prices: input.prices ?? DEFAULT_PRICES });
}

/** Scores a replay next to the oracle and the baselines. Exported for tests that replay by hand. */
export function scoreRun(scenario: Scenario, run: ReplayRun, options: { trace: string; mode: BacktestSummary['mode']; prices?: PriceTable }): BacktestResult {
  const prices = options.prices ?? DEFAULT_PRICES;
  const { grid, billing, policy, instance } = scenario;
  const demand = grid.mbps;
  const step = grid.stepSeconds;
  // The oracles are physical bounds: the API range and the provider's rules, not the policy's bounds
  // (src/sim/oracle.ts). The baselines are what an operator would configure: the policy's bounds.
  const apiMax = apiRange(instance).max;
  const bounds = { minMbps: policy.bounds.minOut, maxMbps: Math.min(policy.bounds.maxOut, apiMax) };
  const oracleOptions = { billing, maxMbps: apiMax, initialMbps: instance.initialMbps, prices };
  const oracle = oraclePlan(demand, step, oracleOptions).planMbps;
  const scoreOracle = oraclePlan(demand, step, { ...oracleOptions, dropPenaltyPerGb: prices.dropPenaltyPerGb }).planMbps;
  const staticPeak = staticPeakPlan(demand, bounds.maxMbps);
  const naive = naiveReactivePlan(demand, step, bounds);
  const score = (plan: number[]) => scorePlan(demand, plan, step, billing, prices);
  const outcomes = { policy: score(run.planMbps), oracle: score(oracle), scoreOracle: score(scoreOracle), staticPeak: score(staticPeak), naive: score(naive) };
  const days = (demand.length * step) / 86_400;
  const ratio = (cost: number) => (outcomes.oracle.cost > 0 ? cost / outcomes.oracle.cost : Number.NaN);
  const scoreRatio = (value: number) => (outcomes.scoreOracle.score > 0 ? value / outcomes.scoreOracle.score : Number.NaN);
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
    dropPenaltyPerGb: prices.dropPenaltyPerGb,
    score: outcomes.policy.score,
    oracleScore: outcomes.scoreOracle.score,
    scoreVsOracle: scoreRatio(outcomes.policy.score),
    staticPeakScoreVsOracle: scoreRatio(outcomes.staticPeak.score),
    naiveScoreVsOracle: scoreRatio(outcomes.naive.score),
    droppedGb: outcomes.policy.droppedGb,
    droppedFraction: outcomes.policy.droppedFraction,
    naiveDroppedFraction: outcomes.naive.droppedFraction,
    saturatedMinutes: outcomes.policy.saturatedMinutes,
    changes: outcomes.policy.changes,
    changesPerDay: outcomes.policy.changes / days,
    naiveChangesPerDay: outcomes.naive.changes / days,
    downgrades: outcomes.policy.downgrades,
    blocked: blockedReasons(run.decisions),
    errors: run.errors.length,
    warnings: [],
  };
  summary.warnings = [...scenario.warnings, ...likelyMistakes(summary, demand, apiMax)];
  return { summary, scenario, run, plans: { policy: run.planMbps, oracle, scoreOracle, staticPeak, naive }, outcomes };
}

/** Shares above which a run most likely measures a wrong input, not the policy. */
const MOST = 0.5;

/**
 * Figures that are more likely a mistake than a result: most demand dropped or most of the time
 * saturated (a wrong --unit or --peak-mbps), a peak the API cannot serve, a figure that overflowed.
 */
export function likelyMistakes(summary: BacktestSummary, demandMbps: readonly number[], apiMaxMbps: number): string[] {
  const warnings: string[] = [];
  const minutes = (summary.points * summary.stepSeconds) / 60;
  if (summary.droppedFraction > MOST) {
    warnings.push(`${(summary.droppedFraction * 100).toFixed(1)} % of the demand was dropped: check --unit and --peak-mbps before reading these figures`);
  }
  if (minutes > 0 && summary.saturatedMinutes / minutes > MOST) {
    warnings.push(
      `the bandwidth was saturated ${((summary.saturatedMinutes / minutes) * 100).toFixed(0)} % of the time: check --unit and --peak-mbps, and the policy's maxOut`,
    );
  }
  let peak = 0;
  for (const mbps of demandMbps) peak = Math.max(peak, mbps);
  if (peak > apiMaxMbps) {
    warnings.push(
      `peak demand ${peak.toFixed(1)} Mbps is above the ${apiMaxMbps} Mbps the API allows for ${summary.billing}: no plan can serve it; rescale with --peak-mbps if that is not the point`,
    );
  }
  const figures: Array<[string, number]> = [
    ['cost', summary.cost],
    ['oracleCost', summary.oracleCost],
    ['score', summary.score],
    ['oracleScore', summary.oracleScore],
  ];
  const overflowed = figures.filter(([, value]) => !Number.isFinite(value)).map(([name]) => name);
  if (overflowed.length > 0)
    warnings.push(`${overflowed.join(', ')} overflowed (not a finite number): the trace's values are far outside what a bandwidth bill can mean`);
  return warnings;
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

/**
 * The forecast per grid step: the forecast of the latest decision that logged one, at or before the
 * step (steps before the first forecast take the first: the chart then has no gap). Absent when no
 * decision logged a forecast (not a predictive policy, or it never had history).
 */
export function forecastSeries(
  decisions: ReadonlyArray<{ at: number; forecast?: number }>,
  start: number,
  stepSeconds: number,
  length: number,
): { forecastMbps?: number[] } {
  const logged = decisions.filter((d) => d.forecast !== undefined);
  const first = logged[0];
  if (first === undefined) return {};
  const values: number[] = [];
  let next = 0;
  let current = first.forecast as number;
  for (let i = 0; i < length; i++) {
    const at = start + i * stepSeconds * 1000;
    while (next < logged.length && (logged[next] as { at: number }).at <= at) current = (logged[next++] as { forecast?: number }).forecast as number;
    values.push(current);
  }
  return { forecastMbps: values };
}

/** One backtest as report.html data (src/report). */
export function reportData(result: BacktestResult, prices: PriceTable = DEFAULT_PRICES, options: { pricesNote?: string } = {}): ReportData {
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
    ...forecastSeries(result.run.decisions, scenario.grid.start, scenario.grid.stepSeconds, demand.length),
    cumulativeCost: cumulative(plans.policy),
    staticPeakCumulativeCost: cumulative(plans.staticPeak),
    summary: {
      cost: summary.cost,
      staticPeakCost: summary.staticPeakCost,
      oracleCost: summary.oracleCost,
      score: summary.score,
      oracleScore: summary.oracleScore,
      dropPenaltyPerGb: summary.dropPenaltyPerGb,
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
      `cost ${summary.costVsOracle.toFixed(3)}× the hindsight optimum (serving all demand); static peak ${summary.staticPeakVsOracle.toFixed(3)}×; naive reactive rule ${summary.naiveVsOracle.toFixed(3)}×`,
      `score (cost + ${summary.dropPenaltyPerGb} ${summary.currency} per dropped GB) ${summary.scoreVsOracle.toFixed(3)}× the least possible score; static peak ${summary.staticPeakScoreVsOracle.toFixed(3)}×; naive reactive rule ${summary.naiveScoreVsOracle.toFixed(3)}×`,
      options.pricesNote ?? 'Prices are the documented Hangzhou examples (src/sim/cost.ts), not your bill: pass --prices FILE for your own.',
    ],
    instances: [instance],
  };
}
