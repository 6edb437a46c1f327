// The admin API's VPC routes (admin.ts delegates /vpc here): what a console user or a test needs to
// change about EIPs and Internet Shared Bandwidth instances, and the package-change delay.
//   GET  /vpc                              EIPs and packages as Describe* render them, plus demand and history
//   POST /vpc/eips/{AllocationId}          {Status?, OperationLocks?, ChargeType?, InternetChargeType?,
//                                           BandwidthPackageId?: string|null}
//   POST /vpc/packages/{BandwidthPackageId} {Status?, BusinessStatus?, InstanceChargeType?, ExpiredTime?}
//   GET|POST /vpc/lag, POST /vpc/lag/hold/{BandwidthPackageId}, POST /vpc/lag/release/{BandwidthPackageId}
//                                          the package-change delay, as /lag is ECS's (lag.ts lagRoute):
//                                          a held package stays Modifying until released
//   GET|POST /vpc/eip-lag, POST /vpc/eip-lag/hold/{AllocationId}, POST /vpc/eip-lag/release/{AllocationId}
//                                          the same for EIP changes, which are synchronous unless held or delayed
// A refusal is injected like any other fault: POST /faults {"service":"vpc","action":...,"code":...}.
import { z } from 'zod';
import { lagRoute } from '../lag';
import type { World } from '../world';
import { describeEip, describePackage, type Vpc } from './index';

/** An admin request the VPC routes cannot serve; admin.ts answers it with `status`. */
export class VpcAdminError extends Error {
  override name = 'VpcAdminError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const eipPatchSchema = z.strictObject({
  Status: z.enum(['Associating', 'Unassociating', 'InUse', 'Available']).optional(),
  OperationLocks: z.array(z.enum(['financial', 'security'])).optional(),
  ChargeType: z.enum(['PostPaid', 'PrePaid']).optional(),
  InternetChargeType: z.enum(['PayByBandwidth', 'PayByTraffic']).optional(),
  BandwidthPackageId: z.string().min(1).nullable().optional(),
});

const packagePatchSchema = z.strictObject({
  Status: z.enum(['Available', 'Modifying']).optional(),
  BusinessStatus: z.enum(['Normal', 'FinancialLocked', 'Unactivated']).optional(),
  InstanceChargeType: z.enum(['PostPaid', 'PrePaid']).optional(),
  ExpiredTime: z.iso.datetime().optional(),
});

function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new VpcAdminError(400, result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`).join('; '));
}

/** The answer to a /vpc route, or undefined when `path` is no VPC route. */
export function vpcAdminRoute(vpc: Vpc, world: World, now: number, method: string, path: string, body: unknown): unknown {
  if (path === '/vpc' && method === 'GET') {
    return {
      eips: [...world.eips.values()].map((eip) => ({ ...describeEip(eip, world), Demand: eip.demand, BandwidthLog: eip.bandwidthLog })),
      bandwidthPackages: [...world.bandwidthPackages.values()].map((pkg) => ({ ...describePackage(pkg, world), BandwidthLog: pkg.bandwidthLog })),
    };
  }
  if (path === '/vpc/lag' || path.startsWith('/vpc/lag/')) {
    try {
      return lagRoute(vpc.lag, world.bandwidthPackages.keys(), now, method, path.slice('/vpc'.length), body);
    } catch (error) {
      if (error instanceof RangeError) throw new VpcAdminError(400, error.message.replace(/^lag\./, 'vpc lag.'));
      throw error;
    }
  }
  if (path === '/vpc/eip-lag' || path.startsWith('/vpc/eip-lag/')) {
    try {
      return lagRoute(vpc.eipLag, world.eips.keys(), now, method, path.replace(/^\/vpc\/eip-lag/, '/lag'), body);
    } catch (error) {
      if (error instanceof RangeError) throw new VpcAdminError(400, error.message.replace(/^lag\./, 'vpc eip-lag.'));
      throw error;
    }
  }
  const eipPath = /^\/vpc\/eips\/([^/]+)$/.exec(path);
  if (eipPath && method === 'POST') {
    const id = decodeURIComponent(eipPath[1] ?? '');
    const eip = world.eips.get(id);
    if (!eip) throw new VpcAdminError(404, `no EIP ${id}`);
    const patch = parse(eipPatchSchema, body);
    if (patch.BandwidthPackageId !== undefined && patch.BandwidthPackageId !== null && !world.bandwidthPackages.has(patch.BandwidthPackageId)) {
      throw new VpcAdminError(404, `no bandwidth package ${patch.BandwidthPackageId}`);
    }
    if (patch.Status !== undefined) eip.Status = patch.Status;
    if (patch.OperationLocks !== undefined) eip.OperationLocks = patch.OperationLocks;
    if (patch.ChargeType !== undefined) eip.ChargeType = patch.ChargeType;
    if (patch.InternetChargeType !== undefined) eip.InternetChargeType = patch.InternetChargeType;
    if (patch.BandwidthPackageId === null) delete eip.BandwidthPackageId;
    else if (patch.BandwidthPackageId !== undefined) eip.BandwidthPackageId = patch.BandwidthPackageId;
    return { eip: describeEip(eip, world) };
  }
  const packagePath = /^\/vpc\/packages\/([^/]+)$/.exec(path);
  if (packagePath && method === 'POST') {
    const id = decodeURIComponent(packagePath[1] ?? '');
    const pkg = world.bandwidthPackages.get(id);
    if (!pkg) throw new VpcAdminError(404, `no bandwidth package ${id}`);
    const patch = parse(packagePatchSchema, body);
    if (patch.Status !== undefined) pkg.Status = patch.Status;
    if (patch.BusinessStatus !== undefined) pkg.BusinessStatus = patch.BusinessStatus;
    if (patch.InstanceChargeType !== undefined) pkg.InstanceChargeType = patch.InstanceChargeType;
    if (patch.ExpiredTime !== undefined) pkg.ExpiredTime = `${patch.ExpiredTime.slice(0, 19)}Z`;
    return { bandwidthPackage: describePackage(pkg, world) };
  }
  return undefined;
}
