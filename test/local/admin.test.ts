import { describe, expect, it } from 'vitest';
import { MODIFY_LOCK_ERROR } from '../../local-cloud/ecs';
import { admin, fixture, instance, rpcError, withCloud } from './support';

const oneInstance = { fixture: fixture([instance()]) };

describe('local cloud admin API', () => {
  it('advances a manual clock and returns the new time', async () => {
    await withCloud(oneInstance, async (cloud) => {
      const reply = await admin(cloud, 'POST', '/clock', { advanceSeconds: 300 });
      expect(reply).toEqual({ status: 200, json: { now: Date.UTC(2026, 10, 2, 0, 5), nowIso: '2026-11-02T00:05:00.000Z' } });
      expect(cloud.clock.now()).toBe(Date.UTC(2026, 10, 2, 0, 5));
    });
  });

  it('refuses to advance a real clock', async () => {
    await withCloud({ ...oneInstance, clock: 'real' }, async (cloud) => {
      expect(await admin(cloud, 'POST', '/clock', { advanceSeconds: 300 })).toMatchObject({
        status: 409,
        json: { error: expect.stringContaining('--clock manual') },
      });
    });
  });

  it('returns the state: time, instances in DescribeInstances fields, orders and calls', async () => {
    await withCloud(oneInstance, async (cloud, ecs) => {
      const { OrderId } = await ecs.request('ModifyInstanceNetworkSpec', { InstanceId: 'i-test', InternetMaxBandwidthOut: 20, ClientToken: 'd-1' });
      await rpcError(ecs.request('ModifyInstanceNetworkSpec', { InstanceId: 'i-test', InternetMaxBandwidthOut: 30 }));
      const { status, json } = await admin(cloud, 'GET', '/state');
      expect(status).toBe(200);
      expect(json.now).toBe(Date.UTC(2026, 10, 2));
      expect(json.instances).toMatchObject([
        { InstanceId: 'i-test', InternetMaxBandwidthOut: 20, PublicIpAddress: { IpAddress: expect.any(Array) }, DowngradesUsed: 0 },
      ]);
      expect(json.orders).toEqual([
        expect.objectContaining({ OrderId: OrderId.toString(), InstanceId: 'i-test', ClientToken: 'd-1', InternetMaxBandwidthOut: 20, time: json.now }),
      ]);
      expect(json.calls).toMatchObject([
        { action: 'ModifyInstanceNetworkSpec', code: 'OK', time: json.now, instanceId: 'i-test', clientToken: 'd-1' },
        { action: 'ModifyInstanceNetworkSpec', code: MODIFY_LOCK_ERROR.code, time: json.now },
      ]);
      const tail = await admin(cloud, 'GET', '/state?callsSince=1');
      expect(tail.json.calls).toHaveLength(1);
      expect(tail.json.callsTotal).toBe(2);
    });
  });

  it('sets and clears faults', async () => {
    await withCloud(oneInstance, async (cloud, ecs) => {
      const set = await admin(cloud, 'POST', '/faults', { action: 'DescribeInstances', code: 'ServiceUnavailable', rate: 1 });
      expect(set).toMatchObject({ status: 200, json: { faults: [{ action: 'DescribeInstances', code: 'ServiceUnavailable', rate: 1 }] } });
      expect(await rpcError(ecs.request('DescribeInstances', { RegionId: 'cn-hangzhou' }))).toMatchObject({ code: 'ServiceUnavailable', status: 503 });
      expect(await admin(cloud, 'DELETE', '/faults')).toMatchObject({ status: 200, json: { faults: [] } });
      await expect(ecs.request('DescribeInstances', { RegionId: 'cn-hangzhou' })).resolves.toMatchObject({ TotalCount: 1 });
    });
  });

  it('passes Tablestore faults to the Tablestore emulator', async () => {
    await withCloud(oneInstance, async (cloud) => {
      expect(await admin(cloud, 'POST', '/faults', { service: 'ots', action: 'PutRow', code: 'OTSServerBusy', rate: 1 })).toMatchObject({ status: 200 });
      // The ECS fault list stays empty: the fault lives in the Tablestore emulator.
      expect(cloud.world.faults).toEqual([]);
    });
  });

  it.each([
    { name: 'a fault without an effect', path: '/faults', body: { action: 'DescribeInstances', rate: 1 }, error: 'needs an effect' },
    { name: 'a fault rate above 1', path: '/faults', body: { code: 'InternalError', rate: 2 }, error: 'rate' },
    { name: 'an unknown fault key', path: '/faults', body: { code: 'InternalError', rate: 1, sometimes: true }, error: 'sometimes' },
    { name: 'an HTML 502 for Tablestore', path: '/faults', body: { service: 'ots', html502: true, rate: 1 }, error: 'Tablestore' },
    { name: 'a negative clock advance', path: '/clock', body: { advanceSeconds: -5 }, error: 'advanceSeconds' },
    { name: 'an instance patch with an unknown status', path: '/instances/i-test', body: { Status: 'Asleep' }, error: 'Status' },
  ])('refuses $name with 400 naming the problem', async ({ path, body, error }) => {
    await withCloud(oneInstance, async (cloud) => {
      const reply = await admin(cloud, 'POST', path, body);
      expect(reply.status).toBe(400);
      expect(reply.json.error).toContain(error);
    });
  });

  it.each([
    { name: 'an unknown order', path: '/orders/123/pay', status: 404 },
    { name: 'an unknown instance', path: '/instances/i-nope', status: 404 },
    { name: 'an unknown route', path: '/nothing', status: 404 },
  ])('answers 404 for $name', async ({ path, status }) => {
    await withCloud(oneInstance, async (cloud) => {
      expect((await admin(cloud, 'POST', path, {})).status).toBe(status);
    });
  });

  it('refuses to pay an order twice', async () => {
    await withCloud(oneInstance, async (cloud, ecs) => {
      const { OrderId } = await ecs.request('ModifyInstanceNetworkSpec', { InstanceId: 'i-test', InternetMaxBandwidthOut: 20, AutoPay: false });
      expect((await admin(cloud, 'POST', `/orders/${OrderId}/pay`)).status).toBe(200);
      expect(await admin(cloud, 'POST', `/orders/${OrderId}/pay`)).toMatchObject({ status: 409, json: { error: expect.stringContaining('paid') } });
    });
  });

  it('puts the account in arrears, which ECS then refuses with Account.Arrearage', async () => {
    await withCloud(oneInstance, async (cloud, ecs) => {
      expect(await admin(cloud, 'POST', '/account', { arrears: true })).toMatchObject({ status: 200, json: { account: { arrears: true } } });
      expect(await rpcError(ecs.request('ModifyInstanceNetworkSpec', { InstanceId: 'i-test', InternetMaxBandwidthOut: 20 }))).toMatchObject({
        code: 'Account.Arrearage',
      });
    });
  });

  it('changes what a console user could: status, locks and the EIP of an instance', async () => {
    await withCloud(oneInstance, async (cloud, ecs) => {
      await admin(cloud, 'POST', '/instances/i-test', { OperationLocks: ['security'] });
      expect(await rpcError(ecs.request('ModifyInstanceNetworkSpec', { InstanceId: 'i-test', InternetMaxBandwidthOut: 20 }))).toMatchObject({
        code: 'InstanceLockedForSecurity',
      });
      const patched = await admin(cloud, 'POST', '/instances/i-test', { OperationLocks: [], Status: 'Stopped' });
      expect(patched.json.instance).toMatchObject({ Status: 'Stopped', OperationLocks: { LockReason: [] } });
    });
  });

  it('sets the CloudMonitor reporting lag', async () => {
    await withCloud(oneInstance, async (cloud) => {
      expect(await admin(cloud, 'POST', '/cms/reporting-lag', { seconds: 180 })).toMatchObject({ status: 200, json: { reportingLagSeconds: 180 } });
      expect(cloud.cms.reportingLagSeconds).toBe(180);
    });
  });
});
