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
import { historySpanMs, loadServedHistories, type ServedTarget } from '../../src/cycle/served-history';
import { runTick } from '../../src/cycle/tick';
import type { PolicyDocument } from '../../src/policy/load';
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

  async function freshDeps(): Promise<CycleDeps & { served: ReturnType<typeof createTablestoreServedStore> }> {
    const served = `s${++tableCount}_served`;
    const e = cloud.endpoints;
    const config = { endpoint: e.ots, instanceName: e.otsInstance, accessKeyId: e.accessKeyId, accessKeySecret: e.accessKeySecret, maxRetries: 0 };
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
