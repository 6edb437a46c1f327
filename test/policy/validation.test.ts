import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors';
import { parsePolicyDocument } from '../../src/policy/load';
import { documentWith, documentWithPolicies, minimalPolicy } from './helpers';

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

const tz = { cron: '0 19 * * *', timezone: 'Asia/Shanghai' };

describe('policy validation: each problem names its path, what was expected and what was found', () => {
  const rows: Array<{ name: string; text: string; issues: string[] }> = [
    // durations and the provider lock
    {
      name: 'a scale-down cooldown shorter than the 5-minute provider lock',
      text: documentWith({ scaleDown: { cooldown: '2m' } }),
      issues: ['policies[0].scaleDown.cooldown: expected a duration of at least 5m, got "2m"'],
    },
    {
      name: 'a scale-up cooldown given in seconds below the lock',
      text: documentWith({ scaleUp: { cooldown: 120 } }),
      issues: ['policies[0].scaleUp.cooldown: expected a duration of at least 5m, got 120'],
    },
    {
      name: 'a duration in words',
      text: documentWith({ warmup: '5 minutes' }),
      issues: ['policies[0].warmup: expected a duration like "30s", "5m", "2h", "1d", "1h30m" or a number of seconds, got "5 minutes"'],
    },
    {
      name: 'a duration with units out of order',
      text: documentWith({ scaleDown: { minHold: '30m1h' } }),
      issues: ['policies[0].scaleDown.minHold: expected a duration like "30s", "5m", "2h", "1d", "1h30m" or a number of seconds, got "30m1h"'],
    },
    // bounds
    {
      name: 'minOut above maxOut',
      text: documentWith({ bounds: { minOut: 80, maxOut: 50 } }),
      issues: ['policies[0].bounds.minOut: expected at most maxOut (50), got 80'],
    },
    {
      name: 'maxOut above the ECS API maximum',
      text: documentWith({ bounds: { minOut: 5, maxOut: 250 } }),
      issues: ['policies[0].bounds.maxOut: expected at most 200 Mbps for ECS instances, got 250'],
    },
    {
      name: 'maxOut above what any kind accepts',
      text: documentWith({ bounds: { minOut: 5, maxOut: 1001 } }),
      issues: ['policies[0].bounds.maxOut: expected a whole number of Mbps from 1 to 1000, got 1001'],
    },
    {
      name: 'a fractional bandwidth',
      text: documentWith({ bounds: { minOut: 2.5, maxOut: 50 } }),
      issues: ['policies[0].bounds.minOut: expected a whole number of Mbps from 0 to 1000, got 2.5'],
    },
    {
      name: 'minIn above maxIn',
      text: documentWith({ bounds: { minOut: 5, maxOut: 50, minIn: 20, maxIn: 10 } }),
      issues: ['policies[0].bounds.minIn: expected at most maxIn (10), got 20'],
    },
    {
      name: 'no bounds',
      text: documentWith({ bounds: undefined }),
      issues: ['policies[0].bounds: expected a mapping, got nothing'],
    },
    // selection
    {
      name: 'instances without ids or tags',
      text: documentWith({ instances: { region: 'cn-hangzhou' } }),
      issues: ['policies[0].instances: expected ids or tags (or both) to select instances'],
    },
    {
      name: 'a region that is not a region id',
      text: documentWith({ instances: { region: 'Hangzhou', ids: ['i-web-1'] } }),
      issues: ['policies[0].instances.region: expected a region id such as "cn-hangzhou", got "Hangzhou"'],
    },
    {
      name: 'the same id twice in one policy',
      text: documentWith({ instances: { region: 'cn-hangzhou', ids: ['i-web-1', 'i-web-1'] } }),
      issues: ['policies[0].instances.ids[1]: expected each id once, got "i-web-1"'],
    },
    {
      name: 'an empty tag selector',
      text: documentWith({ instances: { region: 'cn-hangzhou', tags: {} } }),
      issues: ['policies[0].instances.tags: expected at least one tag'],
    },
    // target tracking, steps and saturation
    {
      name: 'a dead band reaching past 100 %',
      text: documentWith({ targetTracking: { target: 95, tolerance: 10 } }),
      issues: [
        'policies[0].targetTracking.tolerance: expected target ± tolerance to stay within 0–100 % (target 95), got 10',
        "policies[0].saturation.threshold: expected a threshold above targetTracking's band (95 + 10), got 95",
      ],
    },
    {
      name: 'targetTracking left empty (null) rather than {}',
      text: documentWith({ targetTracking: null }),
      issues: ['policies[0].targetTracking: expected a mapping, got null'],
    },
    {
      name: 'overlapping step bands',
      text: documentWith({
        steps: [
          { from: 60, to: 80, adjust: '+10' },
          { from: 70, adjust: '+20' },
        ],
      }),
      issues: ['policies[0].steps[1].from: expected a band that does not overlap steps[0] (60–80), got 70'],
    },
    {
      name: 'a band that ends where it starts',
      text: documentWith({ steps: [{ from: 50, to: 50, adjust: '+10' }] }),
      issues: ['policies[0].steps[0].to: expected more than from (50), got 50'],
    },
    {
      name: 'an adjustment in an unknown notation',
      text: documentWith({ steps: [{ from: 90, adjust: '*2' }] }),
      issues: ['policies[0].steps[0].adjust: expected an adjustment "+N" or "-N" (Mbps), "xF" (factor) or "=N" (set to N Mbps), got "*2"'],
    },
    {
      name: 'an unquoted +10, which YAML reads as a number',
      text: `${documentWith({})}    steps:\n      - { from: 90, adjust: +10 }\n`,
      issues: [
        'policies[0].steps[0].adjust: expected an adjustment "+N" or "-N" (Mbps), "xF" (factor) or "=N" (set to N Mbps) as a quoted string (YAML reads unquoted +10 as the number 10), got 10',
      ],
    },
    {
      name: 'an adjustment that changes nothing',
      text: documentWith({ steps: [{ from: 90, adjust: '+0' }] }),
      issues: ['policies[0].steps[0].adjust: expected a non-zero change, got "+0"'],
    },
    {
      name: 'a factor of 1',
      text: documentWith({ steps: [{ from: 90, adjust: 'x1' }] }),
      issues: ['policies[0].steps[0].adjust: expected a factor other than 1, got "x1"'],
    },
    {
      name: 'a saturation response that lowers the bandwidth',
      text: documentWith({ saturation: { adjust: '-5' } }),
      issues: ['policies[0].saturation.adjust: expected an increase ("+N" or "xF" with F > 1), got "-5"'],
    },
    {
      name: 'a saturation threshold inside the target-tracking band',
      text: documentWith({ targetTracking: { target: 70, tolerance: 10 }, saturation: { threshold: 75 } }),
      issues: ["policies[0].saturation.threshold: expected a threshold above targetTracking's band (70 + 10), got 75"],
    },
    // schedules
    {
      name: 'a cron with four fields',
      text: documentWith({ schedules: [{ name: 'peak', ...tz, cron: '0 19 * *', duration: '4h', floor: 20 }] }),
      issues: [
        'policies[0].schedules[0].cron: expected a 5-field cron expression (minute hour day-of-month month day-of-week); it has 4 fields, got "0 19 * *"',
      ],
    },
    {
      name: 'a cron with an hour out of range',
      text: documentWith({ schedules: [{ name: 'peak', ...tz, cron: '0 25 * * *', duration: '4h', floor: 20 }] }),
      issues: [
        'policies[0].schedules[0].cron: expected a 5-field cron expression (minute hour day-of-month month day-of-week); Invalid value for hour: 25, got "0 25 * * *"',
      ],
    },
    {
      name: 'a cron that never fires',
      text: documentWith({ schedules: [{ name: 'peak', ...tz, cron: '0 0 30 2 *', duration: '4h', floor: 20 }] }),
      issues: [
        'policies[0].schedules[0].cron: expected a 5-field cron expression (minute hour day-of-month month day-of-week); it never fires, got "0 0 30 2 *"',
      ],
    },
    {
      name: 'an unknown time zone',
      text: documentWith({ schedules: [{ name: 'peak', ...tz, timezone: 'Asia/Beijing', duration: '4h', floor: 20 }] }),
      issues: ['policies[0].schedules[0].timezone: expected an IANA time zone such as "Asia/Shanghai" or "UTC", got "Asia/Beijing"'],
    },
    {
      name: 'a window that sets nothing',
      text: documentWith({ schedules: [{ name: 'peak', ...tz, duration: '4h' }] }),
      issues: ['policies[0].schedules[0]: expected at least one of floor, ceiling or exact'],
    },
    {
      name: 'exact together with floor',
      text: documentWith({ schedules: [{ name: 'peak', ...tz, duration: '4h', exact: 30, floor: 20 }] }),
      issues: ['policies[0].schedules[0].exact: expected exact alone (it already fixes the bandwidth), not with floor or ceiling, got 30'],
    },
    {
      name: 'a floor above the ceiling',
      text: documentWith({ schedules: [{ name: 'peak', ...tz, duration: '4h', floor: 40, ceiling: 30 }] }),
      issues: ['policies[0].schedules[0].floor: expected at most ceiling (30), got 40'],
    },
    {
      name: 'a window value outside the bounds',
      text: documentWith({ schedules: [{ name: 'peak', ...tz, duration: '4h', floor: 80 }] }),
      issues: ['policies[0].schedules[0].floor: expected a value within bounds (5–50 Mbps), got 80'],
    },
    {
      name: 'a temporary upgrade shorter than 3 hours',
      text: documentWith({ schedules: [{ name: 'peak', ...tz, duration: '2h', floor: 40, temporaryUpgrade: true }] }),
      issues: ['policies[0].schedules[0].duration: expected a duration of at least 3h for a temporaryUpgrade window (EndTime - StartTime >= 3 h), got "2h"'],
    },
    {
      name: 'a temporary upgrade that ends off the hour',
      text: documentWith({ schedules: [{ name: 'peak', ...tz, duration: '3h30m', floor: 40, temporaryUpgrade: true }] }),
      issues: [
        'policies[0].schedules[0].duration: expected a temporaryUpgrade window to end on a UTC hour (its EndTime has hour precision); this one ends at :30 UTC, got "3h30m"',
      ],
    },
    {
      name: 'a temporary upgrade on the hour in India, which is 30 minutes off UTC',
      text: documentWith({
        schedules: [{ name: 'peak', cron: '0 19 * * *', timezone: 'Asia/Kolkata', duration: '3h', floor: 40, temporaryUpgrade: true }],
      }),
      issues: [
        'policies[0].schedules[0].duration: expected a temporaryUpgrade window to end on a UTC hour (its EndTime has hour precision); this one ends at :30 UTC, got "3h"',
      ],
    },
    {
      name: 'a temporary upgrade starting every few minutes',
      text: documentWith({
        schedules: [{ name: 'peak', ...tz, cron: '*/5 19 * * *', duration: '3h', floor: 40, temporaryUpgrade: true }],
      }),
      issues: [
        'policies[0].schedules[0].cron: expected a single start minute for a temporaryUpgrade window (its EndTime has hour precision), got "*/5 19 * * *"',
      ],
    },
    {
      name: 'a temporary upgrade in an unknown zone (reported once, by the zone)',
      text: documentWith({
        schedules: [{ name: 'peak', ...tz, timezone: 'Mars/Olympus', duration: '3h', floor: 40, temporaryUpgrade: true }],
      }),
      issues: ['policies[0].schedules[0].timezone: expected an IANA time zone such as "Asia/Shanghai" or "UTC", got "Mars/Olympus"'],
    },
    {
      name: 'a temporary upgrade with only a ceiling',
      text: documentWith({ schedules: [{ name: 'peak', ...tz, duration: '4h', ceiling: 40, temporaryUpgrade: true }] }),
      issues: ['policies[0].schedules[0].temporaryUpgrade: expected floor or exact with temporaryUpgrade (the upgrade needs a target), got true'],
    },
    // budget, spend, override
    {
      name: 'a reserve that leaves no downgrade for ordinary scale-down',
      text: documentWith({ downgradeBudget: { quota: 1 } }),
      issues: ['policies[0].downgradeBudget.reserve: expected fewer than quota (1), so that ordinary scale-down keeps at least one downgrade, got 1'],
    },
    {
      name: 'a quota of zero',
      text: documentWith({ downgradeBudget: { quota: 0, reserve: 0 } }),
      issues: ['policies[0].downgradeBudget.quota: expected a whole number of downgrades >= 1, got 0'],
    },
    {
      name: 'a spend guard without a budget',
      text: documentWith({ spendGuard: { pricePerGb: 0.8 } }),
      issues: ['policies[0].spendGuard: expected budgetCnyPerHour or budgetCnyPerDay (or both)'],
    },
    {
      name: 'an override until a time without a zone',
      text: documentWith({ override: { bandwidth: 40, until: '2025-06-01 20:00', reason: 'launch' } }),
      issues: ['policies[0].override.until: expected an ISO 8601 time with seconds and a zone, e.g. "2025-06-01T20:00:00+08:00", got "2025-06-01 20:00"'],
    },
    {
      name: 'an override without a reason',
      text: documentWith({ override: { bandwidth: 40, until: '2025-06-01T20:00:00Z', reason: '  ' } }),
      issues: ['policies[0].override.reason: expected a reason (who asked and why), got "  "'],
    },
    {
      name: 'an override outside the bounds (the core would clamp it silently)',
      text: documentWith({ override: { bandwidth: 120, until: '2025-06-01T20:00:00Z', reason: 'launch' } }),
      issues: ['policies[0].override.bandwidth: expected a value within bounds (5–50 Mbps), which hold for overrides too, got 120'],
    },
    {
      name: 'a scale-down step of more than 100 %',
      text: documentWith({ scaleDown: { maxStep: '150%' } }),
      issues: ['policies[0].scaleDown.maxStep: expected a percentage above 0% and at most 100%, got "150%"'],
    },
    {
      name: 'a max step of zero Mbps',
      text: documentWith({ scaleUp: { maxStep: 0 } }),
      issues: ['policies[0].scaleUp.maxStep: expected a maximum step in Mbps (a whole number) or a percentage of the current bandwidth like "50%", got 0'],
    },
    // safety and identity
    {
      name: 'an unknown mode',
      text: documentWith({ mode: 'dry-run' }),
      issues: ['policies[0].mode: expected "observe" or "enforce", got "dry-run"'],
    },
    {
      name: 'a yes/no word for a boolean (YAML 1.2 reads it as a string)',
      text: documentWith({ paused: 'yes' }),
      issues: ['policies[0].paused: expected true or false, got "yes"'],
    },
    {
      name: 'a policy name with spaces',
      text: documentWith({ name: 'web fleet' }),
      issues: ['policies[0].name: expected a policy name (letters, digits, ".", "_", "-"; up to 64), got "web fleet"'],
    },
    {
      name: 'two policies with one name',
      text: documentWithPolicies({}, { instances: { region: 'cn-hangzhou', tags: { app: 'api' } } }),
      issues: ['policies[1].name: expected a unique name (policies[0] has it), got "web"'],
    },
    {
      name: 'one instance claimed by two policies',
      text: documentWithPolicies({}, { name: 'other' }),
      issues: ['policies[1].instances.ids[0]: expected an instance managed by one policy only (policies[0] lists it), got "i-web-1"'],
    },
    // the document
    {
      name: 'an unsupported version',
      text: 'version: 2\npolicies: []\n',
      issues: ['version: expected version: 1, got 2', 'policies: expected at least one policy, got an empty list'],
    },
    {
      name: 'policies that are not mappings',
      text: 'version: 1\npolicies: [5, null, []]\n',
      issues: ['policies[0]: expected a mapping, got 5', 'policies[1]: expected a mapping, got null', 'policies[2]: expected a mapping, got an empty list'],
    },
    {
      name: 'a list instead of a document',
      text: '- version: 1\n',
      issues: ['(document): expected a mapping, got a list'],
    },
    {
      name: 'an empty file',
      text: '',
      issues: ['(document): expected a mapping, got null'],
    },
  ];

  it.each(rows)('rejects $name', ({ text, issues }) => {
    // Act
    const actual = issuesOf(text);

    // Assess
    expect(actual).toEqual(issues);
  });

  it('reports every problem in the file at once, across policies and depths', () => {
    // Prepare
    const text = documentWithPolicies(
      { bounds: { minOut: 80, maxOut: 50 }, scaleDown: { cooldown: '2m' } },
      { name: 'api', instances: { region: 'cn-hangzhou', ids: ['i-web-1'] }, mode: 'sometimes' },
    );

    // Act
    const actual = issuesOf(text);

    // Assess
    expect(actual).toEqual([
      'policies[0].bounds.minOut: expected at most maxOut (50), got 80',
      'policies[0].scaleDown.cooldown: expected a duration of at least 5m, got "2m"',
      'policies[1].mode: expected "observe" or "enforce", got "sometimes"',
      'policies[1].instances.ids[0]: expected an instance managed by one policy only (policies[0] lists it), got "i-web-1"',
    ]);
  });

  it('names the source and counts the problems in the error message', () => {
    // Act
    const attempt = () => parsePolicyDocument(documentWith({ scaleDown: { cooldown: '2m' } }), 'ops/policy.yaml');

    // Assess
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow('ops/policy.yaml: invalid policy file (1 problem)\n  policies[0].scaleDown.cooldown: expected a duration of at least 5m, got "2m"');
  });
});

describe('unknown keys are errors at every depth, with a suggestion for a likely typo', () => {
  const rows: Array<{ name: string; text: string; issues: string[] }> = [
    {
      name: 'at the top level',
      text: `version: 1\npolices: []\n`,
      issues: ['policies: expected a list of policies, got nothing', 'polices: unknown key (did you mean "policies"?)'],
    },
    {
      name: 'in a policy',
      text: documentWith({ scaleDwon: { cooldown: '1h' } }),
      issues: ['policies[0].scaleDwon: unknown key (did you mean "scaleDown"?)'],
    },
    {
      name: 'in a nested block, listing the known keys when nothing is close',
      text: documentWith({ scaleDown: { coolness: '1h' } }),
      issues: ['policies[0].scaleDown.coolness: unknown key (expected one of: cooldown, stabilization, maxStep, minHold, projectedCheck)'],
    },
    {
      name: 'in a schedule window inside a list',
      text: documentWith({ schedules: [{ name: 'peak', ...tz, duration: '4h', floor: 20, timeZone: 'UTC' }] }),
      issues: ['policies[0].schedules[0].timeZone: unknown key (did you mean "timezone"?)'],
    },
    {
      name: 'several in one block, one line each',
      text: documentWith({ bounds: { minOut: 5, maxOut: 50, min: 1, 'max out': 2 } }),
      issues: ['policies[0].bounds.min: unknown key (did you mean "minIn"?)', 'policies[0].bounds["max out"]: unknown key (did you mean "maxOut"?)'],
    },
  ];

  it.each(rows)('rejects an unknown key $name', ({ text, issues }) => {
    expect(issuesOf(text)).toEqual(issues);
  });
});

describe('YAML syntax errors are reported with line:column', () => {
  const rows = [
    {
      name: 'a key written twice (the first value would be silently dropped)',
      text: `version: 1\npolicies: []\nversion: 1\n`,
      issues: ['3:1: Map keys must be unique'],
    },
    {
      name: 'an unterminated flow sequence',
      text: `version: 1\npolicies: [`,
      issues: ['2:12: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    },
    {
      name: 'tab indentation',
      text: `\tversion: 1\n`,
      issues: ['1:1: Tabs are not allowed as indentation'],
    },
    {
      name: 'an unquoted cron that starts with "*" (a YAML alias), once with the fix',
      text: `version: 1\npolicies:\n  - schedules:\n      - cron: */5 * * * *\n`,
      issues: ['4:15: unknown alias "*/5"; quote a value that starts with "*", e.g. cron: "*/5 * * * *"'],
    },
    {
      name: 'two documents in one file',
      text: `version: 1\n---\nversion: 1\n`,
      issues: ['2:1: expected a single YAML document'],
    },
    {
      name: 'broken JSON',
      text: `{"version": 1,`,
      issues: ['1:15: Flow map must end with a }'],
    },
  ];

  it.each(rows)('rejects $name', ({ text, issues }) => {
    expect(issuesOf(text)).toEqual(issues);
  });

  it('accepts JSON, which YAML 1.2 contains', () => {
    // Act
    const doc = parsePolicyDocument(JSON.stringify({ version: 1, policies: [minimalPolicy] }), 'policy.json');

    // Assess
    expect(doc.policies.map((policy) => policy.name)).toEqual(['web']);
  });
});

describe('policy validation: the predictive block', () => {
  const rows: Array<{ name: string; predictive: Record<string, unknown>; issues: string[] }> = [
    {
      name: 'a set margin not above the trigger',
      predictive: { trigger: 5, set: 4 },
      issues: ['policies[0].predictive.set: expected more than trigger (5), got 4'],
    },
    {
      name: 'an unknown mode',
      predictive: { mode: 'forecast' },
      issues: ['policies[0].predictive.mode: expected "forecast-only" or "forecast-and-scale", got "forecast"'],
    },
    {
      name: 'a misspelt key',
      predictive: { trigerr: 3 },
      issues: ['policies[0].predictive.trigerr: unknown key (did you mean "trigger"?)'],
    },
    {
      name: 'a negative Mbps margin',
      predictive: { setMbps: -1 },
      issues: ['policies[0].predictive.setMbps: expected a number of Mbps from 0 to 100, got -1'],
    },
    {
      name: 'a changes budget of none a day',
      predictive: { changesPerDay: 0 },
      issues: ['policies[0].predictive.changesPerDay: expected a number of changes a day from 1 to 1440, got 0'],
    },
    {
      name: 'a hold share over 100 %',
      predictive: { holdShare: 150 },
      issues: ['policies[0].predictive.holdShare: expected a percentage from 0 to 100, got 150'],
    },
    {
      name: 'fewer seasonal days than minDays',
      predictive: { seasonal: { days: 3, minDays: 7 } },
      issues: ['policies[0].predictive.seasonal.minDays: expected at most days (3), got 7'],
    },
    {
      name: 'a profile quantile above 1',
      predictive: { seasonal: { quantile: 1.5 } },
      issues: ['policies[0].predictive.seasonal.quantile: expected a number from 0 to 1, got 1.5'],
    },
    {
      name: 'a time-of-day window longer than half the day',
      predictive: { seasonal: { window: '13h' } },
      issues: ['policies[0].predictive.seasonal.window: expected at most half of dayLength (43200 s), got 46800'],
    },
    {
      name: 'a window mean that is not a duration',
      predictive: { seasonal: { windowMean: 'ten minutes' } },
      issues: [
        'policies[0].predictive.seasonal.windowMean: expected a duration like "30s", "5m", "2h", "1d", "1h30m" or a number of seconds, got "ten minutes"',
      ],
    },
    {
      name: 'a misspelt seasonal key',
      predictive: { seasonal: { windw: '45m' } },
      issues: ['policies[0].predictive.seasonal.windw: unknown key (did you mean "window"?)'],
    },
  ];
  it.each(rows)('$name', ({ predictive, issues }) => {
    expect(issuesOf(documentWith({ predictive }))).toEqual(issues);
  });

  it('defaults: forecast-only, the issue 14 band, no seasonal factor', () => {
    const policy = parsePolicyDocument(documentWith({ predictive: {} }), 'test.yaml').policies[0];

    expect(policy?.predictive).toMatchObject({ mode: 'forecast-only', triggerPercent: 3.7, setPercent: 9.3, smallMbps: 5, censoredPercent: 98 });
    expect(policy?.predictive?.seasonal).toBeUndefined();
  });

  it('reads the profile options into seconds, and leaves them out when absent', () => {
    const withOptions = parsePolicyDocument(documentWith({ predictive: { seasonal: { quantile: 0.75, window: '45m', windowMean: '10m' } } }), 'test.yaml')
      .policies[0];
    const without = parsePolicyDocument(documentWith({ predictive: { seasonal: {} } }), 'test.yaml').policies[0];

    expect(withOptions?.predictive?.seasonal).toMatchObject({ quantile: 0.75, windowSeconds: 2700, windowMeanSeconds: 600 });
    expect(without?.predictive?.seasonal).not.toHaveProperty('quantile');
    expect(without?.predictive?.seasonal).not.toHaveProperty('windowSeconds');
    expect(without?.predictive?.seasonal).not.toHaveProperty('windowMeanSeconds');
  });

  it('margins in Mbps, the changes budget and the hold share: 0, none and 0 by default, as written otherwise', () => {
    const byDefault = parsePolicyDocument(documentWith({ predictive: {} }), 'test.yaml').policies[0]?.predictive;
    const written = parsePolicyDocument(documentWith({ predictive: { triggerMbps: 0.5, setMbps: 1, changesPerDay: 40, holdShare: 7 } }), 'test.yaml')
      .policies[0]?.predictive;

    expect(byDefault).toMatchObject({ triggerMbps: 0, setMbps: 0, holdPercent: 0 });
    expect(byDefault?.changesPerDay).toBeUndefined();
    expect(written).toMatchObject({ triggerMbps: 0.5, setMbps: 1, changesPerDay: 40, holdPercent: 7 });
  });
});
