// The served-rate cache of the predictive policy: CloudMonitor's record of an instance's outbound
// rate, kept in Tablestore so a tick reads 1-14 days of it in a few round trips instead of fetching
// them again from DescribeMetricList (src/cycle/served-history.ts fills it).

/** CloudMonitor's basic ECS metrics are per minute: one slot per minute. */
export const SERVED_PERIOD_MS = 60_000;
export const DAY_MS = 86_400_000;
export const SLOTS_PER_DAY = DAY_MS / SERVED_PERIOD_MS;

/**
 * One UTC day of one instance's served outbound rate, one slot per minute from `day`. Only the slots
 * before `fetchedTo` are held (the arrays are that long, at most a day).
 */
export interface ServedDay {
  instanceId: string;
  /** The day's first minute, epoch ms: a multiple of DAY_MS. */
  day: number;
  /** Mbps per slot; NaN where CloudMonitor has no point (a collector gap, or no public address then). */
  mbps: Float32Array;
  /**
   * The bandwidth cap in force per slot (Mbps), 0 where unknown. CloudMonitor does not record the
   * cap: the cycle knows it only for minutes after the instance's last change bwscaler made.
   */
  cap: Uint16Array;
  /** Epoch ms: every slot that starts before this has been asked of CloudMonitor. */
  fetchedTo: number;
}

export interface ServedStore {
  /** The cached days of these instances within [fromDay, toDay] (day starts), by instance, oldest first. */
  readServed(instanceIds: readonly string[], fromDay: number, toDay: number): Promise<Map<string, ServedDay[]>>;
  /** Writes these days, each replacing the stored one of its instance and day. */
  writeServed(days: readonly ServedDay[]): Promise<void>;
}

/** The day a time falls in. */
export function dayOf(at: number): number {
  return Math.floor(at / DAY_MS) * DAY_MS;
}
