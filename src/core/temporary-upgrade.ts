// Temporary upgrades of subscription bandwidth: ModifyInstanceNetworkSpec with StartTime/EndTime. The
// bandwidth reverts by itself at EndTime, so serving a peak this way spends no downgrade quota (the
// reason it is preferred for subscription instances; Alibaba's own OOS templates answer alerts the
// same way, docs/reference/alibaba-cloud.md §10).
import { formatMbps } from './format';
import type { ActiveWindow, SaturationTemporaryUpgrade, ScalingState, UpgradeChoice } from './types';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** "End − Start ≥ 3 h" (ECS API doc, EndTime). */
export const TEMPORARY_UPGRADE_MIN_SECONDS = 3 * 3600;

/** StartTime format: UTC, minute precision, `yyyy-MM-ddTHH:mmZ`. */
export function formatStartTime(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16)}Z`;
}

/** EndTime format: UTC, hour precision, `yyyy-MM-ddTHHZ`. */
export function formatEndTime(at: number): string {
  return `${new Date(at).toISOString().slice(0, 13)}Z`;
}

function ceilTo(at: number, unitMs: number): number {
  return Math.ceil(at / unitMs) * unitMs;
}

export interface TemporaryUpgradeTimes {
  startTime: string;
  endTime: string;
  /** EndTime as epoch ms: when the provider reverts the bandwidth (state.temporaryUpgrade.until). */
  until: number;
}

/**
 * StartTime is `now` rounded UP to the minute (a start in the past is refused); EndTime is the window's
 * end rounded UP to the hour, extended to at least 3 h after the start. Undefined when the subscription
 * expires before that end: EndTime beyond the lifecycle is refused (InvalidEndTime.BeyondLifeCycle).
 */
export function temporaryUpgradeTimes(now: number, windowEnd: number, expiredAt?: number): TemporaryUpgradeTimes | undefined {
  const start = ceilTo(now, MINUTE_MS);
  const until = Math.max(ceilTo(windowEnd, HOUR_MS), ceilTo(start + TEMPORARY_UPGRADE_MIN_SECONDS * 1000, HOUR_MS));
  // `expiredAt !== undefined` narrows the type; `until > undefined` is false anyway (equivalent mutant).
  if (expiredAt !== undefined && until > expiredAt) return undefined;
  return { startTime: formatStartTime(start), endTime: formatEndTime(until), until };
}

/** The active window asking for temporary upgrades that lasts longest (its end bounds the upgrade). */
export function temporaryUpgradeWindow(windows: readonly ActiveWindow[]): ActiveWindow | undefined {
  return windows.filter((w) => w.temporaryUpgrade).reduce<ActiveWindow | undefined>((longest, w) => (!longest || w.end > longest.end ? w : longest), undefined);
}

/**
 * How long after EndTime an instance that still shows the temporary target is taken to be reverting
 * rather than permanently there. The docs give no time for the revert to show in DescribeInstances
 * (an order takes seconds to minutes, src/cycle/apply.ts DEFAULT_VERIFY); the choice errs long,
 * because reading a late revert as a permanent bandwidth would let the rules downgrade it, spending a
 * refund on a change the provider was about to make for free.
 */
export const TEMPORARY_REVERT_GRACE_MS = 60 * MINUTE_MS;

/**
 * A temporary upgrade the provider has not yet reverted: before its EndTime, and, when the current
 * bandwidth is given, within TEMPORARY_REVERT_GRACE_MS after it while the instance still shows the
 * temporary target (the revert is not visible yet).
 */
export function activeTemporaryUpgrade(state: Pick<ScalingState, 'temporaryUpgrade'>, now: number, current?: number): ScalingState['temporaryUpgrade'] {
  const temporary = state.temporaryUpgrade;
  if (!temporary) return undefined;
  if (temporary.until > now) return temporary;
  // Without `current !== undefined`, revertPending compares undefined with the target and says no:
  // an equivalent mutant; the test only narrows the type.
  return current !== undefined && revertPending(temporary, current, now) ? temporary : undefined;
}

// A temporary upgrade is always an upgrade (decide sends one only above the current bandwidth), so
// target !== base holds for every stored one: here and in settleTemporaryUpgrade its `true` mutant is
// equivalent; the test keeps a degenerate record from being read as a revert still to come.
function revertPending(temporary: NonNullable<ScalingState['temporaryUpgrade']>, current: number, now: number): boolean {
  return current === temporary.target && temporary.target !== temporary.base && now < temporary.until + TEMPORARY_REVERT_GRACE_MS;
}

export interface SettledTemporaryUpgrade {
  /** The state with the ended upgrade forgotten (same version: the caller stores it). */
  state: ScalingState;
  /** The provider reverted it (the instance no longer shows the temporary target). */
  reverted: boolean;
  message: string;
}

/**
 * The state once a temporary upgrade has ended, or undefined while it runs (or its revert is not
 * visible yet). The provider reverts the bandwidth itself at EndTime, so nothing is booked in the
 * downgrade ledger: the revert is no refund (docs/reference/ecs-modify.md: temporary upgrades never
 * spend quota). The state learns the bandwidth DescribeInstances now shows as its last target, and the
 * revert as the last change, dated EndTime: whether the provider's 5-minute lock follows its own revert
 * is not documented, so the harsher reading is taken and it does; the warm-up then also runs from the
 * revert. The cost, measured in test/e2e/temporary-upgrade.test.ts: a burst that outlasts the upgrade
 * waits one tick at the base bandwidth before the next upgrade.
 */
export function settleTemporaryUpgrade(state: ScalingState, current: number, now: number): SettledTemporaryUpgrade | undefined {
  const temporary = state.temporaryUpgrade;
  if (!temporary || temporary.until > now || revertPending(temporary, current, now)) return undefined;
  const { temporaryUpgrade: _ended, ...rest } = state;
  const at = formatEndTime(temporary.until);
  if (current === temporary.target && temporary.target !== temporary.base) {
    // Still at the temporary target long after EndTime: whatever happened, it is the bandwidth now.
    return {
      state: rest,
      reverted: false,
      message: `the temporary upgrade to ${formatMbps(temporary.target)} should have reverted at ${at}; DescribeInstances still shows it, so it is taken as the bandwidth`,
    };
  }
  return {
    state: { ...rest, lastTarget: current, lastChangeAt: Math.max(state.lastChangeAt ?? temporary.until, temporary.until) },
    reverted: true,
    message: `the temporary upgrade to ${formatMbps(temporary.target)} reverted by itself at ${at}; ${formatMbps(current)} now, no downgrade spent`,
  };
}

// ---------------------------------------------------------------------------------------------
// Saturation answered with a temporary upgrade (the policy's saturation.temporaryUpgrade).

export interface SaturationUpgradeInput {
  now: number;
  config: SaturationTemporaryUpgrade;
  /** Ordinary downgrades left in the quota period, the reserve excluded (src/core/budget.ts downgradesLeft). */
  downgradesLeft: number;
  /** The target the rules and guards arrived at (above the current bandwidth). */
  target: number;
  /** The highest target allowed: the policy's maxOut and the API range. */
  maxMbps: number;
  /** Subscription expiry: EndTime may not lie beyond it. */
  expiredAt?: number;
}

export interface SaturationUpgrade {
  choice: UpgradeChoice;
  /** The target to order: raised to config.minimumMbps (within maxMbps) when temporary. */
  target: number;
  /** StartTime and EndTime, when temporary. */
  times?: TemporaryUpgradeTimes;
}

/**
 * Temporary or permanent, for an upgrade answering saturation on a subscription pay-by-bandwidth
 * instance. A permanent upgrade is paid back later with a downgrade, and the quota of those is small
 * (3 a month, one kept for overrides); a temporary one reverts by itself, but while it runs the
 * provider refuses every other change (InvalidAction.WithActiveElasticUpgrade), a further upgrade
 * included. So `auto` keeps the flexible permanent upgrade while the budget can pay it back and still
 * spare `spareDowngrades`, and turns temporary once it cannot.
 *
 * The provider's rules on the times (https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-modifyinstancenetworkspec,
 * StartTime and EndTime; docs/reference/alibaba-cloud.md §1.1): StartTime in UTC to the minute, never
 * in the past (now rounded up); EndTime in UTC to the hour, at least 3 h after StartTime, here
 * StartTime + duration rounded up to the hour; never beyond the subscription's expiry.
 */
export function chooseSaturationUpgrade(input: SaturationUpgradeInput): SaturationUpgrade {
  const { now, config, downgradesLeft, target, maxMbps, expiredAt } = input;
  const permanent = (reason: UpgradeChoice['reason'], message: string): SaturationUpgrade => ({
    choice: { kind: 'permanent', reason, message },
    target,
  });
  if (config.mode === 'never') return permanent('PERMANENT_BY_POLICY', 'saturation.temporaryUpgrade.mode is never: a permanent upgrade');
  const spare = config.spareDowngrades;
  if (config.mode === 'auto' && downgradesLeft > spare) {
    return permanent(
      'PERMANENT_BUDGET_AMPLE',
      `${downgradesLeft} ordinary downgrades left: paying a permanent upgrade back still leaves ${downgradesLeft - 1} (spareDowngrades ${spare})`,
    );
  }
  // The duration runs from StartTime (now rounded up to the minute), so it is never cut short.
  const times = temporaryUpgradeTimes(now, ceilTo(now, MINUTE_MS) + config.durationSeconds * 1000, expiredAt);
  if (!times) {
    // Chosen as the window path chooses (src/core/decide.ts): a plain upgrade rather than none. The
    // subscription ends before the shortest temporary upgrade would, so it never needs paying back.
    return permanent('PERMANENT_EXPIRES_FIRST', 'the subscription expires before a temporary upgrade could end: a permanent upgrade');
  }
  const minimum = config.minimumMbps ?? 0;
  const raised = Math.max(target, Math.min(minimum, maxMbps));
  const why =
    config.mode === 'always'
      ? 'saturation.temporaryUpgrade.mode is always'
      : `${downgradesLeft} ordinary downgrade${downgradesLeft === 1 ? '' : 's'} left, at most spareDowngrades ${spare}: a permanent upgrade could not be paid back`;
  const sized = raised > target ? `, at least ${formatMbps(raised)} (minimum; no other change is possible while it runs)` : '';
  return {
    choice: {
      kind: 'temporary',
      reason: config.mode === 'always' ? 'TEMPORARY_ALWAYS' : 'TEMPORARY_BUDGET_SCARCE',
      message: `${why}: temporary until ${times.endTime}${sized}, reverting by itself`,
    },
    target: raised,
    times,
  };
}
