// The state of the local cloud: one account, its keys, its ECS fleet, its EIPs and shared bandwidth
// packages, the orders ECS made, every RPC
// call it answered and the faults it injects. The emulators (ECS, CloudMonitor) and the admin API
// read and change this one object; nothing else holds cloud state.
import type { AccessKey, EcsRulesConfig, ResolvedFixture } from './fixture';
import type { Clock, LocalInstance } from './model';
import type { LocalBandwidthPackage, LocalEip } from './vpc/model';

/** An ECS order, as ModifyInstanceNetworkSpec creates it. */
export interface Order {
  /** Decimal digits; above 2^53 on purpose (ECS order ids outgrow a double; pop-core reads json-bigint). */
  OrderId: string;
  InstanceId: string;
  ClientToken?: string;
  InternetMaxBandwidthOut: number;
  InternetMaxBandwidthIn: number;
  /** Clock time the order was placed (epoch ms). */
  time: number;
  kind: 'upgrade' | 'downgrade' | 'unchanged' | 'temporaryUpgrade';
  /** CNY charged (positive) or refunded (negative) to the balance; see ecs.ts for the money model. */
  amount: number;
  /** `unpaid` only with AutoPay=false; paying applies the change, cancelling drops it. */
  status: 'paid' | 'unpaid' | 'cancelled';
  StartTime?: string;
  EndTime?: string;
}

/** One answered RPC call; the chaos tests check invariants (no change inside the lock, …) on this log. */
export interface CallRecord {
  service: string;
  action: string;
  /**
   * What the cloud did: 'OK' or the error code. A fault injected before the call ran is its code
   * ('Timeout', 'HTML502' or the injected error code); a fault injected after it leaves the real
   * outcome here, and `fault` says what the client saw instead.
   */
  code: string;
  time: number;
  requestId: string;
  instanceId?: string;
  /** The VPC resource a call names: its AllocationId or BandwidthPackageId. */
  resourceId?: string;
  clientToken?: string;
  orderId?: string;
  /** What the client received instead of the real answer, when a fault was injected. */
  fault?: string;
}

/**
 * A fault to inject into RPC calls. Matching calls (by service and action; absent = any) are hit
 * with probability `rate`, at most `count` times; the first matching fault in the list that hits
 * wins. `latencyMs` delays the answer; then at most one effect applies, in this precedence:
 * `html502`, `timeout`, `code`.
 */
export interface Fault {
  service?: string;
  action?: string;
  rate: number;
  code?: string;
  /** HTTP status of `code`; defaults to the status ECS documents for it, else 400. */
  status?: number;
  message?: string;
  latencyMs?: number;
  /** Never answer: the client gives up on its own timeout. */
  timeout?: boolean;
  html502?: boolean;
  /**
   * 'after': the call takes effect, then its answer is replaced by the fault (a lost response: the
   * case ClientToken exists for). 'before' (default): the call is refused before it runs.
   */
  phase?: 'before' | 'after';
  /** Remaining hits; absent = unlimited. */
  count?: number;
}

export interface World {
  regionId: string;
  otsInstance: string;
  clock: Clock;
  accessKeys: AccessKey[];
  account: { balance: number; arrears: boolean };
  /** The account's ECS rules (regional caps, downgrade quota, privilege); the admin API changes them. */
  ecsRules: EcsRulesConfig;
  instances: Map<string, LocalInstance>;
  /** Elastic IP addresses by AllocationId (the VPC emulator, local-cloud/vpc). */
  eips: Map<string, LocalEip>;
  /** Internet Shared Bandwidth instances by BandwidthPackageId. */
  bandwidthPackages: Map<string, LocalBandwidthPackage>;
  orders: Order[];
  calls: CallRecord[];
  faults: Fault[];
  /** Seeded generator for fault rates, so a chaos run replays identically. */
  random(): number;
}

export function createWorld(fixture: ResolvedFixture, clock: Clock, seed = 1): World {
  return {
    regionId: fixture.regionId,
    otsInstance: fixture.otsInstance,
    clock,
    accessKeys: fixture.accessKeys,
    account: { ...fixture.account },
    ecsRules: structuredClone(fixture.ecsRules),
    instances: new Map(fixture.instances.map((instance) => [instance.InstanceId, instance])),
    eips: new Map(fixture.eips.map((eip) => [eip.AllocationId, eip])),
    bandwidthPackages: new Map(fixture.bandwidthPackages.map((p) => [p.BandwidthPackageId, p])),
    orders: [],
    calls: [],
    faults: [],
    random: mulberry32(seed),
  };
}

/** mulberry32: a tiny seeded PRNG in [0, 1); plenty for fault rates and the chaos run's dice. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
