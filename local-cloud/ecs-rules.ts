// The provider's rules on a bandwidth change (ModifyInstanceNetworkSpec), written once as a pure
// model: no I/O, no clock, no state of its own. The ECS emulator (ecs.ts), the backtest's simulated
// cloud (src/sim/replay.ts) and the test fake (test/fakes/instance-api.ts) all ask this module, so
// the three cannot drift apart. The product keeps its own, independent rules in src/core: one
// checks the other.
//
// Sources (each rule repeats the one it follows):
// (A) https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-modifyinstancenetworkspec
//     (the current API page and its error table; the 2025 revision)
// (B) AlibabaCloudDocs/ecs, intl.en-US/API Reference/Networks/ModifyInstanceNetworkSpec.md (2020–21)
// (G) https://www.alibabacloud.com/help/doc-detail/99059.htm, "Modify the public bandwidth of a
//     subscription instance" (console guide, updated 2025-11-17)
// docs/reference/ecs-modify.md lists every refusal below with its condition and status.

export type InstanceChargeType = 'PrePaid' | 'PostPaid';
/** `''` is what DescribeInstances reports for an instance whose public address is an EIP. */
export type InternetChargeType = 'PayByBandwidth' | 'PayByTraffic' | '';

/** A documented refusal: HTTP status, error code and message, as the API answers them. */
export interface Refusal {
  status: number;
  code: string;
  message: string;
}

// ---------------------------------------------------------------------------------------------
// Constants, defined once for the whole local cloud.

/** (B) and (G): "the interval between two consecutive bandwidth modifications must be at least 5 minutes". */
export const MODIFY_LOCK_SECONDS = 300;

/**
 * The answer inside the 5-minute lock: `Throttling`, the one code in (A)'s table whose message names
 * the five-minute wait. Clients should still treat LastOrderProcessing, LastRequestProcessing and
 * TaskConflict the same way.
 */
export const MODIFY_LOCK_ERROR: Refusal = {
  status: 400,
  code: 'Throttling',
  message: 'Request was denied due to request throttling, please try again after 5 minutes.',
};

/** (A): EndTime − StartTime of a temporary upgrade is at least 3 hours. */
export const TEMPORARY_UPGRADE_MIN_SECONDS = 3 * 3600;

/** (B) "a maximum of three times"; (G) sizes the monthly quota by consumption and shows it in the console only. */
export const DEFAULT_DOWNGRADE_QUOTA = 3;

/** Beijing time: (G) resets the quota "on the first day of the next month", in the account's (China) time. */
export const DEFAULT_QUOTA_UTC_OFFSET_MINUTES = 8 * 60;

/**
 * (A)/(B) usage notes, since 2020-11-27: per region, the sum of the actual peak bandwidths of all
 * pay-by-traffic instances is at most 5 Gbit/s, and of all pay-by-bandwidth instances at most 50 Gbit/s.
 */
export const DEFAULT_REGIONAL_CAPS: RegionalCaps = { payByTrafficMbps: 5000, payByBandwidthMbps: 50_000 };

export interface RegionalCaps {
  payByTrafficMbps: number;
  payByBandwidthMbps: number;
}

export interface DowngradeQuotaRule {
  /** Downgrades per period and instance (a fixture's per-instance DowngradeQuota overrides it). */
  count: number;
  /** (G) the current guide: monthly, reset on the 1st. `lifetime` is the older API text (B). */
  period: 'month' | 'lifetime';
  /** The time zone of the monthly reset, as minutes east of UTC. */
  utcOffsetMinutes: number;
  /**
   * Whether lowering the peak of a subscription pay-by-traffic instance spends quota. (G) states the
   * monthly quota under "Upgrade or downgrade fixed bandwidth" and does not exempt "Change the peak
   * bandwidth"; the earlier version of the same guide required the configuration-downgrade privilege
   * "to downgrade the fixed bandwidth of an instance or modify the peak bandwidth". The docs are not
   * explicit, so the harsher reading is the default: it spends quota.
   */
  payByTrafficSpends: boolean;
}

export const DEFAULT_QUOTA_RULE: DowngradeQuotaRule = {
  count: DEFAULT_DOWNGRADE_QUOTA,
  period: 'month',
  utcOffsetMinutes: DEFAULT_QUOTA_UTC_OFFSET_MINUTES,
  payByTrafficSpends: true,
};

// ---------------------------------------------------------------------------------------------
// Ranges.

/** (A): pay-by-traffic 0–100; pay-by-bandwidth 0–200 for subscription, 0–100 for pay-as-you-go. */
export function outboundRange(instanceChargeType: InstanceChargeType, internetChargeType: InternetChargeType): { min: number; max: number } {
  return { min: 0, max: instanceChargeType === 'PrePaid' && internetChargeType === 'PayByBandwidth' ? 200 : 100 };
}

/**
 * (A) InternetMaxBandwidthIn: "if the purchased outbound bandwidth is 10 Mbit/s or less, 1 to 10;
 * if it is more than 10 Mbit/s, 1 to the outbound bandwidth". Checked only when the request sends it.
 */
export function inboundRange(out: number): { min: number; max: number } {
  return { min: 1, max: Math.max(10, out) };
}

// ---------------------------------------------------------------------------------------------
// The downgrade quota.

/** The quota period `now` falls in: `YYYY-MM` in the configured time zone, or `lifetime`. */
export function quotaPeriodOf(now: number, rule: Pick<DowngradeQuotaRule, 'period' | 'utcOffsetMinutes'>): string {
  if (rule.period === 'lifetime') return 'lifetime';
  return new Date(now + rule.utcOffsetMinutes * 60_000).toISOString().slice(0, 7);
}

/** When the quota next resets (epoch ms): 00:00 on the next 1st in the configured zone; Infinity for lifetime. */
export function nextQuotaReset(now: number, rule: Pick<DowngradeQuotaRule, 'period' | 'utcOffsetMinutes'>): number {
  if (rule.period === 'lifetime') return Number.POSITIVE_INFINITY;
  const local = new Date(now + rule.utcOffsetMinutes * 60_000);
  return Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 1) - rule.utcOffsetMinutes * 60_000;
}

/** Downgrades already spent in the period of `now` (a ledger from an earlier period counts nothing). */
export function downgradesSpent(ledger: { used: number; period?: string }, now: number, rule: DowngradeQuotaRule): number {
  return (ledger.period ?? quotaPeriodOf(now, rule)) === quotaPeriodOf(now, rule) ? ledger.used : 0;
}

/** Whether lowering the bandwidth from `from` to `to` spends a subscription downgrade (temporary upgrades never do). */
export function spendsDowngradeQuota(
  instance: { instanceChargeType: InstanceChargeType; internetChargeType: InternetChargeType },
  from: number,
  to: number,
  rule: Pick<DowngradeQuotaRule, 'payByTrafficSpends'>,
  temporary = false,
): boolean {
  if (temporary || to >= from || instance.instanceChargeType !== 'PrePaid') return false;
  return instance.internetChargeType === 'PayByBandwidth' || (instance.internetChargeType === 'PayByTraffic' && rule.payByTrafficSpends);
}

// ---------------------------------------------------------------------------------------------
// The change itself.

/** What the provider knows about the instance, in the emulator's own vocabulary. */
export interface InstanceView {
  instanceId: string;
  regionId: string;
  instanceChargeType: InstanceChargeType;
  internetChargeType: InternetChargeType;
  networkType: 'vpc' | 'classic';
  status: string;
  out: number;
  eipBound: boolean;
  operationLocks: readonly string[];
  /** Subscription expiry (epoch ms). */
  expiredAt?: number;
  /** The instance type's base bandwidth cap, where the fixture sets one. */
  baseBandwidthMbps?: number;
  instanceType?: string;
  /** Downgrade ledger: count spent in `period`. */
  downgradesUsed: number;
  downgradePeriod?: string;
  /** Per-instance quota, overriding the rule's count. */
  downgradeQuota?: number;
  /** Set by a downgrade when the account's rule locks the rest of the billing cycle (OperationDenied). */
  lockedForBillingCycle?: boolean;
}

/** The request after its parameters were parsed (parse errors are the caller's). */
export interface ChangeRequest {
  out: number;
  /** Present only when the request sends InternetMaxBandwidthIn. */
  in?: number;
  /** The NetworkChargeType the request asks for, if any. */
  chargeType?: 'PayByBandwidth' | 'PayByTraffic';
  temporary?: { start: number; end: number };
}

/** The account and the rest of the region, as far as one change needs them. */
export interface ChangeContext {
  now: number;
  lastChangeAt?: number;
  temporaryUpgradeActive?: boolean;
  unpaidOrderOnInstance?: boolean;
  unpaidOrderInAccount?: boolean;
  accountArrears?: boolean;
  /** Sum of the peaks of the OTHER instances of the region, per charge type. */
  regionSums?: { PayByTraffic: number; PayByBandwidth: number };
  regionalCaps?: RegionalCaps;
  quota?: DowngradeQuotaRule;
  /** (G) "make sure that your account has been granted the privilege to perform configuration downgrades". */
  downgradePrivilege?: boolean;
}

const TRANSITIONAL_STATUSES = new Set(['Starting', 'Stopping']);

/**
 * The first documented refusal a change meets, or undefined when the provider accepts it. Order:
 * ranges; account and instance state; billing-method conflicts; unpaid orders; a running temporary
 * upgrade; the 5-minute lock; the billing-cycle lock; caps (instance type, region); the downgrade
 * privilege and quota. Money (balance) is the caller's, since only the emulator models prices.
 */
export function refusalOf(instance: InstanceView, request: ChangeRequest, ctx: ChangeContext): Refusal | undefined {
  const chargeType = request.chargeType ?? instance.internetChargeType;
  const from = instance.out;
  const target = request.out;

  const outRange = outboundRange(instance.instanceChargeType, chargeType);
  if (target < outRange.min || target > outRange.max) {
    return {
      status: 400,
      code: 'InvalidInternetMaxBandwidthOut.ValueNotSupported',
      message: `The specified InternetMaxBandwidthOut is beyond the permitted range (${outRange.min}-${outRange.max} for ${instance.instanceChargeType} ${chargeType || 'EIP'}).`,
    };
  }
  if (request.in !== undefined) {
    const inRange = inboundRange(target);
    if (request.in < inRange.min || request.in > inRange.max) {
      return {
        status: 400,
        code: 'InvalidInternetMaxBandwidthIn.ValueNotSupported',
        message: `The specified InternetMaxBandwidthIn is beyond the permitted range (${inRange.min}-${inRange.max} for InternetMaxBandwidthOut ${target}).`,
      };
    }
  }

  if (ctx.accountArrears) return { status: 400, code: 'Account.Arrearage', message: 'Your account has an outstanding payment.' };
  if (instance.operationLocks.includes('security')) {
    return { status: 403, code: 'InstanceLockedForSecurity', message: 'The specified operation is denied as your instance is locked for security reasons.' };
  }
  const expired = instance.instanceChargeType === 'PrePaid' && instance.expiredAt !== undefined && instance.expiredAt <= ctx.now;
  if (expired || instance.operationLocks.includes('financial')) {
    return {
      status: 403,
      code: 'InstanceExpiredOrInArrears',
      message: 'The specified operation is denied as your prepay instance is expired (prepay mode) or in arrears (afterpay mode).',
    };
  }
  if (instance.eipBound) {
    if (request.temporary) {
      return {
        status: 400,
        code: 'BandwidthUpgradeDenied.EipBoundInstance',
        message: 'The specified VPC instance has bound EIP, temporary bandwidth upgrade is denied.',
      };
    }
    return { status: 403, code: 'InvalidInstance.EipNotSupport', message: 'The specified instance with eip is not supported, please unassociate eip first.' };
  }
  // (A) lists both: IncorrectInstanceStatus (403, "The current status of the instance does not
  // support this operation.") and InvalidOperation.InstanceStatusUnsupported ("expect status is
  // Running or Stopped"). The docs give no rule between them; a transition (Starting, Stopping) is
  // answered with the first, any other status with the second.
  if (TRANSITIONAL_STATUSES.has(instance.status)) {
    return { status: 403, code: 'IncorrectInstanceStatus', message: 'The current status of the instance does not support this operation.' };
  }
  if (instance.status !== 'Running' && instance.status !== 'Stopped') {
    return {
      status: 400,
      code: 'InvalidOperation.InstanceStatusUnsupported',
      message: `The current status of the instance (${instance.status}) does not support this operation, expect status is Running or Stopped.`,
    };
  }
  // (A) usage notes: a classic-network instance leaving 0 Mbit/s must be Stopped.
  if (instance.networkType === 'classic' && from === 0 && target > 0 && instance.status !== 'Stopped') {
    return { status: 400, code: 'InvalidInstanceStatus.NotStopped', message: 'The specified Instance status is not Stopped.' };
  }
  // (B) 403 OperationDenied "The operation is denied due to the instance is PrePaid.": the older
  // API text lets a subscription instance switch PayByTraffic → PayByBandwidth through the API, and
  // PayByBandwidth → PayByTraffic only in the console (G describes that switch as a console step).
  if (instance.instanceChargeType === 'PrePaid' && instance.internetChargeType === 'PayByBandwidth' && request.chargeType === 'PayByTraffic') {
    return { status: 403, code: 'OperationDenied', message: 'The operation is denied due to the instance is PrePaid.' };
  }
  // Unpaid orders. (A) and (B) spell the code `InvalidInstance.UnPaidOrder` (capital P) with two
  // statuses: 403 for the instance's own unpaid order, 400 for one elsewhere in the account. The
  // older zh API text spells it `InvalidInstance.UnpaidOrder` (400); we follow the current tables,
  // and the product must accept both spellings (and (A)'s `OperationDenied.UnpaidOrder`).
  if (ctx.unpaidOrderOnInstance) {
    return { status: 403, code: 'InvalidInstance.UnPaidOrder', message: 'The specified Instance has unpaid order.' };
  }
  if (ctx.unpaidOrderInAccount) {
    return {
      status: 400,
      code: 'InvalidInstance.UnPaidOrder',
      message: 'Unpaid order exists in your account, please complete or cancel the payment in the expense center.',
    };
  }
  if (ctx.temporaryUpgradeActive) return { status: 400, code: 'InvalidAction.WithActiveElasticUpgrade', message: 'The instance has active Elastic Upgrade.' };
  if (ctx.lastChangeAt !== undefined && ctx.now - ctx.lastChangeAt < MODIFY_LOCK_SECONDS * 1000) return { ...MODIFY_LOCK_ERROR };
  // (A) 400 OperationDenied "After downgrade, you cannot upgrade or downgrade your instances again
  // in the remaining time of the current billing cycle." Set only where the account's rule says so.
  if (instance.lockedForBillingCycle) {
    return {
      status: 400,
      code: 'OperationDenied',
      message: 'After downgrade, you cannot upgrade or downgrade your instances again in the remaining time of the current billing cycle.',
    };
  }
  // (A) InvalidParameter.BandwidthBiggerThanBaseBandwidth ("%s"): the instance type's network
  // baseline caps the bandwidth. The message names the cap, so a client can try the largest target allowed.
  if (instance.baseBandwidthMbps !== undefined && target > instance.baseBandwidthMbps && target > from) {
    return {
      status: 400,
      code: 'InvalidParameter.BandwidthBiggerThanBaseBandwidth',
      message: `The specified InternetMaxBandwidthOut ${target} is bigger than the base bandwidth ${instance.baseBandwidthMbps} Mbps of instance type ${instance.instanceType ?? 'of the instance'}.`,
    };
  }
  // (A)/(B) regional caps; (A) QuotaExceeded.InternetBandwidth ("%s"). Only a change that raises
  // the region's sum is refused: a region already above its cap may still come down. The docs say
  // "actual peak bandwidths"; every instance counts, Stopped ones included (the harsher reading).
  if (target > from && (chargeType === 'PayByTraffic' || chargeType === 'PayByBandwidth')) {
    const caps = ctx.regionalCaps ?? DEFAULT_REGIONAL_CAPS;
    const cap = chargeType === 'PayByTraffic' ? caps.payByTrafficMbps : caps.payByBandwidthMbps;
    const total = (ctx.regionSums?.[chargeType] ?? 0) + target;
    if (total > cap) {
      return {
        status: 400,
        code: 'QuotaExceeded.InternetBandwidth',
        message: `The total ${chargeType} bandwidth of region ${instance.regionId} would be ${total} Mbps, above the account's limit of ${cap} Mbps; at most ${Math.max(0, cap - (ctx.regionSums?.[chargeType] ?? 0))} Mbps is available for this instance.`,
      };
    }
  }
  const rule = ctx.quota ?? DEFAULT_QUOTA_RULE;
  if (spendsDowngradeQuota(instance, from, target, rule, request.temporary !== undefined)) {
    // (A) 400 DecreasedBandwidthNotAllowed ("%s"); the current table's spelling (the older zh text
    // writes DecreasedBandWidthNotAllowed). Answered when the account lacks the downgrade privilege (G).
    if (ctx.downgradePrivilege === false) {
      return {
        status: 400,
        code: 'DecreasedBandwidthNotAllowed',
        message: 'The account has no privilege to downgrade the configuration of subscription instances.',
      };
    }
    const quota = instance.downgradeQuota ?? rule.count;
    if (downgradesSpent({ used: instance.downgradesUsed, ...(instance.downgradePeriod ? { period: instance.downgradePeriod } : {}) }, ctx.now, rule) >= quota) {
      return { status: 400, code: 'InstanceDowngrade.QuotaExceed', message: 'Quota of instance downgrade is exceed.' };
    }
  }
  return undefined;
}

/** Records a granted downgrade on the ledger, starting a new period where the old one ended. */
export function spendDowngrade(ledger: { downgradesUsed: number; downgradePeriod?: string }, now: number, rule: DowngradeQuotaRule): void {
  const period = quotaPeriodOf(now, rule);
  if (ledger.downgradePeriod !== period) {
    ledger.downgradesUsed = 0;
    ledger.downgradePeriod = period;
  }
  ledger.downgradesUsed += 1;
}
