// The EIP and shared-bandwidth metrics of the local CloudMonitor through the real SDK: namespaces
// acs_vpc_eip and acs_bandwidth_package, points with `Value` in bit/s keyed by instanceId (the
// AllocationId or the BandwidthPackageId), traffic clipped at the bandwidth that applies, a
// package's EIPs sharing it, a package change showing once it completes, and alert rules on them.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import RPCClient from '@alicloud/pop-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../../local-cloud/cloud';
import { VPC_VERSION } from '../../../local-cloud/vpc/index';
import { rpcError } from '../support';

const START = Date.UTC(2026, 10, 2, 0, 0, 0);
const MBIT = 1_000_000;

let cloud: LocalCloud;
let cms: RPCClient;
let vpc: RPCClient;
let receiver: Server;
let receiverUrl: string;
const callbacks: string[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      callbacks.push(body);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alarm`;

  cloud = await startLocalCloud({
    start: START,
    packageLag: { minMs: 0, maxMs: 0 },
    fixture: {
      instances: [],
      // A lone EIP asked for 30 Mbit/s through 20; a package of 50 shared by EIPs asked for 30 and 50.
      eips: [
        { AllocationId: 'eip-lone', IpAddress: '47.96.7.1', InstanceId: 'i-x', Bandwidth: 20, Demand: { kind: 'constant', mbps: 30 } },
        {
          AllocationId: 'eip-m1',
          IpAddress: '47.96.7.2',
          InstanceId: 'ngw-1',
          InstanceType: 'Nat',
          Bandwidth: 5,
          BandwidthPackageId: 'cbwp-1',
          Demand: { kind: 'constant', mbps: 30 },
        },
        {
          AllocationId: 'eip-m2',
          IpAddress: '47.96.7.3',
          InstanceId: 'ngw-1',
          InstanceType: 'Nat',
          Bandwidth: 5,
          BandwidthPackageId: 'cbwp-1',
          Demand: { kind: 'constant', mbps: 50 },
        },
      ],
      bandwidthPackages: [{ BandwidthPackageId: 'cbwp-1', Bandwidth: 50 }],
    },
  });
  const client = (endpoint: string, apiVersion: string) =>
    new RPCClient({ endpoint, apiVersion, accessKeyId: cloud.endpoints.accessKeyId, accessKeySecret: cloud.endpoints.accessKeySecret });
  cms = client(cloud.endpoints.cms, '2019-01-01');
  vpc = client(cloud.endpoints.vpc, VPC_VERSION);
  // An alert rule names a contact group that must exist (local-cloud/cms/alarms.ts).
  await cms.request('PutContactGroup', { ContactGroupName: 'bwscaler' }, { method: 'POST' });
  await cloud.clock.advance(600);
});

afterAll(async () => {
  for (const c of [cms, vpc]) (c as unknown as { keepAliveAgent?: { destroy(): void } }).keepAliveAgent?.destroy();
  await cloud?.close();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

interface Point {
  timestamp: number;
  userId: string;
  instanceId: string;
  Value?: number;
  Average?: number;
}

async function last(namespace: string, metricName: string, instanceId?: string): Promise<Point[]> {
  const answer = (await cms.request('DescribeMetricLast', {
    Namespace: namespace,
    MetricName: metricName,
    Period: '60',
    ...(instanceId ? { Dimensions: JSON.stringify([{ instanceId }]) } : {}),
  })) as { Datapoints: string };
  return JSON.parse(answer.Datapoints) as Point[];
}

describe('acs_vpc_eip and acs_bandwidth_package', () => {
  it("publishes an EIP's outbound rate as Value in bit/s, clipped at its own bandwidth", async () => {
    const points = await last('acs_vpc_eip', 'net_tx.rate', 'eip-lone');

    expect(points).toHaveLength(1);
    expect(Object.keys(points[0] as object).sort()).toEqual(['Value', 'instanceId', 'timestamp', 'userId']);
    expect(points[0]?.Value).toBe(20 * MBIT);
  });

  it("publishes a package's rate at its bandwidth and splits it between its EIPs by their demand", async () => {
    const pkg = await last('acs_bandwidth_package', 'net_tx.rate', 'cbwp-1');
    const percent = await last('acs_bandwidth_package', 'net_tx.ratePercent', 'cbwp-1');
    const members = await last('acs_vpc_eip', 'net_tx.rate');

    expect(pkg[0]?.Value).toBe(50 * MBIT);
    expect(percent[0]?.Value).toBe(100);
    expect(members.map((p) => [p.instanceId, p.Value])).toEqual([
      ['eip-lone', 20 * MBIT],
      ['eip-m1', (30 * 50 * MBIT) / 80],
      ['eip-m2', (50 * 50 * MBIT) / 80],
    ]);
  });

  it('shows a package change from the minute it completes', async () => {
    await vpc.request('ModifyCommonBandwidthPackageSpec', { RegionId: 'cn-hangzhou', BandwidthPackageId: 'cbwp-1', Bandwidth: '100' }, { method: 'POST' });
    await cloud.clock.advance(180);

    expect((await last('acs_bandwidth_package', 'net_tx.rate', 'cbwp-1'))[0]?.Value).toBe(80 * MBIT);
    expect((await last('acs_bandwidth_package', 'net_tx.ratePercent', 'cbwp-1'))[0]?.Value).toBe(80);
  });

  it.each([
    { name: 'a period the VPC metrics do not have', params: { Namespace: 'acs_vpc_eip', MetricName: 'net_tx.rate', Period: '900' } },
    { name: 'an ECS metric name in the EIP namespace', params: { Namespace: 'acs_vpc_eip', MetricName: 'VPC_PublicIP_InternetOutRate', Period: '60' } },
    { name: 'an unknown namespace', params: { Namespace: 'acs_slb_dashboard', MetricName: 'net_tx.rate', Period: '60' } },
  ])('refuses $name', async ({ params }) => {
    expect(await rpcError(cms.request('DescribeMetricList', params))).toMatchObject({ code: 'InvalidParameter' });
  });

  it('refuses an alert rule on a VPC metric that asks for a statistic other than Value', async () => {
    const error = await rpcError(
      cms.request(
        'PutResourceMetricRule',
        {
          RuleId: 'bad-stat',
          RuleName: 'bad-stat',
          Namespace: 'acs_bandwidth_package',
          MetricName: 'net_tx.ratePercent',
          ContactGroups: 'bwscaler',
          'Escalations.Critical.Statistics': 'Average',
          'Escalations.Critical.ComparisonOperator': 'GreaterThanOrEqualToThreshold',
          'Escalations.Critical.Threshold': '90',
          'Escalations.Critical.Times': '1',
        },
        { method: 'POST' },
      ),
    );
    expect(error.code).toBe('InvalidParameter');
  });

  it('calls back when an alert rule on a package fires, naming the package', async () => {
    await cms.request(
      'PutResourceMetricRule',
      {
        RuleId: 'cbwp-busy',
        RuleName: 'cbwp-busy',
        Namespace: 'acs_bandwidth_package',
        MetricName: 'net_tx.ratePercent',
        Resources: '[{"instanceId":"cbwp-1"}]',
        ContactGroups: 'bwscaler',
        Webhook: receiverUrl,
        'Escalations.Critical.Statistics': 'Value',
        'Escalations.Critical.ComparisonOperator': 'GreaterThanOrEqualToThreshold',
        'Escalations.Critical.Threshold': '75',
        'Escalations.Critical.Times': '2',
      },
      { method: 'POST' },
    );

    await cloud.clock.advance(180);

    const alerts = callbacks.map((body) => new URLSearchParams(body)).filter((form) => form.get('ruleId') === 'cbwp-busy');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.get('alertState')).toBe('ALERT');
    expect(alerts[0]?.get('namespace')).toBe('acs_bandwidth_package');
    // CloudMonitor writes dimensions as {userId=…, instanceId=…}, not JSON (callback.ts).
    expect(alerts[0]?.get('dimensions')).toContain('instanceId=cbwp-1');
  });
});
