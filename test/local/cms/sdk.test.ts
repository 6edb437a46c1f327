// The local CloudMonitor through the real SDK: @alicloud/pop-core (apiVersion 2019-01-01) signs and
// sends over HTTP to the local cloud's server, which verifies the signature and calls our handlers.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import RPCClient from '@alicloud/pop-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../../local-cloud/cloud';

const START = Date.UTC(2026, 10, 2, 0, 0, 0);

let cloud: LocalCloud;
let client: RPCClient;
let receiver: Server;
let receiverUrl: string;
const callbacks: Array<{ contentType: string | undefined; body: string }> = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      callbacks.push({ contentType: req.headers['content-type'], body });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alarm`;

  cloud = await startLocalCloud({
    start: START,
    fixture: {
      instances: [
        { InstanceId: 'i-busy', InternetMaxBandwidthOut: 10, Demand: { kind: 'constant', mbps: 25 } },
        { InstanceId: 'i-quiet', InternetMaxBandwidthOut: 10, Demand: { kind: 'constant', mbps: 3 } },
      ],
    },
  });
  client = new RPCClient({
    endpoint: cloud.endpoints.cms,
    apiVersion: '2019-01-01',
    accessKeyId: cloud.endpoints.accessKeyId,
    accessKeySecret: cloud.endpoints.accessKeySecret,
  });
  // An alert rule names a contact group that must exist (local-cloud/cms/alarms.ts).
  await client.request('PutContactGroup', { ContactGroupName: 'bwscaler' }, { method: 'POST' });
});

afterAll(async () => {
  (client as unknown as { keepAliveAgent?: { destroy(): void } }).keepAliveAgent?.destroy();
  await cloud?.close();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

describe('the local CloudMonitor through @alicloud/pop-core', () => {
  it('answers DescribeMetricLast with served traffic per instance', async () => {
    // Act
    const body = await client.request<{ Code: string; Success: boolean; Period: string; Datapoints: string; RequestId: string }>(
      'DescribeMetricLast',
      { Namespace: 'acs_ecs_dashboard', MetricName: 'VPC_PublicIP_InternetOutRate', Dimensions: '[{"instanceId":"i-busy"},{"instanceId":"i-quiet"}]' },
      { method: 'POST' },
    );
    // Assess
    expect(body).toMatchObject({ Code: '200', Success: true, Period: '60' });
    expect(body.RequestId).toEqual(expect.any(String));
    const points = JSON.parse(body.Datapoints) as Array<{ instanceId: string; Average: number; ip: string }>;
    expect(points.map((p) => [p.instanceId, p.Average])).toEqual([
      ['i-busy', 10e6],
      ['i-quiet', 3e6],
    ]);
    expect(points.every((p) => /^\d+\.\d+\.\d+\.\d+$/.test(p.ip))).toBe(true);
  });

  it('surfaces a refused parameter as the SDK error with the CMS code', async () => {
    const error = (await client
      .request('DescribeMetricList', { Namespace: 'acs_ecs_dashboard', MetricName: 'InternetOutRate', Period: '120' })
      .catch((e: unknown) => e)) as { code?: string; message?: string };
    expect(error.code).toBe('InvalidParameter');
    expect(error.message).toContain('Period');
  });

  it('calls back when an alarm created by PutResourceMetricRule fires as the clock advances', async () => {
    // Prepare
    await client.request(
      'PutResourceMetricRule',
      {
        RuleId: 'sdk-rule',
        RuleName: 'busy-pipe',
        Namespace: 'acs_ecs_dashboard',
        MetricName: 'VPC_PublicIP_InternetOutRate_Percent',
        Resources: '[{"instanceId":"i-busy"},{"instanceId":"i-quiet"}]',
        ContactGroups: 'bwscaler',
        Webhook: receiverUrl,
        'Escalations.Critical.Statistics': 'Average',
        'Escalations.Critical.ComparisonOperator': 'GreaterThanOrEqualToThreshold',
        'Escalations.Critical.Threshold': '90',
        'Escalations.Critical.Times': '3',
      },
      { method: 'POST' },
    );
    // Act
    await cloud.clock.advance(300);
    // Assess: only the saturated instance alarms, once.
    expect(callbacks).toHaveLength(1);
    expect(callbacks[0]?.contentType).toBe('application/x-www-form-urlencoded; charset=UTF-8');
    const fields = Object.fromEntries(new URLSearchParams(callbacks[0]?.body));
    expect(fields).toMatchObject({ alertState: 'ALERT', ruleId: 'sdk-rule', curValue: '100', metricName: 'VPC_PublicIP_InternetOutRate_Percent' });
    expect(fields.dimensions).toMatch(/^\{userId=\d+, instanceId=i-busy, ip=[\d.]+\}$/);
  });
});
