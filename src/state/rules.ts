// What the two StateStore implementations (memory.ts, tablestore.ts) must agree on beyond the port's
// types: which inputs are refused, how history is keyed and ordered, and the default retention.
import { ValidationError } from '../errors';
import type { HistoryRecord } from '../ports/state-store';

/** History is kept 90 days unless configured otherwise (Tablestore table TTL, set by init-tables). */
export const DEFAULT_HISTORY_TTL_SECONDS = 90 * 86_400;

/**
 * The events table's TTL (tables.ts). A handled-event key is kept for the caller's ttlSeconds, but
 * never longer than this: Tablestore collects the row then whatever its expiresAt says. Alarm
 * redeliveries and Function Compute retries happen within hours (alibaba-cloud-facts §5.5).
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

/** History rows are keyed by (instanceId, at, decisionId): `at` must be an integer, the ids non-empty. */
export function checkHistoryRecord(record: HistoryRecord, index = 0): void {
  const where = `history[${index}]`;
  if (typeof record.instanceId !== 'string' || record.instanceId === '') {
    refuse(`${where}.instanceId`, 'a non-empty string', record.instanceId);
  }
  if (!Number.isSafeInteger(record.at) || record.at < 0) refuse(`${where}.at`, 'an integer epoch ms', record.at);
  if (typeof record.decisionId !== 'string' || record.decisionId === '') {
    refuse(`${where}.decisionId`, 'a non-empty string', record.decisionId);
  }
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

export function historyKey(record: Pick<HistoryRecord, 'instanceId' | 'at' | 'decisionId'>): string {
  return `${record.instanceId}\u0000${record.at}\u0000${record.decisionId}`;
}

/** Tablestore's primary-key order for (at INTEGER, decisionId STRING): by time, then id bytes. */
export function compareHistory(a: HistoryRecord, b: HistoryRecord): number {
  if (a.at !== b.at) return a.at - b.at;
  return Buffer.compare(Buffer.from(a.decisionId), Buffer.from(b.decisionId));
}

/** Tablestore's order for a STRING primary key: by UTF-8 bytes. */
export function compareIds(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
