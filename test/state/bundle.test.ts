// The bundle trap (docs/reference/sdk-traps.md §3): the tablestore SDK is sloppy-mode code with implicit globals.
// esbuild emits a top-level "use strict" when the tsconfig is strict, which makes every bundled
// module strict; the bundle builds without a warning and throws "pro is not defined" at run time.
// Vitest loads node_modules unbundled and never sees it, so this test builds the bundle the way
// the functions are built and runs it, in a child process, against the local Tablestore.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OtsCloud, startOtsCloud } from './local-cloud';

const run = promisify(execFile);

let local: OtsCloud;
let dir: string;

beforeAll(async () => {
  local = await startOtsCloud();
  dir = await mkdtemp(join(tmpdir(), 'bwscaler-bundle-'));
});

afterAll(async () => {
  await local?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The options the functions are bundled with, but for the tsconfig under test. */
async function bundle(tsconfig: string, outfile: string): Promise<string> {
  const path = join(dir, outfile);
  await build({
    entryPoints: ['test/state/bundle-entry.ts'],
    outfile: path,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    tsconfig,
    logLevel: 'silent',
  });
  return path;
}

async function runBundle(path: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const { endpoints } = local.cloud;
  const env = {
    PATH: process.env.PATH ?? '',
    // The SDK calls Buffer() once, which Node flags only outside node_modules: cosmetic here.
    NODE_OPTIONS: '--no-deprecation',
    BWSCALER_OTS_ENDPOINT: endpoints.ots,
    BWSCALER_OTS_INSTANCE: endpoints.otsInstance,
    ALIBABA_CLOUD_ACCESS_KEY_ID: endpoints.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: endpoints.accessKeySecret,
    ALIBABA_CLOUD_SECURITY_TOKEN: endpoints.securityToken ?? '',
  };
  try {
    const { stdout, stderr } = await run(process.execPath, [path], { env, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('the bundled Tablestore adapter', () => {
  it('works when bundled with tsconfig.build.json: conditional create, versioned update, range read', async () => {
    const path = await bundle('tsconfig.build.json', 'sloppy.cjs');
    const before = local.ots.calls().length;

    const { code, stdout, stderr } = await runBundle(path);

    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { created: number; updated: number; staleWrite: string; listed: unknown[] };
    expect(result).toMatchObject({ created: 1, updated: 2, staleWrite: 'conflict' });
    expect(result.listed).toEqual([expect.objectContaining({ instanceId: 'i-bundle', version: 2, lastTarget: 20 })]);
    const calls = local.ots
      .calls()
      .slice(before)
      .map((c) => `${c.action} ${c.code}`);
    expect(calls.filter((c) => c.startsWith('PutRow'))).toEqual(['PutRow OK', 'PutRow OK', 'PutRow OTSConditionCheckFail']);
    expect(calls).toContain('GetRange OK');
  });

  it('fails at run time when bundled with the strict tsconfig.json, which is the trap this test guards', async () => {
    const path = await bundle('tsconfig.json', 'strict.cjs');

    const { code, stderr } = await runBundle(path);

    expect(code).not.toBe(0);
    expect(stderr).toMatch(/ReferenceError: \w+ is not defined/);
  });
});
