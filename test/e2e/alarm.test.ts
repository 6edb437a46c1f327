import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alarmCallback, type System, startSystem, WEBHOOK_TOKEN } from './harness';

const FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' };

describe('the built alarm function on the local cloud', () => {
  let system: System;
  const modifyOrders = () => system.cloud.world.orders.filter((o) => o.InstanceId === 'i-demo-web-1');

  beforeAll(async () => {
    system = await startSystem();
  }, 120_000);
  afterAll(async () => system?.close());

  const post = (body: string, query = `?token=${WEBHOOK_TOKEN}`) =>
    fetch(`${system.runner.httpUrl('bwscaler-alarm')}/${query}`, { method: 'POST', headers: FORM, body });

  it('refuses a callback without the token with 401 and changes nothing', async () => {
    const response = await post(alarmCallback({ instanceId: 'i-demo-web-1', curValue: 99, timestamp: system.cloud.clock.now() }), '');
    expect(response.status).toBe(401);
    expect(modifyOrders()).toHaveLength(0);
  });

  it('scales a managed instance up on an ALERT at 96 %, with exactly one order, applied once DescribeInstances shows it', async () => {
    const before = system.cloud.world.instances.get('i-demo-web-1')!.InternetMaxBandwidthOut;
    const response = await post(alarmCallback({ instanceId: 'i-demo-web-1', curValue: 96, timestamp: system.cloud.clock.now() }));
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.status, JSON.stringify(body)).toBe(200);
    // The order is accepted but still processing: DescribeInstances shows the old value, so it is only placed.
    expect(body).toMatchObject({ outcome: 'placed', instanceId: 'i-demo-web-1', action: 'set', from: before });
    expect(system.cloud.world.instances.get('i-demo-web-1')!.InternetMaxBandwidthOut).toBe(before);
    await system.cloud.clock.advance(300);
    expect(system.cloud.world.instances.get('i-demo-web-1')!.InternetMaxBandwidthOut).toBeGreaterThan(before);
    expect(modifyOrders()).toHaveLength(1);
  });

  it('turns 50 concurrent, different alarms for one instance into exactly one ModifyInstanceNetworkSpec call', async () => {
    // Different values and timestamps: 50 different event keys and decisions, so neither the alarm
    // de-duplication nor the ClientToken can collapse them; only the conditional intent can.
    await system.cloud.clock.advance(600);
    const calls = () => system.cloud.world.calls.filter((c) => c.action === 'ModifyInstanceNetworkSpec' && c.instanceId === 'i-demo-web-1').length;
    const callsBefore = calls();
    const now = system.cloud.clock.now();
    const bodies = Array.from({ length: 50 }, (_, i) => alarmCallback({ instanceId: 'i-demo-web-1', curValue: 95 + (i % 5), timestamp: now - i * 1000 }));
    const responses = await Promise.all(bodies.map((body) => post(body)));
    const outcomes = await Promise.all(responses.map(async (r) => ({ status: r.status, body: (await r.json()) as { outcome: string } })));
    expect(outcomes.every((o) => o.status === 200)).toBe(true);
    expect(calls() - callsBefore).toBe(1);
    expect(outcomes.filter((o) => o.body.outcome === 'placed' || o.body.outcome === 'applied')).toHaveLength(1);
  });

  it('changes nothing for an instance no policy manages', async () => {
    await system.cloud.clock.advance(600);
    const calls = system.cloud.world.calls.length;
    const response = await post(alarmCallback({ instanceId: 'i-not-managed', curValue: 99, timestamp: system.cloud.clock.now() }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ outcome: 'NOT_FOUND' });
    expect(system.cloud.world.calls.slice(calls).filter((c) => c.action === 'ModifyInstanceNetworkSpec')).toHaveLength(0);
  });
});
