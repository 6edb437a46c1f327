import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEcsApi } from '../../src/adapters/ecs';
import { createRpcClient, type RpcClient } from '../../src/adapters/pop';
import type { InstanceFacts } from '../../src/core/types';
import { CloudApiError, ValidationError } from '../../src/errors';
import type { InstanceApi } from '../../src/ports/cloud';
import { type CannedAnswer, type CannedRpcServer, type RecordedRequest, startCannedRpcServer } from './canned-rpc-server';

/** A DescribeInstances instance as the API documents it. */
function ecsInstance(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    InstanceId: id,
    RegionId: 'cn-hangzhou',
    Status: 'Running',
    InstanceChargeType: 'PrePaid',
    InternetChargeType: 'PayByBandwidth',
    InstanceNetworkType: 'vpc',
    InternetMaxBandwidthOut: 10,
    InternetMaxBandwidthIn: 10,
    PublicIpAddress: { IpAddress: ['47.1.2.3'] },
    EipAddress: { AllocationId: '', IpAddress: '', InternetChargeType: '' },
    Tags: { Tag: [{ TagKey: 'app', TagValue: 'web' }] },
    ExpiredTime: '2027-01-31T16:00Z',
    OperationLocks: { LockReason: [] },
    ...overrides,
  };
}

/**
 * Answers DescribeInstances like ECS: filters by the InstanceIds JSON array and Tag.N pairs, and
 * pages with NextToken, never more than `serverPageSize` rows whatever MaxResults asks for.
 */
function describeFrom(fleet: Array<Record<string, unknown>>, serverPageSize = 100) {
  return (request: RecordedRequest): CannedAnswer => {
    const { params } = request;
    let rows = fleet;
    if (params.InstanceIds) {
      const ids = new Set(JSON.parse(params.InstanceIds) as string[]);
      rows = rows.filter((row) => ids.has(row.InstanceId as string));
    }
    for (let n = 1; params[`Tag.${n}.Key`] !== undefined; n++) {
      const key = params[`Tag.${n}.Key`];
      const value = params[`Tag.${n}.Value`];
      rows = rows.filter((row) => (row.Tags as { Tag: Array<{ TagKey: string; TagValue: string }> }).Tag.some((t) => t.TagKey === key && t.TagValue === value));
    }
    const start = Number(params.NextToken ?? 0);
    const size = Math.min(Number(params.MaxResults ?? 10), serverPageSize);
    const page = rows.slice(start, start + size);
    const next = start + size < rows.length ? String(start + size) : '';
    return { status: 200, json: { RequestId: 'R', Instances: { Instance: page }, NextToken: next, TotalCount: rows.length } };
  };
}

describe('createEcsApi', () => {
  let answer: (request: RecordedRequest) => CannedAnswer = describeFrom([]);
  let server: CannedRpcServer;
  let client: RpcClient;
  let ecs: InstanceApi;

  beforeAll(async () => {
    server = await startCannedRpcServer((request) => answer(request));
    client = createRpcClient({
      endpoint: server.endpoint,
      apiVersion: '2014-05-26',
      credentials: { accessKeyId: 'test-key-id', accessKeySecret: 'test-key-secret' },
    });
    ecs = createEcsApi(client);
  });
  beforeEach(() => {
    server.requests.length = 0;
  });
  afterAll(async () => {
    client.close();
    await server.close();
  });

  describe('describeInstances translation', () => {
    const rows: Array<{ name: string; instance: Record<string, unknown>; expected: Partial<InstanceFacts>; absent?: Array<keyof InstanceFacts> }> = [
      {
        name: 'a subscription VPC instance with a static IP',
        instance: ecsInstance('i-sub'),
        expected: {
          instanceId: 'i-sub',
          regionId: 'cn-hangzhou',
          instanceChargeType: 'PrePaid',
          internetChargeType: 'PayByBandwidth',
          networkType: 'vpc',
          status: 'Running',
          bandwidthOut: 10,
          bandwidthIn: 10,
          hasPublicIp: true,
          eipBound: false,
          tags: { app: 'web' },
          expiredAt: Date.UTC(2027, 0, 31, 16, 0),
          operationLocks: [],
        },
      },
      {
        name: 'a VPC instance with an EIP and no static IP',
        instance: ecsInstance('i-eip', {
          InternetMaxBandwidthOut: 0,
          PublicIpAddress: { IpAddress: [] },
          EipAddress: { AllocationId: 'eip-1', IpAddress: '8.8.1.1', Bandwidth: 5 },
        }),
        expected: { bandwidthOut: 0, hasPublicIp: false, eipBound: true },
      },
      {
        name: 'a classic pay-as-you-go instance without ExpiredTime, tags or EipAddress',
        instance: ecsInstance('i-classic', {
          InstanceChargeType: 'PostPaid',
          InternetChargeType: 'PayByTraffic',
          InstanceNetworkType: 'classic',
          ExpiredTime: '',
          Tags: undefined,
          EipAddress: undefined,
        }),
        expected: { instanceChargeType: 'PostPaid', internetChargeType: 'PayByTraffic', networkType: 'classic', tags: {}, eipBound: false },
        absent: ['expiredAt'],
      },
      {
        name: "a pay-as-you-go instance's placeholder ExpiredTime is not an expiry",
        instance: ecsInstance('i-payg', { InstanceChargeType: 'PostPaid', ExpiredTime: '2099-12-31T15:59Z' }),
        expected: { instanceChargeType: 'PostPaid' },
        absent: ['expiredAt'],
      },
      {
        name: 'operation locks as documented objects',
        instance: ecsInstance('i-locked', { OperationLocks: { LockReason: [{ LockReason: 'financial' }, { LockReason: 'security' }] } }),
        expected: { operationLocks: ['financial', 'security'] },
      },
      {
        name: 'inbound -1 (no inbound cap reported, as on real pages) leaves bandwidthIn out',
        instance: ecsInstance('i-in', { InternetMaxBandwidthIn: -1 }),
        expected: { bandwidthOut: 10 },
        absent: ['bandwidthIn', 'unrecognised'],
      },
      {
        name: 'inbound far above the settable range (2000, as on real pages) is read as it is',
        instance: ecsInstance('i-in2000', { InternetMaxBandwidthIn: 2000 }),
        expected: { bandwidthIn: 2000 },
        absent: ['unrecognised'],
      },
      {
        name: 'an EIP-bound instance with an empty InternetChargeType (as on real pages) is EIP-bound, not unreadable',
        instance: ecsInstance('i-eip-empty', {
          InternetChargeType: '',
          InternetMaxBandwidthOut: 0,
          PublicIpAddress: { IpAddress: [] },
          EipAddress: { AllocationId: 'eip-1', IpAddress: '47.96.1.180', InternetChargeType: 'PayByTraffic', Bandwidth: 199 },
        }),
        expected: { eipBound: true, internetChargeType: '' },
        absent: ['unrecognised'],
      },
      {
        name: 'an ExpiredTime with seconds',
        instance: ecsInstance('i-secs', { ExpiredTime: '2027-03-01T00:00:30Z' }),
        expected: { expiredAt: Date.UTC(2027, 2, 1, 0, 0, 30) },
      },
    ];

    it.each(rows)('$name', async ({ instance, expected, absent = [] }) => {
      answer = describeFrom([instance]);

      const [facts] = await ecs.describeInstances({ regionId: 'cn-hangzhou', instanceIds: [instance.InstanceId as string] });

      expect(facts).toEqual(expect.objectContaining(expected));
      for (const key of absent) expect(facts).not.toHaveProperty(key);
    });
  });

  it('asks for 250 instances in batches of at most 100 ids with MaxResults 100, and returns them all', async () => {
    // Prepare
    const fleet = Array.from({ length: 250 }, (_, i) => ecsInstance(`i-${String(i).padStart(4, '0')}`));
    answer = describeFrom(fleet);

    // Act
    const facts = await ecs.describeInstances({ regionId: 'cn-hangzhou', instanceIds: fleet.map((row) => row.InstanceId as string) });

    // Assess
    expect(facts.map((f) => f.instanceId).sort()).toEqual(fleet.map((row) => row.InstanceId).sort());
    const batchSizes = server.requests.map((r) => (JSON.parse(r.params.InstanceIds as string) as string[]).length).sort((a, b) => a - b);
    expect(batchSizes).toEqual([50, 100, 100]);
    for (const request of server.requests) expect(request.params).toMatchObject({ Action: 'DescribeInstances', RegionId: 'cn-hangzhou', MaxResults: '100' });
  });

  it('follows NextToken until the last page when the server pages below MaxResults', async () => {
    const fleet = Array.from({ length: 95 }, (_, i) => ecsInstance(`i-${i}`));
    answer = describeFrom(fleet, 40);

    const facts = await ecs.describeInstances({ regionId: 'cn-hangzhou', instanceIds: fleet.map((row) => row.InstanceId as string) });

    expect(facts).toHaveLength(95);
    expect(server.requests.map((r) => r.params.NextToken)).toEqual([undefined, '40', '80']);
  });

  it('selects by tags with Tag.N.Key/Value and no InstanceIds', async () => {
    answer = describeFrom([
      ecsInstance('i-web', {
        Tags: {
          Tag: [
            { TagKey: 'app', TagValue: 'web' },
            { TagKey: 'env', TagValue: 'prod' },
          ],
        },
      }),
      ecsInstance('i-db', { Tags: { Tag: [{ TagKey: 'app', TagValue: 'db' }] } }),
    ]);

    const facts = await ecs.describeInstances({ regionId: 'cn-hangzhou', tags: { app: 'web', env: 'prod' } });

    expect(facts.map((f) => f.instanceId)).toEqual(['i-web']);
    expect(server.requests[0]?.params).toMatchObject({ 'Tag.1.Key': 'app', 'Tag.1.Value': 'web', 'Tag.2.Key': 'env', 'Tag.2.Value': 'prod' });
    expect(server.requests[0]?.params).not.toHaveProperty('InstanceIds');
  });

  it('makes no call for an empty id list', async () => {
    const facts = await ecs.describeInstances({ regionId: 'cn-hangzhou', instanceIds: [] });

    expect(facts).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses more than 20 tag filters before calling', async () => {
    const tags = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']));

    await expect(ecs.describeInstances({ regionId: 'cn-hangzhou', tags })).rejects.toThrow(ValidationError);
    expect(server.requests).toHaveLength(0);
  });

  const pagingFaults: Array<{ name: string; answer: (request: RecordedRequest) => CannedAnswer; code: string; mentions: string }> = [
    {
      name: 'a NextToken that never changes',
      answer: () => ({ status: 200, json: { RequestId: 'R', Instances: { Instance: [] }, NextToken: 'same' } }),
      code: 'InvalidResponse.Paging',
      mentions: 'same',
    },
  ];

  it.each(pagingFaults)('rejects $name with a CloudApiError naming it', async ({ answer: bad, code, mentions }) => {
    answer = bad;

    const error = await ecs.describeInstances({ regionId: 'cn-hangzhou', instanceIds: ['i-odd'] }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CloudApiError);
    expect((error as CloudApiError).code).toBe(code);
    expect((error as CloudApiError).message).toContain(mentions);
  });

  describe("a row it cannot read is that instance's problem only", () => {
    const oddRows: Array<{ name: string; overrides: Record<string, unknown>; field: string; value: string }> = [
      { name: 'an unknown InstanceChargeType', overrides: { InstanceChargeType: 'Weird' }, field: 'InstanceChargeType', value: '"Weird"' },
      { name: 'an unparseable ExpiredTime', overrides: { ExpiredTime: 'next tuesday' }, field: 'ExpiredTime', value: '"next tuesday"' },
      { name: 'an empty InternetChargeType with no EIP bound', overrides: { InternetChargeType: '' }, field: 'InternetChargeType', value: '""' },
      { name: 'an inbound bandwidth below the -1 sentinel', overrides: { InternetMaxBandwidthIn: -2 }, field: 'InternetMaxBandwidthIn', value: '-2' },
      { name: 'no InternetMaxBandwidthOut at all', overrides: { InternetMaxBandwidthOut: undefined }, field: 'InternetMaxBandwidthOut', value: 'missing' },
      { name: 'an unknown network type', overrides: { InstanceNetworkType: 'hybrid' }, field: 'InstanceNetworkType', value: '"hybrid"' },
    ];

    it.each(oddRows)('$name: that row comes back unrecognised, naming $field = $value, and its neighbours are read', async ({ overrides, field, value }) => {
      // Prepare
      answer = describeFrom([ecsInstance('i-before'), ecsInstance('i-odd', overrides), ecsInstance('i-after')]);

      // Act
      const facts = await ecs.describeInstances({ regionId: 'cn-hangzhou', instanceIds: ['i-before', 'i-odd', 'i-after'] });

      // Assess
      expect(facts.map((f) => f.instanceId)).toEqual(['i-before', 'i-odd', 'i-after']);
      expect(facts[0]?.unrecognised).toBeUndefined();
      expect(facts[2]?.unrecognised).toBeUndefined();
      const odd = facts[1];
      expect(odd?.unrecognised).toMatchObject({ field, value });
      expect(odd?.unrecognised?.message).toContain('i-odd');
      expect(odd?.unrecognised?.message).toContain(`${field} = ${value}`);
      expect(odd?.tags).toEqual({ app: 'web' });
    });

    it('skips a row without an InstanceId (nothing to name) and reads the rest', async () => {
      answer = () => ({ status: 200, json: { RequestId: 'R', Instances: { Instance: [ecsInstance('i-ok'), ecsInstance('', { InstanceId: undefined })] } } });

      const facts = await ecs.describeInstances({ regionId: 'cn-hangzhou' });

      expect(facts.map((f) => f.instanceId)).toEqual(['i-ok']);
    });
  });

  describe('modifyBandwidth', () => {
    const orderRows: Array<{ name: string; body: string; orderId: string }> = [
      {
        name: 'an order id beyond 2^53 (json-bigint BigNumber) keeps every digit',
        body: '{"RequestId":"R","OrderId":123456789012345678901}',
        orderId: '123456789012345678901',
      },
      { name: 'a numeric order id', body: '{"RequestId":"R","OrderId":123457890}', orderId: '123457890' },
      { name: 'a string order id', body: '{"RequestId":"R","OrderId":"208012345678"}', orderId: '208012345678' },
      { name: 'no order id (pay-as-you-go)', body: '{"RequestId":"R"}', orderId: '' },
    ];

    it.each(orderRows)('returns $name as text', async ({ body, orderId }) => {
      answer = () => ({ status: 200, json: body });

      const result = await ecs.modifyBandwidth({ regionId: 'cn-hangzhou', instanceId: 'i-1', bandwidthOut: 20, clientToken: 'tok-1', autoPay: true });

      expect(result).toEqual({ orderId });
    });

    it('POSTs ModifyInstanceNetworkSpec with the documented parameters', async () => {
      answer = () => ({ status: 200, json: { RequestId: 'R', OrderId: '1' } });

      await ecs.modifyBandwidth({
        regionId: 'cn-hangzhou',
        instanceId: 'i-1',
        bandwidthOut: 50,
        bandwidthIn: 40,
        clientToken: 'dec-42',
        autoPay: false,
        allocatePublicIp: true,
        startTime: '2027-01-05T22:40Z',
        endTime: '2027-01-06T02Z',
      });

      const [request] = server.requests;
      expect(request?.method).toBe('POST');
      expect(request?.params).toMatchObject({
        Action: 'ModifyInstanceNetworkSpec',
        RegionId: 'cn-hangzhou',
        InstanceId: 'i-1',
        InternetMaxBandwidthOut: '50',
        InternetMaxBandwidthIn: '40',
        ClientToken: 'dec-42',
        AutoPay: 'false',
        AllocatePublicIp: 'true',
        StartTime: '2027-01-05T22:40Z',
        EndTime: '2027-01-06T02Z',
      });
    });

    it('leaves optional parameters out when the request has none', async () => {
      answer = () => ({ status: 200, json: { RequestId: 'R', OrderId: '1' } });

      await ecs.modifyBandwidth({ regionId: 'cn-hangzhou', instanceId: 'i-1', bandwidthOut: 5, clientToken: 't', autoPay: true });

      for (const absent of ['InternetMaxBandwidthIn', 'AllocatePublicIp', 'StartTime', 'EndTime'])
        expect(server.requests[0]?.params).not.toHaveProperty(absent);
    });

    it('surfaces the provider error classified', async () => {
      answer = () => ({
        status: 400,
        json: { RequestId: 'R9', Code: 'LastOrderProcessing', Message: 'The previous order is still processing, please try again later.' },
      });

      const error = await ecs
        .modifyBandwidth({ regionId: 'cn-hangzhou', instanceId: 'i-1', bandwidthOut: 5, clientToken: 't', autoPay: true })
        .catch((e: unknown) => e);

      expect(error).toMatchObject({ name: 'CloudApiError', code: 'LastOrderProcessing', category: 'retryable', requestId: 'R9' });
    });
  });
});
