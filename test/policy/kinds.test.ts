// Policies select ECS instances (`instances:`), Elastic IPs (`eips:`) or shared bandwidth packages
// (`bandwidthPackages:`), by id or tag; one kind per policy, and a resource is managed by the first
// policy of its own kind that selects it.
import { describe, expect, it } from 'vitest';
import type { InstanceFacts } from '../../src/core/types';
import { ValidationError } from '../../src/errors';
import { loadPolicyFile, parsePolicyDocument, selectPolicy } from '../../src/policy/load';
import { makeInstance } from '../fixtures/policies';
import { documentWith, documentWithPolicies } from './helpers';

function issuesOf(text: string): string[] {
  try {
    parsePolicyDocument(text, 'test.yaml');
    return [];
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
}

describe('policy selectors per kind', () => {
  const invalid: Array<{ name: string; patch: Record<string, unknown>; issues: string[] }> = [
    {
      name: 'two selectors in one policy',
      patch: { eips: { region: 'cn-hangzhou', ids: ['eip-a'] } },
      issues: [
        'policies[0]: expected exactly one of instances, eips or bandwidthPackages to say what the policy scales (one policy per kind), got "instances and eips"',
      ],
    },
    {
      name: 'an instance id under eips',
      patch: { instances: undefined, eips: { region: 'cn-hangzhou', ids: ['i-a'] } },
      issues: ['policies[0].eips.ids[0]: expected an EIP id such as "eip-bp1example", got "i-a"'],
    },
    {
      name: 'a bandwidthPackages selector without ids or tags',
      patch: { instances: undefined, bandwidthPackages: { region: 'cn-hangzhou' } },
      issues: ['policies[0].bandwidthPackages: expected ids or tags (or both) to select shared bandwidth packages'],
    },
  ];

  it.each(invalid)('rejects $name', ({ patch, issues }) => {
    expect(issuesOf(documentWith(patch))).toEqual(issues);
  });

  it('accepts an EIP policy above the ECS ceiling and a package policy by tag', () => {
    const doc = parsePolicyDocument(
      documentWithPolicies(
        { instances: undefined, name: 'edge', eips: { region: 'cn-hangzhou', ids: ['eip-a'] }, bounds: { minOut: 5, maxOut: 500 } },
        { instances: undefined, name: 'shared', bandwidthPackages: { region: 'cn-hangzhou', tags: { app: 'shared' } }, bounds: { minOut: 200, maxOut: 1000 } },
      ),
      'test.yaml',
    );
    expect(doc.policies.map((p) => p.selector)).toEqual([
      { regionId: 'cn-hangzhou', kind: 'eip', instanceIds: ['eip-a'] },
      { regionId: 'cn-hangzhou', kind: 'cbwp', tags: { app: 'shared' } },
    ]);
  });

  it('examples/vpc-policy.yaml is valid and selects the demo EIP and package', async () => {
    const doc = await loadPolicyFile('examples/vpc-policy.yaml');
    expect(doc.policies.map((p) => [p.name, p.selector.kind])).toEqual([
      ['demo-eip', 'eip'],
      ['demo-egress', 'cbwp'],
    ]);
  });

  it('a tag selects only resources of its own kind', () => {
    const doc = parsePolicyDocument(
      documentWithPolicies(
        { name: 'web', instances: { region: 'cn-hangzhou', tags: { app: 'x' } } },
        { name: 'shared', instances: undefined, bandwidthPackages: { region: 'cn-hangzhou', tags: { app: 'x' } } },
      ),
      'test.yaml',
    );
    const pkg: InstanceFacts = makeInstance({ instanceId: 'cbwp-1', kind: 'cbwp', tags: { app: 'x' } });
    const instance: InstanceFacts = makeInstance({ instanceId: 'i-1', tags: { app: 'x' } });
    expect(selectPolicy(doc, pkg)?.name).toBe('shared');
    expect(selectPolicy(doc, instance)?.name).toBe('web');
  });
});
