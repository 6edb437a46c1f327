// Shared shapes of the local Alibaba Cloud: the instance model the ECS emulator owns and the
// CloudMonitor emulator reads, the clock, and the RPC handler contract.
import type { IncomingHttpHeaders } from 'node:http';

/** The simulated clock. `manual` moves only when told (admin API, simulator); `real` follows Date.now. */
export interface Clock {
  readonly mode: 'real' | 'manual';
  now(): number;
  /** Manual clocks only; returns the new time. Timers registered with `onAdvance` run in order. */
  advance(seconds: number): Promise<number>;
  /** Called (awaited) after every advance and on real-clock ticks: alarm evaluation, temp-upgrade reverts, TTL. */
  onAdvance(listener: (now: number) => void | Promise<void>): void;
}

/** Outbound demand of an instance over time, in Mbit/s (what users would send if the pipe were wide). */
export type DemandSpec =
  | { kind: 'constant'; mbps: number }
  /** Regular series starting at `start` (epoch ms); gaps as null; holds the last value past the end. */
  | { kind: 'series'; start: number; stepSeconds: number; mbps: Array<number | null> }
  /** Synthetic daily/weekly cycle with seeded noise and optional flash crowds. */
  | {
      kind: 'diurnal';
      baseMbps: number;
      peakMbps: number;
      /** Hour of the daily peak, UTC (fractional allowed). */
      peakHourUtc: number;
      /** Weekend demand as a fraction of weekday demand. */
      weekendFactor?: number;
      /** Relative noise amplitude, e.g. 0.1 for ±10 %. */
      noise?: number;
      seed?: number;
      flashCrowds?: Array<{ start: number; durationSeconds: number; extraMbps: number }>;
    };

/** One ECS instance as the emulator holds it: DescribeInstances field names, plus the emulator's own. */
export interface LocalInstance {
  InstanceId: string;
  InstanceName?: string;
  RegionId: string;
  ZoneId?: string;
  InstanceType?: string;
  InstanceChargeType: 'PrePaid' | 'PostPaid';
  /** `''` for an EIP-bound instance, as DescribeInstances reports it. */
  InternetChargeType: 'PayByBandwidth' | 'PayByTraffic' | '';
  InstanceNetworkType: 'vpc' | 'classic';
  Status: string;
  InternetMaxBandwidthOut: number;
  /** Real instances report -1 (no inbound cap set) and values such as 2000 or 36000. */
  InternetMaxBandwidthIn: number;
  PublicIpAddress: string[];
  EipAddress?: EipAddress;
  Tags: Array<{ TagKey: string; TagValue: string }>;
  /** `yyyy-MM-ddTHH:mmZ` */
  ExpiredTime?: string;
  OperationLocks: string[];
  // --- emulator-only ---
  demand: DemandSpec;
  /** Every bandwidth the instance had, in time order (the first entry is its initial value). */
  bandwidthLog: Array<{ at: number; out: number }>;
  /** Downgrades spent in `downgradePeriod` (ecs-rules.ts quotaPeriodOf); absent period = the current one. */
  downgradesUsed: number;
  downgradePeriod?: string;
  /** Subscription downgrades allowed per period; overrides the account's rule (fixture `DowngradeQuota`). */
  downgradeQuota?: number;
  /** The instance type's base bandwidth cap (fixture `BaseBandwidthMbps`): InvalidParameter.BandwidthBiggerThanBaseBandwidth above it. */
  baseBandwidthMbps?: number;
  /** Set after a downgrade when the account's rule locks the rest of the billing cycle (OperationDenied). */
  lockedForBillingCycle?: boolean;
  /**
   * Further DescribeInstances fields exactly as a real response carries them (InstanceType,
   * VpcAttributes, InnerIpAddress, StoppedMode, ...): rendered verbatim, after the modelled ones.
   */
  extra?: Record<string, unknown>;
}

/** DescribeInstances' EipAddress; Bandwidth and IsSupportUnassociate appear only on a bound EIP. */
export interface EipAddress {
  AllocationId: string;
  IpAddress: string;
  Bandwidth?: number;
  IsSupportUnassociate?: boolean;
  InternetChargeType: string;
}

export interface RpcContext {
  now: number;
  requestId: string;
  accessKeyId: string;
  /** Parameters exactly as received (after signature verification), Signature excluded. */
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
}

/** An action handler returns the response body fields (RequestId is added) or throws RpcError. */
export type RpcHandler = (params: Record<string, string>, ctx: RpcContext) => unknown | Promise<unknown>;

/** A documented Alibaba Cloud API error: serialised as {RequestId, HostId, Code, Message} with `status`. */
export class RpcError extends Error {
  override name = 'RpcError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
