// The control commands against the local cloud's Tablestore, and what plan and status then say.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/command';
import { parseUntil, runOverride, runOverrides, runPause, runResume } from '../../src/cli/control';
import { run as plan } from '../../src/cli/plan';
import { run as status } from '../../src/cli/status';
import { ensureTables } from '../../src/state/index';
import { type CliCloud, runCli, startCliCloud, storeEnv } from './support';

const NOW = Date.UTC(2026, 11, 6, 12);

describe('parseUntil', () => {
  it.each([
    { value: '2h', expected: NOW + 7_200_000 },
    { value: '30m', expected: NOW + 1_800_000 },
    { value: '2026-12-07T08:00:00Z', expected: Date.UTC(2026, 11, 7, 8) },
    { value: '2026-12-07T16:00:00+08:00', expected: Date.UTC(2026, 11, 7, 8) },
  ])('reads "$value"', ({ value, expected }) => {
    expect(parseUntil(value, NOW)).toBe(expected);
  });

  it.each(['tomorrow', '2026-12-07T08:00:00', '2026-12-06T11:00:00Z', '0s'])('refuses "%s" with a UsageError', (value) => {
    expect(() => parseUntil(value, NOW)).toThrow(UsageError);
  });
});

describe('bwscaler pause, resume, override and overrides against the local cloud', () => {
  let local: CliCloud;
  const now = () => local.cloud.clock.now();
  const env = () => local.env({ ...storeEnv(local.cloud), BWSCALER_POLICY: local.policyFile, USER: 'oncall' });

  beforeAll(async () => {
    local = await startCliCloud();
    const { endpoints } = local.cloud;
    await ensureTables({
      endpoint: endpoints.ots,
      instanceName: endpoints.otsInstance,
      accessKeyId: endpoints.accessKeyId,
      accessKeySecret: endpoints.accessKeySecret,
    });
  });
  afterAll(async () => local?.close());

  it.each([
    { name: 'both --policy and --instance', args: ['--policy', 'web', '--instance', 'i-web-1', '--reason', 'x'] },
    { name: 'neither --policy nor --instance', args: ['--reason', 'x'] },
    { name: 'no --reason', args: ['--policy', 'web'] },
    { name: 'an --until in the past', args: ['--policy', 'web', '--reason', 'x', '--until', '2000-01-01T00:00:00Z'] },
  ])('pause refuses $name with exit 2 and writes nothing', async ({ args }) => {
    const result = await runCli(runPause, args, env(), now);
    expect(result.code).toBe(2);
    expect((await runCli(runOverrides, ['--all', '--json'], env(), now)).stdout).toContain('"controls": []');
  });

  it('override refuses a bandwidth outside 0..1024 with exit 2', async () => {
    const result = await runCli(runOverride, ['--instance', 'i-web-1', '--bandwidth', '2000', '--until', '1h', '--reason', 'x'], env(), now);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--bandwidth');
  });

  it('shows the pause and the override in plan and status, naming the control table as their source', async () => {
    expect((await runCli(runPause, ['--policy', 'web', '--reason', 'incident 7', '--until', '4h'], env(), now)).code).toBe(0);
    expect((await runCli(runOverride, ['--instance', 'i-shop-1', '--bandwidth', '40', '--until', '1h', '--reason', 'sale'], env(), now)).code).toBe(0);

    const planned = await runCli(plan, [], env(), now);
    const statusOut = await runCli(status, [], env(), now);

    // Exit 1 is the unknown-instance rule (the test policy lists i-gone-1); every row is printed all the same.
    expect(planned.code, planned.stderr).toBe(1);
    expect(planned.stdout).toContain('i-web-1: paused (control table: incident 7, by oncall until');
    expect(planned.stdout).toContain('i-shop-1: override 40 Mbps (control table: sale');
    expect(planned.stdout).toMatch(/i-web-1 .*PAUSED/);
    expect(statusOut.code, statusOut.stderr).toBe(1); // the same unknown-instance rule
    expect(statusOut.stdout).toContain('In force from the control table');
    expect(statusOut.stdout).toMatch(/pause +policy\/web/);
    expect(statusOut.stdout).toMatch(/override +i-shop-1 +40 Mbps/);
  });

  it('resume ends the pause; resuming again changes nothing and says so', async () => {
    const first = await runCli(runResume, ['--policy', 'web', '--reason', 'fixed'], env(), now);
    const second = await runCli(runResume, ['--policy', 'web', '--reason', 'fixed'], env(), now);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('policy/web: resumed by oncall: fixed');
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('had no pause in force');
    const listed = JSON.parse((await runCli(runOverrides, ['--json'], env(), now)).stdout) as { controls: Array<{ kind: string }> };
    expect(listed.controls.map((c) => c.kind)).toEqual(['override']);
  });

  it('prints each change as one JSON document with --json', async () => {
    const paused = await runCli(runPause, ['--instance', 'i-web-2', '--reason', 'json', '--json'], env(), now);
    const overridden = await runCli(runOverride, ['--instance', 'i-web-2', '--bandwidth', '30', '--until', '1h', '--reason', 'json', '--json'], env(), now);
    const resumed = await runCli(runResume, ['--instance', 'i-web-2', '--reason', 'json', '--json'], env(), now);
    const cleared = await runCli(runOverride, ['--instance', 'i-web-2', '--remove', '--reason', 'json', '--json'], env(), now);

    expect(JSON.parse(paused.stdout)).toMatchObject({ target: 'i-web-2', change: 'paused' });
    expect(JSON.parse(overridden.stdout)).toMatchObject({ target: 'i-web-2', change: 'override', bandwidth: 30 });
    expect(JSON.parse(resumed.stdout)).toMatchObject({ target: 'i-web-2', change: 'resumed' });
    expect(JSON.parse(cleared.stdout)).toMatchObject({ target: 'i-web-2', change: 'override-removed' });
  });

  it('override --remove ends the override early', async () => {
    const removed = await runCli(runOverride, ['--instance', 'i-shop-1', '--remove', '--reason', 'sale over'], env(), now);
    expect(removed.code, removed.stderr).toBe(0);
    expect((await runCli(runOverrides, [], env(), now)).stderr).toContain('no pause or override in force');
  });
});
