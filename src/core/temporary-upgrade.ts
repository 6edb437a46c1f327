// Temporary upgrades of subscription bandwidth: ModifyInstanceNetworkSpec with StartTime/EndTime. The
// bandwidth reverts by itself at EndTime, so serving a peak this way spends no downgrade quota (the
// reason it is preferred for subscription instances; Alibaba's own OOS templates answer alerts the
// same way, docs/reference/alibaba-cloud.md §10).
import type { ActiveWindow, ScalingState } from './types';

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
  if (expiredAt !== undefined && until > expiredAt) return undefined;
  return { startTime: formatStartTime(start), endTime: formatEndTime(until), until };
}

/** The active window asking for temporary upgrades that lasts longest (its end bounds the upgrade). */
export function temporaryUpgradeWindow(windows: readonly ActiveWindow[]): ActiveWindow | undefined {
  return windows.filter((w) => w.temporaryUpgrade).reduce<ActiveWindow | undefined>((longest, w) => (!longest || w.end > longest.end ? w : longest), undefined);
}

/** A temporary upgrade the provider has not yet reverted. */
export function activeTemporaryUpgrade(state: Pick<ScalingState, 'temporaryUpgrade'>, now: number): ScalingState['temporaryUpgrade'] {
  return state.temporaryUpgrade && state.temporaryUpgrade.until > now ? state.temporaryUpgrade : undefined;
}
