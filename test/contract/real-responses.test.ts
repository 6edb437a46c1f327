// The contract with the real APIs: every body in test/fixtures/real, published by Alibaba or captured
// from live accounts, goes through the product's own adapters over HTTP (the real pop-core SDK parses
// it), and then through the three paths that read DescribeInstances: `bwscaler plan`, the schedule
// tick and the alarm. Each body is understood, or refused per instance with a reason a person can act
// on. No real body fails a whole page.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { metricPages } from '../../src/adapters/cms';
import { createEcsApi } from '../../src/adapters/ecs';
import { createRpcClient, type RpcClient } from '../../src/adapters/pop';
import { planFleet, run as runPlan } from '../../src/cli/plan';
import { REASONS } from '../../src/core/reasons';
import type { Policy } from '../../src/core/types';
import { handleAlarm } from '../../src/cycle/alarm';
import { runTick } from '../../src/cycle/tick';
import { BwscalerError, CloudApiError, ConflictError, StoreUnavailableError, ValidationError } from '../../src/errors';
import { parseCloudMonitorCallback, toMetricSample } from '../../src/events/alarm';
import type { PolicyDocument } from '../../src/policy/load';
import type { InstanceApi } from '../../src/ports/cloud';
import { createTablestoreStore } from '../../src/state/tablestore';
import { type CannedAnswer, type CannedRpcServer, type RecordedRequest, startCannedRpcServer } from '../adapters/canned-rpc-server';
import { runCli } from '../cli/support';
import { fakeWorld } from '../fakes/cycle-deps';
import { makePolicy } from '../fixtures/policies';
import { type CorpusFile, describeInstancesPages, loadCorpus, rowsOf } from './corpus';

const corpus = loadCorpus();
const pages = describeInstancesPages(corpus);
const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);

/** A policy that manages every instance of a page, by id: the harshest selection (no tag can hide a row). */
function everyInstanceOf(regionId: string, body: Record<string, unknown>): Policy {
  const ids = rowsOf(body).map((row) => row.InstanceId as string);
  return makePolicy({ name: 'all', selector: { regionId, instanceIds: ids }, mode: 'observe' });
}

/** Answers DescribeInstances from the page as published, whatever filter was sent. */
function pageAnswer(body: unknown) {
  return (request: RecordedRequest): CannedAnswer =>
    request.params.Action === 'DescribeInstances'
      ? { status: 200, json: body }
      : { status: 404, json: { Code: 'InvalidAction.NotFound', Message: 'not canned' } };
}

describe('the corpus', () => {
  it.each(corpus)('$file names where it was published', (entry: CorpusFile) => {
    const source = entry._source;
    expect(['captured', 'documented-example', 'documented-error-table']).toContain(source.kind);
    const inRepository = Boolean(source.repo && source.path && source.commit && /^[0-9a-f]{40}$/.test(source.commit));
    const inDocs = Boolean(source.url?.startsWith('https://'));
    expect(inRepository || inDocs).toBe(true);
    expect(source.retrieved).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(source.note.length).toBeGreaterThan(20);
  });

  it('holds the published DescribeInstances pages: 43 rows in 5 regions, 39 with inbound -1, 4 EIP-bound with no charge type', () => {
    const published = pages.filter((page) => page.file.includes('describe-instances.cn-'));
    const rows = published.flatMap((page) => rowsOf(page.body));

    expect(new Set(published.map((page) => page.regionId)).size).toBe(5);
    expect(rows).toHaveLength(43);
    expect(rows.filter((row) => row.InternetMaxBandwidthIn === -1)).toHaveLength(39);
    expect(rows.filter((row) => row.InternetChargeType === '')).toHaveLength(4);
  });
});

describe('DescribeInstances pages through the ECS adapter', () => {
  let server: CannedRpcServer;
  let client: RpcClient;
  let ecs: InstanceApi;
  let answer: (request: RecordedRequest) => CannedAnswer = () => ({ status: 500, json: {} });

  beforeAll(async () => {
    server = await startCannedRpcServer((request) => answer(request));
    client = createRpcClient({
      endpoint: server.endpoint,
      apiVersion: '2014-05-26',
      credentials: { accessKeyId: 'contract-id', accessKeySecret: 'contract-secret' },
    });
    ecs = createEcsApi(client);
  });
  afterAll(async () => {
    client.close();
    await server.close();
  });

  it.each(pages)('$file: every row comes back, understood or refused on its own', async ({ regionId, body }) => {
    answer = pageAnswer(body);

    const facts = await ecs.describeInstances({ regionId });

    const rows = rowsOf(body);
    expect(facts.map((f) => f.instanceId)).toEqual(rows.map((row) => row.InstanceId));
    for (const [i, f] of facts.entries()) {
      const row = rows[i] as Record<string, unknown>;
      if (f.unrecognised) {
        expect(f.unrecognised.message).toContain(f.instanceId);
        expect(f.unrecognised.message).toContain(f.unrecognised.field);
        continue;
      }
      expect(f.bandwidthOut).toBe(row.InternetMaxBandwidthOut);
      // -1 is "no inbound cap reported": nothing to correct, never a number to compute with.
      expect(f.bandwidthIn).toBe(row.InternetMaxBandwidthIn === -1 ? undefined : row.InternetMaxBandwidthIn);
      expect(f.eipBound).toBe(((row.EipAddress as { IpAddress?: string } | undefined)?.IpAddress ?? '') !== '');
    }
  });

  it('understands every published row: none is refused', async () => {
    const refused: string[] = [];
    for (const { regionId, body } of pages) {
      answer = pageAnswer(body);
      for (const f of await ecs.describeInstances({ regionId })) if (f.unrecognised) refused.push(f.unrecognised.message);
    }
    expect(refused).toEqual([]);
  });
});

describe('the real pages through plan, the schedule tick and the alarm', () => {
  let server: CannedRpcServer;
  let client: RpcClient;
  let current: Record<string, unknown> = {};

  beforeAll(async () => {
    server = await startCannedRpcServer((request) => {
      if (request.params.Action === 'DescribeInstances') return { status: 200, json: current };
      // Synthetic, not from the corpus: a metric answer with no datapoints, so every instance plans
      // on NO_METRIC and the test is about the ECS pages alone.
      return { status: 200, json: { RequestId: 'synthetic', Code: '200', Success: true, Datapoints: '[]', Period: '60' } };
    });
    client = createRpcClient({
      endpoint: server.endpoint,
      apiVersion: '2014-05-26',
      credentials: { accessKeyId: 'contract-id', accessKeySecret: 'contract-secret' },
    });
  });
  afterAll(async () => {
    client.close();
    await server.close();
  });
  beforeEach(() => {
    server.requests.length = 0;
  });

  it.each(pages)('plan: $file gives one row per instance and no page error', async ({ regionId, body }) => {
    current = body;
    const doc: PolicyDocument = { source: 'contract', policies: [everyInstanceOf(regionId, body)] };
    const world = fakeWorld([], { now: NOW });

    const plan = await planFleet({ ecs: createEcsApi(client), metrics: world.metrics, now: () => NOW }, doc);

    expect(plan.missing).toEqual([]);
    expect(plan.rows.map((row) => row.instanceId).sort()).toEqual(
      rowsOf(body)
        .map((row) => row.InstanceId as string)
        .sort(),
    );
    for (const row of plan.rows) expect(REASONS).toHaveProperty(row.reason);
    const eipBound = rowsOf(body).filter((row) => row.InternetChargeType === '');
    for (const row of eipBound) expect(plan.rows.find((r) => r.instanceId === row.InstanceId)?.reason).toBe('EIP_BOUND');
  });

  it.each(pages)('schedule tick: $file records a decision for every instance and no describe error', async ({ regionId, body }) => {
    current = body;
    const doc: PolicyDocument = { source: 'contract', policies: [everyInstanceOf(regionId, body)] };
    const world = fakeWorld([], { now: NOW });
    world.deps.ecs = createEcsApi(client);

    const summary = await runTick(world.deps, { doc, shard: 0, of: 1, triggerTime: NOW });

    expect(summary.errors).toEqual([]);
    expect(summary.instances).toBe(rowsOf(body).length);
    expect(Object.values(summary.byReason).reduce((a, b) => a + b, 0)).toBe(rowsOf(body).length);
    expect(server.requests.filter((r) => r.params.Action === 'ModifyInstanceNetworkSpec')).toEqual([]);
  });

  it.each(pages)('alarm: the first instance of $file is found and handled', async ({ regionId, body }) => {
    current = body;
    const first = rowsOf(body)[0] as Record<string, unknown>;
    const doc: PolicyDocument = { source: 'contract', policies: [everyInstanceOf(regionId, body)] };
    const world = fakeWorld([], { now: NOW });
    world.deps.ecs = createEcsApi(client);
    const callback = {
      alertName: 'contract',
      alertState: 'ALERT' as const,
      metricName: 'VPC_PublicIP_InternetOutRate',
      namespace: 'acs_ecs_dashboard',
      curValue: 1_000_000,
      instanceId: first.InstanceId as string,
      ruleId: 'contract-rule',
      timestamp: NOW,
    };

    const result = await handleAlarm(world.deps, { doc, callback });

    expect(result.outcome).toBe('HANDLED');
  });

  it('`bwscaler plan` prints the real Hangzhou page, the EIP-bound instance included, and exits 0', async () => {
    const hangzhou = pages.find((page) => page.regionId === 'cn-hangzhou');
    if (!hangzhou) throw new Error('corpus lost the cn-hangzhou page');
    current = hangzhou.body;
    const dir = await mkdtemp(join(tmpdir(), 'bwscaler-contract-'));
    try {
      const policyFile = join(dir, 'policy.yaml');
      const ids = rowsOf(hangzhou.body).map((row) => row.InstanceId as string);
      await writeFile(
        policyFile,
        `version: 1\npolicies:\n  - name: all\n    instances: { region: cn-hangzhou, ids: [${ids.join(', ')}] }\n    bounds: { minOut: 1, maxOut: 100 }\n`,
      );
      const env = {
        BWSCALER_REGION: 'cn-hangzhou',
        BWSCALER_ECS_ENDPOINT: server.endpoint,
        BWSCALER_CMS_ENDPOINT: server.endpoint,
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'contract-id',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'contract-secret',
      };

      const result = await runCli(runPlan, ['--policy', policyFile, '--json'], env, () => NOW);

      expect(result.stderr).not.toContain('unexpected DescribeInstances');
      expect(result.code).toBe(0);
      const rows = (JSON.parse(result.stdout) as { rows: Array<{ instanceId: string; reason: string }> }).rows;
      expect(rows).toHaveLength(24);
      expect(rows.find((row) => row.instanceId === 'i-bp19y1z08hlzzldsdod2')?.reason).toBe('EIP_BOUND');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('CloudMonitor bodies', () => {
  const metricBodies = corpus.filter((entry) => entry.api === 'DescribeMetricLast' || entry.api === 'DescribeMetricList');
  let server: CannedRpcServer;
  let client: RpcClient;
  let body: unknown;

  beforeAll(async () => {
    server = await startCannedRpcServer(() => ({ status: 200, json: body }));
    client = createRpcClient({
      endpoint: server.endpoint,
      apiVersion: '2019-01-01',
      credentials: { accessKeyId: 'contract-id', accessKeySecret: 'contract-secret' },
    });
  });
  afterAll(async () => {
    client.close();
    await server.close();
  });

  it.each(metricBodies)('$file: Datapoints as a JSON string, Code and Period as strings, are read', async (entry) => {
    body = entry.body;
    const datapoints = JSON.parse((entry.body as { Datapoints: string }).Datapoints) as Array<{ timestamp: number; instanceId: string; Average: number }>;

    // The first page only: its NextToken is the doc's placeholder, with no published next page.
    const pages = metricPages(client, entry.api as 'DescribeMetricLast', { Namespace: 'acs_ecs_dashboard', MetricName: 'CPUUtilization' });
    const first = await pages.next();
    await pages.return(undefined);

    expect(first.value).toEqual(datapoints.map((p) => expect.objectContaining({ timestamp: p.timestamp, instanceId: p.instanceId, Average: p.Average })));
  });

  const callbacks = corpus.filter((entry) => entry.api === 'CloudMonitorCallback');

  it.each(callbacks)('$file: the documented callback is read, and refused for scaling with its metric named', (entry) => {
    const callback = parseCloudMonitorCallback(entry.body as string, entry.contentType);

    expect(callback).toMatchObject({ alertState: 'ALERT', metricName: 'Host.mem.usedutilization', curValue: 97.39, timestamp: 1_508_136_760_000 });
    // A memory alarm pointed at bwscaler: refused with the metric named, not misread as bandwidth.
    expect(() => toMetricSample(callback, 10)).toThrow(ValidationError);
    expect(() => toMetricSample(callback, 10)).toThrow(/Host\.mem\.usedutilization/);
  });
});

describe('documented ModifyInstanceNetworkSpec refusals', () => {
  const rows = corpus
    .filter((entry) => entry.api === 'ModifyInstanceNetworkSpec')
    .flatMap((entry) => (entry.errors ?? []).map((error) => ({ file: entry.file, ...error })));
  let server: CannedRpcServer;
  let client: RpcClient;
  let refusal = { status: 400, Code: 'x', Message: 'x' };

  beforeAll(async () => {
    server = await startCannedRpcServer(() => ({
      status: refusal.status,
      // The RPC error envelope; RequestId, HostId and Recommend are synthetic, Code and Message are the doc's.
      json: {
        RequestId: 'CONTRACT-REQUEST-ID',
        HostId: 'ecs.aliyuncs.com',
        Code: refusal.Code,
        Message: refusal.Message,
        Recommend: `https://api.aliyun.com/troubleshoot?q=${refusal.Code}&product=Ecs`,
      },
    }));
    client = createRpcClient({
      endpoint: server.endpoint,
      apiVersion: '2014-05-26',
      credentials: { accessKeyId: 'contract-id', accessKeySecret: 'contract-secret' },
    });
  });
  afterAll(async () => {
    client.close();
    await server.close();
  });

  it.each(rows)('$file: $status $Code "$Message" is a CloudApiError with its code, request id and a category', async (row) => {
    refusal = { ...row, status: row.status ?? 400 };

    const error = await createEcsApi(client)
      .modifyBandwidth({ regionId: 'cn-hangzhou', instanceId: 'i-contract', bandwidthOut: 5, clientToken: 'contract', autoPay: true })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CloudApiError);
    expect(error).toMatchObject({ code: row.Code, requestId: 'CONTRACT-REQUEST-ID' });
    expect(['retryable', 'quota', 'needsHuman', 'rejected', 'notFound', 'auth']).toContain((error as CloudApiError).category);
    if (row.Message !== '%s') expect((error as CloudApiError).message).toContain(row.Message);
  });
});

describe('Tablestore error answers through the tablestore SDK', () => {
  const rows = corpus.filter((entry) => entry.api === 'Tablestore').flatMap((entry) => (entry.errors ?? []).map((error) => ({ file: entry.file, ...error })));
  // What the product must make of each: store trouble that passes (the cycle fails closed and tries on
  // the next run) or an error a person has to fix (keys, permissions, request size).
  const UNAVAILABLE = new Set(['OTSServerBusy', 'OTSRowOperationConflict']);
  let answer = { status: 500, body: '' };
  let server: CannedRpcServer;

  beforeAll(async () => {
    server = await startCannedRpcServer(() => ({ status: answer.status, text: answer.body, contentType: 'application/x-protobuf' }));
  });
  afterAll(async () => {
    await server.close();
  });

  /** Tablestore's error body: protobuf Error{code = 1, message = 2}, both strings (short: one-byte lengths). */
  function errorBody(code: string, message: string): string {
    const field = (tag: number, text: string) => String.fromCharCode(tag, Buffer.byteLength(text)) + text;
    return field(0x0a, code) + field(0x12, message);
  }

  it.each(rows)('$file: $status $Code "$Message" is translated, naming the operation and the code', async ({ status, Code, Message }) => {
    answer = { status: status ?? 409, body: errorBody(Code, Message) };
    const store = createTablestoreStore({
      endpoint: server.endpoint,
      instanceName: 'contract',
      accessKeyId: 'contract-id',
      accessKeySecret: 'contract-secret',
      maxRetries: 0,
    });

    const error = await store.getState('i-contract').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UNAVAILABLE.has(Code) ? StoreUnavailableError : BwscalerError);
    if (!UNAVAILABLE.has(Code)) expect(error).not.toBeInstanceOf(StoreUnavailableError);
    expect(error).not.toBeInstanceOf(ConflictError);
    expect((error as Error).message).toContain('GetRow');
    expect((error as Error).message).toContain(Code);
    expect((error as Error).message).toContain(Message);
  });
});
