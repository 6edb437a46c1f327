import { describe, expect, it } from 'vitest';
import type { CallRecord, Order } from '../../local-cloud/world';
import { emptyState } from '../../src/ports/state-store';
import {
  burstDowngrades,
  duplicateOrders,
  type EventRecord,
  lockViolations,
  lostDecisions,
  quotaViolations,
  staleActions,
  stateMismatches,
  unverifiedChanges,
} from './invariants';

const MINUTE = 60_000;

function order(fields: Partial<Order> & { InstanceId: string; time: number }): Order {
  return {
    OrderId: String(21_000_000_000_000_001n + BigInt(Math.round(fields.time))),
    InternetMaxBandwidthOut: 10,
    InternetMaxBandwidthIn: 100,
    kind: 'upgrade',
    amount: 1,
    status: 'paid',
    ClientToken: `bwscaler-d-${fields.InstanceId}-${fields.time}`,
    ...fields,
  };
}

function modify(code: string, fault?: string): CallRecord {
  return { service: 'ecs', action: 'ModifyInstanceNetworkSpec', code, time: 0, requestId: 'r', instanceId: 'i-1', ...(fault ? { fault } : {}) };
}

describe('the chaos invariants, counted on the cloud records', () => {
  it.each([
    {
      name: 'two downgrades within a budget of two are fine',
      orders: [0, 1].map((n) => order({ InstanceId: 'i-1', time: n * 60 * MINUTE, kind: 'downgrade' })),
      calls: [],
      expected: 0,
    },
    {
      name: 'a third downgrade exceeds a budget of two',
      orders: [0, 1, 2].map((n) => order({ InstanceId: 'i-1', time: n * 60 * MINUTE, kind: 'downgrade' })),
      calls: [],
      expected: 1,
    },
    { name: 'upgrades do not spend the budget', orders: [0, 1, 2].map((n) => order({ InstanceId: 'i-1', time: n * 60 * MINUTE })), calls: [], expected: 0 },
    {
      name: 'a QuotaExceed the cloud really answered is an attempt beyond the budget',
      orders: [],
      calls: [modify('InstanceDowngrade.QuotaExceed')],
      expected: 1,
    },
    {
      name: 'an injected QuotaExceed is the fault, not our attempt',
      orders: [],
      calls: [modify('InstanceDowngrade.QuotaExceed', 'InstanceDowngrade.QuotaExceed')],
      expected: 0,
    },
  ])('quota: $name', ({ orders, calls, expected }) => {
    expect(quotaViolations(orders, calls, new Map([['i-1', 2]]))).toBe(expected);
  });

  it.each([
    {
      name: 'changes five minutes apart keep the lock',
      orders: [order({ InstanceId: 'i-1', time: 0 }), order({ InstanceId: 'i-1', time: 5 * MINUTE })],
      calls: [],
      expected: 0,
    },
    {
      name: 'a change 299 s after the last is inside the lock',
      orders: [order({ InstanceId: 'i-1', time: 0 }), order({ InstanceId: 'i-1', time: 299_000 })],
      calls: [],
      expected: 1,
    },
    {
      name: 'different instances have their own locks',
      orders: [order({ InstanceId: 'i-1', time: 0 }), order({ InstanceId: 'i-2', time: 1000 })],
      calls: [],
      expected: 0,
    },
    { name: 'the lock answer of the cloud itself means a call inside the lock', orders: [], calls: [modify('Throttling')], expected: 1 },
    { name: 'an injected Throttling is a fault, not a lock hit', orders: [], calls: [modify('Throttling', 'Throttling')], expected: 0 },
  ])('lock: $name', ({ orders, calls, expected }) => {
    expect(lockViolations(orders, calls)).toBe(expected);
  });

  const asked = (o: Order) => ({
    instanceId: o.InstanceId,
    decisionId: o.ClientToken?.replace(/^bwscaler-/, '') ?? '',
    outcome: 'placed',
    isDowngrade: o.kind === 'downgrade',
  });
  it.each([
    {
      name: 'two changes to different bandwidths',
      orders: [order({ InstanceId: 'i-1', time: 0, InternetMaxBandwidthOut: 20 }), order({ InstanceId: 'i-1', time: 1, InternetMaxBandwidthOut: 40 })],
      expected: 0,
    },
    {
      name: 'one intended change placed twice under different tokens',
      orders: [order({ InstanceId: 'i-1', time: 0, InternetMaxBandwidthOut: 20 }), order({ InstanceId: 'i-1', time: 1, InternetMaxBandwidthOut: 20 })],
      expected: 1,
    },
    { name: 'an order for the bandwidth already in place', orders: [order({ InstanceId: 'i-1', time: 0, kind: 'unchanged' })], expected: 1 },
    { name: 'a downgrade its decision asked for', orders: [order({ InstanceId: 'i-1', time: 0, kind: 'downgrade' })], expected: 0 },
    { name: 'a downgrade without a token of ours', orders: [order({ InstanceId: 'i-1', time: 0, kind: 'downgrade', ClientToken: undefined })], expected: 1 },
  ])('duplicates: $name', ({ orders, expected }) => {
    expect(duplicateOrders(orders, orders.map(asked))).toBe(expected);
  });

  it('duplicates: a downgrade no decision in the history asked for', () => {
    const downgrade = order({ InstanceId: 'i-1', time: 0, kind: 'downgrade' });
    expect(duplicateOrders([downgrade], [{ ...asked(downgrade), isDowngrade: false }])).toBe(1);
  });

  it('stale actions: a downgrade placed while demand exceeds the bandwidth', () => {
    const downgrade = order({ InstanceId: 'i-1', time: 0, kind: 'downgrade' });
    expect(
      staleActions(
        [downgrade],
        () => 30,
        () => 20,
      ),
    ).toBe(1);
    expect(
      staleActions(
        [downgrade],
        () => 5,
        () => 20,
      ),
    ).toBe(0);
  });

  // The order the 300 ms chaos month counted: a flash crowd began at 12:04:17 (about 9 → 95 Mbps) and
  // a downgrade decided on the 9 Mbps minutes went out at 12:05:00, before CloudMonitor could show
  // the crowd (60 s reporting lag). Not stale; the same order a minute later, with the crowd visible, is.
  it.each([
    { name: 'a downgrade 43 s into a burst monitoring cannot show yet is not stale', orderAt: 5 * MINUTE, stale: 0, burst: 1 },
    { name: 'a downgrade once the burst is visible is stale', orderAt: 6 * MINUTE, stale: 1, burst: 0 },
    { name: 'a downgrade before the burst is neither', orderAt: 4 * MINUTE, stale: 0, burst: 0 },
  ])('stale actions: $name', ({ orderAt, stale, burst }) => {
    const downgrade = order({ InstanceId: 'i-1', time: orderAt, kind: 'downgrade' });
    const demandAt = (_id: string, at: number) => (at >= 4 * MINUTE + 17_000 ? 95 : 9);
    const bandwidthBefore = () => 40;
    expect(staleActions([downgrade], demandAt, bandwidthBefore, MINUTE)).toBe(stale);
    expect(burstDowngrades([downgrade], demandAt, bandwidthBefore, MINUTE)).toBe(burst);
  });

  it('unverified changes: an applied row the cloud did not show', () => {
    const row = { instanceId: 'i-1', decisionId: 'd', outcome: 'applied', at: 10, target: 20 };
    expect(unverifiedChanges([row], () => 10)).toBe(1);
    expect(unverifiedChanges([row], () => 20)).toBe(0);
    expect(unverifiedChanges([{ ...row, outcome: 'placed' }], () => 10)).toBe(0);
  });

  it.each([
    { name: 'every event recorded and every order settled', events: [{ kind: 'tick', recorded: true }], settled: ['applied'], expected: 0 },
    { name: 'an event without an outcome', events: [{ kind: 'alarm', recorded: false }], settled: ['reconciled'], expected: 1 },
    { name: 'an order whose decision is only uncertain in the history', events: [], settled: ['uncertain'], expected: 1 },
    { name: 'an order with no history at all', events: [], settled: [], expected: 1 },
  ])('lost decisions: $name', ({ events, settled, expected }) => {
    const placed = order({ InstanceId: 'i-1', time: 0, ClientToken: 'bwscaler-d-abc' });
    const history = settled.map((outcome) => ({ instanceId: 'i-1', decisionId: 'd-abc', outcome }));
    expect(lostDecisions(events as EventRecord[], [placed], history)).toBe(expected);
  });

  it.each([
    { name: 'the last target equals the cloud', state: { lastTarget: 20 }, cloud: 20, used: 0, mismatch: false },
    { name: 'no change recorded and the cloud still at its initial bandwidth', state: {}, cloud: 10, used: 0, mismatch: false },
    { name: 'the cloud changed without a record', state: {}, cloud: 20, used: 0, mismatch: true },
    { name: 'an intent still open', state: { lastTarget: 20, pending: { decisionId: 'd-x' } }, cloud: 20, used: 0, mismatch: true },
    { name: 'a ledger counting fewer downgrades than the cloud', state: { lastTarget: 20 }, cloud: 20, used: 1, mismatch: true },
  ])('state: $name', ({ state, cloud, used, mismatch }) => {
    const stored = { ...emptyState('i-1'), version: 3, ...state } as ReturnType<typeof emptyState>;
    const found = stateMismatches([{ instanceId: 'i-1', bandwidthOut: cloud, initialOut: 10, downgradesUsed: used }], [stored]);
    expect(found.length > 0).toBe(mismatch);
  });
});
