import { describe, expect, it } from 'vitest';
import { isHeldBack } from '../../src/core';

describe('isHeldBack: what "blocked by reason" counts', () => {
  it.each([
    { name: 'a guard kept a wanted downgrade', decision: { action: 'none', current: 20, proposed: 10, reason: 'STABILIZATION' }, expected: true },
    { name: 'the provider lock kept a wanted upgrade', decision: { action: 'none', current: 20, proposed: 40, reason: 'PROVIDER_LOCK' }, expected: true },
    { name: 'observe mode kept a change it would have made', decision: { action: 'none', current: 20, proposed: 40, reason: 'OBSERVE_ONLY' }, expected: true },
    {
      name: 'asking for less than minOut while at minOut is being at target',
      decision: { action: 'none', current: 5, proposed: 4, reason: 'BOUNDS' },
      expected: false,
    },
    {
      name: 'a protected VPC instance kept at 1 Mbps is at its limit',
      decision: { action: 'none', current: 1, proposed: 0, reason: 'ZERO_PROTECTED' },
      expected: false,
    },
    {
      name: 'a decision without a proposal (written before it existed) is not counted',
      decision: { action: 'none', current: 20, reason: 'COOLDOWN' },
      expected: false,
    },
    { name: 'nothing was wanted', decision: { action: 'none', current: 20, proposed: 20, reason: 'WITHIN_TOLERANCE' }, expected: false },
    { name: 'a decision that acted', decision: { action: 'set', current: 20, proposed: 40, reason: 'SCALE_UP' }, expected: false },
  ])('$name', ({ decision, expected }) => {
    expect(isHeldBack(decision)).toBe(expected);
  });
});
