// Runtime control end to end: the operator commands write the control table, and the BUILT functions
// on the local cloud read it on every invocation. A fleet is paused in the middle of a flash crowd:
// no order is placed while it is paused, the audit rows and notices are there, and after `resume`
// the next tick scales it up.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Fixture } from '../../local-cloud/fixture';
import { NO_LAG } from '../../local-cloud/lag';
import type { CommandIo, Env } from '../../src/cli/command';
import { runOverride, runOverrides, runPause, runResume } from '../../src/cli/control';
import { createTablestoreStore } from '../../src/state/tablestore';
import { alarmCallback, type System, startSystem, WEBHOOK_TOKEN } from './harness';

const START = Date.parse('2026-11-02T09:00:00Z');
const FLEET = ['i-flash-1', 'i-flash-2', 'i-flash-3'];

/** 7 of 10 Mbps (on target) for the first ten minutes, then a flash crowd wanting 40 Mbps each. */
const fixture: Fixture = {
  instances: FLEET.map((id) => ({
    InstanceId: id,
    InstanceChargeType: 'PostPaid',
    InternetChargeType: 'PayByBandwidth',
    InstanceNetworkType: 'vpc',
    InternetMaxBandwidthOut: 10,
    Tags: [{ TagKey: 'app', TagValue: 'flash' }],
    Demand: { kind: 'series', start: START, stepSeconds: 600, mbps: [7, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40] },
  })),
};

const POLICY = `
version: 1
policies:
  - name: flash-fleet
    instances: { region: cn-hangzhou, tags: { app: flash } }
    bounds: { minOut: 5, maxOut: 100 }
    targetTracking: { target: 70, tolerance: 10 }
`;

const FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' };

describe('pause, resume and override through the built functions on the local cloud', () => {
  let system: System;
  let sink: Server;
  const notices: Array<Record<string, unknown>> = [];
  let sinkUrl = '';

  beforeAll(async () => {
    sink = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        notices.push(JSON.parse(body) as Record<string, unknown>);
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`;
    // Orders show at once here: this file is about controls, and the lag has its own tests (test/local/lag.test.ts, test/e2e).
    system = await startSystem({ cloud: { fixture, start: START, lag: NO_LAG }, policyText: POLICY, env: { BWSCALER_NOTIFY_URL: sinkUrl } });
  }, 120_000);
  afterAll(async () => {
    await system?.close();
    await new Promise((resolve) => sink?.close(resolve));
  });

  const env = (): Env => {
    const e = system.cloud.endpoints;
    return {
      BWSCALER_OTS_ENDPOINT: e.ots,
      BWSCALER_OTS_INSTANCE: e.otsInstance,
      ALIBABA_CLOUD_ACCESS_KEY_ID: e.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: e.accessKeySecret,
      ...(e.securityToken ? { ALIBABA_CLOUD_SECURITY_TOKEN: e.securityToken } : {}),
      BWSCALER_NOTIFY_URL: sinkUrl,
      USER: 'oncall',
    };
  };

  /** Runs a command as an operator's terminal would, its clock (and its request signatures) on the cloud's time. */
  async function command(run: (args: string[], env: Env, io: CommandIo) => Promise<number>, args: string[]) {
    let out = '';
    let err = '';
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(system.cloud.clock.now());
    try {
      const code = await run(args, env(), {
        stdout: { write: (t: string) => (out += t) },
        stderr: { write: (t: string) => (err += t) },
        now: () => system.cloud.clock.now(),
      });
      return { code, out, err };
    } finally {
      vi.useRealTimers();
    }
  }

  const orders = () => system.cloud.world.calls.filter((c) => c.action === 'ModifyInstanceNetworkSpec').length;
  const bandwidths = () => FLEET.map((id) => system.cloud.world.instances.get(id)!.InternetMaxBandwidthOut);
  const tick = async () => {
    await system.cloud.clock.advance(300);
    const invocations = await system.runner.fireTimersUntil(system.cloud.clock.now());
    for (const invocation of invocations) expect(invocation.ok, invocation.error?.message).toBe(true);
    return invocations;
  };
  const alarm = (instanceId: string) =>
    fetch(`${system.runner.httpUrl('bwscaler-alarm')}/?token=${WEBHOOK_TOKEN}`, {
      method: 'POST',
      headers: FORM,
      body: alarmCallback({ instanceId, curValue: 100, timestamp: system.cloud.clock.now() }),
    });
  const history = async (subject: string) => {
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
      return await store.queryHistory(subject, 0, Number.POSITIVE_INFINITY);
    } finally {
      vi.useRealTimers();
    }
  };

  it('holds the fleet on target before the crowd arrives', async () => {
    await tick();
    expect(bandwidths()).toEqual([10, 10, 10]);
    expect(orders()).toBe(0);
  });

  it('places no order while the fleet is paused in the middle of the flash crowd, on ticks and on alarms', async () => {
    await system.cloud.clock.advance(600); // the crowd has arrived: 40 Mbps wanted, 10 served
    const pausedAt = system.cloud.clock.now();
    const paused = await command(runPause, ['--policy', 'flash-fleet', '--reason', 'incident 42: upstream outage']);
    expect(paused.code, paused.err).toBe(0);

    for (let i = 0; i < 3; i++) await tick();
    const response = await alarm('i-flash-1');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ instanceId: 'i-flash-1', reason: 'PAUSED', action: 'none' });

    expect(orders()).toBe(0);
    expect(bandwidths()).toEqual([10, 10, 10]);
    const decisions = (await history('i-flash-1')).filter((r) => r.at >= pausedAt);
    expect(decisions.some((r) => r.source.startsWith('tick:'))).toBe(true);
    expect(decisions.some((r) => r.source.startsWith('alarm:'))).toBe(true);
    expect(decisions.every((r) => r.decision.reason === 'PAUSED' && r.outcome !== 'applied')).toBe(true);
  }, 60_000);

  it('leaves an audit row and one notice for the pause', async () => {
    const audit = await history('policy/flash-fleet');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ outcome: 'paused', source: 'control:oncall' });
    expect(audit[0]?.decision.message).toContain('incident 42');
    expect(notices.filter((n) => n.type === 'control')).toEqual([
      expect.objectContaining({ source: 'bwscaler', instanceId: 'policy/flash-fleet', change: 'paused' }),
    ]);
  });

  it('lists the pause in force', async () => {
    const listed = await command(runOverrides, ['--json']);
    expect(listed.code, listed.err).toBe(0);
    expect(JSON.parse(listed.out).controls).toEqual([expect.objectContaining({ kind: 'pause', scope: 'policy', target: 'flash-fleet', inForce: true })]);
  });

  it('scales the fleet up on the next tick after resume, with an audit row and a notice', async () => {
    const resumed = await command(runResume, ['--policy', 'flash-fleet', '--reason', 'outage over']);
    expect(resumed.code, resumed.err).toBe(0);

    await tick();

    expect(orders()).toBe(FLEET.length);
    expect(bandwidths().every((mbps) => mbps > 10)).toBe(true);
    expect((await history('policy/flash-fleet')).map((r) => r.outcome)).toEqual(['paused', 'resumed']);
    expect(notices.filter((n) => n.type === 'control').map((n) => n.change)).toEqual(['paused', 'resumed']);
  }, 60_000);

  it('sets an instance to its override on the next tick, and the override wins over the metric', async () => {
    const set = await command(runOverride, ['--instance', 'i-flash-2', '--bandwidth', '77', '--until', '2h', '--reason', 'launch']);
    expect(set.code, set.err).toBe(0);

    await tick();

    expect(system.cloud.world.instances.get('i-flash-2')!.InternetMaxBandwidthOut).toBe(77);
    // The tick placed the override's order; a later alarm may hold on that pending change (PENDING_CHANGE).
    const rows = await history('i-flash-2');
    expect(rows.some((r) => r.decision.reason === 'OVERRIDE' && (r.outcome === 'placed' || r.outcome === 'applied'))).toBe(true);
  }, 60_000);
});
