// A fake InstanceApi with an in-memory provider: it records every call, keeps the bandwidth of each
// instance, honours ClientToken idempotency, enforces the subscription downgrade quota and the API
// range, and takes one-shot faults (Karpenter's NextCreateErr) for the next ModifyInstanceNetworkSpec
// calls. Which downgrades spend quota and the range come from the local cloud's one model of the
// provider (local-cloud/ecs-rules.ts); the fake has no clock, so it counts over its lifetime and
// leaves the 5-minute lock to the emulator.

import { DEFAULT_DOWNGRADE_QUOTA, DEFAULT_QUOTA_RULE, outboundRange, spendsDowngradeQuota } from '../../local-cloud/ecs-rules';
import type { InstanceFacts } from '../../src/core/types';
import { CloudApiError, type CloudErrorCategory } from '../../src/errors';
import type { InstanceApi, ModifyBandwidthRequest } from '../../src/ports/cloud';
import { makeInstance } from '../fixtures/policies';

/** DescribeInstances takes at most 100 ids and returns at most 100 rows per call (docs/reference/alibaba-cloud.md §2.1). */
const DESCRIBE_PAGE = 100;

export interface ModifyFault {
  code: string;
  category: CloudErrorCategory;
  /**
   * The provider placed the order before the failure reached us (a timeout after the request
   * arrived): the change happens and the token is remembered, but the caller sees the error.
   */
  placed?: boolean;
}

export const faults = {
  throttling: { code: 'Throttling.User', category: 'retryable' },
  lastOrderProcessing: { code: 'LastOrderProcessing', category: 'retryable' },
  internalError: { code: 'InternalError', category: 'retryable' },
  timeoutBeforeOrder: { code: 'RequestTimeout', category: 'retryable' },
  timeoutAfterOrder: { code: 'RequestTimeout', category: 'retryable', placed: true },
  unpaidOrder: { code: 'InvalidInstance.UnPaidOrder', category: 'needsHuman' },
  outOfRange: { code: 'InvalidInternetMaxBandwidthOut.ValueNotSupported', category: 'rejected' },
} satisfies Record<string, ModifyFault>;

export interface PlacedOrder {
  orderId: string;
  request: ModifyBandwidthRequest;
  from: number;
}

export interface FakeInstanceApi extends InstanceApi {
  /** The provider's view; tests edit it to simulate out-of-band changes, locks and new instances. */
  readonly instances: Map<string, InstanceFacts>;
  /** Every ModifyInstanceNetworkSpec call, in order, including refused ones. */
  readonly modifyCalls: ModifyBandwidthRequest[];
  /** Orders the provider actually placed (a repeated ClientToken places none). */
  readonly orders: PlacedOrder[];
  /** DescribeInstances API calls as the real API would count them (one per 100 ids or rows). */
  describeApiCalls: number;
  /** Subscription downgrades the provider has granted per instance. */
  readonly downgradesUsed: Map<string, number>;
  /** Account-level refusals per instance (e.g. an unpaid order), until deleted. */
  readonly accountBlocks: Map<string, string>;
  /** Faults for the next modify calls, one per call, in order. */
  failNextModify(...faults: ModifyFault[]): void;
  /** Called at the start of every modify call (to race another invocation in, for instance). */
  onModify?: (request: ModifyBandwidthRequest) => Promise<void> | void;
}

export function createFakeInstanceApi(instances: InstanceFacts[], options: { downgradeQuota?: number } = {}): FakeInstanceApi {
  const quota = options.downgradeQuota ?? DEFAULT_DOWNGRADE_QUOTA;
  const byToken = new Map<string, string>();
  const pendingFaults: ModifyFault[] = [];
  let orderSeq = 0;

  const fake: FakeInstanceApi = {
    instances: new Map(instances.map((instance) => [instance.instanceId, structuredClone(instance)])),
    modifyCalls: [],
    orders: [],
    describeApiCalls: 0,
    downgradesUsed: new Map(),
    accountBlocks: new Map(),

    failNextModify(...next) {
      pendingFaults.push(...next);
    },

    async describeInstances(query) {
      const wanted = query.instanceIds && new Set(query.instanceIds);
      const matches = [...fake.instances.values()].filter(
        (instance) =>
          instance.regionId === query.regionId &&
          (wanted === undefined || wanted.has(instance.instanceId)) &&
          Object.entries(query.tags ?? {}).every(([key, value]) => instance.tags[key] === value),
      );
      const scanned = query.instanceIds?.length ?? matches.length;
      fake.describeApiCalls += Math.max(1, Math.ceil(scanned / DESCRIBE_PAGE));
      return matches.map((instance) => structuredClone(instance));
    },

    async modifyBandwidth(request) {
      fake.modifyCalls.push(structuredClone(request));
      await fake.onModify?.(request);
      const fault = pendingFaults.shift();
      if (fault && !fault.placed) throw apiError(fault);
      const remembered = byToken.get(request.clientToken);
      if (remembered !== undefined) {
        if (fault) throw apiError(fault);
        return { orderId: remembered };
      }
      const instance = fake.instances.get(request.instanceId);
      if (!instance || instance.regionId !== request.regionId) throw apiError({ code: 'InvalidInstanceId.NotFound', category: 'notFound' });
      const accountBlock = fake.accountBlocks.get(request.instanceId);
      if (accountBlock) throw apiError({ code: accountBlock, category: 'needsHuman' });
      if (instance.operationLocks.includes('security')) throw apiError({ code: 'InstanceLockedForSecurity', category: 'needsHuman' });
      const range = outboundRange(instance.instanceChargeType, instance.internetChargeType);
      if (request.bandwidthOut < range.min || request.bandwidthOut > range.max) {
        throw apiError({ code: 'InvalidInternetMaxBandwidthOut.ValueNotSupported', category: 'rejected' });
      }
      const counted = spendsDowngradeQuota(instance, instance.bandwidthOut, request.bandwidthOut, DEFAULT_QUOTA_RULE, request.startTime !== undefined);
      const used = fake.downgradesUsed.get(instance.instanceId) ?? 0;
      if (counted && used >= quota) throw apiError({ code: 'InstanceDowngrade.QuotaExceed', category: 'quota' });
      if (counted) fake.downgradesUsed.set(instance.instanceId, used + 1);
      const orderId = `order-${++orderSeq}`;
      fake.orders.push({ orderId, request: structuredClone(request), from: instance.bandwidthOut });
      byToken.set(request.clientToken, orderId);
      instance.bandwidthOut = request.bandwidthOut;
      if (fault) throw apiError(fault);
      return { orderId };
    },
  };
  return fake;
}

function apiError(fault: ModifyFault): CloudApiError {
  return new CloudApiError(`fake: ${fault.code}`, fault.code, fault.category, 'fake-request-id');
}

/** A running VPC instance with sensible defaults (test/fixtures' makeInstance); override what the test is about. */
export function instanceFacts(overrides: Partial<InstanceFacts> & { instanceId: string }): InstanceFacts {
  return makeInstance(overrides);
}
