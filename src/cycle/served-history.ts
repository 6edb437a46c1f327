// The served history a predictive policy reads (src/core/predictive.ts), fetched from CloudMonitor
// and cached in Tablestore (src/ports/served-store.ts) by the fleet tick:
//
// - first run (or a cache older than the policy needs): a BACKFILL, DescribeMetricList over the whole
//   span the policy reads (1-14 days), one instance per query, paged by NextToken;
// - afterwards: an INCREMENTAL append of the minutes since the cache's end, every predictive
//   instance of the region in the same queries (50 instances per query);
// - the cache is read back from Tablestore, one BatchGetRow per 100 (instance, day) rows, and the
//   rows that changed are written in BatchWriteRow requests of 200. A container keeps the COMPLETE
//   rows of past UTC days it has read or written (ContainerRows below): they no longer change, so a
//   warm container reads only today's rows (and any day it does not hold yet).
//
// Cost per tick for P predictive instances over D cached days (test/cycle/served-history.test.ts
// counts it): Tablestore ceil(P·D/100) reads in a cold container, ceil(P/100) in a warm one (for a
// few minutes after midnight UTC ceil(2P/100): yesterday's row is held only once complete), plus
// ceil(changed rows/200) writes; CloudMonitor ceil(P/50) incremental queries (one page each at a
// 5-minute tick) plus at most `backfillPages` pages of backfill, so a fleet switched to a predictive
// policy is filled a few instances per tick instead of all at once. Instances without a `predictive`
// block cost nothing.
//
// What decide() gets is history, never a reason to act: a missing or stale cache is an empty history
// with a note, and the core then runs the plain reactive rules and says why (a cold start).
import type { InstanceFacts, Policy, PredictiveConfig, ScalingState, ServedHistory } from '../core/types';
import type { ServedPoint } from '../ports/cloud';
import { DAY_MS, dayOf, SERVED_PERIOD_MS, type ServedDay, type ServedStore, SLOTS_PER_DAY } from '../ports/served-store';
import type { CycleDeps } from './deps';

export interface ServedHistoryOptions {
  /** DescribeMetricList pages one tick may spend on backfills (a 14-day backfill is 21 pages). */
  backfillPages: number;
  /** A cache whose newest minute is older than this is not used: the decision is a cold start. */
  staleAfterMs: number;
  /**
   * Minutes older than this are taken as final when CloudMonitor has no point for them: they stay a
   * gap. Newer empty minutes are asked again next tick (CloudMonitor publishes a minute late).
   */
  settledAfterMs: number;
  /** The most complete past-day rows a container keeps (ContainerRows); 0 keeps none. */
  containerRows: number;
}

/**
 * 4,096 full day rows are 4,096 × 1,440 minutes × 6 bytes ≈ 35 MB of typed arrays: under 7 % of the
 * schedule function's 512 MB (template.yml), and every past day of about 290 instances over 14 days.
 */
export const CONTAINER_ROWS = 4096;

export const DEFAULT_SERVED_HISTORY_OPTIONS: ServedHistoryOptions = {
  backfillPages: 64,
  staleAfterMs: 20 * 60_000,
  settledAfterMs: 10 * 60_000,
  containerRows: CONTAINER_ROWS,
};

/** The longest span any policy may read: the "1-14 days" of history. */
export const MAX_HISTORY_MS = 14 * DAY_MS;
/** A cache this far behind is appended in the shared incremental queries; further behind, it is a backfill. */
const INCREMENTAL_MAX_MS = 60 * 60_000;
/** DescribeMetricList Length: "默认值为1000" (https://help.aliyun.com/document_detail/155561.html). */
const PAGE_POINTS = 1000;
/** The volatility window of src/core/predictive.ts: every policy reads at least this much. */
const MIN_HISTORY_MS = 6 * 3_600_000;

export interface ServedTarget {
  instance: InstanceFacts;
  policy: Policy;
  state: ScalingState;
}

export interface ServedHistoryResult {
  histories: Map<string, ServedHistory>;
  /** What the tick spent, for its log line and the cost tests. */
  cost: { incrementalQueries: number; backfills: number; backfillPages: number; queued: number; rowsWritten: number };
}

/** How far back a predictive block reads: its 7-day peak, its look-back, its seasonal days. */
export function historySpanMs(config: PredictiveConfig): number {
  const seasonal = config.seasonal ? (config.seasonal.days * config.seasonal.dayLengthSeconds + config.seasonal.horizonSeconds) * 1000 : 0;
  const span = Math.max(config.peakWindowSeconds * 1000, config.maxLookBackSeconds * 1000, seasonal, MIN_HISTORY_MS);
  return Math.min(MAX_HISTORY_MS, Math.ceil(span / SERVED_PERIOD_MS) * SERVED_PERIOD_MS);
}

type ErrorSink = (where: { instanceId?: string; regionId?: string; stage: string }, error: unknown) => void;

/** The served history of every predictive target, keyed by instance id (non-predictive ones are absent). */
export async function loadServedHistories(
  deps: CycleDeps,
  targets: readonly ServedTarget[],
  now: number,
  onError: ErrorSink,
  given: Partial<ServedHistoryOptions> = {},
): Promise<ServedHistoryResult> {
  const options = { ...DEFAULT_SERVED_HISTORY_OPTIONS, ...given };
  const histories = new Map<string, ServedHistory>();
  const cost = { incrementalQueries: 0, backfills: 0, backfillPages: 0, queued: 0, rowsWritten: 0 };
  const predictive = targets.filter((t) => t.policy.predictive !== undefined);
  if (predictive.length === 0) return { histories, cost };
  const coldStart = (note: string) => {
    for (const t of predictive) histories.set(t.instance.instanceId, { samples: [], note });
    return { histories, cost };
  };
  const served = deps.served;
  const fetchRates = deps.metrics.servedRates?.bind(deps.metrics);
  // Without a cache nothing is passed: decide() then reads the state's history where a caller put
  // one there (the fast backtest), and otherwise runs cold and says so.
  if (!served || !fetchRates) return { histories, cost };

  const spans = new Map(predictive.map((t) => [t.instance.instanceId, historySpanMs(t.policy.predictive as PredictiveConfig)]));
  const rows = containerRowsOf(served, options.containerRows);
  let cached: Map<string, ServedDay[]>;
  try {
    cached = await readThrough(
      served,
      rows,
      predictive.map((t) => ({ instanceId: t.instance.instanceId, fromDay: dayOf(now - (spans.get(t.instance.instanceId) as number)) })),
      now,
    );
  } catch (error) {
    onError({ stage: 'served-read' }, error);
    return coldStart('the served-history cache could not be read');
  }

  // The newest minute CloudMonitor may have: EndTime is inclusive, points are stamped with their start.
  const end = Math.floor(now / SERVED_PERIOD_MS) * SERVED_PERIOD_MS;
  const incremental: Array<{ target: ServedTarget; from: number; days: ServedDay[] }> = [];
  const backfill: Array<{ target: ServedTarget; from: number; days: ServedDay[] }> = [];
  for (const target of predictive) {
    const id = target.instance.instanceId;
    const days = cached.get(id) ?? [];
    const fetchedTo = days.length > 0 ? Math.max(...days.map((d) => d.fetchedTo)) : undefined;
    const span = spans.get(id) as number;
    const covers = fetchedTo !== undefined && days[0] !== undefined && days[0].day <= dayOf(now - span);
    if (covers && fetchedTo > end) continue;
    if (covers && fetchedTo >= end - INCREMENTAL_MAX_MS) incremental.push({ target, from: fetchedTo, days });
    // A long gap (the tick was off for hours) is fetched alone, like a backfill of that gap only.
    else if (covers) backfill.push({ target, from: fetchedTo, days });
    else backfill.push({ target, from: Math.floor((now - span) / SERVED_PERIOD_MS) * SERVED_PERIOD_MS, days: [] });
  }

  const updated = new Map<string, ServedDay[]>(cached);
  const changed: ServedDay[] = [];
  const queued = new Set<string>();

  // Incremental: every instance of a region in shared queries from the oldest cache end.
  const byRegion = new Map<string, typeof incremental>();
  for (const item of incremental) byRegion.set(item.target.instance.regionId, [...(byRegion.get(item.target.instance.regionId) ?? []), item]);
  for (const [regionId, items] of byRegion) {
    const from = Math.min(...items.map((i) => i.from));
    try {
      // One second inside the exclusive StartTime: the minute starting at `from` is included.
      const points = await fetchRates(
        regionId,
        items.map((i) => metricTarget(i.target.instance)),
        from - 1000,
        end,
      );
      cost.incrementalQueries += Math.ceil(items.length / 50);
      for (const item of items) {
        const days = merge(item.days, item.target, item.from, end, points.get(item.target.instance.instanceId) ?? [], now, options, true);
        updated.set(item.target.instance.instanceId, days.all);
        changed.push(...days.changed);
      }
    } catch (error) {
      onError({ regionId, stage: 'served-fetch' }, error);
    }
  }

  // Backfill: one instance per query, within the tick's page budget; the rest wait for a later tick.
  let pages = 0;
  for (const { target, from, days: before } of backfill) {
    const id = target.instance.instanceId;
    const need = Math.ceil((end - from) / SERVED_PERIOD_MS / PAGE_POINTS);
    if (pages + need > options.backfillPages) {
      queued.add(id);
      continue;
    }
    pages += need;
    try {
      const points = await fetchRates(target.instance.regionId, [metricTarget(target.instance)], from - 1000, end);
      cost.backfills += 1;
      const days = merge(before, target, from, end, points.get(id) ?? [], now, options, before.length > 0);
      updated.set(id, days.all);
      changed.push(...days.changed);
    } catch (error) {
      onError({ instanceId: id, stage: 'served-backfill' }, error);
    }
  }
  cost.backfillPages = pages;
  cost.queued = queued.size;

  if (changed.length > 0) {
    try {
      await served.writeServed(changed);
      cost.rowsWritten = changed.length;
      // Held only once Tablestore has them: a row whose write failed is read again next tick.
      rows.keep(changed, now);
    } catch (error) {
      // The history fetched is used this tick all the same; the next tick fetches it again.
      onError({ stage: 'served-write' }, error);
    }
  }

  for (const target of predictive) {
    const id = target.instance.instanceId;
    histories.set(id, historyOf(updated.get(id) ?? [], now, spans.get(id) as number, options, queued.has(id)));
  }
  return { histories, cost };
}

/**
 * The complete rows of past UTC days this container has read from Tablestore or written to it, by
 * instance and day. Why a row may be held: `merge` writes a day from the cache's end onwards, so once
 * a row's `fetchedTo` has passed the end of its day, no append touches it again; only today's row
 * (and yesterday's for the minutes after midnight until it is complete) still changes, and those are
 * always read from Tablestore, the source of truth. Two containers, or two concurrent ticks of one,
 * that append at once write the same CloudMonitor minutes (served.ts); a held row is never modified
 * in place (merge copies it), so concurrent ticks share it safely.
 *
 * What a held row can miss: a full re-backfill (a policy that now reads further back than the cache
 * goes) rewrites past days in another container. It writes the same CloudMonitor minutes; only the
 * caps it cannot know (0, "unknown") may differ from the ones this container recorded while appending.
 *
 * Bounded: rows older than MAX_HISTORY_MS (no policy reads them) are dropped on every tick, and at
 * most `limit` rows are held. When full, new rows are not added, rather than evicting others: a tick
 * walks the same instances every time, and evicting would make every tick miss (LRU under a cyclic
 * scan); this way the rows held stay hits.
 */
export interface ContainerRows {
  /** The held rows of `instanceId` for days in [fromDay, toDay), oldest first. */
  held(instanceId: string, fromDay: number, toDay: number): ServedDay[];
  /** Holds the complete past-day rows among `days`; drops rows no policy reads any more. */
  keep(days: readonly ServedDay[], now: number): void;
  readonly size: number;
}

export function createContainerRows(limit: number): ContainerRows {
  const byInstance = new Map<string, Map<number, ServedDay>>();
  let size = 0;
  const drop = (oldest: number) => {
    for (const [id, days] of byInstance) {
      for (const day of days.keys()) {
        if (day >= oldest) continue;
        days.delete(day);
        size--;
      }
      if (days.size === 0) byInstance.delete(id);
    }
  };
  return {
    held(instanceId, fromDay, toDay) {
      const days = byInstance.get(instanceId);
      if (!days) return [];
      return [...days.values()].filter((d) => d.day >= fromDay && d.day < toDay).sort((a, b) => a.day - b.day);
    },
    keep(days, now) {
      drop(dayOf(now - MAX_HISTORY_MS));
      const today = dayOf(now);
      for (const row of days) {
        const complete = row.day < today && row.fetchedTo >= row.day + DAY_MS && row.mbps.length === SLOTS_PER_DAY;
        if (!complete || row.day < dayOf(now - MAX_HISTORY_MS)) continue;
        const held = byInstance.get(row.instanceId) ?? new Map<number, ServedDay>();
        if (!held.has(row.day)) {
          if (size >= limit) continue;
          size++;
        }
        held.set(row.day, row);
        byInstance.set(row.instanceId, held);
      }
    },
    get size() {
      return size;
    },
  };
}

/**
 * One ContainerRows per served store: the deployed runtime builds its store once per container
 * (src/handlers/runtime.ts), so this is the container's; a test or a CLI run with a store of its own
 * starts cold, as a new container does.
 */
const containerRows = new WeakMap<ServedStore, ContainerRows>();

function containerRowsOf(served: ServedStore, limit: number): ContainerRows {
  let rows = containerRows.get(served);
  if (!rows) {
    rows = createContainerRows(limit);
    containerRows.set(served, rows);
  }
  return rows;
}

/**
 * The rows of each instance from its own first day to `toDay` (today): the held ones from memory, the
 * rest from Tablestore. An instance's read starts at the first day after the unbroken run of held
 * rows from its first day, so a warm container asks for today's row only (a hole further back, a row
 * not complete when it was read, is read again with every day after it). Instances whose reads start
 * on the same day share BatchGetRow requests.
 */
async function readThrough(
  served: ServedStore,
  rows: ContainerRows,
  wanted: ReadonlyArray<{ instanceId: string; fromDay: number }>,
  now: number,
): Promise<Map<string, ServedDay[]>> {
  const toDay = dayOf(now);
  const held = new Map<string, ServedDay[]>();
  const byFirstMissing = new Map<number, string[]>();
  for (const { instanceId, fromDay } of wanted) {
    let first = fromDay;
    const days: ServedDay[] = [];
    for (const row of rows.held(instanceId, fromDay, toDay)) {
      if (row.day !== first) break;
      days.push(row);
      first += DAY_MS;
    }
    held.set(instanceId, days);
    byFirstMissing.set(first, [...(byFirstMissing.get(first) ?? []), instanceId]);
  }
  const out = new Map<string, ServedDay[]>();
  for (const [first, ids] of byFirstMissing) {
    const read = await served.readServed(ids, first, toDay);
    for (const id of ids) {
      const days = [...(held.get(id) ?? []), ...(read.get(id) ?? [])];
      if (days.length > 0) out.set(id, days);
    }
    for (const days of read.values()) rows.keep(days, now);
  }
  return out;
}

function metricTarget(instance: InstanceFacts) {
  return { instanceId: instance.instanceId, networkType: instance.networkType, ...(instance.publicIp === undefined ? {} : { publicIp: instance.publicIp }) };
}

/**
 * The days after writing `points` into the minutes [from, fetchedTo). The cap of a minute is the
 * instance's bandwidth now when bwscaler has not changed it since that minute (state.lastChangeAt);
 * otherwise, and for a backfilled minute before any change bwscaler knows of, it is unknown (0), and
 * a sample at the cap then cannot be told from demand: see README, predictive policy.
 */
function merge(
  before: readonly ServedDay[],
  target: ServedTarget,
  from: number,
  end: number,
  points: readonly ServedPoint[],
  now: number,
  options: ServedHistoryOptions,
  appended: boolean,
): { all: ServedDay[]; changed: ServedDay[] } {
  const id = target.instance.instanceId;
  const newest = points.length > 0 ? (points[points.length - 1] as ServedPoint).at : Number.NEGATIVE_INFINITY;
  const settled = Math.floor((now - options.settledAfterMs) / SERVED_PERIOD_MS) * SERVED_PERIOD_MS;
  const fetchedTo = Math.min(end + SERVED_PERIOD_MS, Math.max(newest + SERVED_PERIOD_MS, settled, from));
  const days = new Map(before.map((d) => [d.day, d]));
  const changed = new Map<number, ServedDay>();
  const lastChange = target.state.lastChangeAt;
  const capKnownFrom = lastChange ?? (appended ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY);
  const cap = Math.min(65_535, Math.max(0, Math.round(target.instance.bandwidthOut)));
  const byMinute = new Map(points.map((p) => [p.at, p.outBps]));
  for (let day = dayOf(from); day < fetchedTo; day += DAY_MS) {
    const old = days.get(day);
    const length = Math.min(SLOTS_PER_DAY, (fetchedTo - day) / SERVED_PERIOD_MS);
    const mbps = new Float32Array(length).fill(Number.NaN);
    const caps = new Uint16Array(length);
    if (old) {
      mbps.set(old.mbps.subarray(0, Math.min(old.mbps.length, length)));
      caps.set(old.cap.subarray(0, Math.min(old.cap.length, length)));
    }
    const first = Math.max(0, (from - day) / SERVED_PERIOD_MS);
    for (let slot = first; slot < length; slot++) {
      const at = day + slot * SERVED_PERIOD_MS;
      const bps = byMinute.get(at);
      mbps[slot] = bps === undefined ? Number.NaN : bps / 1_000_000;
      caps[slot] = at >= capKnownFrom ? cap : 0;
    }
    const row: ServedDay = { instanceId: id, day, mbps, cap: caps, fetchedTo };
    days.set(day, row);
    changed.set(day, row);
  }
  // Older days than any policy reads are left to the table's TTL; they are dropped from the view here.
  const all = [...days.values()].sort((a, b) => a.day - b.day);
  return { all, changed: [...changed.values()] };
}

/** The samples decide() reads: the last `span` of cached minutes, gaps left out, oldest first. */
function historyOf(days: readonly ServedDay[], now: number, span: number, options: ServedHistoryOptions, queued: boolean): ServedHistory {
  const samples: Array<{ at: number; mbps: number; cap: number }> = [];
  const from = now - span;
  for (const day of days) {
    for (let slot = 0; slot < day.mbps.length; slot++) {
      const at = day.day + slot * SERVED_PERIOD_MS;
      const mbps = day.mbps[slot] as number;
      if (at < from || at > now || Number.isNaN(mbps)) continue;
      samples.push({ at, mbps, cap: day.cap[slot] as number });
    }
  }
  const newest = samples.at(-1)?.at;
  if (newest === undefined) {
    return { samples: [], note: queued ? 'served history not fetched yet (backfill queued behind other instances)' : 'no served history in CloudMonitor' };
  }
  const age = now - newest;
  if (age > options.staleAfterMs) {
    const minutes = Math.round(age / 60_000);
    return { samples: [], note: `served history is stale (newest minute ${minutes} min old${queued ? ', refill queued' : ''})` };
  }
  return { samples };
}
