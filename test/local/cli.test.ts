import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import RPCClient from '@alicloud/pop-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../local-cloud/cli';
import type { LocalCloudEndpoints } from '../../local-cloud/cloud';
import { MODIFY_LOCK_ERROR } from '../../local-cloud/ecs';
import { rpcError } from './support';

describe('bwscaler cloud (child process)', () => {
  let child: ChildProcessWithoutNullStreams;
  let endpoints: LocalCloudEndpoints;
  let firstLine: string;
  let startupMs: number;
  const stderr: string[] = [];

  beforeAll(async () => {
    const started = performance.now();
    child = spawn(process.execPath, ['bin/bwscaler.mjs', 'cloud', '--port', '0'], { cwd: process.cwd() });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    const lines = createInterface({ input: child.stdout });
    firstLine = await new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`bwscaler cloud exited (${code}) before printing: ${stderr.join('')}`)));
    });
    startupMs = performance.now() - started;
    endpoints = JSON.parse(firstLine);
  });

  afterAll(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  it('prints one JSON object with what a client needs as its first line', () => {
    // Startup time is reported, not asserted: the test machine is shared (see the final report).
    console.info(`bwscaler cloud printed its endpoint line after ${Math.round(startupMs)} ms`);
    expect(endpoints).toEqual({
      ecs: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      vpc: endpoints.ecs,
      cms: endpoints.ecs,
      ots: endpoints.ecs,
      admin: `${endpoints.ecs}/_admin`,
      region: 'cn-hangzhou',
      accessKeyId: expect.any(String),
      accessKeySecret: expect.any(String),
      otsInstance: expect.any(String),
    });
  });

  it('serves the "done when" scenario to pop-core: list, upgrade, lock, advance, quota', async () => {
    const ecs = new RPCClient({
      endpoint: endpoints.ecs,
      apiVersion: '2014-05-26',
      accessKeyId: endpoints.accessKeyId,
      accessKeySecret: endpoints.accessKeySecret,
    });
    const advance = async (advanceSeconds: number) => {
      const response = await fetch(`${endpoints.admin}/clock`, { method: 'POST', body: JSON.stringify({ advanceSeconds }) });
      expect(response.status).toBe(200);
    };
    const modify = (InstanceId: string, InternetMaxBandwidthOut: number) =>
      ecs.request<{ OrderId: unknown }>('ModifyInstanceNetworkSpec', { RegionId: endpoints.region, InstanceId, InternetMaxBandwidthOut }, { method: 'POST' });
    try {
      const fleet = await ecs.request<{ TotalCount: number; Instances: { Instance: Array<{ InstanceId: string }> } }>('DescribeInstances', {
        RegionId: endpoints.region,
        PageSize: 100,
      });
      expect(fleet.Instances.Instance.map((i) => i.InstanceId)).toEqual([
        'i-demo-web-1',
        'i-demo-web-2',
        'i-demo-web-3',
        'i-demo-sub-1',
        'i-demo-traffic-1',
        'i-demo-eip-1',
        'i-demo-sub-traffic-1',
      ]);

      await modify('i-demo-web-1', 20);
      expect(await rpcError(modify('i-demo-web-1', 30))).toMatchObject({ code: MODIFY_LOCK_ERROR.code });
      await advance(300);
      await modify('i-demo-web-1', 30);

      const downgrades: string[] = [];
      for (const mbps of [18, 16, 14, 12]) {
        downgrades.push(
          await modify('i-demo-sub-1', mbps).then(
            () => 'OK',
            (e: { code: string }) => e.code,
          ),
        );
        await advance(300);
      }
      expect(downgrades).toEqual(['OK', 'OK', 'OK', 'InstanceDowngrade.QuotaExceed']);
    } finally {
      (ecs as unknown as { keepAliveAgent: { destroy(): void } }).keepAliveAgent.destroy();
    }
  });

  it('logs calls to stderr, never to stdout', async () => {
    await vi.waitFor(() => expect(stderr.join('')).toContain('"action":"ModifyInstanceNetworkSpec"'));
  });

  it('stops cleanly on SIGTERM', async () => {
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });
});

describe('bwscaler cloud arguments', () => {
  it.each([
    { name: 'an unknown option', args: ['--prot', '1'], code: 2, error: "Unknown option '--prot'" },
    { name: 'a port out of range', args: ['--port', '70000'], code: 2, error: '--port must be an integer 0-65535' },
    { name: 'an unknown clock', args: ['--clock', 'fast'], code: 2, error: '--clock must be manual or wall' },
    { name: 'a start that is not a date', args: ['--start', 'monday'], code: 2, error: '--start must be an ISO 8601 date' },
  ])('exits $code on $name', async ({ args, code, error }) => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await run(args)).toBe(code);
      expect(printed.mock.calls.flat().join('\n')).toContain(error);
    } finally {
      printed.mockRestore();
    }
  });

  it('exits 1 on an invalid fixture, naming the file and the path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bwscaler-cli-'));
    const file = join(dir, 'fleet.json');
    await writeFile(file, JSON.stringify({ instances: [{ InstanceId: 'i-a', InternetMaxBandwidthOut: 'lots' }] }));
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await run(['--fixture', file, '--port', '0'])).toBe(1);
      expect(printed.mock.calls.flat().join('\n')).toContain(`${file}: instances[0].InternetMaxBandwidthOut`);
    } finally {
      printed.mockRestore();
    }
  });
});
