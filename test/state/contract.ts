// The StateStore contract: one suite that the in-memory store and the Tablestore adapter (against
// the local Tablestore emulator) must both pass. What the cycle relies on is written here once.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ScalingState } from '../../src/core/types';
import { ConflictError, ValidationError } from '../../src/errors';
import type { HistoryRecord, StateStore } from '../../src/ports/state-store';
import { emptyState, shardOf } from '../../src/ports/state-store';

export interface StoreHarness {
  /** A store with no data in it (fresh tables for Tablestore). */
  store: StateStore;
  /** Moves the store's clock (and the emulator's) forward. */
  advance(seconds: number): Promise<void>;
}

export interface ContractOptions {
  /** fast-check runs for the compare-and-set model property (each run is a few round trips). */
  propertyRuns?: number;
  /**
   * Writers in the retry-until-written case (default 50). It costs O(writers²) round trips, so the
   * Tablestore run uses fewer; the single-version race always uses 50.
   */
  retryingWriters?: number;
}

const DAY = 86_400;

function state(instanceId: string, patch: Partial<ScalingState> = {}): ScalingState {
  return { ...emptyState(instanceId), ...patch };
}

function record(instanceId: string, at: number, decisionId: string, outcome: HistoryRecord['outcome'] = 'none'): HistoryRecord {
  return {
    instanceId,
    at,
    decisionId,
    source: 'tick',
    decision: {
      action: 'none',
      current: 10,
      target: 10,
      proposed: 10,
      reason: 'WITHIN_TOLERANCE',
      message: 'utilisation within tolerance',
      isDowngrade: false,
      guards: [],
    },
    outcome,
  };
}

async function settle<T>(promises: Array<Promise<T>>) {
  const results = await Promise.allSettled(promises);
  return {
    won: results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
    lost: results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : [])),
  };
}

export function runStateStoreContract(name: string, makeHarness: () => Promise<StoreHarness>, options: ContractOptions = {}): void {
  describe(`StateStore contract: ${name}`, () => {
    describe('compare-and-set state', () => {
      it('returns a fresh state with version 0 for an instance never written', async () => {
        const { store } = await makeHarness();

        const got = await store.getState('i-never');

        expect(got).toEqual(emptyState('i-never'));
      });

      it('creates at version 0 and updates at the version it read', async () => {
        const { store } = await makeHarness();

        const created = await store.putState(state('i-a', { lastTarget: 10 }), 0);
        const updated = await store.putState({ ...created, lastTarget: 20, lastChangeAt: 1_767_225_600_000 }, 1);

        expect(created.version).toBe(1);
        expect(updated).toEqual(state('i-a', { version: 2, lastTarget: 20, lastChangeAt: 1_767_225_600_000 }));
        expect(await store.getState('i-a')).toEqual(updated);
      });

      const conflicts = [
        { name: 'a second create (expected 0) conflicts', writes: 1, expected: 0 },
        { name: 'a stale version conflicts', writes: 2, expected: 1 },
        { name: 'a version from the future conflicts', writes: 1, expected: 5 },
        { name: 'an update of a row never written conflicts', writes: 0, expected: 1 },
      ];
      it.each(conflicts)('$name, and the stored state is unchanged', async ({ writes, expected }) => {
        const { store } = await makeHarness();
        for (let v = 0; v < writes; v++) await store.putState(state('i-c', { lastTarget: v }), v);
        const before = await store.getState('i-c');

        const attempt = store.putState(state('i-c', { lastTarget: 99 }), expected);

        await expect(attempt).rejects.toBeInstanceOf(ConflictError);
        expect(await store.getState('i-c')).toEqual(before);
      });

      it('lets exactly one of 50 concurrent writers of one version win; the rest see a conflict', async () => {
        const { store } = await makeHarness();
        await store.putState(state('i-race'), 0);

        const { won, lost } = await settle(Array.from({ length: 50 }, (_, i) => store.putState(state('i-race', { lastTarget: i }), 1)));

        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(49);
        for (const reason of lost) expect(reason).toBeInstanceOf(ConflictError);
        expect(await store.getState('i-race')).toEqual(won[0]);
      });

      const writers = options.retryingWriters ?? 50;
      it(`loses no update when ${writers} writers retry on conflict: each version is won exactly once`, async () => {
        const { store } = await makeHarness();
        const versionsWon: number[] = [];

        await Promise.all(
          Array.from({ length: writers }, async (_, writer) => {
            // Bounded, so a store that never lets a write through fails the test instead of hanging it.
            for (let attempt = 0; attempt < 200; attempt++) {
              const current = await store.getState('i-counter');
              const next = { ...current, recommendations: [...current.recommendations, { at: writer, mbps: 1 }] };
              try {
                versionsWon.push((await store.putState(next, current.version)).version);
                return;
              } catch (error) {
                if (!(error instanceof ConflictError)) throw error;
              }
            }
            throw new Error(`writer ${writer} never got a write through`);
          }),
        );

        const final = await store.getState('i-counter');
        expect(final.version).toBe(writers);
        expect(final.recommendations.map((r) => r.at).sort((a, b) => a - b)).toEqual([...Array(writers).keys()]);
        expect(versionsWon.sort((a, b) => a - b)).toEqual(Array.from({ length: writers }, (_, i) => i + 1));
      });

      it('accepts a write exactly when the expected version is the stored one (model property)', async () => {
        const { store } = await makeHarness();
        let run = 0;

        await fc.assert(
          fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 8 }), async (guesses) => {
            const instanceId = `i-model-${run++}`;
            let modelVersion = 0;
            for (const expected of guesses) {
              const attempt = store.putState(state(instanceId, { lastTarget: expected }), expected);
              if (expected === modelVersion) {
                expect((await attempt).version).toBe(++modelVersion);
              } else {
                await expect(attempt).rejects.toBeInstanceOf(ConflictError);
              }
            }
            expect((await store.getState(instanceId)).version).toBe(modelVersion);
          }),
          { numRuns: options.propertyRuns ?? 50 },
        );
      });

      it('stores a copy: mutating what was written or read does not change the store', async () => {
        const { store } = await makeHarness();
        const input = state('i-copy', { recommendations: [{ at: 1, mbps: 5 }] });

        const written = await store.putState(input, 0);
        input.recommendations.push({ at: 2, mbps: 6 });
        written.recommendations.push({ at: 3, mbps: 7 });
        (await store.getState('i-copy')).recommendations.push({ at: 4, mbps: 8 });

        expect((await store.getState('i-copy')).recommendations).toEqual([{ at: 1, mbps: 5 }]);
      });

      it('round-trips a full state with large integers exactly', async () => {
        const { store } = await makeHarness();
        const full: ScalingState = {
          instanceId: 'i-full',
          version: 0,
          lastChangeAt: 1_767_225_600_123,
          lastScaleUpAt: 1_767_225_000_000,
          lastScaleDownAt: 1_767_000_000_000,
          lastTarget: 200,
          recommendations: [{ at: 1_767_225_600_000, mbps: 150 }],
          downgrades: [{ at: 1_767_000_000_000, from: 300, to: 200, orderId: '2026010112345' }],
          quotaExhaustedAt: 1_767_100_000_000,
          pending: {
            decisionId: 'd-1',
            clientToken: 'ct-1',
            action: 'temporaryUpgrade',
            from: 200,
            target: 400,
            startedAt: 1_767_225_600_123,
            isDowngrade: false,
            startTime: '2026-01-01T00:00Z',
            endTime: '2026-01-01T06Z',
            attempts: 2,
          },
          blocked: { code: 'InvalidAccountStatus.NotEnoughBalance', since: 1_767_225_600_000, message: 'arrears' },
          temporaryUpgrade: { until: 1_767_247_200_000, base: 200, target: 400 },
          spend: { hourStart: 1, hourCny: 0.25, dayStart: 2, dayCny: 3.5, lastSampleAt: 1_767_225_600_000 },
        };

        let written = await store.putState(full, 0);
        for (let v = 1; v < 12; v++) written = await store.putState(written, v);
        const read = await store.getState('i-full');

        expect(read).toEqual({ ...full, version: 12 });
        expect(Number.isSafeInteger(read.version)).toBe(true);
      });
    });

    describe('listStates', () => {
      it('returns exactly the rows of a shard, for shard counts that do and do not divide the store', async () => {
        const { store } = await makeHarness();
        const ids = Array.from({ length: 300 }, (_, i) => `i-${(i * 7919).toString(36)}-${i}`);
        await Promise.all(ids.map((id) => store.putState(state(id, { lastTarget: 1 }), 0)));

        for (const shards of [1, 3, 4, 16, 32]) {
          const seen: string[] = [];
          for (let shard = 0; shard < shards; shard++) {
            const listed = (await store.listStates(shard, shards)).map((s) => s.instanceId);
            expect(listed.sort()).toEqual(ids.filter((id) => shardOf(id, shards) === shard).sort());
            seen.push(...listed);
          }
          expect(seen).toHaveLength(ids.length);
        }
      });

      it('returns states with their versions', async () => {
        const { store } = await makeHarness();
        const first = await store.putState(state('i-v', { lastTarget: 5 }), 0);
        await store.putState(first, 1);

        const listed = await store.listStates(shardOf('i-v', 4), 4);

        expect(listed).toEqual([state('i-v', { version: 2, lastTarget: 5 })]);
      });

      const badShards = [
        { name: 'zero shards', shard: 0, shards: 0 },
        { name: 'a shard equal to the count', shard: 4, shards: 4 },
        { name: 'a negative shard', shard: -1, shards: 4 },
        { name: 'a fractional shard count', shard: 0, shards: 2.5 },
      ];
      it.each(badShards)('refuses $name with a ValidationError', async ({ shard, shards }) => {
        const { store } = await makeHarness();

        await expect(store.listStates(shard, shards)).rejects.toBeInstanceOf(ValidationError);
      });
    });

    describe('decision history', () => {
      it('returns the records of one instance within [from, to], inclusive, in time order', async () => {
        const { store } = await makeHarness();
        await store.appendHistory([
          record('i-h', 1_767_225_600_123, 'd-late'),
          record('i-h', 10, 'd-10'),
          record('i-h', 9, 'd-9'),
          record('i-h', 10, 'd-10a'),
          record('i-h', 5, 'd-before'),
          record('i-other', 10, 'd-other'),
        ]);

        const found = await store.queryHistory('i-h', 9, 1_767_225_600_123);

        expect(found.map((r) => [r.at, r.decisionId])).toEqual([
          [9, 'd-9'],
          [10, 'd-10'],
          [10, 'd-10a'],
          [1_767_225_600_123, 'd-late'],
        ]);
        expect(found[0]).toEqual(record('i-h', 9, 'd-9'));
      });

      it('keeps one row per (instance, at, decision, outcome): a retried append of one stage overwrites it', async () => {
        const { store } = await makeHarness();
        await store.appendHistory([record('i-h', 100, 'd-1', 'uncertain')]);

        await store.appendHistory([record('i-h', 100, 'd-1', 'uncertain')]);

        expect(await store.queryHistory('i-h', 0, 200)).toEqual([record('i-h', 100, 'd-1', 'uncertain')]);
      });

      it('keeps every stage of one decision written at the same millisecond (uncertain, then reconciled)', async () => {
        const { store } = await makeHarness();
        await store.appendHistory([record('i-h', 100, 'd-1', 'reconciled')]);

        await store.appendHistory([record('i-h', 100, 'd-1', 'uncertain')]);

        const found = await store.queryHistory('i-h', 0, 200);
        expect(found.map((r) => r.outcome).sort()).toEqual(['reconciled', 'uncertain']);
      });

      it('forgets records once the 90-day retention has passed', async () => {
        const { store, advance } = await makeHarness();
        await store.appendHistory([record('i-h', 1, 'd-old')]);
        await advance(45 * DAY);
        await store.appendHistory([record('i-h', 2, 'd-newer')]);

        await advance(46 * DAY);
        const found = await store.queryHistory('i-h', 0, 10);

        expect(found.map((r) => r.decisionId)).toEqual(['d-newer']);
      });

      it('refuses a record whose key cannot be stored', async () => {
        const { store } = await makeHarness();

        await expect(store.appendHistory([{ ...record('i-h', 1, 'd'), at: 1.5 }])).rejects.toBeInstanceOf(ValidationError);
        await expect(store.appendHistory([record('i-h', 1, '')])).rejects.toBeInstanceOf(ValidationError);
      });
    });

    describe('commit', () => {
      it('writes the state and the history records together', async () => {
        const { store } = await makeHarness();
        await store.putState(state('i-k', { lastTarget: 10 }), 0);

        const written = await store.commit(state('i-k', { lastTarget: 20 }), 1, [
          record('i-k', 1000, 'd-a', 'applied'),
          record('i-k', 1000, 'd-b', 'observed'),
        ]);

        expect(written.version).toBe(2);
        expect(await store.getState('i-k')).toEqual(state('i-k', { version: 2, lastTarget: 20 }));
        expect((await store.queryHistory('i-k', 0, 2000)).map((r) => r.outcome)).toEqual(['applied', 'observed']);
      });

      it('creates the state at version 0 with no history records', async () => {
        const { store } = await makeHarness();

        const written = await store.commit(state('i-k0'), 0, []);

        expect(written.version).toBe(1);
      });

      it('throws ConflictError on a stale version and leaves the state as it was', async () => {
        const { store } = await makeHarness();
        await store.putState(state('i-k', { lastTarget: 10 }), 0);
        await store.putState(state('i-k', { lastTarget: 15 }), 1);

        const attempt = store.commit(state('i-k', { lastTarget: 20 }), 1, [record('i-k', 1000, 'd-a', 'applied')]);

        await expect(attempt).rejects.toBeInstanceOf(ConflictError);
        expect(await store.getState('i-k')).toEqual(state('i-k', { version: 2, lastTarget: 15 }));
      });
    });

    describe('handled events', () => {
      it('is true the first time a key is seen and false for a duplicate, per key', async () => {
        const { store } = await makeHarness();

        const first = await store.markEventHandled('alarm:evt-1', 3600);
        const duplicate = await store.markEventHandled('alarm:evt-1', 3600);
        const other = await store.markEventHandled('alarm:evt-2', 3600);

        expect([first, duplicate, other]).toEqual([true, false, true]);
      });

      it('accepts a key again once its time-to-live has passed', async () => {
        const { store, advance } = await makeHarness();
        await store.markEventHandled('alarm:evt-ttl', 600);
        await advance(599);
        const within = await store.markEventHandled('alarm:evt-ttl', 600);

        await advance(2);
        const after = await store.markEventHandled('alarm:evt-ttl', 600);

        expect([within, after]).toEqual([false, true]);
      });

      it('lets exactly one of 20 concurrent deliveries of one event through', async () => {
        const { store } = await makeHarness();

        const results = await Promise.all(Array.from({ length: 20 }, () => store.markEventHandled('alarm:evt-race', 3600)));

        expect(results.filter(Boolean)).toHaveLength(1);
      });

      const badEvents = [
        { name: 'an empty key', key: '', ttl: 60 },
        { name: 'a zero time-to-live', key: 'k', ttl: 0 },
        { name: 'a non-finite time-to-live', key: 'k', ttl: Number.POSITIVE_INFINITY },
      ];
      it.each(badEvents)('refuses $name with a ValidationError', async ({ key, ttl }) => {
        const { store } = await makeHarness();

        await expect(store.markEventHandled(key, ttl)).rejects.toBeInstanceOf(ValidationError);
      });
    });

    it.each([
      { name: 'a negative expected version', expected: -1 },
      { name: 'a fractional expected version', expected: 1.5 },
    ])('refuses $name with a ValidationError', async ({ expected }) => {
      const { store } = await makeHarness();

      await expect(store.putState(state('i-bad'), expected)).rejects.toBeInstanceOf(ValidationError);
    });
  });
}
