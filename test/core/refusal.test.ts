import { describe, expect, it } from 'vitest';
import { decide } from '../../src/core/decide';
import {
  answerToRefusal,
  blockAfterChange,
  capFromMessage,
  clearDisproved,
  REFUSAL_BACKOFF_CAP_SECONDS,
  type RefusalCategory,
  type RefusalFacts,
  recordRefusal,
  refusalAfterChange,
  refusalBackoffSeconds,
} from '../../src/core/refusal';
import type { BlockedCondition, RefusedChange } from '../../src/core/types';
import { HOUR, MINUTE, makeInput, makeState, T0, tickOf } from '../fixtures/policies';
import { outcomeOf } from './summary';

describe('answerToRefusal', () => {
  it.each<{ code: string; message?: string; category: RefusalCategory; expected: ReturnType<typeof answerToRefusal> }>([
    { code: 'InvalidParameter.BandwidthBiggerThanBaseBandwidth', category: 'rejected', expected: { kind: 'backoff', reason: 'BANDWIDTH_CAP', scope: 'up' } },
    { code: 'DecreasedBandWidthNotAllowed', category: 'rejected', expected: { kind: 'backoff', reason: 'DOWNGRADE_REFUSED', scope: 'down' } },
    { code: 'DecreasedBandwidthNotAllowed', category: 'rejected', expected: { kind: 'backoff', reason: 'DOWNGRADE_REFUSED', scope: 'down' } },
    {
      code: 'OperationDenied',
      message: 'After downgrade, you cannot upgrade or downgrade your instances again in the remaining time of the current billing cycle.',
      category: 'quota',
      expected: { kind: 'backoff', reason: 'BILLING_CYCLE_LOCKED', scope: 'any', also: 'quota' },
    },
    {
      code: 'OperationDenied',
      message: 'The current user does not support this operation.',
      category: 'rejected',
      expected: { kind: 'block', reason: 'NEEDS_HUMAN' },
    },
    {
      code: 'OperationDenied',
      message: 'The operation is denied due to the instance is PrePaid.',
      category: 'rejected',
      expected: { kind: 'block', reason: 'NEEDS_HUMAN' },
    },
    { code: 'InvalidInstance.UnpaidOrder', category: 'needsHuman', expected: { kind: 'block', reason: 'UNPAID_ORDER' } },
    { code: 'InvalidInstance.UnPaidOrder', category: 'needsHuman', expected: { kind: 'block', reason: 'UNPAID_ORDER' } },
    { code: 'OperationDenied.UnpaidOrder', category: 'needsHuman', expected: { kind: 'block', reason: 'UNPAID_ORDER' } },
    { code: 'IncorrectInstanceStatus', category: 'rejected', expected: { kind: 'backoff', reason: 'STATUS_UNSUPPORTED', scope: 'any' } },
    { code: 'QuotaExceeded.InternetBandwidth', category: 'rejected', expected: { kind: 'block', reason: 'REGIONAL_BANDWIDTH_QUOTA', scope: 'up' } },
    { code: 'InstanceDowngrade.QuotaExceed', category: 'quota', expected: { kind: 'quota' } },
    {
      code: 'InvalidInternetMaxBandwidthIn.ValueNotSupported',
      category: 'rejected',
      expected: { kind: 'backoff', reason: 'INBOUND_REFUSED', scope: 'inbound' },
    },
    { code: 'Account.Arrearage', category: 'needsHuman', expected: { kind: 'block', reason: 'NEEDS_HUMAN' } },
    { code: 'InvalidParameter.Conflict', category: 'rejected', expected: { kind: 'backoff', reason: 'PROVIDER_REFUSED', scope: 'change' } },
    { code: 'InvalidInstanceStatus.NotStopped', category: 'rejected', expected: { kind: 'backoff', reason: 'STATUS_UNSUPPORTED', scope: 'any' } },
    { code: 'InvalidOperation.InstanceStatusUnsupported', category: 'rejected', expected: { kind: 'backoff', reason: 'STATUS_UNSUPPORTED', scope: 'any' } },
    { code: 'InstanceDowngrade.QuotaExceed', category: 'rejected', expected: { kind: 'quota' } },
    { code: 'ResourceNotEnough.Bandwidth', category: 'rejected', expected: { kind: 'backoff', reason: 'BANDWIDTH_CAP', scope: 'up' } },
    { code: 'InvalidBandwidth.OutOfMaxTrafficBindedOnNatgw', category: 'rejected', expected: { kind: 'backoff', reason: 'BANDWIDTH_CAP', scope: 'up' } },
    { code: 'QuotaExceeded.LargeSpecEip', category: 'rejected', expected: { kind: 'backoff', reason: 'BANDWIDTH_CAP', scope: 'up' } },
    { code: 'IncorrectEipStatus', category: 'rejected', expected: { kind: 'backoff', reason: 'STATUS_UNSUPPORTED', scope: 'any' } },
    { code: 'IncorrectStatus.ResourceStatus', category: 'rejected', expected: { kind: 'backoff', reason: 'STATUS_UNSUPPORTED', scope: 'any' } },
    { code: 'Some.QuotaCode', category: 'quota', expected: { kind: 'quota' } },
    { code: 'Some.UntranslatedCode', category: 'unknown', expected: { kind: 'backoff', reason: 'PROVIDER_REFUSED', scope: 'change' } },
    { code: 'InvalidInstanceId.NotFound', category: 'notFound', expected: { kind: 'retry' } },
    { code: 'Throttling.User', category: 'retryable', expected: { kind: 'retry' } },
    { code: 'SignatureDoesNotMatch', category: 'auth', expected: { kind: 'retry' } },
  ])('$code ($category) → $expected.kind', ({ code, message = '%s', category, expected }) => {
    expect(answerToRefusal(code, message, category)).toEqual(expected);
  });
});

describe('the back-off', () => {
  it('starts at 15 minutes and doubles up to 6 hours', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map(refusalBackoffSeconds)).toEqual([900, 1800, 3600, 7200, 14_400, 21_600, 21_600, REFUSAL_BACKOFF_CAP_SECONDS]);
  });

  it('continues an episode on the same code and starts a new one on another', () => {
    const facts = { code: 'InvalidParameter.BandwidthBiggerThanBaseBandwidth', message: '%s', from: 10, target: 20, at: T0 };
    const first = recordRefusal(undefined, 'BANDWIDTH_CAP', 'up', facts);
    const second = recordRefusal(first, 'BANDWIDTH_CAP', 'up', { ...facts, target: 15, at: T0 + 5 * MINUTE });
    const other = recordRefusal(second, 'STATUS_UNSUPPORTED', 'any', { ...facts, code: 'IncorrectInstanceStatus', at: T0 + 10 * MINUTE });
    expect(first).toMatchObject({ since: T0, count: 1, target: 20, retryAt: T0 + 15 * MINUTE });
    expect(second).toMatchObject({ since: T0, count: 2, target: 15, retryAt: T0 + 35 * MINUTE });
    expect(other).toMatchObject({ since: T0 + 10 * MINUTE, count: 1, scope: 'any' });
  });
});

describe('recordRefusal: one more refusal in the record', () => {
  const BASE = 'InvalidParameter.BandwidthBiggerThanBaseBandwidth';
  const facts = (overrides: Partial<RefusalFacts> = {}): RefusalFacts => ({ code: BASE, message: '%s', from: 10, target: 20, at: T0, ...overrides });
  const earlier = (overrides: Partial<RefusedChange> = {}): RefusedChange => ({
    code: BASE,
    reason: 'BANDWIDTH_CAP',
    scope: 'up',
    from: 10,
    target: 20,
    since: T0 - HOUR,
    at: T0 - 15 * MINUTE,
    count: 1,
    retryAt: T0,
    message: '%s',
    ...overrides,
  });
  const rows: Array<{
    name: string;
    previous?: RefusedChange;
    scope: RefusedChange['scope'] | 'change';
    facts: RefusalFacts;
    expected: Partial<RefusedChange>;
    noCap?: boolean;
  }> = [
    {
      name: 'a refused change that raised the bandwidth is an upgrade refusal',
      scope: 'change',
      facts: facts(),
      expected: { scope: 'up', count: 1, since: T0 },
    },
    { name: 'a refused change that lowered it is a downgrade refusal', scope: 'change', facts: facts({ from: 20, target: 10 }), expected: { scope: 'down' } },
    {
      name: 'another code about the same changes starts a new episode, without the old cap',
      previous: earlier({ code: 'ResourceNotEnough.Bandwidth', cap: 12 }),
      scope: 'up',
      facts: facts({ target: 18 }),
      expected: { count: 1, since: T0, target: 18 },
      noCap: true,
    },
    {
      name: 'the same code about the other direction starts a new episode',
      previous: earlier({ code: 'InvalidParameter.Conflict', reason: 'PROVIDER_REFUSED' }),
      scope: 'change',
      facts: facts({ code: 'InvalidParameter.Conflict', from: 20, target: 10 }),
      expected: { scope: 'down', count: 1, since: T0 },
    },
    {
      name: 'an upgrade episode keeps the lowest refused target',
      previous: earlier({ target: 15 }),
      scope: 'up',
      facts: facts({ target: 20 }),
      expected: { count: 2, since: T0 - HOUR, target: 15 },
    },
    {
      name: 'a downgrade episode keeps the highest refused target',
      previous: earlier({ code: 'DecreasedBandwidthNotAllowed', reason: 'DOWNGRADE_REFUSED', scope: 'down', from: 20, target: 8 }),
      scope: 'down',
      facts: facts({ code: 'DecreasedBandwidthNotAllowed', from: 20, target: 5 }),
      expected: { count: 2, target: 8 },
    },
    {
      name: 'an episode about every change records the latest refused target',
      previous: earlier({ code: 'IncorrectInstanceStatus', reason: 'STATUS_UNSUPPORTED', scope: 'any', target: 20 }),
      scope: 'any',
      facts: facts({ code: 'IncorrectInstanceStatus', target: 30 }),
      expected: { count: 2, target: 30 },
    },
    {
      name: 'an upgrade refusal records the cap its message names',
      scope: 'up',
      facts: facts({ message: 'bandwidth 20Mbps is bigger than base bandwidth 15Mbps' }),
      expected: { cap: 15 },
    },
    {
      name: 'a downgrade refusal records no cap, whatever its message names',
      scope: 'down',
      facts: facts({ code: 'DecreasedBandwidthNotAllowed', message: 'the minimum is 2 Mbps', from: 20, target: 5 }),
      expected: { scope: 'down' },
      noCap: true,
    },
    {
      name: 'a later refusal of the episode that names no cap keeps the one named before',
      previous: earlier({ cap: 12 }),
      scope: 'up',
      facts: facts({ target: 18 }),
      expected: { count: 2, target: 18, cap: 12 },
    },
    {
      name: 'a cap that was itself refused is forgotten',
      previous: earlier({ cap: 12 }),
      scope: 'up',
      facts: facts({ target: 12 }),
      expected: { count: 2, target: 12 },
      noCap: true,
    },
  ];
  it.each(rows)('$name', ({ previous, scope, facts: refusal, expected, noCap }) => {
    const record = recordRefusal(previous, 'BANDWIDTH_CAP', scope, refusal);

    expect(record).toMatchObject(expected);
    if (noCap) expect(record.cap).toBeUndefined();
  });
});

describe('what a success leaves of a refusal or a block', () => {
  const downRefused: RefusedChange = {
    code: 'DecreasedBandwidthNotAllowed',
    reason: 'DOWNGRADE_REFUSED',
    scope: 'down',
    from: 20,
    target: 8,
    since: T0 - HOUR,
    at: T0 - HOUR,
    count: 1,
    retryAt: T0 - 45 * MINUTE,
    message: '%s',
  };
  it.each([
    { name: 'no refusal, nothing left', refused: undefined, from: 20, target: 10, stands: false },
    { name: 'a downgrade to the refused target disproves a downgrade refusal', refused: downRefused, from: 20, target: 8, stands: false },
    { name: 'a downgrade below it disproves it too', refused: downRefused, from: 20, target: 5, stands: false },
    { name: 'a smaller downgrade leaves it standing', refused: downRefused, from: 20, target: 10, stands: true },
    { name: 'an upgrade leaves it standing, whatever its target', refused: downRefused, from: 3, target: 6, stands: true },
  ])('$name', ({ refused, from, target, stands }) => {
    expect(refusalAfterChange(refused, from, target, undefined)).toBe(stands ? refused : undefined);
  });

  const upOnly: BlockedCondition = { code: 'QuotaExceeded.InternetBandwidth', since: T0 - HOUR, message: 'regional cap', scope: 'up' };
  const every: BlockedCondition = { code: 'InvalidInstance.UnPaidOrder', since: T0 - HOUR, message: 'pay it' };
  it.each([
    { name: 'no block, nothing left', blocked: undefined, from: 20, target: 10, stands: false },
    { name: 'a downgrade leaves a block on upgrades standing', blocked: upOnly, from: 20, target: 10, stands: true },
    { name: 'an upgrade disproves a block on upgrades', blocked: upOnly, from: 10, target: 20, stands: false },
    { name: 'any change disproves a block on every change', blocked: every, from: 20, target: 10, stands: false },
  ])('$name', ({ blocked, from, target, stands }) => {
    expect(blockAfterChange(blocked, from, target)).toBe(stands ? blocked : undefined);
  });

  it.each([
    { name: 'keeps what the success did not disprove', from: 20, target: 10, kept: { refused: downRefused, blocked: upOnly } },
    { name: 'drops a downgrade refusal a deeper downgrade disproved', from: 20, target: 5, kept: { blocked: upOnly } },
    { name: 'drops a block on upgrades an upgrade disproved', from: 10, target: 20, kept: { refused: downRefused } },
  ])('clearDisproved $name', ({ from, target, kept }) => {
    const previous = makeState({ refused: downRefused, blocked: upOnly });
    const next = makeState({ version: 2, lastChangeAt: T0, refused: downRefused, blocked: upOnly });

    const stored = clearDisproved(next, previous, from, target, undefined);

    expect(stored).toEqual({ ...makeState({ version: 2, lastChangeAt: T0 }), ...kept });
  });
});

describe('capFromMessage', () => {
  it.each([
    { message: '%s', target: 20, cap: undefined },
    { message: 'The maximum bandwidth of instance type ecs.t5-lc1m1.small is 12 Mbps.', target: 20, cap: 12 },
    { message: 'bandwidth 20Mbps is bigger than base bandwidth 15Mbps', target: 20, cap: 15 },
    { message: 'base bandwidth 30 Mbps', target: 20, cap: undefined },
    { message: 'instance ecs.g6.large has 2 vCPUs', target: 20, cap: undefined },
    { message: 'bandwidth must be between 0 Mbps and 20 Mbps', target: 20, cap: undefined },
    { message: 'the base bandwidth is 10 Mbps and the burst bandwidth 15 Mbps', target: 20, cap: 15 },
  ])('"$message" → $cap', ({ message, target, cap }) => {
    expect(capFromMessage(message, target)).toBe(cap);
  });
});

describe('decide with a remembered refusal', () => {
  const refusal = (overrides: Partial<RefusedChange>): RefusedChange => ({
    code: 'InvalidParameter.BandwidthBiggerThanBaseBandwidth',
    reason: 'BANDWIDTH_CAP',
    scope: 'up',
    from: 10,
    target: 20,
    since: T0 - MINUTE,
    at: T0 - MINUTE,
    count: 1,
    retryAt: T0 + 14 * MINUTE,
    message: '%s',
    ...overrides,
  });
  const saturated = tickOf(9.6); // asks for 20 at 10 Mbps

  it.each([
    { name: 'a refused upgrade tries halfway while backing off', refused: refusal({}), expected: { action: 'set', target: 15, reason: 'BANDWIDTH_CAP' } },
    { name: 'the cap the refusal named is tried', refused: refusal({ cap: 12 }), expected: { action: 'set', target: 12, reason: 'BANDWIDTH_CAP' } },
    {
      name: 'nothing left between current and refused: hold',
      refused: refusal({ target: 11 }),
      expected: { action: 'none', target: 10, reason: 'BANDWIDTH_CAP' },
    },
    {
      name: 'after the back-off the refused target is probed',
      refused: refusal({ retryAt: T0 }),
      expected: { action: 'set', target: 20, reason: 'SATURATED_STEP_UP' },
    },
    {
      name: 'after the back-off, never above the refused target',
      refused: refusal({ target: 18, retryAt: T0 }),
      expected: { action: 'set', target: 18, reason: 'BANDWIDTH_CAP' },
    },
    {
      name: 'another refused upgrade holds without guessing',
      refused: refusal({ code: 'InvalidParameter.Conflict', reason: 'PROVIDER_REFUSED' }),
      expected: { action: 'none', target: 10, reason: 'PROVIDER_REFUSED' },
    },
    {
      name: 'a refused downgrade does not hold an upgrade',
      refused: refusal({ scope: 'down', reason: 'DOWNGRADE_REFUSED', target: 5 }),
      expected: { action: 'set', target: 20, reason: 'SATURATED_STEP_UP' },
    },
    {
      name: 'a refusal of every change holds an upgrade',
      refused: refusal({ scope: 'any', reason: 'STATUS_UNSUPPORTED', code: 'IncorrectInstanceStatus' }),
      expected: { action: 'none', target: 10, reason: 'STATUS_UNSUPPORTED' },
    },
  ])('$name', ({ refused, expected }) => {
    const decision = decide(makeInput({ state: makeState({ refused }), signal: saturated }));
    expect(outcomeOf(decision)).toMatchObject(expected);
  });

  it('an upgrade-only block holds upgrades and lets downgrades go', () => {
    const blocked = { code: 'QuotaExceeded.InternetBandwidth', since: T0 - MINUTE, message: 'regional cap', scope: 'up' as const };
    expect(outcomeOf(decide(makeInput({ state: makeState({ blocked }), signal: saturated })))).toMatchObject({
      action: 'none',
      reason: 'REGIONAL_BANDWIDTH_QUOTA',
    });
    expect(outcomeOf(decide(makeInput({ state: makeState({ blocked }), signal: tickOf(3.5) })))).toMatchObject({ action: 'set', target: 5 });
  });

  it('a success forgets only what it disproves', () => {
    expect(refusalAfterChange(refusal({}), 10, 15, undefined)).toBeDefined();
    expect(refusalAfterChange(refusal({}), 10, 20, undefined)).toBeUndefined();
    expect(refusalAfterChange(refusal({ scope: 'any' }), 10, 15, undefined)).toBeUndefined();
    expect(refusalAfterChange(refusal({ scope: 'inbound' }), 10, 15, undefined)).toBeDefined();
    expect(refusalAfterChange(refusal({ scope: 'inbound' }), 10, 15, 15)).toBeUndefined();
  });
});
