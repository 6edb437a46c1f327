import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors';
import { parsePolicyDocument } from '../../src/policy/load';
import { documentWith } from './helpers';

/** The issues a document is rejected with (fails the test if it is accepted). */
function issuesOf(text: string): string[] {
  try {
    parsePolicyDocument(text, 'test.yaml');
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error('expected the document to be rejected');
}

const withTemporary = (temporaryUpgrade: unknown, extra: Record<string, unknown> = {}) => documentWith({ saturation: { temporaryUpgrade }, ...extra });

describe('saturation.temporaryUpgrade', () => {
  it.each([
    {
      name: 'a duration shorter than the provider minimum of 3 h',
      text: withTemporary({ duration: '2h' }),
      issues: ['policies[0].saturation.temporaryUpgrade.duration: expected a duration of at least 3h, got "2h"'],
    },
    {
      name: 'an unknown mode',
      text: withTemporary({ mode: 'sometimes' }),
      issues: ['policies[0].saturation.temporaryUpgrade.mode: expected "auto", "always" or "never", got "sometimes"'],
    },
    {
      name: 'a minimum outside the bounds',
      text: withTemporary({ minimum: 80 }),
      issues: ['policies[0].saturation.temporaryUpgrade.minimum: expected a value within bounds (5–50 Mbps), got 80'],
    },
    {
      name: 'a negative spare',
      text: withTemporary({ spareDowngrades: -1 }),
      issues: ['policies[0].saturation.temporaryUpgrade.spareDowngrades: expected a whole number of downgrades >= 0, got -1'],
    },
    {
      name: 'a spare that leaves auto no permanent upgrade',
      text: withTemporary({ spareDowngrades: 2 }),
      issues: [
        'policies[0].saturation.temporaryUpgrade.spareDowngrades: expected fewer than the ordinary downgrades (downgradeBudget quota − reserve = 2); with as many, auto never upgrades permanently: write mode: always, got 2',
      ],
    },
    {
      name: 'a misspelt key',
      text: withTemporary({ durration: '3h' }),
      issues: ['policies[0].saturation.temporaryUpgrade.durration: unknown key (did you mean "duration"?)'],
    },
  ])('rejects $name, naming the field', ({ text, issues }) => {
    expect(issuesOf(text)).toEqual(issues);
  });

  it('defaults to auto, 3 h, one spare downgrade and no minimum', () => {
    const doc = parsePolicyDocument(withTemporary({}), 'test.yaml');

    expect(doc.policies[0]?.saturation.temporaryUpgrade).toEqual({ mode: 'auto', durationSeconds: 10_800, spareDowngrades: 1 });
  });

  it('reads every field in the core units', () => {
    const doc = parsePolicyDocument(withTemporary({ mode: 'always', duration: '4h', minimum: 40, spareDowngrades: 0 }), 'test.yaml');

    expect(doc.policies[0]?.saturation.temporaryUpgrade).toEqual({ mode: 'always', durationSeconds: 14_400, minimumMbps: 40, spareDowngrades: 0 });
  });

  it('is off when absent', () => {
    const doc = parsePolicyDocument(documentWith({}), 'test.yaml');

    expect(doc.policies[0]?.saturation.temporaryUpgrade).toBeUndefined();
  });

  it('accepts a spare as large as always when the mode already says always', () => {
    const doc = parsePolicyDocument(withTemporary({ mode: 'always', spareDowngrades: 2 }), 'test.yaml');

    expect(doc.policies[0]?.saturation.temporaryUpgrade?.mode).toBe('always');
  });
});
