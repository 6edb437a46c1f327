// A fake MetricApi: the latest served outbound rate of each instance, from a map the test edits,
// counting port calls and the DescribeMetricLast calls the real API would need.

import type { MetricSample } from '../../src/core/types';
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
}

export function createFakeMetricApi(): FakeMetricApi {
  const fake: FakeMetricApi = {
    rates: new Map(),
    calls: [],
    apiCalls: 0,
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
