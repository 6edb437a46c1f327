import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/cloud';
import { CLIENT_TOKEN_RETENTION_SECONDS, MODIFY_LOCK_ERROR, MODIFY_LOCK_SECONDS } from '../../local-cloud/ecs';
import type { FixtureInstance } from '../../local-cloud/fixture';
import { admin, type EcsClient, fixture, instance, rpcError, withCloud } from './support';

// The manual clock starts at 2026-11-02T00:00:00Z.
const EIP = { AllocationId: 'eip-1', IpAddress: '39.1.1.1', Bandwidth: 5, InternetChargeType: 'PayByTraffic' };
const subscription = (overrides: Partial<FixtureInstance> = {}) =>
  instance({ InstanceChargeType: 'PrePaid', ExpiredTime: '2027-11-02T00:00Z', InternetMaxBandwidthOut: 20, ...overrides });
const modify = (ecs: EcsClient, params: Record<string, unknown>, opts: Record<string, unknown> = {}) =>
  ecs.request('ModifyInstanceNetworkSpec', { InstanceId: 'i-test', ...params }, opts);
const bandwidth = (cloud: LocalCloud, id = 'i-test') => cloud.world.instances.get(id)?.InternetMaxBandwidthOut;

interface RefusalRow {
  name: string;
  instances?: FixtureInstance[];
  account?: { balance: number; arrears?: boolean };
  setup?: (cloud: LocalCloud, ecs: EcsClient) => Promise<unknown>;
  params: Record<string, unknown>;
  code: string;
  status: number;
}

const refusals: RefusalRow[] = [
  { name: 'InstanceId missing is MissingParameter', params: { InstanceId: undefined, InternetMaxBandwidthOut: 20 }, code: 'MissingParameter', status: 400 },
  { name: 'no bandwidth parameter is MissingParameter', params: {}, code: 'MissingParameter', status: 400 },
  {
    name: 'an unknown instance is InvalidInstanceId.NotFound',
    params: { InstanceId: 'i-nope', InternetMaxBandwidthOut: 20 },
    code: 'InvalidInstanceId.NotFound',
    status: 404,
  },
  {
    name: 'an instance of another region is InvalidInstanceId.NotFound',
    params: { RegionId: 'cn-shanghai', InternetMaxBandwidthOut: 20 },
    code: 'InvalidInstanceId.NotFound',
    status: 404,
  },
  {
    name: 'pay-as-you-go PayByBandwidth above 100 is out of range',
    params: { InternetMaxBandwidthOut: 101 },
    code: 'InvalidInternetMaxBandwidthOut.ValueNotSupported',
    status: 400,
  },
  {
    name: 'subscription PayByTraffic above 100 is out of range',
    instances: [subscription({ InternetChargeType: 'PayByTraffic' })],
    params: { InternetMaxBandwidthOut: 101 },
    code: 'InvalidInternetMaxBandwidthOut.ValueNotSupported',
    status: 400,
  },
  {
    name: 'subscription PayByBandwidth above 200 is out of range',
    instances: [subscription()],
    params: { InternetMaxBandwidthOut: 201 },
    code: 'InvalidInternetMaxBandwidthOut.ValueNotSupported',
    status: 400,
  },
  {
    name: 'a negative bandwidth is out of range',
    params: { InternetMaxBandwidthOut: -1 },
    code: 'InvalidInternetMaxBandwidthOut.ValueNotSupported',
    status: 400,
  },
  {
    name: 'a non-integer bandwidth is out of range',
    params: { InternetMaxBandwidthOut: '12.5' },
    code: 'InvalidInternetMaxBandwidthOut.ValueNotSupported',
    status: 400,
  },
  { name: 'inbound 0 is out of range', params: { InternetMaxBandwidthIn: 0 }, code: 'InvalidInternetMaxBandwidthIn.ValueNotSupported', status: 400 },
  { name: 'inbound 201 is out of range', params: { InternetMaxBandwidthIn: 201 }, code: 'InvalidInternetMaxBandwidthIn.ValueNotSupported', status: 400 },
  {
    name: 'an unknown NetworkChargeType is refused',
    params: { NetworkChargeType: 'PayByMood' },
    code: 'InvalidInternetChargeType.ValueNotSupported',
    status: 400,
  },
  { name: 'AutoPay other than true/false is InvalidParameter', params: { InternetMaxBandwidthOut: 20, AutoPay: 'yes' }, code: 'InvalidParameter', status: 400 },
  {
    name: 'AllocatePublicIp other than true/false is InvalidParam.AllocatePublicIp',
    params: { InternetMaxBandwidthOut: 20, AllocatePublicIp: 'maybe' },
    code: 'InvalidParam.AllocatePublicIp',
    status: 400,
  },
  {
    name: 'a ClientToken longer than 64 characters is InvalidClientToken.ValueNotSupported',
    params: { InternetMaxBandwidthOut: 20, ClientToken: 'x'.repeat(65) },
    code: 'InvalidClientToken.ValueNotSupported',
    status: 400,
  },
  {
    name: 'an account in arrears is Account.Arrearage',
    account: { balance: 1000, arrears: true },
    params: { InternetMaxBandwidthOut: 20 },
    code: 'Account.Arrearage',
    status: 400,
  },
  {
    name: 'a security-locked instance is InstanceLockedForSecurity',
    instances: [instance({ OperationLocks: ['security'] })],
    params: { InternetMaxBandwidthOut: 20 },
    code: 'InstanceLockedForSecurity',
    status: 403,
  },
  {
    name: 'an expired subscription is InstanceExpiredOrInArrears',
    instances: [subscription({ ExpiredTime: '2026-11-01T00:00Z' })],
    params: { InternetMaxBandwidthOut: 30 },
    code: 'InstanceExpiredOrInArrears',
    status: 403,
  },
  {
    name: 'a pay-as-you-go instance in arrears is InstanceExpiredOrInArrears',
    instances: [instance({ OperationLocks: ['financial'] })],
    params: { InternetMaxBandwidthOut: 20 },
    code: 'InstanceExpiredOrInArrears',
    status: 403,
  },
  {
    name: 'an EIP-bound instance is InvalidInstance.EipNotSupport',
    instances: [instance({ InternetMaxBandwidthOut: 0, EipAddress: EIP })],
    params: { InternetMaxBandwidthOut: 20 },
    code: 'InvalidInstance.EipNotSupport',
    status: 403,
  },
  {
    name: 'a temporary upgrade of an EIP-bound instance is BandwidthUpgradeDenied.EipBoundInstance',
    instances: [subscription({ EipAddress: EIP })],
    params: { InternetMaxBandwidthOut: 50, StartTime: '2026-11-02T00:00Z', EndTime: '2026-11-02T03Z' },
    code: 'BandwidthUpgradeDenied.EipBoundInstance',
    status: 400,
  },
  {
    name: 'a Pending instance is InvalidOperation.InstanceStatusUnsupported',
    instances: [instance({ Status: 'Pending' })],
    params: { InternetMaxBandwidthOut: 20 },
    code: 'InvalidOperation.InstanceStatusUnsupported',
    status: 400,
  },
  {
    name: 'a Running classic instance leaving 0 is InvalidInstanceStatus.NotStopped',
    instances: [instance({ InstanceNetworkType: 'classic', InternetMaxBandwidthOut: 0 })],
    params: { InternetMaxBandwidthOut: 5 },
    code: 'InvalidInstanceStatus.NotStopped',
    status: 400,
  },
  {
    name: 'a subscription upgrade the balance cannot pay is InvalidAccountStatus.NotEnoughBalance',
    instances: [subscription()],
    account: { balance: 10 },
    params: { InternetMaxBandwidthOut: 100 },
    code: 'InvalidAccountStatus.NotEnoughBalance',
    status: 403,
  },
  {
    name: 'a second change within 5 minutes is refused with the lock code',
    setup: (_cloud, ecs) => modify(ecs, { InternetMaxBandwidthOut: 20 }),
    params: { InternetMaxBandwidthOut: 30 },
    code: MODIFY_LOCK_ERROR.code,
    status: MODIFY_LOCK_ERROR.status,
  },
  {
    name: 'the 4th downgrade of a subscription instance is InstanceDowngrade.QuotaExceed',
    instances: [subscription({ InternetMaxBandwidthOut: 50 })],
    setup: async (cloud, ecs) => {
      for (const mbps of [40, 30, 20]) {
        await modify(ecs, { InternetMaxBandwidthOut: mbps });
        await cloud.clock.advance(MODIFY_LOCK_SECONDS);
      }
    },
    params: { InternetMaxBandwidthOut: 10 },
    code: 'InstanceDowngrade.QuotaExceed',
    status: 400,
  },
  {
    name: 'a change while an order is unpaid is InvalidInstance.UnPaidOrder',
    setup: async (cloud, ecs) => {
      await modify(ecs, { InternetMaxBandwidthOut: 20, AutoPay: false });
      await cloud.clock.advance(MODIFY_LOCK_SECONDS);
    },
    params: { InternetMaxBandwidthOut: 30 },
    code: 'InvalidInstance.UnPaidOrder',
    status: 403,
  },
  {
    name: 'the same ClientToken with other parameters is IdempotentParameterMismatch',
    setup: (_cloud, ecs) => modify(ecs, { InternetMaxBandwidthOut: 20, ClientToken: 'decision-1' }),
    params: { InternetMaxBandwidthOut: 30, ClientToken: 'decision-1' },
    code: 'IdempotentParameterMismatch',
    status: 400,
  },
  {
    name: 'a temporary upgrade of a pay-as-you-go instance is ChargeTypeViolation',
    params: { InternetMaxBandwidthOut: 50, StartTime: '2026-11-02T00:00Z', EndTime: '2026-11-02T03Z' },
    code: 'ChargeTypeViolation',
    status: 403,
  },
  {
    name: 'StartTime without EndTime is MissingParameter',
    instances: [subscription()],
    params: { InternetMaxBandwidthOut: 50, StartTime: '2026-11-02T00:00Z' },
    code: 'MissingParameter',
    status: 400,
  },
  {
    name: 'a StartTime with seconds is InvalidStartTime.ValueNotSupported',
    instances: [subscription()],
    params: { InternetMaxBandwidthOut: 50, StartTime: '2026-11-02T00:00:00Z', EndTime: '2026-11-02T03Z' },
    code: 'InvalidStartTime.ValueNotSupported',
    status: 400,
  },
  {
    name: 'a StartTime in the past is InvalidStartTime.ValueNotSupported',
    instances: [subscription()],
    params: { InternetMaxBandwidthOut: 50, StartTime: '2026-11-01T23:59Z', EndTime: '2026-11-02T03Z' },
    code: 'InvalidStartTime.ValueNotSupported',
    status: 400,
  },
  {
    name: 'an EndTime with minutes is InvalidEndTime.ValueNotSupported',
    instances: [subscription()],
    params: { InternetMaxBandwidthOut: 50, StartTime: '2026-11-02T00:00Z', EndTime: '2026-11-02T03:00Z' },
    code: 'InvalidEndTime.ValueNotSupported',
    status: 400,
  },
  {
    name: 'a temporary upgrade shorter than 3 hours is InvalidEndTime.ValueNotSupported',
    instances: [subscription()],
    params: { InternetMaxBandwidthOut: 50, StartTime: '2026-11-02T00:30Z', EndTime: '2026-11-02T03Z' },
    code: 'InvalidEndTime.ValueNotSupported',
    status: 400,
  },
  {
    name: 'a temporary upgrade past the expiry is InvalidEndTime.BeyondLifeCycle',
    instances: [subscription({ ExpiredTime: '2026-11-02T02:00Z' })],
    params: { InternetMaxBandwidthOut: 50, StartTime: '2026-11-02T00:00Z', EndTime: '2026-11-02T03Z' },
    code: 'InvalidEndTime.BeyondLifeCycle',
    status: 400,
  },
  {
    name: 'a temporary "upgrade" to less than now is InvalidBandwidth.ValueNotSupported',
    instances: [subscription()],
    params: { InternetMaxBandwidthOut: 10, StartTime: '2026-11-02T00:00Z', EndTime: '2026-11-02T03Z' },
    code: 'InvalidBandwidth.ValueNotSupported',
    status: 400,
  },
  {
    name: 'a change during a temporary upgrade is InvalidAction.WithActiveElasticUpgrade',
    instances: [subscription()],
    setup: async (cloud, ecs) => {
      await modify(ecs, { InternetMaxBandwidthOut: 50, StartTime: '2026-11-02T00:00Z', EndTime: '2026-11-02T03Z' });
      await cloud.clock.advance(MODIFY_LOCK_SECONDS);
    },
    params: { InternetMaxBandwidthOut: 30 },
    code: 'InvalidAction.WithActiveElasticUpgrade',
    status: 400,
  },
];

describe.each([{ method: 'GET' }, { method: 'POST' }])('ECS ModifyInstanceNetworkSpec refusals over $method', ({ method }) => {
  it.each(refusals)('$name', async ({ instances, account, setup, params, code, status }) => {
    await withCloud({ fixture: fixture(instances ?? [instance()], account ? { account } : {}) }, async (cloud, ecs) => {
      await setup?.(cloud, ecs);
      const ordersBefore = cloud.world.orders.length;
      const before = structuredClone(cloud.world.instances.get('i-test'));
      const request = Object.fromEntries(Object.entries({ InstanceId: 'i-test', ...params }).filter(([, v]) => v !== undefined));
      expect(await rpcError(ecs.request('ModifyInstanceNetworkSpec', request, { method }))).toMatchObject({ code, status });
      expect(cloud.world.orders).toHaveLength(ordersBefore);
      expect(cloud.world.instances.get('i-test')).toEqual(before);
      expect(cloud.world.calls.at(-1)).toMatchObject({ action: 'ModifyInstanceNetworkSpec', code });
    });
  });
});

describe('ECS ModifyInstanceNetworkSpec', () => {
  it('changes the bandwidth, logs it at the clock time and answers an OrderId above 2^53', async () => {
    await withCloud({ fixture: fixture([instance()]) }, async (cloud, ecs) => {
      const response = await modify(ecs, { InternetMaxBandwidthOut: 30, ClientToken: 'decision-1' }, { method: 'POST' });
      // pop-core parses with json-bigint: an id above 2^53 arrives as a BigNumber, exact.
      expect(typeof response.OrderId).toBe('object');
      expect(BigInt(response.OrderId.toString())).toBeGreaterThan(2n ** 53n);
      expect(cloud.world.orders).toMatchObject([
        {
          OrderId: response.OrderId.toString(),
          InstanceId: 'i-test',
          ClientToken: 'decision-1',
          InternetMaxBandwidthOut: 30,
          kind: 'upgrade',
          status: 'paid',
          amount: 0,
        },
      ]);
      expect(bandwidth(cloud)).toBe(30);
      expect(cloud.world.instances.get('i-test')?.bandwidthLog).toEqual([
        { at: cloud.clock.now(), out: 10 },
        { at: cloud.clock.now(), out: 30 },
      ]);
      expect(cloud.world.calls.at(-1)).toMatchObject({ code: 'OK', instanceId: 'i-test', clientToken: 'decision-1', orderId: response.OrderId.toString() });
    });
  });

  it.each([
    { name: 'pay-as-you-go PayByBandwidth to 100', instances: [instance()], out: 100 },
    { name: 'pay-as-you-go PayByTraffic to 100', instances: [instance({ InternetChargeType: 'PayByTraffic' })], out: 100 },
    { name: 'subscription PayByBandwidth to 200', instances: [subscription()], out: 200 },
    { name: 'subscription PayByTraffic to 100', instances: [subscription({ InternetChargeType: 'PayByTraffic' })], out: 100 },
    {
      name: 'a Stopped classic instance leaving 0',
      instances: [instance({ InstanceNetworkType: 'classic', Status: 'Stopped', InternetMaxBandwidthOut: 0 })],
      out: 5,
    },
  ])('accepts $name', async ({ instances, out }) => {
    await withCloud({ fixture: fixture(instances, { account: { balance: 1_000_000 } }) }, async (cloud, ecs) => {
      await modify(ecs, { InternetMaxBandwidthOut: out });
      expect(bandwidth(cloud)).toBe(out);
    });
  });

  it('sets the inbound bandwidth alone', async () => {
    await withCloud({ fixture: fixture([instance()]) }, async (cloud, ecs) => {
      await modify(ecs, { InternetMaxBandwidthIn: 8 });
      expect(cloud.world.instances.get('i-test')).toMatchObject({ InternetMaxBandwidthIn: 8, InternetMaxBandwidthOut: 10 });
    });
  });

  describe('the 5-minute lock', () => {
    it('holds for 300 s after a successful change and releases at 300 s', async () => {
      await withCloud({ fixture: fixture([instance()]) }, async (cloud, ecs) => {
        await modify(ecs, { InternetMaxBandwidthOut: 20 });
        await cloud.clock.advance(MODIFY_LOCK_SECONDS - 1);
        expect(await rpcError(modify(ecs, { InternetMaxBandwidthOut: 30 }))).toMatchObject({ code: MODIFY_LOCK_ERROR.code });
        await cloud.clock.advance(1);
        await modify(ecs, { InternetMaxBandwidthOut: 30 });
        expect(bandwidth(cloud)).toBe(30);
      });
    });

    it('is per instance', async () => {
      await withCloud({ fixture: fixture([instance(), instance({ InstanceId: 'i-other' })]) }, async (cloud, ecs) => {
        await modify(ecs, { InternetMaxBandwidthOut: 20 });
        await modify(ecs, { InstanceId: 'i-other', InternetMaxBandwidthOut: 20 });
        expect(bandwidth(cloud, 'i-other')).toBe(20);
      });
    });

    it('is not started by a refused change', async () => {
      await withCloud({ fixture: fixture([instance()]) }, async (cloud, ecs) => {
        await rpcError(modify(ecs, { InternetMaxBandwidthOut: 101 }));
        await modify(ecs, { InternetMaxBandwidthOut: 20 });
        expect(bandwidth(cloud)).toBe(20);
      });
    });

    it('never lets two changes of one instance land within 300 s, whatever the call times', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 8 }), async (gaps) => {
          await withCloud({ fixture: fixture([instance()]) }, async (cloud, ecs) => {
            let mbps = 10;
            for (const gap of gaps) {
              await cloud.clock.advance(gap);
              mbps = mbps === 10 ? 20 : 10;
              await modify(ecs, { InternetMaxBandwidthOut: mbps }).catch(() => undefined);
            }
            const times = cloud.world.orders.map((o) => o.time);
            for (let i = 1; i < times.length; i++) {
              expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(MODIFY_LOCK_SECONDS * 1000);
            }
          });
        }),
        { numRuns: 15 },
      );
    });
  });

  describe('the subscription downgrade quota', () => {
    it('counts downgrades only, and refuses the 4th with InstanceDowngrade.QuotaExceed', async () => {
      await withCloud({ fixture: fixture([subscription({ InternetMaxBandwidthOut: 50 })], { account: { balance: 1_000_000 } }) }, async (cloud, ecs) => {
        const outcomes: string[] = [];
        for (const mbps of [40, 60, 30, 70, 20, 10]) {
          outcomes.push(
            await modify(ecs, { InternetMaxBandwidthOut: mbps }).then(
              () => 'OK',
              (e: { code: string }) => e.code,
            ),
          );
          await cloud.clock.advance(MODIFY_LOCK_SECONDS);
        }
        expect(outcomes).toEqual(['OK', 'OK', 'OK', 'OK', 'OK', 'InstanceDowngrade.QuotaExceed']);
        expect(cloud.world.instances.get('i-test')?.downgradesUsed).toBe(3);
      });
    });

    it('takes the quota from the fixture', async () => {
      await withCloud({ fixture: fixture([subscription({ DowngradeQuota: 1 })]) }, async (cloud, ecs) => {
        await modify(ecs, { InternetMaxBandwidthOut: 15 });
        await cloud.clock.advance(MODIFY_LOCK_SECONDS);
        expect(await rpcError(modify(ecs, { InternetMaxBandwidthOut: 10 }))).toMatchObject({ code: 'InstanceDowngrade.QuotaExceed' });
      });
    });

    it('does not limit pay-as-you-go downgrades', async () => {
      await withCloud({ fixture: fixture([instance({ InternetMaxBandwidthOut: 50 })]) }, async (cloud, ecs) => {
        for (const mbps of [40, 30, 20, 10, 5]) {
          await modify(ecs, { InternetMaxBandwidthOut: mbps });
          await cloud.clock.advance(MODIFY_LOCK_SECONDS);
        }
        expect(bandwidth(cloud)).toBe(5);
      });
    });
  });

  describe('money', () => {
    it('charges a subscription upgrade the daily price difference for the remaining days', async () => {
      await withCloud({ fixture: fixture([subscription()], { account: { balance: 10_000 } }) }, async (cloud, ecs) => {
        await modify(ecs, { InternetMaxBandwidthOut: 30 });
        const [upgrade] = cloud.world.orders;
        // 10 Mbps more at 80 CNY/Mbps/month = 800/30 CNY a day, for the 365 days left.
        expect(upgrade?.amount).toBeCloseTo((800 / 30) * 365, 2);
        expect(cloud.world.account.balance).toBeCloseTo(10_000 - (upgrade?.amount ?? 0), 2);
      });
    });

    it('refunds a downgrade exactly what the matching upgrade charged, over the same remaining time', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 100 }), async (from, by) => {
          await withCloud(
            { fixture: fixture([subscription({ InternetMaxBandwidthOut: from, ExpiredTime: '2026-12-02T00:00Z' })], { account: { balance: 1_000_000 } }) },
            async (cloud, ecs) => {
              await modify(ecs, { InternetMaxBandwidthOut: from + by });
              // The lock forces 5 minutes between the two orders; moving the expiry by the same 5 minutes
              // prices both over the same remaining time, so the refund must equal the charge.
              await cloud.clock.advance(MODIFY_LOCK_SECONDS);
              const sub = cloud.world.instances.get('i-test');
              if (sub) sub.ExpiredTime = '2026-12-02T00:05Z';
              await modify(ecs, { InternetMaxBandwidthOut: from });
              expect(cloud.world.account.balance).toBeCloseTo(1_000_000, 1);
            },
          );
        }),
        { numRuns: 10 },
      );
    });

    it('charges nothing at order time for pay-as-you-go', async () => {
      await withCloud({ fixture: fixture([instance()], { account: { balance: 0 } }) }, async (cloud, ecs) => {
        await modify(ecs, { InternetMaxBandwidthOut: 100 });
        expect(cloud.world.account.balance).toBe(0);
      });
    });
  });

  describe('public IP', () => {
    it.each([
      {
        name: 'a pay-as-you-go VPC instance leaving 0 gets no IP without AllocatePublicIp',
        instances: [instance({ InternetMaxBandwidthOut: 0 })],
        params: { InternetMaxBandwidthOut: 5 },
        hasIp: false,
      },
      {
        name: 'a pay-as-you-go VPC instance leaving 0 with AllocatePublicIp=true gets one',
        instances: [instance({ InternetMaxBandwidthOut: 0 })],
        params: { InternetMaxBandwidthOut: 5, AllocatePublicIp: true },
        hasIp: true,
      },
      {
        name: 'a subscription instance leaving 0 gets one automatically',
        instances: [subscription({ InternetMaxBandwidthOut: 0 })],
        params: { InternetMaxBandwidthOut: 5 },
        hasIp: true,
      },
      { name: 'a VPC instance set to 0 loses its IP', instances: [instance()], params: { InternetMaxBandwidthOut: 0 }, hasIp: false },
      {
        name: 'a classic instance set to 0 keeps its IP',
        instances: [instance({ InstanceNetworkType: 'classic' })],
        params: { InternetMaxBandwidthOut: 0 },
        hasIp: true,
      },
    ])('$name', async ({ instances, params, hasIp }) => {
      await withCloud({ fixture: fixture(instances, { account: { balance: 1_000_000 } }) }, async (cloud, ecs) => {
        await modify(ecs, params);
        const described = await ecs.request('DescribeInstanceAttribute', { InstanceId: 'i-test' });
        expect(described.PublicIpAddress.IpAddress.length > 0).toBe(hasIp);
        expect(bandwidth(cloud)).toBe(params.InternetMaxBandwidthOut);
      });
    });
  });

  describe('AutoPay=false', () => {
    it('leaves an unpaid order and changes nothing until it is paid', async () => {
      await withCloud({ fixture: fixture([instance()]) }, async (cloud, ecs) => {
        const { OrderId } = await modify(ecs, { InternetMaxBandwidthOut: 20, AutoPay: false });
        expect(cloud.world.orders).toMatchObject([{ OrderId: OrderId.toString(), status: 'unpaid' }]);
        expect(bandwidth(cloud)).toBe(10);
        await cloud.clock.advance(600);
        const paid = await admin(cloud, 'POST', `/orders/${OrderId}/pay`);
        expect(paid).toMatchObject({ status: 200, json: { order: { status: 'paid' } } });
        expect(bandwidth(cloud)).toBe(20);
        // The lock runs from the payment, when the change took effect.
        expect(await rpcError(modify(ecs, { InternetMaxBandwidthOut: 30 }))).toMatchObject({ code: MODIFY_LOCK_ERROR.code });
      });
    });

    it('lets changes through again once the unpaid order is cancelled', async () => {
      await withCloud({ fixture: fixture([instance()]) }, async (cloud, ecs) => {
        const { OrderId } = await modify(ecs, { InternetMaxBandwidthOut: 20, AutoPay: false });
        await cloud.clock.advance(MODIFY_LOCK_SECONDS);
        expect(await admin(cloud, 'POST', `/orders/${OrderId}/cancel`)).toMatchObject({ status: 200, json: { order: { status: 'cancelled' } } });
        await modify(ecs, { InternetMaxBandwidthOut: 30 });
        expect(bandwidth(cloud)).toBe(30);
      });
    });
  });

  describe('ClientToken', () => {
    it('returns the same OrderId for the same token and parameters, and changes nothing again', async () => {
      await withCloud({ fixture: fixture([subscription({ InternetMaxBandwidthOut: 50, DowngradeQuota: 1 })]) }, async (cloud, ecs) => {
        const first = await modify(ecs, { InternetMaxBandwidthOut: 40, ClientToken: 'decision-7' });
        // Inside the lock and with the quota spent, a retry still gets the original order.
        const retry = await modify(ecs, { InternetMaxBandwidthOut: 40, ClientToken: 'decision-7' }, { method: 'POST' });
        expect(retry.OrderId.toString()).toBe(first.OrderId.toString());
        expect(cloud.world.orders).toHaveLength(1);
        expect(cloud.world.instances.get('i-test')?.downgradesUsed).toBe(1);
        expect(cloud.world.instances.get('i-test')?.bandwidthLog).toHaveLength(2);
      });
    });

    it('gives the original OrderId to a retry after a lost answer', async () => {
      await withCloud({ fixture: fixture([instance()]) }, async (cloud, ecs) => {
        cloud.world.faults.push({ action: 'ModifyInstanceNetworkSpec', timeout: true, phase: 'after', rate: 1, count: 1 });
        const lost = await modify(ecs, { InternetMaxBandwidthOut: 20, ClientToken: 'decision-8' }, { timeout: 300 }).catch((e: unknown) => e);
        expect(lost).toMatchObject({ name: 'RequestTimeoutError' });
        expect(bandwidth(cloud)).toBe(20);
        const retry = await modify(ecs, { InternetMaxBandwidthOut: 20, ClientToken: 'decision-8' });
        expect(retry.OrderId.toString()).toBe(cloud.world.orders[0]?.OrderId);
        expect(cloud.world.calls.map((c) => [c.code, c.fault])).toEqual([
          ['OK', 'Timeout'],
          ['OK', undefined],
        ]);
      });
    });

    it(`is forgotten after ${CLIENT_TOKEN_RETENTION_SECONDS / 3600} h of clock time`, async () => {
      await withCloud({ fixture: fixture([instance()]) }, async (cloud, ecs) => {
        const first = await modify(ecs, { InternetMaxBandwidthOut: 20, ClientToken: 'decision-9' });
        await cloud.clock.advance(CLIENT_TOKEN_RETENTION_SECONDS);
        const second = await modify(ecs, { InternetMaxBandwidthOut: 20, ClientToken: 'decision-9' });
        expect(second.OrderId.toString()).not.toBe(first.OrderId.toString());
        expect(cloud.world.orders).toHaveLength(2);
      });
    });

    it('is not consumed by a refused call', async () => {
      await withCloud({ fixture: fixture([instance()]) }, async (cloud, ecs) => {
        await rpcError(modify(ecs, { InternetMaxBandwidthOut: 101, ClientToken: 'decision-10' }));
        await modify(ecs, { InternetMaxBandwidthOut: 20, ClientToken: 'decision-10' });
        expect(bandwidth(cloud)).toBe(20);
      });
    });
  });

  describe('temporary upgrades (StartTime/EndTime)', () => {
    const window = { StartTime: '2026-11-02T00:00Z', EndTime: '2026-11-02T03Z' };

    it('applies at StartTime and reverts at EndTime on the clock, without spending the downgrade quota', async () => {
      await withCloud({ fixture: fixture([subscription()]) }, async (cloud, ecs) => {
        const start = cloud.clock.now();
        await modify(ecs, { InternetMaxBandwidthOut: 50, ...window });
        expect(bandwidth(cloud)).toBe(50);
        await cloud.clock.advance(3 * 3600 - 60);
        expect(bandwidth(cloud)).toBe(50);
        await cloud.clock.advance(60);
        expect(bandwidth(cloud)).toBe(20);
        const sub = cloud.world.instances.get('i-test');
        expect(sub?.bandwidthLog).toEqual([
          { at: start, out: 20 },
          { at: start, out: 50 },
          { at: start + 3 * 3600_000, out: 20 },
        ]);
        expect(sub?.downgradesUsed).toBe(0);
        expect(cloud.world.orders).toMatchObject([{ kind: 'temporaryUpgrade', ...window }]);
      });
    });

    it('waits for a StartTime in the future', async () => {
      await withCloud({ fixture: fixture([subscription()]) }, async (cloud, ecs) => {
        await modify(ecs, { InternetMaxBandwidthOut: 50, StartTime: '2026-11-02T01:30Z', EndTime: '2026-11-02T05Z' });
        expect(bandwidth(cloud)).toBe(20);
        await cloud.clock.advance(90 * 60);
        expect(bandwidth(cloud)).toBe(50);
        expect(cloud.world.instances.get('i-test')?.bandwidthLog.at(-1)).toEqual({ at: Date.UTC(2026, 10, 2, 1, 30), out: 50 });
      });
    });

    it('charges the price difference for the window only', async () => {
      await withCloud({ fixture: fixture([subscription()]) }, async (cloud, ecs) => {
        await modify(ecs, { InternetMaxBandwidthOut: 50, ...window });
        // 30 Mbps more at 80 CNY/Mbps/month = 80 CNY a day, for 3 hours.
        expect(cloud.world.orders[0]?.amount).toBeCloseTo(80 * (3 / 24), 2);
        expect(cloud.world.account.balance).toBeCloseTo(1000 - 10, 2);
      });
    });
  });
});

describe('ECS AllocatePublicIpAddress', () => {
  it('allocates an IP to an instance with bandwidth and none yet', async () => {
    await withCloud({ fixture: fixture([instance({ PublicIpAddress: [] })]) }, async (cloud, ecs) => {
      const { IpAddress } = await ecs.request('AllocatePublicIpAddress', { InstanceId: 'i-test' });
      expect(IpAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(cloud.world.instances.get('i-test')?.PublicIpAddress).toEqual([IpAddress]);
    });
  });

  it('allocates the IpAddress asked for when it is free', async () => {
    await withCloud({ fixture: fixture([instance({ PublicIpAddress: [] })]) }, async (_cloud, ecs) => {
      expect(await ecs.request('AllocatePublicIpAddress', { InstanceId: 'i-test', IpAddress: '47.100.1.1' })).toMatchObject({ IpAddress: '47.100.1.1' });
    });
  });

  it.each([
    { name: 'InstanceId missing is MissingParameter', instances: [instance()], params: { InstanceId: undefined }, code: 'MissingParameter', status: 400 },
    {
      name: 'an unknown instance is InvalidInstanceId.NotFound',
      instances: [instance()],
      params: { InstanceId: 'i-nope' },
      code: 'InvalidInstanceId.NotFound',
      status: 404,
    },
    { name: 'an instance with an IP is AllocatedAlready', instances: [instance()], params: {}, code: 'AllocatedAlready', status: 403 },
    {
      name: 'an instance at 0 Mbps is AllocateIpInvalidInstanceBandwidth',
      instances: [instance({ InternetMaxBandwidthOut: 0 })],
      params: {},
      code: 'AllocateIpInvalidInstanceBandwidth',
      status: 400,
    },
    {
      name: 'a Stopping instance is IncorrectInstanceStatus',
      instances: [instance({ Status: 'Stopping', PublicIpAddress: [] })],
      params: {},
      code: 'IncorrectInstanceStatus',
      status: 403,
    },
    {
      name: 'a security-locked instance is InstanceLockedForSecurity',
      instances: [instance({ OperationLocks: ['security'], PublicIpAddress: [] })],
      params: {},
      code: 'InstanceLockedForSecurity',
      status: 403,
    },
    {
      name: 'an expired subscription is InstanceExpiredOrInArrears',
      instances: [subscription({ ExpiredTime: '2026-01-01T00:00Z', PublicIpAddress: [] })],
      params: {},
      code: 'InstanceExpiredOrInArrears',
      status: 403,
    },
    { name: 'a VPC instance with an EIP is OperationDenied', instances: [instance({ EipAddress: EIP })], params: {}, code: 'OperationDenied', status: 400 },
    {
      name: 'a malformed IpAddress is InvalidIpAddress.Malformed',
      instances: [instance({ PublicIpAddress: [] })],
      params: { IpAddress: '47.1.1' },
      code: 'InvalidIpAddress.Malformed',
      status: 400,
    },
    {
      name: 'an IpAddress held by another instance is IpInUse',
      instances: [instance({ PublicIpAddress: [] }), instance({ InstanceId: 'i-holder', PublicIpAddress: ['47.5.5.5'] })],
      params: { IpAddress: '47.5.5.5' },
      code: 'IpInUse',
      status: 403,
    },
    {
      name: 'a VlanId for a VPC instance is OperationDenied',
      instances: [instance({ PublicIpAddress: [] })],
      params: { VlanId: '100' },
      code: 'OperationDenied',
      status: 400,
    },
    {
      name: 'an unknown VlanId is InvalidVlanId.NotFound',
      instances: [instance({ InstanceNetworkType: 'classic', PublicIpAddress: [] })],
      params: { VlanId: '100' },
      code: 'InvalidVlanId.NotFound',
      status: 404,
    },
  ])('refuses: $name', async ({ instances, params, code, status }) => {
    await withCloud({ fixture: fixture(instances) }, async (_cloud, ecs) => {
      const request = Object.fromEntries(Object.entries({ InstanceId: 'i-test', ...params }).filter(([, v]) => v !== undefined));
      expect(await rpcError(ecs.request('AllocatePublicIpAddress', request))).toMatchObject({ code, status });
    });
  });
});
