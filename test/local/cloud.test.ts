import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import { ecsClient, fixture, instance, rpcError, TEST_KEY, withCloud } from './support';

// The real Tablestore SDK (CommonJS, untyped): only listTable is used here.
const TableStore = createRequire(import.meta.url)('tablestore') as {
  Client: new (options: Record<string, unknown>) => { listTable(params: object): Promise<{ tableNames: string[] }> };
};

const subscription = instance({ InstanceChargeType: 'PrePaid', ExpiredTime: '2027-11-02T00:00Z', InternetMaxBandwidthOut: 20 });

describe('the local cloud on one port', () => {
  it('serves CloudMonitor RPC by Version on the same port, with the metrics HostId', async () => {
    await withCloud({ fixture: fixture([instance()]) }, async (cloud) => {
      const cms = ecsClient(cloud, TEST_KEY, '2019-01-01');
      try {
        await cloud.clock.advance(600);
        const last = await cms.request('DescribeMetricLast', {
          Namespace: 'acs_ecs_dashboard',
          MetricName: 'VPC_PublicIP_InternetOutRate',
          Dimensions: JSON.stringify([{ instanceId: 'i-test' }]),
        });
        expect(last.Code).toBe('200');
        expect(JSON.parse(last.Datapoints)).toEqual([expect.objectContaining({ instanceId: 'i-test' })]);
        const refused = await rpcError(cms.request('DescribeMetricLast', { Namespace: 'acs_ecs_dashboard' }));
        expect(refused.data).toMatchObject({ HostId: 'metrics.cn-hangzhou.aliyuncs.com' });
        expect(cloud.world.calls.map((c) => c.service)).toEqual(['cms', 'cms']);
      } finally {
        cms.close();
      }
    });
  });

  it('routes requests with x-ots-* headers to Tablestore, with the same keys', async () => {
    await withCloud({ fixture: fixture([instance()]) }, async (cloud) => {
      const client = new TableStore.Client({
        endpoint: cloud.endpoints.ots,
        instancename: cloud.endpoints.otsInstance,
        accessKeyId: TEST_KEY.id,
        secretAccessKey: TEST_KEY.secret,
        maxRetries: 0,
        httpOptions: { timeout: 2000 },
      });
      expect(await client.listTable({})).toMatchObject({ tableNames: [] });
      expect(cloud.ots.calls()).toMatchObject([{ action: 'ListTable', code: 'OK' }]);
    });
  });

  it('reverts temporary upgrades before CloudMonitor evaluates alarms at the same tick', async () => {
    await withCloud({ fixture: fixture([subscription]) }, async (cloud, ecs) => {
      const seen: Array<number | undefined> = [];
      vi.spyOn(cloud.cms.alarms, 'evaluate').mockImplementation(async () => {
        seen.push(cloud.world.instances.get('i-test')?.InternetMaxBandwidthOut);
      });
      await ecs.request('ModifyInstanceNetworkSpec', {
        InstanceId: 'i-test',
        InternetMaxBandwidthOut: 50,
        StartTime: '2026-11-02T00:00Z',
        EndTime: '2026-11-02T03Z',
      });
      await cloud.clock.advance(3 * 3600);
      expect(seen).toHaveLength(180);
      expect(seen.at(-2)).toBe(50);
      expect(seen.at(-1)).toBe(20);
    });
  });

  it('answers 404 JSON for unknown admin routes', async () => {
    await withCloud({ fixture: fixture([instance()]) }, async (cloud) => {
      const response = await fetch(`${cloud.endpoints.admin}/nope`);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: 'no admin route GET /nope' });
    });
  });
});
