import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PlanRow, readOnlyInstances, readOnlyStore, run } from '../../src/cli/plan';
import type { ScalingState } from '../../src/core/types';
import { emptyState } from '../../src/ports/state-store';
import { createMemoryStore, createTablestoreStore, ensureTables } from '../../src/state/index';
import type { TablestoreStoreConfig } from '../../src/state/tablestore';
import { type CliCloud, runCli, startCliCloud, storeEnv } from './support';

const READ_ACTIONS = new Set(['DescribeInstances', 'DescribeMetricLast']);
const OTS_READS = new Set(['GetRange', 'GetRow', 'BatchGetRow', 'ListTable', 'DescribeTable']);

describe('bwscaler plan against the local cloud', () => {
  let local: CliCloud;
  let otsConfig: TablestoreStoreConfig;
  const now = () => local.cloud.clock.now();

  beforeAll(async () => {
    local = await startCliCloud();
    const { endpoints } = local.cloud;
    otsConfig = {
      endpoint: endpoints.ots,
      instanceName: endpoints.otsInstance,
      accessKeyId: endpoints.accessKeyId,
      accessKeySecret: endpoints.accessKeySecret,
      maxRetries: 0,
      now,
    };
    await ensureTables(otsConfig);
    // i-web-1 saturates: 12 Mbps of demand through 10 Mbps. The others stay at 40 %.
    const web1 = local.cloud.world.instances.get('i-web-1');
    if (!web1) throw new Error('fixture lost i-web-1');
    web1.demand = { kind: 'constant', mbps: 12 };
    await local.cloud.clock.advance(5 * 60);
  });
  afterAll(async () => {
    await local?.close();
  });

  /** Runs plan and returns its rows by instance id, and the RPC and Tablestore calls it made. */
  async function plan(env: Record<string, string | undefined>) {
    const rpcBefore = local.cloud.world.calls.length;
    const otsBefore = local.cloud.ots.calls().length;
    const result = await runCli(run, ['--policy', local.policyFile, '--json'], env, now);
    const report = result.stdout !== '' ? (JSON.parse(result.stdout) as { stateSource: string; rows: PlanRow[]; missingInstances: unknown[] }) : undefined;
    return {
      ...result,
      report,
      rows: Object.fromEntries((report?.rows ?? []).map((row) => [row.instanceId, row])),
      rpcActions: local.cloud.world.calls.slice(rpcBefore).map((call) => call.action),
      otsActions: local.cloud.ots
        .calls()
        .slice(otsBefore)
        .map((call) => call.action),
    };
  }

  it('shows what each policy would do from a fresh state, and makes only Describe calls', async () => {
    // Act
    const result = await plan(local.env());

    // Assess: the shop policy lists i-gone-1, which ECS does not know: every row, a warning, exit 1.
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('policy shop lists i-gone-1, which DescribeInstances does not return');
    expect(result.report?.stateSource).toBe('fresh');
    expect(result.report?.rows.map((row) => row.instanceId)).toEqual(['i-web-1', 'i-web-2', 'i-web-3', 'i-shop-1']);
    expect(result.rows['i-web-1']).toMatchObject({
      policy: 'web',
      policyMode: 'enforce',
      current: 10,
      target: 20,
      change: 'raise',
      reason: 'SATURATED_STEP_UP',
      sample: { outBps: 10_000_000 },
    });
    // 40 % is below the web band (60-80 %), but a fresh stabilisation window holds the current 10 Mbps.
    expect(result.rows['i-web-2']).toMatchObject({ current: 10, target: 10, change: 'hold', reason: 'STABILIZATION' });
    expect(result.report?.missingInstances).toEqual([{ policy: 'shop', instanceId: 'i-gone-1' }]);
    expect(result.rpcActions.length).toBeGreaterThan(0);
    expect(result.rpcActions.filter((action) => !READ_ACTIONS.has(action))).toEqual([]);
    expect(result.otsActions).toEqual([]);
    expect(result.stderr).toContain('BWSCALER_OTS_ENDPOINT is not set: planned from a fresh state');
    expect(local.cloud.world.instances.get('i-web-1')?.InternetMaxBandwidthOut).toBe(10);
  });

  it('reads the stored state: a recent change holds in warm-up, an unsettled intent is reported, not settled', async () => {
    // Prepare
    const store = createTablestoreStore(otsConfig);
    const recent: ScalingState = { ...emptyState('i-web-2'), lastChangeAt: now() - 60_000, lastTarget: 10 };
    const intent: ScalingState = {
      ...emptyState('i-shop-1'),
      pending: { decisionId: 'd-1', clientToken: 't-1', action: 'set', from: 20, target: 30, startedAt: now() - 10 * 60_000, isDowngrade: false, attempts: 1 },
    };
    await store.putState(recent, 0);
    await store.putState(intent, 0);

    // Act
    const result = await plan({ ...local.env(), ...storeEnv(local.cloud) });

    // Assess
    expect(result.code).toBe(1);
    expect(result.report?.stateSource).toBe('store');
    expect(result.rows['i-web-2']).toMatchObject({ target: 10, change: 'hold', reason: 'WARMUP' });
    expect(result.rows['i-shop-1']).toMatchObject({ current: 20, target: 30, change: 'hold', reason: 'PENDING_CHANGE' });
    expect(result.rows['i-web-1']).toMatchObject({ target: 20, reason: 'SATURATED_STEP_UP' });
    expect(result.rpcActions.filter((action) => !READ_ACTIONS.has(action))).toEqual([]);
    expect(result.otsActions.length).toBeGreaterThan(0);
    expect(result.otsActions.filter((action) => !OTS_READS.has(action))).toEqual([]);
    expect((await store.getState('i-shop-1')).pending?.decisionId).toBe('d-1');
  });

  it('prints a table with the driving reason of what would change, within 120 columns', async () => {
    const result = await runCli(run, ['--policy', local.policyFile], local.env(), now);

    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^INSTANCE\s+POLICY\s+MBPS\s+ACTION\s+REASON\s+MESSAGE$/);
    expect(lines[1]).toMatch(/^i-web-1\s+web\s+10 → 20\s+would raise\s+SATURATED_STEP_UP\s+/);
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(120);
  });

  it('exits 0 when every instance the policies list exists', async () => {
    const file = join(local.policyFile, '..', 'all-known.yaml');
    await writeFile(file, (await readFile(local.policyFile, 'utf8')).replace(', i-gone-1', ''));

    const result = await runCli(run, ['--policy', file], local.env(), now);

    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('DescribeInstances does not return');
  });

  it('takes the policy from BWSCALER_POLICY when --policy is absent', async () => {
    const result = await runCli(run, ['--json'], local.env({ BWSCALER_POLICY: local.policyFile }), now);

    expect(result.code).toBe(1);
    expect((JSON.parse(result.stdout) as { rows: PlanRow[] }).rows).toHaveLength(4);
  });

  it('exits 2 with every problem of an invalid policy file, naming its path', async () => {
    // Prepare
    const file = join(local.policyFile, '..', 'broken.yaml');
    await writeFile(
      file,
      'version: 1\npolicies:\n  - name: web\n    instances: { region: cn-hangzhou, tags: { app: web } }\n    bounds: { minOut: 50, maxOut: 10 }\n',
    );

    // Act
    const result = await runCli(run, ['--policy', file], local.env(), now);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('policies[0].bounds.minOut: expected at most maxOut (10)');
    expect(result.stdout).toBe('');
  });

  it('exits 2 for an unknown flag', async () => {
    const result = await runCli(run, ['--polcy', local.policyFile], local.env(), now);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Unknown option '--polcy'");
  });
});

describe('the read-only ports plan hands to the cycle', () => {
  const refusals = [
    { name: 'putState', call: () => readOnlyStore(createMemoryStore()).putState(emptyState('i-1'), 0), expected: 'state write' },
    { name: 'commit', call: () => readOnlyStore(createMemoryStore()).commit(emptyState('i-1'), 0, []), expected: 'state commit' },
    { name: 'appendHistory', call: () => readOnlyStore(createMemoryStore()).appendHistory([]), expected: 'history write' },
    { name: 'markEventHandled', call: () => readOnlyStore(createMemoryStore()).markEventHandled('k', 60), expected: 'event write' },
    {
      name: 'modifyBandwidth',
      call: () =>
        readOnlyInstances({ describeInstances: async () => [], modifyBandwidth: async () => ({ orderId: '1' }) }).modifyBandwidth({
          regionId: 'cn-hangzhou',
          instanceId: 'i-1',
          bandwidthOut: 20,
          clientToken: 't',
          autoPay: true,
        }),
      expected: 'ModifyInstanceNetworkSpec',
    },
  ];

  it.each(refusals)('refuses $name', async ({ call, expected }) => {
    await expect(async () => call()).rejects.toThrow(`plan is read-only: ${expected} refused`);
  });
});
