// The VPC resources the local cloud holds: Elastic IP addresses and Internet Shared Bandwidth
// instances (common bandwidth packages), in DescribeEipAddresses' and DescribeCommonBandwidthPackages'
// own field names, plus what the emulator needs to produce their traffic. docs/reference/vpc.md
// describes what the project relies on and where each fact comes from.
import type { DemandSpec } from '../model';

export type EipStatus = 'Associating' | 'Unassociating' | 'InUse' | 'Available';
export type EipInternetChargeType = 'PayByBandwidth' | 'PayByTraffic';
export type ChargeType = 'PostPaid' | 'PrePaid';
/** What an EIP is bound to (DescribeEipAddresses InstanceType); '' when it is free. */
export type EipInstanceType = 'EcsInstance' | 'SlbInstance' | 'Nat' | 'HaVip' | 'NetworkInterface' | '';

export interface LocalEip {
  AllocationId: string;
  IpAddress: string;
  RegionId: string;
  Name: string;
  Description: string;
  Status: EipStatus;
  InstanceId: string;
  InstanceType: EipInstanceType;
  InternetChargeType: EipInternetChargeType;
  ChargeType: ChargeType;
  /** The EIP's own peak bandwidth, Mbit/s (DescribeEipAddresses reports it as EipBandwidth while in a package). */
  Bandwidth: number;
  ISP: string;
  /** `yyyy-MM-ddTHH:mm:ssZ` */
  AllocationTime: string;
  /** `yyyy-MM-ddTHH:mmZ` for a subscription EIP; '' for pay-as-you-go (the captured responses). */
  ExpiredTime: string;
  /** The Internet Shared Bandwidth instance the EIP was added to, if any. */
  BandwidthPackageId?: string;
  /** 'financial' | 'security' */
  OperationLocks: string[];
  Tags: Array<{ Key: string; Value: string }>;
  // --- emulator-only ---
  /** Outbound demand through this address (what users would pull through an unlimited pipe). */
  demand: DemandSpec;
  /** Every own bandwidth the EIP had, in time order (the first entry is its initial value). */
  bandwidthLog: Array<{ at: number; out: number }>;
}

export type PackageInternetChargeType = 'PayByBandwidth' | 'PayBy95' | 'PayByDominantTraffic';
export type PackageStatus = 'Available' | 'Modifying';
export type BusinessStatus = 'Normal' | 'FinancialLocked' | 'Unactivated';

export interface LocalBandwidthPackage {
  BandwidthPackageId: string;
  Name: string;
  Description: string;
  RegionId: string;
  /** Mbit/s, shared by every EIP added to the package. */
  Bandwidth: number;
  InternetChargeType: PackageInternetChargeType;
  InstanceChargeType: ChargeType;
  /** Modifying while ModifyCommonBandwidthPackageSpec runs in the background. */
  Status: PackageStatus;
  BusinessStatus: BusinessStatus;
  ISP: string;
  Ratio: number;
  /** `yyyy-MM-ddTHH:mm:ssZ` */
  CreationTime: string;
  /** `yyyy-MM-ddTHH:mm:ssZ` for a subscription package; '' for pay-as-you-go. */
  ExpiredTime: string;
  Tags: Array<{ Key: string; Value: string }>;
  // --- emulator-only ---
  bandwidthLog: Array<{ at: number; out: number }>;
}
