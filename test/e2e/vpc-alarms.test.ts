// End to end on the local cloud: `bwscaler setup-alarms` makes the EIP's and the package's rules, the
// local CloudMonitor evaluates them on the simulated clock and calls the built alarm function's HTTP
// trigger, and the function raises the saturated EIP and package. No tick runs: the alarm path alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fixture } from '../../local-cloud/fixture';
import { run as setupAlarms } from '../../src/cli/setup-alarms';
import { type System, startSystem, WEBHOOK_TOKEN } from './harness';

const START = Date.parse('2026-11-02T00:00:00Z');

function fixture(): Fixture {
  return {
    instances: [],
    eips: [
      {
        AllocationId: 'eip-edge-1',
        IpAddress: '47.96.2.10',
        Status: 'InUse',
        InternetChargeType: 'PayByTraffic',
        ChargeType: 'PostPaid',
        Bandwidth: 20,
        Tags: [{ Key: 'app', Value: 'edge' }],
        // Quiet until the test turns the demand up.
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
        Demand: { kind: 'constant', mbps: 10 },
      },
    ],
    bandwidthPackages: [{ BandwidthPackageId: 'cbwp-egress-1', Bandwidth: 50, Tags: [{ Key: 'app', Value: 'egress' }] }],
  };
}

const POLICY = `version: 1
policies:
  - name: edge
    eips: { region: cn-hangzhou, tags: { app: edge } }
    bounds: { minOut: 1, maxOut: 200 }
    saturation: { threshold: 90, adjust: "x2" }
    warmup: 0s
  - name: egress
    bandwidthPackages: { region: cn-hangzhou, tags: { app: egress } }
    bounds: { minOut: 2, maxOut: 1000 }
    saturation: { threshold: 90, adjust: "x2" }
`;

describe('setup-alarms rules for an EIP and a package call the built alarm function, which raises them', () => {
  let system: System;
  let setupOutput = '';
  const calls = (action: string) => system.cloud.world.calls.filter((c) => c.action === action);

  beforeAll(async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const policyPath = join(await mkdtemp(join(tmpdir(), 'bwscaler-vpc-alarms-')), 'policy.yaml');
    await writeFile(policyPath, POLICY);
    system = await startSystem({
      cloud: { fixture: fixture(), start: START },
      policyText: POLICY,
      setUp: async ({ cloud, runner }) => {
        const e = cloud.endpoints;
        const capture = { write: (text: string) => (setupOutput += text) };
        const code = await setupAlarms(
          ['--callback-url', runner.httpUrl('bwscaler-alarm'), '--policy', policyPath, '--contact-email', 'ops@example.com'],
          {
            BWSCALER_REGION: e.region,
            BWSCALER_ECS_ENDPOINT: e.ecs,
            BWSCALER_CMS_ENDPOINT: e.cms,
            BWSCALER_VPC_ENDPOINT: e.vpc,
            BWSCALER_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
            ALIBABA_CLOUD_ACCESS_KEY_ID: e.accessKeyId,
            ALIBABA_CLOUD_ACCESS_KEY_SECRET: e.accessKeySecret,
          },
          { stdout: capture, stderr: capture, now: () => Date.now() },
        );
        if (code !== 0) throw new Error(`setup-alarms failed (exit ${code}):\n${setupOutput}`);
      },
    });
  }, 120_000);
  afterAll(async () => system?.close());

  it('made the rules through the real command', () => {
    expect(setupOutput).toMatch(/bwscaler-edge-eip-edge-1\s+edge\s+net_tx\.rate\s+>= 18000000 bit\/s/);
    expect(setupOutput).toMatch(/bwscaler-egress\s+egress\s+net_tx\.ratePercent\s+>= 90%/);
  });

  it('stays quiet while the EIP is below its threshold', async () => {
    // Act: five quiet minutes (5 of 20 Mbit/s).
    await system.cloud.clock.advance(300);

    // Assess
    expect(calls('ModifyEipAddressAttribute')).toHaveLength(0);
  });

  it('an EIP saturated for two minutes: CloudMonitor calls back and the function doubles the EIP', async () => {
    // Prepare: 60 Mbit/s of demand through the 20 Mbit/s EIP.
    const eip = system.cloud.world.eips.get('eip-edge-1');
    if (!eip) throw new Error('fixture lost eip-edge-1');
    eip.demand = { kind: 'constant', mbps: 60 };

    // Act: the saturated minutes become visible (CloudMonitor reports a minute late).
    await system.cloud.clock.advance(300);

    // Assess
    expect(calls('ModifyEipAddressAttribute').map((c) => c.resourceId)).toEqual(['eip-edge-1']);
    expect(system.cloud.world.eips.get('eip-edge-1')?.Bandwidth).toBe(40);
  });

  it('a saturated package: its net_tx.ratePercent rule fires and the function orders a larger package', async () => {
    // Prepare: the package's EIP now asks for 80 Mbit/s through the 50 Mbit/s package.
    const nat = system.cloud.world.eips.get('eip-nat-1');
    if (!nat) throw new Error('fixture lost eip-nat-1');
    nat.demand = { kind: 'constant', mbps: 80 };

    // Act
    await system.cloud.clock.advance(300);

    // Assess: one asynchronous order to 100 Mbit/s (x2).
    expect(calls('ModifyCommonBandwidthPackageSpec').map((c) => c.resourceId)).toEqual(['cbwp-egress-1']);
    expect(calls('ModifyEipAddressAttribute').filter((c) => c.resourceId === 'eip-nat-1')).toHaveLength(0);
  });
});
