// Validation holes found by review (issue 13): absurd durations, step bands acting against the target,
// and a downgrade quota above what the provider documents.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors';
import { parsePolicyDocument } from '../../src/policy/load';
import { documentWith } from './helpers';

function issuesOf(text: string): string[] {
  try {
    parsePolicyDocument(text, 'test.yaml');
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error('expected the document to be rejected');
}

describe('policy validation: money and safety holes', () => {
  const rejected: Array<{ name: string; text: string; issues: string[] }> = [
    {
      name: 'a warm-up of 99999999999999999999 days',
      text: documentWith({ warmup: '99999999999999999999d' }),
      issues: ['policies[0].warmup: expected a duration of at most 31d, got "99999999999999999999d"'],
    },
    {
      name: 'a cooldown in seconds beyond 31 days',
      text: documentWith({ scaleDown: { cooldown: 4_000_000 } }),
      issues: ['policies[0].scaleDown.cooldown: expected a duration of at most 31d, got 4000000'],
    },
    {
      name: 'a band above the target that lowers bandwidth',
      text: documentWith({ targetTracking: { target: 70 }, steps: [{ from: 80, to: 95, adjust: '-50' }] }),
      issues: [
        "policies[0].steps[0].adjust: expected an increase: this band is above targetTracking's target (70 %), and lowering bandwidth there raises utilisation further",
      ],
    },
    {
      name: 'a band below the target that raises bandwidth',
      text: documentWith({ targetTracking: { target: 70 }, steps: [{ from: 10, to: 40, adjust: 'x2' }] }),
      issues: [
        "policies[0].steps[0].adjust: expected a decrease: this band is below targetTracking's target (70 %), and raising bandwidth there lowers utilisation further",
      ],
    },
    {
      name: 'without a target, a lowering band above a raising one',
      text: documentWith({
        steps: [
          { from: 60, to: 80, adjust: '+10' },
          { from: 80, to: 95, adjust: '-50' },
        ],
      }),
      issues: ['policies[0].steps[1].adjust: expected a band that lowers bandwidth to end at or below steps[0], which raises it from 60 %'],
    },
    {
      name: 'a downgrade quota above the documented 3',
      text: documentWith({ downgradeBudget: { quota: 10 } }),
      issues: [
        "policies[0].downgradeBudget.quota: expected at most 3 (the documented quota); if this account's quota is larger, say so with accountQuota: true, got 10",
      ],
    },
    {
      name: 'a billing time zone that is not an offset',
      text: documentWith({ billingTimeZone: 'Asia/Shanghai' }),
      issues: ['policies[0].billingTimeZone: expected a UTC offset like "+08:00" or "UTC", got "Asia/Shanghai"'],
    },
  ];
  it.each(rejected)('rejects $name', ({ text, issues }) => {
    expect(issuesOf(text)).toEqual(issues);
  });

  const accepted: Array<{ name: string; text: string }> = [
    { name: 'the largest duration, 31 days', text: documentWith({ scaleDown: { minHold: '31d' } }) },
    { name: "a larger quota the policy says is the account's own", text: documentWith({ downgradeBudget: { quota: 10, accountQuota: true } }) },
    {
      name: 'bands toward the target',
      text: documentWith({
        targetTracking: { target: 70 },
        steps: [
          { to: 30, adjust: '-10' },
          { from: 85, adjust: '+20' },
        ],
      }),
    },
    { name: 'a band around the target', text: documentWith({ targetTracking: { target: 70 }, steps: [{ from: 60, to: 80, adjust: '=40' }] }) },
  ];
  it.each(accepted)('accepts $name', ({ text }) => {
    expect(() => parsePolicyDocument(text, 'test.yaml')).not.toThrow();
  });

  it('counts downgrades per month in UTC+8 by default; lifetime counting is one setting away', () => {
    const [monthly] = parsePolicyDocument(documentWith({}), 'test.yaml').policies;
    const [lifetime] = parsePolicyDocument(documentWith({ downgradeBudget: { monthlyReset: false } }), 'test.yaml').policies;

    expect([monthly?.downgradeBudget.monthlyReset, monthly?.billingUtcOffsetMinutes]).toEqual([true, 480]);
    expect(lifetime?.downgradeBudget.monthlyReset).toBe(false);
  });
});
