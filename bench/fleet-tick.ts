// Fleet throughput: ONE timer tick of the BUILT schedule bundle (run by the local Function Compute
// runner) over a large fleet in one region, with every API call delayed by the latency proxy.

import type { Fixture } from '../local-cloud/fixture';
import { startSystem } from '../src/sim/system';
import { startLatencyProxy } from './latency-proxy';

export interface FleetTickResult {
  instances: number;
  /** Wall time of the invocation, as the timer fired it (the function's own time, not the set-up). */
  wallMs: number;
  latencyMs: number;
  /** Orders the tick sent and acting decisions it left for a later tick (its own summary). */
  acted: number;
  deferred: number;
  calls: { DescribeInstances: number; DescribeMetricLast: number; ModifyInstanceNetworkSpec: number; tablestore: number };
  /** Tablestore round trips by operation (GetRange, PutRow, UpdateRow, BatchWriteRow, …). */
  tablestoreByOperation: Record<string, number>;
}

const START = Date.parse('2026-11-02T00:00:00Z');
/** Every OVERLOADED-th instance serves 96 % of its bandwidth (a scale-up); the rest sit at 65 %, inside the dead band. */
const OVERLOADED = 20;

const POLICY = `
version: 1
policies:
  - name: bench-fleet
    instances: { region: cn-hangzhou, tags: { app: bench } }
    bounds: { minOut: 5, maxOut: 100 }
    targetTracking: { target: 70, tolerance: 10 }
`;

/**
 * N pay-as-you-go instances at 10 Mbps. One in twenty is overloaded, so the tick both acts (about
 * N/20 scale-ups, within the default budget of 500 orders) and holds (the rest): the Tablestore
 * targets speak of both.
 */
export function fleetFixture(instances: number): Fixture {
  return {
    instances: Array.from({ length: instances }, (_, i) => ({
      InstanceId: `i-bench-${String(i).padStart(5, '0')}`,
      InstanceChargeType: 'PostPaid',
      InternetChargeType: 'PayByBandwidth',
      InstanceNetworkType: 'vpc',
      InternetMaxBandwidthOut: 10,
      Tags: [{ TagKey: 'app', TagValue: 'bench' }],
      Demand: { kind: 'constant', mbps: i % OVERLOADED === 0 ? 9.6 : 6.5 },
    })),
  };
}

export async function measureFleetTick(options: { instances: number; latencyMs: number; distDir?: string }): Promise<FleetTickResult> {
  let cloudUrl = '';
  const proxy = await startLatencyProxy({ target: () => cloudUrl, latencyMs: options.latencyMs });
  const system = await startSystem({
    cloud: { fixture: fleetFixture(options.instances), start: START },
    policyText: POLICY,
    env: { BWSCALER_ECS_ENDPOINT: proxy.url, BWSCALER_CMS_ENDPOINT: proxy.url, BWSCALER_OTS_ENDPOINT: proxy.url },
    ...(options.distDir ? { distDir: options.distDir } : {}),
  });
  cloudUrl = system.cloud.endpoints.ecs;
  try {
    // The template's timer fires every 5 minutes: one advance, one tick.
    await system.cloud.clock.advance(300);
    const started = performance.now();
    const invocations = await system.runner.fireTimersUntil(system.cloud.clock.now());
    const wallMs = performance.now() - started;
    const [tick] = invocations;
    if (invocations.length !== 1 || !tick?.ok)
      throw new Error(`fleet tick: expected one successful tick, got ${JSON.stringify(invocations.map((i) => i.error ?? 'ok'))}`);
    const summary = tick.result as { instances: number; acted: number; deferred: number; errors: unknown[] };
    if (summary.instances !== options.instances) throw new Error(`fleet tick: the tick saw ${summary.instances} of ${options.instances} instances`);
    const count = (key: string) => proxy.counts.get(key) ?? 0;
    const tablestoreByOperation = Object.fromEntries([...proxy.counts].filter(([key]) => key.startsWith('ots:')).map(([key, n]) => [key.slice(4), n]));
    return {
      instances: summary.instances,
      wallMs,
      latencyMs: options.latencyMs,
      acted: summary.acted,
      deferred: summary.deferred,
      calls: {
        DescribeInstances: count('ecs:DescribeInstances'),
        DescribeMetricLast: count('cms:DescribeMetricLast'),
        ModifyInstanceNetworkSpec: count('ecs:ModifyInstanceNetworkSpec'),
        tablestore: Object.values(tablestoreByOperation).reduce((a, b) => a + b, 0),
      },
      tablestoreByOperation,
    };
  } finally {
    await system.close();
    await proxy.close();
  }
}
