// The decision: one pure function of the policy, the instance's facts, its persisted state, the signal
// and `now`. It runs unchanged in the live handler, the backtest and the simulator.

import { downgradesLeft } from './budget';
import { formatMbps, formatSeconds } from './format';
import {
  applyCooldown,
  applyDowngradeBudget,
  applySpendGuard,
  capAtScheduleCeiling,
  clampToBounds,
  clampToProviderRange,
  type DecideContext,
  type Guard,
  type HardStop,
  holdBeforeDowngrade,
  holdBlockedUpgrade,
  holdDuringTemporaryUpgrade,
  limitStep,
  type Proposal,
  pickWindow,
  preventFlap,
  protectZero,
  raiseToScheduleFloor,
  requireStoppedForClassic,
  respectProviderLock,
  respectRefusal,
  stabilizeScaleDown,
  stopWhenBlocked,
  stopWhenChangesRefused,
  stopWhenEipBound,
  stopWhenExpired,
  stopWhenLocked,
  stopWhenPaused,
  stopWhenPending,
  stopWhenStatusUnsupported,
} from './guards';
import { bpsToMbps, DEFAULT_MAX_SAMPLE_AGE_SECONDS, type MetricRecommendation, recommendFromMetric, trimRecommendations } from './metric';
import { predictiveRecommendation } from './predictive';
import { apiRange, inboundRange, isDowngrade, needsPublicIpAllocation, rulesOf } from './provider';
import { backingOff } from './refusal';
import { chooseSaturationUpgrade, type TemporaryUpgradeTimes, temporaryUpgradeTimes, temporaryUpgradeWindow } from './temporary-upgrade';
import type { DecideInput, Decision, GuardHit, MetricSample, Policy, ReasonCode, Recommendation, UpgradeChoice } from './types';

/** Nothing may change: the first that applies ends the decision. */
const HARD_STOPS: ReadonlyArray<readonly [string, HardStop]> = [
  ['paused', stopWhenPaused],
  ['blocked', stopWhenBlocked],
  ['pendingChange', stopWhenPending],
  ['status', stopWhenStatusUnsupported],
  ['providerRules', stopWhenChangesRefused],
  ['operationLocks', stopWhenLocked],
  ['expiry', stopWhenExpired],
  ['eipBound', stopWhenEipBound],
];

/** Applied in this order to the proposal; each may narrow it and records a GuardHit when it does. */
const GUARDS: ReadonlyArray<readonly [string, Guard]> = [
  ['stabilization', stabilizeScaleDown],
  ['maxStep', limitStep],
  ['minHold', holdBeforeDowngrade],
  ['projectedFlap', preventFlap],
  ['cooldown', applyCooldown],
  ['scheduleCeiling', capAtScheduleCeiling],
  ['scheduleFloor', raiseToScheduleFloor],
  ['spendGuard', applySpendGuard],
  ['bounds', clampToBounds],
  ['providerRange', clampToProviderRange],
  ['zeroProtection', protectZero],
  ['temporaryUpgrade', holdDuringTemporaryUpgrade],
  ['downgradeBudget', applyDowngradeBudget],
  ['blockedUpgrade', holdBlockedUpgrade],
  ['refusal', respectRefusal],
  ['classicStopped', requireStoppedForClassic],
  ['providerLock', respectProviderLock],
];

/**
 * Decides what to do with one instance's outbound bandwidth. The order, once:
 *
 * 1. Hard stops (the first ends the decision, target = current): PAUSED; a blocked condition that needs
 *    a human (UNPAID_ORDER, ACCOUNT_ARREARS, SECURITY_LOCK, INSTANCE_EXPIRED, NEEDS_HUMAN); PENDING_CHANGE
 *    (the cycle reconciles first); STATUS_UNSUPPORTED (not in a status its rules accept); PROVIDER_REFUSED
 *    when its rules say the API refuses every change (a subscription EIP or package); OperationLocks (security →
 *    SECURITY_LOCK, financial → INSTANCE_EXPIRED or ACCOUNT_ARREARS); an expired subscription; EIP_BOUND
 *    (MANAGED_THROUGH_EIP when a policy manages that EIP). Provider rules come from the facts (rulesOf).
 * 2. Proposal, first that applies: an active manual OVERRIDE; a schedule window's exact value
 *    (SCHEDULE_EXACT, the highest when windows overlap); the metric rules (see `recommendFromMetric`:
 *    saturation step-up, step bands, target tracking with tolerance). The metric proposal holds with
 *    NO_METRIC when there is no usable sample (never downgrade on missing data) and with WARMUP within
 *    warmupSeconds of the last change or when the sample predates it (it measured the old bandwidth), and
 *    with STALE_METRIC when the sample is further than maxSampleAgeSeconds from `now`. A policy with a
 *    `predictive` block replaces the metric rules by its band and forecast when the served history is
 *    given (DecideInput.history, else state.history; src/core/predictive.ts), and says when it is not.
 *    An upgrade answering saturation that the policy's saturation.temporaryUpgrade makes temporary is
 *    proposed at its minimum at least (saturationUpgradeFor), so every guard below may still narrow it.
 * 3. Shaping of metric-driven proposals: scale-down STABILIZATION (highest recommendation in the
 *    window), MAX_STEP, MIN_HOLD before a downgrade, PROJECTED_FLAP, COOLDOWN per direction.
 *    Schedules and overrides bypass this stage, as ESS and AAS let scheduled and manual actions do.
 * 4. Limits: SCHEDULE_CEILING then SCHEDULE_FLOOR (metric-driven only; the floor wins a conflict),
 *    SPEND_GUARD (pay-by-traffic; not for an override), policy BOUNDS (every driver), the API's
 *    PROVIDER_RANGE per charge type, ZERO_PROTECTED (a VPC instance keeps ≥ 1 Mbps unless allowZero).
 * 5. Provider rules on the change: TEMPORARY_UPGRADE_ACTIVE (no downgrade while one runs; it reverts
 *    by itself), DOWNGRADE_BUDGET (subscription pay-by-bandwidth; the reserve is an override's only),
 *    an upgrade-only block (REGIONAL_BANDWIDTH_QUOTA), a remembered refusal and its back-off
 *    (BANDWIDTH_CAP tries the largest target the refusal allows; DOWNGRADE_REFUSED,
 *    BILLING_CYCLE_LOCKED, STATUS_UNSUPPORTED, PROVIDER_REFUSED hold; see refusal.ts),
 *    CLASSIC_NOT_STOPPED (classic 0→N only while Stopped), PROVIDER_LOCK (5 min after any change,
 *    every driver). These come last so the lock is reported only when something would have changed.
 * 6. The action: `set`, or `temporaryUpgrade` for a subscription pay-by-bandwidth upgrade while a
 *    window with temporaryUpgrade is active (not for an override), or answering saturation outside
 *    every window when the policy's saturation.temporaryUpgrade chooses it from the downgrade budget
 *    (Decision.upgradeChoice says which and why); allocatePublicIp for a pay-as-you-go instance
 *    leaving 0 Mbps without an IP.
 * 7. Observe mode: action none, reason OBSERVE_ONLY, `target` still says what would have been set.
 */
export function decide(input: DecideInput): Decision {
  const { now, policy, instance, state, activeWindows } = input;
  const current = instance.bandwidthOut;
  const kept = trimRecommendations(state.recommendations, now, policy.behavior.scaleDownStabilizationSeconds);
  const base: DecideContext = {
    now,
    policy,
    instance,
    state,
    windows: activeWindows,
    current,
    recommendations: kept,
    signal: input.signal,
  };

  for (const [guard, stop] of HARD_STOPS) {
    const verdict = stop(base);
    if (verdict) {
      const hit: GuardHit = { guard, ...verdict, from: current, to: current };
      return { ...settled(base, current, [hit], kept), reason: verdict.reason, message: verdict.message };
    }
  }

  const reading = readMetric(input);
  const recommendations = reading.recorded ? [...kept, reading.recorded] : kept;
  const ctx: DecideContext = { ...base, sample: reading.sample, recommendations };
  // A temporary upgrade answering saturation is chosen before the guards, so that its minimum is a
  // proposal like any other: every guard (bounds, max step, a remembered refusal, ...) may narrow it.
  const asked = propose(ctx, reading.recommendation);
  const saturation = saturationUpgradeFor(ctx, asked);
  const proposed = saturation?.proposal ?? asked;

  let proposal = proposed;
  const hits: GuardHit[] = [];
  for (const [guard, narrow] of GUARDS) {
    const narrowing = narrow(ctx, proposal);
    // Every guard answers undefined rather than a narrowing to the proposal's own target
    // (test/core/guards.verdicts.test.ts), so the `to === target` test is an equivalent mutant today.
    if (!narrowing || narrowing.to === proposal.target) continue;
    hits.push({ guard, reason: narrowing.reason, message: narrowing.message, from: proposal.target, to: narrowing.to });
    proposal = { ...proposal, target: narrowing.to, reason: narrowing.reason, message: narrowing.message };
  }

  const decision = conclude(ctx, proposed.target, proposal, hits, saturation?.answer);
  // Logged whatever the guards or a schedule made of it: forecast-only mode exists to show it.
  const prediction = reading.recommendation.prediction;
  return prediction ? { ...decision, prediction } : decision;
}

interface MetricReading {
  recommendation: MetricRecommendation;
  sample?: MetricSample;
  /** What the rules asked for, kept for the stabilisation window; absent on NO_METRIC and WARMUP. */
  recorded?: Recommendation;
}

function readMetric({ now, policy, instance, state, signal, history }: DecideInput): MetricReading {
  const current = instance.bandwidthOut;
  const hold = (reason: ReasonCode, message: string): MetricReading => ({
    recommendation: { mbps: current, reason, message },
  });
  // Only an alarm has an alertState: the kind test narrows the type (its `true` mutant is equivalent).
  if (signal.kind === 'alarm' && signal.alertState === 'INSUFFICIENT_DATA') {
    return hold('NO_METRIC', `alarm on ${signal.metricName} reports INSUFFICIENT_DATA: holding, never downgrading blind`);
  }
  const sample = signal.sample;
  if (!sample) return hold('NO_METRIC', 'no traffic sample: holding, never downgrading blind');
  if (!Number.isFinite(sample.outBps) || sample.outBps < 0) {
    return hold('NO_METRIC', `traffic sample ${sample.outBps} bit/s is not a rate: holding`);
  }
  // Both directions: a sample "from the future" is as untrustworthy as an old one (a skewed clock).
  const maxAge = policy.behavior.maxSampleAgeSeconds ?? DEFAULT_MAX_SAMPLE_AGE_SECONDS;
  const age = (now - sample.at) / 1000;
  if (!(Math.abs(age) <= maxAge)) {
    // An age of 0 is never stale, so `>` and `>=` agree here (equivalent mutant).
    const when = age >= 0 ? `${formatSeconds(age)} old` : `${formatSeconds(-age)} in the future`;
    return hold('STALE_METRIC', `the sample at ${new Date(sample.at).toISOString()} is ${when}; samples older than ${formatSeconds(maxAge)} are not acted on`);
  }
  const { lastChangeAt } = state;
  // Narrows the type: with undefined both comparisons below are NaN/undefined ones, false (equivalent mutant).
  if (lastChangeAt !== undefined) {
    const warmup = policy.behavior.warmupSeconds;
    const since = (now - lastChangeAt) / 1000;
    if (since < warmup) {
      return hold('WARMUP', `changed ${formatSeconds(since)} ago; metrics are ignored for ${formatSeconds(warmup)} after a change (CloudMonitor lags)`);
    }
    if (sample.at < lastChangeAt) {
      return hold('WARMUP', `the sample at ${new Date(sample.at).toISOString()} predates the change at ${new Date(lastChangeAt).toISOString()}`);
    }
  }
  const plain = recommendFromMetric(policy, sample.outBps, current);
  if (plain.reason === 'NO_METRIC') return { recommendation: plain };
  const recommendation = policy.predictive
    ? predictiveRecommendation(policy.predictive, history ?? state.history, bpsToMbps(sample.outBps), current, now, plain)
    : plain;
  return { recommendation, sample, recorded: { at: now, mbps: recommendation.mbps } };
}

/** Override > schedule exact > metric rules. */
function propose(ctx: DecideContext, metric: MetricRecommendation): Proposal {
  const override = ctx.policy.override;
  if (override && override.until > ctx.now) {
    return {
      target: override.bandwidth,
      reason: 'OVERRIDE',
      message: `manual override to ${formatMbps(override.bandwidth)} until ${new Date(override.until).toISOString()}: ${override.reason}`,
      driver: 'override',
    };
  }
  // Overlapping windows with exact values: the highest, so a planned peak is never under-served.
  const exact = pickWindow(ctx.windows, 'exact', (a, b) => a > b);
  if (exact) {
    return {
      target: exact.value,
      reason: 'SCHEDULE_EXACT',
      message: `window '${exact.name}' sets exactly ${formatMbps(exact.value)}`,
      driver: 'schedule', // drivers are compared with 'metric' and 'override' only: its '' mutant is equivalent
    };
  }
  return { target: metric.mbps, reason: metric.reason, message: metric.message, driver: 'metric' };
}

/**
 * Reasons that announce a move; when the move turns out to be none, the decision says AT_TARGET. The
 * rules give SCALE_UP, SCALE_DOWN and SATURATED_STEP_UP only with a target other than the current one
 * (src/core/metric.ts, predictive.ts) and a guard's hit replaces the reason, so today only an override
 * or an exact window arrives here unchanged: emptying one of those three entries is an equivalent mutant.
 */
const MOVING: ReadonlySet<ReasonCode> = new Set<ReasonCode>(['SCALE_UP', 'SCALE_DOWN', 'SATURATED_STEP_UP', 'SCHEDULE_EXACT', 'OVERRIDE']);

function conclude(ctx: DecideContext, proposed: number, proposal: Proposal, hits: GuardHit[], saturation?: TemporaryUpgradeAnswer): Decision {
  const { current, instance, policy } = ctx;

  if (proposal.target === current) {
    // With a hit the reason is a guard's, never a MOVING one: `hits.length === 0` only says so (equivalent mutant).
    const arrived = hits.length === 0 && MOVING.has(proposal.reason);
    return {
      ...settled(ctx, proposed, hits, ctx.recommendations),
      reason: arrived ? 'AT_TARGET' : proposal.reason,
      message: arrived ? `${proposal.message}; already at ${formatMbps(current)}` : proposal.message,
    };
  }

  const temporary = temporaryUpgradeFor(ctx, proposal, saturation);
  const message = `${proposal.message}${temporary?.note ?? ''}`;
  const { target } = proposal;
  const change = {
    instanceId: instance.instanceId,
    current,
    target,
    proposed,
    isDowngrade: isDowngrade(current, target),
    recommendations: ctx.recommendations,
  };

  if (policy.mode === 'observe') {
    const verb = temporary?.times ? 'temporarily upgrade' : 'set';
    const observed = `observe mode: would ${verb} ${formatMbps(current)} → ${formatMbps(target)} (${proposal.reason}: ${message})`;
    return {
      ...change,
      action: 'none',
      reason: 'OBSERVE_ONLY',
      message: observed,
      guards: [...hits, { guard: 'observe', reason: 'OBSERVE_ONLY', message: observed, from: target, to: current }],
      allocatePublicIp: false,
      ...(temporary?.choice ? { upgradeChoice: temporary.choice } : {}),
    };
  }

  const decision: Decision = {
    ...change,
    action: temporary?.times ? 'temporaryUpgrade' : 'set',
    reason: proposal.reason,
    message,
    guards: hits,
    allocatePublicIp: needsPublicIpAllocation(instance, current, target),
  };
  if (temporary?.choice) decision.upgradeChoice = temporary.choice;
  const inbound = instance.bandwidthIn === undefined ? undefined : inboundTarget(policy, instance.bandwidthIn, target);
  const refused = ctx.state.refused;
  const inboundRefused = refused?.scope === 'inbound' && backingOff(refused, ctx.now);
  // Without `inbound !== undefined` targetIn is written as undefined, which every reader treats as absent (equivalent mutant).
  if (inbound !== undefined && inbound !== instance.bandwidthIn && !temporary?.times) {
    if (inboundRefused) decision.message = `${decision.message}; inbound left as it is (${refused.code} until ${new Date(refused.retryAt).toISOString()})`;
    else decision.targetIn = inbound;
  }
  if (temporary?.times) {
    decision.startTime = temporary.times.startTime;
    decision.endTime = temporary.times.endTime;
  }
  return decision;
}

/**
 * The inbound bandwidth the policy's inbound bounds allow, nearest the current one, inside the range
 * the API accepts for the outbound bandwidth the same order buys; undefined when unbounded. The doc
 * ties the range to the "purchased" outbound bandwidth without saying whether the order's own value
 * counts; if the provider reads the old one, the refusal is remembered (INBOUND_REFUSED) and later
 * orders go without inbound until its back-off ends.
 */
function inboundTarget(policy: Policy, currentIn: number, targetOut: number): number | undefined {
  const { minIn, maxIn } = policy.bounds;
  if (minIn === undefined && maxIn === undefined) return undefined;
  const wanted = Math.min(maxIn ?? Number.POSITIVE_INFINITY, Math.max(minIn ?? 0, currentIn));
  const range = inboundRange(targetOut);
  return Math.min(range.max, Math.max(range.min, wanted));
}

interface TemporaryUpgradeAnswer {
  times?: TemporaryUpgradeTimes;
  note: string;
  choice?: UpgradeChoice;
}

/**
 * Whether an upgrade goes out as a temporary one (StartTime/EndTime), subscription pay-by-bandwidth
 * only: the only instances whose downgrades are refunds that the quota counts. First that applies:
 * 1. a window asking for temporary upgrades is active: whether a schedule or the metric rules asked,
 *    it reverts by itself at the window's end (an override is a standing intent and is not);
 * 2. the answer saturationUpgradeFor chose before the guards, while the guards left an upgrade.
 */
function temporaryUpgradeFor(ctx: DecideContext, proposal: Proposal, saturation?: TemporaryUpgradeAnswer): TemporaryUpgradeAnswer | undefined {
  const { now, instance, windows, current } = ctx;
  // conclude() has returned for target === current already: `<` here is an equivalent mutant.
  if (proposal.target <= current || proposal.driver === 'override' || !rulesOf(instance).temporaryUpgrade) return undefined;
  const window = temporaryUpgradeWindow(windows);
  if (window) {
    const times = temporaryUpgradeTimes(now, window.end, instance.expiredAt);
    if (times) return { times, note: `; temporary until ${times.endTime} (window '${window.name}'), reverting by itself` };
    // Chosen: a plain upgrade rather than none. The subscription ends before the shortest temporary
    // upgrade would, so the upgrade costs little and never needs a downgrade to undo.
    return { note: '; the subscription expires before a temporary upgrade could end: a plain upgrade' };
  }
  return saturation;
}

/**
 * The policy's saturation.temporaryUpgrade, for a metric-driven upgrade answering saturation (an
 * alarm's signal, or SATURATED_STEP_UP on a tick) on a subscription pay-by-bandwidth instance while no
 * schedule window is active (inside one, the schedule owns the plan): chooseSaturationUpgrade picks
 * temporary or permanent from the downgrade budget, with a reason code for Decision.upgradeChoice. A
 * temporary one is proposed at its minimum at least, before the guards narrow it.
 */
function saturationUpgradeFor(ctx: DecideContext, proposal: Proposal): { proposal: Proposal; answer: TemporaryUpgradeAnswer } | undefined {
  const { now, instance, windows, current, policy, state, signal } = ctx;
  const config = policy.saturation.temporaryUpgrade;
  // decide() always passes the signal (`?.` → `.` is an equivalent mutant).
  const answersSaturation = signal?.kind === 'alarm' || proposal.reason === 'SATURATED_STEP_UP';
  if (!config || proposal.driver !== 'metric' || !answersSaturation || proposal.target <= current) return undefined;
  if (windows.length > 0 || !rulesOf(instance).temporaryUpgrade) return undefined;
  const answer = chooseSaturationUpgrade({
    now,
    config,
    downgradesLeft: downgradesLeft(state, policy, now, false),
    target: proposal.target,
    maxMbps: Math.min(policy.bounds.maxOut, apiRange(instance).max),
    // Left absent rather than undefined; chooseSaturationUpgrade reads either as no expiry (equivalent mutant).
    ...(instance.expiredAt === undefined ? {} : { expiredAt: instance.expiredAt }),
  });
  const sized = answer.target > proposal.target ? ` (${formatMbps(proposal.target)} by the rules)` : '';
  return {
    proposal: { ...proposal, target: answer.target, message: `${proposal.message}${sized}` },
    answer: {
      ...(answer.times ? { times: answer.times } : {}),
      note: `; ${answer.choice.message} (${answer.choice.reason})`,
      choice: answer.choice,
    },
  };
}

/** A decision that changes nothing (its reason and message are the caller's). */
function settled(ctx: DecideContext, proposed: number, guards: GuardHit[], recommendations: Recommendation[]): Omit<Decision, 'reason' | 'message'> {
  return {
    instanceId: ctx.instance.instanceId,
    action: 'none',
    current: ctx.current,
    target: ctx.current,
    proposed,
    guards,
    isDowngrade: false,
    allocatePublicIp: false,
    recommendations,
  };
}
