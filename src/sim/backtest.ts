// A backtest: replay a trace through the policy (fast or full stack), then score the plan it produced
// next to the hindsight oracle and the two baselines, all on the same demand grid and price table.

import { downgradeBudgetApplies } from '../core/provider';
import { isHeldBack } from '../core/reasons';
import { ValidationError } from '../errors';
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
import { type AlarmNotice, type AlarmPathOptions, type DecisionLogEntry, type ReplayRun, replayFast } from './replay';
import { buildScenario, type Scenario } from './scenario';
import { demandGrid, type Trace } from './trace';
import { isVpcBilling } from './vpc-billing';

export interface BacktestInput {
  trace: Trace;
  /**
   * The billing the plan is priced under. An ECS billing replays on an ECS instance of that billing; an
   * EIP or package billing on a pay-as-you-go EIP or package with its own range and rules.
   */
  billing: BillingMode;
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
  /** Fast mode: run the alarm path next to the tick (see ReplayOptions.alarms). */
  alarms?: AlarmPathOptions;
}

/** The figures `backtest --json` prints (its last line). */
export interface BacktestSummary {
  trace: string;
  points: number;
  stepSeconds: number;
  days: number;
  billing: BillingMode;
  /**
   * The ECS billing whose decision path produced the plan, when it differs from `billing`: only when a
   * replay is priced under a billing other than its own (scoreRun's `billing` option). An EIP or
   * package billing replays on that resource itself.
   */
  replayedAs?: Billing;
  /** The EIP or package an EIP or package billing was replayed on (absent: an ECS instance). */
  replayedOn?: { kind: 'eip' | 'cbwp'; id: string };
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
  /**
   * A subscription pay-by-bandwidth replay of a policy with saturation.temporaryUpgrade: its temporary
   * upgrades, next to the same replay with every such upgrade permanent (paid back with downgrades).
   */
  temporaryUpgrades?: TemporaryUpgradeFigures;
  /** A replay with the alarm path: what its notices did. */
  alarms?: AlarmFigures;
}

/** The alarm path's share of a replay (BacktestInput.alarms). */
export interface AlarmFigures {
  /** Notices the alarm function handled, ALERT and OK alike. */
  notices: number;
  alerts: number;
  /** Alarm runs that raised the bandwidth. */
  raised: number;
  /** ALERT notices that changed nothing (the provider lock, a cooldown, a step already taken, ...), by reason. */
  heldAlerts: Record<string, number>;
}

export function alarmFigures(notices: readonly AlarmNotice[]): AlarmFigures {
  const heldAlerts: Record<string, number> = {};
  let raised = 0;
  for (const n of notices) {
    const rose = n.to !== undefined && n.from !== undefined && n.to > n.from && PLACED.has(n.outcome);
    if (rose) raised++;
    else if (n.alertState === 'ALERT') heldAlerts[n.reason ?? n.outcome] = (heldAlerts[n.reason ?? n.outcome] ?? 0) + 1;
  }
  return { notices: notices.length, alerts: notices.filter((n) => n.alertState === 'ALERT').length, raised, heldAlerts };
}

/**
 * What the temporary upgrades of a replay did, measured against the same trace replayed with the
 * policy's saturation.temporaryUpgrade set to `never` (every saturation upgrade permanent, paid back
 * later with a downgrade while the budget lasts). `downgrades` in the summary counts every fall of the
 * plan, reverts included; these count only downgrades that spend the subscription quota.
 */
export interface TemporaryUpgradeFigures {
  /** Temporary upgrades the replay placed. */
  count: number;
  /** Permanent upgrades that answered saturation (the budget was ample, or the subscription ends first). */
  permanentUpgrades: number;
  /** Downgrades that spent the quota, in this replay and in the permanent one. */
  quotaDowngrades: number;
  permanentQuotaDowngrades: number;
  /** Decisions held by DOWNGRADE_BUDGET (a bandwidth stuck high for want of a downgrade), in both. */
  budgetHolds: number;
  permanentBudgetHolds: number;
  /** The permanent replay's cost, and what the temporary upgrades saved against it (negative: they cost more). */
  permanentCost: number;
  saved: number;
  /** Dropped GB in both: while a temporary upgrade runs no other change is possible, so it may drop more. */
  droppedGb: number;
  permanentDroppedGb: number;
}

export interface BacktestResult {
  summary: BacktestSummary;
  scenario: Scenario;
  run: ReplayRun;
  plans: { policy: number[]; oracle: number[]; scoreOracle: number[]; staticPeak: number[]; naive: number[] };
  outcomes: { policy: PlanOutcome; oracle: PlanOutcome; scoreOracle: PlanOutcome; staticPeak: PlanOutcome; naive: PlanOutcome };
}

export async function runBacktest(input: BacktestInput): Promise<BacktestResult> {
  if (input.fullStack && input.alarms) throw new ValidationError('the alarm path is replayed in fast mode only: drop fullStack or alarms');
  const grid = demandGrid(input.trace);
  const scenario = buildScenario({
    grid,
    billing: input.billing,
    policyText: input.policyText,
    policySource: input.policySource,
    ...(input.policyName === undefined ? {} : { policyName: input.policyName }),
  });
  const replay = async (replayed: Scenario) =>
    input.fullStack
      ? await (await import('./fullstack')).replayFullStack(replayed)
      : await replayFast(replayed, {
          feedHistory: input.feedHistory ?? true,
          ...(input.tickEverySteps === undefined ? {} : { tickEverySteps: input.tickEverySteps }),
          ...(input.alarms === undefined ? {} : { alarms: input.alarms }),
        });
  const run = await replay(scenario);
  const options = {
    trace: input.trace.name,
    mode: input.fullStack ? ('full-stack' as const) : ('fast' as const),
    prices: input.prices ?? DEFAULT_PRICES,
    billing: input.billing,
  };
  const result = scoreRun(scenario, run, options);
  if (run.alarms) result.summary.alarms = alarmFigures(run.alarms);
  const permanent = permanentScenario(scenario);
  if (permanent) {
    const baseline = scoreRun(permanent, await replay(permanent), options);
    result.summary.temporaryUpgrades = temporaryUpgradeFigures(result, baseline);
  }
  return result;
}

/**
 * The scenario with the policy's saturation upgrades all permanent, or undefined when the policy has
 * no temporary upgrades to compare (no block, mode never, or an instance whose downgrades are free).
 */
export function permanentScenario(scenario: Scenario): Scenario | undefined {
  const temporary = scenario.policy.saturation.temporaryUpgrade;
  if (!temporary || temporary.mode === 'never' || !downgradeBudgetApplies(scenario.instance)) return undefined;
  const policy = { ...scenario.policy, saturation: { ...scenario.policy.saturation, temporaryUpgrade: { ...temporary, mode: 'never' as const } } };
  return { ...scenario, policy, doc: { ...scenario.doc, policies: scenario.doc.policies.map((p) => (p === scenario.policy ? policy : p)) } };
}

const PLACED = new Set(['applied', 'placed', 'reconciled']);

export function temporaryUpgradeFigures(result: BacktestResult, permanent: BacktestResult): TemporaryUpgradeFigures {
  const placed = (r: BacktestResult) => r.run.decisions.filter((d) => PLACED.has(d.outcome));
  // A revert is the provider's, never a decision: every decided downgrade of a subscription
  // pay-by-bandwidth instance spends the quota (src/cycle/apply.ts countsAgainstQuota).
  const quotaDowngrades = (r: BacktestResult) => placed(r).filter((d) => d.action === 'set' && d.to < d.from).length;
  const budgetHolds = (r: BacktestResult) => r.run.decisions.filter((d) => d.reason === 'DOWNGRADE_BUDGET').length;
  const mine = placed(result);
  return {
    count: mine.filter((d) => d.action === 'temporaryUpgrade').length,
    permanentUpgrades: mine.filter((d) => d.action === 'set' && d.upgradeChoice?.startsWith('PERMANENT_')).length,
    quotaDowngrades: quotaDowngrades(result),
    permanentQuotaDowngrades: quotaDowngrades(permanent),
    budgetHolds: budgetHolds(result),
    permanentBudgetHolds: budgetHolds(permanent),
    permanentCost: permanent.summary.cost,
    saved: permanent.summary.cost - result.summary.cost,
    droppedGb: result.summary.droppedGb,
    permanentDroppedGb: permanent.summary.droppedGb,
  };
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
    ...(billing === (scenario.instance.resource?.billing ?? scenario.billing) ? {} : { replayedAs: scenario.billing }),
    ...(scenario.instance.resource ? { replayedOn: { kind: scenario.instance.resource.kind, id: instance.instanceId } } : {}),
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
      ...(summary.temporaryUpgrades ? [temporaryUpgradeNote(summary.temporaryUpgrades, summary.currency)] : []),
      options.pricesNote ?? 'Prices are the documented Hangzhou examples (src/sim/cost.ts), not your bill: pass --prices FILE for your own.',
    ],
    instances: [instance],
  };
}

/** One sentence on the temporary upgrades, for the report and the CLI. */
export function temporaryUpgradeNote(t: TemporaryUpgradeFigures, currency: string): string {
  const saved = t.saved >= 0 ? `saved ${t.saved.toFixed(2)} ${currency}` : `cost ${(-t.saved).toFixed(2)} ${currency} more`;
  return (
    `${t.count} temporary upgrade${t.count === 1 ? '' : 's'} (${t.permanentUpgrades} permanent) ${saved} against permanent upgrades paid back with downgrades ` +
    `(${t.permanentCost.toFixed(2)} ${currency}); quota downgrades ${t.quotaDowngrades} vs ${t.permanentQuotaDowngrades}, ` +
    `held by the downgrade budget ${t.budgetHolds} vs ${t.permanentBudgetHolds} ticks, dropped ${t.droppedGb.toFixed(2)} vs ${t.permanentDroppedGb.toFixed(2)} GB`
  );
}

/** One billing's row in `backtest --compare-billing`. */
export interface BillingComparisonRow {
  billing: BillingMode;
  /** The billing of the resource whose replay produced the policy's plan (an EIP or package billing is its own). */
  replayedAs: BillingMode;
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
 * provisioning and with the policy's plan. Each billing is replayed on its own kind of resource (an
 * ECS instance, an EIP, a package), so this costs seven replays. A billing whose prices are missing, or whose
 * replay finds no policy, is that row's problem only: it is reported as skipped, with the reason.
 */
export async function compareBillings(input: Omit<BacktestInput, 'billing'> & { billings?: readonly BillingMode[] }): Promise<BillingComparison> {
  const prices = input.prices ?? DEFAULT_PRICES;
  const grid = demandGrid(input.trace);
  const modes = input.billings ?? BILLING_MODES;
  const replays = new Map<BillingMode, Promise<{ scenario: Scenario; run: ReplayRun }>>();
  const replayFor = (billing: BillingMode) => {
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
    const replayedAs: BillingMode = isVpcBilling(billing) ? billing : replayBilling(billing);
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
