import type { Decision, ScalingState } from '../core/types';

/** What became of a decision: the values HistoryRecord.outcome takes (src/cycle writes them). */
export type Outcome =
  | 'applied'
  | 'placed'
  | 'observed'
  | 'none'
  | 'failed'
  | 'conflict'
  | 'reconciled'
  | 'blocked'
  | 'unblocked'
  | 'deferred'
  | 'uncertain'
  | 'skipped'
  // An operator's runtime control (bwscaler pause / resume / override), audited in the history.
  | 'paused'
  | 'resumed'
  | 'override'
  | 'override-removed';

/** One record of the decision history: every decision, acting or not, with what came of it. */
export interface HistoryRecord {
  instanceId: string;
  at: number;
  decisionId: string;
  /** Where the decision came from: the alarm event id or the tick. */
  source: string;
  decision: Pick<Decision, 'action' | 'current' | 'target' | 'proposed' | 'reason' | 'message' | 'isDowngrade' | 'prediction'> & {
    guards: string[];
  };
  outcome: Outcome;
  orderId?: string;
  errorCode?: string;
}

/**
 * What the orchestration needs to remember. Every write that matters is conditional: alarm and cron
 * invocations race and are retried.
 */
export interface StateStore {
  /** The state of one instance; a fresh state with version 0 when none was written. */
  getState(instanceId: string): Promise<ScalingState>;
  /** All written states of a shard in one range read (a few round trips for thousands of rows). */
  listStates(shard: number, shards: number): Promise<ScalingState[]>;
  /**
   * Compare-and-set: writes `next` if the stored version equals `expectedVersion` (0 = must not exist).
   * Returns the state as written (version = expectedVersion + 1). Throws ConflictError otherwise.
   */
  putState(next: ScalingState, expectedVersion: number): Promise<ScalingState>;
  /** putState plus history records, in one round trip where the store allows it. */
  commit(next: ScalingState, expectedVersion: number, history: HistoryRecord[]): Promise<ScalingState>;
  appendHistory(records: HistoryRecord[]): Promise<void>;
  queryHistory(instanceId: string, from: number, to: number): Promise<HistoryRecord[]>;
  /** Records an event key (alarm delivery); true the first time, false for a duplicate. */
  markEventHandled(key: string, ttlSeconds: number): Promise<boolean>;
}

/** Which shard an instance belongs to (stable across processes). */
export function shardOf(instanceId: string, shards: number): number {
  let h = 2166136261;
  for (let i = 0; i < instanceId.length; i++) {
    h ^= instanceId.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) % shards;
}

export function emptyState(instanceId: string): ScalingState {
  return { instanceId, version: 0, recommendations: [], downgrades: [] };
}
