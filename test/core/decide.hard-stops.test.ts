import { describe, expect, it } from 'vitest';
import { decide } from '../../src/core/decide';
import type { DecideInput } from '../../src/core/types';
import { makeInput, makeInstance, makePolicy, makeState, makeSubscription, T0, tickOf } from '../fixtures/policies';
import { type Outcome, outcomeOf } from './summary';

// Every row would otherwise act: 9.6 of 10 Mbps served is saturated and asks for 20 Mbps.
const saturated = tickOf(9.6);

interface Row {
  name: string;
  input: Partial<DecideInput>;
  expected: Outcome;
}

const hold = (reason: Outcome['reason'], guard: string): Outcome => ({ action: 'none', target: 10, reason, guards: [guard] });

const pending = {
  decisionId: 'd-1',
  clientToken: 'c-1',
  action: 'set' as const,
  from: 10,
  target: 20,
  startedAt: T0 - 60_000,
  isDowngrade: false,
  attempts: 1,
};

const rows: Row[] = [
  { name: 'a paused policy changes nothing', input: { policy: makePolicy({ paused: true }) }, expected: hold('PAUSED', 'paused') },
  {
    name: 'an unpaid order recorded from InvalidInstance.UnPaidOrder blocks as UNPAID_ORDER',
    input: { state: makeState({ blocked: { code: 'InvalidInstance.UnPaidOrder', since: T0 - 60_000, message: 'unpaid' } }) },
    expected: hold('UNPAID_ORDER', 'blocked'),
  },
  {
    name: 'arrears recorded from Account.Arrearage block as ACCOUNT_ARREARS',
    input: { state: makeState({ blocked: { code: 'Account.Arrearage', since: T0 - 60_000, message: 'arrears' } }) },
    expected: hold('ACCOUNT_ARREARS', 'blocked'),
  },
  {
    name: 'a blocked condition stored as our own reason code keeps that code',
    input: { state: makeState({ blocked: { code: 'SECURITY_LOCK', since: T0, message: 'locked' } }) },
    expected: hold('SECURITY_LOCK', 'blocked'),
  },
  {
    name: 'an unknown blocking code still blocks, as NEEDS_HUMAN',
    input: { state: makeState({ blocked: { code: 'Something.New', since: T0, message: '?' } }) },
    expected: hold('NEEDS_HUMAN', 'blocked'),
  },
  {
    name: 'a pending change is reconciled before anything new is decided',
    input: { state: makeState({ pending }) },
    expected: hold('PENDING_CHANGE', 'pendingChange'),
  },
  {
    name: 'a Starting instance is neither Running nor Stopped',
    input: { instance: makeInstance({ status: 'Starting' }) },
    expected: hold('STATUS_UNSUPPORTED', 'status'),
  },
  {
    name: 'a security lock stops everything',
    input: { instance: makeInstance({ operationLocks: ['security'] }) },
    expected: hold('SECURITY_LOCK', 'operationLocks'),
  },
  {
    name: 'a financial lock on a subscription means it expired',
    input: { instance: makeSubscription({ operationLocks: ['financial'] }) },
    expected: hold('INSTANCE_EXPIRED', 'operationLocks'),
  },
  {
    name: 'a financial lock on a pay-as-you-go instance means arrears',
    input: { instance: makeInstance({ operationLocks: ['financial'] }) },
    expected: hold('ACCOUNT_ARREARS', 'operationLocks'),
  },
  {
    name: 'an undocumented lock needs a human',
    input: { instance: makeInstance({ operationLocks: ['recycling'] }) },
    expected: hold('NEEDS_HUMAN', 'operationLocks'),
  },
  {
    name: 'a subscription past its expiry stops even before ECS sets the lock',
    input: { instance: makeSubscription({ expiredAt: T0 - 1 }) },
    expected: hold('INSTANCE_EXPIRED', 'expiry'),
  },
  {
    name: 'an instance with an EIP bound is not ours to scale',
    input: { instance: makeInstance({ eipBound: true }) },
    expected: hold('EIP_BOUND', 'eipBound'),
  },
  {
    name: 'the first hard stop in the order wins (paused before pending)',
    input: { policy: makePolicy({ paused: true }), state: makeState({ pending }) },
    expected: hold('PAUSED', 'paused'),
  },
  {
    name: 'a hard stop wins over observe mode: nothing would have been done',
    input: { policy: makePolicy({ mode: 'observe' }), instance: makeInstance({ eipBound: true }) },
    expected: hold('EIP_BOUND', 'eipBound'),
  },
];

describe('decide: hard stops', () => {
  it.each(rows)('$name', ({ input, expected }) => {
    // Prepare
    const decideInput = makeInput({ signal: saturated, ...input });

    // Act
    const decision = decide(decideInput);

    // Assess
    expect(outcomeOf(decision)).toEqual(expected);
    expect(decision.proposed).toBe(10);
  });

  it('a Stopped instance is not a hard stop: the API accepts Running or Stopped', () => {
    const decision = decide(makeInput({ signal: saturated, instance: makeInstance({ status: 'Stopped' }) }));

    expect(outcomeOf(decision)).toEqual({ action: 'set', target: 20, reason: 'SATURATED_STEP_UP', guards: [] });
  });

  it('a hard stop records no new recommendation and keeps those in the window', () => {
    const kept = { at: T0 - 60_000, mbps: 12 };
    const expired = { at: T0 - 3_600_000, mbps: 30 };
    const decision = decide(
      makeInput({
        signal: saturated,
        policy: makePolicy({ paused: true, behavior: { scaleDownStabilizationSeconds: 300 } }),
        state: makeState({ recommendations: [expired, kept] }),
      }),
    );

    expect(decision.recommendations).toEqual([kept]);
  });

  it('the message names the blocking provider code and when it started', () => {
    const decision = decide(makeInput({ state: makeState({ blocked: { code: 'Account.Arrearage', since: T0 - 60_000, message: 'top up' } }) }));

    expect(decision.message).toBe('blocked since 2025-06-10T11:59:00.000Z by Account.Arrearage: top up');
  });
});
