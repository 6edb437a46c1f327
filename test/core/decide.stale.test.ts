import { describe, expect, it } from 'vitest';
import { decide } from '../../src/core/decide';
import { DEFAULT_MAX_SAMPLE_AGE_SECONDS } from '../../src/core/metric';
import { HOUR, MINUTE, makeInput, makePolicy, T0, tickOf } from '../fixtures/policies';
import { outcomeOf } from './summary';

const DAY = 24 * HOUR;

describe('decide: the age of the sample', () => {
  it.each([
    { name: 'a month-old saturated sample', signal: tickOf(9.6, T0 - 30 * DAY) },
    { name: 'a month-old idle sample', signal: tickOf(0.5, T0 - 30 * DAY) },
    { name: 'a sample one second past the default bound', signal: tickOf(9.6, T0 - DEFAULT_MAX_SAMPLE_AGE_SECONDS * 1000 - 1000) },
  ])('never changes bandwidth on $name: STALE_METRIC', ({ signal }) => {
    // Act
    const decision = decide(makeInput({ signal }));

    // Assess
    expect(outcomeOf(decision)).toEqual({ action: 'none', target: 10, reason: 'STALE_METRIC', guards: [] });
    expect(decision.message).toMatch(/old; samples older than 900 s are not acted on/);
    expect(decision.recommendations).toEqual([]);
  });

  it('acts on a sample within the bound', () => {
    const decision = decide(makeInput({ signal: tickOf(9.6, T0 - 14 * MINUTE) }));
    expect(outcomeOf(decision)).toMatchObject({ action: 'set', target: 20, reason: 'SATURATED_STEP_UP' });
  });

  it('reads the bound from the policy (behavior.maxSampleAgeSeconds)', () => {
    const policy = makePolicy({ behavior: { maxSampleAgeSeconds: 120 } });
    expect(decide(makeInput({ policy, signal: tickOf(9.6, T0 - 3 * MINUTE) })).reason).toBe('STALE_METRIC');
    expect(decide(makeInput({ policy, signal: tickOf(9.6, T0 - 2 * MINUTE) })).reason).toBe('SATURATED_STEP_UP');
  });

  it('treats a sample from the future beyond the bound as unusable too (a clock far ahead)', () => {
    expect(decide(makeInput({ signal: tickOf(9.6, T0 + 30 * DAY) })).reason).toBe('STALE_METRIC');
  });

  it('still applies a schedule with a stale sample: only the metric rules hold', () => {
    const decision = decide(
      makeInput({
        signal: tickOf(0.5, T0 - 30 * DAY),
        activeWindows: [{ name: 'peak', start: T0 - HOUR, end: T0 + HOUR, exact: 30, temporaryUpgrade: false }],
      }),
    );
    expect(outcomeOf(decision)).toMatchObject({ action: 'set', target: 30, reason: 'SCHEDULE_EXACT' });
  });
});
