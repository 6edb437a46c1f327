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

/**
 * The CloudMonitor reads bwscaler needs: the latest served outbound rate of many instances, and one
 * instance's outbound traffic over a span (the pay-by-traffic spend guard).
 */
export interface MetricApi {
  latestOutRates(regionId: string, instances: Array<{ instanceId: string; networkType: NetworkType }>): Promise<Map<string, MetricSample>>;
  /**
   * Outbound bytes per metric period whose period lies within [startMs, endMs), oldest first. Only
   * periods CloudMonitor has published are returned: a period still inside its reporting lag is left
   * for a later call, never reported as 0.
   */
  outboundBytes(regionId: string, instance: { instanceId: string; networkType: NetworkType }, startMs: number, endMs: number): Promise<TrafficPoint[]>;
}
