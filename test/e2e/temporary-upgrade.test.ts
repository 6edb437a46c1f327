// A saturation alarm on a subscription instance answered with a temporary upgrade, through the built
// alarm function, the real ECS SDK and the ECS emulator; then the provider's own revert at EndTime,
// learnt by the built schedule function without booking a downgrade.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Fixture } from '../../local-cloud/fixture';
import { createTablestoreStore } from '../../src/state/tablestore';
import { alarmCallback, type System, startSystem, WEBHOOK_TOKEN } from './harness';

const FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' };
const START = Date.parse('2026-11-02T00:00:00Z');
const ID = 'i-sub-burst';

/** A subscription at 10 Mbps hit by 30 Mbps for three hours, then quiet. */
const fixture: Fixture = {
  instances: [
    {
      InstanceId: ID,
      InstanceChargeType: 'PrePaid',
      InternetChargeType: 'PayByBandwidth',
      InternetMaxBandwidthOut: 10,
      ExpiredTime: '2027-11-01T16:00Z',
      Demand: { kind: 'series', start: '2026-11-02T00:00:00Z', stepSeconds: 3600, mbps: [30, 30, 30, 5, 5, 5, 5, 5] },
    },
  ],
};

const POLICY = `
version: 1
policies:
  - name: shop
    instances: { region: cn-hangzhou, ids: [${ID}] }
    bounds: { minOut: 10, maxOut: 60 }
    targetTracking: { target: 70, tolerance: 10 }
    saturation:
      threshold: 95
      adjust: x2
      temporaryUpgrade: { mode: always, duration: 3h, minimum: 40 }
`;

describe('a saturation alarm on a subscription instance, with saturation.temporaryUpgrade', () => {
  let system: System;
  const instance = () => system.cloud.world.instances.get(ID)!;
  const orders = () => system.cloud.world.orders.filter((o) => o.InstanceId === ID);
  const tick = async () => {
    await system.cloud.clock.advance(300);
    const invocations = await system.runner.fireTimersUntil(system.cloud.clock.now());
    for (const invocation of invocations) expect(invocation.ok, invocation.error?.message).toBe(true);
  };
  const storedState = async () => {
    const e = system.cloud.endpoints;
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(system.cloud.clock.now());
    try {
      const store = createTablestoreStore({
        endpoint: e.ots,
        instanceName: e.otsInstance,
        accessKeyId: e.accessKeyId,
        accessKeySecret: e.accessKeySecret,
        ...(e.securityToken ? { securityToken: e.securityToken } : {}),
      });
      return await store.getState(ID);
    } finally {
      vi.useRealTimers();
    }
  };

  beforeAll(async () => {
    system = await startSystem({ cloud: { fixture, start: START }, policyText: POLICY });
  }, 120_000);
  afterAll(async () => system?.close());

  it('places one temporary upgrade with StartTime and EndTime, sized to the minimum', async () => {
    const response = await fetch(`${system.runner.httpUrl('bwscaler-alarm')}/?token=${WEBHOOK_TOKEN}`, {
      method: 'POST',
      headers: FORM,
      body: alarmCallback({ instanceId: ID, curValue: 96, timestamp: system.cloud.clock.now() }),
    });
    const body = (await response.json()) as Record<string, unknown>;

    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ instanceId: ID, action: 'temporaryUpgrade', from: 10 });
    expect(orders()).toHaveLength(1);
    expect(orders()[0]).toMatchObject({ kind: 'temporaryUpgrade', InternetMaxBandwidthOut: 40, StartTime: '2026-11-02T00:00Z', EndTime: '2026-11-02T03Z' });
    await system.cloud.clock.advance(300);
    expect(instance().InternetMaxBandwidthOut).toBe(40);
  });

  it('changes nothing while it runs: the ticks hold', async () => {
    while (system.cloud.clock.now() < Date.parse('2026-11-02T02:55:00Z')) await tick();

    expect(orders()).toHaveLength(1);
    expect(instance().InternetMaxBandwidthOut).toBe(40);
    expect((await storedState()).temporaryUpgrade).toEqual({ until: Date.parse('2026-11-02T03:00:00Z'), base: 10, target: 40 });
  }, 120_000);

  it('is reverted by the provider at EndTime, and the next tick learns it without booking a downgrade', async () => {
    await tick(); // 03:00: EndTime
    await tick(); // 03:05
    expect(instance().InternetMaxBandwidthOut).toBe(10);

    const state = await storedState();

    expect(state.temporaryUpgrade).toBeUndefined();
    expect(state).toMatchObject({ lastTarget: 10, lastChangeAt: Date.parse('2026-11-02T03:00:00Z'), downgrades: [] });
    expect(instance().downgradesUsed).toBe(0);
    expect(orders()).toHaveLength(1);
  }, 60_000);
});
