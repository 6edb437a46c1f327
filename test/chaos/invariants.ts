// The promises of the chaos run, checked on the CLOUD's records (the ECS emulator's orders and call
// log) and on the state store as read back at the end, never on what bwscaler says it did. Pure: the
// run collects the records, these functions count the violations.

import { MODIFY_LOCK_SECONDS } from '../../local-cloud/ecs';
import type { CallRecord, Order } from '../../local-cloud/world';
import type { ScalingState } from '../../src/core/types';

const MODIFY = 'ModifyInstanceNetworkSpec';

/** An instance as the cloud holds it at the end of the run. */
export interface CloudInstance {
  instanceId: string;
  bandwidthOut: number;
  /** Its bandwidth when the run started. */
  initialOut: number;
  /** Subscription downgrades the cloud counted. */
  downgradesUsed: number;
}

/** A history row that says what became of an acting decision (holding rows are left out). */
export interface SettledRow {
  instanceId: string;
  decisionId: string;
  outcome: string;
  orderId?: string;
  /** When the row was written and what its decision asked for (absent in older dumps). */
  at?: number;
  target?: number;
  isDowngrade?: boolean;
}

/** One delivered event and whether the system recorded what became of it. */
export interface EventRecord {
  kind: 'tick' | 'alarm' | 'crash';
  recorded: boolean;
  /** Why it counts as unrecorded, for the report. */
  detail?: string;
}

export interface Violations {
  quotaViolations: number;
  lockViolations: number;
  duplicateOrders: number;
  lostDecisions: number;
  stateMismatches: number;
  staleActions: number;
  unverifiedChanges: number;
  placedTwice: number;
}

/** The code the ECS emulator itself answered; an injected before-phase fault records its code as both. */
function realOutcome(call: CallRecord): string | undefined {
  return call.fault === undefined || call.fault !== call.code ? call.code : undefined;
}

/**
 * Subscription downgrades beyond OUR budget. `allowed` maps each budgeted instance to quota − reserve
 * (the ordinary downgrades the policy may spend); the cloud would only refuse beyond the full quota,
 * so every downgrade order past `allowed` is counted, and so is every InstanceDowngrade.QuotaExceed
 * the cloud really answered: an attempt the provider refused still means the budget was not kept.
 */
export function quotaViolations(orders: readonly Order[], calls: readonly CallRecord[], allowed: ReadonlyMap<string, number>): number {
  let violations = 0;
  for (const [instanceId, limit] of allowed) {
    const downgrades = orders.filter((o) => o.InstanceId === instanceId && o.kind === 'downgrade' && o.status !== 'cancelled').length;
    violations += Math.max(0, downgrades - limit);
  }
  violations += calls.filter((c) => c.action === MODIFY && realOutcome(c) === 'InstanceDowngrade.QuotaExceed').length;
  return violations;
}

/**
 * Changes inside the provider's 5-minute lock: two orders for one instance less than 300 s apart on
 * the cloud's clock, plus every ModifyInstanceNetworkSpec the emulator itself refused with its lock
 * answer (Throttling not injected by a fault): such a call was sent inside the lock.
 */
export function lockViolations(orders: readonly Order[], calls: readonly CallRecord[]): number {
  let violations = 0;
  const byInstance = new Map<string, number[]>();
  for (const order of orders) {
    if (order.status === 'cancelled') continue;
    byInstance.set(order.InstanceId, [...(byInstance.get(order.InstanceId) ?? []), order.time]);
  }
  for (const times of byInstance.values()) {
    const sorted = [...times].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) if ((sorted[i] as number) - (sorted[i - 1] as number) < MODIFY_LOCK_SECONDS * 1000) violations++;
  }
  violations += calls.filter((c) => c.action === MODIFY && realOutcome(c) === 'Throttling').length;
  return violations;
}

/**
 * One intended change placed twice: consecutive accepted orders for one instance asking for the same
 * bandwidth under different ClientTokens (the second is the same change again under a new decision),
 * and every order that asked for the bandwidth the instance already had (kind 'unchanged'). The
 * emulator's token idempotency cannot hide these: they carry different tokens.
 */
export function placedTwice(orders: readonly Order[]): number {
  let twice = 0;
  const last = new Map<string, Order>();
  for (const order of orders) {
    if (order.status === 'cancelled') continue;
    const previous = last.get(order.InstanceId);
    if (order.kind === 'unchanged') twice++;
    // A temporary upgrade reverts by itself, so the same upgrade again later is a new change.
    else if (
      previous &&
      previous.kind !== 'temporaryUpgrade' &&
      previous.InternetMaxBandwidthOut === order.InternetMaxBandwidthOut &&
      previous.ClientToken !== order.ClientToken
    )
      twice++;
    last.set(order.InstanceId, order);
  }
  return twice;
}

/**
 * What a user would call a double order: one intended change placed twice (placedTwice), and a
 * downgrade no decision asked for: a downgrade order without a ClientToken of ours, or whose decision
 * never appears in the history as a downgrade.
 */
export function duplicateOrders(orders: readonly Order[], history: readonly SettledRow[]): number {
  const downgradeDecisions = new Set(history.filter((row) => row.isDowngrade === true).map((row) => row.decisionId));
  const unasked = orders.filter(
    (order) =>
      order.kind === 'downgrade' && order.status !== 'cancelled' && (!order.ClientToken?.startsWith('bwscaler-') || !downgradeDecisions.has(decisionOf(order))),
  ).length;
  return placedTwice(orders) + unasked;
}

/**
 * Acting on a decision that no longer held: a downgrade order placed while the instance's demand
 * exceeded its bandwidth as of the newest moment monitoring could show when the order was placed
 * (`visibleLagMs` before it: CloudMonitor's reporting lag). That is a stale downgrade, re-sent or
 * executed after the facts it could see had changed. A burst that began inside the lag no reader of
 * CloudMonitor can see yet; such orders are counted apart by `burstDowngrades`, not here.
 * `demandAt` is the cloud's own demand model.
 */
export function staleActions(
  orders: readonly Order[],
  demandAt: (instanceId: string, at: number) => number,
  bandwidthBefore: (instanceId: string, at: number) => number,
  visibleLagMs = 0,
): number {
  return orders.filter(
    (order) =>
      order.kind === 'downgrade' &&
      order.status !== 'cancelled' &&
      demandAt(order.InstanceId, order.time - visibleLagMs) > bandwidthBefore(order.InstanceId, order.time),
  ).length;
}

/**
 * Downgrades placed into demand above the bandwidth that began inside monitoring's reporting lag: not
 * stale (the facts any reader could see still held), reported so the run shows how often it happens.
 */
export function burstDowngrades(
  orders: readonly Order[],
  demandAt: (instanceId: string, at: number) => number,
  bandwidthBefore: (instanceId: string, at: number) => number,
  visibleLagMs: number,
): number {
  return orders.filter((order) => staleActions([order], demandAt, bandwidthBefore) > 0 && staleActions([order], demandAt, bandwidthBefore, visibleLagMs) === 0)
    .length;
}

/**
 * A change the product counted as applied that the cloud did not show: an 'applied' or 'reconciled'
 * row whose target differs from the instance's bandwidth (bandwidth log) at the row's time.
 */
export function unverifiedChanges(history: readonly SettledRow[], bandwidthAt: (instanceId: string, at: number) => number | undefined): number {
  return history.filter((row) => {
    if ((row.outcome !== 'applied' && row.outcome !== 'reconciled') || row.at === undefined || row.target === undefined) return false;
    return bandwidthAt(row.instanceId, row.at) !== row.target;
  }).length;
}

/**
 * Decisions nobody can account for: events without a recorded outcome, and orders the cloud placed
 * whose decision has no applied or reconciled row in the history (the ClientToken is
 * `bwscaler-<decisionId>`, see cycle/history.ts).
 */
export function lostDecisions(events: readonly EventRecord[], orders: readonly Order[], history: readonly SettledRow[]): number {
  return events.filter((event) => !event.recorded).length + unaccountedOrders(orders, history).length;
}

/** Orders whose decision has no applied or reconciled history row. */
export function unaccountedOrders(orders: readonly Order[], history: readonly SettledRow[]): Order[] {
  const settled = new Set(history.filter((row) => row.outcome === 'applied' || row.outcome === 'reconciled').map((row) => row.decisionId));
  return orders.filter((order) => !settled.has(decisionOf(order)));
}

/** The decision an order was placed for: its ClientToken is `bwscaler-<decisionId>` (cycle/history.ts). */
export function decisionOf(order: Order): string {
  return (order.ClientToken ?? '').replace(/^bwscaler-/, '');
}

/**
 * Instances whose recorded state disagrees with the cloud after the quiet period: an intent still
 * open, a last target (or, with no change recorded, the initial bandwidth) other than the cloud's,
 * or fewer downgrades in the ledger than the cloud counted (the ledger may over-count, never under).
 */
export function stateMismatches(instances: readonly CloudInstance[], states: readonly ScalingState[]): Array<{ instanceId: string; why: string }> {
  const byId = new Map(states.map((state) => [state.instanceId, state]));
  const mismatches: Array<{ instanceId: string; why: string }> = [];
  for (const instance of instances) {
    const state = byId.get(instance.instanceId);
    const expected = state?.lastTarget ?? instance.initialOut;
    if (state?.pending) mismatches.push({ instanceId: instance.instanceId, why: `an intent is still open (${state.pending.decisionId})` });
    else if (expected !== instance.bandwidthOut)
      mismatches.push({ instanceId: instance.instanceId, why: `recorded ${expected} Mbps, the cloud has ${instance.bandwidthOut}` });
    else if ((state?.downgrades.length ?? 0) < instance.downgradesUsed) {
      mismatches.push({
        instanceId: instance.instanceId,
        why: `ledger holds ${state?.downgrades.length ?? 0} downgrades, the cloud counted ${instance.downgradesUsed}`,
      });
    }
  }
  return mismatches;
}
