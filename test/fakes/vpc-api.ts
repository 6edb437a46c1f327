// A fake of the VPC side of the provider port: EIPs and shared bandwidth packages in memory. It
// records every modify call, refuses what the two Modify references document (range, subscription,
// a package that is Modifying), changes an EIP at once and a package only when the test completes
// the change (the API is asynchronous), and takes one-shot faults. The ranges are the product's own
// reading of the references (src/core/vpc-rules.ts); the local cloud's VPC emulator is the harsher
// independent model the end-to-end tests run against.

import type { InstanceFacts } from '../../src/core/types';
import { EIP_RANGE, PACKAGE_RANGE } from '../../src/core/vpc-rules';
import { CloudApiError, type CloudErrorCategory } from '../../src/errors';
import type { InstanceApi, ModifyBandwidthRequest } from '../../src/ports/cloud';

export interface FakeVpcApi extends InstanceApi {
  readonly resources: Map<string, InstanceFacts>;
  readonly modifyCalls: ModifyBandwidthRequest[];
  /** Package changes accepted and not yet done, by package id. */
  readonly modifying: Map<string, number>;
  /** Finishes every package change in flight: the package shows its new bandwidth and Available. */
  completePackageChanges(): void;
  failNextModify(fault: { code: string; category: CloudErrorCategory }): void;
}

export function createFakeVpcApi(resources: InstanceFacts[]): FakeVpcApi {
  const faults: Array<{ code: string; category: CloudErrorCategory }> = [];
  const refuse = (code: string, category: CloudErrorCategory) => new CloudApiError(`fake: ${code}`, code, category, 'fake-request-id');
  const fake: FakeVpcApi = {
    resources: new Map(resources.map((r) => [r.instanceId, structuredClone(r)])),
    modifyCalls: [],
    modifying: new Map(),
    completePackageChanges() {
      for (const [id, bandwidth] of fake.modifying) {
        const pkg = fake.resources.get(id);
        if (pkg) Object.assign(pkg, { bandwidthOut: bandwidth, status: 'Available' });
      }
      fake.modifying.clear();
    },
    failNextModify(fault) {
      faults.push(fault);
    },
    async describeInstances(query) {
      const wanted = query.instanceIds && new Set(query.instanceIds);
      return [...fake.resources.values()]
        .filter(
          (r) =>
            r.regionId === query.regionId &&
            (wanted ? wanted.has(r.instanceId) : r.kind === query.kind) &&
            Object.entries(query.tags ?? {}).every(([key, value]) => r.tags[key] === value),
        )
        .map((r) => structuredClone(r));
    },
    async modifyBandwidth(request) {
      fake.modifyCalls.push(structuredClone(request));
      const fault = faults.shift();
      if (fault) throw refuse(fault.code, fault.category);
      const resource = fake.resources.get(request.instanceId);
      const isPackage = request.instanceId.startsWith('cbwp-');
      if (!resource) throw refuse(isPackage ? 'InvalidBandwidthPackageId.NotFound' : 'InvalidAllocationId.NotFound', 'notFound');
      if (resource.instanceChargeType === 'PrePaid') throw refuse('Forbidden.ChargeTypeIsPrepaid', 'needsHuman');
      if (isPackage) {
        if (resource.status === 'Modifying') throw refuse('IncorrectStatus.CbwpModifying', 'retryable');
        const billing = resource.rules?.billing?.split(' ')[1] ?? 'PayByBandwidth';
        const range = PACKAGE_RANGE[billing] ?? { min: 2, max: 1000 };
        if (request.bandwidthOut < range.min || request.bandwidthOut > range.max) throw refuse('InvalidBandwidth.ValueNotSupported', 'rejected');
        // The reference does not say which bandwidth Describe shows while the package is Modifying;
        // the harsher reading is the new one, early: only the status says the change is not done.
        resource.status = 'Modifying';
        resource.bandwidthOut = request.bandwidthOut;
        fake.modifying.set(resource.instanceId, request.bandwidthOut);
        return { orderId: '' };
      }
      const range = EIP_RANGE[resource.internetChargeType === 'PayByBandwidth' ? 'PayByBandwidth' : 'PayByTraffic'];
      if (request.bandwidthOut < range.min || request.bandwidthOut > range.max) throw refuse('InvalidParameter', 'rejected');
      resource.bandwidthOut = request.bandwidthOut;
      return { orderId: '' };
    },
  };
  return fake;
}
