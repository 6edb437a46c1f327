// The VPC emulator's EIP side through the real pop-core SDK over HTTP: DescribeEipAddresses in the
// captured response shape, ModifyEipAddressAttribute applied synchronously, and each documented
// refusal (local-cloud/vpc/rules.ts, docs/reference/vpc.md) with its code and HTTP status.
import { describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/cloud';
import type { Fixture } from '../../local-cloud/fixture';
import type { FixtureBandwidthPackage, FixtureEip } from '../../local-cloud/vpc/fixture';
import { VPC_VERSION } from '../../local-cloud/vpc/index';
import { admin, type EcsClient, ecsClient, fixture, instance, rpcError, TEST_KEY, withCloud } from './support';

const eip = (overrides: Partial<FixtureEip> = {}): FixtureEip => ({
  AllocationId: 'eip-test',
  IpAddress: '47.96.9.1',
  InstanceId: 'i-test',
  InstanceType: 'EcsInstance',
  InternetChargeType: 'PayByBandwidth',
  ChargeType: 'PostPaid',
  Bandwidth: 10,
  ...overrides,
});
const cbwp = (overrides: Partial<FixtureBandwidthPackage> = {}): FixtureBandwidthPackage => ({
  BandwidthPackageId: 'cbwp-test',
  Bandwidth: 100,
  InternetChargeType: 'PayByBandwidth',
  ...overrides,
});
const boundInstance = instance({
  InternetChargeType: '',
  InternetMaxBandwidthOut: 0,
  EipAddress: { AllocationId: 'eip-test', IpAddress: '47.96.9.1', Bandwidth: 10, IsSupportUnassociate: true, InternetChargeType: 'PayByBandwidth' },
});

function vpcFixture(eips: FixtureEip[], packages: FixtureBandwidthPackage[] = [], rest: Partial<Fixture> = {}): Fixture {
  return fixture([boundInstance], { eips, bandwidthPackages: packages, ...rest });
}

async function withVpc<T>(fx: Fixture, body: (cloud: LocalCloud, vpc: EcsClient) => Promise<T>): Promise<T> {
  return withCloud({ fixture: fx }, async (cloud) => {
    const vpc = ecsClient(cloud, TEST_KEY, VPC_VERSION);
    try {
      return await body(cloud, vpc);
    } finally {
      vpc.close();
    }
  });
}

/** An `undefined` parameter is left out of the request (pop-core would send the word). */
const modify = (vpc: EcsClient, params: Record<string, unknown>) =>
  vpc.request(
    'ModifyEipAddressAttribute',
    Object.fromEntries(Object.entries({ RegionId: 'cn-hangzhou', AllocationId: 'eip-test', ...params }).filter(([, v]) => v !== undefined)),
    { method: 'POST' },
  );
const describeOne = async (vpc: EcsClient, id = 'eip-test') =>
  (await vpc.request('DescribeEipAddresses', { RegionId: 'cn-hangzhou', AllocationId: id })).EipAddresses.EipAddress[0];

describe('DescribeEipAddresses', () => {
  it('answers the shape of the captured response, numbers as strings where the API writes strings', async () => {
    await withVpc(vpcFixture([eip()]), async (_cloud, vpc) => {
      const answer = await vpc.request('DescribeEipAddresses', { RegionId: 'cn-hangzhou' });

      expect(answer).toMatchObject({ TotalCount: 1, PageNumber: 1, PageSize: 10 });
      expect(answer.EipAddresses.EipAddress[0]).toMatchObject({
        AllocationId: 'eip-test',
        IpAddress: '47.96.9.1',
        Status: 'InUse',
        InstanceId: 'i-test',
        InstanceType: 'EcsInstance',
        InternetChargeType: 'PayByBandwidth',
        ChargeType: 'PostPaid',
        Bandwidth: '10',
        BandwidthPackageId: '',
        BandwidthPackageBandwidth: '',
        ExpiredTime: '',
        OperationLocks: { LockReason: [] },
        AvailableRegions: { AvailableRegion: ['cn-hangzhou'] },
        Descritpion: '',
      });
      expect(answer.EipAddresses.EipAddress[0]).not.toHaveProperty('EipBandwidth');
    });
  });

  it("reports an EIP in a shared package with the package's bandwidth and its own apart", async () => {
    await withVpc(vpcFixture([eip({ BandwidthPackageId: 'cbwp-test', Bandwidth: 7 })], [cbwp()]), async (_cloud, vpc) => {
      expect(await describeOne(vpc)).toMatchObject({
        Bandwidth: '100',
        BandwidthPackageId: 'cbwp-test',
        BandwidthPackageType: 'CommonBandwidthPackage',
        BandwidthPackageBandwidth: '100',
        EipBandwidth: '7',
      });
    });
  });

  it.each([
    { name: 'a comma list of AllocationIds', params: { AllocationId: 'eip-a, eip-c' }, ids: ['eip-a', 'eip-c'] },
    { name: 'an address', params: { EipAddress: '47.96.9.2' }, ids: ['eip-b'] },
    { name: 'the associated instance', params: { AssociatedInstanceType: 'Nat', AssociatedInstanceId: 'ngw-1' }, ids: ['eip-c'] },
    { name: 'a tag', params: { 'Tag.1.Key': 'app', 'Tag.1.Value': 'web' }, ids: ['eip-b'] },
    { name: 'a page', params: { PageSize: 2, PageNumber: 2 }, ids: ['eip-c'] },
  ])('filters by $name', async ({ params, ids }) => {
    const eips = [
      eip({ AllocationId: 'eip-a', IpAddress: '47.96.9.1' }),
      eip({ AllocationId: 'eip-b', IpAddress: '47.96.9.2', InstanceId: 'i-other', Tags: [{ Key: 'app', Value: 'web' }] }),
      eip({ AllocationId: 'eip-c', IpAddress: '47.96.9.3', InstanceId: 'ngw-1', InstanceType: 'Nat' }),
    ];
    await withVpc(vpcFixture(eips), async (_cloud, vpc) => {
      const answer = await vpc.request('DescribeEipAddresses', { RegionId: 'cn-hangzhou', ...params });
      expect(answer.EipAddresses.EipAddress.map((e: { AllocationId: string }) => e.AllocationId)).toEqual(ids);
    });
  });

  it.each([
    { name: 'no RegionId is MissingParameter', params: {}, code: 'MissingParameter', status: 400 },
    { name: 'an unknown region is Forbidden.RegionNotFound', params: { RegionId: 'xx-nowhere-9' }, code: 'Forbidden.RegionNotFound', status: 404 },
    {
      name: 'a bad AssociatedInstanceType is InvalidIAssociatedInstanceType.ValueNotSupported',
      params: { RegionId: 'cn-hangzhou', AssociatedInstanceType: 'Vm' },
      code: 'InvalidIAssociatedInstanceType.ValueNotSupported',
      status: 400,
    },
    {
      name: 'a bad ChargeType is InvalidChargeType.ValueNotSupported',
      params: { RegionId: 'cn-hangzhou', ChargeType: 'Free' },
      code: 'InvalidChargeType.ValueNotSupported',
      status: 400,
    },
    {
      name: 'a bad LockReason is InvalidLockReason.NotFound',
      params: { RegionId: 'cn-hangzhou', LockReason: 'boredom' },
      code: 'InvalidLockReason.NotFound',
      status: 404,
    },
    { name: 'a page above 100 is InvalidParameter', params: { RegionId: 'cn-hangzhou', PageSize: 101 }, code: 'InvalidParameter', status: 400 },
  ])('$name', async ({ params, code, status }) => {
    await withVpc(vpcFixture([eip()]), async (_cloud, vpc) => {
      expect(await rpcError(vpc.request('DescribeEipAddresses', params))).toMatchObject({ code, status });
    });
  });
});

describe('ModifyEipAddressAttribute', () => {
  it('applies at once: the next Describe, and the bound instance, show the new bandwidth', async () => {
    await withVpc(vpcFixture([eip()]), async (cloud, vpc) => {
      // Act
      const answer = await modify(vpc, { Bandwidth: '50' });

      // Assess
      expect(Object.keys(answer)).toEqual(['RequestId']);
      expect((await describeOne(vpc)).Bandwidth).toBe('50');
      expect(cloud.world.instances.get('i-test')?.EipAddress?.Bandwidth).toBe(50);
      expect(cloud.world.eips.get('eip-test')?.bandwidthLog.at(-1)).toEqual({ at: cloud.clock.now(), out: 50 });
    });
  });

  it.each([
    { name: 'pay-by-traffic takes 200', chargeType: 'PayByTraffic' as const, bandwidth: 200 },
    { name: 'pay-by-bandwidth takes 500', chargeType: 'PayByBandwidth' as const, bandwidth: 500 },
    { name: 'either takes 1', chargeType: 'PayByTraffic' as const, bandwidth: 1 },
  ])('accepts the top and bottom of its range: $name', async ({ chargeType, bandwidth }) => {
    await withVpc(vpcFixture([eip({ InternetChargeType: chargeType })]), async (_cloud, vpc) => {
      await modify(vpc, { Bandwidth: String(bandwidth) });
      expect((await describeOne(vpc)).Bandwidth).toBe(String(bandwidth));
    });
  });

  interface Row {
    name: string;
    eips?: FixtureEip[];
    packages?: FixtureBandwidthPackage[];
    rest?: Partial<Fixture>;
    params: Record<string, unknown>;
    code: string;
    status: number;
    message?: RegExp;
  }
  const rows: Row[] = [
    {
      name: 'an unknown AllocationId is InvalidAllocationId.NotFound',
      params: { AllocationId: 'eip-gone', Bandwidth: '20' },
      code: 'InvalidAllocationId.NotFound',
      status: 404,
    },
    {
      name: "an EIP of another region is InvalidAllocationId.NotFound on this region's endpoint",
      params: { RegionId: 'cn-beijing', Bandwidth: '20' },
      code: 'InvalidAllocationId.NotFound',
      status: 404,
    },
    { name: 'no AllocationId is MissingParameter', params: { AllocationId: undefined, Bandwidth: '20' }, code: 'MissingParameter', status: 400 },
    { name: 'a bandwidth that is no whole number is InvalidParameter', params: { Bandwidth: '2.5' }, code: 'InvalidParameter', status: 400 },
    { name: 'pay-by-bandwidth above 500 is InvalidParameter', params: { Bandwidth: '501' }, code: 'InvalidParameter', status: 400, message: /Bandwidth/ },
    {
      name: 'pay-by-traffic above 200 is InvalidParameter',
      eips: [eip({ InternetChargeType: 'PayByTraffic' })],
      params: { Bandwidth: '201' },
      code: 'InvalidParameter',
      status: 400,
    },
    { name: '0 is InvalidParameter', params: { Bandwidth: '0' }, code: 'InvalidParameter', status: 400 },
    {
      name: 'a subscription EIP is Forbidden.ChargeTypeIsPrepaid',
      eips: [eip({ ChargeType: 'PrePaid' })],
      params: { Bandwidth: '20' },
      code: 'Forbidden.ChargeTypeIsPrepaid',
      status: 400,
    },
    {
      name: 'an EIP in a shared package is IncorrectEipStatus, naming the package',
      eips: [eip({ BandwidthPackageId: 'cbwp-test' })],
      packages: [cbwp()],
      params: { Bandwidth: '20' },
      code: 'IncorrectEipStatus',
      status: 400,
      message: /cbwp-test/,
    },
    {
      name: 'an EIP being associated is IncorrectEipStatus',
      eips: [eip({ Status: 'Associating' })],
      params: { Bandwidth: '20' },
      code: 'IncorrectEipStatus',
      status: 400,
    },
    {
      name: 'a financially locked EIP is IncorrectEipStatus',
      eips: [eip({ OperationLocks: ['financial'] })],
      params: { Bandwidth: '20' },
      code: 'IncorrectEipStatus',
      status: 400,
    },
    {
      name: 'an account in arrears is InsufficientBalance.Eip',
      rest: { account: { balance: 0, arrears: true } },
      params: { Bandwidth: '20' },
      code: 'InsufficientBalance.Eip',
      status: 400,
    },
  ];

  it.each(rows)('$name', async ({ eips, packages, rest, params, code, status, message }) => {
    await withVpc(vpcFixture(eips ?? [eip()], packages ?? [], rest), async (cloud, vpc) => {
      const before = cloud.world.eips.get('eip-test')?.Bandwidth;

      const error = await rpcError(modify(vpc, params));

      expect(error).toMatchObject({ code, status });
      if (message) expect(error.message).toMatch(message);
      expect(cloud.world.eips.get('eip-test')?.Bandwidth).toBe(before);
    });
  });

  it('refuses every request that is not signed with a known key (signed RPC like ECS)', async () => {
    await withVpc(vpcFixture([eip()]), async (cloud) => {
      const stranger = ecsClient(cloud, { id: 'LTAI5tStranger', secret: 'nope' }, VPC_VERSION);
      try {
        expect(await rpcError(stranger.request('DescribeEipAddresses', { RegionId: 'cn-hangzhou' }))).toMatchObject({ code: 'InvalidAccessKeyId.NotFound' });
      } finally {
        stranger.close();
      }
    });
  });

  it('answers an injected refusal through the admin API with its documented status', async () => {
    await withVpc(vpcFixture([eip()]), async (cloud, vpc) => {
      await admin(cloud, 'POST', '/faults', { service: 'vpc', action: 'ModifyEipAddressAttribute', code: 'OrderError.EIP', count: 1 });

      expect(await rpcError(modify(vpc, { Bandwidth: '20' }))).toMatchObject({ code: 'OrderError.EIP', status: 400 });
      await modify(vpc, { Bandwidth: '20' });
      expect((await describeOne(vpc)).Bandwidth).toBe('20');
    });
  });

  it('follows an admin change of status: a released lock allows the change again', async () => {
    await withVpc(vpcFixture([eip({ OperationLocks: ['security'] })]), async (cloud, vpc) => {
      expect(await rpcError(modify(vpc, { Bandwidth: '20' }))).toMatchObject({ code: 'IncorrectEipStatus' });

      const patched = await admin(cloud, 'POST', '/vpc/eips/eip-test', { OperationLocks: [] });
      await modify(vpc, { Bandwidth: '20' });

      expect(patched.status).toBe(200);
      expect((await describeOne(vpc)).Bandwidth).toBe('20');
    });
  });
});

describe('holding an EIP change through the admin API', () => {
  it('keeps the old bandwidth until released, refusing another change meanwhile, and logs the EIP on each call', async () => {
    await withVpc(vpcFixture([eip()]), async (cloud, vpc) => {
      await admin(cloud, 'POST', '/vpc/eip-lag/hold/eip-test');
      await modify(vpc, { Bandwidth: '40' });
      const held = (await describeOne(vpc)).Bandwidth;
      const second = await rpcError(modify(vpc, { Bandwidth: '60' }));

      await admin(cloud, 'POST', '/vpc/eip-lag/release/eip-test');

      expect(held).toBe('10');
      expect(second).toMatchObject({ code: 'IncorrectEipStatus', status: 400 });
      expect((await describeOne(vpc)).Bandwidth).toBe('40');
      expect(cloud.world.calls.filter((c) => c.action === 'ModifyEipAddressAttribute').map((c) => [c.resourceId, c.code])).toEqual([
        ['eip-test', 'OK'],
        ['eip-test', 'IncorrectEipStatus'],
      ]);
    });
  });
});

describe('the demo account', () => {
  it('has the EIP of its EIP-bound neighbour, managed-ready, and a shared package with two EIPs', async () => {
    await withCloud({}, async (cloud) => {
      const vpc = ecsClient(cloud, { id: cloud.endpoints.accessKeyId, secret: cloud.endpoints.accessKeySecret }, VPC_VERSION);
      try {
        const eips = (await vpc.request('DescribeEipAddresses', { RegionId: 'cn-hangzhou', PageSize: 100 })).EipAddresses.EipAddress;
        const packages = (await vpc.request('DescribeCommonBandwidthPackages', { RegionId: 'cn-hangzhou' })).CommonBandwidthPackages.CommonBandwidthPackage;

        const neighbour = cloud.world.instances.get('i-demo-eip-1')?.EipAddress;
        expect(eips.find((e: { AllocationId: string }) => e.AllocationId === neighbour?.AllocationId)).toMatchObject({
          InstanceId: 'i-demo-eip-1',
          IpAddress: neighbour?.IpAddress,
          Bandwidth: String(neighbour?.Bandwidth),
          InternetChargeType: neighbour?.InternetChargeType,
          ChargeType: 'PostPaid',
          BandwidthPackageId: '',
        });
        expect(packages).toHaveLength(1);
        expect(packages[0]).toMatchObject({ BandwidthPackageId: 'cbwp-demo-1', Status: 'Available', InstanceChargeType: 'PostPaid' });
        expect(packages[0].PublicIpAddresses.PublicIpAddresse).toHaveLength(2);
      } finally {
        vpc.close();
      }
    });
  });
});
