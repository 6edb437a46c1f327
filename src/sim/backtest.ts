// A backtest: replay a trace through the policy (fast or full stack), then score the plan it produced
// next to the hindsight oracle and the two baselines, all on the same demand grid and price table.

import { isHeldBack } from '../core/reasons';
import type { ReportData, ReportDecision, ReportInstance } from '../report/types';
import { naiveReactivePlan, staticPeakPlan } from './baselines';
import {
  BILLING_MODES,
  type Billing,
  type BillingMode,
  cumulativePlanCost,
  DEFAULT_PRICES,
  feasiblePlan,
  modeRange,
  type PlanCalendar,
  type PlanOutcome,
  type PriceTable,
  replayBilling,
  scorePlan,
} from './cost';
import { oraclePlan } from './oracle';
import { type DecisionLogEntry, type ReplayRun, replayFast } from './replay';
import { buildScenario, type Scenario } from './scenario';
import { demandGrid, type Trace } from './trace';
import { isVpcBilling } from './vpc-billing';

export interface BacktestInput {
  trace: Trace;
  /** The billing the plan is priced under; the replay runs on replayBilling(billing) (src/sim/cost.ts). */
  billing: BillingMode;
  policyText: string;
  policySource: string;
  policyName?: string;
  /** Replay through the built functions, SDKs and emulators instead of in memory. */
  fullStack?: boolean;
  prices?: PriceTable;
  /** Fast mode: hand the served history to decide() (default true; see ReplayOptions). */
  feedHistory?: boolean;
}

/** The figures `backtest --json` prints (its last line). */
export interface BacktestSummary {
  trace: string;
  points: number;
  stepSeconds: number;
  days: number;
  billing: BillingMode;
  /** The ECS billing whose decision path produced the plan, when it differs from `billing` (an EIP or package billing). */
  replayedAs?: Billing;
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
  /**
   * The least score any plan can reach under the provider's rules; for cbwp-95 the all-demand
   * optimum's score instead (`oracleScoreExact` false), which a plan dropping traffic can beat.
   */
  oracleScore: number;
  oracleScoreExact: boolean;
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
    billing: replayBilling(input.billing),
    policyText: input.policyText,
    policySource: input.policySource,
    ...(input.policyName === undefined ? {} : { policyName: input.policyName }),
  });
  const run = input.fullStack
    ? await (await import('./fullstack')).replayFullStack(scenario)
    : await replayFast(scenario, { feedHistory: input.feedHistory ?? true });
  return scoreRun(scenario, run, {
    trace: input.trace.name,
    mode: input.fullStack ? 'full-stack' : 'fast',
    prices: input.prices ?? DEFAULT_PRICES,
    billing: input.billing,
  });
}

/** Billing days start at midnight in the policy's billing time zone (default +08:00, Beijing time). */
export function scenarioCalendar(scenario: Scenario): PlanCalendar {
  return { startMs: scenario.grid.start, utcOffsetMinutes: scenario.policy.billingUtcOffsetMinutes ?? 480 };
}

/**
 * Scores a replay next to the oracle and the baselines, priced under `options.billing` (default: the
 * replay's own billing). Exported for tests that replay by hand and for `--compare-billing`, which
 * prices one replay under several billings.
 */
export function scoreRun(
  scenario: Scenario,
  run: ReplayRun,
  options: { trace: string; mode: BacktestSummary['mode']; prices?: PriceTable; billing?: BillingMode },
): BacktestResult {
  const prices = options.prices ?? DEFAULT_PRICES;
  const { grid, policy, instance } = scenario;
  const billing = options.billing ?? scenario.billing;
  const demand = grid.mbps;
  const step = grid.stepSeconds;
  const calendar = scenarioCalendar(scenario);
  // The oracles are physical bounds: the API range and the provider's rules, not the policy's bounds
  // (src/sim/oracle.ts). The baselines are what an operator would configure: the policy's bounds.
  const apiMax = modeRange(billing).max;
  const bounds = { minMbps: policy.bounds.minOut, maxMbps: Math.min(policy.bounds.maxOut, apiMax) };
  const oracleOptions = { billing, maxMbps: apiMax, initialMbps: instance.initialMbps, prices, calendar };
  const oracle = oraclePlan(demand, step, oracleOptions).planMbps;
  const scoreSolution = oraclePlan(demand, step, { ...oracleOptions, dropPenaltyPerGb: prices.dropPenaltyPerGb });
  const scoreOracle = scoreSolution.planMbps;
  const staticPeak = staticPeakPlan(demand, bounds.maxMbps);
  const naive = naiveReactivePlan(demand, step, bounds);
  const score = (plan: number[]) => scorePlan(demand, plan, step, billing, prices, calendar);
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
    ...(billing === scenario.billing ? {} : { replayedAs: scenario.billing }),
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
    oracleScoreExact: scoreSolution.exact,
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
  summary.warnings = [...scenario.warnings, ...likelyMistakes(summary, demand, apiMax), ...replayLimits(summary, demand, modeRange(scenario.billing).max)];
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
 * What the ECS replay of an EIP or package billing cannot show: a peak the replayed instance's API
 * could not be set to, though the EIP's or package's could.
 */
export function replayLimits(summary: BacktestSummary, demandMbps: readonly number[], replayMaxMbps: number): string[] {
  if (summary.replayedAs === undefined) return [];
  let peak = 0;
  for (const mbps of demandMbps) peak = Math.max(peak, mbps);
  if (peak <= replayMaxMbps) return [];
  return [
    `peak demand ${peak.toFixed(1)} Mbps is above the ${replayMaxMbps} Mbps the replay's ${summary.replayedAs} instance can be set to: the policy's plan is capped there, while ${summary.billing} allows up to ${modeRange(summary.billing).max} Mbps; read the policy row as a lower bound on what it would serve`,
  ];
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
export function reportData(result: BacktestResult, prices: PriceTable = DEFAULT_PRICES, options: { pricesNote?: string } = {}): ReportData {
  const { scenario, plans, summary } = result;
  const demand = scenario.grid.mbps;
  const cumulative = (plan: number[]) => cumulativePlanCost(summary.billing, demand, plan, scenario.grid.stepSeconds, prices, scenarioCalendar(scenario));
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
    billing: summary.billing,
    policy: scenario.policy.name,
    start: scenario.grid.start,
    stepSeconds: scenario.grid.stepSeconds,
    demandMbps: [...demand],
    // As the provider holds it: an EIP or package level outside its range at the nearest it accepts.
    servedMbps: feasiblePlan(summary.billing, plans.policy).map((mbps, i) => Math.min(demand[i] as number, mbps)),
    bandwidthMbps: [...feasiblePlan(summary.billing, plans.policy)],
    oracleMbps: [...plans.oracle],
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

/** One billing's row in `backtest --compare-billing`. */
export interface BillingComparisonRow {
  billing: BillingMode;
  /** The ECS billing whose replay produced the policy's plan. */
  replayedAs: Billing;
  /** Set instead of the figures when the billing could not be priced or replayed (the reason). */
  skipped?: string;
  policy?: string;
  staticPeak?: { cost: number; score: number; droppedFraction: number };
  autoscaled?: { cost: number; score: number; droppedFraction: number; changesPerDay: number };
  oracle?: { cost: number };
  oracleScore?: number;
  oracleScoreExact?: boolean;
  warnings?: string[];
}

export interface BillingComparison {
  trace: string;
  points: number;
  stepSeconds: number;
  days: number;
  currency: string;
  dropPenaltyPerGb: number;
  rows: BillingComparisonRow[];
  /** The billing with the least score, static and autoscaled (undefined when no row was priced). */
  cheapestStatic?: BillingMode;
  cheapestAutoscaled?: BillingMode;
}

/**
 * Which billing fits a trace: the same demand priced under every billing, with static peak
 * provisioning and with the policy's plan. Billings that share a replay (replayBilling) share one
 * replay, so this costs three replays, not seven. A billing whose prices are missing, or whose
 * replay finds no policy, is that row's problem only: it is reported as skipped, with the reason.
 */
export async function compareBillings(input: Omit<BacktestInput, 'billing'> & { billings?: readonly BillingMode[] }): Promise<BillingComparison> {
  const prices = input.prices ?? DEFAULT_PRICES;
  const grid = demandGrid(input.trace);
  const modes = input.billings ?? BILLING_MODES;
  const replays = new Map<Billing, Promise<{ scenario: Scenario; run: ReplayRun }>>();
  const replayFor = (billing: Billing) => {
    let replay = replays.get(billing);
    if (!replay) {
      replay = (async () => {
        const scenario = buildScenario({
          grid,
          billing,
          policyText: input.policyText,
          policySource: input.policySource,
          ...(input.policyName === undefined ? {} : { policyName: input.policyName }),
        });
        const run = input.fullStack
          ? await (await import('./fullstack')).replayFullStack(scenario)
          : await replayFast(scenario, { feedHistory: input.feedHistory ?? true });
        return { scenario, run };
      })();
      replays.set(billing, replay);
    }
    return replay;
  };
  const rows: BillingComparisonRow[] = [];
  for (const billing of modes) {
    const replayedAs = replayBilling(billing);
    const missing = isVpcBilling(billing) ? (billing.startsWith('eip') ? 'eip' : 'cbwp') : undefined;
    if (missing && !prices[missing as 'eip' | 'cbwp']) {
      rows.push({ billing, replayedAs, skipped: `the price table has no "${missing}" section` });
      continue;
    }
    try {
      const { scenario, run } = await replayFor(replayedAs);
      const result = scoreRun(scenario, run, { trace: input.trace.name, mode: input.fullStack ? 'full-stack' : 'fast', prices, billing });
      const { outcomes, summary } = result;
      rows.push({
        billing,
        replayedAs,
        policy: summary.policy,
        staticPeak: { cost: outcomes.staticPeak.cost, score: outcomes.staticPeak.score, droppedFraction: outcomes.staticPeak.droppedFraction },
        autoscaled: {
          cost: outcomes.policy.cost,
          score: outcomes.policy.score,
          droppedFraction: outcomes.policy.droppedFraction,
          changesPerDay: summary.changesPerDay,
        },
        oracle: { cost: outcomes.oracle.cost },
        oracleScore: summary.oracleScore,
        oracleScoreExact: summary.oracleScoreExact,
        warnings: summary.warnings,
      });
    } catch (error) {
      rows.push({ billing, replayedAs, skipped: (error as Error).message });
    }
  }
  const cheapest = (pick: (row: BillingComparisonRow) => number | undefined) => {
    let best: BillingComparisonRow | undefined;
    for (const row of rows) {
      const value = pick(row);
      if (value === undefined || !Number.isFinite(value)) continue;
      if (!best || value < (pick(best) as number)) best = row;
    }
    return best?.billing;
  };
  const cheapestStatic = cheapest((row) => row.staticPeak?.score);
  const cheapestAutoscaled = cheapest((row) => row.autoscaled?.score);
  return {
    trace: input.trace.name,
    points: grid.mbps.length,
    stepSeconds: grid.stepSeconds,
    days: (grid.mbps.length * grid.stepSeconds) / 86_400,
    currency: prices.currency,
    dropPenaltyPerGb: prices.dropPenaltyPerGb,
    rows,
    ...(cheapestStatic === undefined ? {} : { cheapestStatic }),
    ...(cheapestAutoscaled === undefined ? {} : { cheapestAutoscaled }),
  };
}
