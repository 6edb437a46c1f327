// Each documented ModifyInstanceNetworkSpec refusal the emulator models (docs/reference/ecs-modify.md):
// its condition → code and HTTP status, through the real pop-core SDK. The monthly downgrade quota
// and the regional caps are changed through the admin API, as a test of a real account would
// change them through the console or a ticket.
import { describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/cloud';
import { MODIFY_LOCK_SECONDS } from '../../local-cloud/ecs';
import { nextQuotaReset, quotaPeriodOf } from '../../local-cloud/ecs-rules';
import type { Fixture, FixtureInstance } from '../../local-cloud/fixture';
import { admin, type EcsClient, fixture, instance, rpcError, withCloud } from './support';

// The manual clock starts at 2026-11-02T00:00:00Z unless a test says otherwise.
const subscription = (overrides: Partial<FixtureInstance> = {}) =>
  instance({ InstanceChargeType: 'PrePaid', ExpiredTime: '2027-11-02T00:00Z', InternetMaxBandwidthOut: 20, ...overrides });
const modify = (ecs: EcsClient, params: Record<string, unknown>) =>
  ecs.request('ModifyInstanceNetworkSpec', { InstanceId: 'i-test', ...params }, { method: 'POST' });
const bandwidth = (cloud: LocalCloud, id = 'i-test') => cloud.world.instances.get(id)?.InternetMaxBandwidthOut;

interface Row {
  name: string;
  instances?: FixtureInstance[];
  rest?: Partial<Fixture>;
  setup?: (cloud: LocalCloud, ecs: EcsClient) => Promise<unknown>;
  params: Record<string, unknown>;
  code: string;
  status: number;
  message?: RegExp;
}

const rows: Row[] = [
  {
    name: 'a subscription downgrade without the downgrade privilege is DecreasedBandwidthNotAllowed',
    instances: [subscription()],
    rest: { ecs: { downgradePrivilege: false } },
    params: { InternetMaxBandwidthOut: 10 },
    code: 'DecreasedBandwidthNotAllowed',
    status: 400,
  },
  {
    name: 'switching a pay-by-bandwidth subscription to PayByTraffic is OperationDenied (403, PrePaid)',
    instances: [subscription()],
    params: { NetworkChargeType: 'PayByTraffic' },
    code: 'OperationDenied',
    status: 403,
    message: /instance is PrePaid/,
  },
  {
    name: 'a change after a downgrade that locks the billing cycle is OperationDenied (400)',
    instances: [subscription()],
    rest: { ecs: { downgradeLocksBillingCycle: true } },
    setup: async (cloud, ecs) => {
      await modify(ecs, { InternetMaxBandwidthOut: 15 });
      await cloud.clock.advance(MODIFY_LOCK_SECONDS);
    },
    params: { InternetMaxBandwidthOut: 25 },
    code: 'OperationDenied',
    status: 400,
    message: /remaining time of the current billing cycle/,
  },
  {
    name: "the instance's own unpaid order is InvalidInstance.UnPaidOrder (403)",
    instances: [subscription()],
    setup: (_cloud, ecs) => modify(ecs, { InternetMaxBandwidthOut: 30, AutoPay: false }),
    params: { InternetMaxBandwidthOut: 40 },
    code: 'InvalidInstance.UnPaidOrder',
    status: 403,
  },
  {
    name: "another instance's unpaid order is InvalidInstance.UnPaidOrder (400, account-wide)",
    instances: [subscription(), subscription({ InstanceId: 'i-other' })],
    setup: (_cloud, ecs) => ecs.request('ModifyInstanceNetworkSpec', { InstanceId: 'i-other', InternetMaxBandwidthOut: 30, AutoPay: false }),
    params: { InternetMaxBandwidthOut: 40 },
    code: 'InvalidInstance.UnPaidOrder',
    status: 400,
    message: /Unpaid order exists in your account/,
  },
  {
    name: 'a Stopping instance is IncorrectInstanceStatus',
    instances: [instance({ Status: 'Stopping' })],
    params: { InternetMaxBandwidthOut: 20 },
    code: 'IncorrectInstanceStatus',
    status: 403,
  },
  {
    name: 'a Starting instance is IncorrectInstanceStatus',
    instances: [instance({ Status: 'Starting' })],
    params: { InternetMaxBandwidthOut: 20 },
    code: 'IncorrectInstanceStatus',
    status: 403,
  },
  {
    name: 'raising the region above its pay-by-traffic cap is QuotaExceeded.InternetBandwidth',
    instances: [
      instance({ InternetChargeType: 'PayByTraffic', InternetMaxBandwidthOut: 50 }),
      instance({ InstanceId: 'i-n', InternetChargeType: 'PayByTraffic', InternetMaxBandwidthOut: 80 }),
    ],
    rest: { ecs: { regionalCaps: { payByTrafficMbps: 150, payByBandwidthMbps: 50_000 } } },
    params: { InternetMaxBandwidthOut: 71 },
    code: 'QuotaExceeded.InternetBandwidth',
    status: 400,
    message: /at most 70 Mbps/,
  },
  {
    name: 'raising the region above its pay-by-bandwidth cap is QuotaExceeded.InternetBandwidth',
    instances: [instance({ InternetMaxBandwidthOut: 10 }), instance({ InstanceId: 'i-n', InternetMaxBandwidthOut: 90 })],
    rest: { ecs: { regionalCaps: { 'cn-hangzhou': { payByTrafficMbps: 5000, payByBandwidthMbps: 100 } } } },
    params: { InternetMaxBandwidthOut: 11 },
    code: 'QuotaExceeded.InternetBandwidth',
    status: 400,
  },
  {
    name: 'a target above the instance type base bandwidth is InvalidParameter.BandwidthBiggerThanBaseBandwidth',
    instances: [instance({ BaseBandwidthMbps: 15, InstanceType: 'ecs.t6-c1m1.large' })],
    params: { InternetMaxBandwidthOut: 20 },
    code: 'InvalidParameter.BandwidthBiggerThanBaseBandwidth',
    status: 400,
    message: /base bandwidth 15 Mbps/,
  },
  {
    name: 'inbound 11 with outbound 10 is out of range (1-10 when Out <= 10)',
    params: { InternetMaxBandwidthOut: 10, InternetMaxBandwidthIn: 11 },
    code: 'InvalidInternetMaxBandwidthIn.ValueNotSupported',
    status: 400,
  },
  {
    name: 'inbound above outbound 30 is out of range (1-Out when Out > 10)',
    params: { InternetMaxBandwidthOut: 30, InternetMaxBandwidthIn: 31 },
    code: 'InvalidInternetMaxBandwidthIn.ValueNotSupported',
    status: 400,
  },
  {
    name: 'a second downgrade in the month with a quota of 1 is InstanceDowngrade.QuotaExceed',
    instances: [subscription({ DowngradeQuota: 1 })],
    setup: async (cloud, ecs) => {
      await modify(ecs, { InternetMaxBandwidthOut: 15 });
      await cloud.clock.advance(MODIFY_LOCK_SECONDS);
    },
    params: { InternetMaxBandwidthOut: 10 },
    code: 'InstanceDowngrade.QuotaExceed',
    status: 400,
  },
  {
    name: 'a pay-by-traffic subscription downgrade spends the same quota',
    instances: [subscription({ InternetChargeType: 'PayByTraffic', DowngradeQuota: 0 })],
    params: { InternetMaxBandwidthOut: 10 },
    code: 'InstanceDowngrade.QuotaExceed',
    status: 400,
  },
  {
    name: 'an EIP-bound instance (empty InternetChargeType) is InvalidInstance.EipNotSupport',
    instances: [
      instance({
        InternetChargeType: '',
        InternetMaxBandwidthOut: 0,
        InternetMaxBandwidthIn: -1,
        EipAddress: { Bandwidth: 199, AllocationId: 'eip-1', IpAddress: '47.96.1.180', IsSupportUnassociate: true, InternetChargeType: 'PayByTraffic' },
      }),
    ],
    params: { InternetMaxBandwidthOut: 10 },
    code: 'InvalidInstance.EipNotSupport',
    status: 403,
  },
];

describe('ModifyInstanceNetworkSpec documented refusals', () => {
  it.each(rows)('$name', async ({ instances, rest, setup, params, code, status, message }) => {
    await withCloud({ fixture: fixture(instances ?? [instance()], rest) }, async (cloud, ecs) => {
      await setup?.(cloud, ecs);
      const before = bandwidth(cloud);
      const error = await rpcError(modify(ecs, params));
      expect(error).toMatchObject({ code, status });
      if (message) expect(error.data?.Message).toMatch(message);
      expect(bandwidth(cloud)).toBe(before);
    });
  });

  it('accepts the largest target each numeric refusal names', async () => {
    const fleet = [instance({ BaseBandwidthMbps: 15 }), instance({ InstanceId: 'i-t', InternetChargeType: 'PayByTraffic', InternetMaxBandwidthOut: 80 })];
    await withCloud({ fixture: fixture(fleet, { ecs: { regionalCaps: { payByTrafficMbps: 100, payByBandwidthMbps: 50_000 } } }) }, async (cloud, ecs) => {
      expect(await rpcError(modify(ecs, { InternetMaxBandwidthOut: 16 }))).toMatchObject({ code: 'InvalidParameter.BandwidthBiggerThanBaseBandwidth' });
      await modify(ecs, { InternetMaxBandwidthOut: 15 });
      expect(bandwidth(cloud)).toBe(15);
      expect(await rpcError(modify(ecs, { InstanceId: 'i-t', InternetMaxBandwidthOut: 101 }))).toMatchObject({
        code: 'InvalidInternetMaxBandwidthOut.ValueNotSupported',
      });
      await admin(cloud, 'POST', '/ecs/rules', { regionalCaps: { payByTrafficMbps: 90, payByBandwidthMbps: 50_000 } });
      expect(await rpcError(modify(ecs, { InstanceId: 'i-t', InternetMaxBandwidthOut: 91 }))).toMatchObject({ code: 'QuotaExceeded.InternetBandwidth' });
      await modify(ecs, { InstanceId: 'i-t', InternetMaxBandwidthOut: 90 });
      expect(bandwidth(cloud, 'i-t')).toBe(90);
    });
  });

  it('lets a region already above its cap come down', async () => {
    const fleet = [instance({ InternetChargeType: 'PayByTraffic', InternetMaxBandwidthOut: 90 })];
    await withCloud({ fixture: fixture(fleet, { ecs: { regionalCaps: { payByTrafficMbps: 50, payByBandwidthMbps: 50_000 } } }) }, async (cloud, ecs) => {
      await modify(ecs, { InternetMaxBandwidthOut: 60 });
      expect(bandwidth(cloud)).toBe(60);
    });
  });

  it('accepts the inbound range the current doc gives: 1-10 at Out <= 10, 1-Out above', async () => {
    await withCloud({ fixture: fixture([instance()]) }, async (cloud, ecs) => {
      await modify(ecs, { InternetMaxBandwidthOut: 30, InternetMaxBandwidthIn: 30 });
      expect(cloud.world.instances.get('i-test')).toMatchObject({ InternetMaxBandwidthOut: 30, InternetMaxBandwidthIn: 30 });
      await cloud.clock.advance(MODIFY_LOCK_SECONDS);
      await modify(ecs, { InternetMaxBandwidthOut: 5, InternetMaxBandwidthIn: 10 });
      expect(cloud.world.instances.get('i-test')).toMatchObject({ InternetMaxBandwidthOut: 5, InternetMaxBandwidthIn: 10 });
    });
  });
});

describe('the monthly downgrade quota', () => {
  // 2026-11-30T15:50Z is 23:50 on 30 November in Beijing (UTC+8): ten minutes before the reset.
  const start = Date.UTC(2026, 10, 30, 15, 50);

  it('resets on the 1st at 00:00 UTC+8, not at midnight UTC', async () => {
    await withCloud({ start, fixture: fixture([subscription({ DowngradeQuota: 1 })]) }, async (cloud, ecs) => {
      await modify(ecs, { InternetMaxBandwidthOut: 15 });
      await cloud.clock.advance(MODIFY_LOCK_SECONDS);
      expect(await rpcError(modify(ecs, { InternetMaxBandwidthOut: 10 }))).toMatchObject({ code: 'InstanceDowngrade.QuotaExceed', status: 400 });
      // 16:00Z = 00:00 on 1 December in Beijing.
      await cloud.clock.advance((Date.UTC(2026, 10, 30, 16, 0) - cloud.clock.now()) / 1000);
      await modify(ecs, { InternetMaxBandwidthOut: 10 });
      expect(bandwidth(cloud)).toBe(10);
    });
  });

  it('resets in the configured time zone', async () => {
    const utc = { ecs: { downgradeQuota: { utcOffsetMinutes: 0 } } };
    await withCloud({ start, fixture: fixture([subscription({ DowngradeQuota: 1 })], utc) }, async (cloud, ecs) => {
      await modify(ecs, { InternetMaxBandwidthOut: 15 });
      // 16:00Z is still 30 November in UTC: the quota stays spent until 1 December 00:00Z.
      await cloud.clock.advance((Date.UTC(2026, 10, 30, 16, 0) - cloud.clock.now()) / 1000);
      expect(await rpcError(modify(ecs, { InternetMaxBandwidthOut: 10 }))).toMatchObject({ code: 'InstanceDowngrade.QuotaExceed' });
      await cloud.clock.advance((Date.UTC(2026, 11, 1) - cloud.clock.now()) / 1000);
      await modify(ecs, { InternetMaxBandwidthOut: 10 });
      expect(bandwidth(cloud)).toBe(10);
    });
  });

  it('takes the monthly count from the fixture, and lifetime counting never resets', async () => {
    const lifetime = { ecs: { downgradeQuota: { count: 1, period: 'lifetime' as const } } };
    await withCloud({ start, fixture: fixture([subscription()], lifetime) }, async (cloud, ecs) => {
      await modify(ecs, { InternetMaxBandwidthOut: 15 });
      await cloud.clock.advance((Date.UTC(2026, 10, 30, 16, 10) - cloud.clock.now()) / 1000);
      expect(await rpcError(modify(ecs, { InternetMaxBandwidthOut: 10 }))).toMatchObject({ code: 'InstanceDowngrade.QuotaExceed' });
    });
  });

  it('is reset by the admin API as on the 1st', async () => {
    await withCloud({ fixture: fixture([subscription({ DowngradeQuota: 1 })]) }, async (cloud, ecs) => {
      await modify(ecs, { InternetMaxBandwidthOut: 15 });
      await cloud.clock.advance(MODIFY_LOCK_SECONDS);
      expect(await rpcError(modify(ecs, { InternetMaxBandwidthOut: 10 }))).toMatchObject({ code: 'InstanceDowngrade.QuotaExceed' });
      expect((await admin(cloud, 'POST', '/ecs/quota/reset', { instanceId: 'i-test' })).status).toBe(200);
      await modify(ecs, { InternetMaxBandwidthOut: 10 });
      expect(bandwidth(cloud)).toBe(10);
      const state = await admin(cloud, 'GET', '/state');
      expect(state.json.instances[0]).toMatchObject({ DowngradesUsed: 1, DowngradeQuota: 1 });
    });
  });

  it.each([
    { at: Date.UTC(2026, 10, 30, 15, 59), period: '2026-11', reset: Date.UTC(2026, 10, 30, 16) },
    { at: Date.UTC(2026, 10, 30, 16, 0), period: '2026-12', reset: Date.UTC(2026, 11, 31, 16) },
    { at: Date.UTC(2026, 11, 31, 20, 0), period: '2027-01', reset: Date.UTC(2027, 0, 31, 16) },
  ])('puts $at in period $period (UTC+8)', ({ at, period, reset }) => {
    const rule = { period: 'month' as const, utcOffsetMinutes: 480 };
    expect(quotaPeriodOf(at, rule)).toBe(period);
    expect(nextQuotaReset(at, rule)).toBe(reset);
  });
});

describe('admin API for the ECS rules', () => {
  it('sets per-instance base bandwidth caps and clears them', async () => {
    await withCloud({ fixture: fixture([instance()]) }, async (cloud, ecs) => {
      expect((await admin(cloud, 'POST', '/instances/i-test', { BaseBandwidthMbps: 12 })).status).toBe(200);
      expect(await rpcError(modify(ecs, { InternetMaxBandwidthOut: 13 }))).toMatchObject({ code: 'InvalidParameter.BandwidthBiggerThanBaseBandwidth' });
      await admin(cloud, 'POST', '/instances/i-test', { BaseBandwidthMbps: null });
      await modify(ecs, { InternetMaxBandwidthOut: 13 });
      expect(bandwidth(cloud)).toBe(13);
    });
  });

  it('refuses a malformed rules patch with the path named', async () => {
    await withCloud({ fixture: fixture([instance()]) }, async (cloud) => {
      const answer = await admin(cloud, 'POST', '/ecs/rules', { downgradeQuota: { period: 'weekly' } });
      expect(answer.status).toBe(400);
      expect(answer.json.error).toMatch(/downgradeQuota\.period/);
    });
  });
});
