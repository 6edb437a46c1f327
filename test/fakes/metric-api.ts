// A fake MetricApi: the latest served outbound rate of each instance, from a map the test edits,
// counting port calls and the DescribeMetricLast calls the real API would need.

import type { MetricSample, TrafficPoint } from '../../src/core/types';
import type { MetricApi } from '../../src/ports/cloud';

/** Dimensions per DescribeMetricLast call the CloudMonitor adapter sends (src/adapters/cms.ts). */
const DIMENSIONS_PER_CALL = 50;

export interface FakeMetricApi extends MetricApi {
  /** Served outbound bit/s per instance; an instance without an entry has no data point. */
  readonly rates: Map<string, MetricSample>;
  /** latestOutRates calls, with the region and how many instances each asked for. */
  readonly calls: Array<{ regionId: string; instances: number }>;
  /** DescribeMetricLast API calls as the real API would count them. */
  apiCalls: number;
  /** Published outbound traffic per instance (what outboundBytes serves); none = no data. */
  readonly traffic: Map<string, TrafficPoint[]>;
  /** outboundBytes calls: instance and span. */
  readonly trafficCalls: Array<{ instanceId: string; startMs: number; endMs: number }>;
  /** One-shot error for the next outboundBytes call. */
  nextTrafficError?: Error;
}

export function createFakeMetricApi(): FakeMetricApi {
  const fake: FakeMetricApi = {
    rates: new Map(),
    calls: [],
    apiCalls: 0,
    traffic: new Map(),
    trafficCalls: [],
    async outboundBytes(_regionId, instance, startMs, endMs) {
      fake.trafficCalls.push({ instanceId: instance.instanceId, startMs, endMs });
      const error = fake.nextTrafficError;
      if (error) {
        fake.nextTrafficError = undefined;
        throw error;
      }
      return (fake.traffic.get(instance.instanceId) ?? []).filter((p) => p.start >= startMs && p.end <= endMs).map((p) => ({ ...p }));
    },
    async latestOutRates(regionId, instances) {
      fake.calls.push({ regionId, instances: instances.length });
      fake.apiCalls += Math.ceil(instances.length / DIMENSIONS_PER_CALL);
      const found = new Map<string, MetricSample>();
      for (const { instanceId } of instances) {
        const sample = fake.rates.get(instanceId);
        if (sample) found.set(instanceId, { ...sample });
      }
      return found;
    },
  };
  return fake;
}

/** Served Mbit/s as the bit/s sample CloudMonitor would report. */
export function mbps(value: number, at: number): MetricSample {
  return { at, outBps: value * 1_000_000 };
}

/** Per-minute traffic points at a constant `mbps`, for minutes [from, to). */
export function minutesAt(mbpsValue: number, from: number, to: number): TrafficPoint[] {
  const points: TrafficPoint[] = [];
  for (let start = from; start + 60_000 <= to; start += 60_000) points.push({ start, end: start + 60_000, bytes: (mbpsValue * 1e6 * 60) / 8 });
  return points;
}
