import { describe, expect, it } from 'vitest';
import { decide } from '../../src/core/decide';
import type { DecideInput, Decision } from '../../src/core/types';
import { HOUR, MINUTE, makeInput, makeInstance, makePolicy, makeSubscription, makeWindow, T0, tickOf } from '../fixtures/policies';

type ActionFields = Pick<Decision, 'action' | 'target' | 'allocatePublicIp' | 'startTime' | 'endTime'>;

interface Row {
  name: string;
  input: Partial<DecideInput>;
  expected: ActionFields;
}

function actionOf(decision: Decision): ActionFields {
  const { action, target, allocatePublicIp, startTime, endTime } = decision;
  return { action, target, allocatePublicIp, startTime, endTime };
}

const fromZero = { policy: makePolicy({ bounds: { minOut: 5 } }), signal: tickOf(undefined) };
const temporaryWindow = (overrides: Parameters<typeof makeWindow>[0] = {}) =>
  makeWindow({ name: 'sale', temporaryUpgrade: true, start: T0 - MINUTE, end: T0 + 30 * MINUTE, ...overrides });

const rows: Row[] = [
  {
    name: 'a pay-as-you-go instance leaving 0 Mbps without an IP asks for one',
    input: { ...fromZero, instance: makeInstance({ bandwidthOut: 0, hasPublicIp: false }) },
    expected: { action: 'set', target: 5, allocatePublicIp: true, startTime: undefined, endTime: undefined },
  },
  {
    name: 'a subscription instance leaving 0 Mbps gets its IP automatically',
    input: { ...fromZero, instance: makeSubscription({ bandwidthOut: 0, hasPublicIp: false }) },
    expected: { action: 'set', target: 5, allocatePublicIp: false, startTime: undefined, endTime: undefined },
  },
  {
    name: 'an instance that kept its IP at 0 Mbps asks for no second one',
    input: { ...fromZero, instance: makeInstance({ bandwidthOut: 0, hasPublicIp: true }) },
    expected: { action: 'set', target: 5, allocatePublicIp: false, startTime: undefined, endTime: undefined },
  },
  {
    name: 'a temporary-upgrade window on a subscription starts at the next minute and lasts at least 3 h',
    input: { now: T0 + 10_000, instance: makeSubscription(), activeWindows: [temporaryWindow({ exact: 50 })] },
    expected: {
      action: 'temporaryUpgrade',
      target: 50,
      allocatePublicIp: false,
      startTime: '2025-06-10T12:01Z',
      endTime: '2025-06-10T16Z',
    },
  },
  {
    name: 'a long window ends at its end rounded up to the hour',
    input: { instance: makeSubscription(), activeWindows: [temporaryWindow({ exact: 50, end: T0 + 5 * HOUR + 30 * MINUTE })] },
    expected: {
      action: 'temporaryUpgrade',
      target: 50,
      allocatePublicIp: false,
      startTime: '2025-06-10T12:00Z',
      endTime: '2025-06-10T18Z',
    },
  },
  {
    name: 'a metric step-up inside a temporary-upgrade window is temporary too',
    input: { instance: makeSubscription(), activeWindows: [temporaryWindow()], signal: tickOf(9.6) },
    expected: {
      action: 'temporaryUpgrade',
      target: 20,
      allocatePublicIp: false,
      startTime: '2025-06-10T12:00Z',
      endTime: '2025-06-10T15Z',
    },
  },
  {
    name: 'a pay-as-you-go instance in the same window is simply set',
    input: { activeWindows: [temporaryWindow({ exact: 50 })] },
    expected: { action: 'set', target: 50, allocatePublicIp: false, startTime: undefined, endTime: undefined },
  },
  {
    name: 'an override in a temporary-upgrade window is a standing change',
    input: {
      policy: makePolicy({ override: { bandwidth: 40, until: T0 + HOUR, reason: 'launch' } }),
      instance: makeSubscription(),
      activeWindows: [temporaryWindow({ exact: 50 })],
    },
    expected: { action: 'set', target: 40, allocatePublicIp: false, startTime: undefined, endTime: undefined },
  },
  {
    name: 'a subscription expiring before the shortest temporary upgrade is upgraded plainly',
    input: { instance: makeSubscription({ expiredAt: T0 + 2 * HOUR }), activeWindows: [temporaryWindow({ exact: 50 })] },
    expected: { action: 'set', target: 50, allocatePublicIp: false, startTime: undefined, endTime: undefined },
  },
  {
    name: 'a downgrade inside a temporary-upgrade window is not temporary',
    input: { instance: makeSubscription({ bandwidthOut: 60 }), activeWindows: [temporaryWindow({ exact: 50 })] },
    expected: { action: 'set', target: 50, allocatePublicIp: false, startTime: undefined, endTime: undefined },
  },
];

describe('decide: the action', () => {
  it.each(rows)('$name', ({ input, expected }) => {
    // Prepare
    const decideInput = makeInput(input);

    // Act
    const decision = decide(decideInput);

    // Assess
    expect(actionOf(decision)).toEqual(expected);
  });

  it('says when a temporary upgrade reverts', () => {
    const decision = decide(makeInput({ instance: makeSubscription(), activeWindows: [temporaryWindow({ exact: 50 })] }));

    expect(decision.message).toBe("window 'sale' sets exactly 50 Mbps; temporary until 2025-06-10T15Z (window 'sale'), reverting by itself");
  });
});

describe('decide: observe mode', () => {
  const observe = makePolicy({ mode: 'observe' });

  it('never acts, but target says what would have been set', () => {
    const decision = decide(makeInput({ policy: observe, signal: tickOf(9.6) }));

    expect(decision).toMatchObject({ action: 'none', target: 20, current: 10, reason: 'OBSERVE_ONLY', allocatePublicIp: false });
    expect(decision.message).toBe(
      'observe mode: would set 10 Mbps → 20 Mbps (SATURATED_STEP_UP: served 9.6 Mbps is 96% of 10 Mbps (>= 95%): demand unknown, doubling to 20 Mbps)',
    );
  });

  it('keeps the guards that acted and adds its own last', () => {
    const decision = decide(makeInput({ policy: makePolicy({ mode: 'observe', override: { bandwidth: 150, until: T0 + HOUR, reason: 'x' } }) }));

    expect(decision.guards.map((hit) => hit.reason)).toEqual(['BOUNDS', 'OBSERVE_ONLY']);
    expect(decision.target).toBe(100);
  });

  it('reports a temporary upgrade it would have made, without its times', () => {
    const decision = decide(makeInput({ policy: observe, instance: makeSubscription(), activeWindows: [temporaryWindow({ exact: 50 })] }));

    expect(decision.message).toMatch(/^observe mode: would temporarily upgrade 10 Mbps → 50 Mbps/);
    expect(decision.startTime).toBeUndefined();
    expect(decision.endTime).toBeUndefined();
  });

  it('reports a hold as the hold it is', () => {
    const decision = decide(makeInput({ policy: observe, signal: tickOf(7) }));

    expect(decision.reason).toBe('WITHIN_TOLERANCE');
  });
});

describe('inbound bounds ride along with an outbound change', () => {
  const peak = [makeWindow({ name: 'peak', exact: 50, start: T0 - MINUTE, end: T0 + HOUR })];
  it.each([
    { name: 'inbound below minIn is raised in the same order', bounds: { minIn: 20 }, bandwidthIn: 10, windows: peak, expected: 20 },
    { name: 'inbound above maxIn is lowered in the same order', bounds: { maxIn: 30 }, bandwidthIn: 100, windows: peak, expected: 30 },
    { name: 'inbound within its bounds is not sent', bounds: { minIn: 20, maxIn: 30 }, bandwidthIn: 25, windows: peak, expected: undefined },
    { name: 'without inbound bounds inbound is not sent', bounds: {}, bandwidthIn: 10, windows: peak, expected: undefined },
    {
      name: 'without an outbound change inbound waits for the next one (no order of its own)',
      bounds: { minIn: 20 },
      bandwidthIn: 10,
      windows: [],
      expected: undefined,
    },
  ])('$name', ({ bounds, bandwidthIn, windows, expected }) => {
    const decision = decide(
      makeInput({
        policy: makePolicy({ bounds: { minOut: 5, maxOut: 100, ...bounds } }),
        instance: makeInstance({ bandwidthOut: 10, bandwidthIn }),
        signal: tickOf(undefined),
        activeWindows: windows,
      }),
    );
    expect(decision.targetIn).toBe(expected);
  });
});
