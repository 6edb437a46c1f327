// The fixture's `eips` and `bandwidthPackages`: DescribeEipAddresses' and
// DescribeCommonBandwidthPackages' own field names, so an entry can be pasted from a real response
// (Bandwidth may be the string the API answers or a number). Parsed strictly, like the instances.
import { z } from 'zod';
import type { DemandSpec } from '../model';
import type { LocalBandwidthPackage, LocalEip } from './model';

/** Whole Mbps, as a number or as the string the Describe APIs write ("5"). */
const bandwidthSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const mbps = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof mbps === 'number' && Number.isSafeInteger(mbps) && mbps >= 0) return mbps;
  ctx.addIssue({ code: 'custom', message: `expected whole Mbps (a number, or a string such as "5"), got ${JSON.stringify(value)}` });
  return z.NEVER;
});
const tagSchema = z.strictObject({ Key: z.string().min(1), Value: z.string() });
const tagsSchema = z.union([z.array(tagSchema), z.strictObject({ Tag: z.array(tagSchema) })]);
const locksSchema = z.union([
  z.array(z.union([z.string(), z.strictObject({ LockReason: z.string() })])),
  z.strictObject({ LockReason: z.array(z.union([z.string(), z.strictObject({ LockReason: z.string() })])) }),
]);

export const eipSchema = z.strictObject({
  AllocationId: z.string().regex(/^[A-Za-z0-9-_.]+$/, 'expected an allocation id such as eip-bp1example'),
  IpAddress: z.ipv4(),
  RegionId: z.string().optional(),
  Name: z.string().optional(),
  Description: z.string().optional(),
  Status: z.enum(['Associating', 'Unassociating', 'InUse', 'Available']).optional(),
  InstanceId: z.string().optional(),
  InstanceType: z.enum(['EcsInstance', 'SlbInstance', 'Nat', 'HaVip', 'NetworkInterface', '']).optional(),
  InternetChargeType: z.enum(['PayByBandwidth', 'PayByTraffic']).default('PayByBandwidth'),
  ChargeType: z.enum(['PostPaid', 'PrePaid']).default('PostPaid'),
  Bandwidth: bandwidthSchema,
  ISP: z.string().optional(),
  AllocationTime: z.string().optional(),
  ExpiredTime: z.string().optional(),
  BandwidthPackageId: z.string().optional(),
  OperationLocks: locksSchema.optional(),
  Tags: tagsSchema.optional(),
  /** Outbound demand through the address; without one, half its own bandwidth. */
  Demand: z.unknown().optional(),
});

export const bandwidthPackageSchema = z.strictObject({
  BandwidthPackageId: z.string().regex(/^[A-Za-z0-9-_.]+$/, 'expected a package id such as cbwp-bp1example'),
  Name: z.string().optional(),
  Description: z.string().optional(),
  RegionId: z.string().optional(),
  Bandwidth: bandwidthSchema,
  InternetChargeType: z.enum(['PayByBandwidth', 'PayBy95', 'PayByDominantTraffic']).default('PayByBandwidth'),
  InstanceChargeType: z.enum(['PostPaid', 'PrePaid']).default('PostPaid'),
  Status: z.enum(['Available', 'Modifying']).optional(),
  BusinessStatus: z.enum(['Normal', 'FinancialLocked', 'Unactivated']).optional(),
  ISP: z.string().optional(),
  Ratio: z.number().int().optional(),
  CreationTime: z.string().optional(),
  ExpiredTime: z.string().optional(),
  Tags: tagsSchema.optional(),
});

/** An EIP as a fixture writes it; fixture.ts checks `Demand` with the instances' demand schema. */
export type FixtureEip = Omit<z.input<typeof eipSchema>, 'Demand'> & { Demand?: DemandSpec };
export type FixtureBandwidthPackage = z.input<typeof bandwidthPackageSchema>;

/** `yyyy-MM-ddTHH:mm:ssZ`, the AllocationTime / CreationTime format of the captured responses. */
function formatSeconds(at: number): string {
  return `${new Date(at).toISOString().slice(0, 19)}Z`;
}

function tagsOf(raw: z.output<typeof tagsSchema> | undefined): Array<{ Key: string; Value: string }> {
  if (raw === undefined) return [];
  return Array.isArray(raw) ? raw : raw.Tag;
}

function locksOf(raw: z.output<typeof locksSchema> | undefined): string[] {
  if (raw === undefined) return [];
  const list = Array.isArray(raw) ? raw : raw.LockReason;
  return list.map((lock) => (typeof lock === 'string' ? lock : lock.LockReason));
}

/** `demand` is validated by the caller (fixture.ts owns the demand schema). */
export function toLocalEip(raw: z.output<typeof eipSchema>, regionId: string, start: number, demand: DemandSpec | undefined): LocalEip {
  const bound = raw.InstanceId !== undefined && raw.InstanceId !== '';
  return {
    AllocationId: raw.AllocationId,
    IpAddress: raw.IpAddress,
    RegionId: raw.RegionId ?? regionId,
    Name: raw.Name ?? '',
    Description: raw.Description ?? '',
    Status: raw.Status ?? (bound ? 'InUse' : 'Available'),
    InstanceId: raw.InstanceId ?? '',
    InstanceType: raw.InstanceType ?? (bound ? 'EcsInstance' : ''),
    InternetChargeType: raw.InternetChargeType,
    ChargeType: raw.ChargeType,
    Bandwidth: raw.Bandwidth,
    ISP: raw.ISP ?? 'BGP',
    AllocationTime: raw.AllocationTime ?? formatSeconds(start - 30 * 86_400_000),
    ExpiredTime: raw.ExpiredTime ?? (raw.ChargeType === 'PrePaid' ? `${new Date(start + 365 * 86_400_000).toISOString().slice(0, 16)}Z` : ''),
    ...(raw.BandwidthPackageId ? { BandwidthPackageId: raw.BandwidthPackageId } : {}),
    OperationLocks: locksOf(raw.OperationLocks),
    Tags: tagsOf(raw.Tags),
    demand: demand ?? { kind: 'constant', mbps: raw.Bandwidth / 2 },
    bandwidthLog: [{ at: start, out: raw.Bandwidth }],
  };
}

export function toLocalBandwidthPackage(raw: z.output<typeof bandwidthPackageSchema>, regionId: string, start: number): LocalBandwidthPackage {
  return {
    BandwidthPackageId: raw.BandwidthPackageId,
    Name: raw.Name ?? '',
    Description: raw.Description ?? '',
    RegionId: raw.RegionId ?? regionId,
    Bandwidth: raw.Bandwidth,
    InternetChargeType: raw.InternetChargeType,
    InstanceChargeType: raw.InstanceChargeType,
    Status: raw.Status ?? 'Available',
    BusinessStatus: raw.BusinessStatus ?? 'Normal',
    ISP: raw.ISP ?? 'BGP',
    Ratio: raw.Ratio ?? 100,
    CreationTime: raw.CreationTime ?? formatSeconds(start - 30 * 86_400_000),
    ExpiredTime: raw.ExpiredTime ?? (raw.InstanceChargeType === 'PrePaid' ? formatSeconds(start + 365 * 86_400_000) : ''),
    Tags: tagsOf(raw.Tags),
    bandwidthLog: [{ at: start, out: raw.Bandwidth }],
  };
}

/**
 * The demo account's VPC side, beside demoFleet() (fixture.ts):
 * - eip-demo-1: the EIP of the demo's EIP-bound neighbour i-demo-eip-1 (pay-as-you-go, pay-by-traffic,
 *   20 Mbps, as that instance's EipAddress reports), tagged app=web: an EIP bwscaler can manage;
 * - cbwp-demo-1: a pay-as-you-go, pay-by-bandwidth Internet Shared Bandwidth instance of 50 Mbps
 *   shared by two EIPs of a NAT gateway (the shape of the NAT EIP in the DescribeEipAddresses
 *   sample, AlibabaCloudDocs/eip, which sits in cbwp-bp1k042riiv5aqkkq****), tagged app=egress.
 */
export function demoEips(): FixtureEip[] {
  const nat = (n: number, peakMbps: number, peakHourUtc: number): FixtureEip => ({
    AllocationId: `eip-demo-nat-${n}`,
    IpAddress: `47.96.2.${n}`,
    Name: `demo-egress-${n}`,
    InstanceId: 'ngw-demo-1',
    InstanceType: 'Nat',
    InternetChargeType: 'PayByBandwidth',
    ChargeType: 'PostPaid',
    // The EIP's own value from before it joined the package (reported as EipBandwidth).
    Bandwidth: 5,
    BandwidthPackageId: 'cbwp-demo-1',
    Tags: [{ Key: 'app', Value: 'egress' }],
    Demand: { kind: 'diurnal', baseMbps: 3, peakMbps, peakHourUtc, weekendFactor: 0.8, noise: 0.1, seed: 20 + n },
  });
  return [
    {
      AllocationId: 'eip-demo-1',
      IpAddress: '47.96.1.180',
      Name: 'demo-web-eip-1',
      InstanceId: 'i-demo-eip-1',
      InstanceType: 'EcsInstance',
      InternetChargeType: 'PayByTraffic',
      ChargeType: 'PostPaid',
      Bandwidth: 20,
      Tags: [{ Key: 'app', Value: 'web' }],
      // Peaks at 11:00 Beijing time.
      Demand: { kind: 'diurnal', baseMbps: 3, peakMbps: 30, peakHourUtc: 3, weekendFactor: 0.7, noise: 0.1, seed: 9 },
    },
    nat(1, 30, 5),
    nat(2, 40, 12),
  ];
}

export function demoBandwidthPackages(): FixtureBandwidthPackage[] {
  return [
    {
      BandwidthPackageId: 'cbwp-demo-1',
      Name: 'demo-egress',
      InternetChargeType: 'PayByBandwidth',
      InstanceChargeType: 'PostPaid',
      Bandwidth: 50,
      Tags: [{ Key: 'app', Value: 'egress' }],
    },
  ];
}
