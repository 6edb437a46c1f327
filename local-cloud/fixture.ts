// The local cloud's fixture: the account, its access keys and its ECS fleet, in DescribeInstances'
// own field names so a fixture can be pasted from a real response. Parsed strictly: an unknown key
// is a typo, and the error names the path.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DEFAULT_DOWNGRADE_QUOTA, DEFAULT_QUOTA_RULE, DEFAULT_REGIONAL_CAPS, type DowngradeQuotaRule, type RegionalCaps } from './ecs-rules';
import { LocalCloudInputError } from './errors';
import type { DemandSpec, LocalInstance } from './model';
import { bandwidthPackageSchema, demoBandwidthPackages, demoEips, eipSchema, toLocalBandwidthPackage, toLocalEip } from './vpc/fixture';
import type { LocalBandwidthPackage, LocalEip } from './vpc/model';

export const DEFAULT_REGION = 'cn-hangzhou';
export const DEFAULT_OTS_INSTANCE = 'bwscaler';
export { DEFAULT_DOWNGRADE_QUOTA };

/** The key the local cloud accepts when a fixture names none. Not a secret: it only opens 127.0.0.1. */
export const DEMO_ACCESS_KEY = { id: 'LTAI5tLocalCloudDemoKey', secret: 'local-cloud-demo-secret' } as const;

const timeSchema = z.union([z.number().finite(), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))]);

const demandSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('constant'), mbps: z.number().nonnegative() }),
  z.strictObject({
    kind: z.literal('series'),
    start: timeSchema,
    stepSeconds: z.number().positive(),
    mbps: z.array(z.number().nonnegative().nullable()).min(1),
  }),
  z.strictObject({
    kind: z.literal('diurnal'),
    baseMbps: z.number().nonnegative(),
    peakMbps: z.number().nonnegative(),
    peakHourUtc: z.number().min(0).max(24),
    weekendFactor: z.number().nonnegative().optional(),
    noise: z.number().min(0).max(1).optional(),
    seed: z.number().int().optional(),
    flashCrowds: z.array(z.strictObject({ start: timeSchema, durationSeconds: z.number().positive(), extraMbps: z.number() })).optional(),
  }),
]);

/** ECS writes ExpiredTime as `yyyy-MM-ddTHH:mmZ` (DescribeInstances). */
const expiredTimeSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$/, 'expected yyyy-MM-ddTHH:mmZ');

const tagSchema = z.strictObject({ TagKey: z.string().min(1), TagValue: z.string() });
const lockSchema = z.union([z.string(), z.strictObject({ LockReason: z.string(), LockMsg: z.string().optional() })]);

/**
 * DescribeInstances fields the emulator does not model but renders verbatim, so that an instance
 * pasted from a real response keeps them. The names are those of a real capture (44 instances in 5
 * regions, aliyun/alibabacloud-ecs-tool-troubleshooter, ecs-devops-dashboard/src/app/static/data/
 * DescribeInstances.ts @0c5f78d1) and of the API's response example; any other name is a typo.
 */
const REAL_PASSTHROUGH_FIELDS = [
  'AutoReleaseTime',
  'ClusterId',
  'Cpu',
  'CpuOptions',
  'CreationTime',
  'CreditSpecification',
  'DedicatedHostAttribute',
  'DedicatedInstanceAttribute',
  'DeletionProtection',
  'DeploymentSetId',
  'Description',
  'DeviceAvailable',
  'EcsCapacityReservationAttr',
  'GPUAmount',
  'GPUSpec',
  'HibernationOptions',
  'HostName',
  'ImageId',
  'ImageOptions',
  'InnerIpAddress',
  'InstanceTypeFamily',
  'IoOptimized',
  'KeyPairName',
  'Memory',
  'MetadataOptions',
  'NetworkInterfaces',
  'OSName',
  'OSNameEn',
  'OSType',
  'PrivateDnsNameOptions',
  'Recyclable',
  'ResourceGroupId',
  'SaleCycle',
  'SecurityGroupIds',
  'SerialNumber',
  'SpotPriceLimit',
  'SpotStrategy',
  'StartTime',
  'StoppedMode',
  'VlanId',
  'VpcAttributes',
] as const;

const instanceSchema = z.strictObject({
  ...Object.fromEntries(REAL_PASSTHROUGH_FIELDS.map((name) => [name, z.unknown().optional()])),
  InstanceId: z.string().regex(/^[A-Za-z0-9-_.]+$/, 'expected an instance id such as i-bp1example'),
  InstanceName: z.string().optional(),
  RegionId: z.string().optional(),
  ZoneId: z.string().optional(),
  InstanceChargeType: z.enum(['PrePaid', 'PostPaid']).default('PostPaid'),
  // '' is what a real EIP-bound instance reports (the capture cited above: i-bp19y1z08hlzzldsdod2).
  InternetChargeType: z.enum(['PayByBandwidth', 'PayByTraffic', '']).default('PayByBandwidth'),
  InstanceType: z.string().optional(),
  InstanceNetworkType: z.enum(['vpc', 'classic']).default('vpc'),
  Status: z.enum(['Pending', 'Starting', 'Running', 'Stopping', 'Stopped']).default('Running'),
  InternetMaxBandwidthOut: z.number().int().min(0),
  // -1 on 40 of the 44 real instances of the capture cited above; others report 2000 or 36000.
  InternetMaxBandwidthIn: z.number().int().min(-1).optional(),
  // Both the DescribeInstances shape ({IpAddress:[…]}) and a bare list are accepted.
  PublicIpAddress: z.union([z.array(z.ipv4()), z.strictObject({ IpAddress: z.array(z.ipv4()) })]).optional(),
  EipAddress: z
    .strictObject({
      AllocationId: z.string(),
      IpAddress: z.string(),
      Bandwidth: z.number().int().nonnegative().optional(),
      IsSupportUnassociate: z.boolean().optional(),
      InternetChargeType: z.string(),
    })
    .optional(),
  Tags: z.union([z.array(tagSchema), z.strictObject({ Tag: z.array(tagSchema) })]).optional(),
  ExpiredTime: expiredTimeSchema.optional(),
  OperationLocks: z.union([z.array(lockSchema), z.strictObject({ LockReason: z.array(lockSchema) })]).optional(),
  /** Outbound demand over time (what the users would send through an unlimited pipe). */
  Demand: demandSchema.optional(),
  DowngradeQuota: z.number().int().nonnegative().optional(),
  DowngradesUsed: z.number().int().nonnegative().optional(),
  /** The instance type's base bandwidth (Mbps): a higher target is InvalidParameter.BandwidthBiggerThanBaseBandwidth. */
  BaseBandwidthMbps: z.number().int().positive().optional(),
});

export const capsSchema = z.strictObject({ payByTrafficMbps: z.number().int().positive(), payByBandwidthMbps: z.number().int().positive() });

/** The account's ECS rules (ecs-rules.ts): regional caps, the downgrade quota, the downgrade privilege. */
export const ecsRulesSchema = z.strictObject({
  /** The same caps in every region, or per region id (a region not listed gets the documented default). */
  regionalCaps: z.union([capsSchema, z.record(z.string(), capsSchema)]).optional(),
  downgradeQuota: z
    .strictObject({
      count: z.number().int().nonnegative().optional(),
      period: z.enum(['month', 'lifetime']).optional(),
      /** Minutes east of UTC of the monthly reset (480 = UTC+8, the default). */
      utcOffsetMinutes: z
        .number()
        .int()
        .min(-12 * 60)
        .max(14 * 60)
        .optional(),
      payByTrafficSpends: z.boolean().optional(),
    })
    .optional(),
  downgradePrivilege: z.boolean().optional(),
  downgradeLocksBillingCycle: z.boolean().optional(),
});

/** The account's ECS rules with defaults applied; the admin API may change them at run time. */
export interface EcsRulesConfig {
  /** Caps per region id; `default` applies to every other region. */
  regionalCaps: { default: RegionalCaps; byRegion: Record<string, RegionalCaps> };
  quota: DowngradeQuotaRule;
  downgradePrivilege: boolean;
  downgradeLocksBillingCycle: boolean;
}

const fixtureSchema = z.strictObject({
  regionId: z.string().optional(),
  otsInstance: z.string().optional(),
  accessKeys: z
    .array(z.strictObject({ id: z.string().min(1), secret: z.string().min(1), securityToken: z.string().min(1).optional() }))
    .min(1)
    .optional(),
  account: z.strictObject({ balance: z.number().finite(), arrears: z.boolean().optional() }).optional(),
  instances: z.array(instanceSchema).optional(),
  ecs: ecsRulesSchema.optional(),
  /** Elastic IP addresses (DescribeEipAddresses field names); the demo's when the fleet is the demo's. */
  eips: z.array(eipSchema.extend({ Demand: demandSchema.optional() })).optional(),
  /** Internet Shared Bandwidth instances (DescribeCommonBandwidthPackages field names). */
  bandwidthPackages: z.array(bandwidthPackageSchema).optional(),
});

/** A fixture as written (JSON); every field but the instances' id and bandwidth has a default. */
export type Fixture = z.input<typeof fixtureSchema>;
export type FixtureInstance = z.input<typeof instanceSchema>;

export interface AccessKey {
  id: string;
  secret: string;
  /** Present for an STS key: requests signed with it must carry this SecurityToken. */
  securityToken?: string;
}

/** A fixture with the defaults applied, ready to build a world from. */
export interface ResolvedFixture {
  regionId: string;
  otsInstance: string;
  accessKeys: AccessKey[];
  account: { balance: number; arrears: boolean };
  instances: LocalInstance[];
  ecsRules: EcsRulesConfig;
  eips: LocalEip[];
  bandwidthPackages: LocalBandwidthPackage[];
}

/** Parses a fixture object; `source` names where it came from in error messages. */
export function parseFixture(input: unknown, start: number, source = 'fixture'): ResolvedFixture {
  const result = fixtureSchema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${source}: ${formatPath(issue.path)}: ${issue.message}`);
    throw new LocalCloudInputError(`invalid local cloud fixture\n  ${issues.join('\n  ')}`, issues);
  }
  const fixture = result.data;
  const regionId = fixture.regionId ?? DEFAULT_REGION;
  const ids = new Set<string>();
  const instances = (fixture.instances ?? demoFleet()).map((raw, index) => {
    if (ids.has(raw.InstanceId)) {
      const issue = `${source}: instances[${index}].InstanceId: duplicate instance id ${raw.InstanceId}`;
      throw new LocalCloudInputError(issue, [issue]);
    }
    ids.add(raw.InstanceId);
    return toLocalInstance(instanceSchema.parse(raw), index, regionId, start);
  });
  return {
    regionId,
    otsInstance: fixture.otsInstance ?? DEFAULT_OTS_INSTANCE,
    accessKeys: fixture.accessKeys ?? [{ ...DEMO_ACCESS_KEY }],
    account: {
      // The demo account can pay for a year of its subscription instance's upgrades (10 Mbps more
      // for a year costs ~9,700 CNY in the money model of ecs.ts); a fixture's account defaults to
      // 1,000 CNY, enough for a few upgrades and not for a year of them.
      balance: fixture.account?.balance ?? (fixture.instances === undefined ? 100_000 : 1000),
      arrears: fixture.account?.arrears ?? false,
    },
    instances,
    ecsRules: resolveEcsRules(fixture.ecs),
    ...resolveVpc(fixture, regionId, start, source),
  };
}

/**
 * EIPs and packages; the demo fleet brings the demo's (vpc/fixture.ts). Ids are unique, and an EIP
 * names only a package the fixture has.
 */
function resolveVpc(
  fixture: z.output<typeof fixtureSchema>,
  regionId: string,
  start: number,
  source: string,
): { eips: LocalEip[]; bandwidthPackages: LocalBandwidthPackage[] } {
  const demo = fixture.instances === undefined;
  const rawPackages = fixture.bandwidthPackages ?? (demo ? demoBandwidthPackages().map((p) => bandwidthPackageSchema.parse(p)) : []);
  const rawEips = fixture.eips ?? (demo ? demoEips().map((e) => eipSchema.extend({ Demand: demandSchema.optional() }).parse(e)) : []);
  const issues: string[] = [];
  const packageIds = new Set<string>();
  rawPackages.forEach((p, index) => {
    if (packageIds.has(p.BandwidthPackageId)) issues.push(`${source}: bandwidthPackages[${index}].BandwidthPackageId: duplicate id ${p.BandwidthPackageId}`);
    packageIds.add(p.BandwidthPackageId);
  });
  const eipIds = new Set<string>();
  rawEips.forEach((e, index) => {
    if (eipIds.has(e.AllocationId)) issues.push(`${source}: eips[${index}].AllocationId: duplicate id ${e.AllocationId}`);
    eipIds.add(e.AllocationId);
    if (e.BandwidthPackageId && !packageIds.has(e.BandwidthPackageId)) {
      issues.push(`${source}: eips[${index}].BandwidthPackageId: no bandwidth package ${e.BandwidthPackageId} in bandwidthPackages`);
    }
  });
  if (issues.length > 0) throw new LocalCloudInputError(`invalid local cloud fixture\n  ${issues.join('\n  ')}`, issues);
  return {
    eips: rawEips.map((e) => toLocalEip(e, regionId, start, e.Demand as DemandSpec | undefined)),
    bandwidthPackages: rawPackages.map((p) => toLocalBandwidthPackage(p, regionId, start)),
  };
}

function resolveEcsRules(raw: z.output<typeof ecsRulesSchema> | undefined): EcsRulesConfig {
  const caps = raw?.regionalCaps;
  const isSingle = caps !== undefined && 'payByTrafficMbps' in caps && typeof caps.payByTrafficMbps === 'number';
  const quota = raw?.downgradeQuota ?? {};
  return {
    regionalCaps: {
      default: isSingle ? (caps as RegionalCaps) : { ...DEFAULT_REGIONAL_CAPS },
      byRegion: caps !== undefined && !isSingle ? { ...(caps as Record<string, RegionalCaps>) } : {},
    },
    quota: {
      count: quota.count ?? DEFAULT_QUOTA_RULE.count,
      period: quota.period ?? DEFAULT_QUOTA_RULE.period,
      utcOffsetMinutes: quota.utcOffsetMinutes ?? DEFAULT_QUOTA_RULE.utcOffsetMinutes,
      payByTrafficSpends: quota.payByTrafficSpends ?? DEFAULT_QUOTA_RULE.payByTrafficSpends,
    },
    downgradePrivilege: raw?.downgradePrivilege ?? true,
    downgradeLocksBillingCycle: raw?.downgradeLocksBillingCycle ?? false,
  };
}

/** Reads and parses a JSON fixture file. */
export async function loadFixtureFile(path: string, start: number): Promise<ResolvedFixture> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new LocalCloudInputError(`cannot read fixture ${path}: ${(error as Error).message}`, undefined, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new LocalCloudInputError(`fixture ${path} is not JSON: ${(error as Error).message}`, undefined, { cause: error });
  }
  return parseFixture(json, start, path);
}

function formatPath(path: PropertyKey[]): string {
  return path.length === 0
    ? '(root)'
    : path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, '');
}

function toLocalInstance(raw: z.output<typeof instanceSchema>, index: number, regionId: string, start: number): LocalInstance {
  const out = raw.InternetMaxBandwidthOut;
  const publicIps = Array.isArray(raw.PublicIpAddress) ? raw.PublicIpAddress : raw.PublicIpAddress?.IpAddress;
  const tags = Array.isArray(raw.Tags) ? raw.Tags : (raw.Tags?.Tag ?? []);
  const locks = Array.isArray(raw.OperationLocks) ? raw.OperationLocks : (raw.OperationLocks?.LockReason ?? []);
  return {
    InstanceId: raw.InstanceId,
    InstanceName: raw.InstanceName ?? raw.InstanceId,
    RegionId: raw.RegionId ?? regionId,
    ZoneId: raw.ZoneId ?? `${raw.RegionId ?? regionId}-h`,
    InstanceChargeType: raw.InstanceChargeType,
    InternetChargeType: raw.InternetChargeType,
    InstanceNetworkType: raw.InstanceNetworkType,
    Status: raw.Status,
    InternetMaxBandwidthOut: out,
    // The legacy limits page: inbound is 100 while outbound is below 100, else equal to outbound.
    InternetMaxBandwidthIn: raw.InternetMaxBandwidthIn ?? Math.max(100, out),
    // An instance with bandwidth and no EIP has a public IP unless the fixture says otherwise.
    PublicIpAddress: publicIps ?? (out > 0 && !raw.EipAddress ? [demoIp(index)] : []),
    ...(raw.EipAddress ? { EipAddress: raw.EipAddress } : {}),
    Tags: tags,
    ...(raw.ExpiredTime !== undefined
      ? { ExpiredTime: raw.ExpiredTime }
      : raw.InstanceChargeType === 'PrePaid'
        ? { ExpiredTime: formatExpiredTime(start + 365 * 86_400_000) }
        : {}),
    OperationLocks: locks.map((lock) => (typeof lock === 'string' ? lock : lock.LockReason)),
    demand: (raw.Demand as DemandSpec | undefined) ?? { kind: 'constant', mbps: out / 2 },
    bandwidthLog: [{ at: start, out }],
    downgradesUsed: raw.DowngradesUsed ?? 0,
    ...(raw.DowngradeQuota !== undefined ? { downgradeQuota: raw.DowngradeQuota } : {}),
    ...(raw.BaseBandwidthMbps !== undefined ? { baseBandwidthMbps: raw.BaseBandwidthMbps } : {}),
    ...(raw.InstanceType !== undefined ? { InstanceType: raw.InstanceType } : {}),
    extra: Object.fromEntries(
      REAL_PASSTHROUGH_FIELDS.map((name) => [name, (raw as Record<string, unknown>)[name]] as const).filter(([, value]) => value !== undefined),
    ),
  };
}

/** `yyyy-MM-ddTHH:mmZ`, ECS's ExpiredTime format. */
export function formatExpiredTime(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16)}Z`;
}

function demoIp(index: number): string {
  return `47.96.${Math.floor(index / 250)}.${(index % 250) + 1}`;
}

/**
 * The fleet served without a fixture (region cn-hangzhou), shaped for examples/policy.yaml: three
 * pay-as-you-go pay-by-bandwidth VPC web servers peaking at different hours, one subscription shop
 * server with an evening peak, one pay-by-traffic API server, and two neighbours with the values
 * real accounts report (an EIP-bound instance, a pay-by-traffic subscription; inbound -1 and 2000).
 */
export function demoFleet(): FixtureInstance[] {
  const web = (n: number, peakMbps: number, peakHourUtc: number): FixtureInstance => ({
    InstanceId: `i-demo-web-${n}`,
    InstanceName: `demo-web-${n}`,
    InstanceChargeType: 'PostPaid',
    InternetChargeType: 'PayByBandwidth',
    InstanceNetworkType: 'vpc',
    Status: 'Running',
    InternetMaxBandwidthOut: 10,
    Tags: [{ TagKey: 'app', TagValue: 'web' }],
    Demand: { kind: 'diurnal', baseMbps: 4, peakMbps, peakHourUtc, weekendFactor: 0.7, noise: 0.1, seed: n },
  });
  return [
    // Peaks at 10:00, 14:00 and 21:00 Beijing time (UTC+8).
    web(1, 20, 2),
    web(2, 40, 6),
    // Inbound -1: what 40 of the 44 real instances in the capture cited above report.
    { ...web(3, 60, 13), InternetMaxBandwidthIn: -1 },
    {
      InstanceId: 'i-demo-sub-1',
      InstanceName: 'demo-shop-1',
      InstanceChargeType: 'PrePaid',
      InternetChargeType: 'PayByBandwidth',
      InstanceNetworkType: 'vpc',
      Status: 'Running',
      InternetMaxBandwidthOut: 20,
      Tags: [{ TagKey: 'app', TagValue: 'shop' }],
      // Evening shopping peak, 20:30 Beijing time.
      Demand: { kind: 'diurnal', baseMbps: 6, peakMbps: 45, peakHourUtc: 12.5, weekendFactor: 1.3, noise: 0.1, seed: 4 },
    },
    {
      InstanceId: 'i-demo-traffic-1',
      InstanceName: 'demo-api-1',
      InstanceChargeType: 'PostPaid',
      InternetChargeType: 'PayByTraffic',
      InstanceNetworkType: 'vpc',
      Status: 'Running',
      InternetMaxBandwidthOut: 50,
      Tags: [{ TagKey: 'app', TagValue: 'api' }],
      Demand: { kind: 'diurnal', baseMbps: 10, peakMbps: 70, peakHourUtc: 7, weekendFactor: 0.5, noise: 0.15, seed: 5 },
    },
    // Real neighbours the web selector also meets, shaped like the capture cited above:
    // an EIP-bound instance (empty InternetChargeType, 0 Mbps, the bandwidth on the EIP), which
    // ModifyInstanceNetworkSpec refuses (InvalidInstance.EipNotSupport) ...
    {
      InstanceId: 'i-demo-eip-1',
      InstanceName: 'demo-web-eip-1',
      InstanceChargeType: 'PostPaid',
      InternetChargeType: '',
      InstanceNetworkType: 'vpc',
      Status: 'Running',
      InternetMaxBandwidthOut: 0,
      InternetMaxBandwidthIn: -1,
      EipAddress: { Bandwidth: 20, AllocationId: 'eip-demo-1', IpAddress: '47.96.1.180', IsSupportUnassociate: true, InternetChargeType: 'PayByTraffic' },
      Tags: [{ TagKey: 'app', TagValue: 'web' }],
    },
    // ... and a subscription billed by traffic, whose inbound cap reads 2000.
    {
      InstanceId: 'i-demo-sub-traffic-1',
      InstanceName: 'demo-web-sub-traffic-1',
      InstanceChargeType: 'PrePaid',
      InternetChargeType: 'PayByTraffic',
      InstanceNetworkType: 'vpc',
      Status: 'Running',
      InternetMaxBandwidthOut: 30,
      InternetMaxBandwidthIn: 2000,
      Tags: [{ TagKey: 'app', TagValue: 'web' }],
      Demand: { kind: 'diurnal', baseMbps: 3, peakMbps: 25, peakHourUtc: 4, weekendFactor: 0.8, noise: 0.1, seed: 6 },
    },
  ];
}
