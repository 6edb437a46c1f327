// The provider port over every kind of bandwidth resource: ECS instances go to the ECS adapter, EIPs
// and shared bandwidth packages to the VPC adapter. The cycle holds one BandwidthProvider and never
// asks which API serves a resource; ids name their kind (i-…, eip-…, cbwp-…), tag queries say it.
import type { InstanceFacts } from '../core/types';
import type { BandwidthProvider, InstanceApi } from '../ports/cloud';
import { kindOfId } from './vpc';

export function createBandwidthProvider(parts: { ecs: InstanceApi; vpc: InstanceApi }): BandwidthProvider {
  const apiFor = (id: string) => (kindOfId(id) === 'ecs' ? parts.ecs : parts.vpc);
  return {
    async describeInstances(query) {
      if (query.instanceIds === undefined) {
        const { kind, ...rest } = query;
        return kind === 'eip' || kind === 'cbwp' ? parts.vpc.describeInstances(query) : parts.ecs.describeInstances(rest);
      }
      const ecsIds = query.instanceIds.filter((id) => kindOfId(id) === 'ecs');
      const vpcIds = query.instanceIds.filter((id) => kindOfId(id) !== 'ecs');
      const { kind: _kind, ...rest } = query;
      const found: InstanceFacts[][] = await Promise.all([
        ecsIds.length === 0 ? [] : parts.ecs.describeInstances({ ...rest, instanceIds: ecsIds }),
        vpcIds.length === 0 ? [] : parts.vpc.describeInstances({ ...rest, instanceIds: vpcIds }),
      ]);
      return found.flat();
    },
    modifyBandwidth(req) {
      return apiFor(req.instanceId).modifyBandwidth(req);
    },
  } satisfies BandwidthProvider;
}
