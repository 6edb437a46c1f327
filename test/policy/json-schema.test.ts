import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderPolicyJsonSchema } from '../../src/cli/schema';

describe('schema/policy.schema.json', () => {
  it('equals the schema generated from the zod schema, so it cannot drift (regenerate: bwscaler schema)', async () => {
    const committed = await readFile('schema/policy.schema.json', 'utf8');

    expect(committed).toBe(renderPolicyJsonSchema());
  });

  it('tells editors that unknown keys are errors at every level', () => {
    // Prepare: every object schema in the tree.
    const objects: Array<Record<string, unknown>> = [];
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (node && typeof node === 'object') {
        const record = node as Record<string, unknown>;
        if (record.type === 'object' && record.properties) objects.push(record);
        Object.values(record).forEach(visit);
      }
    };

    // Act
    visit(JSON.parse(renderPolicyJsonSchema()));

    // Assess
    expect(objects.length).toBeGreaterThan(10);
    expect(objects.filter((schema) => schema.additionalProperties !== false)).toEqual([]);
  });

  it('offers the documented defaults in user notation', () => {
    const schema = JSON.parse(renderPolicyJsonSchema());
    const policy = schema.properties.policies.items.properties;

    expect({
      mode: policy.mode.default,
      warmup: policy.warmup.default,
      scaleUpCooldown: policy.scaleUp.properties.cooldown.default,
      scaleDownCooldown: policy.scaleDown.properties.cooldown.default,
      stabilization: policy.scaleDown.properties.stabilization.default,
      minHold: policy.scaleDown.properties.minHold.default,
      saturation: [policy.saturation.properties.threshold.default, policy.saturation.properties.adjust.default],
      quota: policy.downgradeBudget.properties.quota.default,
      reserve: policy.downgradeBudget.properties.reserve.default,
      autoPay: policy.autoPay.default,
      allowZero: policy.allowZero.default,
    }).toEqual({
      mode: 'enforce',
      warmup: '5m',
      scaleUpCooldown: '5m',
      scaleDownCooldown: '15m',
      stabilization: '30m',
      minHold: '1h',
      saturation: [95, 'x2'],
      quota: 3,
      reserve: 1,
      autoPay: true,
      allowZero: false,
    });
  });

  it('is referenced by the example file through a path that resolves to it', async () => {
    const example = await readFile('examples/policy.yaml', 'utf8');

    expect(example).toMatch(/^# yaml-language-server: \$schema=\.\.\/schema\/policy\.schema\.json\n/);
    expect(parse(example).version).toBe(1);
  });
});
