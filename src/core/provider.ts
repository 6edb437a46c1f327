// The provider's rules for ModifyInstanceNetworkSpec, as data and small predicates. Sources are the
// ECS API reference (2025 page and the 2020-21 AlibabaCloudDocs text), cited per rule; see
// docs/reference/alibaba-cloud.md §1.
import type { InstanceFacts, ProviderRules, ReasonCode } from './types';

/**
 * "Each time a modification of bandwidth configurations succeeds, you cannot modify the bandwidth of
 * the instance again within five minutes" (ECS API doc 2020-21, user guide §2.5). The 2025 page no
 * longer states it and no error code is documented for it, so it is enforced here, for every driver.
 */
export const PROVIDER_LOCK_SECONDS = 300;

/**
 * The InternetMaxBandwidthOut range the API accepts (2025 doc): subscription pay-by-bandwidth 0-200,
 * every other combination 0-100. The instance type's own baseline can be lower still; that surfaces
 * as InvalidParameter.BandwidthBiggerThanBaseBandwidth and is the adapter's to translate.
 */
export function apiRange(instance: Pick<InstanceFacts, 'instanceChargeType' | 'internetChargeType' | 'rules'>): {
  min: number;
  max: number;
} {
  if (instance.rules) return instance.rules.range;
  const subscriptionByBandwidth = instance.instanceChargeType === 'PrePaid' && instance.internetChargeType === 'PayByBandwidth';
  return { min: 0, max: subscriptionByBandwidth ? 200 : 100 };
}

/**
 * The InternetMaxBandwidthIn range the API accepts for an outbound bandwidth (2025 doc): 1-10 Mbps
 * when Out <= 10, else 1-Out. The 2020-21 text says 1-200; the narrower one is the one followed.
 */
export function inboundRange(bandwidthOut: number): { min: number; max: number } {
  return { min: 1, max: Math.max(bandwidthOut, 10) };
}

/**
 * Only subscription pay-by-bandwidth downgrades are refunded, and refunds are what the quota counts
 * ("up to 3 refunds per subscription instance", §2.5). A subscription pay-by-traffic instance changes
 * only its cap, which carries no refund.
 */
export function downgradeBudgetApplies(instance: Pick<InstanceFacts, 'instanceChargeType' | 'internetChargeType' | 'rules'>): boolean {
  if (instance.rules) return instance.rules.downgradeBudget;
  return instance.instanceChargeType === 'PrePaid' && instance.internetChargeType === 'PayByBandwidth';
}

export function isDowngrade(current: number, target: number): boolean {
  return target < current;
}

/**
 * A pay-as-you-go instance leaving 0 Mbps gets no public IP unless AllocatePublicIp=true (a
 * subscription instance gets one automatically). An instance that still has its IP, as a classic
 * instance keeps it at 0 Mbps, needs none: asking for a second one is refused (AllocatedAlready).
 */
export function needsPublicIpAllocation(
  instance: Pick<InstanceFacts, 'instanceChargeType' | 'hasPublicIp' | 'rules'>,
  current: number,
  target: number,
): boolean {
  if (instance.rules && !instance.rules.allocatesPublicIp) return false;
  return instance.instanceChargeType === 'PostPaid' && current === 0 && target > 0 && !instance.hasPublicIp;
}

/** ECS reports only Running and Stopped as states ModifyInstanceNetworkSpec accepts ("expect status is Running or Stopped"). */
export const MODIFIABLE_STATUSES: readonly string[] = ['Running', 'Stopped'];

/**
 * True when described facts show a change to `target` as done. An asynchronous change (a shared
 * package) is done only once the resource is back in a status that takes changes: while it is
 * Modifying, the bandwidth it reports is not yet the one in force.
 */
export function showsTarget(
  facts: Pick<InstanceFacts, 'bandwidthOut' | 'status' | 'instanceChargeType' | 'internetChargeType' | 'rules'>,
  target: number,
): boolean {
  if (facts.bandwidthOut !== target) return false;
  const rules = rulesOf(facts);
  return !rules.asynchronous || rules.modifiableStatuses.includes(facts.status);
}

/**
 * The rules decide() applies to one resource: the ones its adapter described (EIPs, packages), else
 * the ECS rules derived from its charge types. The one place the core learns what a kind allows.
 */
export function rulesOf(resource: Pick<InstanceFacts, 'instanceChargeType' | 'internetChargeType' | 'rules'>): ProviderRules {
  if (resource.rules) return resource.rules;
  const ecs = { instanceChargeType: resource.instanceChargeType, internetChargeType: resource.internetChargeType };
  return {
    range: apiRange(ecs),
    lockSeconds: PROVIDER_LOCK_SECONDS,
    downgradeBudget: downgradeBudgetApplies(ecs),
    temporaryUpgrade: downgradeBudgetApplies(ecs),
    allocatesPublicIp: true,
    modifiableStatuses: MODIFIABLE_STATUSES,
    asynchronous: false,
    modifyApi: 'ModifyInstanceNetworkSpec',
  };
}

/**
 * What an OperationLocks.LockReason means for us. "financial" is an expired subscription or, for a
 * pay-as-you-go instance, arrears (InstanceExpiredOrInArrears); "dedicatedhostfinancial" is the same
 * for the host. Any other lock (recycling, refunded, ...) is not documented for this API: a human looks.
 */
export function lockReason(lock: string, instance: Pick<InstanceFacts, 'instanceChargeType'>): ReasonCode {
  const normalized = lock.toLowerCase();
  if (normalized === 'security') return 'SECURITY_LOCK';
  if (normalized.endsWith('financial')) {
    return instance.instanceChargeType === 'PrePaid' ? 'INSTANCE_EXPIRED' : 'ACCOUNT_ARREARS';
  }
  return 'NEEDS_HUMAN';
}

// What a BlockedCondition.code means. The cycle may store our reason code or the provider's error
// code (§1.3, "needs a human"); both are understood. A plain object read at call time, not a table
// built at load: a mutant that empties or alters an entry then fails that entry's row in
// test/core/provider.codes.test.ts, where a Map built at load made the whole module throw on import,
// which Stryker's vitest runner counts as survived.
const BLOCKING_CODES: Readonly<Record<string, ReasonCode>> = {
  UNPAID_ORDER: 'UNPAID_ORDER',
  ACCOUNT_ARREARS: 'ACCOUNT_ARREARS',
  SECURITY_LOCK: 'SECURITY_LOCK',
  INSTANCE_EXPIRED: 'INSTANCE_EXPIRED',
  'InvalidInstance.UnPaidOrder': 'UNPAID_ORDER',
  'OperationDenied.UnpaidOrder': 'UNPAID_ORDER',
  'Account.Arrearage': 'ACCOUNT_ARREARS',
  'InvalidAccountStatus.NotEnoughBalance': 'ACCOUNT_ARREARS',
  InstanceExpiredOrInArrears: 'INSTANCE_EXPIRED',
  InstanceLockedForSecurity: 'SECURITY_LOCK',
  REGIONAL_BANDWIDTH_QUOTA: 'REGIONAL_BANDWIDTH_QUOTA',
  'QuotaExceeded.InternetBandwidth': 'REGIONAL_BANDWIDTH_QUOTA',
  // VPC (ModifyEipAddressAttribute, ModifyCommonBandwidthPackageSpec): balance and arrears.
  'InsufficientBalance.Eip': 'ACCOUNT_ARREARS',
  InsufficientBalance: 'ACCOUNT_ARREARS',
  'BandwidthPackage.FinancialLocked': 'ACCOUNT_ARREARS',
  'SYSTEM.SALE_VALIDATE_UNEXPECTED_ERROR': 'ACCOUNT_ARREARS',
};

/** The reason code for a BlockedCondition the cycle recorded; an unknown code still blocks, as NEEDS_HUMAN. */
export function blockedReason(code: string): ReasonCode {
  // Case-insensitive: the docs spell InvalidInstance.UnPaidOrder and InvalidInstance.UnpaidOrder.
  const wanted = code.toLowerCase();
  for (const [known, reason] of Object.entries(BLOCKING_CODES)) {
    if (known.toLowerCase() === wanted) return reason;
  }
  return 'NEEDS_HUMAN';
}
