// The ECS emulator (API version 2014-05-26): DescribeInstances, DescribeInstanceAttribute,
// ModifyInstanceNetworkSpec and AllocatePublicIpAddress.
//
// The rules a change must pass live in ecs-rules.ts (one model, shared with the backtest's simulated
// cloud and the test fake); this file parses requests, keeps the state (orders, tokens, locks,
// temporary upgrades) and renders responses. Sources, as the comments below name them:
// (A) https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-modifyinstancenetworkspec
// (B) AlibabaCloudDocs/ecs, intl.en-US/API Reference/Networks/ModifyInstanceNetworkSpec.md (2020–21)
// (D) https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeinstances
// (G) https://www.alibabacloud.com/help/doc-detail/99059.htm (modify the bandwidth of a subscription instance)
// and docs/reference/ecs-modify.md, which lists every refusal with its condition.
import {
  type ChangeRequest,
  type InstanceView,
  MODIFY_LOCK_ERROR,
  MODIFY_LOCK_SECONDS,
  type RegionalCaps,
  refusalOf,
  spendDowngrade,
  spendsDowngradeQuota,
  TEMPORARY_UPGRADE_MIN_SECONDS,
} from './ecs-rules';
import { formatExpiredTime } from './fixture';
import { createOrderLag, type OrderLag } from './lag';
import { type LocalInstance, RpcError, type RpcHandler } from './model';
import { missingParameter, parseTagFilter } from './rpc';
import type { Order, World } from './world';

export const ECS_VERSION = '2014-05-26';

export { MODIFY_LOCK_ERROR, MODIFY_LOCK_SECONDS };

/**
 * How long a ClientToken is remembered (clock time). The docs give no figure [I]; 24 h covers every
 * retry the autoscaler makes (it retries within one decision's lifetime, minutes).
 */
export const CLIENT_TOKEN_RETENTION_SECONDS = 24 * 3600;

/** Order ids start above 2^53 (9007199254740992) so that clients which read them as doubles break in tests. */
const FIRST_ORDER_ID = 21_000_000_000_000_001n;

/** Real region ids (the docs' region list); DescribeInstances in any other region is InvalidRegionId.NotFound. */
export const KNOWN_REGIONS = new Set([
  'cn-hangzhou',
  'cn-shanghai',
  'cn-beijing',
  'cn-shenzhen',
  'cn-qingdao',
  'cn-zhangjiakou',
  'cn-huhehaote',
  'cn-wulanchabu',
  'cn-chengdu',
  'cn-guangzhou',
  'cn-hongkong',
  'ap-southeast-1',
  'ap-southeast-3',
  'ap-southeast-5',
  'ap-northeast-1',
  'ap-south-1',
  'us-west-1',
  'us-east-1',
  'eu-central-1',
  'eu-west-1',
  'me-east-1',
]);

const INSTANCE_STATUSES = ['Pending', 'Starting', 'Running', 'Stopping', 'Stopped'];

/** Parameters every RPC call carries; they are not part of what a ClientToken fingerprints. */
const COMMON_PARAMS = new Set([
  'AccessKeyId',
  'Action',
  'ClientToken',
  'Format',
  'SecurityToken',
  'Signature',
  'SignatureMethod',
  'SignatureNonce',
  'SignatureVersion',
  'Timestamp',
  'Version',
]);

// ---------------------------------------------------------------------------------------------
// Money model (kept simple, and consistent in both directions):
// - PostPaid: bandwidth is billed by the hour afterwards, so an order costs 0 when it is placed.
// - PrePaid PayByTraffic: changing the peak does not change the cost (G: the traffic is billed), so 0.
// - PrePaid PayByBandwidth: the Hangzhou sample price list of the public-bandwidth billing page (an example, as the docs say) — 25 CNY/Mbps/month up to
//   5 Mbps (5 Mbps = 125), +80 CNY per Mbps above — read as a daily price over a 30-day month.
//   An upgrade pays (new daily − old daily) × remaining days until ExpiredTime (Billing FAQ
//   example); a downgrade refunds the same difference; a temporary upgrade pays the difference for
//   its own duration. The refund ignores the amortisation detail of the real formula (M − N).

function monthlyPrice(mbps: number): number {
  return mbps <= 5 ? mbps * 25 : 125 + (mbps - 5) * 80;
}

function priceDifference(instance: LocalInstance, from: number, to: number, days: number): number {
  if (instance.InstanceChargeType !== 'PrePaid' || instance.InternetChargeType !== 'PayByBandwidth') return 0;
  const perDay = (monthlyPrice(to) - monthlyPrice(from)) / 30;
  return Math.round(perDay * Math.max(0, days) * 100) / 100;
}

// ---------------------------------------------------------------------------------------------

/** A change ModifyInstanceNetworkSpec accepted, applied now (AutoPay) or when its order is paid. */
interface Change {
  instanceId: string;
  out: number;
  in: number;
  chargeType: LocalInstance['InternetChargeType'];
  allocatePublicIp: boolean;
  isDowngrade: boolean;
  amount: number;
  temporary?: { start: number; end: number };
}

interface TemporaryUpgrade {
  orderId: string;
  start: number;
  end: number;
  base: number;
  target: number;
  started: boolean;
}

export interface Ecs {
  handlers: Record<string, RpcHandler>;
  /** The processing delay of orders (lag.ts): off unless the local cloud is started with it. */
  lag: OrderLag;
  /** Settles an unpaid order: charges it and applies its change. RangeError for an unknown or settled order. */
  payOrder(orderId: string): Order;
  cancelOrder(orderId: string): Order;
  /** Starts and reverts temporary upgrades due by `now`; forgets expired ClientTokens. Register on the clock. */
  onAdvance(now: number): void;
}

export function createEcs(world: World, lag: OrderLag = createOrderLag()): Ecs {
  let nextOrderId = FIRST_ORDER_ID;
  let nextIp = 1;
  const lastChangeAt = new Map<string, number>();
  const tokens = new Map<string, { fingerprint: string; orderId: string; at: number }>();
  const changes = new Map<string, Change>();
  const temporaryUpgrades = new Map<string, TemporaryUpgrade>();

  function instanceOf(params: Record<string, string>): LocalInstance {
    const id = params.InstanceId;
    if (!id) throw missingParameter('InstanceId');
    const instance = world.instances.get(id);
    // The regional endpoint only knows its own region's instances; RegionId stands in for it here.
    if (!instance || (params.RegionId !== undefined && params.RegionId !== instance.RegionId)) {
      throw new RpcError(404, 'InvalidInstanceId.NotFound', 'The specified InstanceId does not exist.');
    }
    return instance;
  }

  function allocateIp(): string {
    const used = new Set([...world.instances.values()].flatMap((i) => i.PublicIpAddress));
    for (;;) {
      const ip = `47.98.${Math.floor(nextIp / 250)}.${(nextIp % 250) + 1}`;
      nextIp += 1;
      if (!used.has(ip)) return ip;
    }
  }

  function setBandwidth(instance: LocalInstance, out: number, at: number): void {
    instance.InternetMaxBandwidthOut = out;
    // The log is in time order (CloudMonitor clips demand with it); a temporary upgrade may start
    // earlier in the same minute than the last entry, so it never goes back before that entry.
    const lastAt = instance.bandwidthLog.at(-1)?.at ?? at;
    instance.bandwidthLog.push({ at: Math.max(at, lastAt), out });
  }

  /**
   * The effect of an accepted, paid change, at `now`. The 5-minute lock runs from `lockFrom`: the
   * order's placement (lag.ts: while it is processing, LastOrderProcessing refuses changes anyway).
   */
  function applyChange(change: Change, orderId: string, now: number, lockFrom = now): void {
    const instance = world.instances.get(change.instanceId);
    if (!instance) return;
    world.account.balance = Math.round((world.account.balance - change.amount) * 100) / 100;
    lastChangeAt.set(instance.InstanceId, lockFrom);
    if (change.temporary) {
      temporaryUpgrades.set(instance.InstanceId, {
        orderId,
        ...change.temporary,
        base: instance.InternetMaxBandwidthOut,
        target: change.out,
        started: false,
      });
      runTemporaryUpgrades(now);
      return;
    }
    const from = instance.InternetMaxBandwidthOut;
    instance.InternetChargeType = change.chargeType;
    instance.InternetMaxBandwidthIn = change.in;
    if (change.isDowngrade) {
      spendDowngrade(instance, now, world.ecsRules.quota);
      // (A) OperationDenied: where the account's rule says so, a downgrade ends changes for the cycle.
      if (world.ecsRules.downgradeLocksBillingCycle) instance.lockedForBillingCycle = true;
    }
    if (from === 0 && change.out > 0 && instance.PublicIpAddress.length === 0 && !instance.EipAddress) {
      // (A)/(B) usage notes: a subscription instance leaving 0 Mbps gets a public IP automatically;
      // a pay-as-you-go one only with AllocatePublicIp=true.
      if (instance.InstanceChargeType === 'PrePaid' || change.allocatePublicIp) instance.PublicIpAddress = [allocateIp()];
    }
    // (G): a VPC instance set to 0 Mbps releases its public IP; a classic one keeps it.
    if (change.out === 0 && instance.InstanceNetworkType === 'vpc') instance.PublicIpAddress = [];
    if (change.out !== from) setBandwidth(instance, change.out, now);
  }

  function runTemporaryUpgrades(now: number): void {
    for (const [instanceId, upgrade] of temporaryUpgrades) {
      const instance = world.instances.get(instanceId);
      if (!instance) continue;
      if (!upgrade.started && upgrade.start <= now) {
        upgrade.started = true;
        setBandwidth(instance, upgrade.target, upgrade.start);
      }
      if (upgrade.end <= now) {
        // Reverted at EndTime itself (not at the tick that noticed), so demand clipping stays exact.
        setBandwidth(instance, upgrade.base, upgrade.end);
        temporaryUpgrades.delete(instanceId);
      }
    }
  }

  function placeOrder(instance: LocalInstance, change: Change, params: Record<string, string>, now: number, paid: boolean): Order {
    const from = instance.InternetMaxBandwidthOut;
    const order: Order = {
      OrderId: (nextOrderId++).toString(),
      InstanceId: instance.InstanceId,
      ...(params.ClientToken ? { ClientToken: params.ClientToken } : {}),
      InternetMaxBandwidthOut: change.out,
      InternetMaxBandwidthIn: change.in,
      time: now,
      kind: change.temporary ? 'temporaryUpgrade' : change.out > from ? 'upgrade' : change.out < from ? 'downgrade' : 'unchanged',
      amount: change.amount,
      status: paid ? 'paid' : 'unpaid',
      ...(params.StartTime ? { StartTime: params.StartTime } : {}),
      ...(params.EndTime ? { EndTime: params.EndTime } : {}),
    };
    world.orders.push(order);
    changes.set(order.OrderId, change);
    return order;
  }

  function unpaidOrderOf(instanceId: string): Order | undefined {
    return world.orders.find((o) => o.InstanceId === instanceId && o.status === 'unpaid');
  }

  /** The rules' view of an instance (ecs-rules.ts InstanceView). */
  function instanceView(instance: LocalInstance): InstanceView {
    return {
      instanceId: instance.InstanceId,
      regionId: instance.RegionId,
      instanceChargeType: instance.InstanceChargeType,
      internetChargeType: instance.InternetChargeType,
      networkType: instance.InstanceNetworkType,
      status: instance.Status,
      out: instance.InternetMaxBandwidthOut,
      eipBound: instance.EipAddress !== undefined && instance.EipAddress.IpAddress !== '',
      operationLocks: instance.OperationLocks,
      ...(instance.ExpiredTime !== undefined ? { expiredAt: Date.parse(instance.ExpiredTime) } : {}),
      ...(instance.baseBandwidthMbps !== undefined ? { baseBandwidthMbps: instance.baseBandwidthMbps } : {}),
      ...(instance.InstanceType !== undefined ? { instanceType: instance.InstanceType } : {}),
      downgradesUsed: instance.downgradesUsed,
      ...(instance.downgradePeriod !== undefined ? { downgradePeriod: instance.downgradePeriod } : {}),
      ...(instance.downgradeQuota !== undefined ? { downgradeQuota: instance.downgradeQuota } : {}),
      ...(instance.lockedForBillingCycle ? { lockedForBillingCycle: true } : {}),
    };
  }

  /** What a change of `instance` needs to know about the account and its region. */
  function changeContext(instance: LocalInstance, now: number) {
    const regionSums = { PayByTraffic: 0, PayByBandwidth: 0 };
    for (const other of world.instances.values()) {
      if (other === instance || other.RegionId !== instance.RegionId) continue;
      if (other.InternetChargeType === 'PayByTraffic' || other.InternetChargeType === 'PayByBandwidth') {
        regionSums[other.InternetChargeType] += other.InternetMaxBandwidthOut;
      }
    }
    const last = lastChangeAt.get(instance.InstanceId);
    return {
      now,
      ...(last !== undefined ? { lastChangeAt: last } : {}),
      temporaryUpgradeActive: temporaryUpgrades.has(instance.InstanceId),
      unpaidOrderOnInstance: unpaidOrderOf(instance.InstanceId) !== undefined,
      unpaidOrderInAccount: world.orders.some((o) => o.status === 'unpaid'),
      accountArrears: world.account.arrears,
      regionSums,
      regionalCaps: regionalCapsOf(instance.RegionId),
      quota: world.ecsRules.quota,
      downgradePrivilege: world.ecsRules.downgradePrivilege,
    };
  }

  function regionalCapsOf(regionId: string): RegionalCaps {
    return world.ecsRules.regionalCaps.byRegion[regionId] ?? world.ecsRules.regionalCaps.default;
  }

  function modifyInstanceNetworkSpec(params: Record<string, string>, now: number): { OrderId: bigint } {
    // 1. ClientToken first: a retry after a crash or a lost answer must get the original OrderId
    //    back, not a lock or quota error caused by its own first attempt.
    const token = params.ClientToken;
    if (token !== undefined && (token.length === 0 || token.length > 64 || !/^[\x20-\x7e]+$/.test(token))) {
      throw new RpcError(400, 'InvalidClientToken.ValueNotSupported', 'The ClientToken provided is invalid.');
    }
    const fingerprint = fingerprintOf(params);
    if (token) {
      const seen = tokens.get(token);
      if (seen && now - seen.at < CLIENT_TOKEN_RETENTION_SECONDS * 1000) {
        if (seen.fingerprint !== fingerprint) {
          throw new RpcError(400, 'IdempotentParameterMismatch', 'The request uses the same client token as a previous, but non-identical request.');
        }
        return { OrderId: BigInt(seen.orderId) };
      }
    }

    // 2. The request itself.
    const instance = instanceOf(params);
    const requestedChargeType = parseChargeType(params.NetworkChargeType);
    const chargeType = requestedChargeType ?? instance.InternetChargeType;
    const out = parseInteger(
      params.InternetMaxBandwidthOut,
      'InvalidInternetMaxBandwidthOut.ValueNotSupported',
      'The specified InternetMaxBandwidthOut is beyond the permitted range.',
    );
    const inbound = parseInteger(
      params.InternetMaxBandwidthIn,
      'InvalidInternetMaxBandwidthIn.ValueNotSupported',
      'The specified InternetMaxBandwidthIn is beyond the permitted range.',
    );
    if (out === undefined && inbound === undefined && params.NetworkChargeType === undefined) {
      throw missingParameter('InternetMaxBandwidthOut');
    }
    const autoPay = parseBoolean(params.AutoPay, 'AutoPay') ?? true;
    const allocatePublicIp = parseBoolean(params.AllocatePublicIp, 'AllocatePublicIp') ?? false;
    const temporary = parseTemporaryWindow(params, instance, now);
    const from = instance.InternetMaxBandwidthOut;
    const target = out ?? from;

    // 3. An order still being processed refuses the next change (lag.ts), then the provider's rules
    // (ecs-rules.ts): ranges, state, unpaid orders, locks, caps, quota.
    refuseWhileProcessing(lag, instance.InstanceId);
    const request: ChangeRequest = {
      out: target,
      ...(inbound !== undefined ? { in: inbound } : {}),
      ...(requestedChargeType !== undefined ? { chargeType: requestedChargeType } : {}),
      ...(temporary ? { temporary } : {}),
    };
    const refusal = refusalOf(instanceView(instance), request, changeContext(instance, now));
    if (refusal) throw new RpcError(refusal.status, refusal.code, refusal.message);
    const isDowngrade = spendsDowngradeQuota(instanceView(instance), from, target, world.ecsRules.quota, temporary !== undefined);

    // 5. Money.
    const amount = temporary
      ? priceDifference(instance, from, target, (temporary.end - temporary.start) / 86_400_000)
      : priceDifference(instance, from, target, remainingDays(instance, now));
    if (autoPay && amount > world.account.balance) {
      throw new RpcError(403, 'InvalidAccountStatus.NotEnoughBalance', 'Your account does not have enough balance.');
    }

    const change: Change = {
      instanceId: instance.InstanceId,
      out: target,
      in: inbound ?? instance.InternetMaxBandwidthIn,
      chargeType,
      allocatePublicIp,
      isDowngrade,
      amount,
      ...(temporary ? { temporary } : {}),
    };
    // AutoPay=false: (A) "an unpaid order is created, to be paid in the console"; nothing changes
    // until the order is paid (admin API: POST /_admin/orders/{id}/pay).
    const order = placeOrder(instance, change, params, now, autoPay);
    // The change shows when the order has been processed (lag.ts), dated then; the lock runs from then.
    if (autoPay) lag.schedule({ orderId: order.OrderId, instanceId: instance.InstanceId }, now, (at) => applyChange(change, order.OrderId, at, now));
    if (token) tokens.set(token, { fingerprint, orderId: order.OrderId, at: now });
    return { OrderId: BigInt(order.OrderId) };
  }

  function parseTemporaryWindow(params: Record<string, string>, instance: LocalInstance, now: number): { start: number; end: number } | undefined {
    if (params.StartTime === undefined && params.EndTime === undefined) return undefined;
    if (params.StartTime === undefined) throw missingParameter('StartTime');
    if (params.EndTime === undefined) throw missingParameter('EndTime');
    // Temporary upgrades are a subscription feature (the console's "temporary bandwidth upgrade").
    if (instance.InstanceChargeType !== 'PrePaid') {
      throw new RpcError(403, 'ChargeTypeViolation', 'The operation is not permitted due to billing method of the instance.');
    }
    // (A): StartTime `yyyy-MM-ddTHH:mmZ` (minute precision), EndTime `yyyy-MM-ddTHHZ` (hour precision).
    const start = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$/.test(params.StartTime) ? Date.parse(params.StartTime) : Number.NaN;
    if (Number.isNaN(start) || start < Math.floor(now / 60_000) * 60_000) {
      throw new RpcError(
        400,
        'InvalidStartTime.ValueNotSupported',
        'The specified StartTime is out of the permitted range (yyyy-MM-ddTHH:mmZ, not in the past).',
      );
    }
    const endMatch = /^(\d{4}-\d{2}-\d{2}T\d{2})Z$/.exec(params.EndTime);
    const end = endMatch ? Date.parse(`${endMatch[1]}:00Z`) : Number.NaN;
    if (Number.isNaN(end) || end - start < TEMPORARY_UPGRADE_MIN_SECONDS * 1000) {
      throw new RpcError(400, 'InvalidEndTime.ValueNotSupported', 'The specified EndTime must be yyyy-MM-ddTHHZ and at least 3 hours after StartTime.');
    }
    const expiresAt = instance.ExpiredTime ? Date.parse(instance.ExpiredTime) : Number.POSITIVE_INFINITY;
    if (end > expiresAt) {
      throw new RpcError(400, 'InvalidEndTime.BeyondLifeCycle', 'The specified EndTime exceeds the expiration time of the instance.');
    }
    const out = Number(params.InternetMaxBandwidthOut ?? Number.NaN);
    if (!(out > instance.InternetMaxBandwidthOut)) {
      throw new RpcError(400, 'InvalidBandwidth.ValueNotSupported', 'Instance upgrade bandwidth of temporary not allow less then existed.');
    }
    return { start, end };
  }

  function allocatePublicIpAddress(params: Record<string, string>): { IpAddress: string } {
    const instance = instanceOf(params);
    if (params.IpAddress !== undefined && !isIpv4(params.IpAddress)) {
      throw new RpcError(400, 'InvalidIpAddress.Malformed', 'Specified IP address is not valid.');
    }
    if (params.VlanId !== undefined) {
      // VLANs exist only on the classic network, and the emulator models none.
      if (instance.InstanceNetworkType === 'vpc') throw new RpcError(400, 'OperationDenied', 'The specified instance is in VPC.');
      throw new RpcError(404, 'InvalidVlanId.NotFound', 'Specified virtual LAN ID is not found.');
    }
    if (instance.OperationLocks.includes('security')) {
      throw new RpcError(403, 'InstanceLockedForSecurity', 'The specified operation is denied as your instance is locked for security reasons.');
    }
    if (isExpiredOrInArrears(instance, world.clock.now())) {
      throw new RpcError(
        403,
        'InstanceExpiredOrInArrears',
        'The specified operation is denied as your prepay instance is expired (prepay mode) or in arrears (afterpay mode).',
      );
    }
    if (instance.Status !== 'Running' && instance.Status !== 'Stopped') {
      throw new RpcError(403, 'IncorrectInstanceStatus', 'The current status of the resource does not support this operation.');
    }
    if (instance.EipAddress) throw new RpcError(400, 'OperationDenied', 'The specified instance is in VPC and has an EIP bound.');
    if (instance.PublicIpAddress.length > 0) {
      throw new RpcError(403, 'AllocatedAlready', 'There is an IpAddress allocated already for the specified instance.');
    }
    if (instance.InternetMaxBandwidthOut <= 0) {
      throw new RpcError(
        400,
        'AllocateIpInvalidInstanceBandwidth',
        'The InternetMaxBandwidthOut of the specified instance cannot be less than 0 when allocating a public IP.',
      );
    }
    if (params.IpAddress !== undefined) {
      const holder = [...world.instances.values()].find((i) => i.PublicIpAddress.includes(params.IpAddress as string));
      if (holder) throw new RpcError(403, 'IpInUse', 'The specified IP address is in use.');
    }
    const ip = params.IpAddress ?? allocateIp();
    instance.PublicIpAddress = [ip];
    return { IpAddress: ip };
  }

  const handlers: Record<string, RpcHandler> = {
    DescribeInstances: (params, ctx) => {
      lag.onAdvance(ctx.now);
      return describeInstances(world, params);
    },
    DescribeInstanceAttribute: (params) => describeInstance(instanceOf(params)),
    ModifyInstanceNetworkSpec: (params, ctx) => {
      lag.onAdvance(ctx.now);
      return modifyInstanceNetworkSpec(params, ctx.now);
    },
    AllocatePublicIpAddress: (params) => allocatePublicIpAddress(params),
  };

  return {
    handlers,
    lag,
    payOrder(orderId) {
      const order = world.orders.find((o) => o.OrderId === orderId);
      const change = changes.get(orderId);
      if (!order || !change) throw new RangeError(`no order ${orderId}`);
      if (order.status !== 'unpaid') throw new RangeError(`order ${orderId} is ${order.status}, not unpaid`);
      if (change.amount > world.account.balance)
        throw new RangeError(`the balance ${world.account.balance} CNY does not cover order ${orderId} (${change.amount} CNY)`);
      order.status = 'paid';
      applyChange(change, orderId, world.clock.now());
      return order;
    },
    cancelOrder(orderId) {
      const order = world.orders.find((o) => o.OrderId === orderId);
      if (!order) throw new RangeError(`no order ${orderId}`);
      if (order.status !== 'unpaid') throw new RangeError(`order ${orderId} is ${order.status}, not unpaid`);
      order.status = 'cancelled';
      return order;
    },
    onAdvance(now) {
      lag.onAdvance(now);
      runTemporaryUpgrades(now);
      for (const [token, seen] of tokens) {
        if (now - seen.at >= CLIENT_TOKEN_RETENTION_SECONDS * 1000) tokens.delete(token);
      }
    },
  };
}

/** An order still processing for this instance refuses any further change (lag.ts). */
function refuseWhileProcessing(lag: OrderLag, instanceId: string): void {
  if (lag.processing(instanceId)) {
    throw new RpcError(400, 'LastOrderProcessing', 'The previous order is still processing, please try again later.');
  }
}

function isExpiredOrInArrears(instance: LocalInstance, now: number): boolean {
  if (instance.OperationLocks.includes('financial')) return true;
  return instance.InstanceChargeType === 'PrePaid' && instance.ExpiredTime !== undefined && Date.parse(instance.ExpiredTime) <= now;
}

function remainingDays(instance: LocalInstance, now: number): number {
  return instance.ExpiredTime ? (Date.parse(instance.ExpiredTime) - now) / 86_400_000 : 0;
}

/** The action's own parameters, canonically ordered: what a ClientToken promises stays the same. */
function fingerprintOf(params: Record<string, string>): string {
  const own = Object.keys(params)
    .filter((key) => !COMMON_PARAMS.has(key))
    .sort()
    .map((key) => [key, params[key]]);
  return JSON.stringify(own);
}

function parseInteger(value: string | undefined, code: string, message: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new RpcError(400, code, message);
  return Number(value);
}

function parseBoolean(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (/^true$/i.test(value)) return true;
  if (/^false$/i.test(value)) return false;
  if (name === 'AllocatePublicIp') throw new RpcError(400, 'InvalidParam.AllocatePublicIp', 'The specified param AllocatePublicIp is invalid.');
  throw new RpcError(400, 'InvalidParameter', `The specified parameter ${name} is not valid (true or false).`);
}

function parseChargeType(value: string | undefined): 'PayByBandwidth' | 'PayByTraffic' | undefined {
  if (value === undefined) return undefined;
  if (value === 'PayByBandwidth' || value === 'PayByTraffic') return value;
  throw new RpcError(400, 'InvalidInternetChargeType.ValueNotSupported', 'The specified InternetChargeType is invalid.');
}

function isIpv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

// ---------------------------------------------------------------------------------------------
// Reads.

/**
 * One instance in DescribeInstances' response shape. The shapes follow a real capture of 44
 * instances (aliyun/alibabacloud-ecs-tool-troubleshooter, ecs-devops-dashboard/src/app/static/data/
 * DescribeInstances.ts @0c5f78d1): an instance without an EIP answers an EipAddress object with
 * empty strings and no Bandwidth; an EIP-bound one answers its EIP (with Bandwidth and
 * IsSupportUnassociate) and an empty InternetChargeType; pay-as-you-go reports ExpiredTime
 * 2099-12-31T15:59Z; a VPC instance carries VpcAttributes and an empty InnerIpAddress list.
 * Fields a fixture copied from a real response (`extra`) are rendered verbatim.
 */
export function describeInstance(instance: LocalInstance): Record<string, unknown> {
  const privateIp = `172.16.${Math.floor(hashOf(instance.InstanceId) / 250) % 250}.${(hashOf(instance.InstanceId) % 250) + 1}`;
  const isVpc = instance.InstanceNetworkType === 'vpc';
  return {
    InstanceId: instance.InstanceId,
    InstanceName: instance.InstanceName ?? instance.InstanceId,
    RegionId: instance.RegionId,
    ZoneId: instance.ZoneId ?? '',
    InstanceType: instance.InstanceType ?? 'ecs.g7.large',
    Status: instance.Status,
    InstanceChargeType: instance.InstanceChargeType,
    InternetChargeType: instance.InternetChargeType,
    InstanceNetworkType: instance.InstanceNetworkType,
    InternetMaxBandwidthOut: instance.InternetMaxBandwidthOut,
    InternetMaxBandwidthIn: instance.InternetMaxBandwidthIn,
    PublicIpAddress: { IpAddress: [...instance.PublicIpAddress] },
    InnerIpAddress: { IpAddress: isVpc ? [] : [`10.${privateIp.slice(7)}`] },
    VpcAttributes: {
      PrivateIpAddress: { IpAddress: isVpc ? [privateIp] : [] },
      VpcId: isVpc ? 'vpc-local' : '',
      VSwitchId: isVpc ? 'vsw-local' : '',
      NatIpAddress: '',
    },
    EipAddress: instance.EipAddress ? { ...instance.EipAddress } : { AllocationId: '', IpAddress: '', InternetChargeType: '' },
    Tags: { Tag: instance.Tags.map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue })) },
    ExpiredTime: instance.ExpiredTime ?? formatExpiredTime(Date.UTC(2099, 11, 31, 15, 59)),
    // ECS lists locks as objects: {"OperationLocks":{"LockReason":[{"LockReason":"security"}]}}.
    OperationLocks: { LockReason: instance.OperationLocks.map((reason) => ({ LockReason: reason })) },
    ...structuredClone(instance.extra ?? {}),
  };
}

function hashOf(text: string): number {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h;
}

function describeInstances(world: World, params: Record<string, string>): Record<string, unknown> {
  const regionId = params.RegionId;
  if (!regionId) throw missingParameter('RegionId');
  if (!KNOWN_REGIONS.has(regionId) && regionId !== world.regionId) {
    throw new RpcError(404, 'InvalidRegionId.NotFound', 'The specified RegionId does not exist.');
  }
  const ids = parseIdList(params.InstanceIds, 'InstanceIds');
  const publicIps = parseIdList(params.PublicIpAddresses, 'PublicIpAddresses');
  const eips = parseIdList(params.EipAddresses, 'EipAddresses');
  const chargeType = enumFilter(
    params.InstanceChargeType,
    ['PrePaid', 'PostPaid'],
    404,
    'InvalidInstanceChargeType.NotFound',
    'The specified InstanceChargeType is not found.',
  );
  const internetChargeType = enumFilter(
    params.InternetChargeType,
    ['PayByBandwidth', 'PayByTraffic'],
    404,
    'InvalidInternetChargeType.ValueNotSupported',
    'The specified InternetChargeType is invalid.',
  );
  const networkType = enumFilter(
    params.InstanceNetworkType,
    ['vpc', 'classic'],
    404,
    'InvalidNetworkType.NotFound',
    'The specified InstanceNetworkType is not found.',
  );
  const status = enumFilter(params.Status, INSTANCE_STATUSES, 404, 'InvalidStatus.NotFound', 'The specified Status is not found.');
  const tags = parseTagFilter(params);
  const page = parsePaging(params);
  if (/^true$/i.test(params.DryRun ?? '')) {
    throw new RpcError(400, 'DryRunOperation', 'Request validation has been passed with DryRun flag set.');
  }

  const matching = [...world.instances.values()].filter(
    (i) =>
      i.RegionId === regionId &&
      (ids === undefined || ids.includes(i.InstanceId)) &&
      (publicIps === undefined || i.PublicIpAddress.some((ip) => publicIps.includes(ip))) &&
      (eips === undefined || (i.EipAddress !== undefined && eips.includes(i.EipAddress.IpAddress))) &&
      (chargeType === undefined || i.InstanceChargeType === chargeType) &&
      (internetChargeType === undefined || i.InternetChargeType === internetChargeType) &&
      (networkType === undefined || i.InstanceNetworkType === networkType) &&
      (status === undefined || i.Status === status) &&
      tags.every((t) => i.Tags.some((own) => own.TagKey === t.key && (t.value === undefined || own.TagValue === t.value))),
  );
  const slice = matching.slice(page.offset, page.offset + page.size);
  const nextOffset = page.offset + slice.length;
  return {
    Instances: { Instance: slice.map(describeInstance) },
    TotalCount: matching.length,
    PageNumber: Math.floor(page.offset / page.size) + 1,
    PageSize: page.size,
    NextToken: nextOffset < matching.length ? encodeNextToken(nextOffset) : '',
  };
}

/** `["i-a","i-b"]`: a JSON array string of at most 100 ids (D). */
function parseIdList(value: string | undefined, name: string): string[] | undefined {
  if (value === undefined) return undefined;
  let list: unknown;
  try {
    list = JSON.parse(value);
  } catch {
    list = undefined;
  }
  if (!Array.isArray(list) || !list.every((id) => typeof id === 'string')) {
    throw new RpcError(400, 'InvalidParameter', `The specified parameter ${name} is not valid: expected a JSON array of strings such as ["i-a","i-b"].`);
  }
  if (list.length > 100) throw new RpcError(400, 'InvalidParameter', `The specified parameter ${name} holds ${list.length} values; at most 100 are allowed.`);
  return list;
}

function enumFilter(value: string | undefined, allowed: string[], status: number, code: string, message: string): string | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value)) throw new RpcError(status, code, message);
  return value;
}

/** PageNumber/PageSize (default 1/10, size <= 100) or NextToken/MaxResults (default 10, <= 100). */
function parsePaging(params: Record<string, string>): { offset: number; size: number } {
  const tokenMode = params.NextToken !== undefined || params.MaxResults !== undefined;
  const size = positiveInteger(tokenMode ? params.MaxResults : params.PageSize, tokenMode ? 'MaxResults' : 'PageSize', 10);
  if (size > 100)
    throw new RpcError(400, 'InvalidParameter', `The specified parameter ${tokenMode ? 'MaxResults' : 'PageSize'} is beyond the permitted range (1-100).`);
  if (tokenMode) {
    const offset = params.NextToken ? decodeNextToken(params.NextToken) : 0;
    return { offset, size };
  }
  return { offset: (positiveInteger(params.PageNumber, 'PageNumber', 1) - 1) * size, size };
}

function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new RpcError(400, 'InvalidParameter', `The specified parameter ${name} is not a positive integer.`);
  return Number(value);
}

function encodeNextToken(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

function decodeNextToken(token: string): number {
  const m = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!m) throw new RpcError(400, 'InvalidParameter', 'The specified parameter NextToken is not valid.');
  return Number(m[1]);
}
