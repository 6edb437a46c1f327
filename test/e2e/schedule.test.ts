import { afterEach, describe, expect, it } from 'vitest';
import type { Fixture } from '../../local-cloud/fixture';
import { type System, startSystem } from './harness';

const FLEET = 200;
const START = Date.parse('2026-11-02T00:00:00Z');

/** 200 pay-as-you-go instances at 10 Mbps with modest, steady demand. */
function fleetFixture(): Fixture {
  return {
    instances: Array.from({ length: FLEET }, (_, i) => ({
      InstanceId: `i-batch-${String(i).padStart(4, '0')}`,
      InstanceChargeType: 'PostPaid',
      InternetChargeType: 'PayByBandwidth',
      InstanceNetworkType: 'vpc',
      InternetMaxBandwidthOut: 10,
      Tags: [{ TagKey: 'app', TagValue: 'batch' }],
      Demand: { kind: 'constant', mbps: 4 },
    })),
  };
}

/** The nightly batch window: exactly 30 Mbps from 00:00 to 02:00 UTC. */
function policy(mode: 'enforce' | 'observe'): string {
  return `
version: 1
policies:
  - name: batch-fleet
    mode: ${mode}
    instances: { region: cn-hangzhou, tags: { app: batch } }
    bounds: { minOut: 5, maxOut: 100 }
    targetTracking: { target: 70, tolerance: 10 }
    schedules:
      - name: nightly-batch
        cron: "0 0 * * *"
        timezone: UTC
        duration: 2h
        exact: 30
`;
}

describe('the built schedule function on the local cloud', () => {
  let system: System | undefined;
  afterEach(async () => {
    await system?.close();
    system = undefined;
  });

  const tick = async (s: System) => {
    await s.cloud.clock.advance(300);
    return s.runner.fireTimersUntil(s.cloud.clock.now());
  };

  it('places the orders of a fleet of 200 instances in one tick; they show once the provider has processed them', async () => {
    system = await startSystem({ cloud: { fixture: fleetFixture(), start: START }, policyText: policy('enforce') });
    const calls = system.cloud.world.calls.length;

    const [invocation] = await tick(system);

    expect(invocation?.ok, invocation?.error?.message).toBe(true);
    // The provider processes each order within DEFAULT_LAG.maxMs (local-cloud/lag.ts).
    await system.cloud.clock.advance(180);
    const bandwidths = [...system.cloud.world.instances.values()].map((i) => i.InternetMaxBandwidthOut);
    expect(bandwidths).toEqual(Array(FLEET).fill(30));
    const byAction = (action: string) => system!.cloud.world.calls.slice(calls).filter((c) => c.action === action && c.code === 'OK').length;
    expect(byAction('ModifyInstanceNetworkSpec')).toBe(FLEET);
    expect(byAction('DescribeInstances')).toBeLessThanOrEqual(Math.ceil(FLEET / 100));
    expect(byAction('DescribeMetricLast')).toBeLessThanOrEqual(FLEET / 50);
    expect(invocation?.result).toMatchObject({ instances: FLEET, acted: FLEET, deferred: 0 });
  }, 120_000);

  it('keeps to BWSCALER_MAX_ORDERS_PER_TICK and defers the rest to the next tick', async () => {
    system = await startSystem({
      cloud: { fixture: fleetFixture(), start: START },
      policyText: policy('enforce'),
      env: { BWSCALER_MAX_ORDERS_PER_TICK: '50' },
    });

    const [first] = await tick(system);
    expect(first?.result).toMatchObject({ instances: FLEET, acted: 50, deferred: FLEET - 50 });

    const [second] = await tick(system);
    expect(second?.result).toMatchObject({ acted: 50, deferred: FLEET - 100 });
  }, 120_000);

  it('makes zero write calls in observe mode, and still records each decision', async () => {
    system = await startSystem({ cloud: { fixture: fleetFixture(), start: START }, policyText: policy('observe') });
    const calls = system.cloud.world.calls.length;

    const [invocation] = await tick(system);

    expect(invocation?.ok, invocation?.error?.message).toBe(true);
    const actions = new Set(system.cloud.world.calls.slice(calls).map((c) => c.action));
    // Reads, and the decisions' CloudMonitor custom metrics (observing is what they are for): no ECS write.
    expect([...actions].sort()).toEqual(['DescribeInstances', 'DescribeMetricLast', 'PutCustomMetric']);
    expect([...system.cloud.world.instances.values()].every((i) => i.InternetMaxBandwidthOut === 10)).toBe(true);
    const decisions = invocation!.logs.filter((line) => line.includes('"msg":"decision"'));
    expect(decisions).toHaveLength(FLEET);
    expect(decisions[0]).toContain('"reason":"OBSERVE_ONLY"');
  }, 120_000);
});
