// The provider's processing delay (local-cloud/lag.ts): an accepted order shows in DescribeInstances
// only once processed; meanwhile further changes are refused with LastOrderProcessing.
import { describe, expect, it } from 'vitest';
import { admin, type EcsClient, fixture, instance, rpcError, withCloud } from './support';

const LAG = { minMs: 90_000, maxMs: 90_000, seed: 1 };
const bandwidth = async (ecs: EcsClient): Promise<number> =>
  (await ecs.request('DescribeInstances', { RegionId: 'cn-hangzhou', InstanceIds: JSON.stringify(['i-test']) })).Instances.Instance[0].InternetMaxBandwidthOut;

describe('order lag in the local ECS', () => {
  it('shows the old bandwidth until the order is processed, and refuses another change meanwhile', async () => {
    await withCloud({ fixture: fixture([instance()]), lag: LAG }, async (cloud, ecs) => {
      // Act
      const first = await ecs.request('ModifyInstanceNetworkSpec', {
        RegionId: 'cn-hangzhou',
        InstanceId: 'i-test',
        InternetMaxBandwidthOut: 20,
        ClientToken: 'a',
      });
      const meanwhile = await bandwidth(ecs);
      const refused = await rpcError(
        ecs.request('ModifyInstanceNetworkSpec', { RegionId: 'cn-hangzhou', InstanceId: 'i-test', InternetMaxBandwidthOut: 30, ClientToken: 'b' }),
      );
      const sameToken = await ecs.request('ModifyInstanceNetworkSpec', {
        RegionId: 'cn-hangzhou',
        InstanceId: 'i-test',
        InternetMaxBandwidthOut: 20,
        ClientToken: 'a',
      });
      await cloud.clock.advance(120);

      // Assess
      expect(meanwhile).toBe(10);
      expect(refused).toMatchObject({ code: 'LastOrderProcessing', status: 400 });
      expect(String(sameToken.OrderId)).toBe(String(first.OrderId));
      expect(await bandwidth(ecs)).toBe(20);
      expect(cloud.world.instances.get('i-test')?.bandwidthLog.at(-1)?.at).toBe(cloud.world.orders[0]!.time + 90_000);
    });
  });

  it('holds an order through the admin API until it is released', async () => {
    await withCloud({ fixture: fixture([instance()]), lag: LAG }, async (cloud, ecs) => {
      expect((await admin(cloud, 'POST', '/lag/hold/i-test')).status).toBe(200);
      await ecs.request('ModifyInstanceNetworkSpec', { RegionId: 'cn-hangzhou', InstanceId: 'i-test', InternetMaxBandwidthOut: 20, ClientToken: 'a' });
      await cloud.clock.advance(3600);
      expect(await bandwidth(ecs)).toBe(10);
      expect((await admin(cloud, 'GET', '/lag')).json.processing).toMatchObject([{ instanceId: 'i-test', held: true, dueAt: null }]);

      await admin(cloud, 'POST', '/lag/release/i-test');
      expect(await bandwidth(ecs)).toBe(20);
    });
  });

  it('applies at once with lag off, the default of the library', async () => {
    await withCloud({ fixture: fixture([instance()]) }, async (_cloud, ecs) => {
      await ecs.request('ModifyInstanceNetworkSpec', { RegionId: 'cn-hangzhou', InstanceId: 'i-test', InternetMaxBandwidthOut: 20, ClientToken: 'a' });
      expect(await bandwidth(ecs)).toBe(20);
    });
  });

  it('refuses a malformed lag setting with 400 naming the field', async () => {
    await withCloud({ fixture: fixture([instance()]) }, async (cloud) => {
      expect(await admin(cloud, 'POST', '/lag', { minMs: -1, maxMs: 5 })).toMatchObject({ status: 400, json: { error: expect.stringContaining('lag.minMs') } });
    });
  });
});
