// The VPC emulator (API version 2016-04-28): DescribeEipAddresses, ModifyEipAddressAttribute,
// DescribeCommonBandwidthPackages and ModifyCommonBandwidthPackageSpec, signed RPC on the local
// cloud's shared port like ECS (rpc.ts tells the services apart by Version).
//
// The rules a change must pass live in rules.ts; this file parses requests, keeps the state (the
// asynchronous package changes, the cool-down) and renders responses. Sources:
// (D)  DescribeEipAddresses: AlibabaCloudDocs/eip cn.zh-CN/API参考/弹性公网IP/DescribeEipAddresses.md @588d8a5b
//      (https://help.aliyun.com/document_detail/36018.html)
// (C)  A real run of DescribeEipAddresses → ModifyEipAddressAttribute → DescribeEipAddresses printed in
//      Alibaba's "Attach an EIP to an ECS instance" SDK guide (AlibabaCloudDocs, Python SDK examples,
//      eip_quick_start.py output): the response shapes below (Bandwidth as a string, ExpiredTime ''
//      for pay-as-you-go, OperationLocks {LockReason: []}, the misspelt Descritpion) and the fact that
//      the new Bandwidth ("50") shows on the very next Describe: the EIP change is synchronous.
// (N)  The DescribeEipAddresses sample of a NAT gateway's EIP inside cbwp-bp1k042riiv5aqkkq****
//      (AlibabaCloudDocs/eip, an earlier revision of the page above): Bandwidth and
//      BandwidthPackageBandwidth both "5" (the package's), EipBandwidth "199" (the EIP's own).
// (B)  DescribeCommonBandwidthPackages: AlibabaCloudDocs/cbwp intl.en-US/API Reference/EIP bandwidth plan/
//      DescribeCommonBandwidthPackages.md @75c778ca (https://help.aliyun.com/document_detail/55995.html);
//      Bandwidth is a string there, and Alibaba's Terraform provider parses it with strconv.Atoi
//      (aliyun/terraform-provider-alicloud alicloud/resource_alicloud_common_bandwidth_package.go @0ce7a3e1).
// (P)/(E)/(T) as in rules.ts.
import { KNOWN_REGIONS } from '../ecs';
import { createOrderLag, type LagOptions, NO_LAG, type OrderLag } from '../lag';
import { type RpcContext, RpcError, type RpcHandler } from '../model';
import { missingParameter, parseTagFilter } from '../rpc';
import type { World } from '../world';
import type { LocalBandwidthPackage, LocalEip } from './model';
import { EIP_BANDWIDTH_NOT_SUPPORTED, eipChangeRefusal, packageBandwidthNotSupported, packageChangeRefusal } from './rules';

export const VPC_VERSION = '2016-04-28';

/**
 * How long a package change stays Modifying. (P) says only that it is asynchronous; the delay is not
 * documented [I]. Always on (unlike ECS's order lag, which the emulator's own unit tests turn off):
 * a client must see Modifying and wait. 5 s to 2 minutes, seeded; the admin API can change it
 * (0/0 applies changes on the call) and hold a package in Modifying.
 */
export const DEFAULT_PACKAGE_LAG: LagOptions = { minMs: 5_000, maxMs: 120_000, seed: 17 };

const EIP_STATUSES = ['Associating', 'Unassociating', 'InUse', 'Available'];
const ASSOCIATED_TYPES = ['EcsInstance', 'SlbInstance', 'Nat', 'HaVip', 'NetworkInterface'];
/** (D) PageSize: at most 100; (B) PageSize: at most 50. */
const MAX_EIP_PAGE = 100;
const MAX_PACKAGE_PAGE = 50;
/** (D) AllocationId / EipAddress: "at most 50, comma-separated". */
const MAX_LISTED_IDS = 50;

export interface Vpc {
  handlers: Record<string, RpcHandler>;
  /** The processing delay of package changes, keyed by BandwidthPackageId. */
  lag: OrderLag;
  /**
   * EIP changes, keyed by AllocationId: none by default (C: synchronous), but the admin API can hold
   * an EIP's change, or give every EIP change a delay, to test a client's read-back.
   */
  eipLag: OrderLag;
  /** Completes package changes due by `now`. Register on the clock. */
  onAdvance(now: number): void;
}

export function createVpc(world: World, lag: OrderLag = createOrderLag(DEFAULT_PACKAGE_LAG), eipLag: OrderLag = createOrderLag(NO_LAG)): Vpc {
  const lastPackageChangeAt = new Map<string, number>();

  function checkRegion(params: Record<string, string>, code: 'Forbidden.RegionNotFound' | 'InvalidRegionId.NotFound', required: boolean): string | undefined {
    const regionId = params.RegionId;
    if (regionId === undefined || regionId === '') {
      if (required) throw missingParameter('RegionId');
      return undefined;
    }
    if (!KNOWN_REGIONS.has(regionId) && regionId !== world.regionId) {
      throw new RpcError(
        404,
        code,
        code === 'Forbidden.RegionNotFound'
          ? 'Specified region is not found during access authentication.'
          : 'The specified RegionId does not exist in our records.',
      );
    }
    return regionId;
  }

  function eipOf(params: Record<string, string>): LocalEip {
    const id = params.AllocationId;
    if (!id) throw missingParameter('AllocationId');
    const eip = world.eips.get(id);
    // The regional endpoint only knows its own region's EIPs; RegionId stands in for it here.
    if (!eip || (params.RegionId !== undefined && params.RegionId !== eip.RegionId)) {
      throw new RpcError(404, 'InvalidAllocationId.NotFound', 'Specified allocation ID is not found');
    }
    return eip;
  }

  function packageOf(params: Record<string, string>): LocalBandwidthPackage {
    const id = params.BandwidthPackageId;
    if (!id) throw missingParameter('BandwidthPackageId');
    const pkg = world.bandwidthPackages.get(id);
    if (!pkg || (params.RegionId !== undefined && params.RegionId !== pkg.RegionId)) {
      // (T): the code Alibaba's provider treats as "already gone".
      throw new RpcError(404, 'InvalidBandwidthPackageId.NotFound', 'The specified BandwidthPackageId is not found.');
    }
    return pkg;
  }

  function describeEipAddresses(params: Record<string, string>): Record<string, unknown> {
    const regionId = checkRegion(params, 'Forbidden.RegionNotFound', true) as string;
    const ids = commaList(params.AllocationId, 'AllocationId');
    const ips = commaList(params.EipAddress, 'EipAddress');
    if (params.Status !== undefined && !EIP_STATUSES.includes(params.Status)) {
      // (D) names no code for a bad Status [I]; the generic one.
      throw new RpcError(400, 'InvalidParameter', `The specified parameter Status is not valid: expected one of ${EIP_STATUSES.join(', ')}.`);
    }
    if (params.AssociatedInstanceType !== undefined && !ASSOCIATED_TYPES.includes(params.AssociatedInstanceType)) {
      // (D) spells this code with the double I.
      throw new RpcError(400, 'InvalidIAssociatedInstanceType.ValueNotSupported', 'The specified value of AssociatedInstanceType is not supported.');
    }
    if (params.ChargeType !== undefined && params.ChargeType !== 'PostPaid' && params.ChargeType !== 'PrePaid') {
      throw new RpcError(400, 'InvalidChargeType.ValueNotSupported', 'The specified ChargeType is not supported.');
    }
    if (params.LockReason !== undefined && params.LockReason !== 'financial' && params.LockReason !== 'security') {
      throw new RpcError(404, 'InvalidLockReason.NotFound', 'The specified LockReason is not found');
    }
    const tags = parseTagFilter(params);
    const page = parsePaging(params, MAX_EIP_PAGE);
    if (/^true$/i.test(params.DryRun ?? '')) throw new RpcError(400, 'DryRunOperation', 'Request validation has been passed with DryRun flag set.');

    const matching = [...world.eips.values()].filter(
      (eip) =>
        eip.RegionId === regionId &&
        (ids === undefined || ids.includes(eip.AllocationId)) &&
        (ips === undefined || ips.includes(eip.IpAddress)) &&
        (params.Status === undefined || eip.Status === params.Status) &&
        (params.AssociatedInstanceType === undefined || eip.InstanceType === params.AssociatedInstanceType) &&
        (params.AssociatedInstanceId === undefined || eip.InstanceId === params.AssociatedInstanceId) &&
        (params.ChargeType === undefined || eip.ChargeType === params.ChargeType) &&
        (params.LockReason === undefined || eip.OperationLocks.includes(params.LockReason)) &&
        (params.EipName === undefined || eip.Name === params.EipName) &&
        (params.ISP === undefined || eip.ISP === params.ISP) &&
        matchesTags(eip.Tags, tags),
    );
    const slice = matching.slice(page.offset, page.offset + page.size);
    return {
      TotalCount: matching.length,
      PageNumber: page.number,
      PageSize: page.size,
      EipAddresses: { EipAddress: slice.map((eip) => describeEip(eip, world)) },
    };
  }

  function modifyEipAddressAttribute(params: Record<string, string>, now: number): Record<string, never> {
    checkRegion(params, 'Forbidden.RegionNotFound', false);
    const eip = eipOf(params);
    const raw = params.Bandwidth;
    if (raw !== undefined && !/^\d+$/.test(raw)) throw rpcError(EIP_BANDWIDTH_NOT_SUPPORTED);
    const bandwidth = raw === undefined ? undefined : Number(raw);
    const refusal = eipChangeRefusal(
      {
        chargeType: eip.ChargeType,
        internetChargeType: eip.InternetChargeType,
        status: eip.Status,
        operationLocks: eip.OperationLocks,
        ...(eip.BandwidthPackageId ? { bandwidthPackageId: eip.BandwidthPackageId } : {}),
      },
      bandwidth,
      world.account.arrears,
    );
    if (refusal) throw rpcError(refusal);
    if (eipLag.processing(eip.AllocationId)) {
      // Only when the admin API delays EIP changes: the docs name no code for a change on top of one
      // still being applied [I]; refused like any other state that does not allow a change.
      throw new RpcError(400, 'IncorrectEipStatus', 'Current elastic IP status does not support this operation: a change is still being applied.');
    }
    if (params.Name !== undefined) eip.Name = params.Name;
    if (params.Description !== undefined) eip.Description = params.Description;
    if (bandwidth !== undefined && bandwidth !== eip.Bandwidth) {
      // (C): synchronous, the next Describe already shows the new value (unless the admin API holds it).
      eipLag.schedule({ orderId: `eip:${now}`, instanceId: eip.AllocationId }, now, (at) => setEipBandwidth(eip, bandwidth, at));
    }
    return {};
  }

  function setEipBandwidth(eip: LocalEip, bandwidth: number, at: number): void {
    eip.Bandwidth = bandwidth;
    const lastAt = eip.bandwidthLog.at(-1)?.at ?? at;
    eip.bandwidthLog.push({ at: Math.max(at, lastAt), out: bandwidth });
    // DescribeInstances reports a bound EIP's bandwidth in the instance's EipAddress.
    const instance = eip.InstanceType === 'EcsInstance' ? world.instances.get(eip.InstanceId) : undefined;
    if (instance?.EipAddress?.AllocationId === eip.AllocationId) instance.EipAddress.Bandwidth = bandwidth;
  }

  function describeCommonBandwidthPackages(params: Record<string, string>): Record<string, unknown> {
    const regionId = checkRegion(params, 'InvalidRegionId.NotFound', true) as string;
    const tags = parseTagFilter(params);
    const page = parsePaging(params, MAX_PACKAGE_PAGE);
    if (/^true$/i.test(params.DryRun ?? '')) throw new RpcError(400, 'DryRunOperation', 'Request validation has been passed with DryRun flag set.');
    const matching = [...world.bandwidthPackages.values()].filter(
      (pkg) =>
        pkg.RegionId === regionId &&
        (params.BandwidthPackageId === undefined || pkg.BandwidthPackageId === params.BandwidthPackageId) &&
        (params.Name === undefined || pkg.Name === params.Name) &&
        matchesTags(pkg.Tags, tags),
    );
    const slice = matching.slice(page.offset, page.offset + page.size);
    return {
      TotalCount: matching.length,
      PageNumber: page.number,
      PageSize: page.size,
      CommonBandwidthPackages: { CommonBandwidthPackage: slice.map((pkg) => describePackage(pkg, world)) },
    };
  }

  function modifyCommonBandwidthPackageSpec(params: Record<string, string>, ctx: RpcContext): Record<string, never> {
    const now = ctx.now;
    // (P): RegionId, BandwidthPackageId and Bandwidth are all required.
    checkRegion(params, 'InvalidRegionId.NotFound', true);
    const pkg = packageOf(params);
    const raw = params.Bandwidth;
    if (raw === undefined) throw missingParameter('Bandwidth');
    if (!/^\d+$/.test(raw)) throw rpcError(packageBandwidthNotSupported(`expected whole Mbps, got "${raw}"`));
    const bandwidth = Number(raw);
    const last = lastPackageChangeAt.get(pkg.BandwidthPackageId);
    const refusal = packageChangeRefusal(
      {
        bandwidth: pkg.Bandwidth,
        internetChargeType: pkg.InternetChargeType,
        instanceChargeType: pkg.InstanceChargeType,
        status: pkg.Status,
        businessStatus: pkg.BusinessStatus,
        ...(pkg.ExpiredTime ? { expiredAt: Date.parse(pkg.ExpiredTime) } : {}),
        ...(last !== undefined ? { lastChangeAt: last } : {}),
      },
      bandwidth,
      now,
      world.account.arrears,
    );
    if (refusal) throw rpcError(refusal);
    // (P): the call answers at once; the package shows Modifying until the change is done, then
    // Available with the new bandwidth.
    lastPackageChangeAt.set(pkg.BandwidthPackageId, now);
    pkg.Status = 'Modifying';
    lag.schedule({ orderId: ctx.requestId, instanceId: pkg.BandwidthPackageId }, now, (at) => {
      pkg.Bandwidth = bandwidth;
      pkg.Status = 'Available';
      const lastAt = pkg.bandwidthLog.at(-1)?.at ?? at;
      pkg.bandwidthLog.push({ at: Math.max(at, lastAt), out: bandwidth });
    });
    return {};
  }

  const handlers: Record<string, RpcHandler> = {
    DescribeEipAddresses: (params, ctx) => {
      lag.onAdvance(ctx.now);
      eipLag.onAdvance(ctx.now);
      return describeEipAddresses(params);
    },
    ModifyEipAddressAttribute: (params, ctx) => {
      eipLag.onAdvance(ctx.now);
      return modifyEipAddressAttribute(params, ctx.now);
    },
    DescribeCommonBandwidthPackages: (params, ctx) => {
      lag.onAdvance(ctx.now);
      return describeCommonBandwidthPackages(params);
    },
    ModifyCommonBandwidthPackageSpec: (params, ctx) => {
      lag.onAdvance(ctx.now);
      return modifyCommonBandwidthPackageSpec(params, ctx);
    },
  };

  return {
    handlers,
    lag,
    eipLag,
    onAdvance(now) {
      lag.onAdvance(now);
      eipLag.onAdvance(now);
    },
  };
}

function rpcError(refusal: { status: number; code: string; message: string }): RpcError {
  return new RpcError(refusal.status, refusal.code, refusal.message);
}

// ---------------------------------------------------------------------------------------------
// Rendering.

/** The bandwidth that applies to an EIP: its package's while it is in one (N), else its own. */
export function effectiveEipBandwidth(eip: LocalEip, world: Pick<World, 'bandwidthPackages'>): number {
  const pkg = eip.BandwidthPackageId ? world.bandwidthPackages.get(eip.BandwidthPackageId) : undefined;
  return pkg ? pkg.Bandwidth : eip.Bandwidth;
}

/** One EIP in DescribeEipAddresses' shape (C), with the package fields of (N). */
export function describeEip(eip: LocalEip, world: Pick<World, 'bandwidthPackages'>): Record<string, unknown> {
  const pkg = eip.BandwidthPackageId ? world.bandwidthPackages.get(eip.BandwidthPackageId) : undefined;
  const bound = eip.InstanceId !== '';
  return {
    ISP: eip.ISP,
    ExpiredTime: eip.ExpiredTime,
    InternetChargeType: eip.InternetChargeType,
    IpAddress: eip.IpAddress,
    AllocationId: eip.AllocationId,
    PrivateIpAddress: '',
    Status: eip.Status,
    BandwidthPackageId: pkg ? pkg.BandwidthPackageId : '',
    InstanceId: eip.InstanceId,
    InstanceRegionId: bound ? eip.RegionId : '',
    RegionId: eip.RegionId,
    AvailableRegions: { AvailableRegion: [eip.RegionId] },
    ResourceGroupId: 'rg-acfmlocal0000',
    HasReservationData: false,
    InstanceType: eip.InstanceType,
    AllocationTime: eip.AllocationTime,
    Name: eip.Name,
    OperationLocks: { LockReason: eip.OperationLocks.map((reason) => ({ LockReason: reason })) },
    Mode: 'NAT',
    BandwidthPackageType: pkg ? 'CommonBandwidthPackage' : '',
    BandwidthPackageBandwidth: pkg ? String(pkg.Bandwidth) : '',
    // (N): inside a package, Bandwidth reads the package's value and EipBandwidth the EIP's own.
    Bandwidth: String(pkg ? pkg.Bandwidth : eip.Bandwidth),
    ...(pkg ? { EipBandwidth: String(eip.Bandwidth) } : {}),
    HDMonitorStatus: 'OFF',
    ChargeType: eip.ChargeType,
    SecondLimited: false,
    Descritpion: eip.Description,
    BusinessStatus: eip.OperationLocks.includes('financial') ? 'FinancialLocked' : 'Normal',
    DeletionProtection: false,
    Tags: { Tag: eip.Tags.map((t) => ({ Key: t.Key, Value: t.Value })) },
  };
}

/** One package in DescribeCommonBandwidthPackages' shape (B); Status reads Modifying while a change runs. */
export function describePackage(pkg: LocalBandwidthPackage, world: Pick<World, 'eips'>): Record<string, unknown> {
  const members = [...world.eips.values()].filter((eip) => eip.BandwidthPackageId === pkg.BandwidthPackageId);
  return {
    Status: pkg.Status,
    Description: pkg.Description,
    ServiceManaged: 0,
    ResourceGroupId: 'rg-acfmlocal0000',
    InstanceChargeType: pkg.InstanceChargeType,
    ISP: pkg.ISP,
    HasReservationData: 'false',
    DeletionProtection: false,
    BusinessStatus: pkg.BusinessStatus,
    InternetChargeType: pkg.InternetChargeType,
    Name: pkg.Name,
    ExpiredTime: pkg.ExpiredTime,
    Bandwidth: String(pkg.Bandwidth),
    CreationTime: pkg.CreationTime,
    BandwidthPackageId: pkg.BandwidthPackageId,
    Ratio: pkg.Ratio,
    RegionId: pkg.RegionId,
    // (B) spells the element PublicIpAddresse and the status BINDED.
    PublicIpAddresses: {
      PublicIpAddresse: members.map((eip) => ({ AllocationId: eip.AllocationId, IpAddress: eip.IpAddress, BandwidthPackageIpRelationStatus: 'BINDED' })),
    },
    Tags: { Tag: pkg.Tags.map((t) => ({ Key: t.Key, Value: t.Value })) },
  };
}

// ---------------------------------------------------------------------------------------------
// Parameters.

function commaList(value: string | undefined, name: string): string[] | undefined {
  if (value === undefined) return undefined;
  const list = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (list.length > MAX_LISTED_IDS) {
    throw new RpcError(400, 'InvalidParameter', `The specified parameter ${name} holds ${list.length} values; at most ${MAX_LISTED_IDS} are allowed.`);
  }
  return list;
}

function matchesTags(own: Array<{ Key: string; Value: string }>, wanted: Array<{ key: string; value?: string }>): boolean {
  return wanted.every((t) => own.some((tag) => tag.Key === t.key && (t.value === undefined || tag.Value === t.value)));
}

/** PageNumber (default 1) and PageSize (default 10, at most `max`). */
function parsePaging(params: Record<string, string>, max: number): { offset: number; size: number; number: number } {
  const size = positiveInteger(params.PageSize, 'PageSize', 10);
  if (size > max) throw new RpcError(400, 'InvalidParameter', `The specified parameter PageSize is beyond the permitted range (1-${max}).`);
  const number = positiveInteger(params.PageNumber, 'PageNumber', 1);
  return { offset: (number - 1) * size, size, number };
}

function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new RpcError(400, 'InvalidParameter', `The specified parameter ${name} is not a positive integer.`);
  return Number(value);
}
