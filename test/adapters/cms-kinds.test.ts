// CloudMonitor reads per kind: an EIP's outbound rate from acs_vpc_eip, a shared package's from
// acs_bandwidth_package (both net_tx.rate, bit/s, dimension instanceId), an instance's as before.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CMS_API_VERSION, createMetricApi } from '../../src/adapters/cms';
import { createRpcClient, type RpcClient } from '../../src/adapters/pop';
import { type CannedRpcServer, startCannedRpcServer } from './canned-rpc-server';

const T = Date.UTC(2026, 11, 6, 12, 0);

describe('latestOutRates per kind', () => {
  let server: CannedRpcServer;
  let client: RpcClient;

  beforeAll(async () => {
    server = await startCannedRpcServer(({ params }) => {
      const ids = (JSON.parse(params.Dimensions ?? '[]') as Array<{ instanceId: string }>).map((d) => d.instanceId);
      const value = params.Namespace === 'acs_vpc_eip' ? 30e6 : params.Namespace === 'acs_bandwidth_package' ? 250e6 : 5e6;
      // EIP and package points carry `Value` only (their one statistic); ECS points carry Average.
      const statistic = params.Namespace === 'acs_ecs_dashboard' ? { Average: value } : { Value: value };
      const points = ids.map((instanceId) => ({
        timestamp: T,
        instanceId,
        ...statistic,
        ...(params.MetricName?.startsWith('VPC_PublicIP') ? { ip: '47.1.1.1' } : {}),
      }));
      return { status: 200, json: { RequestId: 'R', Code: '200', Success: true, Datapoints: JSON.stringify(points) } };
    });
    client = createRpcClient({ endpoint: server.endpoint, apiVersion: CMS_API_VERSION, credentials: { accessKeyId: 'k', accessKeySecret: 's' } });
  });
  beforeEach(() => {
    server.requests.length = 0;
  });
  afterAll(async () => {
    client.close();
    await server.close();
  });

  it('reads each kind from its own namespace and metric, one call per series', async () => {
    // Act
    const readings = await createMetricApi(client).latestOutRates('cn-hangzhou', [
      { instanceId: 'i-1', networkType: 'vpc' },
      { instanceId: 'eip-1', kind: 'eip', networkType: 'vpc' },
      { instanceId: 'cbwp-1', kind: 'cbwp', networkType: 'vpc' },
    ]);
    // Assess
    expect(readings.rejected).toEqual([]);
    const calls = server.requests.map((r) => `${r.params.Namespace}/${r.params.MetricName}`).sort();
    expect(calls).toEqual(['acs_bandwidth_package/net_tx.rate', 'acs_ecs_dashboard/VPC_PublicIP_InternetOutRate', 'acs_vpc_eip/net_tx.rate']);
    expect(Object.fromEntries([...readings].map(([id, sample]) => [id, sample.outBps]))).toEqual({ 'i-1': 5e6, 'eip-1': 30e6, 'cbwp-1': 250e6 });
  });
});
