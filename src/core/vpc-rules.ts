// The provider's rules for changing the bandwidth of an Elastic IP (ModifyEipAddressAttribute) and of an
// Internet Shared Bandwidth package (ModifyCommonBandwidthPackageSpec), VPC API 2016-04-28, as data.
// The VPC adapter puts them on the facts it describes; decide() reads them through rulesOf and never
// asks which kind a resource is. Sources per rule, summarised in docs/reference/alibaba-cloud.md
// ("Elastic IPs and shared bandwidth packages").
import { PROVIDER_LOCK_SECONDS } from './provider';
import type { InstanceChargeType, ProviderRules } from './types';

/**
 * Neither Modify API documents a lock after a change. ModifyCommonBandwidthPackageSpec says "You cannot
 * repeatedly call [it] ... within the specified period of time" without naming the period; the ECS
 * 5-minute lock is kept for both kinds: the harsher reading, and the cadence the tick runs at anyway.
 */
export const VPC_LOCK_SECONDS = PROVIDER_LOCK_SECONDS;

/**
 * ModifyEipAddressAttribute `Bandwidth` (https://www.alibabacloud.com/help/en/eip/developer-reference/api-modifyeipaddressattribute,
 * also https://help.aliyun.com/document_detail/36019.htm): "1 to 200 if the metering method is
 * pay-by-data-transfer", "1 to 500 if the metering method is pay-by-bandwidth" (Mbit/s).
 */
export const EIP_RANGE: Readonly<Record<'PayByTraffic' | 'PayByBandwidth', { min: number; max: number }>> = {
  PayByTraffic: { min: 1, max: 200 },
  PayByBandwidth: { min: 1, max: 500 },
};

/**
 * ModifyCommonBandwidthPackageSpec `Bandwidth`. The Chinese reference
 * (https://help.aliyun.com/zh/vpc/developer-reference/api-vpc-2016-04-28-modifycommonbandwidthpackagespec)
 * gives default ranges per billing: pay-by-bandwidth 2-20000, enhanced 95th percentile 200-20000,
 * pay-by-dominant-traffic 1-2000; the English one (change history 2026-02-27,
 * https://www.alibabacloud.com/help/en/internet-shared-bandwidth/developer-reference/api-vpc-2016-04-28-modifycommonbandwidthpackagespec-brandwidths)
 * says 1 to 1000 for all. Both are applied: the narrower bound of each wins.
 */
export const PACKAGE_RANGE: Readonly<Record<string, { min: number; max: number }>> = {
  PayByBandwidth: { min: 2, max: 1000 },
  PayBy95: { min: 200, max: 1000 },
  PayByDominantTraffic: { min: 1, max: 1000 },
};

/**
 * EIP statuses (DescribeEipAddresses: Associating, Unassociating, InUse, Available, Releasing). The
 * reference answers IncorrectEipStatus ("Current elastic IP status does not support this operation")
 * without listing the statuses it accepts: only the two settled ones are tried.
 */
export const EIP_MODIFIABLE_STATUSES: readonly string[] = ['Available', 'InUse'];

/**
 * A package "in the Modifying state ... you can only query"; "Available" means the change is done, and
 * the API "does not support concurrent modifications" (IncorrectStatus.CbwpModifying).
 */
export const PACKAGE_MODIFIABLE_STATUSES: readonly string[] = ['Available'];

export interface EipBilling {
  chargeType: InstanceChargeType;
  /** PayByBandwidth or PayByTraffic, as DescribeEipAddresses reports InternetChargeType. */
  internetChargeType: string;
  /** The shared package the EIP is in, when it is (DescribeEipAddresses BandwidthPackageId). */
  bandwidthPackageId?: string;
}

export function eipRules(eip: EipBilling): ProviderRules {
  const range = EIP_RANGE[eip.internetChargeType as keyof typeof EIP_RANGE] ?? EIP_RANGE.PayByTraffic;
  const rules: ProviderRules = {
    range,
    lockSeconds: VPC_LOCK_SECONDS,
    downgradeBudget: false,
    temporaryUpgrade: false,
    allocatesPublicIp: false,
    modifiableStatuses: EIP_MODIFIABLE_STATUSES,
    asynchronous: false,
    modifyApi: 'ModifyEipAddressAttribute',
    billing: `${eip.chargeType} ${eip.internetChargeType}`,
  };
  if (eip.bandwidthPackageId) {
    rules.refusesChanges = `the EIP is in shared bandwidth package ${eip.bandwidthPackageId}: its bandwidth is the package's (select the package with bandwidthPackages: to scale it)`;
  } else if (eip.chargeType === 'PrePaid') {
    // Forbidden.ChargeTypeIsPrepaid: "It's forbidden to change prepaid EIP's bandwidth by API."
    rules.refusesChanges = 'a subscription EIP: ModifyEipAddressAttribute refuses its bandwidth (Forbidden.ChargeTypeIsPrepaid); change it in the console';
  } else if (!(eip.internetChargeType in EIP_RANGE)) {
    rules.refusesChanges = `InternetChargeType ${eip.internetChargeType || '(none)'} has no documented bandwidth range for ModifyEipAddressAttribute`;
  }
  return rules;
}

export interface PackageBilling {
  chargeType: InstanceChargeType;
  /** PayByBandwidth, PayBy95 or PayByDominantTraffic (DescribeCommonBandwidthPackages InternetChargeType). */
  internetChargeType: string;
}

export function packageRules(pkg: PackageBilling): ProviderRules {
  // The last fallback is never reached (PACKAGE_RANGE has PayByBandwidth); the index type needs it.
  const range = PACKAGE_RANGE[pkg.internetChargeType] ?? PACKAGE_RANGE.PayByBandwidth ?? { min: 2, max: 1000 };
  const rules: ProviderRules = {
    range,
    lockSeconds: VPC_LOCK_SECONDS,
    downgradeBudget: false,
    temporaryUpgrade: false,
    allocatesPublicIp: false,
    modifiableStatuses: PACKAGE_MODIFIABLE_STATUSES,
    asynchronous: true,
    modifyApi: 'ModifyCommonBandwidthPackageSpec',
    billing: `${pkg.chargeType} ${pkg.internetChargeType}`,
  };
  if (pkg.chargeType === 'PrePaid') {
    // Forbidden.ChargeTypeIsPrepaid: "It's forbidden to change prepaid CBWP's bandwidth by API."
    rules.refusesChanges =
      'a subscription package: ModifyCommonBandwidthPackageSpec refuses its bandwidth (Forbidden.ChargeTypeIsPrepaid); change it in the console';
  } else if (!(pkg.internetChargeType in PACKAGE_RANGE)) {
    rules.refusesChanges = `InternetChargeType ${pkg.internetChargeType || '(none)'} has no documented bandwidth range for ModifyCommonBandwidthPackageSpec`;
  }
  return rules;
}
