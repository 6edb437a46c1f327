// VPC (API 2016-04-28) behind the provider port: Elastic IPs (DescribeEipAddresses,
// ModifyEipAddressAttribute) and Internet Shared Bandwidth packages (DescribeCommonBandwidthPackages,
// ModifyCommonBandwidthPackageSpec), translated to the same facts an ECS instance has, with the
// provider rules of their kind (src/core/vpc-rules.ts) attached. Sources and every documented
// refusal: docs/reference/alibaba-cloud.md ("Elastic IPs and shared bandwidth packages").
import * as z from 'zod';
import { chunk, mapWithConcurrency } from '../concurrency';
import type { InstanceChargeType, InstanceFacts } from '../core/types';
import { eipRules, packageRules } from '../core/vpc-rules';
import { CloudApiError, type CloudErrorCategory, ValidationError } from '../errors';
import type { InstanceApi, ModifyBandwidthRequest } from '../ports/cloud';
import { callRpc, parseResponse, type RpcClient, type RpcParams } from './pop';

export const VPC_API_VERSION = '2016-04-28';

/**
 * DescribeEipAddresses: `AllocationId` takes up to 50 ids separated by commas, `PageSize` at most 100
 * (https://www.alibabacloud.com/help/en/eip/developer-reference/api-vpc-2016-04-28-describeeipaddresses).
 */
const EIP_IDS_PER_CALL = 50;
const EIP_PAGE_SIZE = 100;
/** DescribeCommonBandwidthPackages: `PageSize` at most 50; `BandwidthPackageId` takes a single id. */
const PACKAGE_PAGE_SIZE = 50;
const MAX_TAG_FILTERS = 20;
const DESCRIBE_CONCURRENCY = 4;
/** A runaway page count is a vendor fault, not a reason to loop until the function times out. */
const MAX_PAGES = 1000;

/** Real pages show numbers as strings ("5") and the SDK samples as numbers (5); '' means none. */
const mbpsField = z.union([z.string(), z.number()]).optional();

const tagList = z
  .object({
    Tag: z
      .array(z.object({ Key: z.string().optional(), TagKey: z.string().optional(), Value: z.string().optional(), TagValue: z.string().optional() }))
      .default([]),
  })
  .optional();

/** `{LockReason: [{LockReason: "financial"}]}` as documented; a bare object or string is accepted too. */
const lockList = z
  .object({
    LockReason: z.union([z.array(z.union([z.string(), z.object({ LockReason: z.string() })])), z.object({ LockReason: z.string() }), z.string()]).default([]),
  })
  .optional();

const eipSchema = z.object({
  AllocationId: z.string().min(1),
  RegionId: z.string().min(1),
  Status: z.string(),
  IpAddress: z.string().optional(),
  ChargeType: z.enum(['PostPaid', 'PrePaid']),
  InternetChargeType: z.string(),
  Bandwidth: mbpsField,
  EipBandwidth: mbpsField,
  BandwidthPackageId: z.string().optional(),
  BandwidthPackageBandwidth: mbpsField,
  InstanceId: z.string().optional(),
  InstanceType: z.string().optional(),
  ExpiredTime: z.string().optional(),
  OperationLocks: lockList,
  Tags: tagList,
});

const packageSchema = z.object({
  BandwidthPackageId: z.string().min(1),
  RegionId: z.string().min(1),
  Status: z.string(),
  BusinessStatus: z.string().optional(),
  InstanceChargeType: z.enum(['PostPaid', 'PrePaid']),
  InternetChargeType: z.string(),
  Bandwidth: mbpsField,
  ExpiredTime: z.string().optional(),
  PublicIpAddresses: z
    .object({ PublicIpAddresse: z.array(z.object({ AllocationId: z.string().optional(), IpAddress: z.string().optional() })).default([]) })
    .optional(),
  Tags: tagList,
});

const eipPageSchema = z.object({
  EipAddresses: z.object({ EipAddress: z.array(z.unknown()).default([]) }).default({ EipAddress: [] }),
  TotalCount: z.coerce.number().int().min(0).optional(),
});

const packagePageSchema = z.object({
  CommonBandwidthPackages: z.object({ CommonBandwidthPackage: z.array(z.unknown()).default([]) }).default({ CommonBandwidthPackage: [] }),
  TotalCount: z.coerce.number().int().min(0).optional(),
});

type Eip = z.infer<typeof eipSchema>;
type Package = z.infer<typeof packageSchema>;

export function createVpcApi(client: RpcClient): InstanceApi {
  return {
    async describeInstances(query) {
      const ids = query.instanceIds === undefined ? undefined : [...new Set(query.instanceIds)];
      if (ids !== undefined) {
        const eipIds = ids.filter((id) => kindOfId(id) === 'eip');
        const packageIds = ids.filter((id) => kindOfId(id) === 'cbwp');
        const [eips, packages] = await Promise.all([
          eipIds.length === 0 ? [] : describeEipsById(client, query.regionId, eipIds, query.tags),
          packageIds.length === 0 ? [] : describePackages(client, query.regionId, { ids: packageIds, tags: query.tags }),
        ]);
        return [...eips, ...packages];
      }
      if (query.kind === 'cbwp') return describePackages(client, query.regionId, { tags: query.tags });
      if (query.kind === 'eip') return describeEipPages(client, query.regionId, { ...tagFilters(query.tags) }, query.tags);
      throw new ValidationError(`the VPC adapter describes EIPs and packages: a tag query needs kind 'eip' or 'cbwp', got ${query.kind ?? 'none'}`);
    },

    async modifyBandwidth(req) {
      const kind = kindOfId(req.instanceId);
      if (kind === 'eip') {
        await vpcCall(client, 'ModifyEipAddressAttribute', eipModifyParams(req));
        return { orderId: '' };
      }
      if (kind === 'cbwp') {
        await vpcCall(client, 'ModifyCommonBandwidthPackageSpec', packageModifyParams(req));
        return { orderId: '' };
      }
      throw new ValidationError(`the VPC adapter modifies EIPs (eip-…) and packages (cbwp-…), not ${req.instanceId}`);
    },
  } satisfies InstanceApi;
}

/** The kind an id names: eip-… an EIP, cbwp-… a shared bandwidth package, anything else an ECS instance. */
export function kindOfId(id: string): 'ecs' | 'eip' | 'cbwp' {
  if (id.startsWith('eip-')) return 'eip';
  if (id.startsWith('cbwp-')) return 'cbwp';
  return 'ecs';
}

// ---------------------------------------------------------------------------------------------
// Modify. Neither API documents a ClientToken: both set an absolute bandwidth, so sending the same
// request again under the cycle's intent asks for the same state, and the read-back (describe)
// decides whether it took effect. ModifyCommonBandwidthPackageSpec answers before the change is made
// (the package shows Modifying until it is): the intent stays placed until Describe shows the value.

function eipModifyParams(req: ModifyBandwidthRequest): RpcParams {
  // Only Bandwidth is sent: Name and Description are the owner's and stay untouched.
  return { RegionId: req.regionId, AllocationId: req.instanceId, Bandwidth: String(req.bandwidthOut) };
}

function packageModifyParams(req: ModifyBandwidthRequest): RpcParams {
  return { RegionId: req.regionId, BandwidthPackageId: req.instanceId, Bandwidth: String(req.bandwidthOut) };
}

// ---------------------------------------------------------------------------------------------
// Describe.

async function describeEipsById(client: RpcClient, regionId: string, ids: string[], tags: Record<string, string> | undefined): Promise<InstanceFacts[]> {
  const batches = chunk(ids, EIP_IDS_PER_CALL);
  const pages = await mapWithConcurrency(batches, DESCRIBE_CONCURRENCY, (batch) =>
    describeEipPages(client, regionId, { AllocationId: batch.join(','), ...tagFilters(tags) }, tags),
  );
  return pages.flat();
}

async function describeEipPages(client: RpcClient, regionId: string, params: RpcParams, tags: Record<string, string> | undefined): Promise<InstanceFacts[]> {
  const facts: InstanceFacts[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const body = await vpcCall(client, 'DescribeEipAddresses', { RegionId: regionId, PageSize: EIP_PAGE_SIZE, PageNumber: page, ...params }, 'GET');
    const parsed = parseResponse(eipPageSchema, body, 'DescribeEipAddresses');
    for (const raw of parsed.EipAddresses.EipAddress) {
      const row = readEipRow(raw, regionId);
      if (row && carriesTags(row, tags)) facts.push(row);
    }
    const rows = parsed.EipAddresses.EipAddress.length;
    if (rows < EIP_PAGE_SIZE || (parsed.TotalCount !== undefined && page * EIP_PAGE_SIZE >= parsed.TotalCount)) return facts;
  }
  throw new CloudApiError(`DescribeEipAddresses: more than ${MAX_PAGES} pages: paging does not progress`, 'InvalidResponse.Paging', 'retryable');
}

/**
 * The region's packages, all pages, kept when listed in `ids` or carrying all `tags`. The API takes a
 * single BandwidthPackageId per call; a region holds few packages, so one listing serves every id.
 * Tags are matched here, on the tags each row reports, whatever the API filtered.
 */
async function describePackages(client: RpcClient, regionId: string, select: { ids?: string[]; tags?: Record<string, string> }): Promise<InstanceFacts[]> {
  const wanted = select.ids === undefined ? undefined : new Set(select.ids);
  const facts: InstanceFacts[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const body = await vpcCall(client, 'DescribeCommonBandwidthPackages', { RegionId: regionId, PageSize: PACKAGE_PAGE_SIZE, PageNumber: page }, 'GET');
    const parsed = parseResponse(packagePageSchema, body, 'DescribeCommonBandwidthPackages');
    for (const raw of parsed.CommonBandwidthPackages.CommonBandwidthPackage) {
      const row = readPackageRow(raw, regionId);
      if (!row) continue;
      if (wanted !== undefined && !wanted.has(row.instanceId)) continue;
      if (carriesTags(row, select.tags)) facts.push(row);
    }
    const rows = parsed.CommonBandwidthPackages.CommonBandwidthPackage.length;
    if (rows < PACKAGE_PAGE_SIZE || (parsed.TotalCount !== undefined && page * PACKAGE_PAGE_SIZE >= parsed.TotalCount)) return facts;
  }
  throw new CloudApiError(`DescribeCommonBandwidthPackages: more than ${MAX_PAGES} pages: paging does not progress`, 'InvalidResponse.Paging', 'retryable');
}

function carriesTags(row: InstanceFacts, tags: Record<string, string> | undefined): boolean {
  return tags === undefined || Object.entries(tags).every(([key, value]) => row.tags[key] === value);
}

function tagFilters(tags: Record<string, string> | undefined): RpcParams {
  const entries = Object.entries(tags ?? {});
  if (entries.length > MAX_TAG_FILTERS) throw new ValidationError(`selector.tags: at most ${MAX_TAG_FILTERS} tags, got ${entries.length}`);
  const params: RpcParams = {};
  entries.forEach(([key, value], i) => {
    params[`Tag.${i + 1}.Key`] = key;
    params[`Tag.${i + 1}.Value`] = value;
  });
  return params;
}

/**
 * One DescribeEipAddresses row as facts, or an unrecognised row naming the field it cannot read (that
 * EIP is never changed; the rest of the page proceeds). A row without an AllocationId is skipped.
 *
 * The bandwidth that applies: `Bandwidth` for an EIP on its own; for an EIP inside a shared package
 * the package's (BandwidthPackageBandwidth), while the EIP's own value is reported apart, as
 * EipBandwidth (the reference's sample shows Bandwidth "5", BandwidthPackageBandwidth "5",
 * EipBandwidth "199" for such an EIP). Such an EIP is never changed (its rules refuse it).
 */
export function readEipRow(raw: unknown, regionId: string): InstanceFacts | undefined {
  const parsed = eipSchema.safeParse(raw);
  if (!parsed.success) return unrecognisedRow(raw, 'AllocationId', 'DescribeEipAddresses', regionId, parsed.error.issues[0]);
  const eip: Eip = parsed.data;
  const inPackage = (eip.BandwidthPackageId ?? '') !== '';
  const bandwidthText = inPackage ? eip.BandwidthPackageBandwidth : eip.Bandwidth;
  const bandwidth = wholeMbps(bandwidthText);
  if (bandwidth === undefined) {
    const field = inPackage ? 'BandwidthPackageBandwidth' : 'Bandwidth';
    return unrecognisedRow(raw, 'AllocationId', 'DescribeEipAddresses', regionId, { path: [field], message: 'not a whole number of Mbps' });
  }
  const facts: InstanceFacts = {
    instanceId: eip.AllocationId,
    kind: 'eip',
    rules: eipRules({
      chargeType: eip.ChargeType,
      internetChargeType: eip.InternetChargeType,
      ...(inPackage ? { bandwidthPackageId: eip.BandwidthPackageId } : {}),
    }),
    regionId: eip.RegionId,
    instanceChargeType: eip.ChargeType,
    internetChargeType: eip.InternetChargeType === 'PayByBandwidth' || eip.InternetChargeType === 'PayByTraffic' ? eip.InternetChargeType : '',
    networkType: 'vpc',
    status: eip.Status,
    bandwidthOut: bandwidth,
    hasPublicIp: (eip.IpAddress ?? '') !== '',
    ...(eip.IpAddress ? { publicIp: eip.IpAddress } : {}),
    eipBound: false,
    tags: tagsOf(eip.Tags),
    operationLocks: locksOf(eip.OperationLocks),
  };
  const expiredAt = parseTime(eip.ExpiredTime);
  if (expiredAt !== undefined && eip.ChargeType === 'PrePaid') facts.expiredAt = expiredAt;
  return facts;
}

/** One DescribeCommonBandwidthPackages row as facts (see readEipRow for unreadable rows). */
export function readPackageRow(raw: unknown, regionId: string): InstanceFacts | undefined {
  const parsed = packageSchema.safeParse(raw);
  if (!parsed.success) return unrecognisedRow(raw, 'BandwidthPackageId', 'DescribeCommonBandwidthPackages', regionId, parsed.error.issues[0]);
  const pkg: Package = parsed.data;
  const bandwidth = wholeMbps(pkg.Bandwidth);
  if (bandwidth === undefined) {
    return unrecognisedRow(raw, 'BandwidthPackageId', 'DescribeCommonBandwidthPackages', regionId, {
      path: ['Bandwidth'],
      message: 'not a whole number of Mbps',
    });
  }
  const locks = pkg.BusinessStatus !== undefined && /financiallocked/i.test(pkg.BusinessStatus) ? ['financial'] : [];
  const ips = (pkg.PublicIpAddresses?.PublicIpAddresse ?? []).map((ip) => ip.IpAddress ?? '').filter((ip) => ip !== '');
  const facts: InstanceFacts = {
    instanceId: pkg.BandwidthPackageId,
    kind: 'cbwp',
    rules: packageRules({ chargeType: pkg.InstanceChargeType, internetChargeType: pkg.InternetChargeType }),
    regionId: pkg.RegionId,
    instanceChargeType: pkg.InstanceChargeType,
    // Only pay-by-bandwidth has an ECS counterpart; PayBy95 and PayByDominantTraffic are in rules.billing.
    internetChargeType: pkg.InternetChargeType === 'PayByBandwidth' ? 'PayByBandwidth' : '',
    networkType: 'vpc',
    status: pkg.Status,
    bandwidthOut: bandwidth,
    hasPublicIp: ips.length > 0,
    eipBound: false,
    tags: tagsOf(pkg.Tags),
    operationLocks: locks,
  };
  const expiredAt = parseTime(pkg.ExpiredTime);
  if (expiredAt !== undefined && pkg.InstanceChargeType === 'PrePaid') facts.expiredAt = expiredAt;
  return facts;
}

function wholeMbps(value: string | number | undefined): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  return Number.isInteger(number) && number >= 0 ? number : undefined;
}

function tagsOf(tags: z.infer<typeof tagList>): Record<string, string> {
  return Object.fromEntries((tags?.Tag ?? []).map((tag) => [tag.Key ?? tag.TagKey ?? '', tag.Value ?? tag.TagValue ?? '']).filter(([key]) => key !== ''));
}

function locksOf(locks: z.infer<typeof lockList>): string[] {
  const reason = locks?.LockReason ?? [];
  const list = Array.isArray(reason) ? reason : [reason];
  return list.map((lock) => (typeof lock === 'string' ? lock : lock.LockReason)).filter((lock) => lock !== '');
}

/** `yyyy-MM-ddTHH:mmZ` or with seconds; '' or unreadable: no expiry reported (a subscription is refused anyway). */
function parseTime(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?Z$/.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return Date.UTC(y as number, (mo as number) - 1, d, h, mi, s || 0);
}

function unrecognisedRow(
  raw: unknown,
  idField: string,
  api: string,
  regionId: string,
  issue: { path: PropertyKey[]; message: string } | undefined,
): InstanceFacts | undefined {
  const row = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const id = typeof row[idField] === 'string' ? (row[idField] as string) : '';
  if (id === '') return undefined;
  const field = issue ? issue.path.map(String).join('.') || '(row)' : '(row)';
  const value = field === '(row)' ? 'the row' : JSON.stringify(row[String(issue?.path[0])] ?? 'missing').slice(0, 80);
  const kind = kindOfId(id) === 'cbwp' ? 'cbwp' : 'eip';
  return {
    instanceId: id,
    kind,
    regionId: typeof row.RegionId === 'string' && row.RegionId !== '' ? row.RegionId : regionId,
    // Placeholders: planInstance stops at `unrecognised` before anything reads them.
    instanceChargeType: 'PrePaid' as InstanceChargeType,
    internetChargeType: '',
    networkType: 'vpc',
    status: typeof row.Status === 'string' ? row.Status : '',
    bandwidthOut: 0,
    hasPublicIp: false,
    eipBound: false,
    tags: {},
    operationLocks: [],
    unrecognised: {
      field,
      value,
      message: `${api} reports ${field} = ${value} for ${id} (${issue?.message ?? 'unreadable'}): bwscaler leaves it unchanged until the VPC API reports a value it understands`,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Errors. callRpc classifies with the ECS table; the VPC codes below are re-classified here, from the
// error tables of the two Modify references (URLs in src/core/vpc-rules.ts) and DescribeEipAddresses.

async function vpcCall(client: RpcClient, action: string, params: RpcParams, method: 'GET' | 'POST' = 'POST') {
  try {
    return await callRpc(client, action, params, { method });
  } catch (error) {
    if (!(error instanceof CloudApiError)) throw error;
    const category = classifyVpcError(error.code, error.category);
    if (category === error.category) throw error;
    throw new CloudApiError(error.message, error.code, category, error.requestId, { cause: error.cause });
  }
}

const VPC_CATEGORIES: ReadonlyMap<string, CloudErrorCategory> = new Map<string, CloudErrorCategory>([
  // Balance, arrears, locks: only the account owner clears them.
  ['insufficientbalance.eip', 'needsHuman'],
  ['insufficientbalance', 'needsHuman'],
  ['bandwidthpackage.financiallocked', 'needsHuman'],
  ['system.sale_validate_unexpected_error', 'needsHuman'],
  // A subscription EIP or package: "It's forbidden to change prepaid ...'s bandwidth by API" (console only).
  ['forbidden.chargetypeisprepaid', 'needsHuman'],
  // The package is Modifying: "does not support concurrent modifications"; it ends by itself.
  ['incorrectstatus.cbwpmodifying', 'retryable'],
  // The same, as Alibaba's Terraform provider meets it and retries it
  // (aliyun/terraform-provider-alicloud, alicloud/resource_alicloud_common_bandwidth_package.go).
  ['bandwidthpackageoperation.conflict', 'retryable'],
  // Order and sale back-end faults ("The Account failed to create order", HTTP 500 for the package).
  ['ordererror.eip', 'retryable'],
  ['ordererror.bandwidthpackage', 'retryable'],
  ['operationfailed.syncordertosub', 'retryable'],
  ['operationfailed.querycommodityinfo', 'retryable'],
  ['operationfailed.queryprice', 'retryable'],
  ['operationfailed.salevalidate', 'retryable'],
  // The resource is gone.
  ['invalidallocationid.notfound', 'notFound'],
  ['invalidbandwidthpackageid.notfound', 'notFound'],
  ['invalidcommonbandwidthpackageid.notfound', 'notFound'],
]);

/**
 * How the cycle treats a VPC error. The codes above are the VPC references' own; everything else
 * keeps the category callRpc gave it (throttling, 5xx, signature errors are POP-wide). The rest of
 * the Modify refusals (InvalidParameter, InvalidBandwidth.ValueNotSupported, InvalidParameter.Bandwidth,
 * IncorrectEipStatus, IncorrectStatus.ResourceStatus, ResourceNotEnough.Bandwidth,
 * InvalidBandwidth.OutOfMaxTrafficBindedOnNatgw, QuotaExceeded.LargeSpec*, InvalidParam) are
 * `rejected`: the request is wrong for this resource until something changes (src/core/refusal.ts
 * says what each means for the next decision).
 */
export function classifyVpcError(code: string, fallback: CloudErrorCategory): CloudErrorCategory {
  return VPC_CATEGORIES.get(code.toLowerCase()) ?? fallback;
}
