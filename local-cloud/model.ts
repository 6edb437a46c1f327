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
  InstanceChargeType: 'PrePaid' | 'PostPaid';
  InternetChargeType: 'PayByBandwidth' | 'PayByTraffic';
  InstanceNetworkType: 'vpc' | 'classic';
  Status: string;
  InternetMaxBandwidthOut: number;
  InternetMaxBandwidthIn: number;
  PublicIpAddress: string[];
  EipAddress?: { AllocationId: string; IpAddress: string; Bandwidth: number; InternetChargeType: string };
  Tags: Array<{ TagKey: string; TagValue: string }>;
  /** `yyyy-MM-ddTHH:mmZ` */
  ExpiredTime?: string;
  OperationLocks: string[];
  // --- emulator-only ---
  demand: DemandSpec;
  /** Every bandwidth the instance had, in time order (the first entry is its initial value). */
  bandwidthLog: Array<{ at: number; out: number }>;
  downgradesUsed: number;
  /** Subscription downgrades allowed (default 3, the API doc's figure); a fixture may set `DowngradeQuota`. */
  downgradeQuota?: number;
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
