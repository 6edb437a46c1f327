// The in-memory StateStore: the backtest's store and the unit tests' store. It keeps the semantics of
// the Tablestore adapter (one contract suite runs against both, test/state/contract.ts):
// - compare-and-set on `version` (0 = must not exist);
// - history and handled-event keys expire on the injected clock, as Tablestore TTL does on its own;
// - values are JSON round-tripped on the way in and out, as they are through Tablestore, so a caller
//   can neither mutate what is stored nor rely on values JSON cannot carry (undefined, Date, NaN).

import type { ScalingState } from '../core/types';
import { ConflictError } from '../errors';
import type { HistoryRecord, StateStore } from '../ports/state-store';
import { emptyState, shardOf } from '../ports/state-store';
import {
  checkEvent,
  checkExpectedVersion,
  checkHistoryRange,
  checkHistoryRecord,
  checkShard,
  compareHistory,
  compareIds,
  DEFAULT_HISTORY_TTL_SECONDS,
  eventTtlMs,
  historyKey,
} from './rules';

export interface MemoryStoreOptions {
  /** Epoch ms; defaults to Date.now. The backtest passes its simulated clock. */
  now?: () => number;
  /** History rows vanish this long after they were written (Tablestore's table TTL). Default 90 days. */
  historyTtlSeconds?: number;
}

interface StoredHistory {
  record: HistoryRecord;
  writtenAt: number;
}

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export function createMemoryStore(options: MemoryStoreOptions = {}): StateStore {
  const now = options.now ?? Date.now;
  const historyTtlMs = (options.historyTtlSeconds ?? DEFAULT_HISTORY_TTL_SECONDS) * 1000;
  const states = new Map<string, ScalingState>();
  // Indexed by instance so a year-long backtest does not scan every instance's history per query.
  const history = new Map<string, Map<string, StoredHistory>>();
  const eventExpiry = new Map<string, number>();

  // Each operation checks and writes in one synchronous step, so concurrent callers are serialised
  // by the event loop exactly as Tablestore serialises conditional writes to one row.
  function putState(next: ScalingState, expectedVersion: number): ScalingState {
    checkExpectedVersion(expectedVersion);
    const storedVersion = states.get(next.instanceId)?.version ?? 0;
    if (storedVersion !== expectedVersion) {
      throw new ConflictError(
        expectedVersion === 0
          ? `state of ${next.instanceId} already exists (version ${storedVersion})`
          : `state of ${next.instanceId} is at version ${storedVersion}, not ${expectedVersion}`,
      );
    }
    const written = copy({ ...next, version: expectedVersion + 1 });
    states.set(next.instanceId, written);
    return copy(written);
  }

  function appendHistory(records: HistoryRecord[]): void {
    records.forEach(checkHistoryRecord);
    const writtenAt = now();
    for (const record of records) {
      const rows = history.get(record.instanceId) ?? new Map<string, StoredHistory>();
      history.set(record.instanceId, rows);
      // Same key, same row: a retried append overwrites instead of duplicating (as a Tablestore put).
      rows.set(historyKey(record), { record: copy(record), writtenAt });
    }
  }

  return {
    async getState(instanceId) {
      const stored = states.get(instanceId);
      return stored ? copy(stored) : emptyState(instanceId);
    },

    async listStates(shard, shards) {
      checkShard(shard, shards);
      return [...states.values()]
        .filter((state) => shardOf(state.instanceId, shards) === shard)
        .sort((a, b) => compareIds(a.instanceId, b.instanceId))
        .map(copy);
    },

    async putState(next, expectedVersion) {
      return putState(next, expectedVersion);
    },

    // Atomic here, unlike Tablestore's BatchWriteRow: a lost compare-and-set writes no history. The
    // contract leaves history unspecified after a ConflictError (see commit in tablestore.ts).
    async commit(next, expectedVersion, records) {
      records.forEach(checkHistoryRecord);
      const written = putState(next, expectedVersion);
      appendHistory(records);
      return written;
    },

    async appendHistory(records) {
      appendHistory(records);
    },

    async queryHistory(instanceId, from, to) {
      checkHistoryRange(from, to);
      const rows = history.get(instanceId);
      if (!rows) return [];
      const cutoff = now() - historyTtlMs;
      const found: HistoryRecord[] = [];
      for (const [key, { record, writtenAt }] of rows) {
        if (writtenAt <= cutoff) rows.delete(key);
        else if (record.at >= from && record.at <= to) found.push(copy(record));
      }
      return found.sort(compareHistory);
    },

    async markEventHandled(key, ttlSeconds) {
      checkEvent(key, ttlSeconds);
      const at = now();
      const expiresAt = eventExpiry.get(key);
      if (expiresAt !== undefined && expiresAt > at) return false;
      eventExpiry.set(key, at + eventTtlMs(ttlSeconds));
      return true;
    },
  } satisfies StateStore;
}
