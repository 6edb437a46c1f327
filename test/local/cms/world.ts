// Small builders for CMS tests: instances in the ECS emulator's shape, a frozen clock and an RPC
// context, so handlers and the alarm engine can be driven without a server.
import type { Clock, DemandSpec, LocalInstance, RpcContext } from '../../../local-cloud/model';

/** Monday 2026-11-02 00:00:00 UTC: minute-aligned, and a weekday for the diurnal model. */
export const T0 = Date.UTC(2026, 10, 2, 0, 0, 0);
export const MINUTE = 60_000;
export const USER_ID = '1234567890123456';

export function instance(id: string, overrides: Partial<LocalInstance> & { demand?: DemandSpec } = {}): LocalInstance {
  const bandwidth = overrides.InternetMaxBandwidthOut ?? 10;
  return {
    InstanceId: id,
    InstanceName: `name-${id}`,
    RegionId: 'cn-hangzhou',
    InstanceChargeType: 'PostPaid',
    InternetChargeType: 'PayByBandwidth',
    InstanceNetworkType: 'vpc',
    Status: 'Running',
    InternetMaxBandwidthOut: bandwidth,
    InternetMaxBandwidthIn: 100,
    PublicIpAddress: ['47.96.0.1'],
    Tags: [],
    OperationLocks: [],
    demand: { kind: 'constant', mbps: 5 },
    bandwidthLog: [{ at: T0 - 24 * 60 * MINUTE, out: bandwidth }],
    downgradesUsed: 0,
    ...overrides,
  };
}

export function fleet(...instances: LocalInstance[]): Map<string, LocalInstance> {
  return new Map(instances.map((i) => [i.InstanceId, i]));
}

/** A clock that never moves: CMS reads time from the RPC context and evaluate(now). */
export function frozenClock(at = T0): Clock {
  return { mode: 'manual', now: () => at, advance: async () => at, onAdvance: () => undefined };
}

export function ctx(now: number, params: Record<string, string> = {}): RpcContext {
  return { now, requestId: 'req-test', accessKeyId: 'test', params, headers: {} };
}

/** A classic-network instance: the one kind CloudMonitor reports the unprefixed Internet* metrics for. */
export function classic(id: string, overrides: Partial<LocalInstance> & { demand?: DemandSpec } = {}): LocalInstance {
  return instance(id, { InstanceNetworkType: 'classic', ...overrides });
}
