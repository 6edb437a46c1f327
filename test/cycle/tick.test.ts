import { describe, expect, it } from 'vitest';
import type { InstanceFacts, Policy } from '../../src/core/types';
import { runTick } from '../../src/cycle/tick';
import { CloudApiError } from '../../src/errors';
import type { PolicyDocument } from '../../src/policy/load';
import { fakeWorld, T0 } from '../fakes/cycle-deps';
import { instanceFacts } from '../fakes/instance-api';
import { mbps } from '../fakes/metric-api';
import { policy } from './fixtures';

const MINUTE = 60_000;

function doc(...policies: Policy[]): PolicyDocument {
  return { source: 'test', policies };
}

function fleet(count: number, prefix: string, overrides: Partial<InstanceFacts> = {}): InstanceFacts[] {
  return Array.from({ length: count }, (_, i) => instanceFacts({ instanceId: `${prefix}-${String(i).padStart(4, '0')}`, ...overrides }));
}

describe('runTick', () => {
  it('runs 500 instances within the call budgets: ceil(N/100) describes, one metric call set, 2 writes per order', async () => {
    // Prepare: 100 saturated instances, 400 within tolerance, 20 instances no policy selects.
    const managed = fleet(500, 'i-web', { tags: { team: 'web' } });
    const world = fakeWorld([...managed, ...fleet(20, 'i-other')]);
    managed.forEach((instance, i) => {
      world.metrics.rates.set(instance.instanceId, mbps(i < 100 ? 10 : 6, T0));
    });

    // Act
    const summary = await runTick(world.deps, {
      doc: doc(policy({ selector: { regionId: 'cn-hangzhou', tags: { team: 'web' } } })),
      shard: 0,
      of: 1,
      triggerTime: T0,
      budget: { maxEcsWrites: 50 },
    });

    // Assess
    expect(summary).toMatchObject({ instances: 500, acted: 50, deferred: 50, errors: [] });
    expect(summary.byOutcome).toEqual({ placed: 50, deferred: 50, none: 400 });
    expect(summary.byReason).toEqual({ SATURATED_STEP_UP: 100, WITHIN_TOLERANCE: 400 });
    expect(world.ecs.describeApiCalls).toBe(Math.ceil(500 / 100));
    expect(world.metrics.calls).toEqual([{ regionId: 'cn-hangzhou', instances: 500 }]);
    expect(world.ecs.modifyCalls).toHaveLength(50);
    expect(world.store.calls).toMatchObject({ listStates: 1, appendHistory: 1, putState: 50, commit: 50, getState: 0 });
    expect(world.store.total()).toBeLessThanOrEqual(2 * summary.acted + 2);
    const other = await world.store.queryHistory('i-other-0000', 0, Number.MAX_SAFE_INTEGER);
    expect(other).toEqual([]);
  });

  it('splits a fleet into shards that together cover every instance once, describing only their own ids', async () => {
    // Prepare
    const instances = fleet(1000, 'i-shard');
    const world = fakeWorld(instances);
    const p = policy({ selector: { regionId: 'cn-hangzhou', instanceIds: instances.map((i) => i.instanceId) } });

    // Act
    const perShard = [];
    for (let shard = 0; shard < 4; shard++) {
      const before = world.ecs.describeApiCalls;
      const summary = await runTick(world.deps, { doc: doc(p), shard, of: 4, triggerTime: T0 });
      perShard.push({ instances: summary.instances, describeCalls: world.ecs.describeApiCalls - before });
    }

    // Assess
    expect(perShard.reduce((sum, s) => sum + s.instances, 0)).toBe(1000);
    for (const shard of perShard) expect(shard.describeCalls).toBe(Math.ceil(shard.instances / 100));
  });

  it('converges after a missed tick: a window that began earlier still applies (level-triggered)', async () => {
    // Prepare: a floor of 50 Mbps from 09:00 to 11:00 UTC; the 09:00 tick never ran.
    const nine = Date.UTC(2026, 0, 5, 9, 0);
    const world = fakeWorld([instanceFacts({ instanceId: 'i-sched' })], { now: nine + 30 * MINUTE });
    const p = policy({
      selector: { regionId: 'cn-hangzhou', instanceIds: ['i-sched'] },
      schedules: [{ name: 'morning', cron: '0 9 * * *', timezone: 'UTC', durationSeconds: 7200, floor: 50, temporaryUpgrade: false }],
    });
    world.metrics.rates.set('i-sched', mbps(6, world.clock.now));

    // Act
    const during = await runTick(world.deps, { doc: doc(p), shard: 0, of: 1, triggerTime: world.clock.now });
    const bandwidthDuring = world.ecs.instances.get('i-sched')?.bandwidthOut;
    world.clock.now = nine + 150 * MINUTE;
    world.metrics.rates.set('i-sched', mbps(6, world.clock.now));
    const after = await runTick(world.deps, { doc: doc(p), shard: 0, of: 1, triggerTime: world.clock.now });

    // Assess
    expect(during.byReason).toEqual({ SCHEDULE_FLOOR: 1 });
    expect(bandwidthDuring).toBe(50);
    expect(after.byReason).toEqual({ SCALE_DOWN: 1 });
    expect(world.ecs.instances.get('i-sched')?.bandwidthOut).toBe(10);
  });

  it('defers changes past the ECS write budget and makes them on the next tick', async () => {
    // Prepare
    const instances = fleet(3, 'i-defer');
    const world = fakeWorld(instances);
    const p = policy({ selector: { regionId: 'cn-hangzhou', instanceIds: instances.map((i) => i.instanceId) } });
    const readings = () => {
      for (const i of instances) world.metrics.rates.set(i.instanceId, mbps(10, world.clock.now));
    };
    readings();

    // Act
    const first = await runTick(world.deps, { doc: doc(p), shard: 0, of: 1, triggerTime: T0, budget: { maxEcsWrites: 1 } });
    world.clock.now += MINUTE;
    readings();
    const second = await runTick(world.deps, { doc: doc(p), shard: 0, of: 1, triggerTime: world.clock.now, budget: { maxEcsWrites: 5 } });

    // Assess
    expect([first.acted, first.deferred]).toEqual([1, 2]);
    expect([second.acted, second.deferred]).toEqual([2, 0]);
    expect(second.byReason).toMatchObject({ PROVIDER_LOCK: 1, SATURATED_STEP_UP: 2 });
    expect([...world.ecs.instances.values()].map((i) => i.bandwidthOut)).toEqual([20, 20, 20]);
    const history = await world.store.queryHistory(instances[1]?.instanceId as string, 0, Number.MAX_SAFE_INTEGER);
    expect(history.map((h) => [h.outcome, h.errorCode])).toEqual([
      ['deferred', 'ECS_BUDGET'],
      ['placed', undefined],
    ]);
  });

  it('gives scale-ups the budget before downgrades', async () => {
    // Prepare: one instance wants down, one wants up; room for one order.
    const world = fakeWorld([instanceFacts({ instanceId: 'i-down' }), instanceFacts({ instanceId: 'i-up' })]);
    world.metrics.rates.set('i-down', mbps(1, T0));
    world.metrics.rates.set('i-up', mbps(10, T0));
    const p = policy({ selector: { regionId: 'cn-hangzhou', instanceIds: ['i-down', 'i-up'] } });

    // Act
    await runTick(world.deps, { doc: doc(p), shard: 0, of: 1, triggerTime: T0, budget: { maxEcsWrites: 1 } });

    // Assess
    expect(world.ecs.modifyCalls.map((call) => call.instanceId)).toEqual(['i-up']);
  });

  it('keeps going in the other regions when one region cannot be described', async () => {
    // Prepare
    const world = fakeWorld([instanceFacts({ instanceId: 'i-hz' }), instanceFacts({ instanceId: 'i-sh', regionId: 'cn-shanghai' })]);
    const describe = world.ecs.describeInstances.bind(world.ecs);
    world.ecs.describeInstances = async (query) => {
      if (query.regionId === 'cn-shanghai') throw new CloudApiError('fake', 'ServiceUnavailable', 'retryable');
      return describe(query);
    };
    const policies = [
      policy({ name: 'hz', selector: { regionId: 'cn-hangzhou', instanceIds: ['i-hz'] } }),
      policy({ name: 'sh', selector: { regionId: 'cn-shanghai', instanceIds: ['i-sh'] } }),
    ];

    // Act
    const summary = await runTick(world.deps, { doc: doc(...policies), shard: 0, of: 1, triggerTime: T0 });

    // Assess
    expect(summary.instances).toBe(1);
    expect(summary.errors).toEqual([{ regionId: 'cn-shanghai', stage: 'describe', message: 'CloudApiError: fake' }]);
    expect(summary.byReason).toEqual({ NO_METRIC: 1 });
  });

  it('makes zero ECS writes for an observe-mode fleet but records every decision', async () => {
    // Prepare
    const instances = fleet(30, 'i-observe');
    const world = fakeWorld(instances);
    for (const i of instances) world.metrics.rates.set(i.instanceId, mbps(10, T0));
    const p = policy({ mode: 'observe', selector: { regionId: 'cn-hangzhou', instanceIds: instances.map((i) => i.instanceId) } });

    // Act
    const summary = await runTick(world.deps, { doc: doc(p), shard: 0, of: 1, triggerTime: T0 });

    // Assess
    expect(world.ecs.modifyCalls).toEqual([]);
    expect(summary.byOutcome).toEqual({ observed: 30 });
    expect(summary.byReason).toEqual({ OBSERVE_ONLY: 30 });
    expect(world.store.calls).toMatchObject({ appendHistory: 1, putState: 0, commit: 0 });
  });
});
