import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/init-tables';
import { type OtsCloud, startOtsCloud } from '../state/local-cloud';
import { runCli } from './support';

let local: OtsCloud;

beforeAll(async () => {
  local = await startOtsCloud();
});

afterAll(async () => {
  await local?.close();
});

afterEach(() => {
  vi.restoreAllMocks();
});

function cloudEnv(): Record<string, string> {
  const { endpoints } = local.cloud;
  return {
    BWSCALER_OTS_ENDPOINT: endpoints.ots,
    BWSCALER_OTS_INSTANCE: endpoints.otsInstance,
    ALIBABA_CLOUD_ACCESS_KEY_ID: endpoints.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: endpoints.accessKeySecret,
    ALIBABA_CLOUD_SECURITY_TOKEN: endpoints.securityToken ?? '',
  };
}

/** Runs the command and collects what it printed. */
async function initTables(args: string[], env: Record<string, string | undefined>) {
  const result = await runCli(run, args, env);
  return { code: result.code, out: result.stdout.trimEnd(), err: result.stderr.trimEnd() };
}

describe('bwscaler init-tables', () => {
  it('creates the tables, and leaves them alone when run a second time', async () => {
    const first = await initTables([], cloudEnv());
    const second = await initTables([], cloudEnv());

    expect(first).toEqual({
      code: 0,
      out: 'bwscaler_state: created\nbwscaler_history: created\nbwscaler_events: created\nbwscaler_control: created\nbwscaler_served: created',
      err: '',
    });
    expect(second).toEqual({
      code: 0,
      out: 'bwscaler_state: exists\nbwscaler_history: exists\nbwscaler_events: exists\nbwscaler_control: exists\nbwscaler_served: exists',
      err: '',
    });
  });

  const missing = ['BWSCALER_OTS_ENDPOINT', 'BWSCALER_OTS_INSTANCE', 'ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET'];
  it.each(missing)('exits 2 naming %s when it is not set', async (name) => {
    const result = await initTables([], { ...cloudEnv(), [name]: undefined });

    expect(result.code).toBe(2);
    expect(result.err).toContain(`environment variable ${name} is not set`);
  });

  const badArgs = [
    { name: 'an unknown option', args: ['--histroy-ttl-days', '30'], says: "Unknown option '--histroy-ttl-days'" },
    { name: 'a fractional retention', args: ['--history-ttl-days', '1.5'], says: '--history-ttl-days must be a whole number of days >= 1, got "1.5"' },
    { name: 'a zero retention', args: ['--history-ttl-days', '0'], says: 'got "0"' },
  ];
  it.each(badArgs)('exits 2 on $name', async ({ args, says }) => {
    const result = await initTables(args, cloudEnv());

    expect(result.code).toBe(2);
    expect(result.err).toContain(says);
  });

  it('names every missing variable at once', async () => {
    const result = await initTables([], {});

    expect(result.code).toBe(2);
    for (const name of missing) expect(result.err).toContain(`environment variable ${name} is not set`);
  });

  it('prints the tables as JSON with --json', async () => {
    const result = await initTables(['--json'], cloudEnv());

    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toEqual({
      tables: [
        { table: 'bwscaler_state', outcome: 'exists' },
        { table: 'bwscaler_history', outcome: 'exists' },
        { table: 'bwscaler_events', outcome: 'exists' },
        { table: 'bwscaler_control', outcome: 'exists' },
        { table: 'bwscaler_served', outcome: 'exists' },
      ],
    });
  });

  it('exits 1 when Tablestore refuses the credentials', async () => {
    const result = await initTables([], { ...cloudEnv(), ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'wrong' });

    expect(result.code).toBe(1);
    expect(result.err).toContain('OTSAuthFailed');
  });

  it('needs no tables for the in-memory store', async () => {
    const result = await initTables([], { BWSCALER_OTS_ENDPOINT: 'memory:' });

    expect(result).toMatchObject({ code: 0, out: 'BWSCALER_OTS_ENDPOINT is memory:: the in-memory store needs no tables' });
  });

  it('is registered as a bwscaler command', async () => {
    const attempt = promisify(execFile)(process.execPath, ['bin/bwscaler.mjs', 'init-tables'], {
      env: { PATH: process.env.PATH ?? '' },
      timeout: 20_000,
    });

    await expect(attempt).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('BWSCALER_OTS_ENDPOINT is not set') });
  });
});
