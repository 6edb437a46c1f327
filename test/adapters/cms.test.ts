import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMetricApi, INSTANCES_PER_CALL, WHOLE_REGION_ABOVE } from '../../src/adapters/cms';
import { createRpcClient, type RpcClient } from '../../src/adapters/pop';
import type { NetworkType } from '../../src/core/types';
import { CloudApiError } from '../../src/errors';
import { type CannedAnswer, type CannedRpcServer, type RecordedRequest, startCannedRpcServer } from './canned-rpc-server';

interface Point {
  instanceId: string;
  timestamp: number;
  Average: number;
  ip?: string;
}

const T = Date.UTC(2027, 0, 1, 12, 0);

/** Answers DescribeMetricLast with the points of the requested metric and dimensions, paged by `pageLength`. */
function metricLast(pointsByMetric: Record<string, Point[]>, options: { pageLength?: number; datapointsAs?: 'string' | 'array' } = {}) {
  return (request: RecordedRequest): CannedAnswer => {
    const { params } = request;
    // Without an instanceId dimension CloudMonitor answers every instance's series.
    const ids = (JSON.parse(params.Dimensions ?? '[]') as Array<{ instanceId?: string }>).flatMap((d) => (d.instanceId ? [d.instanceId] : []));
    const wanted = new Set(ids);
    const points = (pointsByMetric[params.MetricName ?? ''] ?? []).filter((p) => ids.length === 0 || wanted.has(p.instanceId));
    const start = Number(params.NextToken ?? 0);
    const length = options.pageLength ?? Number(params.Length ?? 1000);
    const page = points.slice(start, start + length).map((p) => ({ userId: '1234', Maximum: p.Average, Minimum: p.Average, ...p }));
    const next = start + length < points.length ? String(start + length) : undefined;
    const Datapoints = options.datapointsAs === 'array' ? page : JSON.stringify(page);
    return { status: 200, json: { RequestId: 'R', Code: '200', Success: true, Period: '60', ...(next ? { NextToken: next } : {}), Datapoints } };
  };
}

describe('createMetricApi', () => {
  let answer: (request: RecordedRequest) => CannedAnswer = metricLast({});
  let server: CannedRpcServer;
  let client: RpcClient;

  beforeAll(async () => {
    server = await startCannedRpcServer((request) => answer(request));
    client = createRpcClient({
      endpoint: server.endpoint,
      apiVersion: '2019-01-01',
      credentials: { accessKeyId: 'test-key-id', accessKeySecret: 'test-key-secret' },
    });
  });
  beforeEach(() => {
    server.requests.length = 0;
  });
  afterAll(async () => {
    client.close();
    await server.close();
  });

  const datapointRows = [
    { name: 'Datapoints as a JSON-encoded string (the parameter table)', datapointsAs: 'string' as const },
    { name: 'Datapoints as an array (the JSON sample)', datapointsAs: 'array' as const },
  ];

  it.each(datapointRows)('reads $name', async ({ datapointsAs }) => {
    answer = metricLast({ VPC_PublicIP_InternetOutRate: [{ instanceId: 'i-1', timestamp: T, Average: 4_000_000 }] }, { datapointsAs });

    const rates = await createMetricApi(client).latestOutRates('cn-hangzhou', [{ instanceId: 'i-1', networkType: 'vpc' }]);

    expect(rates.get('i-1')).toEqual({ at: T, outBps: 4_000_000 });
  });

  it('asks for VPC_PublicIP_InternetOutRate for VPC instances and InternetOutRate for classic ones', async () => {
    // Prepare
    answer = metricLast({
      VPC_PublicIP_InternetOutRate: [{ instanceId: 'i-vpc', timestamp: T, Average: 1e6 }],
      InternetOutRate: [{ instanceId: 'i-classic', timestamp: T, Average: 2e6 }],
    });

    // Act
    const rates = await createMetricApi(client).latestOutRates('cn-hangzhou', [
      { instanceId: 'i-vpc', networkType: 'vpc' },
      { instanceId: 'i-classic', networkType: 'classic' },
    ]);

    // Assess
    expect(Object.fromEntries(rates)).toEqual({ 'i-vpc': { at: T, outBps: 1e6 }, 'i-classic': { at: T, outBps: 2e6 } });
    expect(server.requests.map((r) => [r.params.MetricName, r.params.Dimensions]).sort()).toEqual([
      ['InternetOutRate', '[{"instanceId":"i-classic"}]'],
      ['VPC_PublicIP_InternetOutRate', '[{"instanceId":"i-vpc"}]'],
    ]);
    for (const request of server.requests) expect(request.params).toMatchObject({ Namespace: 'acs_ecs_dashboard', Period: '60', RegionId: 'cn-hangzhou' });
  });

  it(`covers many instances with one call per ${INSTANCES_PER_CALL} instances and metric`, async () => {
    const fleet = Array.from({ length: 120 }, (_, i) => ({ instanceId: `i-${i}`, networkType: 'vpc' as NetworkType }));
    answer = metricLast({ VPC_PublicIP_InternetOutRate: fleet.map((f, i) => ({ instanceId: f.instanceId, timestamp: T, Average: i })) });

    const rates = await createMetricApi(client).latestOutRates('cn-hangzhou', fleet);

    expect(rates.size).toBe(120);
    expect(server.requests).toHaveLength(3);
    const sizes = server.requests.map((r) => (JSON.parse(r.params.Dimensions as string) as unknown[]).length).sort((a, b) => a - b);
    expect(sizes).toEqual([20, 50, 50]);
  });

  it(`reads the whole region, 1000 points a page, for more than ${WHOLE_REGION_ABOVE} instances`, async () => {
    const fleet = Array.from({ length: 1200 }, (_, i) => ({ instanceId: `i-${i}`, networkType: 'vpc' as NetworkType }));
    const unmanaged = Array.from({ length: 300 }, (_, i) => ({ instanceId: `i-other-${i}`, timestamp: T, Average: 1 }));
    answer = metricLast({ VPC_PublicIP_InternetOutRate: [...fleet.map((f, i) => ({ instanceId: f.instanceId, timestamp: T, Average: i })), ...unmanaged] });

    const rates = await createMetricApi(client).latestOutRates('cn-hangzhou', fleet);

    expect(rates.size).toBe(1200);
    expect(rates.get('i-1199')).toEqual({ at: T, outBps: 1199 });
    expect(server.requests).toHaveLength(2);
    expect(server.requests.every((r) => r.params.Dimensions === undefined)).toBe(true);
  });

  it('follows NextToken and keeps the newest point of each instance', async () => {
    answer = metricLast(
      {
        VPC_PublicIP_InternetOutRate: [
          { instanceId: 'i-1', timestamp: T - 120_000, Average: 1 },
          { instanceId: 'i-2', timestamp: T, Average: 20 },
          { instanceId: 'i-1', timestamp: T, Average: 10 },
          { instanceId: 'i-1', timestamp: T - 60_000, Average: 5 },
        ],
      },
      { pageLength: 2 },
    );

    const rates = await createMetricApi(client).latestOutRates('cn-hangzhou', [
      { instanceId: 'i-1', networkType: 'vpc' },
      { instanceId: 'i-2', networkType: 'vpc' },
    ]);

    expect(Object.fromEntries(rates)).toEqual({ 'i-1': { at: T, outBps: 10 }, 'i-2': { at: T, outBps: 20 } });
    expect(server.requests.map((r) => r.params.NextToken)).toEqual([undefined, '2']);
  });

  it('keeps the larger value when two ip series of one instance share the newest minute', async () => {
    answer = metricLast({
      VPC_PublicIP_InternetOutRate: [
        { instanceId: 'i-1', ip: '47.0.0.1', timestamp: T, Average: 3 },
        { instanceId: 'i-1', ip: '47.0.0.2', timestamp: T, Average: 7 },
      ],
    });

    const rates = await createMetricApi(client).latestOutRates('cn-hangzhou', [{ instanceId: 'i-1', networkType: 'vpc' }]);

    expect(rates.get('i-1')).toEqual({ at: T, outBps: 7 });
  });

  it('leaves out instances without data and ignores points of instances it did not ask for', async () => {
    answer = () => ({
      status: 200,
      json: { RequestId: 'R', Code: '200', Success: true, Datapoints: JSON.stringify([{ instanceId: 'i-other', timestamp: T, Average: 9 }]) },
    });

    const rates = await createMetricApi(client).latestOutRates('cn-hangzhou', [{ instanceId: 'i-silent', networkType: 'vpc' }]);

    expect(rates.size).toBe(0);
  });

  it('adds userId to every dimension when configured', async () => {
    answer = metricLast({});

    await createMetricApi(client, { userId: '1234' }).latestOutRates('cn-hangzhou', [{ instanceId: 'i-1', networkType: 'vpc' }]);

    expect(JSON.parse(server.requests[0]?.params.Dimensions as string)).toEqual([{ userId: '1234', instanceId: 'i-1' }]);
  });

  it('makes no call for no instances', async () => {
    const rates = await createMetricApi(client).latestOutRates('cn-hangzhou', []);

    expect(rates.size).toBe(0);
    expect(server.requests).toHaveLength(0);
  });

  const failures: Array<{ name: string; answer: CannedAnswer; code: string; category: string }> = [
    {
      name: 'a throttled call',
      answer: { status: 400, json: { RequestId: 'R', Code: 'Throttling.User', Message: 'Request was denied due to user flow control.' } },
      code: 'Throttling.User',
      category: 'retryable',
    },
    {
      name: 'Success false with code 200',
      answer: { status: 200, json: { RequestId: 'R', Code: '200', Success: false, Message: 'odd' } },
      code: '200',
      category: 'retryable',
    },
    {
      name: 'Datapoints that are not JSON',
      answer: { status: 200, json: { RequestId: 'R', Code: '200', Success: true, Datapoints: '[{' } },
      code: 'InvalidResponse',
      category: 'rejected',
    },
    {
      name: 'a point without a timestamp',
      answer: { status: 200, json: { RequestId: 'R', Code: '200', Success: true, Datapoints: [{ instanceId: 'i-1', Average: 1 }] } },
      code: 'InvalidResponse',
      category: 'rejected',
    },
  ];

  it.each(failures)('fails on $name with a CloudApiError', async ({ answer: reply, code, category }) => {
    answer = () => reply;

    const error = await createMetricApi(client)
      .latestOutRates('cn-hangzhou', [{ instanceId: 'i-1', networkType: 'vpc' }])
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CloudApiError);
    expect(error).toMatchObject({ code, category });
  });
});
