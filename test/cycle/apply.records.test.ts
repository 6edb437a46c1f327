// What the apply path leaves for operators: the request it sends, the log lines (stable keys operators
// grep), the history row, the notices and the result, on each path through intent → order → commit.
// The mutation run (README "Mutation testing") showed each of these could change unseen.
import { describe, expect, it } from 'vitest';
import type { InstanceFacts, PendingChange } from '../../src/core/types';
import { applyDecision, orderRequest, parseEndTime } from '../../src/cycle/apply';
import { ConflictError } from '../../src/errors';
import { emptyState } from '../../src/ports/state-store';
import { fakeWorld, T0 } from '../fakes/cycle-deps';
import { faults, instanceFacts } from '../fakes/instance-api';
import { policy, setDecision } from './fixtures';

const ID = 'i-records';
const HOUR = 3_600_000;

function apply(world: ReturnType<typeof fakeWorld>, target: number, extra: Partial<Parameters<typeof applyDecision>[1]> = {}) {
  const instance = structuredClone(world.ecs.instances.get(ID) as InstanceFacts);
  return applyDecision(world.deps, {
    policy: policy(),
    instance,
    state: emptyState(ID),
    decision: setDecision(ID, instance.bandwidthOut, target),
    source: 'tick:t',
    ...extra,
  });
}

const history = (world: ReturnType<typeof fakeWorld>) => world.store.queryHistory(ID, 0, Number.MAX_SAFE_INTEGER);
const logged = (world: ReturnType<typeof fakeWorld>) => world.logs.map((l) => l.msg);

describe('orderRequest, exactly', () => {
  const pending: PendingChange = {
    decisionId: 'd',
    clientToken: 'tok',
    action: 'set',
    from: 10,
    target: 20,
    startedAt: 0,
    isDowngrade: false,
    attempts: 1,
    allocatePublicIp: false,
  };

  it('sends only what the intent asks for, with no empty optional field', () => {
    expect(orderRequest(instanceFacts({ instanceId: ID }), { ...pending, autoPay: false })).toStrictEqual({
      regionId: 'cn-hangzhou',
      instanceId: ID,
      bandwidthOut: 20,
      clientToken: 'tok',
      autoPay: false,
    });
  });

  it('falls back to AutoPay=true for an intent written before the field existed', () => {
    expect(orderRequest(instanceFacts({ instanceId: ID }), pending).autoPay).toBe(true);
  });

  it('asks for a public IP only when the intent says so', () => {
    expect(orderRequest(instanceFacts({ instanceId: ID }), { ...pending, allocatePublicIp: true })).toMatchObject({ allocatePublicIp: true });
  });
});

describe('applyDecision, records of each path', () => {
  it('an applied change: log lines, a history row and a notice with its order id, and the id in the result', async () => {
    const world = fakeWorld([instanceFacts({ instanceId: ID })]);
    const result = await apply(world, 20);
    const orderId = world.ecs.orders[0]?.orderId;
    expect(result).toMatchObject({ outcome: 'applied', orderId });
    expect(world.logs[0]).toEqual({ level: 'info', msg: 'order send', instanceId: ID, clientToken: world.ecs.modifyCalls[0]?.clientToken, target: 20 });
    expect((await history(world)).map((h) => [h.outcome, h.orderId])).toEqual([['applied', orderId]]);
    expect(world.notices).toMatchObject([{ type: 'applied', instanceId: ID, from: 10, to: 20, orderId }]);
  });

  it('a lost intent race: an info line, no call, the conflict result', async () => {
    const world = fakeWorld([instanceFacts({ instanceId: ID })]);
    world.store.failNext('putState', new ConflictError('raced'));
    const result = await apply(world, 20);
    expect(result).toEqual({ outcome: 'conflict', decisionId: result.decisionId, state: emptyState(ID), errorCode: 'CONCURRENT_UPDATE', unwritten: [] });
    expect(world.logs).toEqual([{ level: 'info', msg: 'intent lost', instanceId: ID, decisionId: result.decisionId, reason: 'CONCURRENT_UPDATE' }]);
  });

  it('an order placed but not visible: its history row carries the order id', async () => {
    const world = fakeWorld([instanceFacts({ instanceId: ID })]);
    const lagging = { ...world.deps, ecs: { ...world.deps.ecs, describeInstances: async () => [instanceFacts({ instanceId: ID })] } };
    const instance = instanceFacts({ instanceId: ID });
    const result = await applyDecision(lagging, { policy: policy(), instance, state: emptyState(ID), decision: setDecision(ID, 10, 20), source: 't' });
    expect(result.outcome).toBe('placed');
    expect((await history(world)).map((h) => [h.outcome, h.orderId])).toEqual([['placed', result.orderId]]);
    expect(world.logs).toContainEqual({ level: 'info', msg: 'order placed', instanceId: ID, decisionId: result.decisionId, orderId: result.orderId });
  });

  it('a placed order whose commit is lost: the conflict, with the order id, and a "commit lost" line', async () => {
    const world = fakeWorld([instanceFacts({ instanceId: ID })]);
    const lagging = { ...world.deps, ecs: { ...world.deps.ecs, describeInstances: async () => [instanceFacts({ instanceId: ID })] } };
    world.store.failNext('commit', new ConflictError('settled elsewhere'));
    const result = await applyDecision(lagging, {
      policy: policy(),
      instance: instanceFacts({ instanceId: ID }),
      state: emptyState(ID),
      decision: setDecision(ID, 10, 20),
      source: 't',
    });
    expect(result).toMatchObject({ outcome: 'conflict', errorCode: 'CONCURRENT_UPDATE', orderId: world.ecs.orders[0]?.orderId, unwritten: [] });
    expect(world.logs.at(-1)).toMatchObject({
      level: 'info',
      msg: 'commit lost',
      instanceId: ID,
      reason: 'CONCURRENT_UPDATE',
      orderId: world.ecs.orders[0]?.orderId,
    });
  });

  it('a visible change whose commit is lost: the conflict, with the order id', async () => {
    const world = fakeWorld([instanceFacts({ instanceId: ID })]);
    world.store.failNext('commit', new ConflictError('settled elsewhere'));
    const result = await apply(world, 20);
    expect(result).toMatchObject({ outcome: 'conflict', errorCode: 'CONCURRENT_UPDATE', orderId: world.ecs.orders[0]?.orderId });
    expect(world.notices).toEqual([]);
  });

  it('an uncertain call: a warning, and the unwritten row carries the error code', async () => {
    const world = fakeWorld([instanceFacts({ instanceId: ID })]);
    world.ecs.failNextModify(faults.internalError, faults.internalError, faults.internalError, faults.internalError);
    const result = await apply(world, 20);
    expect(result.unwritten.map((h) => [h.outcome, h.errorCode])).toEqual([['uncertain', 'InternalError']]);
    expect(world.logs.at(-1)).toEqual({
      level: 'warn',
      msg: 'order uncertain',
      instanceId: ID,
      decisionId: result.decisionId,
      errorCode: 'InternalError',
      attempts: 4,
    });
  });

  it('a refused call: a warning, and the history row carries the error code', async () => {
    const world = fakeWorld([instanceFacts({ instanceId: ID })]);
    world.ecs.failNextModify(faults.outOfRange);
    const result = await apply(world, 20);
    expect((await history(world)).map((h) => [h.outcome, h.errorCode])).toEqual([['failed', faults.outOfRange.code]]);
    expect(world.logs.at(-1)).toEqual({
      level: 'warn',
      msg: 'order failed',
      instanceId: ID,
      decisionId: result.decisionId,
      errorCode: faults.outOfRange.code,
      category: 'rejected',
      attempts: 1,
      outcome: 'failed',
    });
  });

  it('a refused call whose commit is lost: the conflict, no notice', async () => {
    const world = fakeWorld([instanceFacts({ instanceId: ID })]);
    world.ecs.failNextModify(faults.outOfRange);
    world.store.failNext('commit', new ConflictError('settled elsewhere'));
    const result = await apply(world, 20);
    expect(result).toMatchObject({ outcome: 'conflict', errorCode: 'CONCURRENT_UPDATE', unwritten: [] });
    expect(world.notices).toEqual([]);
  });
});

describe('applyDecision, the quota-low notice', () => {
  const subscription = { instanceId: ID, instanceChargeType: 'PrePaid' as const };
  const used = (n: number) => Array.from({ length: n }, (_, i) => ({ at: T0 - (i + 1) * HOUR, from: 30, to: 20 }));

  it('counts what the rules may still spend, the reserve kept back', async () => {
    // quota 3, reserve 1: after this downgrade 2 are used and none is left for the rules.
    const world = fakeWorld([instanceFacts(subscription)]);
    const state = { ...emptyState(ID), downgrades: used(1) };
    await apply(world, 5, { state, policy: policy({ downgradeBudget: { quota: 3, reserve: 1, monthlyReset: false } }) });
    expect(world.notices.filter((n) => n.type === 'quota-low')).toEqual([{ type: 'quota-low', instanceId: ID, remaining: 0, quota: 3 }]);
  });

  it('is not sent for an upgrade, however little quota is left', async () => {
    const world = fakeWorld([instanceFacts(subscription)]);
    await apply(world, 20, { state: { ...emptyState(ID), downgrades: used(2) } });
    expect(world.notices.map((n) => n.type)).toEqual(['applied']);
  });
});

describe('parseEndTime and the read-back, at their edges', () => {
  it('refuses an expanded-year EndTime that Date.parse alone would read', () => {
    expect(() => parseEndTime('+002017-12-06T22Z')).toThrow(RangeError);
  });

  it('reads an instance missing from DescribeInstances as not yet applied, without a read-back failure', async () => {
    const world = fakeWorld([instanceFacts({ instanceId: ID })]);
    const vanished = { ...world.deps, ecs: { ...world.deps.ecs, describeInstances: async () => [] } };
    const result = await applyDecision(vanished, {
      policy: policy(),
      instance: instanceFacts({ instanceId: ID }),
      state: emptyState(ID),
      decision: setDecision(ID, 10, 20),
      source: 't',
    });
    expect(result.outcome).toBe('placed');
    expect(logged(world)).not.toContain('read-back failed');
  });
  it('logs a failed read-back as a warning and keeps the order placed', async () => {
    const world = fakeWorld([instanceFacts({ instanceId: ID })]);
    const failing = {
      ...world.deps,
      ecs: {
        ...world.deps.ecs,
        describeInstances: async () => {
          throw new Error('read timed out');
        },
      },
    };
    const result = await applyDecision(failing, {
      policy: policy(),
      instance: instanceFacts({ instanceId: ID }),
      state: emptyState(ID),
      decision: setDecision(ID, 10, 20),
      source: 't',
    });
    expect(result.outcome).toBe('placed');
    expect(world.logs).toContainEqual({ level: 'warn', msg: 'read-back failed', instanceId: ID, error: new Error('read timed out') });
  });
});
