import { describe, expect, it } from 'vitest';
import type { CallRecord, Order } from '../../local-cloud/world';
import { emptyState } from '../../src/ports/state-store';
import { duplicateOrders, type EventRecord, lockViolations, lostDecisions, quotaViolations, stateMismatches } from './invariants';

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

  it.each([
    { name: 'one order per token', orders: [order({ InstanceId: 'i-1', time: 0 }), order({ InstanceId: 'i-1', time: 1 })], expected: 0 },
    {
      name: 'two orders under one token',
      orders: [order({ InstanceId: 'i-1', time: 0, ClientToken: 't' }), order({ InstanceId: 'i-1', time: 1, ClientToken: 't' })],
      expected: 1,
    },
    { name: 'an order without a token', orders: [order({ InstanceId: 'i-1', time: 0, ClientToken: undefined })], expected: 1 },
  ])('duplicates: $name', ({ orders, expected }) => {
    expect(duplicateOrders(orders)).toBe(expected);
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
