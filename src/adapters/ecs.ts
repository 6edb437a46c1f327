// ECS (API 2014-05-26) behind the InstanceApi port: DescribeInstances translated to InstanceFacts,
// ModifyInstanceNetworkSpec for the one knob we turn.
import * as z from 'zod';
import { chunk, mapWithConcurrency } from '../concurrency';
import type { InstanceFacts } from '../core/types';
import { CloudApiError, ValidationError } from '../errors';
import type { InstanceApi, ModifyBandwidthRequest } from '../ports/cloud';
import { callRpc, parseResponse, type RpcClient, type RpcParams } from './pop';

export const ECS_API_VERSION = '2014-05-26';

/** DescribeInstances: `InstanceIds` holds at most 100 ids, and a page at most 100 rows (facts §2.1). */
const IDS_PER_CALL = 100;
const PAGE_SIZE = 100;
/** Tag.N runs from 1 to 20 (facts §2.1). */
const MAX_TAG_FILTERS = 20;
/** Batches in flight at once: a few hundred instances in one round trip, well under the API rate limit. */
const DESCRIBE_CONCURRENCY = 4;
/** A runaway NextToken chain is a vendor fault, not a reason to loop until the function times out. */
const MAX_PAGES = 1000;

const ipList = z.object({ IpAddress: z.array(z.string()).default([]) });

const instanceSchema = z.object({
  InstanceId: z.string().min(1),
  RegionId: z.string().min(1),
  Status: z.string(),
  InstanceChargeType: z.enum(['PrePaid', 'PostPaid']),
  InternetChargeType: z.enum(['PayByBandwidth', 'PayByTraffic']),
  InstanceNetworkType: z.enum(['vpc', 'classic']),
  InternetMaxBandwidthOut: z.number().int().min(0),
  InternetMaxBandwidthIn: z.number().int().min(0),
  PublicIpAddress: ipList.optional(),
  EipAddress: z.object({ IpAddress: z.string().optional() }).optional(),
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
    for (const raw of page.Instances.Instance) facts.push(toInstanceFacts(parseResponse(instanceSchema, raw, 'DescribeInstances.Instances.Instance')));
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

export function toInstanceFacts(instance: EcsInstance): InstanceFacts {
  const facts: InstanceFacts = {
    instanceId: instance.InstanceId,
    regionId: instance.RegionId,
    instanceChargeType: instance.InstanceChargeType,
    internetChargeType: instance.InternetChargeType,
    networkType: instance.InstanceNetworkType,
    status: instance.Status,
    bandwidthOut: instance.InternetMaxBandwidthOut,
    bandwidthIn: instance.InternetMaxBandwidthIn,
    hasPublicIp: (instance.PublicIpAddress?.IpAddress ?? []).some((ip) => ip !== ''),
    // An EIP-bound VPC instance reports an empty EipAddress object when nothing is bound.
    eipBound: (instance.EipAddress?.IpAddress ?? '') !== '',
    tags: Object.fromEntries((instance.Tags?.Tag ?? []).map((tag) => [tag.TagKey, tag.TagValue])),
    operationLocks: (instance.OperationLocks?.LockReason ?? []).map((lock) => (typeof lock === 'string' ? lock : lock.LockReason)),
  };
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
    // RegionId is absent from the parameter table but present in the documented sample URL (facts §1.1).
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
