// The guards `decide` applies, each a small function of the context and the current proposal. A hard
// stop ends the decision; a guard may only narrow the proposal (towards the current bandwidth, or into
// the allowed range) and says why. The ORDER lives in decide.ts, next to its one written-down list.
import { downgradesInPeriod, downgradesLeft, nextQuotaReset, quotaExhausted } from './budget';
import { formatMbps, formatPercent, formatSeconds } from './format';
import { bpsToMbps, highestRecommendation, utilization, wouldScaleUp } from './metric';
import { apiRange, blockedReason, downgradeBudgetApplies, lockReason, rulesOf } from './provider';
import { backingOff } from './refusal';
import { spendCap } from './spend';
import { activeTemporaryUpgrade, formatEndTime } from './temporary-upgrade';
import type { ActiveWindow, InstanceFacts, MetricSample, Policy, ReasonCode, Recommendation, ScalingState, Signal } from './types';

export interface DecideContext {
  now: number;
  policy: Policy;
  instance: InstanceFacts;
  state: ScalingState;
  windows: ActiveWindow[];
  /** instance.bandwidthOut: what every guard narrows towards. */
  current: number;
  /** The sample the metric rules read, when one passed the NO_METRIC and WARMUP checks. */
  sample?: MetricSample;
  /** Recommendations inside the stabilisation window, this decision's own included. */
  recommendations: Recommendation[];
  /** What asked for this decision: an alarm answers saturation (src/core/decide.ts temporaryUpgradeFor). */
  signal?: Signal;
}

/**
 * Who asked for the change. Cooldowns and the scale-down shaping apply to `metric` only (schedules and
 * overrides bypass them, as ESS and AAS do); the downgrade reserve is for `override` only.
 */
export type Driver = 'metric' | 'schedule' | 'override';

export interface Proposal {
  target: number;
  reason: ReasonCode;
  message: string;
  driver: Driver;
}

export interface Verdict {
  reason: ReasonCode;
  message: string;
}

export interface Narrowing extends Verdict {
  to: number;
}

export type HardStop = (ctx: DecideContext) => Verdict | undefined;
export type Guard = (ctx: DecideContext, proposal: Proposal) => Narrowing | undefined;

function iso(at: number): string {
  return new Date(at).toISOString();
}

function secondsSince(ctx: DecideContext, at: number): number {
  return (ctx.now - at) / 1000;
}

// ---------------------------------------------------------------------------------------------
// Hard stops: nothing may change, whatever the rules say.

export const stopWhenPaused: HardStop = ({ policy }) => (policy.paused ? { reason: 'PAUSED', message: pausedMessage(policy) } : undefined);

/** Names where the pause comes from: an operator's control-table pause (who, why, until when) or the policy file. */
function pausedMessage(policy: Policy): string {
  const by = policy.pausedBy;
  if (!by) return `policy '${policy.name}' is paused (paused: true in the policy file)`;
  const subject = by.scope === 'policy' ? `policy '${by.target}'` : `instance ${by.target}`;
  const until = by.until === undefined ? 'until resumed' : `until ${iso(by.until)}`;
  return `${subject} is paused by ${by.by} in the control table ${until}: ${by.reason}`;
}

/** A condition the cycle recorded from a provider error; it stays until the cycle clears it. */
export const stopWhenBlocked: HardStop = ({ state }) => {
  const blocked = state.blocked;
  // A block on upgrades only is a guard (holdBlockedUpgrade): downgrades still go.
  if (!blocked || blocked.scope === 'up') return undefined;
  return {
    reason: blockedReason(blocked.code),
    message: `blocked since ${iso(blocked.since)} by ${blocked.code}: ${blocked.message}`,
  };
};

/** An intent written before ModifyInstanceNetworkSpec and not yet settled: the cycle reconciles it first. */
export const stopWhenPending: HardStop = ({ state }) => {
  const pending = state.pending;
  if (!pending) return undefined;
  return {
    reason: 'PENDING_CHANGE',
    message: `change ${formatMbps(pending.from)} → ${formatMbps(pending.target)} (decision ${pending.decisionId}, attempt ${pending.attempts}) is not settled yet`,
  };
};

export const stopWhenStatusUnsupported: HardStop = ({ instance }) => {
  const { modifiableStatuses, modifyApi } = rulesOf(instance);
  return modifiableStatuses.includes(instance.status)
    ? undefined
    : {
        reason: 'STATUS_UNSUPPORTED',
        message: `${instance.kind === undefined || instance.kind === 'ecs' ? 'instance' : instance.instanceId} is ${instance.status}; ${modifyApi} needs ${modifiableStatuses.join(' or ')}`,
      };
};

/** The provider's rules say its API refuses every bandwidth change of this resource (a subscription EIP or package). */
export const stopWhenChangesRefused: HardStop = ({ instance }) => {
  const refuses = rulesOf(instance).refusesChanges;
  return refuses === undefined ? undefined : { reason: 'PROVIDER_REFUSED', message: refuses };
};

/** The first OperationLocks entry decides; "security" and "financial" have their own codes. */
export const stopWhenLocked: HardStop = ({ instance }) => {
  const lock = instance.operationLocks[0];
  if (lock === undefined) return undefined;
  return {
    reason: lockReason(lock, instance),
    message: `OperationLocks holds "${instance.operationLocks.join('", "')}": the provider refuses changes until it is lifted`,
  };
};

/** ECS may report the expiry before it sets the financial lock; the API refuses either way (InstanceExpiredOrInArrears). */
// `expiredAt !== undefined` only narrows the type: `undefined <= now` is false anyway (its `true` mutant is equivalent).
export const stopWhenExpired: HardStop = ({ instance, now }) =>
  instance.instanceChargeType === 'PrePaid' && instance.expiredAt !== undefined && instance.expiredAt <= now
    ? { reason: 'INSTANCE_EXPIRED', message: `subscription expired at ${iso(instance.expiredAt)}` }
    : undefined;

/**
 * With an EIP the bandwidth belongs to the EIP, and the API refuses the instance (InvalidInstance.EipNotSupport).
 * When a policy manages that EIP, the instance is served through it, which is not a block.
 */
export const stopWhenEipBound: HardStop = ({ instance }) => {
  if (!instance.eipBound) return undefined;
  const through = instance.managedThroughEip;
  if (through) {
    return {
      reason: 'MANAGED_THROUGH_EIP',
      message: `its bandwidth is EIP ${through.eipId}'s, which policy '${through.policy}' manages: the EIP is scaled, not the instance`,
    };
  }
  return { reason: 'EIP_BOUND', message: "an EIP is bound: its bandwidth is the EIP's, not the instance's" };
};

// ---------------------------------------------------------------------------------------------
// Scale-down and step shaping: metric-driven proposals only.

/** HPA-style: go down only as far as the highest recommendation within the window. */
export const stabilizeScaleDown: Guard = (ctx, p) => {
  if (p.driver !== 'metric' || p.target >= ctx.current) return undefined;
  const highest = highestRecommendation(ctx.recommendations);
  if (highest === undefined || highest <= p.target) return undefined;
  const to = Math.min(highest, ctx.current);
  const window = formatSeconds(ctx.policy.behavior.scaleDownStabilizationSeconds);
  return {
    to,
    reason: 'STABILIZATION',
    message: `highest recommendation in the last ${window} is ${formatMbps(highest)}: ${
      to === ctx.current ? 'no scale-down yet' : `scaling down only to ${formatMbps(to)}`
    }`,
  };
};

/**
 * The largest step up or down. With both an absolute and a percentage limit the larger step is allowed
 * (HPA's default selectPolicy: Max); the step is at least 1 Mbps, or a percentage of a small bandwidth
 * would round to a standstill.
 */
export const limitStep: Guard = (ctx, p) => {
  // Equivalent mutants (npm run mutation): without the no-change test a zero step is within every
  // allowance (at least 1 Mbps) and passes all the same, which also makes `>` and `>=` below agree.
  if (p.driver !== 'metric' || p.target === ctx.current) return undefined;
  const b = ctx.policy.behavior;
  const up = p.target > ctx.current;
  const allowed = up ? stepAllowance(ctx.current, b.maxStepUpMbps, b.maxStepUpPercent) : stepAllowance(ctx.current, b.maxStepDownMbps, b.maxStepDownPercent);
  if (allowed === undefined || Math.abs(p.target - ctx.current) <= allowed) return undefined;
  const to = up ? ctx.current + allowed : ctx.current - allowed;
  return {
    to,
    reason: 'MAX_STEP',
    message: `a step ${up ? 'up' : 'down'} is at most ${formatMbps(allowed)}: ${formatMbps(to)} instead of ${formatMbps(p.target)}`,
  };
};

function stepAllowance(current: number, mbps: number | undefined, percent: number | undefined): number | undefined {
  const limits: number[] = [];
  if (mbps !== undefined) limits.push(mbps);
  if (percent !== undefined) limits.push(Math.floor((current * percent) / 100 + 1e-9));
  if (limits.length === 0) return undefined;
  return Math.max(1, ...limits);
}

/** A billing-aware hold (spanner-autoscaler's scale-down interval): no downgrade soon after a change. */
export const holdBeforeDowngrade: Guard = (ctx, p) => {
  const { lastChangeAt } = ctx.state;
  const hold = ctx.policy.behavior.minHoldBeforeDowngradeSeconds;
  if (p.driver !== 'metric' || p.target >= ctx.current || lastChangeAt === undefined) return undefined;
  const held = secondsSince(ctx, lastChangeAt);
  if (held >= hold) return undefined;
  return {
    to: ctx.current,
    reason: 'MIN_HOLD',
    message: `at ${formatMbps(ctx.current)} for ${formatSeconds(held)}; a downgrade needs ${formatSeconds(hold)} there first`,
  };
};

/**
 * Azure's flapping check: refuse a downgrade the rules would undo at the next sample. The smallest
 * bandwidth between the proposal and the current one that would not trip scale-up is kept.
 */
export const preventFlap: Guard = (ctx, p) => {
  const { sample, policy, current } = ctx;
  // A target at or above the current bandwidth leaves the loop below at once (safe === target, no
  // narrowing): dropping `p.target >= current`, or making it `>`, is an equivalent mutant.
  if (p.driver !== 'metric' || !policy.behavior.projectedCheck || !sample || p.target >= current) return undefined;
  let safe = p.target;
  while (safe < current && wouldScaleUp(policy, sample.outBps, safe)) safe += 1;
  if (safe === p.target) return undefined;
  const projected = utilization(Math.min(sample.outBps, p.target * 1_000_000), p.target);
  return {
    to: safe,
    reason: 'PROJECTED_FLAP',
    message: `served ${formatMbps(bpsToMbps(sample.outBps))} at ${formatMbps(p.target)} would be ${formatPercent(
      projected ?? 100,
    )} and trip scale-up: ${safe === current ? 'no scale-down' : `scaling down only to ${formatMbps(safe)}`}`,
  };
};

/**
 * Cooldowns per direction, for metric-driven changes only. A scale-up waits out the last scale-up; a
 * scale-down waits out the last change of either kind, because dropping right after an upgrade is the
 * flap the cooldown exists for, while climbing right after a downgrade is answering demand (AAS: "scale
 * out during a scale-in cooldown happens at once").
 */
export const applyCooldown: Guard = (ctx, p) => {
  if (p.driver !== 'metric' || p.target === ctx.current) return undefined;
  const { state, policy } = ctx;
  const up = p.target > ctx.current; // `>=` is an equivalent mutant: equality returned above
  const cooldown = up ? policy.behavior.scaleUpCooldownSeconds : policy.behavior.scaleDownCooldownSeconds;
  const since = up ? state.lastScaleUpAt : latest([state.lastChangeAt, state.lastScaleUpAt, state.lastScaleDownAt]);
  if (since === undefined) return undefined;
  const elapsed = secondsSince(ctx, since);
  if (elapsed >= cooldown) return undefined;
  return {
    to: ctx.current,
    reason: 'COOLDOWN',
    message: `last ${up ? 'scale-up' : 'change'} ${formatSeconds(elapsed)} ago; the scale-${up ? 'up' : 'down'} cooldown is ${formatSeconds(cooldown)}`,
  };
};

// With no time known, Math.max() is -Infinity: a change infinitely long ago, which no cooldown holds,
// so dropping the `length === 0` test is an equivalent mutant.
function latest(times: Array<number | undefined>): number | undefined {
  const known = times.filter((t): t is number => t !== undefined);
  return known.length === 0 ? undefined : Math.max(...known);
}

// ---------------------------------------------------------------------------------------------
// Limits: schedules' floor and ceiling, the spend guard, the policy bounds, the provider's range.

/** The lowest ceiling of the active windows: a schedule may LOWER what the metric rules ask for. */
export const capAtScheduleCeiling: Guard = (ctx, p) => {
  if (p.driver !== 'metric') return undefined;
  const binding = pickWindow(ctx.windows, 'ceiling', (a, b) => a < b);
  if (!binding || p.target <= binding.value) return undefined;
  return {
    to: binding.value,
    reason: 'SCHEDULE_CEILING',
    message: `window '${binding.name}' caps bandwidth at ${formatMbps(binding.value)}`,
  };
};

/**
 * The highest floor of the active windows. Applied after the ceiling, so when overlapping windows
 * disagree the floor wins: a floor is a capacity someone planned for, a ceiling only a saving.
 */
export const raiseToScheduleFloor: Guard = (ctx, p) => {
  if (p.driver !== 'metric') return undefined;
  const binding = pickWindow(ctx.windows, 'floor', (a, b) => a > b);
  if (!binding || p.target >= binding.value) return undefined;
  return {
    to: binding.value,
    reason: 'SCHEDULE_FLOOR',
    message: `window '${binding.name}' keeps bandwidth at ${formatMbps(binding.value)} or more`,
  };
};

/** The window whose `key` wins under `better`; exported for the exact value, which decide reads too. */
export function pickWindow(
  windows: readonly ActiveWindow[],
  key: 'floor' | 'ceiling' | 'exact',
  better: (a: number, b: number) => boolean,
): { name: string; value: number } | undefined {
  let best: { name: string; value: number } | undefined;
  for (const w of windows) {
    const value = w[key];
    if (value !== undefined && (!best || better(value, best.value))) best = { name: w.name, value };
  }
  return best;
}

/** Pay-by-traffic only: the bandwidth cap is the lever on a bill counted in GB. An override is a human's call and passes. */
export const applySpendGuard: Guard = (ctx, p) => {
  const guard = ctx.policy.spendGuard;
  if (!guard || ctx.instance.internetChargeType !== 'PayByTraffic' || p.driver === 'override') return undefined;
  const cap = spendCap(guard, ctx.state.spend, ctx.now, ctx.current, ctx.policy.billingUtcOffsetMinutes);
  if (!cap || p.target <= cap.mbps) return undefined;
  const left = `${cap.remainingCny.toFixed(2)} of the ${cap.budgetCny} CNY budget per ${cap.period} is left`;
  // Near the budget the cap wanders by a Mbps or so from tick to tick (what is left, spread over what
  // is left of the period, rounded down), and following it up and down would place a change, with its
  // 5-minute lock, every few ticks for nothing (measured in test/sim/spend-guard.test.ts). Below the
  // cap the budget holds whatever the bandwidth does, so a raise TO the cap waits until it is worth a
  // change; a bandwidth above the cap is always lowered to it.
  const gain = cap.mbps - ctx.current;
  // At the cap (gain 0) the plain wording below says it: there is no raise to hold back.
  if (ctx.current > 0 && gain > 0 && gain < spendRaiseAtLeast(ctx.current)) {
    return {
      to: ctx.current,
      reason: 'SPEND_GUARD',
      message: `${left}: at most ${formatMbps(cap.mbps)} until the ${cap.period} ends; holding ${formatMbps(ctx.current)}, since a raise of ${formatMbps(gain)} is not worth a change near the budget`,
    };
  }
  return {
    to: cap.mbps,
    reason: 'SPEND_GUARD',
    message: `${left}: at most ${formatMbps(cap.mbps)} until the ${cap.period} ends`,
  };
};

/** The least raise toward the spend cap worth a change: 2 Mbps, or a tenth of the bandwidth above 20 Mbps. */
export function spendRaiseAtLeast(currentMbps: number): number {
  return Math.max(2, Math.ceil(currentMbps / 10));
}

/** The policy's bounds hold for every driver, an override included: they are the operator's own limits. */
export const clampToBounds: Guard = (ctx, p) => {
  const { minOut, maxOut } = ctx.policy.bounds;
  if (p.target < minOut) {
    return { to: minOut, reason: 'BOUNDS', message: `${formatMbps(p.target)} is below the policy minimum ${formatMbps(minOut)}` };
  }
  if (p.target > maxOut) {
    return { to: maxOut, reason: 'BOUNDS', message: `${formatMbps(p.target)} is above the policy maximum ${formatMbps(maxOut)}` };
  }
  return undefined;
};

export const clampToProviderRange: Guard = (ctx, p) => {
  const { min, max } = apiRange(ctx.instance);
  if (p.target < min) {
    return { to: min, reason: 'PROVIDER_RANGE', message: `the API allows no less than ${formatMbps(min)} for ${ctx.instance.instanceId}` };
  }
  if (p.target <= max) return undefined;
  return {
    to: max,
    reason: 'PROVIDER_RANGE',
    message: `the API allows at most ${formatMbps(max)} for a ${ctx.instance.instanceChargeType} ${ctx.instance.internetChargeType} instance`,
  };
};

/** Downgrading a VPC instance to 0 Mbps releases its public IP (a classic instance keeps it). */
export const protectZero: Guard = (ctx, p) => {
  const { instance, policy, current } = ctx;
  if (p.target !== 0 || current === 0 || instance.networkType !== 'vpc' || policy.allowZero) return undefined;
  return {
    to: 1,
    reason: 'ZERO_PROTECTED',
    message: `0 Mbps would release this VPC instance's public IP and allowZero is off: 1 Mbps instead`,
  };
};

// ---------------------------------------------------------------------------------------------
// Provider rules on the change itself.

/**
 * While a temporary upgrade runs, a downgrade would cancel it (and its refund path is undocumented);
 * it reverts to its base by itself at EndTime, spending no quota. Every driver waits.
 */
// While a temporary upgrade runs the provider refuses every other change to the instance
// (InvalidAction.WithActiveElasticUpgrade, docs/reference/alibaba-cloud.md §1.3), upgrades included: asking again would only
// spend a call on a refusal. It reverts by itself, and no downgrade quota is spent.
export const holdDuringTemporaryUpgrade: Guard = (ctx, p) => {
  if (p.target === ctx.current) return undefined;
  const temporary = activeTemporaryUpgrade(ctx.state, ctx.now, ctx.current);
  if (!temporary) return undefined;
  const ends = formatEndTime(temporary.until);
  return {
    to: ctx.current,
    reason: 'TEMPORARY_UPGRADE_ACTIVE',
    message:
      temporary.until > ctx.now
        ? `a temporary upgrade to ${formatMbps(temporary.target)} reverts to ${formatMbps(temporary.base)} by itself at ${ends}`
        : `a temporary upgrade to ${formatMbps(temporary.target)} ended at ${ends} and DescribeInstances does not show its revert to ${formatMbps(temporary.base)} yet: holding`,
  };
};

export const applyDowngradeBudget: Guard = (ctx, p) => {
  const { instance, state, policy, now } = ctx;
  if (p.target >= ctx.current || !downgradeBudgetApplies(instance)) return undefined;
  const spendReserve = p.driver === 'override';
  if (downgradesLeft(state, policy, now, spendReserve) > 0) return undefined;
  const { quota, reserve, monthlyReset } = policy.downgradeBudget;
  const period = monthlyReset ? 'this month' : 'on this subscription';
  // quotaExhausted() is true only with quotaExhaustedAt set: the second test narrows the type for iso()
  // and cannot change the outcome (its `true` mutant is equivalent, npm run mutation).
  const message =
    quotaExhausted(state, policy, now) && state.quotaExhaustedAt !== undefined
      ? `the provider reported the downgrade quota exhausted at ${iso(state.quotaExhaustedAt)}${resetNote(policy, now)}`
      : `${downgradesInPeriod(state, policy, now)} of ${quota} downgrades used ${period}${
          spendReserve || reserve === 0 ? '' : ` (${reserve} kept in reserve for a manual override)`
        }`;
  return { to: ctx.current, reason: 'DOWNGRADE_BUDGET', message };
};

function resetNote(policy: Policy, now: number): string {
  const reset = nextQuotaReset(policy, now);
  return reset === undefined ? '' : `; it resets at ${iso(reset)}`;
}

/** "Classic-network instance 0→N: it must be Stopped" (InvalidInstanceStatus.NotStopped). */
export const requireStoppedForClassic: Guard = (ctx, p) => {
  const { instance, current } = ctx;
  if (instance.networkType !== 'classic' || current !== 0 || p.target === 0 || instance.status === 'Stopped') {
    return undefined;
  }
  return {
    to: current,
    reason: 'CLASSIC_NOT_STOPPED',
    message: `a classic-network instance leaves 0 Mbps only while Stopped; it is ${instance.status}`,
  };
};

/** The 5-minute lock after every successful change: hard, for every driver. */
export const respectProviderLock: Guard = (ctx, p) => {
  const { lastChangeAt } = ctx.state;
  if (p.target === ctx.current || lastChangeAt === undefined) return undefined;
  const elapsed = secondsSince(ctx, lastChangeAt);
  const { lockSeconds } = rulesOf(ctx.instance);
  if (elapsed >= lockSeconds) return undefined;
  return {
    to: ctx.current,
    reason: 'PROVIDER_LOCK',
    message: `last change ${formatSeconds(elapsed)} ago; the provider allows none within ${formatSeconds(lockSeconds)}`,
  };
};

/** A block on upgrades only (the regional bandwidth quota): a downgrade still goes, and frees quota. */
export const holdBlockedUpgrade: Guard = (ctx, p) => {
  const blocked = ctx.state.blocked;
  if (blocked?.scope !== 'up' || p.target <= ctx.current) return undefined;
  return {
    to: ctx.current,
    reason: blockedReason(blocked.code),
    message: `upgrades blocked since ${iso(blocked.since)} by ${blocked.code}: ${blocked.message}`,
  };
};

/**
 * A refusal the cycle remembered (src/core/refusal.ts says what each one means). While its back-off
 * runs the refused change is not sent again; an upgrade refused for being above the instance type's
 * base bandwidth tries the largest target below it instead: the cap the refusal named, else halfway
 * between the current bandwidth and the refused target (a bisection over the ticks). Once the
 * back-off ends, one order at the refused target (never above it) probes whether it still holds.
 */
export const respectRefusal: Guard = (ctx, p) => {
  const { state, current, now } = ctx;
  const refused = state.refused;
  if (!refused || p.target === current || refused.scope === 'inbound') return undefined;
  const waiting = backingOff(refused, now);
  const episode = `${refused.code} refused ${formatMbps(refused.from)} → ${formatMbps(refused.target)} at ${iso(refused.at)} (${refused.count}× since ${iso(refused.since)})`;
  const hold = { to: current, reason: refused.reason, message: `${episode}; not sent again before ${iso(refused.retryAt)}` };
  const up = p.target > current; // `>=` is an equivalent mutant: equality returned above
  switch (refused.scope) {
    case 'up': {
      // At or above the refused target already (an operator changed it): the refusal says nothing now.
      if (!up || current >= refused.target) return undefined;
      if (!waiting) {
        if (p.target <= refused.target) return undefined;
        return {
          to: refused.target,
          reason: refused.reason,
          message: `${episode}; the back-off is over: probing ${formatMbps(refused.target)} again, no higher`,
        };
      }
      // Only a base-bandwidth refusal says that something lower would do; any other waits out its back-off.
      if (refused.reason !== 'BANDWIDTH_CAP' && refused.cap === undefined) return hold;
      const allowed = refused.cap !== undefined ? Math.min(refused.cap, refused.target - 1) : Math.floor((current + refused.target) / 2);
      if (p.target <= allowed) return undefined;
      if (allowed <= current) return hold;
      const why = refused.cap !== undefined ? `the refusal allows at most ${formatMbps(refused.cap)}` : `trying halfway, ${formatMbps(allowed)}`;
      return { to: allowed, reason: refused.reason, message: `${episode}; ${why} until ${iso(refused.retryAt)}` };
    }
    case 'down':
      return !up && waiting ? hold : undefined;
    default:
      return waiting ? hold : undefined;
  }
};
