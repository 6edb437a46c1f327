// The adapters with the real pop-core over real HTTP against the project's local Alibaba Cloud
// (signature verification, paging and error codes are the emulators', not this file's).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../local-cloud/cloud';
import { createMetricApi } from '../../src/adapters/cms';
import { createEcsApi } from '../../src/adapters/ecs';
import { type Credentials, callRpc, createRpcClient, type RpcClient } from '../../src/adapters/pop';
import { CloudApiError } from '../../src/errors';

const KEY = { id: 'LTAI5tAdapterTestKey', secret: 'adapter-test-secret-value' };
const credentials: Credentials = { accessKeyId: KEY.id, accessKeySecret: KEY.secret };

describe('adapters against the local cloud', () => {
  let cloud: LocalCloud;
  let ecsClient: RpcClient;
  let cmsClient: RpcClient;

  beforeAll(async () => {
    cloud = await startLocalCloud({
      fixture: {
        accessKeys: [KEY],
        account: { balance: 100_000 },
        instances: [
          {
            InstanceId: 'i-sub',
            InstanceChargeType: 'PrePaid',
            InternetMaxBandwidthOut: 10,
            Tags: [{ TagKey: 'app', TagValue: 'web' }],
            Demand: { kind: 'constant', mbps: 4 },
          },
          {
            InstanceId: 'i-payg',
            InstanceChargeType: 'PostPaid',
            InternetMaxBandwidthOut: 20,
            Tags: [{ TagKey: 'app', TagValue: 'web' }],
            Demand: { kind: 'constant', mbps: 5 },
          },
          { InstanceId: 'i-classic', InstanceNetworkType: 'classic', InternetMaxBandwidthOut: 5, Demand: { kind: 'constant', mbps: 2 } },
        ],
      },
    });
    ecsClient = createRpcClient({ endpoint: cloud.endpoints.ecs, apiVersion: '2014-05-26', credentials, timeoutMs: 5000 });
    cmsClient = createRpcClient({ endpoint: cloud.endpoints.cms, apiVersion: '2019-01-01', credentials, timeoutMs: 5000 });
  });
  afterAll(async () => {
    ecsClient.close();
    cmsClient.close();
    await cloud.close();
  });

  it('describes instances by id with the facts the emulator holds', async () => {
    const facts = await createEcsApi(ecsClient).describeInstances({ regionId: cloud.endpoints.region, instanceIds: ['i-sub', 'i-classic'] });

    const byId = Object.fromEntries(facts.map((f) => [f.instanceId, f]));
    expect(byId['i-sub']).toMatchObject({
      instanceChargeType: 'PrePaid',
      networkType: 'vpc',
      bandwidthOut: 10,
      hasPublicIp: true,
      eipBound: false,
      tags: { app: 'web' },
    });
    expect(byId['i-sub']?.expiredAt).toBeGreaterThan(cloud.clock.now());
    expect(byId['i-classic']).toMatchObject({ networkType: 'classic', bandwidthOut: 5 });
    expect(facts).toHaveLength(2);
  });

  it('describes instances by tag', async () => {
    const facts = await createEcsApi(ecsClient).describeInstances({ regionId: cloud.endpoints.region, tags: { app: 'web' } });

    expect(facts.map((f) => f.instanceId).sort()).toEqual(['i-payg', 'i-sub']);
  });

  it('changes the bandwidth, answers an order id as text, and then holds the 5-minute lock as a retryable error', async () => {
    // Prepare
    const ecs = createEcsApi(ecsClient);
    const request = { regionId: cloud.endpoints.region, instanceId: 'i-payg', autoPay: true } as const;

    // Act
    const first = await ecs.modifyBandwidth({ ...request, bandwidthOut: 30, clientToken: 'adapter-test-1' });
    const second = await ecs.modifyBandwidth({ ...request, bandwidthOut: 40, clientToken: 'adapter-test-2' }).catch((e: unknown) => e);

    // Assess
    expect(typeof first.orderId).toBe('string');
    const [facts] = await ecs.describeInstances({ regionId: cloud.endpoints.region, instanceIds: ['i-payg'] });
    expect(facts?.bandwidthOut).toBe(30);
    expect(second).toBeInstanceOf(CloudApiError);
    expect((second as CloudApiError).category).toBe('retryable');
  });

  it('reports a wrong secret as an auth error', async () => {
    const client = createRpcClient({
      endpoint: cloud.endpoints.ecs,
      apiVersion: '2014-05-26',
      credentials: { accessKeyId: KEY.id, accessKeySecret: 'not-the-secret' },
    });

    const error = await callRpc(client, 'DescribeInstances', { RegionId: cloud.endpoints.region }, { method: 'GET' }).catch((e: unknown) => e);
    client.close();

    expect(error).toMatchObject({ name: 'CloudApiError', code: 'SignatureDoesNotMatch', category: 'auth' });
  });

  it('reads the served outbound rate of VPC and classic instances', async () => {
    // Prepare: let the emulated CloudMonitor publish a few minutes of data.
    await cloud.clock.advance(600);

    // Act
    const rates = await createMetricApi(cmsClient).latestOutRates(cloud.endpoints.region, [
      { instanceId: 'i-sub', networkType: 'vpc' },
      { instanceId: 'i-classic', networkType: 'classic' },
    ]);

    // Assess: demand is below the bandwidth, so the served rate is the demand (±the emulator's noise).
    expect(rates.get('i-sub')?.outBps).toBeCloseTo(4_000_000, -6);
    expect(rates.get('i-classic')?.outBps).toBeCloseTo(2_000_000, -6);
    for (const sample of rates.values()) expect(sample.at).toBeLessThanOrEqual(cloud.clock.now());
  });
});
