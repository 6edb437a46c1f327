// `bwscaler tick` against the local cloud, then `status` and `history`: the path of someone exploring
// (before it, nothing ran a tick against the local cloud, so status and history stayed empty).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as history } from '../../src/cli/history';
import { run as status } from '../../src/cli/status';
import { run as tick } from '../../src/cli/tick';
import type { ScalingState } from '../../src/core/types';
import { ensureTables } from '../../src/state/index';
import { type CliCloud, runCli, startCliCloud, storeEnv } from './support';

const MODIFY = 'ModifyInstanceNetworkSpec';

describe('bwscaler tick, then status and history, on the local cloud', () => {
  let local: CliCloud;
  const now = () => local.cloud.clock.now();
  const env = () => ({ ...local.env({ BWSCALER_POLICY: local.policyFile }), ...storeEnv(local.cloud) });
  const modifyCalls = () => local.cloud.world.calls.filter((call) => call.action === MODIFY).length;

  beforeAll(async () => {
    local = await startCliCloud();
    const { endpoints } = local.cloud;
    await ensureTables({
      endpoint: endpoints.ots,
      instanceName: endpoints.otsInstance,
      accessKeyId: endpoints.accessKeyId,
      accessKeySecret: endpoints.accessKeySecret,
    });
    // i-web-1 saturates (12 Mbps of demand through 10): a tick would raise it if it enforced.
    const web1 = local.cloud.world.instances.get('i-web-1');
    if (!web1) throw new Error('fixture lost i-web-1');
    web1.demand = { kind: 'constant', mbps: 12 };
    await local.cloud.clock.advance(5 * 60);
  });
  afterAll(async () => {
    await local?.close();
  });

  it('records every decision in observe mode and changes no bandwidth', async () => {
    // Act
    const result = await runCli(tick, ['--json'], env(), now);

    // Assess
    const summary = JSON.parse(result.stdout) as { mode: string; instances: number; acted: number; byReason: Record<string, number> };
    expect(summary).toMatchObject({ mode: 'observe', instances: 4, acted: 0 });
    expect(summary.byReason.OBSERVE_ONLY).toBeGreaterThanOrEqual(1);
    expect(modifyCalls()).toBe(0);
    expect(local.cloud.world.instances.get('i-web-1')?.InternetMaxBandwidthOut).toBe(10);
  });

  it('lets status show every managed instance with its bandwidth and policy, never changed', async () => {
    const result = await runCli(status, ['--json'], env(), now);

    const { instances } = JSON.parse(result.stdout) as {
      instances: Array<{ instanceId: string; policy?: string; bandwidthOut?: number; state: ScalingState; stored: boolean }>;
    };
    expect(instances.find((entry) => entry.instanceId === 'i-web-2')).toMatchObject({ policy: 'web', bandwidthOut: 10, stored: true });
    const table = await runCli(status, [], env(), now);
    expect(table.stdout).toMatch(/i-web-2\s+web\s+10 Mbps\s+never\s/);
    // The shop policy lists i-gone-1: the same warning and exit code as plan and setup-alarms.
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('policy shop lists i-gone-1, which DescribeInstances does not return');
  });

  it('lets history show the decision the tick recorded', async () => {
    const result = await runCli(history, ['--instance', 'i-web-1'], env(), now);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/OBSERVE_ONLY\s+observed/);
  });

  it('applies the policies as written with --enforce', async () => {
    const result = await runCli(tick, ['--enforce'], env(), now);

    expect(result.stdout).toContain('enforce: the policies as written');
    expect(modifyCalls()).toBe(1);
    expect(local.cloud.world.instances.get('i-web-1')?.InternetMaxBandwidthOut).toBe(20);
  });

  it('names every missing variable at once', async () => {
    const result = await runCli(tick, [], {}, now);

    expect(result.code).toBe(2);
    for (const name of ['BWSCALER_REGION', 'ALIBABA_CLOUD_ACCESS_KEY_ID', 'BWSCALER_OTS_ENDPOINT', 'BWSCALER_OTS_INSTANCE'])
      expect(result.stderr).toContain(name);
  });
});
