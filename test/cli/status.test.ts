import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as history } from '../../src/cli/history';
import { run as status } from '../../src/cli/status';
import type { ScalingState } from '../../src/core/types';
import { emptyState, type HistoryRecord } from '../../src/ports/state-store';
import { createTablestoreStore, ensureTables } from '../../src/state/index';
import { type CliCloud, runCli, startCliCloud, storeEnv } from './support';

const HOUR = 3_600_000;

function record(instanceId: string, at: number, fields: Partial<HistoryRecord> = {}): HistoryRecord {
  return {
    instanceId,
    at,
    decisionId: `d-${at}`,
    source: 'tick:test',
    decision: {
      action: 'none',
      current: 10,
      target: 10,
      proposed: 10,
      reason: 'WITHIN_TOLERANCE',
      message: 'utilisation 70% is within 60-80%',
      isDowngrade: false,
      guards: [],
    },
    outcome: 'none',
    ...fields,
  };
}

describe('bwscaler status and history against the local Tablestore', () => {
  let local: CliCloud;
  const now = () => local.cloud.clock.now();
  const env = () => ({ ...local.env(), ...storeEnv(local.cloud) });

  beforeAll(async () => {
    local = await startCliCloud({ instances: [] });
    const { endpoints } = local.cloud;
    const config = {
      endpoint: endpoints.ots,
      instanceName: endpoints.otsInstance,
      accessKeyId: endpoints.accessKeyId,
      accessKeySecret: endpoints.accessKeySecret,
      maxRetries: 0,
      now,
    };
    await ensureTables(config);
    const store = createTablestoreStore(config);
    const t = now();
    const changed: ScalingState = {
      ...emptyState('i-web-1'),
      lastChangeAt: t - HOUR,
      lastTarget: 20,
      downgrades: [{ at: t - 2 * HOUR, from: 30, to: 20 }],
    };
    const blocked: ScalingState = {
      ...emptyState('i-shop-1'),
      blocked: { code: 'UNPAID_ORDER', since: t - 30 * 60_000, message: 'order 123 awaits payment' },
      pending: { decisionId: 'd-9', clientToken: 't-9', action: 'set', from: 20, target: 40, startedAt: t - 30 * 60_000, isDowngrade: false, attempts: 1 },
    };
    await store.putState(changed, 0);
    await store.putState(blocked, 0);
    await store.appendHistory([
      record('i-web-1', t - 3 * HOUR, { decisionId: 'old' }),
      record('i-web-1', t - HOUR, {
        decisionId: 'up',
        decision: {
          action: 'set',
          current: 10,
          target: 20,
          proposed: 20,
          reason: 'SATURATED_STEP_UP',
          message: 'doubling to 20 Mbps',
          isDowngrade: false,
          guards: [],
        },
        outcome: 'applied',
        orderId: '9007199254740993',
      }),
      record('i-web-1', t - 10 * 60_000, { decisionId: 'recent' }),
      record('i-shop-1', t - 10 * 60_000, { decisionId: 'other-instance' }),
    ]);
  });
  afterAll(async () => {
    await local?.close();
  });

  it('lists every stored state as JSON', async () => {
    const result = await runCli(status, ['--json'], env(), now);

    expect(result.code).toBe(0);
    const states = (JSON.parse(result.stdout) as { instances: Array<{ state: ScalingState }> }).instances.map((entry) => entry.state);
    expect(states.map((state) => [state.instanceId, state.version])).toEqual([
      ['i-shop-1', 1],
      ['i-web-1', 1],
    ]);
    expect(states[1]).toMatchObject({ lastTarget: 20, downgrades: [{ from: 30, to: 20 }] });
  });

  it('shows the states as a table', async () => {
    // Prepare
    const t = new Date(now());
    const iso = (msAgo: number) => new Date(t.getTime() - msAgo).toISOString().replace('.000Z', 'Z');

    // Act
    const result = await runCli(status, [], env(), now);

    // Assess
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^INSTANCE\s+POLICY\s+BANDWIDTH\s+LAST CHANGE\s+DOWNGRADES\s+PENDING\s+BLOCKED\s+TEMPORARY UPGRADE$/);
    expect(lines[1]).toMatch(
      new RegExp(
        `^i-shop-1\\s+-\\s+-\\s+never\\s+0\\s+20 → 40 Mbps since ${iso(30 * 60_000)}\\s+UNPAID_ORDER since ${iso(30 * 60_000)}: order 123 awaits payment\\s+-$`,
      ),
    );
    expect(lines[2]).toMatch(new RegExp(`^i-web-1\\s+-\\s+20 Mbps\\s+20 Mbps at ${iso(HOUR)}\\s+1\\s+-\\s+-\\s+-$`));
  });

  const windows = [
    { name: 'the default 24 hours', args: [], expected: ['old', 'up', 'recent'] },
    { name: '--since 2h', args: ['--since', '2h'], expected: ['up', 'recent'] },
    { name: '--since 5m', args: ['--since', '5m'], expected: [] },
  ];

  it.each(windows)("returns one instance's decisions within $name, oldest first", async ({ args, expected }) => {
    const result = await runCli(history, ['--instance', 'i-web-1', '--json', ...args], env(), now);

    // Nothing found is a warning and exit 1, the rule of every command for an id it finds nothing for.
    expect(result.code).toBe(expected.length === 0 ? 1 : 0);
    if (expected.length === 0) expect(result.stderr).toContain('no decisions recorded for i-web-1 between');
    const { records } = JSON.parse(result.stdout) as { records: HistoryRecord[] };
    expect(records.map((r) => r.decisionId)).toEqual(expected);
  });

  it('shows the decisions as a table with their outcome and order', async () => {
    const result = await runCli(history, ['--instance', 'i-web-1', '--since', '2h'], env(), now);

    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+SOURCE\s+ACTION\s+CURRENT\s+TARGET\s+REASON\s+OUTCOME\s+MESSAGE$/);
    expect(lines[1]).toMatch(/\s+set\s+10 Mbps\s+20 Mbps\s+SATURATED_STEP_UP\s+applied \(order 9007199254740993\)\s+doubling to 20 Mbps$/);
    expect(lines).toHaveLength(3);
  });

  const problems = [
    { name: 'status without a Tablestore endpoint', command: status, args: [], env: () => local.env(), code: 2, expected: 'BWSCALER_OTS_ENDPOINT is not set' },
    {
      name: 'status on the in-memory store',
      command: status,
      args: [],
      env: () => ({ ...env(), BWSCALER_OTS_ENDPOINT: 'memory:' }),
      code: 2,
      expected: 'the in-memory store holds nothing outside the process that wrote it',
    },
    { name: 'history without --instance', command: history, args: [], env, code: 2, expected: '--instance is required' },
    {
      name: 'history with a malformed --since',
      command: history,
      args: ['--instance', 'i-web-1', '--since', 'yesterday'],
      env,
      code: 2,
      expected: '--since: expected a duration such as "30m", "24h" or "7d"',
    },
    {
      name: 'status with a wrong secret',
      command: status,
      args: [],
      env: () => ({ ...env(), ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'not-the-secret-at-all' }),
      code: 1,
      expected: 'bwscaler status:',
    },
  ];

  it.each(problems)('exits $code for $name', async ({ command, args, env: envOf, code, expected }) => {
    const result = await runCli(command, args, envOf(), now);

    expect(result.code).toBe(code);
    expect(result.stderr).toContain(expected);
    expect(result.stderr).not.toContain('not-the-secret-at-all');
    expect(result.stdout).toBe('');
  });
});
