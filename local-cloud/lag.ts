// The provider's processing delay: ModifyInstanceNetworkSpec answers with an OrderId at once, but the
// new bandwidth shows in DescribeInstances only when the order has been processed.
//
// Evidence: Alibaba's own Terraform provider, after ModifyInstanceNetworkSpec answers, polls
// DescribeInstance every second until InternetMaxBandwidthOut equals the requested value, with a
// deadline, and retries the call itself on LastOrderProcessing / LastRequestProcessing /
// LastTokenProcessing ("the previous order is still processing"): aliyun/terraform-provider-alicloud,
// alicloud/resource_alicloud_instance.go, function modifyInstanceNetworkSpec.
//
// The docs give no figure for the delay. The harsher choice, taken here: seconds to minutes, drawn
// from a seeded generator; until an order is processed DescribeInstances shows the old value and any
// further change of that instance is refused with LastOrderProcessing (which ECS answers with 400;
// see rpc.ts). An order can also be held (admin API) until a test releases it.
import { mulberry32 } from './world';

export interface LagOptions {
  /** Shortest processing delay; 0 with maxMs 0 turns lag off (the order applies on the call). */
  minMs: number;
  maxMs: number;
  /** Seed of the delay dice, independent of the fault dice. */
  seed?: number;
}

/** The default where lag is on: 2 s to 3 minutes, shorter delays likelier (most orders are quick). */
export const DEFAULT_LAG: LagOptions = { minMs: 2_000, maxMs: 180_000, seed: 7 };

export const NO_LAG: LagOptions = { minMs: 0, maxMs: 0 };

interface Processing {
  orderId: string;
  instanceId: string;
  dueAt: number;
  held: boolean;
  apply: (at: number) => void;
}

export interface OrderLag {
  readonly options: LagOptions;
  /** The order being processed for an instance, if any. */
  processing(instanceId: string): { orderId: string; dueAt: number; held: boolean } | undefined;
  /**
   * Schedules `apply` for an order placed at `now`. With no delay (lag off) it runs now. Returns the
   * time it is due (Infinity while held).
   */
  schedule(order: { orderId: string; instanceId: string }, now: number, apply: (at: number) => void): number;
  /** Applies every order due by `now`, each at its own due time. Register on the clock. */
  onAdvance(now: number): void;
  /** Holds every order of this instance placed from now on, and any in processing, until released. */
  hold(instanceId: string): void;
  /** Releases a hold: a held order becomes due `now` (applied on the next advance or at once with `now`). */
  release(instanceId: string, now: number): void;
  setOptions(options: LagOptions): void;
}

export function createOrderLag(initial: LagOptions = NO_LAG): OrderLag {
  let options = initial;
  let random = mulberry32(initial.seed ?? 1);
  const inFlight = new Map<string, Processing>();
  const holds = new Set<string>();

  function delay(): number {
    if (options.maxMs <= 0) return 0;
    // Squared uniform: most delays near the minimum, a tail out to the maximum.
    const u = random();
    return Math.round(options.minMs + u * u * (options.maxMs - options.minMs));
  }

  const lag: OrderLag = {
    get options() {
      return options;
    },
    processing(instanceId) {
      const entry = inFlight.get(instanceId);
      return entry && { orderId: entry.orderId, dueAt: entry.dueAt, held: entry.held };
    },
    schedule(order, now, apply) {
      const held = holds.has(order.instanceId);
      const wait = delay();
      if (!held && wait === 0) {
        apply(now);
        return now;
      }
      const dueAt = held ? Number.POSITIVE_INFINITY : now + wait;
      inFlight.set(order.instanceId, { ...order, dueAt, held, apply });
      return dueAt;
    },
    onAdvance(now) {
      const due = [...inFlight.values()].filter((entry) => entry.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt);
      for (const entry of due) {
        inFlight.delete(entry.instanceId);
        entry.apply(entry.dueAt);
      }
    },
    hold(instanceId) {
      holds.add(instanceId);
      const entry = inFlight.get(instanceId);
      if (entry) {
        entry.held = true;
        entry.dueAt = Number.POSITIVE_INFINITY;
      }
    },
    release(instanceId, now) {
      holds.delete(instanceId);
      const entry = inFlight.get(instanceId);
      if (entry?.held) {
        entry.held = false;
        entry.dueAt = now;
        lag.onAdvance(now);
      }
    },
    setOptions(next) {
      options = next;
      random = mulberry32(next.seed ?? 1);
    },
  };
  return lag;
}

/**
 * The admin API's lag routes (admin.ts delegates /lag here), or undefined for another path:
 *   GET  /lag                      → { options, processing: [...] }
 *   POST /lag { minMs, maxMs, seed? } → new delay range (0/0 turns lag off)
 *   POST /lag/hold/{instanceId}    → orders of that instance stay processing until released
 *   POST /lag/release/{instanceId} → the held order is processed now
 * A bad body is a RangeError naming the field; admin.ts answers it with 400.
 */
export function lagRoute(lag: OrderLag, instances: Iterable<string>, now: number, method: string, path: string, body: unknown): unknown {
  if (path === '/lag' && method === 'GET') {
    const processing = [...instances].flatMap((instanceId) => {
      const entry = lag.processing(instanceId);
      return entry ? [{ instanceId, ...entry, dueAt: Number.isFinite(entry.dueAt) ? entry.dueAt : null }] : [];
    });
    return { options: lag.options, processing };
  }
  if (path === '/lag' && method === 'POST') {
    const { minMs, maxMs, seed } = (body ?? {}) as Record<string, unknown>;
    for (const [name, value] of Object.entries({ minMs, maxMs })) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
        throw new RangeError(`lag.${name}: expected a number of ms >= 0, got ${JSON.stringify(value)}`);
    }
    if ((maxMs as number) < (minMs as number)) throw new RangeError('lag.maxMs: expected >= minMs');
    if (seed !== undefined && !Number.isSafeInteger(seed)) throw new RangeError(`lag.seed: expected an integer, got ${JSON.stringify(seed)}`);
    lag.setOptions({ minMs: minMs as number, maxMs: maxMs as number, ...(seed === undefined ? {} : { seed: seed as number }) });
    return { options: lag.options };
  }
  const verb = /^\/lag\/(hold|release)\/([^/]+)$/.exec(path);
  if (verb && method === 'POST') {
    const instanceId = decodeURIComponent(verb[2] ?? '');
    if (verb[1] === 'hold') lag.hold(instanceId);
    else lag.release(instanceId, now);
    return { instanceId, processing: lag.processing(instanceId) ?? null };
  }
  return undefined;
}
