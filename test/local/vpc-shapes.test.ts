// The VPC emulator answers in the shape of the published responses: every field a published row
// carries is in the emulator's row, with the same JSON type (a string stays a string: Bandwidth is
// "5", not 5). The rows below are copied from their sources, masked values and all.
import { describe, expect, it } from 'vitest';
import { VPC_VERSION } from '../../local-cloud/vpc/index';
import { ecsClient, fixture, TEST_KEY, withCloud } from './support';

/**
 * (C) A real run printed in Alibaba's Python SDK guide "Attach an EIP to an ECS instance"
 * (eip_quick_start.py output, describe_eip_address after modify_eip_address): an EIP bound to an
 * ECS instance, in no package.
 */
const CAPTURED_ECS_EIP = {
  ISP: 'BGP',
  ExpiredTime: '',
  InternetChargeType: 'PayByBandwidth',
  IpAddress: '47.xx.xx.23',
  AllocationId: 'eip-bp1wybucvhhx5xxxxxxxx',
  PrivateIpAddress: '',
  Status: 'InUse',
  BandwidthPackageId: '',
  InstanceId: 'i-bp1e82xlhob2xxxxxxxx',
  InstanceRegionId: 'cn-hangzhou',
  RegionId: 'cn-hangzhou',
  AvailableRegions: { AvailableRegion: ['cn-hangzhou'] },
  ResourceGroupId: 'rg-acfm4odxxxxxxxx',
  HasReservationData: false,
  InstanceType: 'EcsInstance',
  AllocationTime: '2019-04-17T11:57:43Z',
  Name: 'EIP_NEW_NAME',
  OperationLocks: { LockReason: [] },
  Mode: 'NAT',
  BandwidthPackageType: '',
  BandwidthPackageBandwidth: '',
  Bandwidth: '50',
  HDMonitorStatus: 'OFF',
  ChargeType: 'PostPaid',
  SecondLimited: false,
  Descritpion: '',
};

/**
 * (N) The DescribeEipAddresses response sample of AlibabaCloudDocs/eip
 * cn.zh-CN/API参考/弹性公网IP/DescribeEipAddresses.md (an earlier stored revision): a NAT gateway's EIP in
 * a shared package. SegmentInstanceId is left out: the emulator models no contiguous EIP blocks.
 */
const DOCUMENTED_PACKAGE_EIP = {
  HDMonitorStatus: 'OFF',
  BandwidthPackageBandwidth: '5',
  HasReservationData: false,
  InstanceId: 'ngw-bp1kpih7t3izsxezx****',
  ISP: 'BGP',
  InternetChargeType: 'PayByBandwidth',
  EipBandwidth: '199',
  BandwidthPackageType: 'CommonBandwidthPackage',
  PrivateIpAddress: '',
  SecondLimited: false,
  Bandwidth: '5',
  ChargeType: 'PostPaid',
  AllocationTime: '2019-12-26T05:06:56Z',
  ResourceGroupId: 'rg-acfmxazb4ph****',
  Descritpion: 'abc',
  IpAddress: '47.xx.xx.184',
  AllocationId: 'eip-bp1utfpg4zlhyodba****',
  Mode: 'NAT',
  InstanceType: 'Nat',
  Name: 'vmeixme',
  Status: 'InUse',
  InstanceRegionId: 'cn-hangzhou',
  BandwidthPackageId: 'cbwp-bp1k042riiv5aqkkq****',
  RegionId: 'cn-hangzhou',
  DeletionProtection: false,
  OperationLocks: { LockReason: [] },
  ExpiredTime: '',
  AvailableRegions: { AvailableRegion: ['cn-hangzhou'] },
};

/**
 * (B) DescribeCommonBandwidthPackages, AlibabaCloudDocs/cbwp intl.en-US/API Reference/EIP bandwidth plan/
 * DescribeCommonBandwidthPackages.md @75c778ca, with the types of its response table (the page's JSON
 * sample writes every value as a string; the table types Ratio and ServiceManaged as Integer and
 * DeletionProtection as Boolean). The reservation fields of a pending renewal are left out.
 */
const DOCUMENTED_PACKAGE = {
  Status: 'Available',
  Description: 'none',
  ServiceManaged: 1,
  ResourceGroupId: 'rg-acfmxazb4ph****',
  InstanceChargeType: 'PostPaid',
  ISP: 'BGP',
  HasReservationData: 'false',
  DeletionProtection: true,
  BusinessStatus: 'Normal',
  InternetChargeType: 'PayByBandwidth',
  Name: 'abc',
  ExpiredTime: '2019-01-15T03:08:37Z',
  Bandwidth: '20',
  CreationTime: '2017-06-28T06:39:20Z',
  BandwidthPackageId: 'cbwp-bp1t3sm1ffzmshdki****',
  Ratio: 100,
  RegionId: 'cn-hangzhou',
  PublicIpAddresses: {
    PublicIpAddresse: [{ AllocationId: 'eip-bp13e9i2qst4g6jzi****', BandwidthPackageIpRelationStatus: 'BINDED', IpAddress: '116.XX.XX.250' }],
  },
};

/** Every key of `published`, with the JSON type of its value, and the same for nested objects and lists. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? 'array' : ['array of', shapeOf(value[0])];
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v)]));
  return typeof value;
}

function publishedShapeIn(emulated: Record<string, unknown>, published: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(published).map((key) => [key, shapeOf(emulated[key])]));
}

describe('the VPC emulator answers in the published shapes', () => {
  it.each([
    { name: 'an ECS instance EIP (captured)', published: CAPTURED_ECS_EIP as Record<string, unknown>, id: 'eip-ecs' },
    { name: 'a NAT gateway EIP in a shared package (documented)', published: DOCUMENTED_PACKAGE_EIP as Record<string, unknown>, id: 'eip-nat' },
  ])('DescribeEipAddresses row: $name', async ({ published, id }) => {
    const fx = fixture([], {
      eips: [
        { AllocationId: 'eip-ecs', IpAddress: '47.96.5.1', InstanceId: 'i-a', Bandwidth: 50 },
        { AllocationId: 'eip-nat', IpAddress: '47.96.5.2', InstanceId: 'ngw-a', InstanceType: 'Nat', Bandwidth: 199, BandwidthPackageId: 'cbwp-a' },
      ],
      bandwidthPackages: [{ BandwidthPackageId: 'cbwp-a', Bandwidth: 5 }],
    });
    await withCloud({ fixture: fx }, async (cloud) => {
      const vpc = ecsClient(cloud, TEST_KEY, VPC_VERSION);
      try {
        const answer = await vpc.request('DescribeEipAddresses', { RegionId: 'cn-hangzhou', AllocationId: id });
        const row = answer.EipAddresses.EipAddress[0] as Record<string, unknown>;

        expect(publishedShapeIn(row, published)).toEqual(shapeOf(published));
        expect(typeof answer.TotalCount).toBe('number');
      } finally {
        vpc.close();
      }
    });
  });

  it('DescribeCommonBandwidthPackages row (documented)', async () => {
    const fx = fixture([], {
      eips: [{ AllocationId: 'eip-m', IpAddress: '47.96.5.3', Bandwidth: 5, BandwidthPackageId: 'cbwp-a' }],
      bandwidthPackages: [{ BandwidthPackageId: 'cbwp-a', Bandwidth: 20, InstanceChargeType: 'PrePaid' }],
    });
    await withCloud({ fixture: fx }, async (cloud) => {
      const vpc = ecsClient(cloud, TEST_KEY, VPC_VERSION);
      try {
        const answer = await vpc.request('DescribeCommonBandwidthPackages', { RegionId: 'cn-hangzhou' });
        const row = answer.CommonBandwidthPackages.CommonBandwidthPackage[0] as Record<string, unknown>;

        expect(publishedShapeIn(row, DOCUMENTED_PACKAGE)).toEqual(shapeOf(DOCUMENTED_PACKAGE));
      } finally {
        vpc.close();
      }
    });
  });
});
