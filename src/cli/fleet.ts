// The resources (ECS instances, EIPs, shared bandwidth packages) a policy document manages, as the functions see them: listed ids and tag selectors
// resolved with DescribeInstances, each instance governed by the first policy that selects it
// (selectPolicy). The tick resolves its shard the same way (src/cycle/tick.ts describeManaged, which
// is private and shard-bound); the commands also need the ids a policy lists that ECS does not know.

import { kindOfId } from '../adapters/vpc';
import type { InstanceFacts, Policy } from '../core/types';
import { markManagedThroughEip } from '../cycle/managed-eip';
import { type PolicyDocument, selectPolicy } from '../policy/load';
import type { InstanceApi } from '../ports/cloud';

export interface ManagedInstance {
  instance: InstanceFacts;
  policy: Policy;
}

export interface Fleet {
  /** In policy file order, then by instance id: output reads in the order the file is written. */
  managed: ManagedInstance[];
  /** Ids a policy lists that DescribeInstances does not return (deleted, or a typo). */
  missing: Array<{ policy: string; instanceId: string }>;
}

/** `ecs`: the ECS adapter, or the provider router (src/adapters/bandwidth-provider.ts) for policies with eips:/bandwidthPackages:. */
export async function describeFleet(ecs: InstanceApi, doc: PolicyDocument): Promise<Fleet> {
  const found = new Map<string, InstanceFacts>();
  const missing: Fleet['missing'] = [];
  // Ids and tags are separate queries: a selector matches an instance listed in `ids` OR carrying
  // the tags, while DescribeInstances ANDs its filters.
  for (const { name, selector } of doc.policies) {
    if (selector.instanceIds && selector.instanceIds.length > 0) {
      const facts = await ecs.describeInstances({
        regionId: selector.regionId,
        instanceIds: selector.instanceIds,
        ...(selector.kind && { kind: selector.kind }),
      });
      for (const instance of facts) found.set(instance.instanceId, instance);
      const returned = new Set(facts.map((instance) => instance.instanceId));
      for (const id of selector.instanceIds) if (!returned.has(id)) missing.push({ policy: name, instanceId: id });
    }
    if (selector.tags) {
      // `kind` says which API a tag query is for (absent: ECS); the provider router reads it.
      const query = { regionId: selector.regionId, tags: selector.tags, ...(selector.kind && { kind: selector.kind }) };
      for (const instance of await ecs.describeInstances(query)) found.set(instance.instanceId, instance);
    }
  }
  const managed: ManagedInstance[] = [];
  for (const instance of found.values()) {
    const policy = selectPolicy(doc, instance);
    if (policy) managed.push({ instance, policy });
  }
  // As the tick marks them: plan must say what the tick would do (MANAGED_THROUGH_EIP, not EIP_BOUND).
  const marked = markManagedThroughEip(managed);
  const order = new Map(doc.policies.map((policy, index) => [policy, index]));
  marked.sort((a, b) => (order.get(a.policy) ?? 0) - (order.get(b.policy) ?? 0) || compareText(a.instance.instanceId, b.instance.instanceId));
  return { managed: marked, missing };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The one wording, and the one rule, for an instance id an operator named that the cloud does not
 * know (plan, setup-alarms, history, fetch-history): a warning naming it, and exit 1, after
 * whatever could be done for the ids that were found.
 */
export function unknownInstance(policy: string, instanceId: string): string {
  const kind = kindOfId(instanceId);
  const api = kind === 'eip' ? 'DescribeEipAddresses' : kind === 'cbwp' ? 'DescribeCommonBandwidthPackages' : 'DescribeInstances';
  return `policy ${policy} lists ${instanceId}, which ${api} does not return (deleted, another region, or a typo)`;
}
