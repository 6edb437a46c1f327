import { describe, expect, it } from 'vitest';
import type { Policy } from '../../src/core/types';
import { handleAlarm } from '../../src/cycle/alarm';
import { CloudApiError } from '../../src/errors';
import type { AlarmCallback } from '../../src/events/alarm';
import type { PolicyDocument } from '../../src/policy/load';
import { fakeWorld, T0 } from '../fakes/cycle-deps';
import { instanceFacts } from '../fakes/instance-api';
import { policy } from './fixtures';

const ID = 'i-alarm';

function callback(overrides: Partial<AlarmCallback> = {}): AlarmCallback {
  return {
    alertName: 'bandwidth high',
    alertState: 'ALERT',
    metricName: 'VPC_PublicIP_InternetOutRate_Percent',
    namespace: 'acs_ecs_dashboard',
    curValue: 97,
    instanceId: ID,
    userId: '12345',
    ruleId: 'rule-1',
    timestamp: T0 - 30_000,
    expression: '$Average>=95',
    triggerLevel: 'CRITICAL',
    ...overrides,
  };
}

function doc(overrides: Partial<Policy> = {}): PolicyDocument {
  return { source: 'test', policies: [policy({ selector: { regionId: 'cn-hangzhou', tags: { team: 'web' } }, ...overrides })] };
}

describe('handleAlarm', () => {
  interface Row {
    name: string;
    tags: Record<string, string>;
    policy?: Partial<Policy>;
    callback?: Partial<AlarmCallback>;
    outcome: string;
    cycleOutcome?: string;
    reason?: string;
    modifyCalls: number;
    /** Store round trips of every kind. */
    storeCalls: number;
  }

  const web = { team: 'web' };
  const rows: Row[] = [
    // markEventHandled, getState, intent, commit.
    {
      name: 'scales a managed instance up on an ALERT at >= 95 %',
      tags: web,
      outcome: 'HANDLED',
      cycleOutcome: 'applied',
      reason: 'SATURATED_STEP_UP',
      modifyCalls: 1,
      storeCalls: 4,
    },
    { name: 'changes and writes nothing for an instance no policy selects', tags: {}, outcome: 'NOT_MANAGED', modifyCalls: 0, storeCalls: 0 },
    {
      name: 'changes and writes nothing for an unknown instance',
      tags: web,
      callback: { instanceId: 'i-gone' },
      outcome: 'NOT_FOUND',
      modifyCalls: 0,
      storeCalls: 0,
    },
    // markEventHandled, getState, appendHistory.
    {
      name: 'makes zero ECS writes in observe mode and records the decision',
      tags: web,
      policy: { mode: 'observe' },
      outcome: 'HANDLED',
      cycleOutcome: 'observed',
      reason: 'OBSERVE_ONLY',
      modifyCalls: 0,
      storeCalls: 3,
    },
    {
      name: 'never scales down from an alarm alone',
      tags: web,
      callback: { alertState: 'OK', curValue: 5 },
      outcome: 'HANDLED',
      cycleOutcome: 'skipped',
      reason: 'SCALE_DOWN',
      modifyCalls: 0,
      storeCalls: 3,
    },
    {
      name: 'holds on INSUFFICIENT_DATA',
      tags: web,
      callback: { alertState: 'INSUFFICIENT_DATA', curValue: 0 },
      outcome: 'HANDLED',
      cycleOutcome: 'none',
      reason: 'NO_METRIC',
      modifyCalls: 0,
      storeCalls: 3,
    },
  ];

  it.each(rows)('$name', async (row) => {
    // Prepare
    const world = fakeWorld([instanceFacts({ instanceId: ID, tags: row.tags })]);

    // Act
    const result = await handleAlarm(world.deps, { doc: doc(row.policy), callback: callback(row.callback) });

    // Assess
    expect(result.outcome).toBe(row.outcome);
    if (result.outcome === 'HANDLED') {
      expect(result.cycle.outcome).toBe(row.cycleOutcome);
      expect(result.cycle.reason).toBe(row.reason);
    }
    expect(world.ecs.modifyCalls).toHaveLength(row.modifyCalls);
    expect(world.store.total()).toBe(row.storeCalls);
  });

  it('recognises CloudMonitor re-deliveries of one alert and orders once', async () => {
    // Prepare: the callback is retried up to 3 times (docs/reference/alibaba-cloud.md §4.3).
    const world = fakeWorld([instanceFacts({ instanceId: ID, tags: { team: 'web' } })]);

    // Act
    const results = [];
    for (let delivery = 0; delivery < 4; delivery++) results.push(await handleAlarm(world.deps, { doc: doc(), callback: callback() }));

    // Assess
    expect(results.map((r) => r.outcome)).toEqual(['HANDLED', 'DUPLICATE', 'DUPLICATE', 'DUPLICATE']);
    expect(world.ecs.orders).toHaveLength(1);
  });

  it('orders once when two deliveries race and the event key did not stop the second', async () => {
    // Prepare: distinct keys (as from two channels with different timestamps), same decision.
    const world = fakeWorld([instanceFacts({ instanceId: ID, tags: { team: 'web' } })]);

    // Act
    const results = await Promise.all([
      handleAlarm(world.deps, { doc: doc(), callback: callback() }),
      handleAlarm(world.deps, { doc: doc(), callback: callback({ timestamp: T0 - 29_000 }) }),
    ]);

    // Assess
    expect(results.map((r) => (r.outcome === 'HANDLED' ? r.cycle.outcome : r.outcome)).sort()).toEqual(['applied', 'conflict']);
    expect(world.ecs.orders).toHaveLength(1);
  });

  it('finds the instance in the second region the policies cover', async () => {
    // Prepare
    const world = fakeWorld([instanceFacts({ instanceId: ID, regionId: 'cn-shanghai', tags: { team: 'web' } })]);
    const policies: PolicyDocument = {
      source: 'test',
      policies: [
        policy({ name: 'hz', selector: { regionId: 'cn-hangzhou', tags: { team: 'web' } } }),
        policy({ name: 'sh', selector: { regionId: 'cn-shanghai', tags: { team: 'web' } } }),
      ],
    };

    // Act
    const result = await handleAlarm(world.deps, { doc: policies, callback: callback() });

    // Assess
    expect(result.outcome === 'HANDLED' && result.cycle.policy).toBe('sh');
  });

  it('refuses an alarm on a metric that is not outbound bandwidth, before marking it handled', async () => {
    const world = fakeWorld([instanceFacts({ instanceId: ID, tags: { team: 'web' } })]);
    await expect(handleAlarm(world.deps, { doc: doc(), callback: callback({ metricName: 'cpu_total' }) })).rejects.toThrow(/not an outbound bandwidth metric/);
    expect(world.store.total()).toBe(0);
  });

  // The chaos run lost alerts this way: DescribeInstances answered one injected Throttling or
  // InternalError, the invocation answered 500, and each of CloudMonitor's retries met another.
  it.each([
    { name: 'a Throttling', code: 'Throttling.User', failures: 1, outcome: 'HANDLED' },
    { name: 'an InternalError twice', code: 'InternalError', failures: 2, outcome: 'HANDLED' },
    { name: 'a timeout', code: 'RequestTimeout', failures: 1, outcome: 'HANDLED' },
  ])('reads the instance again after $name instead of failing the delivery', async ({ code, failures, outcome }) => {
    // Prepare
    const world = fakeWorld([instanceFacts({ instanceId: ID, tags: { team: 'web' } })]);
    const describe = world.ecs.describeInstances.bind(world.ecs);
    let calls = 0;
    world.ecs.describeInstances = async (query) => {
      calls++;
      if (calls <= failures) throw new CloudApiError(`DescribeInstances failed: ${code}`, code, 'retryable');
      return describe(query);
    };
    // Act
    const result = await handleAlarm(world.deps, { doc: doc(), callback: callback() });
    // Assess
    expect(result.outcome).toBe(outcome);
    expect(calls).toBeGreaterThan(failures);
    expect(world.ecs.orders).toHaveLength(1);
  });

  it('gives up on a read after the retry budget and on a refusal at once', async () => {
    const world = fakeWorld([instanceFacts({ instanceId: ID, tags: { team: 'web' } })]);
    let calls = 0;
    world.ecs.describeInstances = async () => {
      calls++;
      throw new CloudApiError('DescribeInstances failed: Throttling', 'Throttling', 'retryable');
    };
    await expect(handleAlarm(world.deps, { doc: doc(), callback: callback() })).rejects.toThrow(/Throttling/);
    expect(calls).toBe(4);
    calls = 0;
    world.ecs.describeInstances = async () => {
      calls++;
      throw new CloudApiError('DescribeInstances failed: Forbidden.RAM', 'Forbidden.RAM', 'needsHuman');
    };
    await expect(handleAlarm(world.deps, { doc: doc(), callback: callback() })).rejects.toThrow(/Forbidden/);
    expect(calls).toBe(1);
    expect(world.store.total()).toBe(0);
  });
});
