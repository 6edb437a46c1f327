import { describe, expect, it } from 'vitest';
import { fixture, instance, rpcError, withCloud } from './support';

const REGION = 'cn-hangzhou';
const ids = (response: { Instances: { Instance: Array<{ InstanceId: string }> } }) => response.Instances.Instance.map((i) => i.InstanceId);

const fleet = fixture([
  instance({
    InstanceId: 'i-web-1',
    Tags: [
      { TagKey: 'app', TagValue: 'web' },
      { TagKey: 'env', TagValue: 'prod' },
    ],
  }),
  instance({
    InstanceId: 'i-web-2',
    Tags: [
      { TagKey: 'app', TagValue: 'web' },
      { TagKey: 'env', TagValue: 'test' },
    ],
    Status: 'Stopped',
  }),
  instance({ InstanceId: 'i-sub-1', InstanceChargeType: 'PrePaid', Tags: [{ TagKey: 'app', TagValue: 'shop' }] }),
  instance({ InstanceId: 'i-traffic-1', InternetChargeType: 'PayByTraffic', Tags: [{ TagKey: 'app', TagValue: 'api' }] }),
  instance({ InstanceId: 'i-classic-1', InstanceNetworkType: 'classic' }),
  instance({ InstanceId: 'i-shanghai-1', RegionId: 'cn-shanghai' }),
]);

describe('ECS DescribeInstances', () => {
  it.each([
    { name: 'every instance of the region', params: {}, expected: ['i-web-1', 'i-web-2', 'i-sub-1', 'i-traffic-1', 'i-classic-1'] },
    {
      name: 'InstanceIds as a JSON array string, unknown ids ignored',
      params: { InstanceIds: '["i-sub-1","i-web-2","i-nope"]' },
      expected: ['i-web-2', 'i-sub-1'],
    },
    { name: 'a tag key and value', params: { Tag: [{ Key: 'app', Value: 'web' }] }, expected: ['i-web-1', 'i-web-2'] },
    {
      name: 'two tags, all of which must match',
      params: {
        Tag: [
          { Key: 'app', Value: 'web' },
          { Key: 'env', Value: 'prod' },
        ],
      },
      expected: ['i-web-1'],
    },
    { name: 'a tag key with any value', params: { Tag: [{ Key: 'env' }] }, expected: ['i-web-1', 'i-web-2'] },
    { name: 'InstanceChargeType', params: { InstanceChargeType: 'PrePaid' }, expected: ['i-sub-1'] },
    { name: 'InternetChargeType', params: { InternetChargeType: 'PayByTraffic' }, expected: ['i-traffic-1'] },
    { name: 'InstanceNetworkType', params: { InstanceNetworkType: 'classic' }, expected: ['i-classic-1'] },
    { name: 'Status', params: { Status: 'Stopped' }, expected: ['i-web-2'] },
    { name: 'another region', params: { RegionId: 'cn-shanghai' }, expected: ['i-shanghai-1'] },
  ])('lists $name', async ({ params, expected }) => {
    await withCloud({ fixture: fleet }, async (_cloud, ecs) => {
      const response = await ecs.request('DescribeInstances', { RegionId: REGION, PageSize: 100, ...params });
      expect(ids(response)).toEqual(expected);
      expect(response.TotalCount).toBe(expected.length);
    });
  });

  it.each([
    { name: 'RegionId missing is MissingParameter', params: { RegionId: undefined }, code: 'MissingParameter', status: 400 },
    { name: 'an unknown RegionId is InvalidRegionId.NotFound', params: { RegionId: 'xx-nowhere-1' }, code: 'InvalidRegionId.NotFound', status: 404 },
    { name: 'InstanceIds that are not a JSON array is InvalidParameter', params: { InstanceIds: 'i-a,i-b' }, code: 'InvalidParameter', status: 400 },
    {
      name: 'more than 100 InstanceIds is InvalidParameter',
      params: { InstanceIds: JSON.stringify(Array.from({ length: 101 }, (_, i) => `i-${i}`)) },
      code: 'InvalidParameter',
      status: 400,
    },
    {
      name: 'an unknown InstanceChargeType is InvalidInstanceChargeType.NotFound',
      params: { InstanceChargeType: 'Monthly' },
      code: 'InvalidInstanceChargeType.NotFound',
      status: 404,
    },
    {
      name: 'an unknown InternetChargeType is InvalidInternetChargeType.ValueNotSupported',
      params: { InternetChargeType: 'PayByMood' },
      code: 'InvalidInternetChargeType.ValueNotSupported',
      status: 404,
    },
    {
      name: 'an unknown InstanceNetworkType is InvalidNetworkType.NotFound',
      params: { InstanceNetworkType: 'mesh' },
      code: 'InvalidNetworkType.NotFound',
      status: 404,
    },
    { name: 'an unknown Status is InvalidStatus.NotFound', params: { Status: 'Dreaming' }, code: 'InvalidStatus.NotFound', status: 404 },
    { name: 'Tag.21 is InvalidTagCount', params: { 'Tag.21.Key': 'app' }, code: 'InvalidTagCount', status: 400 },
    { name: 'a tag value without its key is InvalidTag.Mismatch', params: { 'Tag.1.Value': 'web' }, code: 'InvalidTag.Mismatch', status: 400 },
    { name: 'PageSize above 100 is InvalidParameter', params: { PageSize: 101 }, code: 'InvalidParameter', status: 400 },
    { name: 'MaxResults above 100 is InvalidParameter', params: { MaxResults: 101 }, code: 'InvalidParameter', status: 400 },
    { name: 'PageNumber 0 is InvalidParameter', params: { PageNumber: 0 }, code: 'InvalidParameter', status: 400 },
    { name: 'a forged NextToken is InvalidParameter', params: { NextToken: 'not-a-token' }, code: 'InvalidParameter', status: 400 },
    { name: 'DryRun answers DryRunOperation', params: { DryRun: true }, code: 'DryRunOperation', status: 400 },
  ])('refuses: $name', async ({ params, code, status }) => {
    await withCloud({ fixture: fleet }, async (_cloud, ecs) => {
      const request = Object.fromEntries(Object.entries({ RegionId: REGION, ...params }).filter(([, v]) => v !== undefined));
      expect(await rpcError(ecs.request('DescribeInstances', request))).toMatchObject({ code, status });
    });
  });

  const many = fixture(Array.from({ length: 25 }, (_, i) => instance({ InstanceId: `i-${String(i).padStart(2, '0')}` })));

  it('pages with PageNumber and PageSize (default 10)', async () => {
    await withCloud({ fixture: many }, async (_cloud, ecs) => {
      const pages = [];
      for (const PageNumber of [1, 2, 3, 4]) pages.push(await ecs.request('DescribeInstances', { RegionId: REGION, PageNumber }));
      expect(pages.map((p) => ids(p).length)).toEqual([10, 10, 5, 0]);
      expect(pages.map((p) => [p.PageNumber, p.PageSize, p.TotalCount])).toEqual([
        [1, 10, 25],
        [2, 10, 25],
        [3, 10, 25],
        [4, 10, 25],
      ]);
      expect(pages.flatMap(ids)).toEqual(Array.from({ length: 25 }, (_, i) => `i-${String(i).padStart(2, '0')}`));
    });
  });

  it('pages with NextToken and MaxResults until NextToken is empty', async () => {
    await withCloud({ fixture: many }, async (_cloud, ecs) => {
      const seen: string[] = [];
      const tokens: string[] = [];
      let NextToken: string | undefined;
      do {
        const page = await ecs.request('DescribeInstances', { RegionId: REGION, MaxResults: 7, ...(NextToken ? { NextToken } : {}) });
        seen.push(...ids(page));
        NextToken = page.NextToken;
        tokens.push(page.NextToken);
      } while (NextToken);
      expect(seen).toHaveLength(25);
      expect(new Set(seen).size).toBe(25);
      expect(tokens.filter((t) => t === '')).toHaveLength(1);
      expect(tokens).toHaveLength(4);
    });
  });

  it('describes an instance in DescribeInstances field names', async () => {
    const described = fixture([
      instance({
        InstanceId: 'i-full',
        InstanceChargeType: 'PrePaid',
        ExpiredTime: '2027-11-02T16:00Z',
        PublicIpAddress: ['47.1.2.3'],
        Tags: [{ TagKey: 'app', TagValue: 'shop' }],
        OperationLocks: [{ LockReason: 'security' }],
      }),
      instance({
        InstanceId: 'i-eip',
        InternetMaxBandwidthOut: 0,
        EipAddress: { AllocationId: 'eip-1', IpAddress: '39.1.1.1', Bandwidth: 5, InternetChargeType: 'PayByTraffic' },
      }),
    ]);
    await withCloud({ fixture: described }, async (_cloud, ecs) => {
      const [full, eip] = (await ecs.request('DescribeInstances', { RegionId: REGION })).Instances.Instance;
      expect(full).toMatchObject({
        InstanceId: 'i-full',
        RegionId: REGION,
        Status: 'Running',
        InstanceChargeType: 'PrePaid',
        InternetChargeType: 'PayByBandwidth',
        InstanceNetworkType: 'vpc',
        InternetMaxBandwidthOut: 10,
        InternetMaxBandwidthIn: 100,
        PublicIpAddress: { IpAddress: ['47.1.2.3'] },
        EipAddress: { AllocationId: '', IpAddress: '', InternetChargeType: '' },
        Tags: { Tag: [{ TagKey: 'app', TagValue: 'shop' }] },
        ExpiredTime: '2027-11-02T16:00Z',
        OperationLocks: { LockReason: [{ LockReason: 'security' }] },
      });
      expect(eip).toMatchObject({
        InternetMaxBandwidthOut: 0,
        PublicIpAddress: { IpAddress: [] },
        EipAddress: { AllocationId: 'eip-1', IpAddress: '39.1.1.1', Bandwidth: 5 },
      });
    });
  });
});

describe('ECS DescribeInstanceAttribute', () => {
  it('answers the instance fields flat', async () => {
    await withCloud({ fixture: fleet }, async (_cloud, ecs) => {
      const response = await ecs.request('DescribeInstanceAttribute', { InstanceId: 'i-web-2' });
      expect(response).toMatchObject({ InstanceId: 'i-web-2', Status: 'Stopped', InternetMaxBandwidthOut: 10, InstanceNetworkType: 'vpc' });
    });
  });

  it.each([
    { name: 'InstanceId missing is MissingParameter', params: {}, code: 'MissingParameter', status: 400 },
    { name: 'an unknown InstanceId is InvalidInstanceId.NotFound', params: { InstanceId: 'i-nope' }, code: 'InvalidInstanceId.NotFound', status: 404 },
  ])('refuses: $name', async ({ params, code, status }) => {
    await withCloud({ fixture: fleet }, async (_cloud, ecs) => {
      expect(await rpcError(ecs.request('DescribeInstanceAttribute', params))).toMatchObject({ code, status });
    });
  });
});

describe('DescribeInstances renders real values as the real API does', () => {
  // An EIP-bound instance as a live account reported it (aliyun/alibabacloud-ecs-tool-troubleshooter,
  // ecs-devops-dashboard/src/app/static/data/DescribeInstances.ts @0c5f78d1, i-bp19y1z08hlzzldsdod2),
  // reduced to the fields the product reads plus a few it does not; pasted into a fixture as is.
  const realEipBound = {
    InstanceChargeType: 'PostPaid',
    InstanceNetworkType: 'vpc',
    ExpiredTime: '2099-12-31T15:59Z',
    EipAddress: {
      Bandwidth: 199,
      AllocationId: 'eip-bp1tiegqry5es1jj5qz8u',
      IpAddress: '47.96.1.180',
      IsSupportUnassociate: true,
      InternetChargeType: 'PayByTraffic',
    },
    Status: 'Running',
    InstanceId: 'i-bp19y1z08hlzzldsdod2',
    StoppedMode: 'Not-applicable',
    VpcAttributes: {
      PrivateIpAddress: { IpAddress: ['172.16.181.150'] },
      VpcId: 'vpc-bp171csbkbnjhg1bj3npw',
      VSwitchId: 'vsw-bp1xgvok3myac6ctry030',
      NatIpAddress: '',
    },
    InternetChargeType: '',
    InstanceName: 'test-kube-ctl',
    InternetMaxBandwidthOut: 0,
    InstanceType: 'ecs.t6-c1m1.large',
    InnerIpAddress: { IpAddress: [] },
    PublicIpAddress: { IpAddress: [] },
    ZoneId: 'cn-hangzhou-k',
    OperationLocks: { LockReason: [] },
    InternetMaxBandwidthIn: -1,
    RegionId: 'cn-hangzhou',
    DeletionProtection: true,
    CreditSpecification: 'Standard',
  };

  it('returns a pasted real instance field for field (-1 inbound, empty charge type, bound EIP)', async () => {
    await withCloud({ fixture: fixture([realEipBound as never]) }, async (_cloud, ecs) => {
      const response = await ecs.request('DescribeInstances', { RegionId: REGION });
      const [only] = response.Instances.Instance;
      expect(only).toMatchObject(realEipBound);
    });
  });

  it.each([
    { name: 'inbound -1', overrides: { InternetMaxBandwidthIn: -1 }, field: 'InternetMaxBandwidthIn', value: -1 },
    { name: 'inbound 36000', overrides: { InternetMaxBandwidthIn: 36000 }, field: 'InternetMaxBandwidthIn', value: 36000 },
    {
      name: 'a Stopped subscription billed by traffic',
      overrides: { Status: 'Stopped', InstanceChargeType: 'PrePaid', InternetChargeType: 'PayByTraffic' },
      field: 'InternetChargeType',
      value: 'PayByTraffic',
    },
    { name: 'no EIP as an object of empty strings', overrides: {}, field: 'EipAddress', value: { AllocationId: '', IpAddress: '', InternetChargeType: '' } },
    {
      name: 'a classic instance with an inner IP and empty VpcAttributes',
      overrides: { InstanceNetworkType: 'classic' },
      field: 'VpcAttributes',
      value: { PrivateIpAddress: { IpAddress: [] }, VpcId: '', VSwitchId: '', NatIpAddress: '' },
    },
  ] as const)('renders $name', async ({ overrides, field, value }) => {
    await withCloud({ fixture: fixture([instance(overrides as never)]) }, async (_cloud, ecs) => {
      const [only] = (await ecs.request('DescribeInstances', { RegionId: REGION })).Instances.Instance;
      expect(only[field]).toEqual(value);
    });
  });

  it('refuses an unknown field in a fixture instance, naming it', async () => {
    const { parseFixture } = await import('../../local-cloud/fixture');
    expect(() => parseFixture({ instances: [{ InstanceId: 'i-x', InternetMaxBandwidthOut: 1, VpcAtributes: {} }] }, 0)).toThrow(
      /instances\[0\].*VpcAtributes|VpcAtributes/,
    );
  });
});
