// Internet Shared Bandwidth through the real pop-core SDK over HTTP: DescribeCommonBandwidthPackages,
// and ModifyCommonBandwidthPackageSpec as the docs describe it: asynchronous (Modifying until done),
// no concurrent change, a cool-down, subscription packages only upgraded, and each documented refusal.
import { describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/cloud';
import { LocalCloudInputError } from '../../local-cloud/errors';
import { type Fixture, parseFixture } from '../../local-cloud/fixture';
import type { LagOptions } from '../../local-cloud/lag';
import type { FixtureBandwidthPackage, FixtureEip } from '../../local-cloud/vpc/fixture';
import { VPC_VERSION } from '../../local-cloud/vpc/index';
import { PACKAGE_MODIFY_COOLDOWN_SECONDS } from '../../local-cloud/vpc/rules';
import { admin, type EcsClient, ecsClient, fixture, rpcError, TEST_KEY, withCloud } from './support';

const cbwp = (overrides: Partial<FixtureBandwidthPackage> = {}): FixtureBandwidthPackage => ({
  BandwidthPackageId: 'cbwp-test',
  Bandwidth: 100,
  InternetChargeType: 'PayByBandwidth',
  InstanceChargeType: 'PostPaid',
  ...overrides,
});
const member = (n: number): FixtureEip => ({
  AllocationId: `eip-m${n}`,
  IpAddress: `47.96.8.${n}`,
  InstanceId: 'ngw-test',
  InstanceType: 'Nat',
  Bandwidth: 5,
  BandwidthPackageId: 'cbwp-test',
});

/** Every change takes exactly ten seconds, so a test knows when it completes. */
const TEN_SECONDS: LagOptions = { minMs: 10_000, maxMs: 10_000 };

async function withPackage<T>(
  packages: FixtureBandwidthPackage[],
  body: (cloud: LocalCloud, vpc: EcsClient) => Promise<T>,
  rest: Partial<Fixture> = {},
  packageLag: LagOptions = TEN_SECONDS,
): Promise<T> {
  return withCloud({ fixture: fixture([], { eips: [member(1), member(2)], bandwidthPackages: packages, ...rest }), packageLag }, async (cloud) => {
    const vpc = ecsClient(cloud, TEST_KEY, VPC_VERSION);
    try {
      return await body(cloud, vpc);
    } finally {
      vpc.close();
    }
  });
}

const modify = (vpc: EcsClient, params: Record<string, unknown>) =>
  vpc.request(
    'ModifyCommonBandwidthPackageSpec',
    Object.fromEntries(Object.entries({ RegionId: 'cn-hangzhou', BandwidthPackageId: 'cbwp-test', ...params }).filter(([, v]) => v !== undefined)),
    { method: 'POST' },
  );
const describePackage = async (vpc: EcsClient) =>
  (await vpc.request('DescribeCommonBandwidthPackages', { RegionId: 'cn-hangzhou', BandwidthPackageId: 'cbwp-test' })).CommonBandwidthPackages
    .CommonBandwidthPackage[0];

describe('DescribeCommonBandwidthPackages', () => {
  it('answers the documented shape: Bandwidth as a string, Ratio a number, the EIPs it holds', async () => {
    await withPackage([cbwp()], async (_cloud, vpc) => {
      const answer = await vpc.request('DescribeCommonBandwidthPackages', { RegionId: 'cn-hangzhou' });

      expect(answer).toMatchObject({ TotalCount: 1, PageNumber: 1, PageSize: 10 });
      expect(answer.CommonBandwidthPackages.CommonBandwidthPackage[0]).toMatchObject({
        BandwidthPackageId: 'cbwp-test',
        Bandwidth: '100',
        Status: 'Available',
        BusinessStatus: 'Normal',
        InternetChargeType: 'PayByBandwidth',
        InstanceChargeType: 'PostPaid',
        ISP: 'BGP',
        Ratio: 100,
        ExpiredTime: '',
        PublicIpAddresses: {
          PublicIpAddresse: [
            { AllocationId: 'eip-m1', IpAddress: '47.96.8.1', BandwidthPackageIpRelationStatus: 'BINDED' },
            { AllocationId: 'eip-m2', IpAddress: '47.96.8.2', BandwidthPackageIpRelationStatus: 'BINDED' },
          ],
        },
      });
    });
  });

  it.each([
    { name: 'no RegionId is MissingParameter', params: {}, code: 'MissingParameter', status: 400 },
    { name: 'an unknown region is InvalidRegionId.NotFound', params: { RegionId: 'xx-nowhere-9' }, code: 'InvalidRegionId.NotFound', status: 404 },
    { name: 'a page above 50 is InvalidParameter', params: { RegionId: 'cn-hangzhou', PageSize: 51 }, code: 'InvalidParameter', status: 400 },
  ])('$name', async ({ params, code, status }) => {
    await withPackage([cbwp()], async (_cloud, vpc) => {
      expect(await rpcError(vpc.request('DescribeCommonBandwidthPackages', params))).toMatchObject({ code, status });
    });
  });
});

describe('ModifyCommonBandwidthPackageSpec', () => {
  it('answers at once and completes later: Modifying with the old bandwidth, then Available with the new', async () => {
    await withPackage([cbwp()], async (cloud, vpc) => {
      // Act
      const answer = await modify(vpc, { Bandwidth: '200' });
      const during = await describePackage(vpc);
      await cloud.clock.advance(9);
      const stillDuring = await describePackage(vpc);
      await cloud.clock.advance(1);
      const after = await describePackage(vpc);

      // Assess
      expect(Object.keys(answer)).toEqual(['RequestId']);
      expect(during).toMatchObject({ Status: 'Modifying', Bandwidth: '100' });
      expect(stillDuring).toMatchObject({ Status: 'Modifying', Bandwidth: '100' });
      expect(after).toMatchObject({ Status: 'Available', Bandwidth: '200' });
      const eips = (await vpc.request('DescribeEipAddresses', { RegionId: 'cn-hangzhou' })).EipAddresses.EipAddress;
      expect(eips.map((e: { Bandwidth: string; BandwidthPackageBandwidth: string }) => [e.Bandwidth, e.BandwidthPackageBandwidth])).toEqual([
        ['200', '200'],
        ['200', '200'],
      ]);
    });
  });

  it('refuses a change while the last one is Modifying, and within the cool-down after it', async () => {
    await withPackage([cbwp()], async (cloud, vpc) => {
      await modify(vpc, { Bandwidth: '200' });

      const concurrent = await rpcError(modify(vpc, { Bandwidth: '300' }));
      await cloud.clock.advance(60);
      const coolingDown = await rpcError(modify(vpc, { Bandwidth: '300' }));
      await cloud.clock.advance(PACKAGE_MODIFY_COOLDOWN_SECONDS - 60);
      await modify(vpc, { Bandwidth: '300' });

      expect(concurrent).toMatchObject({ code: 'BandwidthPackageOperation.conflict', status: 400, message: expect.stringMatching(/Modifying/) });
      expect(coolingDown).toMatchObject({ code: 'BandwidthPackageOperation.conflict', status: 400 });
      expect(await describePackage(vpc)).toMatchObject({ Status: 'Modifying', Bandwidth: '200' });
    });
  });

  it('holds a package in Modifying through the admin API until it is released', async () => {
    await withPackage([cbwp()], async (cloud, vpc) => {
      await admin(cloud, 'POST', '/vpc/lag/hold/cbwp-test');
      await modify(vpc, { Bandwidth: '150' });
      await cloud.clock.advance(3600);
      const held = await describePackage(vpc);
      const state = await admin(cloud, 'GET', '/vpc/lag');

      await admin(cloud, 'POST', '/vpc/lag/release/cbwp-test');

      expect(held).toMatchObject({ Status: 'Modifying', Bandwidth: '100' });
      expect(state.json.processing).toEqual([expect.objectContaining({ instanceId: 'cbwp-test', held: true, dueAt: null })]);
      expect(await describePackage(vpc)).toMatchObject({ Status: 'Available', Bandwidth: '150' });
    });
  });

  it('applies on the call when the admin API turns the delay off', async () => {
    await withPackage([cbwp()], async (cloud, vpc) => {
      await admin(cloud, 'POST', '/vpc/lag', { minMs: 0, maxMs: 0 });
      await modify(vpc, { Bandwidth: '120' });
      expect(await describePackage(vpc)).toMatchObject({ Status: 'Available', Bandwidth: '120' });
    });
  });

  it('upgrades a subscription package', async () => {
    await withPackage([cbwp({ InstanceChargeType: 'PrePaid' })], async (cloud, vpc) => {
      await modify(vpc, { Bandwidth: '150' });
      await cloud.clock.advance(10);
      expect(await describePackage(vpc)).toMatchObject({ Status: 'Available', Bandwidth: '150' });
    });
  });

  interface Row {
    name: string;
    packages?: FixtureBandwidthPackage[];
    rest?: Partial<Fixture>;
    params: Record<string, unknown>;
    code: string;
    status: number;
    message?: RegExp;
  }
  const rows: Row[] = [
    {
      name: 'an unknown package is InvalidBandwidthPackageId.NotFound',
      params: { BandwidthPackageId: 'cbwp-gone', Bandwidth: '200' },
      code: 'InvalidBandwidthPackageId.NotFound',
      status: 404,
    },
    { name: 'no RegionId is MissingParameter', params: { RegionId: undefined, Bandwidth: '200' }, code: 'MissingParameter', status: 400 },
    {
      name: 'an unknown region is InvalidRegionId.NotFound',
      params: { RegionId: 'xx-nowhere-9', Bandwidth: '200' },
      code: 'InvalidRegionId.NotFound',
      status: 404,
    },
    { name: 'no Bandwidth is MissingParameter', params: {}, code: 'MissingParameter', status: 400 },
    {
      name: 'a bandwidth that is no whole number is InvalidBandwidth.ValueNotSupported',
      params: { Bandwidth: 'lots' },
      code: 'InvalidBandwidth.ValueNotSupported',
      status: 404,
    },
    {
      name: 'pay-by-bandwidth below 2 is InvalidBandwidth.ValueNotSupported',
      params: { Bandwidth: '1' },
      code: 'InvalidBandwidth.ValueNotSupported',
      status: 404,
    },
    {
      name: 'pay-by-bandwidth above 20000 is InvalidBandwidth.ValueNotSupported',
      params: { Bandwidth: '20001' },
      code: 'InvalidBandwidth.ValueNotSupported',
      status: 404,
    },
    {
      name: 'enhanced 95th percentile below 200 is InvalidBandwidth.ValueNotSupported',
      packages: [cbwp({ InternetChargeType: 'PayBy95', Bandwidth: 300 })],
      params: { Bandwidth: '199' },
      code: 'InvalidBandwidth.ValueNotSupported',
      status: 404,
    },
    {
      name: 'pay-by-dominant-traffic above 2000 is InvalidBandwidth.ValueNotSupported',
      packages: [cbwp({ InternetChargeType: 'PayByDominantTraffic' })],
      params: { Bandwidth: '2001' },
      code: 'InvalidBandwidth.ValueNotSupported',
      status: 404,
    },
    {
      name: 'the bandwidth it already has is InvalidBandwidth.ValueNotSupported',
      params: { Bandwidth: '100' },
      code: 'InvalidBandwidth.ValueNotSupported',
      status: 404,
      message: /already/,
    },
    {
      name: 'lowering a subscription package is InvalidBandwidth.ValueNotSupported',
      packages: [cbwp({ InstanceChargeType: 'PrePaid' })],
      params: { Bandwidth: '50' },
      code: 'InvalidBandwidth.ValueNotSupported',
      status: 404,
      message: /subscription/,
    },
    {
      name: 'a financially locked package is BandwidthPackage.FinancialLocked',
      packages: [cbwp({ BusinessStatus: 'FinancialLocked' })],
      params: { Bandwidth: '200' },
      code: 'BandwidthPackage.FinancialLocked',
      status: 404,
    },
    {
      name: 'an account in arrears is BandwidthPackage.FinancialLocked',
      rest: { account: { balance: 0, arrears: true } },
      params: { Bandwidth: '200' },
      code: 'BandwidthPackage.FinancialLocked',
      status: 404,
    },
    {
      name: 'an expired subscription is BandwidthPackage.FinancialLocked',
      packages: [cbwp({ InstanceChargeType: 'PrePaid', ExpiredTime: '2026-11-01T00:00:00Z' })],
      params: { Bandwidth: '200' },
      code: 'BandwidthPackage.FinancialLocked',
      status: 404,
    },
  ];

  it.each(rows)('$name', async ({ packages, rest, params, code, status, message }) => {
    await withPackage(
      packages ?? [cbwp()],
      async (cloud, vpc) => {
        const before = { ...cloud.world.bandwidthPackages.get('cbwp-test') };

        const error = await rpcError(modify(vpc, params));

        expect(error).toMatchObject({ code, status });
        if (message) expect(error.message).toMatch(message);
        const after = cloud.world.bandwidthPackages.get('cbwp-test');
        expect([after?.Bandwidth, after?.Status]).toEqual([before.Bandwidth, before.Status]);
      },
      rest,
    );
  });

  it('answers an injected ResourceNotEnough.Bandwidth and leaves the package as it was', async () => {
    await withPackage([cbwp()], async (cloud, vpc) => {
      await admin(cloud, 'POST', '/faults', { service: 'vpc', action: 'ModifyCommonBandwidthPackageSpec', code: 'ResourceNotEnough.Bandwidth', count: 1 });

      expect(await rpcError(modify(vpc, { Bandwidth: '5000' }))).toMatchObject({ code: 'ResourceNotEnough.Bandwidth', status: 400 });
      expect(await describePackage(vpc)).toMatchObject({ Status: 'Available', Bandwidth: '100' });
    });
  });

  it('refuses a change after the admin API locks the package, and accepts it once unlocked', async () => {
    await withPackage([cbwp()], async (cloud, vpc) => {
      await admin(cloud, 'POST', '/vpc/packages/cbwp-test', { BusinessStatus: 'FinancialLocked' });
      const locked = await rpcError(modify(vpc, { Bandwidth: '200' }));
      await admin(cloud, 'POST', '/vpc/packages/cbwp-test', { BusinessStatus: 'Normal' });
      await modify(vpc, { Bandwidth: '200' });

      expect(locked).toMatchObject({ code: 'BandwidthPackage.FinancialLocked' });
      expect(await describePackage(vpc)).toMatchObject({ Status: 'Modifying' });
    });
  });
});

describe('the fixture of EIPs and packages', () => {
  it.each([
    {
      name: 'an EIP naming a package the fixture lacks',
      input: { instances: [], eips: [{ AllocationId: 'eip-a', IpAddress: '47.96.1.1', Bandwidth: 5, BandwidthPackageId: 'cbwp-none' }] },
      issue: 'fixture: eips[0].BandwidthPackageId: no bandwidth package cbwp-none in bandwidthPackages',
    },
    {
      name: 'two EIPs with one id',
      input: {
        instances: [],
        eips: [
          { AllocationId: 'eip-a', IpAddress: '47.96.1.1', Bandwidth: 5 },
          { AllocationId: 'eip-a', IpAddress: '47.96.1.2', Bandwidth: 5 },
        ],
      },
      issue: 'fixture: eips[1].AllocationId: duplicate id eip-a',
    },
    {
      name: 'two packages with one id',
      input: {
        instances: [],
        bandwidthPackages: [
          { BandwidthPackageId: 'cbwp-a', Bandwidth: 5 },
          { BandwidthPackageId: 'cbwp-a', Bandwidth: 6 },
        ],
      },
      issue: 'fixture: bandwidthPackages[1].BandwidthPackageId: duplicate id cbwp-a',
    },
    {
      name: 'a bandwidth that is no whole number',
      input: { instances: [], eips: [{ AllocationId: 'eip-a', IpAddress: '47.96.1.1', Bandwidth: '5.5' }] },
      issue: 'fixture: eips[0].Bandwidth: expected whole Mbps',
    },
  ])('names the path of $name', ({ input, issue }) => {
    let caught: unknown;
    try {
      parseFixture(input, Date.UTC(2026, 10, 2));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(LocalCloudInputError);
    expect((caught as LocalCloudInputError).issues.join('\n')).toContain(issue);
  });

  it('takes the Bandwidth of a pasted response as the string the API writes', () => {
    const resolved = parseFixture(
      {
        instances: [],
        eips: [{ AllocationId: 'eip-a', IpAddress: '47.96.1.1', Bandwidth: '5' }],
        bandwidthPackages: [{ BandwidthPackageId: 'cbwp-a', Bandwidth: '20' }],
      },
      Date.UTC(2026, 10, 2),
    );
    expect([resolved.eips[0]?.Bandwidth, resolved.bandwidthPackages[0]?.Bandwidth]).toEqual([5, 20]);
  });
});
