// Issue 15 §2: after a tick of the BUILT schedule function, CloudMonitor custom metrics (per instance:
// current and target Mbps, utilisation, downgrades left, decisions by reason) and custom events
// (applied, blocked, needs a human) reach the local CloudMonitor, which validates them as
// PutCustomMetric / PutCustomEvent do; and a CloudMonitor that refuses them never fails a decision.
import { afterEach, describe, expect, it } from 'vitest';
import type { Fixture } from '../../local-cloud/fixture';
import { NO_LAG } from '../../local-cloud/lag';
import { type System, startSystem } from './harness';

const START = Date.parse('2026-11-02T00:00:00Z');

function fixture(chargeType: 'PrePaid' | 'PostPaid'): Fixture {
  return {
    instances: Array.from({ length: 3 }, (_, i) => ({
      InstanceId: `i-web-${i}`,
      InstanceChargeType: chargeType,
      InternetChargeType: 'PayByBandwidth',
      InstanceNetworkType: 'vpc',
      InternetMaxBandwidthOut: 10,
      Tags: [{ TagKey: 'app', TagValue: 'web' }],
      Demand: { kind: 'constant', mbps: 4 },
    })),
  };
}

/** A schedule that sets exactly 30 Mbps from 00:00 UTC: every instance changes on the first tick. */
const POLICY = `
version: 1
policies:
  - name: web
    instances: { region: cn-hangzhou, tags: { app: web } }
    bounds: { minOut: 5, maxOut: 100 }
    targetTracking: { target: 70, tolerance: 10 }
    schedules:
      - name: peak
        cron: "0 0 * * *"
        timezone: UTC
        duration: 2h
        exact: 30
`;

// Orders show at once here (NO_LAG): an applied event is published when a change is confirmed, which
// with the provider's lag is the next tick's read-back; this file is about what is published.
describe('custom metrics and events from a tick of the built schedule function', () => {
  let system: System | undefined;
  afterEach(async () => {
    await system?.close();
    system = undefined;
  });

  const tick = async (s: System) => {
    await s.cloud.clock.advance(300);
    const [invocation] = await s.runner.fireTimersUntil(s.cloud.clock.now());
    expect(invocation?.ok, invocation?.error?.message).toBe(true);
    return invocation!;
  };

  it('publishes current, target, utilisation and downgrades left per instance, decisions counted by reason, and an applied event per order', async () => {
    system = await startSystem({ cloud: { fixture: fixture('PrePaid'), start: START, lag: NO_LAG }, policyText: POLICY });
    // A subscription upgrade is paid from the balance (AutoPay).
    await fetch(`${system.cloud.endpoints.admin}/account`, {
      method: 'POST',
      body: JSON.stringify({ balance: 1_000_000 }),
      headers: { 'content-type': 'application/json' },
    });
    await tick(system);

    // Through the admin API, as a test or an operator would read them.
    const response = await fetch(`${system.cloud.endpoints.admin}/cms/custom`);
    const { metrics, events } = (await response.json()) as {
      metrics: Array<{ metricName: string; dimensions: Record<string, string>; values: { value: number }; type: number }>;
      events: Array<{ eventName: string; content: string }>;
    };
    const of = (name: string, instanceId: string) => metrics.filter((m) => m.metricName === name && m.dimensions.instanceId === instanceId);
    for (const id of ['i-web-0', 'i-web-1', 'i-web-2']) {
      expect(of('bwscaler_current_mbps', id).map((m) => m.values.value)).toEqual([10]);
      expect(of('bwscaler_target_mbps', id).map((m) => m.values.value)).toEqual([30]);
      // 4 Mbps served of 10: 40 % (the emulator's traffic model serves the constant demand).
      expect(of('bwscaler_utilization_percent', id)).toHaveLength(1);
      expect(of('bwscaler_utilization_percent', id)[0]?.values.value).toBeCloseTo(40, 0);
      // A subscription instance: the downgrade budget applies (an upgrade spends none of it).
      expect(of('bwscaler_downgrades_left', id)).toHaveLength(1);
    }
    // Decisions by reason: one count per policy and reason for the tick, not one datapoint per instance.
    expect(metrics.filter((m) => m.metricName === 'bwscaler_decisions').map((m) => [m.dimensions, m.values.value])).toEqual([
      [{ policy: 'web', reason: 'SCHEDULE_EXACT' }, 3],
    ]);
    expect(metrics.every((m) => m.type === 0)).toBe(true);
    // One event per order, when it is placed (the tick does not wait for the read-back).
    expect(events.map((e) => e.eventName)).toEqual(['bwscaler_applied', 'bwscaler_applied', 'bwscaler_applied']);
    expect(events.map((e) => JSON.parse(e.content).instanceId).sort()).toEqual(['i-web-0', 'i-web-1', 'i-web-2']);
    expect(JSON.parse(events[0]?.content ?? '{}')).toMatchObject({ outcome: 'placed', reason: 'SCHEDULE_EXACT', current: 10, target: 30 });
  }, 120_000);

  it('publishes no downgrades-left metric for pay-as-you-go instances, where no downgrade budget applies', async () => {
    system = await startSystem({ cloud: { fixture: fixture('PostPaid'), start: START, lag: NO_LAG }, policyText: POLICY });
    await tick(system);
    const names = new Set(system.cloud.cms.custom.metrics().map((m) => m.metricName));
    expect(names.has('bwscaler_current_mbps')).toBe(true);
    expect(names.has('bwscaler_downgrades_left')).toBe(false);
  }, 120_000);

  it('sends a needs-human event when the account is in arrears and the order is refused', async () => {
    system = await startSystem({ cloud: { fixture: fixture('PostPaid'), start: START, lag: NO_LAG }, policyText: POLICY });
    await fetch(`${system.cloud.endpoints.admin}/account`, {
      method: 'POST',
      body: JSON.stringify({ arrears: true }),
      headers: { 'content-type': 'application/json' },
    });
    await tick(system);
    const events = system.cloud.cms.custom.events();
    expect(events.length).toBeGreaterThan(0);
    expect(new Set(events.map((e) => e.eventName))).toEqual(new Set(['bwscaler_needs_human']));
  }, 120_000);

  it('never fails or undoes a decision when CloudMonitor refuses every publish: the failure is logged and counted', async () => {
    system = await startSystem({ cloud: { fixture: fixture('PostPaid'), start: START, lag: NO_LAG }, policyText: POLICY });
    for (const action of ['PutCustomMetric', 'PutCustomEvent']) {
      const added = await fetch(`${system.cloud.endpoints.admin}/faults`, {
        method: 'POST',
        body: JSON.stringify({ service: 'cms', action, code: 'InternalError', status: 500 }),
        headers: { 'content-type': 'application/json' },
      });
      expect(added.status).toBe(200);
    }
    const invocation = await tick(system);

    expect(invocation.result).toMatchObject({ instances: 3, acted: 3 });
    expect([...system.cloud.world.instances.values()].map((i) => i.InternetMaxBandwidthOut)).toEqual([30, 30, 30]);
    expect(system.cloud.cms.custom.metrics()).toEqual([]);
    expect(system.cloud.cms.custom.events()).toEqual([]);
    const incomplete = invocation.logs.find((line) => line.includes('"msg":"telemetry incomplete"'));
    expect(incomplete).toBeDefined();
    expect(JSON.parse(incomplete ?? '{}')).toMatchObject({ decisions: 3, failedRequests: 2, metrics: 0, events: 0 });
  }, 120_000);
});
