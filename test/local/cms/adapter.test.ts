// The product's CloudMonitor adapter against the local CloudMonitor over HTTP: the metric follows
// the network type, the `ip` dimension is matched, and the outbound bytes the spend guard reads come
// from the same served-traffic model as every other metric (InternetOut agrees with the integrated rate).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../../local-cloud/cloud';
import { createMetricApi, metricPages, readPoint } from '../../../src/adapters/cms';
import { createRpcClient, type RpcClient } from '../../../src/adapters/pop';

const START = Date.UTC(2026, 10, 2, 0, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let cloud: LocalCloud;
let client: RpcClient;

beforeAll(async () => {
  cloud = await startLocalCloud({
    start: START,
    fixture: {
      instances: [
        // 25 Mbit/s of demand through a 10 Mbit/s pipe: 10 Mbit/s served, 75 MB a minute.
        { InstanceId: 'i-vpc', InternetMaxBandwidthOut: 10, PublicIpAddress: ['47.96.7.7'], Demand: { kind: 'constant', mbps: 25 } },
        { InstanceId: 'i-classic', InstanceNetworkType: 'classic', InternetMaxBandwidthOut: 10, Demand: { kind: 'constant', mbps: 4 } },
        {
          InstanceId: 'i-eip',
          InternetMaxBandwidthOut: 10,
          EipAddress: { AllocationId: 'eip-1', IpAddress: '47.96.9.9', Bandwidth: 10, InternetChargeType: 'PayByTraffic' },
          Demand: { kind: 'constant', mbps: 4 },
        },
      ],
    },
  });
  client = createRpcClient({
    endpoint: cloud.endpoints.cms,
    apiVersion: '2019-01-01',
    credentials: { accessKeyId: cloud.endpoints.accessKeyId, accessKeySecret: cloud.endpoints.accessKeySecret },
  });
  await cloud.clock.advance(2 * 3600);
});

afterAll(async () => {
  client?.close();
  await cloud?.close();
});

describe('the CloudMonitor adapter on the local CloudMonitor', () => {
  it('reads VPC_PublicIP_InternetOutRate for a VPC instance and InternetOutRate for a classic one; an EIP-only instance has neither', async () => {
    // Act
    const rates = await createMetricApi(client).latestOutRates(cloud.endpoints.region, [
      { instanceId: 'i-vpc', networkType: 'vpc', publicIp: '47.96.7.7' },
      { instanceId: 'i-classic', networkType: 'classic' },
      { instanceId: 'i-eip', networkType: 'vpc' },
    ]);
    // Assess: the newest published minute, one to two minutes old.
    const at = START + 2 * HOUR - 2 * MINUTE;
    expect(Object.fromEntries(rates)).toEqual({ 'i-vpc': { at, outBps: 10e6 }, 'i-classic': { at, outBps: 4e6 } });
    expect(rates.rejected).toEqual([]);
  });

  it('finds no sample for a VPC instance under the classic metric, or under another address', async () => {
    const rates = await createMetricApi(client).latestOutRates(cloud.endpoints.region, [
      { instanceId: 'i-vpc', networkType: 'classic' },
      { instanceId: 'i-classic', networkType: 'vpc' },
    ]);
    const elsewhere = await createMetricApi(client).latestOutRates(cloud.endpoints.region, [
      { instanceId: 'i-vpc', networkType: 'vpc', publicIp: '47.96.0.250' },
    ]);
    expect(rates.size).toBe(0);
    expect(elsewhere.size).toBe(0);
  });

  it('reads an hour of outbound bytes, and names the periods not published yet as gaps', async () => {
    // Act
    const api = createMetricApi(client);
    const first = await api.outboundTraffic({
      regionId: cloud.endpoints.region,
      instance: { instanceId: 'i-vpc', networkType: 'vpc' },
      start: START,
      end: START + HOUR,
    });
    const current = await api.outboundTraffic({
      regionId: cloud.endpoints.region,
      instance: { instanceId: 'i-vpc', networkType: 'vpc', publicIp: '47.96.7.7' },
      start: START + HOUR,
      end: START + 2 * HOUR + 5 * MINUTE,
      periodSeconds: 300,
    });
    // Assess
    expect(first.periods).toHaveLength(60);
    expect(first.gaps).toEqual([]);
    expect(first.bytes).toBe(60 * 75e6);
    // At 02:00 the five-minute periods starting 01:55 (ends 02:00, published 02:01) and 02:00 are not out yet.
    expect(current.periods).toHaveLength(11);
    expect(current.gaps.map((gap) => (gap.start - START) / MINUTE)).toEqual([115, 120]);
    expect(current.bytes).toBe(11 * 5 * 75e6);
  });

  it('agrees with the byte metric CloudMonitor publishes for the classic network (InternetOut)', async () => {
    // Prepare
    const range = { start: START, end: START + HOUR };
    // Act
    const integrated = await createMetricApi(client).outboundTraffic({
      regionId: cloud.endpoints.region,
      instance: { instanceId: 'i-classic', networkType: 'classic' },
      ...range,
    });
    let published = 0;
    for await (const raws of metricPages(client, 'DescribeMetricList', {
      RegionId: cloud.endpoints.region,
      Namespace: 'acs_ecs_dashboard',
      MetricName: 'InternetOut',
      Period: '60',
      StartTime: String(range.start - 1000),
      EndTime: String(range.end - 1000),
      Dimensions: '[{"instanceId":"i-classic"}]',
    })) {
      for (const raw of raws) {
        const reading = readPoint(raw, 'InternetOut');
        if (reading.ok) published += reading.point.Average;
      }
    }
    // Assess: 4 Mbit/s for an hour is 1.8 GB either way.
    expect(integrated.bytes).toBe(1.8e9);
    expect(published).toBe(integrated.bytes);
  });
});
