// The built functions scale an Elastic IP and an Internet Shared Bandwidth package end to end on the
// local cloud (signed VPC RPC, CloudMonitor acs_vpc_eip / acs_bandwidth_package): an alarm raises an
// EIP, a schedule window sets a package (asynchronous: Modifying, then read back), and target
// tracking lowers an idle EIP, with the same intents and read-back as ECS.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fixture } from '../../local-cloud/fixture';
import { alarmCallback, type System, startSystem, WEBHOOK_TOKEN } from './harness';

const START = Date.parse('2026-11-02T00:00:00Z');
const FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' };

function fixture(): Fixture {
  return {
    instances: [
      {
        InstanceId: 'i-app-1',
        InstanceChargeType: 'PostPaid',
        InternetChargeType: 'PayByBandwidth',
        InstanceNetworkType: 'vpc',
        InternetMaxBandwidthOut: 10,
        Tags: [{ TagKey: 'app', TagValue: 'app' }],
        Demand: { kind: 'constant', mbps: 2 },
      },
    ],
    eips: [
      {
        AllocationId: 'eip-edge-1',
        IpAddress: '47.96.2.10',
        Status: 'InUse',
        InternetChargeType: 'PayByTraffic',
        ChargeType: 'PostPaid',
        Bandwidth: '20',
        Tags: [{ Key: 'app', Value: 'edge' }],
        Demand: { kind: 'constant', mbps: 60 },
      },
      {
        AllocationId: 'eip-idle-1',
        IpAddress: '47.96.2.11',
        Status: 'InUse',
        InternetChargeType: 'PayByTraffic',
        ChargeType: 'PostPaid',
        Bandwidth: 50,
        Tags: [{ Key: 'app', Value: 'edge' }],
        Demand: { kind: 'constant', mbps: 5 },
      },
      {
        AllocationId: 'eip-nat-1',
        IpAddress: '47.96.2.12',
        Status: 'InUse',
        InternetChargeType: 'PayByBandwidth',
        ChargeType: 'PostPaid',
        Bandwidth: 5,
        BandwidthPackageId: 'cbwp-egress-1',
        Demand: { kind: 'constant', mbps: 20 },
      },
    ],
    bandwidthPackages: [{ BandwidthPackageId: 'cbwp-egress-1', Bandwidth: 50, Tags: [{ Key: 'app', Value: 'egress' }] }],
  };
}

const POLICY = `
version: 1
policies:
  - name: edge
    eips: { region: cn-hangzhou, tags: { app: edge } }
    bounds: { minOut: 1, maxOut: 200 }
    targetTracking: { target: 70, tolerance: 10 }
    scaleDown: { cooldown: 5m, stabilization: 0s, minHold: 0s }
    warmup: 0s
  - name: egress
    bandwidthPackages: { region: cn-hangzhou, tags: { app: egress } }
    bounds: { minOut: 2, maxOut: 1000 }
    targetTracking: { target: 70, tolerance: 10 }
    schedules:
      - name: nightly-sync
        cron: "0 0 * * *"
        timezone: UTC
        duration: 2h
        exact: 100
`;

describe('the built functions scale EIPs and shared bandwidth packages on the local cloud', () => {
  let system: System;
  const eip = (id: string) => system.cloud.world.eips.get(id);
  const pkg = (id: string) => system.cloud.world.bandwidthPackages.get(id);
  const calls = (action: string) => system.cloud.world.calls.filter((c) => c.action === action);
  const tick = async () => {
    await system.cloud.clock.advance(300);
    const invocations = await system.runner.fireTimersUntil(system.cloud.clock.now());
    for (const invocation of invocations) expect(invocation.ok, invocation.error?.message).toBe(true);
    return invocations;
  };

  beforeAll(async () => {
    system = await startSystem({ cloud: { fixture: fixture(), start: START }, policyText: POLICY });
  }, 120_000);
  afterAll(async () => system?.close());

  it('an ALERT on acs_vpc_eip net_tx.rate raises the EIP with one ModifyEipAddressAttribute, applied at once', async () => {
    // Prepare: the EIP serves its full 20 Mbit/s (demand 60).
    const params = new URLSearchParams(
      alarmCallback({ instanceId: 'eip-edge-1', curValue: 20_000_000, timestamp: system.cloud.clock.now(), metricName: 'net_tx.rate' }),
    );
    params.set('namespace', 'acs_vpc_eip');
    params.set('metricProject', 'acs_vpc_eip');
    params.set('expression', '$Value>=19000000');
    // Act
    const response = await fetch(`${system.runner.httpUrl('bwscaler-alarm')}/?token=${WEBHOOK_TOKEN}`, {
      method: 'POST',
      headers: FORM,
      body: params.toString(),
    });
    const body = (await response.json()) as Record<string, unknown>;
    // Assess: synchronous, so the read-back inside the invocation already shows it.
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ outcome: 'applied', instanceId: 'eip-edge-1', action: 'set', from: 20 });
    expect(eip('eip-edge-1')?.Bandwidth).toBeGreaterThan(20);
    expect(calls('ModifyEipAddressAttribute')).toHaveLength(1);
    expect(calls('ModifyInstanceNetworkSpec')).toHaveLength(0);
  });

  it('a schedule window sets the package exactly: placed while Modifying, applied once DescribeCommonBandwidthPackages shows it Available', async () => {
    // Act: the first tick inside the nightly window.
    await tick();
    // Assess: one asynchronous order; the package is Modifying and shows its old bandwidth.
    expect(calls('ModifyCommonBandwidthPackageSpec')).toHaveLength(1);
    expect(pkg('cbwp-egress-1')).toMatchObject({ Bandwidth: 50, Status: 'Modifying' });
    // Act: the next ticks read it back (the emulator's delay is at most 2 minutes).
    await tick();
    await tick();
    // Assess
    expect(pkg('cbwp-egress-1')).toMatchObject({ Bandwidth: 100, Status: 'Available' });
    expect(calls('ModifyCommonBandwidthPackageSpec')).toHaveLength(1);
    // The EIP inside the package is never changed: its bandwidth is the package's.
    expect(calls('ModifyEipAddressAttribute').filter((c) => c.resourceId === 'eip-nat-1')).toHaveLength(0);
  });

  it('target tracking lowers an idle EIP (5 Mbit/s served of 50)', async () => {
    // Act: the ticks above ran too; one more is enough once the metric shows the idle rate.
    await tick();
    // Assess: 5 / 0.7 = 7.1, so 8 Mbit/s.
    expect(eip('eip-idle-1')?.Bandwidth).toBeLessThan(50);
    expect(eip('eip-idle-1')?.Bandwidth).toBeGreaterThanOrEqual(8);
  });
});

describe('examples/vpc-policy.yaml on the demo account', () => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem({ policyText: await readFile('examples/vpc-policy.yaml', 'utf8') });
  }, 120_000);
  afterAll(async () => system?.close());

  it('ticks without errors, reading the demo EIP and package through the VPC API', async () => {
    await system.cloud.clock.advance(300);
    const invocations = await system.runner.fireTimersUntil(system.cloud.clock.now());
    expect(invocations.length).toBeGreaterThan(0);
    for (const invocation of invocations) expect(invocation.ok, invocation.error?.message).toBe(true);
    const actions = new Set(system.cloud.world.calls.map((c) => c.action));
    expect(actions.has('DescribeEipAddresses') && actions.has('DescribeCommonBandwidthPackages')).toBe(true);
  });
});
