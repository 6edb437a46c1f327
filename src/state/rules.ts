// What the two StateStore implementations (memory.ts, tablestore.ts) must agree on beyond the port's
// types: which inputs are refused, how history is keyed and ordered, and the default retention.
import { ValidationError } from '../errors';
import type { HistoryRecord } from '../ports/state-store';

/** History is kept 90 days unless configured otherwise (Tablestore table TTL, set by init-tables). */
export const DEFAULT_HISTORY_TTL_SECONDS = 90 * 86_400;

/**
 * The events table's TTL (tables.ts). A handled-event key is kept for the caller's ttlSeconds, but
 * never longer than this: Tablestore collects the row then whatever its expiresAt says. Alarm
 * redeliveries and Function Compute retries happen within hours (alibaba-cloud-docs/reference/alibaba-cloud.md §5.5).
 */
export const EVENT_TTL_LIMIT_SECONDS = 7 * 86_400;

export function eventTtlMs(ttlSeconds: number): number {
  return Math.round(Math.min(ttlSeconds, EVENT_TTL_LIMIT_SECONDS) * 1000);
}

function refuse(where: string, expected: string, got: unknown): never {
  const issue = `${where}: expected ${expected}, got ${JSON.stringify(got) ?? String(got)}`;
  throw new ValidationError(issue, [issue]);
}

export function checkExpectedVersion(expectedVersion: number): void {
  if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0) {
    refuse('putState expectedVersion', 'a non-negative integer (0 = must not exist)', expectedVersion);
  }
}

export function checkShard(shard: number, shards: number): void {
  if (!Number.isSafeInteger(shards) || shards < 1) refuse('listStates shards', 'a positive integer', shards);
  if (!Number.isSafeInteger(shard) || shard < 0 || shard >= shards) {
    refuse('listStates shard', `an integer in [0, ${shards})`, shard);
  }
}

/**
 * History rows are keyed by (instanceId, at, decisionId/outcome): one row per stage of a decision's
 * life, so an "uncertain" call and the "reconciled" record a concurrent invocation writes for the same
 * decision at the same millisecond both survive (the chaos run lost an audit row when the key had no
 * outcome), while a retried append of the same stage rewrites its own row. `at` must be an integer,
 * the ids and the outcome non-empty.
 */
export function checkHistoryRecord(record: HistoryRecord, index = 0): void {
  const where = `history[${index}]`;
  if (typeof record.instanceId !== 'string' || record.instanceId === '') {
    refuse(`${where}.instanceId`, 'a non-empty string', record.instanceId);
  }
  if (!Number.isSafeInteger(record.at) || record.at < 0) refuse(`${where}.at`, 'an integer epoch ms', record.at);
  if (typeof record.decisionId !== 'string' || record.decisionId === '') {
    refuse(`${where}.decisionId`, 'a non-empty string', record.decisionId);
  }
  if (typeof record.outcome !== 'string' || (record.outcome as string) === '') refuse(`${where}.outcome`, 'a non-empty string', record.outcome);
}

/** A time range may be open (±Infinity) but not NaN, which would silently match nothing. */
export function checkHistoryRange(from: number, to: number): void {
  if (typeof from !== 'number' || Number.isNaN(from)) refuse('queryHistory from', 'epoch ms', from);
  if (typeof to !== 'number' || Number.isNaN(to)) refuse('queryHistory to', 'epoch ms', to);
}

export function checkEvent(key: string, ttlSeconds: number): void {
  if (typeof key !== 'string' || key === '') refuse('markEventHandled key', 'a non-empty string', key);
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    refuse('markEventHandled ttlSeconds', 'a positive number of seconds', ttlSeconds);
  }
}

/** The third primary-key column of a history row: the decision and the stage it reached. */
export function historyEntry(record: Pick<HistoryRecord, 'decisionId' | 'outcome'>): string {
  return `${record.decisionId}/${record.outcome}`;
}

export function historyKey(record: Pick<HistoryRecord, 'instanceId' | 'at' | 'decisionId' | 'outcome'>): string {
  return `${record.instanceId}\u0000${record.at}\u0000${historyEntry(record)}`;
}

/** Tablestore's primary-key order for (at INTEGER, entry STRING): by time, then entry bytes. */
export function compareHistory(a: HistoryRecord, b: HistoryRecord): number {
  if (a.at !== b.at) return a.at - b.at;
  return Buffer.compare(Buffer.from(historyEntry(a)), Buffer.from(historyEntry(b)));
}

/** Tablestore's order for a STRING primary key: by UTF-8 bytes. */
export function compareIds(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
