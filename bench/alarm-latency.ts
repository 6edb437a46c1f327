// Warm alarm latency: HTTP POSTs of CloudMonitor callbacks to the BUILT alarm function's trigger (the
// local Function Compute runner), end to end against the in-process local cloud, one at a time.
//
// Each timed invocation is a DIFFERENT managed instance's first ALERT at 96 %: the whole scale-up path
// (DescribeInstances, markEventHandled, getState, the intent write, ModifyInstanceNetworkSpec, the
// commit, the history append), the slowest thing the function does. One untimed call first makes the
// function warm (its container, clients and policy built), as the figure is about warm invocations.
import { alarmCallback, startSystem, WEBHOOK_TOKEN } from '../src/sim/system';

export interface AlarmLatencyResult {
  invocations: number;
  p50: number;
  p99: number;
}

const POLICY = `
version: 1
policies:
  - name: alarm-latency
    instances: { region: cn-hangzhou, tags: { app: web } }
    bounds: { minOut: 5, maxOut: 100 }
    targetTracking: { target: 70, tolerance: 10 }
`;

/** The q-quantile by the nearest-rank method (p99 of 100 samples is the 99th smallest). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new Error('quantile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

export async function measureAlarmLatency(options: { invocations: number; distDir?: string }): Promise<AlarmLatencyResult> {
  const ids = Array.from({ length: options.invocations + 1 }, (_, i) => `i-alarm-${String(i).padStart(4, '0')}`);
  const system = await startSystem({
    cloud: {
      fixture: {
        instances: ids.map((InstanceId) => ({
          InstanceId,
          InstanceChargeType: 'PostPaid',
          InternetChargeType: 'PayByBandwidth',
          InstanceNetworkType: 'vpc',
          InternetMaxBandwidthOut: 10,
          Tags: [{ TagKey: 'app', TagValue: 'web' }],
          Demand: { kind: 'constant', mbps: 9.6 },
        })),
      },
    },
    policyText: POLICY,
    ...(options.distDir ? { distDir: options.distDir } : {}),
  });
  try {
    const url = `${system.runner.httpUrl('bwscaler-alarm')}/?token=${WEBHOOK_TOKEN}`;
    const post = async (instanceId: string) => {
      const body = alarmCallback({ instanceId, curValue: 96, timestamp: system.cloud.clock.now() });
      const started = performance.now();
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' }, body });
      const answer = (await response.json()) as { outcome?: string };
      const ms = performance.now() - started;
      if (response.status !== 200 || answer.outcome !== 'applied')
        throw new Error(`alarm latency: ${instanceId} answered ${response.status} ${JSON.stringify(answer)}, not 200 applied`);
      return ms;
    };
    const [warmUp, ...timed] = ids;
    await post(warmUp as string);
    const samples: number[] = [];
    for (const id of timed) samples.push(await post(id));
    return { invocations: samples.length, p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) };
  } finally {
    await system.close();
  }
}
