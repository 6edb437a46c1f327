// The predictive policy's served history, fetched from CloudMonitor (DescribeMetricList, NextToken
// pages) and cached in Tablestore, against the local cloud: the real pop-core and tablestore SDKs
// over HTTP. Call counts are the cost a tick pays; the figures are stated in served-history.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../local-cloud/cloud';
import type { Fixture } from '../../local-cloud/fixture';
import { CMS_API_VERSION, createMetricApi } from '../../src/adapters/cms';
import { createEcsApi, ECS_API_VERSION } from '../../src/adapters/ecs';
import { createRpcClient, type RpcClient } from '../../src/adapters/pop';
import type { InstanceFacts, Policy, PredictiveConfig } from '../../src/core/types';
import type { CycleDeps } from '../../src/cycle/deps';
import { createContainerRows, historySpanMs, loadServedHistories, type ServedTarget } from '../../src/cycle/served-history';
import { runTick } from '../../src/cycle/tick';
import type { PolicyDocument } from '../../src/policy/load';
import { dayOf, type ServedDay, type ServedStore, SLOTS_PER_DAY } from '../../src/ports/served-store';
import { emptyState } from '../../src/ports/state-store';
import { createMemoryStore } from '../../src/state/memory';
import { createTablestoreServedStore } from '../../src/state/served';
import { ensureTables } from '../../src/state/tables';
import { makePolicy } from '../fixtures/policies';

const DAY = 86_400_000;

const PREDICTIVE: PredictiveConfig = {
  mode: 'forecast-only',
  triggerPercent: 4.5,
  setPercent: 9.3,
  smallMbps: 5,
  smallFactor: 4,
  scaleDownPercentOfPeak: 4,
  peakWindowSeconds: 7 * 86_400,
  lookBackSeconds: 300,
  maxLookBackSeconds: 7200,
  volatilityQuantile: 0.9,
  censoredPercent: 98,
  censoredRisePercent: 20,
  seasonal: { days: 14, minDays: 7, horizonSeconds: 900, maxRise: 1.05, dayLengthSeconds: 86_400 },
};

const diurnal = (seed: number) => ({ kind: 'diurnal' as const, baseMbps: 5, peakMbps: 40, peakHourUtc: 12, weekendFactor: 0.8, noise: 0.1, seed });
const FIXTURE: Fixture = {
  instances: [
    { InstanceId: 'i-pred-1', InternetMaxBandwidthOut: 60, Tags: [{ TagKey: 'app', TagValue: 'pred' }], Demand: diurnal(1) },
    { InstanceId: 'i-pred-2', InternetMaxBandwidthOut: 60, Tags: [{ TagKey: 'app', TagValue: 'pred' }], Demand: diurnal(2) },
    { InstanceId: 'i-plain-1', InternetMaxBandwidthOut: 60, Tags: [{ TagKey: 'app', TagValue: 'plain' }], Demand: diurnal(3) },
  ],
};

describe('served history from CloudMonitor, cached in Tablestore (local cloud, real SDKs)', () => {
  let cloud: LocalCloud;
  let cms: RpcClient;
  let ecs: RpcClient;
  let facts: Map<string, InstanceFacts>;
  let tableCount = 0;
  const now = () => cloud.clock.now();
  const listCalls = () => cloud.world.calls.filter((c) => c.action === 'DescribeMetricList').length;
  const otsCalls = (action: string) => (cloud.ots?.calls() ?? []).filter((c) => c.action === action).length;

  const otsConfig = () => {
    const e = cloud.endpoints;
    return { endpoint: e.ots, instanceName: e.otsInstance, accessKeyId: e.accessKeyId, accessKeySecret: e.accessKeySecret, maxRetries: 0 };
  };

  async function freshDeps(): Promise<CycleDeps & { served: ReturnType<typeof createTablestoreServedStore> }> {
    const served = `s${++tableCount}_served`;
    const config = otsConfig();
    await ensureTables(config, {
      tables: { state: `s${tableCount}_state`, history: `s${tableCount}_history`, events: `s${tableCount}_events`, control: `s${tableCount}_control`, served },
    });
    return {
      ecs: createEcsApi(ecs),
      metrics: createMetricApi(cms),
      store: createMemoryStore({ now }),
      served: createTablestoreServedStore({ ...config, table: served, now }),
      now,
      sleep: async () => {},
      log: () => {},
    };
  }

  /**
   * Another container on the same tables: its own served store (the runtime builds one per
   * container), whose every readServed is recorded as the rows it asks Tablestore for.
   */
  function container(deps: CycleDeps & { served: ServedStore }, table: string) {
    const store = createTablestoreServedStore({ ...otsConfig(), table, now });
    const reads: Array<{ instanceIds: string[]; fromDay: number; toDay: number }> = [];
    const served: ServedStore = {
      readServed: (instanceIds, fromDay, toDay) => {
        reads.push({ instanceIds: [...instanceIds], fromDay, toDay });
        return store.readServed(instanceIds, fromDay, toDay);
      },
      writeServed: (days) => store.writeServed(days),
    };
    return { deps: { ...deps, served }, reads };
  }

  const policyOf = (predictive?: PredictiveConfig): Policy =>
    makePolicy({ ...(predictive ? { predictive } : {}), targetTracking: { targetUtilization: 92, tolerance: 3.9 } });
  const target = (id: string, policy: Policy): ServedTarget => ({ instance: facts.get(id) as InstanceFacts, policy, state: emptyState(id) });

  beforeAll(async () => {
    cloud = await startLocalCloud({ fixture: FIXTURE });
    // Midday: a 5-minute append then stays within one day row.
    await cloud.clock.advance(12 * 3600);
    const e = cloud.endpoints;
    const credentials = { accessKeyId: e.accessKeyId, accessKeySecret: e.accessKeySecret };
    cms = createRpcClient({ endpoint: e.cms, apiVersion: CMS_API_VERSION, credentials });
    ecs = createRpcClient({ endpoint: e.ecs, apiVersion: ECS_API_VERSION, credentials });
    facts = new Map(
      (await createEcsApi(ecs).describeInstances({ regionId: e.region, instanceIds: ['i-pred-1', 'i-pred-2', 'i-plain-1'] })).map((i) => [i.instanceId, i]),
    );
  });
  afterAll(async () => {
    cms?.close();
    ecs?.close();
    await cloud?.close();
  });

  it('the local CloudMonitor serves 14 days of minutes for a fleet instance, in pages of 1000', async () => {
    const points = await createMetricApi(cms).servedRates?.(cloud.endpoints.region, [facts.get('i-pred-1') as InstanceFacts], now() - 14 * DAY - 1000, now());

    const minutes = points?.get('i-pred-1') ?? [];
    // Every minute of the 14 days but the newest two (a minute is published after its end plus the reporting lag).
    expect(minutes.length).toBeGreaterThanOrEqual(14 * 1440 - 3);
    expect(minutes[0]?.at).toBe(now() - 14 * DAY);
    expect(new Set(minutes.map((p) => p.outBps)).size).toBeGreaterThan(100);
  });

  it('backfills on first run: one query paged by NextToken, 15 day rows in one batch write, then a history for decide()', async () => {
    // Prepare
    const deps = await freshDeps();
    const [calls, gets, writes] = [listCalls(), otsCalls('BatchGetRow'), otsCalls('BatchWriteRow')];

    // Act
    const result = await loadServedHistories(deps, [target('i-pred-1', policyOf(PREDICTIVE))], now(), (_, error) => {
      throw error;
    });

    // Assess: 14 days of minutes are 20,160 points: 21 pages of 1,000.
    expect(listCalls() - calls).toBe(21);
    expect(otsCalls('BatchGetRow') - gets).toBe(1);
    expect(otsCalls('BatchWriteRow') - writes).toBe(1);
    expect(result.cost).toMatchObject({ backfills: 1, backfillPages: 21, queued: 0, rowsWritten: 15, incrementalQueries: 0 });
    const history = result.histories.get('i-pred-1');
    expect(history?.note).toBeUndefined();
    expect(history?.samples.length).toBeGreaterThanOrEqual(14 * 1440 - 3);
    expect(history?.samples[0]?.at).toBeGreaterThanOrEqual(now() - historySpanMs(PREDICTIVE));
    // Backfilled minutes before any change bwscaler made: the cap is unknown (0), never guessed.
    expect(new Set(history?.samples.map((s) => s.cap))).toEqual(new Set([0]));
  });

  it('appends incrementally: both instances in one query of one page, one batch read and one batch write, and the cache equals a fresh fetch', async () => {
    // Prepare: both backfilled.
    const deps = await freshDeps();
    const policy = policyOf(PREDICTIVE);
    const targets = [target('i-pred-1', policy), target('i-pred-2', policy)];
    await loadServedHistories(deps, targets, now(), (_, e) => {
      throw e;
    });
    await cloud.clock.advance(300);
    const [calls, gets, writes] = [listCalls(), otsCalls('BatchGetRow'), otsCalls('BatchWriteRow')];

    // Act: a 5-minute tick later.
    const result = await loadServedHistories(deps, targets, now(), (_, e) => {
      throw e;
    });

    // Assess
    expect(listCalls() - calls).toBe(1);
    expect(otsCalls('BatchGetRow') - gets).toBe(1);
    expect(otsCalls('BatchWriteRow') - writes).toBe(1);
    expect(result.cost).toMatchObject({ incrementalQueries: 1, backfills: 0, rowsWritten: 2 });
    const fresh = await createMetricApi(cms).servedRates?.(
      cloud.endpoints.region,
      [facts.get('i-pred-2') as InstanceFacts],
      now() - historySpanMs(PREDICTIVE) - 1000,
      now(),
    );
    const expected = (fresh?.get('i-pred-2') ?? []).map((p) => ({ at: p.at, mbps: Math.fround(p.outBps / 1e6) }));
    expect(result.histories.get('i-pred-2')?.samples.map((s) => ({ at: s.at, mbps: s.mbps }))).toEqual(expected);
    // The appended minutes are after bwscaler's last change (none): their cap is the bandwidth now.
    expect(result.histories.get('i-pred-2')?.samples.at(-1)?.cap).toBe(60);
  });

  it("a warm container reads only today's rows from Tablestore; a cold one reads every day, and both see the same history", async () => {
    // Prepare: a container backfills both instances; a 5-minute tick later it ticks again (warm).
    const base = await freshDeps();
    const table = `s${tableCount}_served`;
    const policy = policyOf(PREDICTIVE);
    const targets = [target('i-pred-1', policy), target('i-pred-2', policy)];
    const fail = (_: unknown, e: unknown) => {
      throw e;
    };
    const warm = container(base, table);
    await loadServedHistories(warm.deps, targets, now(), fail);
    await cloud.clock.advance(300);
    warm.reads.length = 0;
    const cold = container(base, table);
    const gets = otsCalls('BatchGetRow');

    // Act
    const warmResult = await loadServedHistories(warm.deps, targets, now(), fail);
    const warmGets = otsCalls('BatchGetRow') - gets;
    const coldResult = await loadServedHistories(cold.deps, targets, now(), fail);

    // Assess: the warm tick asks for one row per instance, today's; the cold one for all 15 days.
    const today = dayOf(now());
    expect(warm.reads).toEqual([{ instanceIds: ['i-pred-1', 'i-pred-2'], fromDay: today, toDay: today }]);
    expect(warmGets).toBe(1);
    expect(cold.reads).toEqual([{ instanceIds: ['i-pred-1', 'i-pred-2'], fromDay: dayOf(now() - historySpanMs(PREDICTIVE)), toDay: today }]);
    for (const id of ['i-pred-1', 'i-pred-2']) {
      expect(warmResult.histories.get(id)?.samples.length).toBeGreaterThanOrEqual(14 * 1440 - 3);
      expect(warmResult.histories.get(id)).toEqual(coldResult.histories.get(id));
    }
  });

  it("a warm container still reads today's row from Tablestore: minutes another container appended reach it", async () => {
    // Prepare: containers A and B on one table, both warm; B ticks alone for 10 minutes.
    const base = await freshDeps();
    const table = `s${tableCount}_served`;
    const targets = [target('i-pred-1', policyOf(PREDICTIVE))];
    const fail = (_: unknown, e: unknown) => {
      throw e;
    };
    const a = container(base, table);
    const b = container(base, table);
    await loadServedHistories(a.deps, targets, now(), fail);
    await loadServedHistories(b.deps, targets, now(), fail);
    await cloud.clock.advance(600);
    await loadServedHistories(b.deps, targets, now(), fail);
    const appendedByB = (await createTablestoreServedStore({ ...otsConfig(), table, now }).readServed(['i-pred-1'], dayOf(now()), dayOf(now()))).get(
      'i-pred-1',
    );
    // A cannot reach CloudMonitor this tick: whatever it knows of the last 10 minutes came from Tablestore.
    const offline: CycleDeps = {
      ...a.deps,
      metrics: {
        ...a.deps.metrics,
        servedRates: async () => {
          throw new Error('CloudMonitor down');
        },
      },
    };

    // Act
    const result = await loadServedHistories(offline, targets, now(), () => {});

    // Assess: A's newest minute is the newest B appended to today's row.
    const row = appendedByB?.[0] as ServedDay;
    const newestByB = row.day + (row.mbps.findLastIndex((v) => !Number.isNaN(v)) as number) * 60_000;
    expect(a.reads.at(-1)).toEqual({ instanceIds: ['i-pred-1'], fromDay: dayOf(now()), toDay: dayOf(now()) });
    expect(result.histories.get('i-pred-1')?.samples.at(-1)?.at).toBe(newestByB);
    expect(newestByB).toBeGreaterThan(now() - 5 * 60_000);
  });

  it('spends at most the backfill page budget per tick: the rest wait, and their cold start says so', async () => {
    const deps = await freshDeps();
    const policy = policyOf(PREDICTIVE);
    const targets = [target('i-pred-1', policy), target('i-pred-2', policy)];

    const first = await loadServedHistories(
      deps,
      targets,
      now(),
      (_, e) => {
        throw e;
      },
      { backfillPages: 21 },
    );
    const second = await loadServedHistories(
      deps,
      targets,
      now(),
      (_, e) => {
        throw e;
      },
      { backfillPages: 21 },
    );

    expect(first.cost).toMatchObject({ backfills: 1, queued: 1 });
    expect(first.histories.get('i-pred-2')).toEqual({ samples: [], note: 'served history not fetched yet (backfill queued behind other instances)' });
    expect(second.cost).toMatchObject({ backfills: 1, queued: 0 });
    expect(second.histories.get('i-pred-2')?.samples.length).toBeGreaterThan(14 * 1440 - 4);
  });

  it('costs nothing for instances whose policy has no predictive block', async () => {
    const deps = await freshDeps();
    const [calls, gets] = [listCalls(), otsCalls('BatchGetRow')];

    const result = await loadServedHistories(deps, [target('i-plain-1', policyOf())], now(), () => {});

    expect(result.histories.size).toBe(0);
    expect(listCalls() - calls).toBe(0);
    expect(otsCalls('BatchGetRow') - gets).toBe(0);
  });

  it('a cache that cannot be refreshed goes stale: the history is empty and says how old it is', async () => {
    // Prepare: cached, then CloudMonitor fails for 30 minutes of ticks.
    const deps = await freshDeps();
    const targets = [target('i-pred-1', policyOf(PREDICTIVE))];
    await loadServedHistories(deps, targets, now(), () => {});
    await cloud.clock.advance(1800);
    const failing: CycleDeps = {
      ...deps,
      metrics: {
        ...deps.metrics,
        servedRates: async () => {
          throw new Error('CloudMonitor down');
        },
      },
    };
    const errors: string[] = [];

    // Act
    const result = await loadServedHistories(failing, targets, now(), (where) => errors.push(where.stage));

    // Assess
    expect(errors).toEqual(['served-fetch']);
    expect(result.histories.get('i-pred-1')?.samples).toEqual([]);
    expect(result.histories.get('i-pred-1')?.note).toMatch(/^served history is stale \(newest minute 3\d min old\)$/);
  });

  describe('through the tick', () => {
    const doc = (predictive: PredictiveConfig): PolicyDocument => ({
      source: 'test',
      policies: [{ ...policyOf(predictive), name: 'pred', selector: { regionId: cloud.endpoints.region, tags: { app: 'pred' } }, mode: 'observe' }],
    });

    it('a first tick without budget is a cold start that says why; once backfilled, the forecast is logged in the history row', async () => {
      const deps = await freshDeps();

      await runTick(deps, { doc: doc(PREDICTIVE), shard: 0, of: 1, triggerTime: now(), servedHistory: { backfillPages: 0 } });
      const cold = await deps.store.queryHistory('i-pred-1', 0, Number.POSITIVE_INFINITY);
      await cloud.clock.advance(300);
      const summary = await runTick(deps, { doc: doc(PREDICTIVE), shard: 0, of: 1, triggerTime: now() });
      const warm = (await deps.store.queryHistory('i-pred-1', 0, Number.POSITIVE_INFINITY)).at(-1);

      expect(cold.at(-1)?.decision.message).toContain(
        '(predictive: served history not fetched yet (backfill queued behind other instances), plain reactive rules)',
      );
      expect(cold.at(-1)?.decision.prediction).toBeUndefined();
      expect(summary.servedHistory).toMatchObject({ backfills: 2, queued: 0 });
      expect(warm?.decision.prediction).toMatchObject({ mode: 'forecast-only', reactive: expect.any(Number), forecast: expect.any(Number) });
      expect(warm?.decision.message).toContain('forecast-only');
    });
  });
});

describe('the rows a container keeps between ticks', () => {
  const NOW = Date.UTC(2026, 11, 7, 0, 5);
  const TODAY = dayOf(NOW);
  const row = (day: number, fetchedTo: number, slots = SLOTS_PER_DAY, instanceId = 'i-1'): ServedDay => ({
    instanceId,
    day,
    mbps: new Float32Array(slots),
    cap: new Uint16Array(slots),
    fetchedTo,
  });

  it.each([
    { name: 'a complete past day is kept', day: TODAY - 3 * DAY, fetchedTo: TODAY - 2 * DAY, slots: SLOTS_PER_DAY, kept: true },
    { name: "yesterday's row is kept once its last minute was asked", day: TODAY - DAY, fetchedTo: TODAY, slots: SLOTS_PER_DAY, kept: true },
    {
      name: "yesterday's row is not kept while its last minutes are still to come",
      day: TODAY - DAY,
      fetchedTo: TODAY - 120_000,
      slots: SLOTS_PER_DAY - 2,
      kept: false,
    },
    { name: "today's row is never kept: it changes every tick", day: TODAY, fetchedTo: NOW, slots: 5, kept: false },
    { name: 'a day older than any policy reads is not kept', day: TODAY - 15 * DAY, fetchedTo: TODAY - 14 * DAY, slots: SLOTS_PER_DAY, kept: false },
  ])('$name', ({ day, fetchedTo, slots, kept }) => {
    const rows = createContainerRows(10);

    rows.keep([row(day, fetchedTo, slots)], NOW);

    expect(rows.held('i-1', TODAY - 20 * DAY, TODAY + DAY).length).toBe(kept ? 1 : 0);
  });

  it('holds at most its limit and, when full, keeps what it holds instead of evicting', () => {
    const rows = createContainerRows(3);
    const days = [1, 2, 3, 4, 5].map((n) => row(TODAY - n * DAY, TODAY - (n - 1) * DAY));

    rows.keep(days.slice(0, 3), NOW);
    rows.keep(days.slice(3), NOW);

    expect(rows.size).toBe(3);
    expect(rows.held('i-1', TODAY - 10 * DAY, TODAY).map((d) => d.day)).toEqual([TODAY - 3 * DAY, TODAY - 2 * DAY, TODAY - DAY]);
  });

  it('drops the days that age past 14 days, and that frees room', () => {
    const rows = createContainerRows(2);
    rows.keep([row(TODAY - 14 * DAY, TODAY - 13 * DAY), row(TODAY - DAY, TODAY)], NOW);

    rows.keep([row(TODAY - 2 * DAY, TODAY - DAY)], NOW + DAY);

    expect(rows.size).toBe(2);
    expect(rows.held('i-1', TODAY - 20 * DAY, TODAY + DAY).map((d) => d.day)).toEqual([TODAY - 2 * DAY, TODAY - DAY]);
  });
});
