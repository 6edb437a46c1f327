// `bwscaler fetch-history` for an Elastic IP (acs_vpc_eip) and a shared bandwidth package
// (acs_bandwidth_package): net_tx.rate in bit/s, read from each point's `Value`, against the local
// cloud's CloudMonitor and VPC over signed HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/fetch-history';
import { parseTrace } from '../../src/sim/trace';
import { type CliCloud, FLEET, runCli, startCliCloud } from './support';

describe('bwscaler fetch-history for EIPs and shared bandwidth packages', () => {
  let local: CliCloud;
  const now = () => local.cloud.clock.now();
  const env = () => local.env({ BWSCALER_VPC_ENDPOINT: local.cloud.endpoints.vpc });
  const lists = () => local.cloud.world.calls.filter((call) => call.action === 'DescribeMetricList');

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
          // 30 wanted through a 20 Mbit/s EIP: the served rate is 20.
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
      bandwidthPackages: [{ BandwidthPackageId: 'cbwp-egress-1', Bandwidth: 50 }],
    });
    await local.cloud.clock.advance(3_600);
  });
  afterAll(async () => local?.close());

  const rows = [
    { name: 'an EIP (acs_vpc_eip net_tx.rate): its served 20 Mbit/s', id: 'eip-edge-1', mbps: 20 },
    { name: "a package (acs_bandwidth_package net_tx.rate): its EIP's 12 Mbit/s", id: 'cbwp-egress-1', mbps: 12 },
  ];

  it.each(rows)('$name', async ({ id, mbps }) => {
    // Prepare
    const before = lists().length;

    // Act
    const result = await runCli(run, ['--instance', id, '--days', '1'], env(), now);

    // Assess
    expect(result.code, result.stderr).toBe(0);
    const trace = parseTrace(result.stdout, `${id}.csv`, { unit: 'bps' });
    expect(trace.stepSeconds).toBe(60);
    expect(trace.points.length).toBeGreaterThan(50);
    expect(new Set(trace.points.map((point) => point.mbps))).toEqual(new Set([mbps]));
    expect(result.stderr).toContain(`points of net_tx.rate for ${id}`);
    // Read with DescribeMetricList, every point from its `Value`.
    expect(lists().length).toBeGreaterThan(before);
    expect(result.stderr).not.toContain('skipped');
  });

  it('takes --metric net_rx.rate for an EIP and refuses an ECS metric for it', async () => {
    // Act
    const inbound = await runCli(run, ['--instance', 'eip-edge-1', '--days', '1', '--metric', 'net_rx.rate'], env(), now);
    const wrong = await runCli(run, ['--instance', 'eip-edge-1', '--metric', 'VPC_PublicIP_InternetOutRate'], env(), now);

    // Assess
    expect(inbound.code, inbound.stderr).toBe(0);
    expect(inbound.stderr).toContain('points of net_rx.rate for eip-edge-1');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--metric: expected one of net_tx.rate, net_rx.rate (the bit/s metrics of an EIP), got "VPC_PublicIP_InternetOutRate"');
  });

  it('exits 1 for an EIP the VPC API does not know, naming the API', async () => {
    const result = await runCli(run, ['--instance', 'eip-nowhere'], env(), now);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--instance eip-nowhere: DescribeEipAddresses in cn-hangzhou does not return it');
  });
});
