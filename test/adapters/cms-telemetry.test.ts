// The CloudMonitor telemetry publisher: batches at the API's limits, stays within its request budget
// and deadline, and never throws (fake TelemetryApi); and the adapter's requests are what the local
// CloudMonitor (which validates PutCustomMetric / PutCustomEvent as documented) accepts, with the
// emulator refusing what the real API refuses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../local-cloud/cloud';
import { createDecisionPublisher, createTelemetryApi, TELEMETRY_EVENTS } from '../../src/adapters/cms-telemetry';
import { callRpc, createRpcClient, type RpcClient } from '../../src/adapters/pop';
import { CloudApiError } from '../../src/errors';
import type { CustomEvent, MetricDatum, TelemetryApi } from '../../src/ports/telemetry';

const decision = (i: number, over: Record<string, unknown> = {}) => ({
  msg: 'decision',
  instanceId: `i-${String(i).padStart(4, '0')}`,
  policy: 'web',
  decisionId: `d-${i}`,
  reason: 'SCALE_UP',
  outcome: 'applied',
  current: 10,
  target: 20,
  utilization: 95,
  downgradesLeft: 2,
  ...over,
});

function fakeApi(fail: (kind: 'metrics' | 'events') => Error | undefined = () => undefined) {
  const calls: Array<{ kind: 'metrics' | 'events'; size: number }> = [];
  const api: TelemetryApi = {
    async putMetrics(data: MetricDatum[]) {
      calls.push({ kind: 'metrics', size: data.length });
      const error = fail('metrics');
      if (error) throw error;
    },
    async putEvents(events: CustomEvent[]) {
      calls.push({ kind: 'events', size: events.length });
      const error = fail('events');
      if (error) throw error;
    },
  };
  return { api, calls };
}

describe('the decision publisher', () => {
  it('ignores every line but decisions, and sends 4 datapoints and 1 event per applied decision, and one count per reason, in requests of at most 21 and 50', async () => {
    const { api, calls } = fakeApi();
    const publisher = createDecisionPublisher(api, () => 0);
    publisher.record({ msg: 'tick', instances: 3 });
    for (let i = 0; i < 60; i++) publisher.record(decision(i));
    const report = await publisher.flush();
    expect(report).toMatchObject({ decisions: 60, metrics: 241, events: 60, failedRequests: 0, dropped: 0, timedOut: false });
    expect(calls.filter((c) => c.kind === 'events').map((c) => c.size)).toEqual([50, 10]);
    expect(Math.max(...calls.filter((c) => c.kind === 'metrics').map((c) => c.size))).toBe(21);
    expect(await publisher.flush()).toMatchObject({ decisions: 0, requests: 0 });
  });

  it.each([
    { outcome: 'applied', reason: 'SCALE_UP', errorCode: undefined, event: TELEMETRY_EVENTS.applied },
    { outcome: 'blocked', reason: 'SCALE_DOWN', errorCode: 'InstanceDowngrade.QuotaExceed', event: TELEMETRY_EVENTS.blocked },
    { outcome: 'blocked', reason: 'SCALE_UP', errorCode: 'Account.Arrearage', event: TELEMETRY_EVENTS.needsHuman },
    { outcome: 'blocked', reason: 'UNPAID_ORDER', errorCode: undefined, event: TELEMETRY_EVENTS.needsHuman },
    { outcome: 'none', reason: 'WITHIN_TOLERANCE', errorCode: undefined, event: undefined },
    { outcome: 'failed', reason: 'SCALE_UP', errorCode: 'InvalidParameter', event: undefined },
  ])('names the event of a $outcome decision ($reason, $errorCode): $event', async ({ outcome, reason, errorCode, event }) => {
    const sent: string[] = [];
    const api: TelemetryApi = { putMetrics: async () => {}, putEvents: async (events) => void sent.push(...events.map((e) => e.name)) };
    const publisher = createDecisionPublisher(api, () => 0);
    publisher.record(decision(1, { outcome, reason, ...(errorCode ? { errorCode } : {}) }));
    await publisher.flush();
    expect(sent).toEqual(event ? [event] : []);
  });

  it('stays within maxRequests: the rest is dropped and counted, events first', async () => {
    const { api, calls } = fakeApi();
    const publisher = createDecisionPublisher(api, () => 0, { maxRequests: 3 });
    for (let i = 0; i < 100; i++) publisher.record(decision(i));
    const report = await publisher.flush();
    expect(calls.map((c) => c.kind)).toEqual(['events', 'events', 'metrics']);
    expect(report).toMatchObject({ events: 100, metrics: 21, dropped: 401 - 21, requests: 3 });
    expect(publisher.totals.dropped).toBe(380);
  });

  it('never throws when every request fails: the failures are counted and logged', async () => {
    const { api } = fakeApi(() => new CloudApiError('PutCustomMetric failed: Throttling', 'Throttling.User', 'retryable'));
    const logs: Array<{ msg: string; fields: Record<string, unknown> }> = [];
    const publisher = createDecisionPublisher(api, () => 0, { log: (_level, msg, fields) => logs.push({ msg, fields }) });
    publisher.record(decision(1));
    const report = await publisher.flush();
    expect(report).toMatchObject({ failedRequests: 2, dropped: 6, metrics: 0, events: 0 });
    expect(logs.map((l) => l.msg)).toEqual(['telemetry incomplete']);
    expect(String(logs[0]?.fields.errors)).toContain('Throttling');
  });

  it('gives up at its deadline: a hung CloudMonitor cannot hold the invocation', async () => {
    const hang = new Promise<void>(() => {});
    const api: TelemetryApi = { putMetrics: () => hang, putEvents: () => hang };
    let release: () => void = () => {};
    const deadline = new Promise<void>((resolve) => {
      release = resolve;
    });
    const publisher = createDecisionPublisher(api, () => 0, { sleep: () => deadline, concurrency: 2 });
    for (let i = 0; i < 10; i++) publisher.record(decision(i));
    const flushing = publisher.flush();
    release();
    const report = await flushing;
    expect(report.timedOut).toBe(true);
    expect(report.metrics + report.events).toBe(0);
    expect(report.dropped).toBe(10 + 10 * 4 + 1);
  });

  it('counts decisions per policy and reason for the whole flush, not one datapoint per instance', async () => {
    const sent: MetricDatum[] = [];
    const api: TelemetryApi = { putMetrics: async (data) => void sent.push(...data), putEvents: async () => {} };
    const publisher = createDecisionPublisher(api, () => 0);
    for (let i = 0; i < 5; i++) publisher.record(decision(i, { outcome: 'none', reason: 'WITHIN_TOLERANCE', at: i }));
    publisher.record(decision(5, { policy: 'shop' }));
    publisher.record(decision(6, { policy: 'bad policy name', reason: 'SCALE_UP' }));
    await publisher.flush();
    expect(sent.filter((d) => d.name === 'bwscaler_decisions').map((d) => [d.dimensions, d.value])).toEqual([
      [{ policy: 'web', reason: 'WITHIN_TOLERANCE' }, 5],
      [{ policy: 'shop', reason: 'SCALE_UP' }, 1],
      [{ reason: 'SCALE_UP' }, 1],
    ]);
  });

  // The budget the default options give one shard's flush (docs/reference/cloudmonitor.md §7): every
  // datapoint of this many decisions is sent, none dropped. Quiet ticks: no events.
  it.each([
    { name: 'pay-as-you-go (3 datapoints each)', instances: 340, over: { downgradesLeft: undefined } },
    { name: 'subscription (4 datapoints each)', instances: 260, over: {} },
  ])('publishes all of $instances $name decisions within the default request budget', async ({ instances, over }) => {
    const { api } = fakeApi();
    const publisher = createDecisionPublisher(api, () => 0);
    for (let i = 0; i < instances; i++) publisher.record(decision(i, { outcome: 'none', reason: 'WITHIN_TOLERANCE', ...over }));
    const report = await publisher.flush();
    expect(report).toMatchObject({ decisions: instances, events: 0, dropped: 0, failedRequests: 0 });
    expect(report.requests).toBeLessThanOrEqual(50);
  });

  it('bounds what it holds between flushes', async () => {
    const { api } = fakeApi();
    const publisher = createDecisionPublisher(api, () => 0, { maxPending: 2 });
    for (let i = 0; i < 5; i++) publisher.record(decision(i));
    expect(await publisher.flush()).toMatchObject({ decisions: 2, dropped: 3 });
  });
});

describe('PutCustomMetric and PutCustomEvent against the local CloudMonitor', () => {
  const KEY = { id: 'LTAI5tTelemetryTestKey', secret: 'telemetry-test-secret-value' };
  let cloud: LocalCloud;
  let client: RpcClient;
  beforeAll(async () => {
    cloud = await startLocalCloud({ fixture: { accessKeys: [KEY], instances: [] } });
    client = createRpcClient({
      endpoint: cloud.endpoints.cms,
      apiVersion: '2019-01-01',
      credentials: { accessKeyId: KEY.id, accessKeySecret: KEY.secret },
    });
  });
  afterAll(async () => {
    client?.close();
    await cloud?.close();
  });

  it('accepts the adapter’s signed requests and stores them as sent', async () => {
    const api = createTelemetryApi(client);
    const at = Date.parse('2026-11-02T00:00:00Z');
    await api.putMetrics([{ name: 'bwscaler_current_mbps', dimensions: { instanceId: 'i-1' }, value: 10, at }]);
    await api.putEvents([{ name: 'bwscaler_applied', content: '{"instanceId":"i-1"}', at }]);
    expect(cloud.cms.custom.metrics()).toMatchObject([
      { metricName: 'bwscaler_current_mbps', dimensions: { instanceId: 'i-1' }, values: { value: 10 }, type: 0, time: at },
    ]);
    expect(cloud.cms.custom.events()).toMatchObject([{ eventName: 'bwscaler_applied', content: '{"instanceId":"i-1"}', time: at }]);
  });

  const metric = (over: Record<string, string> = {}) => ({
    'MetricList.1.MetricName': 'bwscaler_x',
    'MetricList.1.Dimensions': '{"instanceId":"i-1"}',
    'MetricList.1.Values': '{"value":1}',
    'MetricList.1.Type': '0',
    'MetricList.1.GroupId': '0',
    ...over,
  });
  const many = (n: number) =>
    Object.assign(
      {},
      ...Array.from({ length: n }, (_, i) => Object.fromEntries(Object.entries(metric()).map(([k, v]) => [k.replace('.1.', `.${i + 1}.`), v]))),
    );

  it.each([
    { name: 'no MetricList', action: 'PutCustomMetric', params: {}, code: 'MissingParameter', names: 'MetricList.1.MetricName' },
    { name: '22 datapoints', action: 'PutCustomMetric', params: many(22), code: 'InvalidParameter', names: 'MetricList.22' },
    { name: 'a gap in N', action: 'PutCustomMetric', params: { ...metric(), 'MetricList.3.MetricName': 'x' }, code: 'MissingParameter', names: 'MetricList.2' },
    {
      name: 'a name starting with a digit',
      action: 'PutCustomMetric',
      params: metric({ 'MetricList.1.MetricName': '1bw' }),
      code: 'InvalidParameter',
      names: 'MetricName',
    },
    {
      name: 'a dimension with a comma',
      action: 'PutCustomMetric',
      params: metric({ 'MetricList.1.Dimensions': '{"instanceId":"i-1,i-2"}' }),
      code: 'InvalidParameter',
      names: 'Dimensions',
    },
    {
      name: 'raw data without "value"',
      action: 'PutCustomMetric',
      params: metric({ 'MetricList.1.Values': '{"Average":1}' }),
      code: 'InvalidParameter',
      names: 'Values',
    },
    {
      name: 'aggregated data without Period',
      action: 'PutCustomMetric',
      params: metric({ 'MetricList.1.Type': '1', 'MetricList.1.Values': '{"Average":1}' }),
      code: 'MissingParameter',
      names: 'Period',
    },
    { name: 'no GroupId', action: 'PutCustomMetric', params: metric({ 'MetricList.1.GroupId': '' }), code: 'MissingParameter', names: 'GroupId' },
    {
      name: 'a misspelt field',
      action: 'PutCustomMetric',
      params: metric({ 'MetricList.1.Value': '{"value":1}' }),
      code: 'InvalidParameter',
      names: 'MetricList.1.Value',
    },
    {
      name: 'an event without Content',
      action: 'PutCustomEvent',
      params: { 'EventInfo.1.EventName': 'e' },
      code: 'MissingParameter',
      names: 'EventInfo.1.Content',
    },
    {
      name: '51 events',
      action: 'PutCustomEvent',
      params: { 'EventInfo.51.EventName': 'e', 'EventInfo.51.Content': 'c' },
      code: 'InvalidParameter',
      names: 'EventInfo.51',
    },
    {
      name: 'an unreadable event time',
      action: 'PutCustomEvent',
      params: { 'EventInfo.1.EventName': 'e', 'EventInfo.1.Content': 'c', 'EventInfo.1.Time': 'yesterday' },
      code: 'InvalidParameter',
      names: 'Time',
    },
  ])('refuses $name with $code naming the parameter, and stores none of it', async ({ action, params, code, names }) => {
    const before = cloud.cms.custom.metrics().length + cloud.cms.custom.events().length;
    const error = await callRpc(client, action, params, { method: 'POST' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudApiError);
    expect((error as CloudApiError).code).toBe(code);
    expect((error as CloudApiError).message).toContain(names);
    expect(cloud.cms.custom.metrics().length + cloud.cms.custom.events().length).toBe(before);
  });
});
