// An ECS instance whose bound EIP a policy manages is served through that EIP. The built functions on
// the local cloud must say so on both paths: the tick and the alarm function report the instance
// MANAGED_THROUGH_EIP (src/cycle/managed-eip.ts), never EIP_BOUND, and neither touches the instance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionsFromLogs } from '../../src/sim/demo';
import { managedEipFixture } from '../fixtures/managed-eip';
import { alarmCallback, type System, startSystem, WEBHOOK_TOKEN } from './harness';

const START = Date.parse('2026-11-02T00:00:00Z');
const FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' };

// The instance's policy comes first: an alarm rule on the instance's own metric still calls the
// function for it, and the EIP is selected by tag, so the lookup goes through the EIP's policy.
const POLICY = `version: 1
policies:
  - name: app
    instances: { region: cn-hangzhou, tags: { app: app } }
    bounds: { minOut: 1, maxOut: 100 }
    saturation: { threshold: 90, adjust: "x2" }
  - name: app-eip
    eips: { region: cn-hangzhou, tags: { app: app } }
    bounds: { minOut: 5, maxOut: 200 }
    targetTracking: { target: 70, tolerance: 10 }
`;

describe('an instance whose EIP a policy manages, on the local cloud', () => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem({ cloud: { fixture: managedEipFixture(), start: START }, policyText: POLICY });
  }, 120_000);
  afterAll(async () => system?.close());

  it('the alarm function reports it MANAGED_THROUGH_EIP, as the tick does, and changes nothing on it', async () => {
    // Act: an ALERT for the instance itself.
    const response = await fetch(`${system.runner.httpUrl('bwscaler-alarm')}/?token=${WEBHOOK_TOKEN}`, {
      method: 'POST',
      headers: FORM,
      body: alarmCallback({ instanceId: 'i-app-eip-1', curValue: 99, timestamp: system.cloud.clock.now() }),
    });
    const body = (await response.json()) as Record<string, unknown>;

    // Assess: the same reason as the tick's (below), and no ECS call.
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ instanceId: 'i-app-eip-1', reason: 'MANAGED_THROUGH_EIP' });

    // Act: a tick.
    await system.cloud.clock.advance(300);
    const invocations = await system.runner.fireTimersUntil(system.cloud.clock.now());
    for (const invocation of invocations) expect(invocation.ok, invocation.error?.message).toBe(true);

    // Assess
    const tickDecisions = decisionsFromLogs(invocations.filter((i) => i.functionName === 'bwscaler-schedule')).get('i-app-eip-1') ?? [];
    expect(tickDecisions.map((d) => d.reason)).toEqual(['MANAGED_THROUGH_EIP']);
    expect(system.cloud.world.calls.filter((c) => c.action === 'ModifyInstanceNetworkSpec')).toEqual([]);
  });
});
