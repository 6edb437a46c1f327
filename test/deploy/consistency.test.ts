// The three deployment descriptions (template.yml for ROS, s.yaml for Serverless Devs, deploy/terraform
// for Terraform) describe one system, and each deploys as written: the environment fits Function
// Compute's 4 KB, every RAM Resource is a list, names are derived or constrained, the Tablestore network
// is stated, and the role reaches exactly the three tables.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FcRunner, startFcRunner } from '../../local-cloud/fc/runner';
import { readTemplate } from '../../local-cloud/fc/template';
// @ts-expect-error build.mjs is plain JavaScript without declarations
import { buildFunctions, POLICY_FILE } from '../../scripts/build.mjs';
import {
  type Deployment,
  FC_ENV_LIMIT_BYTES,
  type FunctionKey,
  largestEnvironmentBytes,
  lengthBounds,
  type RamStatement,
  readDescriptions,
} from '../../scripts/deployments';
import { readLogDescriptions } from '../../scripts/log-descriptions';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config';
import { ROOT } from '../../src/sim/system';
import { EVENT_TTL_LIMIT_SECONDS } from '../../src/state/rules';
import { DEFAULT_TABLES, tableSpecs } from '../../src/state/tables';

const d = readDescriptions(ROOT);
const ALL: Deployment[] = [d.ros, d.serverlessDevs, d.terraform];
const KEYS: FunctionKey[] = ['alarm', 'schedule'];
const TABLE_ARN = (table: string) => `acs:ots:\${Region}:\${AccountId}:instance/\${OtsInstanceName}/table/${table}`;

/** Statements as comparable data: actions and resources sorted. */
const normalised = (statements: RamStatement[]) =>
  statements
    .map((s) => ({ effect: s.effect, action: [...(s.action as string[])].sort(), resource: [...(s.resource as string[])].sort() }))
    .sort((a, b) => a.action.join().localeCompare(b.action.join()));

describe('the three deployment descriptions describe one system', () => {
  it.each(KEYS)('declare the same %s function: name, handler, runtime, memory, timeout, environment and triggers', (key) => {
    const [ros, ...others] = ALL.map((deployment) => deployment.functions[key]);
    expect(ros?.name).toBe(`\${Name}-${key}`);
    for (const other of others) expect(other).toEqual(ros);
  });

  it('give the HTTP trigger POST only and the timer a six-field cron from the ScheduleCron setting', () => {
    for (const deployment of ALL) {
      expect(deployment.functions.alarm.triggers, deployment.kind).toEqual([
        { name: 'cloudmonitor-callback', type: 'http', qualifier: 'LATEST', authType: 'anonymous', methods: ['POST'] },
      ]);
      expect(deployment.functions.schedule.triggers, deployment.kind).toEqual([
        { name: 'fleet-tick', type: 'timer', qualifier: 'LATEST', cronExpression: `\${ScheduleCron}`, enable: true, payload: '{"shard":0,"of":1}' },
      ]);
    }
  });

  it('create the tables init-tables creates, with one TTL for the events table', () => {
    const expected = tableSpecs(DEFAULT_TABLES).map((spec) => ({ name: spec.name, primaryKey: spec.primaryKey, timeToLive: spec.timeToLive, maxVersions: 1 }));
    expect(d.ros.tables).toEqual(expected);
    expect(d.terraform.tables).toEqual(expected);
    expect(d.ros.tables?.find((t) => t.name === DEFAULT_TABLES.events)?.timeToLive).toBe(EVENT_TTL_LIMIT_SECONDS);
  });

  it('grant the same RAM statements (Serverless Devs: deploy/serverless-devs/ram-policy.json)', () => {
    const ros = normalised(d.ros.ramStatements ?? []);
    expect(ros.length).toBeGreaterThan(0);
    expect(normalised(d.terraform.ramStatements ?? [])).toEqual(ros);
    expect(normalised(d.serverlessDevsPolicy)).toEqual(ros);
  });

  it('bound and hide the same settings: MaxLength and AllowedPattern in ROS are Terraform validations; NoEcho is sensitive and read from the shell by s.yaml', () => {
    for (const [name, ros] of Object.entries(d.ros.settings)) {
      const terraform = d.terraform.settings[name];
      if (['CodeBucket', 'AlarmCodeObject', 'ScheduleCodeObject'].includes(name)) continue; // Terraform zips dist/ itself
      expect(terraform, name).toBeDefined();
      expect(terraform?.maxLength, `${name} MaxLength`).toBe(ros.maxLength);
      expect(terraform?.pattern, `${name} AllowedPattern`).toBe(ros.pattern);
      expect(Boolean(terraform?.secret), `${name} secret`).toBe(Boolean(ros.secret));
      if (ros.secret) expect(d.serverlessDevs.settings[name]?.fromEnvironment, `s.yaml vars for ${name}`).toBe(true);
    }
  });

  it.each([
    { setting: 'ReplayWindowSeconds', variable: 'BWSCALER_REPLAY_WINDOW_SECONDS' },
    { setting: 'MaxOrdersPerTick', variable: 'BWSCALER_MAX_ORDERS_PER_TICK' },
  ])(
    'let $setting through exactly when the functions accept it, so a stack cannot deploy a value the function refuses at cold start',
    ({ setting, variable }) => {
      const pattern = new RegExp(d.ros.settings[setting]?.pattern ?? '');
      const edges = [
        0, 1, 9, 10, 11, 99, 100, 999, 1000, 4999, 5000, 5001, 9999, 10000, 59999, 79999, 80000, 85999, 86000, 86399, 86400, 86401, 86999, 87000, 99999,
      ];
      const minimal = {
        BWSCALER_REGION: 'cn-hangzhou',
        BWSCALER_OTS_ENDPOINT: 'https://b.cn-hangzhou.ots.aliyuncs.com',
        BWSCALER_OTS_INSTANCE: 'bwscaler',
        BWSCALER_POLICY: '---\n',
      };
      const accepted = (value: string) => {
        try {
          loadConfig({ ...minimal, [variable]: value });
          return true;
        } catch {
          return false;
        }
      };
      // Canonical spellings: the pattern also refuses leading zeros ("010"), which the configuration would read.
      for (const value of [...edges.map(String), '']) expect(pattern.test(value), `${setting} "${value}"`).toBe(value !== '' && accepted(value));
    },
  );

  it('make the settings that were only variables parameters: DingTalk secret, replay window, orders per tick', () => {
    for (const name of ['DingTalkSecret', 'ReplayWindowSeconds', 'MaxOrdersPerTick']) {
      for (const deployment of ALL) expect(Object.keys(deployment.settings), `${deployment.kind} ${name}`).toContain(name);
    }
  });
});

describe('each description deploys as written', () => {
  it('passes only variables the configuration knows, and the policy as the file packed beside index.js', () => {
    for (const deployment of ALL) {
      for (const key of KEYS) {
        const env = deployment.functions[key].env;
        for (const name of Object.keys(env)) expect(CONFIG_VARIABLES as readonly string[], `${deployment.kind} ${key}`).toContain(name);
        expect(env.BWSCALER_POLICY, `${deployment.kind} ${key}`).toBe(POLICY_FILE);
      }
    }
  });

  it('keeps every function environment under 4 KB with every setting at its longest, whatever the policy', () => {
    const bounds = lengthBounds(d.ros);
    for (const deployment of ALL) {
      for (const key of KEYS)
        expect(largestEnvironmentBytes(deployment.functions[key].env, bounds), `${deployment.kind} ${key}`).toBeLessThanOrEqual(FC_ENV_LIMIT_BYTES);
    }
  });

  it('would refuse the old design: the example policy inline in BWSCALER_POLICY exceeds 4 KB', async () => {
    const policy = await readFile(join(ROOT, 'examples/policy.yaml'), 'utf8');
    const env = { ...d.ros.functions.alarm.env, BWSCALER_POLICY: policy.replaceAll('${', '$ {') };
    expect(largestEnvironmentBytes(env, lengthBounds(d.ros))).toBeGreaterThan(FC_ENV_LIMIT_BYTES);
  });

  it('cannot bound a reference without a MaxLength, so an unbounded parameter in the environment fails the check', () => {
    expect(() => largestEnvironmentBytes({ BWSCALER_NOTIFY_URL: `\${Unbounded}` }, lengthBounds(d.ros))).toThrow(/Unbounded.*no length bound/);
  });

  it('writes every RAM Resource and Action as a list', () => {
    for (const [kind, statements] of [
      ['ros', d.ros.ramStatements],
      ['terraform', d.terraform.ramStatements],
      ['serverless-devs', d.serverlessDevsPolicy],
    ] as const) {
      for (const s of statements ?? []) {
        expect(Array.isArray(s.resource), `${kind} ${JSON.stringify(s)}`).toBe(true);
        expect(Array.isArray(s.action), `${kind} ${JSON.stringify(s)}`).toBe(true);
      }
    }
  });

  it('grants Tablestore access on exactly the tables of the instance, no prefix wildcard; the control table read-only; the served cache in batches', () => {
    const { control, served, ...written } = DEFAULT_TABLES;
    for (const statements of [d.ros.ramStatements, d.terraform.ramStatements, d.serverlessDevsPolicy]) {
      const ots = (statements ?? []).filter((s) => (s.action as string[]).some((a) => a.startsWith('ots:')));
      expect(ots).toHaveLength(3);
      const on = (table: string) => ots.find((s) => (s.resource as string[]).includes(TABLE_ARN(table)));
      const readWrite = on(written.state);
      expect([...((readWrite?.resource ?? []) as string[])].sort()).toEqual(Object.values(written).map(TABLE_ARN).sort());
      // The functions only read the control table; operators write it with their own credentials.
      expect([...((on(control)?.resource ?? []) as string[])]).toEqual([TABLE_ARN(control)]);
      expect([...((on(control)?.action ?? []) as string[])].sort()).toEqual(['ots:BatchGetRow', 'ots:GetRange']);
      // The served-history cache: the tick reads and writes it in batches, nothing else.
      expect([...((on(served)?.resource ?? []) as string[])]).toEqual([TABLE_ARN(served)]);
      expect([...((on(served)?.action ?? []) as string[])].sort()).toEqual(['ots:BatchGetRow', 'ots:BatchWriteRow']);
    }
  });

  it('derives function names from the deployment name and constrains the Tablestore name to lowercase', () => {
    const ros = d.ros.settings.OtsInstanceName;
    expect(ros?.pattern).toBeDefined();
    const pattern = new RegExp(ros?.pattern ?? '');
    expect(['bwscaler', 'bw-prod-01'].filter((n) => pattern.test(n))).toEqual(['bwscaler', 'bw-prod-01']);
    expect(['Bwscaler', 'bwscaleR', 'bw', 'bwscaler-', '1bwscaler', 'bwscaler-01234567'].filter((n) => pattern.test(n))).toEqual([]);
    expect(d.terraform.settings.Name?.pattern).toBeDefined();
    // The log project is "<name>-<account id>" (16 digits): SLS takes 3-63 lowercase letters, digits
    // and hyphens, so the name takes at most 46 and no capital.
    const name = new RegExp(d.terraform.settings.Name?.pattern ?? '');
    const accountId = '1234567890123456';
    const sls = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
    for (const n of ['bwscaler', 'bw-prod-01', 'b'.repeat(46)]) expect(name.test(n) && sls.test(`${n}-${accountId}`), n).toBe(true);
    for (const n of ['Bwscaler', 'bw_prod', 'b'.repeat(47), '1bw']) expect(name.test(n), n).toBe(false);
    for (const deployment of ALL) for (const key of KEYS) expect(deployment.functions[key].name).toBe(`\${Name}-${key}`);
  });

  it('states the Tablestore network, and it admits the public endpoint the functions use', () => {
    expect(d.ros.otsNetwork).toEqual(['CLASSIC', 'INTERNET', 'VPC']);
    expect(d.terraform.otsNetwork).toEqual(d.ros.otsNetwork);
    for (const deployment of ALL) expect(deployment.functions.alarm.env.BWSCALER_OTS_ENDPOINT).toBe(`https://\${OtsInstanceName}.\${Region}.ots.aliyuncs.com`);
  });
});

describe('the policy packed with the code', () => {
  let dist: string;
  let runner: FcRunner | undefined;
  beforeAll(async () => {
    dist = await mkdtemp(join(tmpdir(), 'bwscaler-packed-'));
    await buildFunctions({ quiet: true, outdir: dist, policy: join(ROOT, 'examples/policy.yaml') });
  }, 120_000);
  afterAll(async () => {
    await runner?.close();
    await rm(dist, { recursive: true, force: true });
  });

  it('is read from the code directory (FC_FUNC_CODE_PATH) when BWSCALER_POLICY is a relative path', async () => {
    const config = loadConfig({
      BWSCALER_REGION: 'cn-hangzhou',
      BWSCALER_OTS_ENDPOINT: 'https://bwscaler.cn-hangzhou.ots.aliyuncs.com',
      BWSCALER_OTS_INSTANCE: 'bwscaler',
      BWSCALER_POLICY: POLICY_FILE,
      FC_FUNC_CODE_PATH: join(dist, 'alarm'),
    });
    expect(config.policy).toEqual({ text: await readFile(join(ROOT, 'examples/policy.yaml'), 'utf8'), source: join(dist, 'alarm', POLICY_FILE) });
  });

  it('lets the built alarm function start with the environment template.yml gives it (a wrong token is a 401, not a 500)', async () => {
    const template = await readTemplate(join(ROOT, 'template.yml'), { WebhookToken: 'w'.repeat(32), OtsInstanceName: 'bwscaler', CodeBucket: 'bwscaler-code' });
    runner = await startFcRunner({ template, distDir: dist, credentials: { accessKeyId: 'ak', accessKeySecret: 'secret' }, now: () => Date.UTC(2026, 10, 2) });
    const response = await fetch(`${runner.httpUrl('bwscaler-alarm')}/?token=wrong`, { method: 'POST', body: 'a=1' });
    expect(response.status).toBe(401);
  });
});

describe('the functions log to one Simple Log Service store, indexed the same way in all three', () => {
  const logs = readLogDescriptions(ROOT);
  const PROJECT = `\${Name}-\${AccountId}`;
  // Function Compute stores each stdout line in `message`; the keys of the decision line
  // (src/cycle/instance.ts logDecision) the README's saved searches use are indexed inside it.
  const QUERIED = ['instanceId', 'policy', 'reason', 'outcome', 'decisionId'].map((key) => `message.${key}`);

  it.each(logs.map((l) => [l.kind, l] as const))('%s: both functions send their lines to project <name>-<account id>, store bwscaler', (_kind, l) => {
    expect(l.functions.alarm).toEqual({ project: PROJECT, logstore: 'bwscaler' });
    expect(l.functions.schedule).toEqual({ project: PROJECT, logstore: 'bwscaler' });
  });

  it('create the same project and store with the same retention (Serverless Devs: README commands)', () => {
    const created = logs.filter((l) => l.kind !== 'serverless-devs');
    for (const l of created)
      expect({ project: l.project, logstore: l.logstore, retentionDays: l.retentionDays }, l.kind).toEqual({
        project: PROJECT,
        logstore: 'bwscaler',
        retentionDays: 30,
      });
  });

  it('declare the same index, full text plus the keys operators query', () => {
    const [ros, ...others] = logs;
    for (const key of QUERIED) expect(ros?.indexKeys).toContain(key);
    expect(ros?.fullText).toBe(true);
    for (const other of others) expect({ keys: other.indexKeys, fullText: other.fullText }, other.kind).toEqual({ keys: ros?.indexKeys, fullText: true });
  });

  it('grant the log write on exactly that store, the one action Function Compute (not the code) performs with the role', () => {
    const arn = `acs:log:\${Region}:\${AccountId}:project/${PROJECT}/logstore/bwscaler`;
    for (const [kind, statements] of [
      ['ros', d.ros.ramStatements],
      ['terraform', d.terraform.ramStatements],
      ['serverless-devs', d.serverlessDevsPolicy],
    ] as const) {
      const log = (statements ?? []).filter((s) => (s.action as string[]).some((a) => a.startsWith('log:')));
      expect(
        log.map((s) => ({ action: s.action, resource: s.resource })),
        kind,
      ).toEqual([{ action: ['log:PostLogStoreLogs'], resource: [arn] }]);
    }
  });
});
