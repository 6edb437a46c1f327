import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { environmentLines } from '../../local-cloud/cli';
import type { LocalCloudEndpoints } from '../../local-cloud/cloud';
import { loadFixtureFile } from '../../local-cloud/fixture';
import { formatTable } from '../../src/cli/command';
import { run as fetchHistory } from '../../src/cli/fetch-history';
import { run as history } from '../../src/cli/history';
import { run as initTables } from '../../src/cli/init-tables';
import { commandNames, main, version } from '../../src/cli/main';
import { run as plan } from '../../src/cli/plan';
import { run as schema } from '../../src/cli/schema';
import { run as setupAlarms } from '../../src/cli/setup-alarms';
import { run as status } from '../../src/cli/status';
import { run as tick } from '../../src/cli/tick';
import { run as validate } from '../../src/cli/validate';
import { loadConfig } from '../../src/config';
import { run as report } from '../../src/report/cli';
import { ensureTables } from '../../src/state/index';
import { makeInstance, makeReport } from '../report/report-data';
import { type CliCloud, runCli, startCliCloud, storeEnv, TOKEN } from './support';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs `bwscaler ARGS` through main, capturing what reaches stdout and stderr. */
async function bwscaler(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((text: string | Uint8Array) => out.push(String(text)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((text: string | Uint8Array) => err.push(String(text)) > 0);
  vi.spyOn(console, 'log').mockImplementation((text: unknown) => void out.push(`${String(text)}\n`));
  vi.spyOn(console, 'error').mockImplementation((text: unknown) => void err.push(`${String(text)}\n`));
  const code = await main(args);
  vi.restoreAllMocks();
  return { code, stdout: out.join(''), stderr: err.join('') };
}

await import('../../src/cli/commands');
const everyCommand = commandNames().map((name) => ({ name }));

describe('every command explains itself', () => {
  it('lists the commands it checks', () => {
    expect(commandNames()).toEqual(
      expect.arrayContaining([
        'cloud',
        'validate',
        'schema',
        'init-tables',
        'report',
        'setup-alarms',
        'fetch-history',
        'plan',
        'tick',
        'status',
        'history',
        'start',
        'backtest',
      ]),
    );
  });

  it.each(everyCommand)('`bwscaler $name --help` prints its full help on stdout and exits 0', async ({ name }) => {
    const result = await bwscaler([name, '--help']);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^usage: bwscaler ${name}\\b`));
    // The full help: the usage line and at least a paragraph or the options after it.
    expect(result.stdout.trimEnd().split('\n').length).toBeGreaterThan(3);
    expect(result.stderr).toBe('');
  });

  it.each(everyCommand)('`bwscaler help $name` prints the same help', async ({ name }) => {
    const viaHelp = await bwscaler(['help', name]);
    const viaFlag = await bwscaler([name, '--help']);

    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
  });

  it.each([['--version'], ['-V']])('`bwscaler %s` prints the package version', async (flag) => {
    const result = await bwscaler([flag]);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`bwscaler ${version()}\n`);
    expect(version()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('refuses help for a command that does not exist, with exit 2', async () => {
    const result = await bwscaler(['help', 'no-such-command']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "no-such-command"');
  });
});

describe('--json on every command that prints a result', () => {
  let local: CliCloud;
  let dir: string;
  const now = () => local.cloud.clock.now();
  const env = () => ({ ...local.env({ BWSCALER_POLICY: local.policyFile, BWSCALER_WEBHOOK_TOKEN: TOKEN }), ...storeEnv(local.cloud) });

  beforeAll(async () => {
    local = await startCliCloud();
    const { endpoints } = local.cloud;
    await ensureTables({
      endpoint: endpoints.ots,
      instanceName: endpoints.otsInstance,
      accessKeyId: endpoints.accessKeyId,
      accessKeySecret: endpoints.accessKeySecret,
    });
    await local.cloud.clock.advance(10 * 60);
    dir = await mkdtemp(join(tmpdir(), 'bwscaler-json-'));
    await writeFile(join(dir, 'run.json'), JSON.stringify(makeReport([makeInstance({ instanceId: 'i-json' })])));
  });
  afterAll(async () => {
    await local?.close();
    await rm(dir, { recursive: true, force: true });
  });

  // `start` runs a simulated week (minutes) and `backtest` belongs to the backtest's own tests;
  // `cloud` prints JSON as its first line by design, and `--env` for a shell.
  const rows = [
    { name: 'validate', run: validate, args: () => ['examples/policy.yaml'], key: 'files' },
    { name: 'schema', run: schema, args: () => [], key: '$schema' },
    { name: 'init-tables', run: initTables, args: () => [], key: 'tables' },
    { name: 'report', run: report, args: () => [join(dir, 'run.json'), '--out', join(dir, 'run.html')], key: 'instances' },
    { name: 'tick', run: tick, args: () => [], key: 'byReason' },
    { name: 'plan', run: plan, args: () => [], key: 'rows' },
    { name: 'status', run: status, args: () => [], key: 'instances' },
    { name: 'history', run: history, args: () => ['--instance', 'i-web-1'], key: 'records' },
    { name: 'setup-alarms', run: setupAlarms, args: () => ['--callback-url', 'http://127.0.0.1:9/alarm', '--dry-run'], key: 'rules' },
    { name: 'fetch-history', run: fetchHistory, args: () => ['--instance', 'i-web-1', '--days', '1'], key: 'points' },
  ];

  it.each(rows)('`bwscaler $name --json` prints one JSON document', async ({ run, args, key }) => {
    const result = await runCli(run, [...args(), '--json'], env(), now);

    // Exit 1 is the unknown-instance rule (the test policy lists i-gone-1); the JSON is printed all the same.
    expect([0, 1]).toContain(result.code);
    expect(Object.keys(JSON.parse(result.stdout) as object)).toContain(key);
  });
});

describe('bwscaler cloud --env', () => {
  const endpoints: LocalCloudEndpoints = {
    ecs: 'http://127.0.0.1:4000',
    vpc: 'http://127.0.0.1:4000',
    cms: 'http://127.0.0.1:4000',
    ots: 'http://127.0.0.1:4000',
    admin: 'http://127.0.0.1:4000/_admin',
    region: 'cn-hangzhou',
    accessKeyId: 'LTAI5tLocal',
    accessKeySecret: "it's-a-secret",
    otsInstance: 'bwscaler',
  };

  it('prints export lines the functions configuration accepts as they are', () => {
    // Act
    const lines = environmentLines(endpoints, { demoFleet: true });
    const parsed = Object.fromEntries(
      lines.map((line) => {
        const match = /^export ([A-Z_]+)='(.*)'$/.exec(line);
        if (!match) throw new Error(`not an export line: ${line}`);
        return [match[1], (match[2] as string).replaceAll(`'\\''`, "'")];
      }),
    );

    // Assess: loadConfig (which refuses an unknown BWSCALER_ name) takes them all.
    expect(parsed.ALIBABA_CLOUD_ACCESS_KEY_SECRET).toBe("it's-a-secret");
    expect(parsed.BWSCALER_POLICY).toMatch(/examples\/policy\.yaml$/);
    expect(loadConfig(parsed)).toMatchObject({ region: 'cn-hangzhou', ecsEndpoint: endpoints.ecs, otsInstance: 'bwscaler' });
  });

  it('loads the example fixture the README documents', async () => {
    const fixture = await loadFixtureFile('examples/local-cloud-fixture.json', Date.UTC(2026, 10, 2));

    expect(fixture.instances.map((instance) => instance.InstanceId)).toEqual(['i-example-web-1', 'i-example-shop-1', 'i-example-api-1']);
  });

  it('names no policy for a fixture of the operator', () => {
    expect(environmentLines(endpoints, { demoFleet: false }).join('\n')).not.toContain('BWSCALER_POLICY');
  });
});

describe('formatTable', () => {
  it('aligns every column but the last, which holds free text', () => {
    const table = formatTable(
      ['ID', 'N', 'NOTE'],
      [
        ['i-1', '10', 'short'],
        ['i-longer', '5', ''],
      ],
    );

    expect(table).toBe(['ID        N   NOTE', 'i-1       10  short', 'i-longer  5'].join('\n'));
  });
});
