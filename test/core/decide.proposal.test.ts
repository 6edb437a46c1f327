import { describe, expect, it } from 'vitest';
import { decide } from '../../src/core/decide';
import type { DecideInput, Signal } from '../../src/core/types';
import { HOUR, MINUTE, makeInput, makeInstance, makePolicy, makeState, makeWindow, sampleOf, T0, tickOf } from '../fixtures/policies';
import { type Outcome, outcomeOf } from './summary';

interface Row {
  name: string;
  input: Partial<DecideInput>;
  expected: Outcome;
}

const alarm = (alertState: 'ALERT' | 'OK' | 'INSUFFICIENT_DATA', mbps: number): Signal => ({
  kind: 'alarm',
  alertState,
  metricName: 'InternetOutRate',
  sample: sampleOf(mbps),
  eventId: 'e-1',
});

// The default policy tracks 70% ± 10 points on a 10 Mbps instance, saturation at 95% doubles.
const metricRows: Row[] = [
  {
    name: 'served at 96% of the cap is censored: doubles',
    input: { signal: tickOf(9.6) },
    expected: { action: 'set', target: 20, reason: 'SATURATED_STEP_UP', guards: [] },
  },
  {
    name: 'target tracking scales up to ceil(served / target)',
    input: { signal: tickOf(9) },
    expected: { action: 'set', target: 13, reason: 'SCALE_UP', guards: [] },
  },
  {
    name: 'target tracking scales down to ceil(served / target)',
    input: { signal: tickOf(3.5) },
    expected: { action: 'set', target: 5, reason: 'SCALE_DOWN', guards: [] },
  },
  {
    name: 'inside the tolerance nothing moves',
    input: { signal: tickOf(7.7) },
    expected: { action: 'none', target: 10, reason: 'WITHIN_TOLERANCE', guards: [] },
  },
  {
    name: 'a matching step band wins over target tracking',
    input: {
      policy: makePolicy({ stepRules: [{ from: 80, to: 95, adjust: { type: 'add', mbps: 5 } }] }),
      signal: tickOf(8.5),
    },
    expected: { action: 'set', target: 15, reason: 'SCALE_UP', guards: [] },
  },
  {
    name: 'without target tracking and no band matching, the rules hold',
    input: { policy: makePolicy({ targetTracking: undefined }), signal: tickOf(5) },
    expected: { action: 'none', target: 10, reason: 'AT_TARGET', guards: [] },
  },
  {
    name: 'a tick without a sample holds',
    input: { signal: tickOf(undefined) },
    expected: { action: 'none', target: 10, reason: 'NO_METRIC', guards: [] },
  },
  {
    name: 'an INSUFFICIENT_DATA alarm holds whatever its value',
    input: { signal: alarm('INSUFFICIENT_DATA', 0) },
    expected: { action: 'none', target: 10, reason: 'NO_METRIC', guards: [] },
  },
  {
    name: 'an ALERT alarm is read like any sample',
    input: { signal: alarm('ALERT', 9.8) },
    expected: { action: 'set', target: 20, reason: 'SATURATED_STEP_UP', guards: [] },
  },
  {
    name: 'an OK alarm with low traffic may scale down',
    input: { signal: alarm('OK', 2.1) },
    expected: { action: 'set', target: 3, reason: 'SCALE_DOWN', guards: [] },
  },
  {
    name: 'a negative sample is not a rate',
    input: { signal: { kind: 'tick', sample: { at: T0, outBps: -1 } } },
    expected: { action: 'none', target: 10, reason: 'NO_METRIC', guards: [] },
  },
  {
    name: 'within warmupSeconds of a change the metric is ignored',
    input: {
      policy: makePolicy({ behavior: { warmupSeconds: 600 } }),
      state: makeState({ lastChangeAt: T0 - 6 * MINUTE }),
      signal: tickOf(2),
    },
    expected: { action: 'none', target: 10, reason: 'WARMUP', guards: [] },
  },
  {
    name: 'a sample taken before the last change measured the old bandwidth',
    input: { state: makeState({ lastChangeAt: T0 - 10 * MINUTE }), signal: tickOf(2, T0 - 11 * MINUTE) },
    expected: { action: 'none', target: 10, reason: 'WARMUP', guards: [] },
  },
  {
    name: 'at 0 Mbps utilisation is unknown: hold',
    input: {
      policy: makePolicy({ allowZero: true, bounds: { minOut: 0 } }),
      instance: makeInstance({ bandwidthOut: 0, hasPublicIp: false }),
      signal: tickOf(0),
    },
    expected: { action: 'none', target: 0, reason: 'NO_METRIC', guards: [] },
  },
];

const override = { bandwidth: 40, until: T0 + HOUR, reason: 'launch' };

const drivenRows: Row[] = [
  {
    name: 'an active override sets its bandwidth whatever the metric says',
    input: { policy: makePolicy({ override }), signal: tickOf(1) },
    expected: { action: 'set', target: 40, reason: 'OVERRIDE', guards: [] },
  },
  {
    name: 'an expired override is ignored',
    input: { policy: makePolicy({ override: { ...override, until: T0 } }), signal: tickOf(7) },
    expected: { action: 'none', target: 10, reason: 'WITHIN_TOLERANCE', guards: [] },
  },
  {
    name: 'an override wins over a schedule exact value',
    input: { policy: makePolicy({ override }), activeWindows: [makeWindow({ exact: 60 })] },
    expected: { action: 'set', target: 40, reason: 'OVERRIDE', guards: [] },
  },
  {
    name: 'a schedule exact value is set without tolerance',
    input: { activeWindows: [makeWindow({ exact: 11 })], signal: tickOf(7) },
    expected: { action: 'set', target: 11, reason: 'SCHEDULE_EXACT', guards: [] },
  },
  {
    name: 'overlapping exact windows: the highest wins',
    input: { activeWindows: [makeWindow({ name: 'a', exact: 30 }), makeWindow({ name: 'b', exact: 50 })] },
    expected: { action: 'set', target: 50, reason: 'SCHEDULE_EXACT', guards: [] },
  },
  {
    name: 'an exact value already in place is AT_TARGET',
    input: { activeWindows: [makeWindow({ exact: 10 })], signal: tickOf(9.9) },
    expected: { action: 'none', target: 10, reason: 'AT_TARGET', guards: [] },
  },
  {
    name: 'an exact value applies even with no metric at all',
    input: { activeWindows: [makeWindow({ exact: 25 })], signal: tickOf(undefined) },
    expected: { action: 'set', target: 25, reason: 'SCHEDULE_EXACT', guards: [] },
  },
];

describe('decide: the proposal from metric rules', () => {
  it.each(metricRows)('$name', ({ input, expected }) => {
    // Prepare
    const decideInput = makeInput(input);

    // Act
    const decision = decide(decideInput);

    // Assess
    expect(outcomeOf(decision)).toEqual(expected);
  });
});

describe('decide: overrides and schedule exact values', () => {
  it.each(drivenRows)('$name', ({ input, expected }) => {
    const decision = decide(makeInput(input));

    expect(outcomeOf(decision)).toEqual(expected);
  });
});

describe('decide: messages', () => {
  it('explains a saturated step-up with the numbers behind it', () => {
    const decision = decide(
      makeInput({
        instance: makeInstance({ instanceChargeType: 'PrePaid', bandwidthOut: 100 }),
        policy: makePolicy({ bounds: { maxOut: 200 } }),
        signal: tickOf(96.2),
      }),
    );

    expect(decision.message).toBe('served 96.2 Mbps is 96.2% of 100 Mbps (>= 95%): demand unknown, doubling to 200 Mbps');
  });

  it('explains target tracking with the target and the result', () => {
    const decision = decide(makeInput({ signal: tickOf(9) }));

    expect(decision.message).toBe('served 9 Mbps is 90% of 10 Mbps: the 70% target needs 13 Mbps');
  });

  it('explains a hold inside the tolerance', () => {
    const decision = decide(makeInput({ signal: tickOf(7.7) }));

    expect(decision.message).toBe('served 7.7 Mbps is 77% of 10 Mbps, within 70% ± 10 points');
  });
});

describe('decide: recommendations kept for stabilisation', () => {
  it('records what the rules asked for and drops those outside the window', () => {
    const inWindow = { at: T0 - 2 * MINUTE, mbps: 9 };
    const decision = decide(
      makeInput({
        policy: makePolicy({ behavior: { scaleDownStabilizationSeconds: 300 } }),
        state: makeState({ recommendations: [{ at: T0 - 10 * MINUTE, mbps: 30 }, inWindow] }),
        signal: tickOf(3.5),
      }),
    );

    expect(decision.recommendations).toEqual([inWindow, { at: T0, mbps: 5 }]);
  });

  it.each([
    {
      name: 'while warming up',
      input: makeInput({ policy: makePolicy({ behavior: { warmupSeconds: 600 } }), state: makeState({ lastChangeAt: T0 - MINUTE }) }),
    },
    {
      name: 'at 0 Mbps, where utilisation says nothing (NO_METRIC)',
      input: makeInput({
        policy: makePolicy({ allowZero: true, bounds: { minOut: 0 } }),
        instance: makeInstance({ bandwidthOut: 0, hasPublicIp: false }),
        signal: tickOf(0),
      }),
    },
  ])('records nothing new $name', ({ input }) => {
    const decision = decide(input);

    expect(decision.recommendations).toEqual([]);
  });
});
