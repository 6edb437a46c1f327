// An ECS instance whose bound EIP a policy manages is served through that EIP: the decision reports
// MANAGED_THROUGH_EIP instead of EIP_BOUND (src/core/guards.ts stopWhenEipBound). The tick and the
// alarm path both mark it here, so the two can never disagree about the same instance.
import type { InstanceFacts, Policy } from '../core/types';
import { type PolicyDocument, selectPolicy } from '../policy/load';
import type { BandwidthProvider } from '../ports/cloud';

/**
 * Marks each instance of `managed` whose bound EIP is also in `managed` (under its own policy). The
 * tick passes its shard's managed resources; only EIPs among them are known.
 */
export function markManagedThroughEip<T extends { instance: InstanceFacts; policy: Policy }>(managed: T[]): T[] {
  const eipPolicies = new Map(managed.filter(({ instance }) => instance.kind === 'eip').map(({ instance, policy }) => [instance.instanceId, policy.name]));
  if (eipPolicies.size === 0) return managed;
  return managed.map((entry) => {
    const eipId = entry.instance.eipAllocationId;
    const policy = eipId === undefined ? undefined : eipPolicies.get(eipId);
    return policy === undefined || eipId === undefined ? entry : { ...entry, instance: { ...entry.instance, managedThroughEip: { eipId, policy } } };
  });
}

/**
 * One instance, as the alarm path has it: its bound EIP is described (one DescribeEipAddresses by id,
 * only for an EIP-bound instance) and, when a policy of `doc` selects that EIP, the instance is marked
 * by markManagedThroughEip, exactly as the tick marks it.
 */
export async function withManagedEip(
  describe: BandwidthProvider['describeInstances'],
  doc: PolicyDocument,
  entry: { instance: InstanceFacts; policy: Policy },
): Promise<InstanceFacts> {
  const eipId = entry.instance.eipAllocationId;
  if (!entry.instance.eipBound || eipId === undefined) return entry.instance;
  const [eip] = await describe({ regionId: entry.instance.regionId, instanceIds: [eipId] });
  const policy = eip ? selectPolicy(doc, eip) : undefined;
  if (!eip || !policy) return entry.instance;
  const [marked] = markManagedThroughEip([entry, { instance: eip, policy }]);
  return (marked as typeof entry).instance;
}
