import type { InstanceFacts, MetricSample, NetworkType, ResourceKind, TrafficPoint } from '../core/types';

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

/**
 * The provider operations bwscaler needs, for any kind of bandwidth resource (Karpenter's CloudProvider
 * speaks of a node claim, not an EC2 instance): describe resources by id or tag, modify one resource's
 * bandwidth under a token, and read it back by describing it again. The names are ECS's, where the
 * port began; `instanceId` is the resource id (i-…, eip-…, cbwp-…). Implementations: ECS
 * (src/adapters/ecs.ts), VPC for EIPs and packages (src/adapters/vpc.ts), and the router over both
 * (src/adapters/bandwidth-provider.ts). Errors are CloudApiError (src/errors.ts).
 */
export interface InstanceApi {
  /**
   * Resources by id (batched) or by tags, all pages. `kind` says which kind a tag query is about
   * (absent: ECS instances); ids name their kind themselves.
   */
  describeInstances(query: { regionId: string; instanceIds?: string[]; tags?: Record<string, string>; kind?: ResourceKind }): Promise<InstanceFacts[]>;
  modifyBandwidth(req: ModifyBandwidthRequest): Promise<{ orderId: string }>;
}

/** The new name of the provider port: the cycle's `deps.ecs` is one. */
export type BandwidthProvider = InstanceApi;

/** One instance as the metric reads need it, from DescribeInstances facts. */
export interface MetricTarget {
  instanceId: string;
  /** Decides the namespace: absent or 'ecs' reads acs_ecs_dashboard, 'eip' acs_vpc_eip, 'cbwp' acs_bandwidth_package. */
  kind?: ResourceKind;
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
