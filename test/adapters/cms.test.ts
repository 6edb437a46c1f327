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
    // VPC_PublicIP_* points carry the instance's address as an `ip` dimension.
    const ip = (params.MetricName ?? '').startsWith('VPC_PublicIP_') ? { ip: '47.96.0.1' } : {};
    const page = points.slice(start, start + length).map((p) => ({ userId: '1234', ...ip, Maximum: p.Average, Minimum: p.Average, ...p }));
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

  it('reads the documented DescribeMetricLast response example verbatim', async () => {
    // Prepare: the success example of https://www.alibabacloud.com/help/en/cms/cloudmonitor-1-0/api-describemetriclast-new
    answer = () => ({
      status: 200,
      json: {
        NextToken: '',
        RequestId: '021472A6-25E3-4094-8D00-BA4B6A5486C3',
        Success: true,
        Datapoints: '[{"timestamp":1548777660000,"userId":"123456789876****","instanceId":"i-abcdefgh12****","Minimum":93.1,"Average":99.52,"Maximum":100}]',
        Code: '200',
        Message: 'The specified resource is not found.',
        Period: '60',
      },
    });

    // Act
    const rates = await createMetricApi(client).latestOutRates('cn-hangzhou', [{ instanceId: 'i-abcdefgh12****', networkType: 'classic' }]);

    // Assess
    expect(rates.get('i-abcdefgh12****')).toEqual({ at: 1548777660000, outBps: 99.52 });
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
      name: 'Datapoints that are JSON but not a list',
      answer: { status: 200, json: { RequestId: 'R', Code: '200', Success: true, Datapoints: '{"timestamp":1}' } },
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

  const malformed: Array<{ name: string; point: Record<string, unknown>; reason: string }> = [
    { name: 'Average null (read as 0 bit/s by a coercing parser)', point: { Average: null }, reason: 'Average: expected a number >= 0, got null' },
    { name: 'Average an empty string', point: { Average: '' }, reason: 'Average: expected a number >= 0, got ""' },
    { name: 'Average not a number', point: { Average: 'n/a' }, reason: 'Average: expected a number >= 0, got "n/a"' },
    { name: 'Average negative', point: { Average: -5 }, reason: 'Average: expected a number >= 0, got -5' },
    { name: 'no timestamp', point: { timestamp: undefined }, reason: 'timestamp: expected epoch milliseconds, got nothing' },
    {
      name: 'a VPC_PublicIP_* point without ip',
      point: { ip: undefined },
      reason: 'ip: VPC_PublicIP_InternetOutRate points carry an ip dimension, this one has none',
    },
  ];

  it.each(malformed)("one malformed datapoint ($name) is that instance's problem only", async ({ point, reason }) => {
    // Prepare: i-bad's point is malformed, its neighbours' are fine.
    const good = (instanceId: string) => ({ instanceId, userId: '1234', ip: '47.96.0.1', timestamp: T, Average: 3e6 });
    const bad = { ...good('i-bad'), ...point };
    answer = () => ({
      status: 200,
      json: { RequestId: 'R', Code: '200', Success: true, Period: '60', Datapoints: JSON.stringify([good('i-1'), bad, good('i-2')]) },
    });

    // Act
    const rates = await createMetricApi(client).latestOutRates(
      'cn-hangzhou',
      ['i-1', 'i-bad', 'i-2'].map((instanceId) => ({ instanceId, networkType: 'vpc' as const })),
    );

    // Assess
    expect(Object.fromEntries(rates)).toEqual({ 'i-1': { at: T, outBps: 3e6 }, 'i-2': { at: T, outBps: 3e6 } });
    expect(rates.rejected).toHaveLength(1);
    expect(rates.rejected?.[0]?.instanceId).toBe('i-bad');
    expect(rates.rejected?.[0]?.reason).toContain(reason);
    expect(rates.rejected?.[0]?.reason).toContain('Datapoints[1]');
  });

  it('gives no sample to an instance with one unreadable point even when another of its points reads', async () => {
    answer = () => ({
      status: 200,
      json: {
        Code: '200',
        Success: true,
        Datapoints: JSON.stringify([
          { instanceId: 'i-1', ip: '47.96.0.1', timestamp: T, Average: 1e6 },
          { instanceId: 'i-1', ip: '47.96.0.2', timestamp: T, Average: 'busy' },
        ]),
      },
    });

    const rates = await createMetricApi(client).latestOutRates('cn-hangzhou', [{ instanceId: 'i-1', networkType: 'vpc' }]);

    expect(rates.has('i-1')).toBe(false);
    expect(rates.rejected?.map((r) => r.instanceId)).toEqual(['i-1']);
  });

  it('reads the series of the public IP the instance has, not another address', async () => {
    answer = () => ({
      status: 200,
      json: {
        Code: '200',
        Success: true,
        Datapoints: JSON.stringify([
          { instanceId: 'i-1', ip: '47.96.0.1', timestamp: T, Average: 9e6 },
          { instanceId: 'i-1', ip: '47.96.0.2', timestamp: T, Average: 2e6 },
        ]),
      },
    });

    const rates = await createMetricApi(client).latestOutRates('cn-hangzhou', [{ instanceId: 'i-1', networkType: 'vpc', publicIp: '47.96.0.2' }]);

    expect(rates.get('i-1')).toEqual({ at: T, outBps: 2e6 });
  });
});

describe('outboundTraffic', () => {
  let answer: (request: RecordedRequest) => CannedAnswer = () => ({ status: 200, json: { Code: '200', Success: true, Datapoints: '[]' } });
  let server: CannedRpcServer;
  let client: RpcClient;
  const H = Date.UTC(2027, 0, 1, 4, 0);
  const MIN = 60_000;

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

  /** Serves the given points in pages of `pageLength`, as DescribeMetricList does. */
  function listing(points: unknown[], pageLength = 1000) {
    return (request: RecordedRequest): CannedAnswer => {
      const from = Number(request.params.NextToken ?? 0);
      const next = from + pageLength < points.length ? String(from + pageLength) : undefined;
      return {
        status: 200,
        json: {
          RequestId: 'R',
          Code: '200',
          Success: true,
          Period: request.params.Period ?? '60',
          ...(next ? { NextToken: next } : {}),
          Datapoints: JSON.stringify(points.slice(from, from + pageLength)),
        },
      };
    };
  }

  const vpc = { instanceId: 'i-1', networkType: 'vpc' as const, publicIp: '47.96.0.1' };

  it('integrates the rate over each period of [start, end), across pages, and names the gaps', async () => {
    // Prepare: 8 Mbit/s for a minute is 60 MB; minute 2 has no point; a point outside the range is ignored.
    const point = (minute: number, average: unknown) => ({ instanceId: 'i-1', userId: '1234', ip: '47.96.0.1', timestamp: H + minute * MIN, Average: average });
    answer = listing([point(-1, 1e9), point(0, 8e6), point(1, 16e6), point(3, 0), point(4, 8e6)], 2);

    // Act
    const traffic = await createMetricApi(client).outboundTraffic({ regionId: 'cn-hangzhou', instance: vpc, start: H, end: H + 4 * MIN });

    // Assess
    expect(traffic).toEqual({
      instanceId: 'i-1',
      metricName: 'VPC_PublicIP_InternetOutRate',
      periodSeconds: 60,
      periods: [
        { start: H, bytes: 60e6 },
        { start: H + MIN, bytes: 120e6 },
        { start: H + 3 * MIN, bytes: 0 },
      ],
      gaps: [{ start: H + 2 * MIN, reason: 'no datapoint' }],
      bytes: 180e6,
    });
    expect(server.requests).toHaveLength(3);
    expect(server.requests[0]?.params).toMatchObject({
      Action: 'DescribeMetricList',
      Namespace: 'acs_ecs_dashboard',
      MetricName: 'VPC_PublicIP_InternetOutRate',
      Period: '60',
      StartTime: String(H - 1000),
      EndTime: String(H + 4 * MIN - 1000),
      Dimensions: '[{"instanceId":"i-1"}]',
    });
  });

  it('reads InternetOutRate for a classic instance, in 300 s periods', async () => {
    answer = listing([{ instanceId: 'i-c', timestamp: H, Average: 8e6 }]);

    const traffic = await createMetricApi(client).outboundTraffic({
      regionId: 'cn-hangzhou',
      instance: { instanceId: 'i-c', networkType: 'classic' },
      start: H,
      end: H + 5 * MIN,
      periodSeconds: 300,
    });

    expect(server.requests[0]?.params).toMatchObject({ MetricName: 'InternetOutRate', Period: '300' });
    expect(traffic.periods).toEqual([{ start: H, bytes: 300e6 }]);
  });

  it('makes a period with an unreadable point a gap with its reason, and reads the others', async () => {
    answer = listing([
      { instanceId: 'i-1', ip: '47.96.0.1', timestamp: H, Average: null },
      { instanceId: 'i-1', ip: '47.96.0.1', timestamp: H + MIN, Average: 8e6 },
    ]);

    const traffic = await createMetricApi(client).outboundTraffic({ regionId: 'cn-hangzhou', instance: vpc, start: H, end: H + 2 * MIN });

    expect(traffic.periods).toEqual([{ start: H + MIN, bytes: 60e6 }]);
    expect(traffic.gaps).toHaveLength(1);
    expect(traffic.gaps[0]?.start).toBe(H);
    expect(traffic.gaps[0]?.reason).toContain('Average: expected a number >= 0, got null');
  });

  it('adds the series of every address when the public IP is not known', async () => {
    answer = listing([
      { instanceId: 'i-1', ip: '47.96.0.1', timestamp: H, Average: 8e6 },
      { instanceId: 'i-1', ip: '47.96.0.2', timestamp: H, Average: 8e6 },
    ]);

    const traffic = await createMetricApi(client).outboundTraffic({
      regionId: 'cn-hangzhou',
      instance: { instanceId: 'i-1', networkType: 'vpc' },
      start: H,
      end: H + MIN,
    });

    expect(traffic.bytes).toBe(120e6);
  });

  it.each([
    { name: 'a start off the period boundary', query: { start: H + 1, end: H + MIN }, message: 'boundaries' },
    { name: 'an empty range', query: { start: H, end: H }, message: 'start < end' },
    { name: 'more than 31 days', query: { start: H, end: H + 32 * 24 * 60 * MIN }, message: '31 days' },
    { name: 'a period List does not take', query: { start: H, end: H + 2 * MIN, periodSeconds: 120 }, message: 'periodSeconds' },
  ])('refuses $name before calling CloudMonitor', async ({ query, message }) => {
    const error = await createMetricApi(client)
      .outboundTraffic({ regionId: 'cn-hangzhou', instance: vpc, ...(query as { start: number; end: number }) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).toContain('i-1');
    expect(server.requests).toHaveLength(0);
  });

  it('passes a CloudMonitor refusal on as a CloudApiError', async () => {
    answer = () => ({ status: 400, json: { RequestId: 'R', Code: 'Throttling.User', Message: 'Request was denied due to user flow control.' } });
    const error = await createMetricApi(client)
      .outboundTraffic({ regionId: 'cn-hangzhou', instance: vpc, start: H, end: H + MIN })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'Throttling.User', category: 'retryable' });
  });
});
