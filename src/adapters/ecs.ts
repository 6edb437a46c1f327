// ECS (API 2014-05-26) behind the InstanceApi port: DescribeInstances translated to InstanceFacts,
// ModifyInstanceNetworkSpec for the one knob we turn.
import * as z from 'zod';
import { chunk, mapWithConcurrency } from '../concurrency';
import type { InstanceFacts } from '../core/types';
import { CloudApiError, ValidationError } from '../errors';
import type { InstanceApi, ModifyBandwidthRequest } from '../ports/cloud';
import { callRpc, parseResponse, type RpcClient, type RpcParams } from './pop';

export const ECS_API_VERSION = '2014-05-26';

/**
 * DescribeInstances: `InstanceIds` holds at most 100 ids, and a page at most 100 rows
 * (https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeinstances).
 */
const IDS_PER_CALL = 100;
const PAGE_SIZE = 100;
/** Tag.N runs from 1 to 20 (same page). */
const MAX_TAG_FILTERS = 20;
/** Batches in flight at once: a few hundred instances in one round trip, well under the API rate limit. */
const DESCRIBE_CONCURRENCY = 4;
/** A runaway NextToken chain is a vendor fault, not a reason to loop until the function times out. */
const MAX_PAGES = 1000;

const ipList = z.object({ IpAddress: z.array(z.string()).default([]) });

/**
 * InternetMaxBandwidthIn as real pages report it. The DescribeInstances reference describes the field
 * only as the maximum inbound bandwidth in Mbit/s; Alibaba's own published captures of live accounts
 * (test/fixtures/real/README.md: 40 of 44 instances, aliyun/alibabacloud-ecs-tool-troubleshooter) report
 * -1 on VPC instances with and without a public IP, and values far above the settable 1-200 range
 * (2000, 36000). Read: -1 = no inbound cap is set or reported. The harsher consequence is chosen: an
 * instance at -1 has no known inbound bandwidth, so bwscaler never sends an inbound correction for it.
 */
const NO_INBOUND_CAP = -1;

const instanceSchema = z.object({
  InstanceId: z.string().min(1),
  RegionId: z.string().min(1),
  Status: z.string(),
  InstanceChargeType: z.enum(['PrePaid', 'PostPaid']),
  // '' is real: ECS reports it for instances with an EIP bound (test/fixtures/real, cn-heyuan page).
  InternetChargeType: z.enum(['PayByBandwidth', 'PayByTraffic', '']),
  InstanceNetworkType: z.enum(['vpc', 'classic']),
  InternetMaxBandwidthOut: z.number().int().min(0),
  InternetMaxBandwidthIn: z.number().int().min(NO_INBOUND_CAP),
  PublicIpAddress: ipList.optional(),
  EipAddress: z.object({ IpAddress: z.string().optional(), AllocationId: z.string().optional() }).optional(),
  Tags: z.object({ Tag: z.array(z.object({ TagKey: z.string(), TagValue: z.string().default('') })).default([]) }).optional(),
  ExpiredTime: z.string().optional(),
  OperationLocks: z
    .object({
      // The documented element is {LockReason: "security"}; a bare string is accepted as well.
      LockReason: z.array(z.union([z.string(), z.object({ LockReason: z.string() })])).default([]),
    })
    .optional(),
});

const describePageSchema = z.object({
  Instances: z.object({ Instance: z.array(z.unknown()).default([]) }).default({ Instance: [] }),
  NextToken: z.string().optional(),
});

type EcsInstance = z.infer<typeof instanceSchema>;

export function createEcsApi(client: RpcClient): InstanceApi {
  return {
    async describeInstances(query) {
      const base: RpcParams = { RegionId: query.regionId, MaxResults: PAGE_SIZE, ...tagFilters(query.tags) };
      if (query.instanceIds === undefined) return describeAllPages(client, base);
      if (query.instanceIds.length === 0) return [];
      const batches = chunk([...new Set(query.instanceIds)], IDS_PER_CALL);
      const pages = await mapWithConcurrency(batches, DESCRIBE_CONCURRENCY, (ids) => describeAllPages(client, { ...base, InstanceIds: JSON.stringify(ids) }));
      return pages.flat();
    },

    async modifyBandwidth(req) {
      const body = await callRpc(client, 'ModifyInstanceNetworkSpec', modifyParams(req), { method: 'POST' });
      return { orderId: orderIdText(body.OrderId) };
    },
  } satisfies InstanceApi;
}

async function describeAllPages(client: RpcClient, params: RpcParams): Promise<InstanceFacts[]> {
  const facts: InstanceFacts[] = [];
  const seenTokens = new Set<string>();
  let nextToken: string | undefined;
  do {
    const body = await callRpc(client, 'DescribeInstances', nextToken ? { ...params, NextToken: nextToken } : params, { method: 'GET' });
    const page = parseResponse(describePageSchema, body, 'DescribeInstances');
    // One row bwscaler cannot read is that instance's problem only: it comes back marked
    // `unrecognised` (the cycle never changes it) and every other row of the page proceeds.
    for (const raw of page.Instances.Instance) {
      const row = readInstanceRow(raw, String(params.RegionId));
      if (row) facts.push(row);
    }
    nextToken = page.NextToken || undefined;
    if (nextToken !== undefined) {
      if (seenTokens.has(nextToken) || seenTokens.size >= MAX_PAGES) {
        throw new CloudApiError(`DescribeInstances returned NextToken ${nextToken} again: paging does not progress`, 'InvalidResponse.Paging', 'retryable');
      }
      seenTokens.add(nextToken);
    }
  } while (nextToken !== undefined);
  return facts;
}

function tagFilters(tags: Record<string, string> | undefined): RpcParams {
  const entries = Object.entries(tags ?? {});
  if (entries.length > MAX_TAG_FILTERS) {
    throw new ValidationError(`selector.tags: DescribeInstances accepts at most ${MAX_TAG_FILTERS} tags, got ${entries.length}`);
  }
  const params: RpcParams = {};
  entries.forEach(([key, value], i) => {
    params[`Tag.${i + 1}.Key`] = key;
    params[`Tag.${i + 1}.Value`] = value;
  });
  return params;
}

/**
 * One DescribeInstances row as InstanceFacts, or as an unrecognised instance naming the first field it
 * cannot read and that field's value. A row without an InstanceId cannot be anybody's decision and is
 * skipped: a policy that lists the id then reports it as missing.
 */
export function readInstanceRow(raw: unknown, regionId: string): InstanceFacts | undefined {
  const parsed = instanceSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue ? issue.path.map(String).join('.') : '';
    return unrecognisedRow(raw, regionId, field || '(row)', issue?.message ?? 'unreadable');
  }
  const instance = parsed.data;
  const eipBound = (instance.EipAddress?.IpAddress ?? '') !== '';
  if (instance.InternetChargeType === '' && !eipBound) {
    return unrecognisedRow(raw, regionId, 'InternetChargeType', 'empty, and no EIP is bound');
  }
  try {
    return toInstanceFacts(instance);
  } catch (error) {
    if (error instanceof CloudApiError && error.code === 'InvalidResponse.ExpiredTime')
      return unrecognisedRow(raw, regionId, 'ExpiredTime', 'not yyyy-MM-ddTHH:mmZ');
    throw error;
  }
}

function unrecognisedRow(raw: unknown, regionId: string, field: string, problem: string): InstanceFacts | undefined {
  const row = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const instanceId = typeof row.InstanceId === 'string' ? row.InstanceId : '';
  if (instanceId === '') return undefined;
  const value = displayValue(valueAt(row, field));
  const tags = z.object({ Tag: z.array(z.object({ TagKey: z.string(), TagValue: z.string().default('') })) }).safeParse(row.Tags);
  const bandwidthOut = row.InternetMaxBandwidthOut;
  return {
    instanceId,
    regionId: typeof row.RegionId === 'string' && row.RegionId !== '' ? row.RegionId : regionId,
    // Placeholders below: planInstance stops at `unrecognised` before anything reads them.
    instanceChargeType: row.InstanceChargeType === 'PostPaid' ? 'PostPaid' : 'PrePaid',
    internetChargeType: '',
    networkType: row.InstanceNetworkType === 'classic' ? 'classic' : 'vpc',
    status: typeof row.Status === 'string' ? row.Status : '',
    bandwidthOut: typeof bandwidthOut === 'number' && Number.isInteger(bandwidthOut) && bandwidthOut >= 0 ? bandwidthOut : 0,
    hasPublicIp: false,
    eipBound: false,
    tags: tags.success ? Object.fromEntries(tags.data.Tag.map((tag) => [tag.TagKey, tag.TagValue])) : {},
    operationLocks: [],
    unrecognised: {
      field,
      value,
      message: `DescribeInstances reports ${field} = ${value} for ${instanceId} (${problem}): bwscaler leaves this instance unchanged until ECS reports a value it understands`,
    },
  };
}

function valueAt(row: Record<string, unknown>, path: string): unknown {
  let value: unknown = row;
  for (const key of path.split('.')) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

/** A field's value as a person would quote it, kept short (a page can carry long text). */
function displayValue(value: unknown): string {
  const text = value === undefined ? 'missing' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function toInstanceFacts(instance: EcsInstance): InstanceFacts {
  const facts: InstanceFacts = {
    instanceId: instance.InstanceId,
    regionId: instance.RegionId,
    instanceChargeType: instance.InstanceChargeType,
    internetChargeType: instance.InternetChargeType,
    networkType: instance.InstanceNetworkType,
    status: instance.Status,
    bandwidthOut: instance.InternetMaxBandwidthOut,
    hasPublicIp: (instance.PublicIpAddress?.IpAddress ?? []).some((ip) => ip !== ''),
    ...publicIpOf(instance),
    // An EIP-bound VPC instance reports an empty EipAddress object when nothing is bound.
    eipBound: (instance.EipAddress?.IpAddress ?? '') !== '',
    tags: Object.fromEntries((instance.Tags?.Tag ?? []).map((tag) => [tag.TagKey, tag.TagValue])),
    operationLocks: (instance.OperationLocks?.LockReason ?? []).map((lock) => (typeof lock === 'string' ? lock : lock.LockReason)),
  };
  if (instance.InternetMaxBandwidthIn !== NO_INBOUND_CAP) facts.bandwidthIn = instance.InternetMaxBandwidthIn;
  // The bound EIP's id: a policy that manages that EIP (eips:) serves this instance through it.
  const eipId = instance.EipAddress?.AllocationId ?? '';
  if (facts.eipBound && eipId !== '') facts.eipAllocationId = eipId;
  // Only a subscription expires: pay-as-you-go instances report a placeholder (2099-12-31T15:59Z).
  const expiredAt = parseExpiredTime(instance.InstanceId, instance.ExpiredTime);
  if (expiredAt !== undefined && instance.InstanceChargeType === 'PrePaid') facts.expiredAt = expiredAt;
  return facts;
}

/** `yyyy-MM-ddTHH:mmZ` (documented); seconds are tolerated. Empty means "no expiry reported". */
function parseExpiredTime(instanceId: string, text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?Z$/.exec(text);
  if (!match) {
    throw new CloudApiError(`DescribeInstances: ExpiredTime "${text}" of ${instanceId} is not yyyy-MM-ddTHH:mmZ`, 'InvalidResponse.ExpiredTime', 'rejected');
  }
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return Date.UTC(y as number, (mo as number) - 1, d, h, mi, s || 0);
}

function modifyParams(req: ModifyBandwidthRequest): RpcParams {
  const params: RpcParams = {
    // RegionId is absent from the parameter table but present in older documented sample URLs.
    RegionId: req.regionId,
    InstanceId: req.instanceId,
    InternetMaxBandwidthOut: req.bandwidthOut,
    ClientToken: req.clientToken,
    AutoPay: req.autoPay,
  };
  if (req.bandwidthIn !== undefined) params.InternetMaxBandwidthIn = req.bandwidthIn;
  if (req.allocatePublicIp !== undefined) params.AllocatePublicIp = req.allocatePublicIp;
  if (req.startTime !== undefined) params.StartTime = req.startTime;
  if (req.endTime !== undefined) params.EndTime = req.endTime;
  return params;
}

/**
 * OrderId as text: docs show it both as a string and a number, and order ids can exceed 2^53,
 * where json-bigint hands over a BigNumber (toFixed prints it without exponent). A change that
 * creates no order (pay-as-you-go) answers without one: the empty string.
 */
export function orderIdText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (value && typeof (value as { toFixed?: unknown }).toFixed === 'function') return (value as { toFixed(): string }).toFixed();
  return '';
}

/** The first non-empty public IP, which the VPC metrics name in their `ip` dimension. */
function publicIpOf(instance: { PublicIpAddress?: { IpAddress?: string[] } }): { publicIp?: string } {
  const ip = (instance.PublicIpAddress?.IpAddress ?? []).find((address) => address !== '');
  return ip === undefined ? {} : { publicIp: ip };
}
