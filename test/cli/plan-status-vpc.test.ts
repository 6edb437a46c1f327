// `bwscaler plan` and `bwscaler status` for policies that select Elastic IPs and shared bandwidth
// packages: the resources are described through the provider router (VPC API for eip-/cbwp-), and
// plan reads their rates from acs_vpc_eip / acs_bandwidth_package, against the local cloud.
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PlanRow, run as plan } from '../../src/cli/plan';
import { run as status } from '../../src/cli/status';
import { ensureTables } from '../../src/state/index';
import { type CliCloud, FLEET, runCli, startCliCloud, storeEnv } from './support';

const VPC_POLICY = `version: 1
policies:
  - name: edge
    eips: { region: cn-hangzhou, ids: [eip-edge-1, eip-gone-1] }
    bounds: { minOut: 1, maxOut: 200 }
    saturation: { threshold: 90, adjust: "x2" }
  - name: egress
    bandwidthPackages: { region: cn-hangzhou, tags: { app: egress } }
    bounds: { minOut: 2, maxOut: 1000 }
  - name: web
    instances: { region: cn-hangzhou, tags: { app: web } }
    bounds: { minOut: 5, maxOut: 100 }
`;

describe('bwscaler plan and status with EIPs and shared bandwidth packages', () => {
  let local: CliCloud;
  let policyFile: string;
  const now = () => local.cloud.clock.now();
  const env = () => local.env({ BWSCALER_VPC_ENDPOINT: local.cloud.endpoints.vpc });

  beforeAll(async () => {
    local = await startCliCloud({
      ...FLEET,
      eips: [
        {
          AllocationId: 'eip-edge-1',
          IpAddress: '47.96.2.10',
          Status: 'InUse',
          InternetChargeType: 'PayByTraffic',
          ChargeType: 'PostPaid',
          Bandwidth: 20,
          // Saturated: 30 wanted through 20 Mbit/s.
          Demand: { kind: 'constant', mbps: 30 },
        },
        {
          AllocationId: 'eip-nat-1',
          IpAddress: '47.96.2.12',
          Status: 'InUse',
          InternetChargeType: 'PayByBandwidth',
          ChargeType: 'PostPaid',
          Bandwidth: 5,
          BandwidthPackageId: 'cbwp-egress-1',
          Demand: { kind: 'constant', mbps: 12 },
        },
      ],
      bandwidthPackages: [{ BandwidthPackageId: 'cbwp-egress-1', Bandwidth: 50, Tags: [{ Key: 'app', Value: 'egress' }] }],
    });
    policyFile = local.policyFile.replace(/policy\.yaml$/, 'vpc.yaml');
    await writeFile(policyFile, VPC_POLICY);
    const { endpoints } = local.cloud;
    await ensureTables({
      endpoint: endpoints.ots,
      instanceName: endpoints.otsInstance,
      accessKeyId: endpoints.accessKeyId,
      accessKeySecret: endpoints.accessKeySecret,
      maxRetries: 0,
    });
    await local.cloud.clock.advance(5 * 60);
  });
  afterAll(async () => local?.close());

  it('plan describes the EIP and the package through the VPC API and reads their own metrics', async () => {
    // Act
    const result = await runCli(plan, ['--policy', policyFile, '--json'], env(), now);

    // Assess
    expect(result.code).toBe(1); // eip-gone-1 is unknown
    const report = JSON.parse(result.stdout) as { rows: PlanRow[]; missingInstances: unknown[] };
    const rows = Object.fromEntries(report.rows.map((row) => [row.instanceId, row]));
    expect(Object.keys(rows)).toEqual(['eip-edge-1', 'cbwp-egress-1', 'i-web-1', 'i-web-2', 'i-web-3']);
    expect(rows['eip-edge-1']).toMatchObject({ policy: 'edge', current: 20, change: 'raise', sample: { outBps: 20_000_000 } });
    expect(rows['cbwp-egress-1']).toMatchObject({ policy: 'egress', current: 50, sample: { outBps: 12_000_000 } });
    expect(report.missingInstances).toEqual([{ policy: 'edge', instanceId: 'eip-gone-1' }]);
    expect(local.cloud.world.eips.get('eip-edge-1')?.Bandwidth).toBe(20);
  });

  it('status lists the EIP and the package with the bandwidth the VPC API reports', async () => {
    // Act
    const result = await runCli(status, ['--policy', policyFile, '--json'], { ...env(), ...storeEnv(local.cloud) }, now);

    // Assess
    const report = JSON.parse(result.stdout) as { instances: Array<{ instanceId: string; policy?: string; bandwidthOut?: number }> };
    const byId = Object.fromEntries(report.instances.map((entry) => [entry.instanceId, entry]));
    expect(byId['eip-edge-1']).toMatchObject({ policy: 'edge', bandwidthOut: 20 });
    expect(byId['cbwp-egress-1']).toMatchObject({ policy: 'egress', bandwidthOut: 50 });
    expect(result.stderr).toContain('policy edge lists eip-gone-1, which DescribeEipAddresses does not return');
  });
});
