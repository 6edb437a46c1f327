import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alarmCallback, type System, startSystem, WEBHOOK_TOKEN } from './harness';

// A typo in the deployed policy: an unknown key, which must never be ignored silently.
const BROKEN_POLICY = `
version: 1
policies:
  - name: web-fleet
    instances: { region: cn-hangzhou, tags: { app: web } }
    bounds: { minOut: 5, maxOut: 100 }
    scaleDown: { coldown: 15m }
`;

describe('the built functions with a policy that does not validate', () => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem({ policyText: BROKEN_POLICY });
  }, 120_000);
  afterAll(async () => system?.close());

  it('answers an alarm with 500 naming the configuration problem (not a 400 blaming the caller), and writes nothing', async () => {
    const response = await fetch(`${system.runner.httpUrl('bwscaler-alarm')}/?token=${WEBHOOK_TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: alarmCallback({ instanceId: 'i-demo-web-1', curValue: 99, timestamp: system.cloud.clock.now() }),
    });

    expect(response.status).toBe(500);
    const body = (await response.json()) as { error: string };
    expect(body.error).toContain('BWSCALER_POLICY is invalid');
    expect(body.error).toContain('policies[0].scaleDown.coldown: unknown key');
    expect(system.cloud.world.calls.filter((c) => c.action === 'ModifyInstanceNetworkSpec')).toHaveLength(0);
  });

  it('fails the timer invocation with the same message, so Function Compute records the failure', async () => {
    await system.cloud.clock.advance(300);
    const [tick] = await system.runner.fireTimersUntil(system.cloud.clock.now());

    expect(tick?.ok).toBe(false);
    expect(tick?.error?.message).toContain('BWSCALER_POLICY is invalid');
    expect(tick?.logs.join('')).toContain('invocation failed');
  });
});
