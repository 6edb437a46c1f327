// The provider's rules on a bandwidth change of an EIP (ModifyEipAddressAttribute) and of an
// Internet Shared Bandwidth instance (ModifyCommonBandwidthPackageSpec), written once as pure
// functions: no I/O, no clock, no state. The VPC emulator (index.ts) asks them; the product keeps
// its own rules in src/, so that one checks the other.
//
// Sources (each rule names the one it follows; docs/reference/vpc.md lists them all):
// (E)  ModifyEipAddressAttribute, VPC API 2016-04-28:
//      https://help.aliyun.com/zh/eip/developer-reference/api-vpc-2016-04-28-modifyeipaddressattribute-eips
//      and AlibabaCloudDocs/eip cn.zh-CN/API参考/弹性公网IP/ModifyEipAddressAttribute.md @487f826d
// (P)  ModifyCommonBandwidthPackageSpec, VPC API 2016-04-28:
//      https://help.aliyun.com/zh/vpc/developer-reference/api-vpc-2016-04-28-modifycommonbandwidthpackagespec
//      and AlibabaCloudDocs/cbwp intl.en-US/API Reference/Internet Shared Bandwidth/ModifyCommonBandwidthPackageSpec.md @cb86c54f
// (T)  aliyun/terraform-provider-alicloud alicloud/resource_alicloud_common_bandwidth_package.go @8e95e23b
//      (codes Alibaba's own provider retries or treats as "gone")
// [I] marks a choice the docs leave open; the harsher reading is taken and the comment says why.
import type { Refusal } from '../ecs-rules';
import type { BusinessStatus, ChargeType, EipInternetChargeType, EipStatus, PackageInternetChargeType, PackageStatus } from './model';

export interface BandwidthRange {
  min: number;
  max: number;
}

/** (E) Bandwidth: "1~200, pay-by-traffic; 1~500, pay-by-bandwidth", Mbit/s. */
export const EIP_BANDWIDTH_RANGES: Readonly<Record<EipInternetChargeType, BandwidthRange>> = {
  PayByTraffic: { min: 1, max: 200 },
  PayByBandwidth: { min: 1, max: 500 },
};

/**
 * (P) Bandwidth default ranges: pay-by-bandwidth 2~20000, enhanced 95th percentile 200~20000,
 * pay-by-dominant-traffic 1~2000, Mbit/s. ("Default" ranges: an account may have others by ticket.)
 */
export const PACKAGE_BANDWIDTH_RANGES: Readonly<Record<PackageInternetChargeType, BandwidthRange>> = {
  PayByBandwidth: { min: 2, max: 20_000 },
  PayBy95: { min: 200, max: 20_000 },
  PayByDominantTraffic: { min: 1, max: 2_000 },
};

/**
 * (P): "You cannot repeatedly call ModifyCommonBandwidthPackageSpec ... within the specified period
 * of time" — the period is not given [I]. The harsher reading: five minutes from the accepted
 * request, the same interval ECS documents for its own bandwidth changes.
 */
export const PACKAGE_MODIFY_COOLDOWN_SECONDS = 300;

// ---------------------------------------------------------------------------------------------
// ModifyEipAddressAttribute

export interface EipView {
  chargeType: ChargeType;
  internetChargeType: EipInternetChargeType;
  status: EipStatus;
  operationLocks: readonly string[];
  bandwidthPackageId?: string;
}

export const EIP_BANDWIDTH_NOT_SUPPORTED: Refusal = { status: 400, code: 'InvalidParameter', message: 'Specified value of "Bandwidth" is not supported.' };

/**
 * The refusal of setting `bandwidth` (Mbit/s, as parsed; undefined when the request changes only
 * the name or description), in this order:
 *   1. a subscription EIP: (E) Forbidden.ChargeTypeIsPrepaid, "forbidden to change prepaid EIP's
 *      bandwidth by API"; the API's own summary says the same of name and description.
 *   2. a locked EIP, or one still being associated or unassociated: (E) IncorrectEipStatus.
 *      The docs do not say which statuses allow a change [I]; only InUse and Available do here.
 *   3. an EIP added to an Internet Shared Bandwidth instance: the package's bandwidth applies to it
 *      (DescribeEipAddresses reports its own value apart, as EipBandwidth). The docs name no code
 *      for changing it there [I]: refused as IncorrectEipStatus, the harsher reading, so that a
 *      client never believes it changed a bandwidth that does not apply.
 *   4. outside (E)'s range for its metering method: InvalidParameter.
 *   5. an account in arrears: (E) InsufficientBalance.Eip.
 */
export function eipChangeRefusal(eip: EipView, bandwidth: number | undefined, accountInArrears: boolean): Refusal | undefined {
  if (eip.chargeType === 'PrePaid') {
    return {
      status: 400,
      code: 'Forbidden.ChargeTypeIsPrepaid',
      message: "It's forbidden to change prepaid EIP's bandwidth by API. It can be changed on Aliyun web console.",
    };
  }
  if (eip.operationLocks.length > 0 || (eip.status !== 'InUse' && eip.status !== 'Available')) {
    return { status: 400, code: 'IncorrectEipStatus', message: 'Current elastic IP status does not support this operation.' };
  }
  if (bandwidth === undefined) return undefined;
  if (eip.bandwidthPackageId) {
    return {
      status: 400,
      code: 'IncorrectEipStatus',
      message: `Current elastic IP status does not support this operation: the EIP is in Internet Shared Bandwidth ${eip.bandwidthPackageId}, whose bandwidth applies.`,
    };
  }
  const range = EIP_BANDWIDTH_RANGES[eip.internetChargeType];
  if (bandwidth < range.min || bandwidth > range.max) return EIP_BANDWIDTH_NOT_SUPPORTED;
  if (accountInArrears) return { status: 400, code: 'InsufficientBalance.Eip', message: 'Your account does not have enough balance.' };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// ModifyCommonBandwidthPackageSpec

export interface PackageView {
  bandwidth: number;
  internetChargeType: PackageInternetChargeType;
  instanceChargeType: ChargeType;
  status: PackageStatus;
  businessStatus: BusinessStatus;
  /** Epoch ms; absent for pay-as-you-go. */
  expiredAt?: number;
  /** When the last accepted change was requested (epoch ms). */
  lastChangeAt?: number;
}

/** (P): 404, "The specified value of Bandwidth not supported." */
export function packageBandwidthNotSupported(detail: string): Refusal {
  return { status: 404, code: 'InvalidBandwidth.ValueNotSupported', message: `The specified value of Bandwidth not supported: ${detail}` };
}

/**
 * The code for a change while another runs. (P) says concurrent changes are not supported and that
 * only queries work while Modifying, without naming the code [I]; BandwidthPackageOperation.conflict
 * is the code Alibaba's own Terraform provider retries on for this resource (T).
 */
export function packageConflict(detail: string): Refusal {
  return {
    status: 400,
    code: 'BandwidthPackageOperation.conflict',
    message: `The operation conflicts with another operation on the bandwidth package: ${detail}`,
  };
}

/**
 * The refusal of setting a package to `bandwidth` Mbit/s at `now`, in this order:
 *   1. financially locked (BusinessStatus, an account in arrears, or an expired subscription):
 *      (P) BandwidthPackage.FinancialLocked, 404.
 *   2. Modifying: (P) only queries are allowed until the change completes → conflict.
 *   3. inside the cool-down after the last accepted change (PACKAGE_MODIFY_COOLDOWN_SECONDS) → conflict.
 *   4. outside (P)'s range for the billing method: InvalidBandwidth.ValueNotSupported, 404.
 *   5. the bandwidth it already has [I]: refused with the same code rather than accepted as a no-op,
 *      the harsher reading (a client must read the package back, not trust a repeated call).
 *   6. lowering a subscription package [I]: a subscription instance can only be upgraded within its
 *      term (a downgrade is a renewal change in the console); refused with the same code.
 */
export function packageChangeRefusal(pkg: PackageView, bandwidth: number, now: number, accountInArrears: boolean): Refusal | undefined {
  const expired = pkg.instanceChargeType === 'PrePaid' && pkg.expiredAt !== undefined && pkg.expiredAt <= now;
  if (pkg.businessStatus === 'FinancialLocked' || accountInArrears || expired) {
    return { status: 404, code: 'BandwidthPackage.FinancialLocked', message: 'The specified BandwidthPackage has been Financail Lock.' };
  }
  if (pkg.status === 'Modifying') return packageConflict('the bandwidth package is Modifying; only queries are allowed until it is Available');
  if (pkg.lastChangeAt !== undefined && now - pkg.lastChangeAt < PACKAGE_MODIFY_COOLDOWN_SECONDS * 1000) {
    return packageConflict(`the bandwidth was changed less than ${PACKAGE_MODIFY_COOLDOWN_SECONDS} seconds ago`);
  }
  const range = PACKAGE_BANDWIDTH_RANGES[pkg.internetChargeType];
  if (bandwidth < range.min || bandwidth > range.max) {
    return packageBandwidthNotSupported(`${pkg.internetChargeType} takes ${range.min} to ${range.max} Mbps, got ${bandwidth}`);
  }
  if (bandwidth === pkg.bandwidth) return packageBandwidthNotSupported(`the bandwidth package already has ${bandwidth} Mbps`);
  if (pkg.instanceChargeType === 'PrePaid' && bandwidth < pkg.bandwidth) {
    return packageBandwidthNotSupported('a subscription bandwidth package can only be upgraded within its term');
  }
  return undefined;
}
