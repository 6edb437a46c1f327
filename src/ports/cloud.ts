import type { InstanceFacts, MetricSample, NetworkType, TrafficPoint } from '../core/types';

export interface ModifyBandwidthRequest {
  regionId: string;
  instanceId: string;
  bandwidthOut: number;
  /** InternetMaxBandwidthIn, only when the policy's inbound bounds ask for a correction. */
  bandwidthIn?: number;
  clientToken: string;
  autoPay: boolean;
  allocatePublicIp?: boolean;
  /** Temporary upgrade: UTC `yyyy-MM-ddTHH:mmZ` and `yyyy-MM-ddTHHZ`. */
  startTime?: string;
  endTime?: string;
}

/** The ECS operations bwscaler needs. Errors are CloudApiError (src/errors.ts). */
export interface InstanceApi {
  /** Instances by id (batched by 100) or by tags, all pages. */
  describeInstances(query: { regionId: string; instanceIds?: string[]; tags?: Record<string, string> }): Promise<InstanceFacts[]>;
  modifyBandwidth(req: ModifyBandwidthRequest): Promise<{ orderId: string }>;
}

/** One instance as the metric reads need it, from DescribeInstances facts. */
export interface MetricTarget {
  instanceId: string;
  /** Decides the metric: VPC_PublicIP_* for a VPC instance, the unprefixed Internet* for classic. */
  networkType: NetworkType;
  /** The instance's fixed public IP; when known, a VPC_PublicIP_* series of another `ip` is not its traffic. */
  publicIp?: string;
}

/** A datapoint the adapter could not read, and why. The instance it names gets no sample from that read. */
export interface RejectedDatapoint {
  instanceId?: string;
  reason: string;
}

/** The latest sample per instance that has one, and the datapoints set aside (each one instance's problem only). */
export type OutRateReadings = Map<string, MetricSample> & { readonly rejected?: readonly RejectedDatapoint[] };

/**
 * The CloudMonitor reads bwscaler needs: the latest served outbound rate of many instances, and one
 * instance's outbound traffic over a span (the pay-by-traffic spend guard).
 */
export interface MetricApi {
  latestOutRates(regionId: string, instances: MetricTarget[]): Promise<OutRateReadings>;
  /**
   * Outbound bytes per metric period whose period lies within [startMs, endMs), oldest first. Only
   * periods CloudMonitor has published are returned: a period still inside its reporting lag, or a
   * collector gap, is left out, never reported as 0.
   */
  outboundBytes(regionId: string, instance: MetricTarget, startMs: number, endMs: number): Promise<TrafficPoint[]>;
  /**
   * The served outbound rate of several instances per minute over (startMs, endMs], oldest first:
   * the predictive policy's history. Minutes without a point are left out, never reported as 0.
   * Optional: a MetricApi without it gives predictive policies no history (they run reactive).
   */
  servedRates?(regionId: string, instances: MetricTarget[], startMs: number, endMs: number): Promise<Map<string, ServedPoint[]>>;
}

/** One minute of served outbound rate, stamped with the minute's start. */
export interface ServedPoint {
  at: number;
  outBps: number;
}

export interface OutboundBytesQuery {
  regionId: string;
  instance: MetricTarget;
  /** Epoch ms, inclusive, a multiple of the period. */
  start: number;
  /** Epoch ms, exclusive, a multiple of the period; at most 31 days after `start`. */
  end: number;
  /** 60 (default), 300 or 900: DescribeMetricList's periods. */
  periodSeconds?: 60 | 300 | 900;
}

/** The outbound volume CloudMonitor recorded for one instance, per period (docs/reference/cloudmonitor.md). */
export interface OutboundTraffic {
  instanceId: string;
  metricName: string;
  periodSeconds: number;
  /** Periods in [start, end) with a usable datapoint, oldest first, `start` being the period's start. */
  periods: Array<{ start: number; bytes: number }>;
  /**
   * Periods in [start, end) without a usable datapoint, and why: not published yet, a collector
   * gap, or an unreadable point. Their traffic is unknown, not zero.
   */
  gaps: Array<{ start: number; reason: string }>;
  /** The sum of `periods`. */
  bytes: number;
}

/** Outbound traffic volume for spend accounting. Errors are CloudApiError; bad arguments RangeError. */
export interface TrafficApi {
  outboundTraffic(query: OutboundBytesQuery): Promise<OutboundTraffic>;
}
