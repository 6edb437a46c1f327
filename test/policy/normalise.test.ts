import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { InstanceFacts, Policy } from '../../src/core/types';
import { ConfigError, ValidationError } from '../../src/errors';
import { loadPolicyFile, type PolicyDocument, parsePolicyDocument, selectPolicy } from '../../src/policy/load';
import { makeInstance } from '../fixtures/policies';
import { documentWith, documentWithPolicies } from './helpers';

function onlyPolicy(text: string): Policy {
  const [policy] = parsePolicyDocument(text, 'test.yaml').policies;
  if (!policy) throw new Error('expected one policy');
  return policy;
}

describe('defaults', () => {
  it('fills every optional field of a minimal policy with its documented default', () => {
    // Act
    const policy = onlyPolicy(documentWith({}));

    // Assess
    expect(policy).toEqual({
      name: 'web',
      selector: { regionId: 'cn-hangzhou', instanceIds: ['i-web-1'] },
      mode: 'enforce',
      paused: false,
      bounds: { minOut: 5, maxOut: 50 },
      stepRules: [],
      saturation: { thresholdPercent: 95, adjust: { type: 'multiply', factor: 2 } },
      schedules: [],
      behavior: {
        scaleUpCooldownSeconds: 300,
        scaleDownCooldownSeconds: 900,
        scaleDownStabilizationSeconds: 1800,
        warmupSeconds: 300,
        maxSampleAgeSeconds: 900,
        minHoldBeforeDowngradeSeconds: 3600,
        projectedCheck: true,
      },
      downgradeBudget: { quota: 3, reserve: 1, monthlyReset: true },
      autoPay: true,
      allowZero: false,
      billingUtcOffsetMinutes: 480,
    } satisfies Policy);
  });

  const rows: Array<{ name: string; patch: Record<string, unknown>; pick: (policy: Policy) => unknown; expected: unknown }> = [
    {
      name: 'target tracking is off unless the policy has the key',
      patch: {},
      pick: (policy) => policy.targetTracking,
      expected: undefined,
    },
    {
      name: 'targetTracking: {} turns it on with target 70 and tolerance 10',
      patch: { targetTracking: {} },
      pick: (policy) => policy.targetTracking,
      expected: { targetUtilization: 70, tolerance: 10 },
    },
    {
      name: 'a spend guard prices traffic at the example 0.8 CNY/GB',
      patch: { spendGuard: { budgetCnyPerDay: 100 } },
      pick: (policy) => policy.spendGuard,
      expected: { pricePerGb: 0.8, budgetCnyPerDay: 100 },
    },
    {
      name: 'a partial scaleDown block keeps the defaults of the keys it omits',
      patch: { scaleDown: { cooldown: '1h' } },
      pick: (policy) => policy.behavior,
      expected: {
        scaleUpCooldownSeconds: 300,
        scaleDownCooldownSeconds: 3600,
        scaleDownStabilizationSeconds: 1800,
        warmupSeconds: 300,
        maxSampleAgeSeconds: 900,
        minHoldBeforeDowngradeSeconds: 3600,
        projectedCheck: true,
      },
    },
    {
      name: 'a partial downgradeBudget keeps the default reserve',
      patch: { downgradeBudget: { quota: 5, accountQuota: true, monthlyReset: true } },
      pick: (policy) => policy.downgradeBudget,
      expected: { quota: 5, reserve: 1, monthlyReset: true },
    },
    {
      name: 'a schedule window is not a temporary upgrade unless it says so',
      patch: { schedules: [{ name: 'night', cron: '0 1 * * *', timezone: 'UTC', duration: '5h', ceiling: 10 }] },
      pick: (policy) => policy.schedules[0]?.temporaryUpgrade,
      expected: false,
    },
    {
      name: 'a step band without from starts at 0 and one without to is open-ended',
      patch: {
        steps: [
          { adjust: '-5', to: 20 },
          { from: 90, adjust: '+5' },
        ],
      },
      pick: (policy) => policy.stepRules.map(({ from, to }) => [from, to]),
      expected: [
        [0, 20],
        [90, Number.POSITIVE_INFINITY],
      ],
    },
  ];

  it.each(rows)('$name', ({ patch, pick, expected }) => {
    expect(pick(onlyPolicy(documentWith(patch)))).toEqual(expected);
  });
});

describe('normalisation into the core Policy', () => {
  const rows: Array<{ name: string; patch: Record<string, unknown>; pick: (policy: Policy) => unknown; expected: unknown }> = [
    {
      name: 'durations become seconds, whatever their notation',
      patch: { warmup: '1h30m', scaleUp: { cooldown: 600 }, scaleDown: { stabilization: '1d', minHold: '45s' } },
      pick: ({ behavior }) => [
        behavior.warmupSeconds,
        behavior.scaleUpCooldownSeconds,
        behavior.scaleDownStabilizationSeconds,
        behavior.minHoldBeforeDowngradeSeconds,
      ],
      expected: [5400, 600, 86_400, 45],
    },
    {
      name: 'adjustments become typed objects',
      patch: {
        steps: [
          { from: 0, to: 20, adjust: '=10' },
          { from: 20, to: 40, adjust: 'x0.5' },
          { from: 40, to: 60, adjust: '-5' },
          { from: 85, adjust: '+10' },
        ],
      },
      pick: (policy) => policy.stepRules.map((rule) => rule.adjust),
      expected: [
        { type: 'set', mbps: 10 },
        { type: 'multiply', factor: 0.5 },
        { type: 'add', mbps: -5 },
        { type: 'add', mbps: 10 },
      ],
    },
    {
      name: 'step bands are listed in ascending order',
      patch: {
        steps: [
          { from: 85, adjust: '+10' },
          { from: 0, to: 30, adjust: '-5' },
        ],
      },
      pick: (policy) => policy.stepRules.map((rule) => rule.from),
      expected: [0, 85],
    },
    {
      name: 'max steps become Mbps or percent limits per direction',
      patch: { scaleUp: { maxStep: 20 }, scaleDown: { maxStep: '50%' } },
      pick: ({ behavior }) => [behavior.maxStepUpMbps, behavior.maxStepUpPercent, behavior.maxStepDownMbps, behavior.maxStepDownPercent],
      expected: [20, undefined, undefined, 50],
    },
    {
      name: 'an override ends at epoch milliseconds',
      patch: { override: { bandwidth: 40, until: '2025-06-01T20:00:00+08:00', reason: ' launch day ' } },
      pick: (policy) => policy.override,
      expected: { bandwidth: 40, until: Date.UTC(2025, 5, 1, 12), reason: 'launch day' },
    },
    {
      name: 'the selector takes region, ids and tags',
      patch: { instances: { region: 'cn-shanghai', ids: ['i-a'], tags: { app: 'web', tier: 'edge' } } },
      pick: (policy) => policy.selector,
      expected: { regionId: 'cn-shanghai', instanceIds: ['i-a'], tags: { app: 'web', tier: 'edge' } },
    },
    {
      name: 'a temporary upgrade that ends on a UTC hour in a half-hour zone is accepted',
      patch: {
        schedules: [{ name: 'peak', cron: '30 19 * * *', timezone: 'Asia/Kolkata', duration: '3h', exact: 40, temporaryUpgrade: true }],
      },
      pick: (policy) => policy.schedules,
      expected: [{ name: 'peak', cron: '30 19 * * *', timezone: 'Asia/Kolkata', durationSeconds: 10_800, exact: 40, temporaryUpgrade: true }],
    },
    {
      name: 'a temporary upgrade in a DST zone that ends on the hour all year is accepted',
      patch: {
        schedules: [{ name: 'peak', cron: '0 18 * * 1-5', timezone: 'Europe/Berlin', duration: '4h', floor: 30, temporaryUpgrade: true }],
      },
      pick: (policy) => policy.schedules[0]?.durationSeconds,
      expected: 14_400,
    },
  ];

  it.each(rows)('$name', ({ patch, pick, expected }) => {
    expect(pick(onlyPolicy(documentWith(patch)))).toEqual(expected);
  });
});

describe('selectPolicy', () => {
  const doc: PolicyDocument = parsePolicyDocument(
    documentWithPolicies(
      { name: 'pinned', instances: { region: 'cn-hangzhou', ids: ['i-pinned'] } },
      { name: 'web-edge', instances: { region: 'cn-hangzhou', tags: { app: 'web', tier: 'edge' } } },
      { name: 'web', instances: { region: 'cn-hangzhou', tags: { app: 'web' } } },
      { name: 'web-shanghai', instances: { region: 'cn-shanghai', tags: { app: 'web' } } },
    ),
    'test.yaml',
  );

  function instance(patch: Partial<InstanceFacts>): InstanceFacts {
    return makeInstance({ instanceId: 'i-other', ...patch });
  }

  const rows: Array<{ name: string; facts: Partial<InstanceFacts>; expected: string | undefined }> = [
    { name: 'an instance listed by id', facts: { instanceId: 'i-pinned', tags: { app: 'web' } }, expected: 'pinned' },
    { name: 'the first policy in file order whose tags all match', facts: { tags: { app: 'web', tier: 'edge' } }, expected: 'web-edge' },
    { name: 'a broader tag policy when a narrower one does not match', facts: { tags: { app: 'web', tier: 'core' } }, expected: 'web' },
    { name: 'the policy of the instance region', facts: { regionId: 'cn-shanghai', tags: { app: 'web' } }, expected: 'web-shanghai' },
    { name: 'nothing when no tag set matches', facts: { tags: { app: 'api' } }, expected: undefined },
    { name: 'nothing for a listed id in another region', facts: { instanceId: 'i-pinned', regionId: 'cn-beijing' }, expected: undefined },
  ];

  it.each(rows)('selects $name', ({ facts, expected }) => {
    expect(selectPolicy(doc, instance(facts))?.name).toBe(expected);
  });
});

describe('loadPolicyFile', () => {
  it('loads the commented example, which manages the demo fleet', async () => {
    // Act
    const doc = await loadPolicyFile('examples/policy.yaml');

    // Assess
    expect(doc.policies.map((policy) => [policy.name, policy.selector])).toEqual([
      ['web-fleet', { regionId: 'cn-hangzhou', tags: { app: 'web' } }],
      ['shop-subscription', { regionId: 'cn-hangzhou', instanceIds: ['i-demo-sub-1'] }],
      ['api-traffic', { regionId: 'cn-hangzhou', instanceIds: ['i-demo-traffic-1'] }],
    ]);
    const [, shop, api] = doc.policies;
    expect(shop?.schedules).toEqual([
      { name: 'evening-peak', cron: '0 19 * * *', timezone: 'Asia/Shanghai', durationSeconds: 14_400, floor: 50, temporaryUpgrade: true },
    ]);
    expect(api?.spendGuard).toEqual({ pricePerGb: 0.8, budgetCnyPerHour: 30, budgetCnyPerDay: 450 });
  });

  it('points editors at the committed JSON Schema on its first line', async () => {
    const text = await readFile('examples/policy.yaml', 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../schema/policy.schema.json');
  });

  it('reports an unreadable file as a ConfigError naming the path', async () => {
    await expect(loadPolicyFile('examples/no-such-policy.yaml')).rejects.toThrow(ConfigError);
    await expect(loadPolicyFile('examples/no-such-policy.yaml')).rejects.toThrow(/examples\/no-such-policy\.yaml/);
  });

  it('reports an invalid file as a ValidationError whose message names the file', async () => {
    await expect(loadPolicyFile('package.json')).rejects.toThrow(ValidationError);
    await expect(loadPolicyFile('package.json')).rejects.toThrow(/^package\.json: invalid policy file/);
  });
});
