import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callRpc, createRpcClient, type RpcClient } from '../../src/adapters/pop';
import { DEFAULT_CONTACT_GROUP, deriveAlarmRules, ruleParams, run, SILENCE_SECONDS, UTILISATION_METRIC } from '../../src/cli/setup-alarms';
import type { InstanceFacts, Policy } from '../../src/core/types';
import { parseCloudMonitorCallback } from '../../src/events/alarm';
import { verifyWebhookToken } from '../../src/events/http';
import { parsePolicyDocument } from '../../src/policy/load';
import { type CliCloud, POLICY_YAML, runCli, startCliCloud, TOKEN } from './support';

interface Received {
  url: string;
  contentType: string | undefined;
  body: string;
}

/** The alarm function's stand-in: records every callback CloudMonitor makes. */
async function startReceiver(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ url: req.url ?? '', contentType: req.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/alarm`, received };
}

describe('bwscaler setup-alarms against the local cloud', () => {
  let local: CliCloud;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let cms: RpcClient;

  beforeAll(async () => {
    local = await startCliCloud();
    receiver = await startReceiver();
    const { endpoints } = local.cloud;
    cms = createRpcClient({
      endpoint: endpoints.cms,
      apiVersion: '2019-01-01',
      credentials: { accessKeyId: endpoints.accessKeyId, accessKeySecret: endpoints.accessKeySecret },
    });
  });
  afterAll(async () => {
    cms?.close();
    await new Promise((resolve) => receiver?.server.close(resolve));
    await local?.close();
  });

  const env = () => local.env({ BWSCALER_WEBHOOK_TOKEN: TOKEN });
  /** The first run creates the contact and the group; later runs find them in place. */
  const setupArgs = () => ['--policy', local.policyFile, '--callback-url', receiver.url, '--contact-email', 'ops@example.com'];

  async function listedRules(): Promise<Array<Record<string, unknown>>> {
    const body = await callRpc(cms, 'DescribeMetricRuleList', { Namespace: 'acs_ecs_dashboard' }, { method: 'GET' });
    return (body.Alarms as { Alarm: Array<Record<string, unknown>> }).Alarm;
  }

  const WRITE_ACTIONS = [
    'PutResourceMetricRule',
    'DeleteMetricRules',
    'PutEventRule',
    'PutEventRuleTargets',
    'DeleteEventRules',
    'PutContact',
    'PutContactGroup',
  ];
  const writes = () => local.cloud.world.calls.filter((call) => WRITE_ACTIONS.includes(call.action));

  it('prints the rules a dry run would create, writes nothing, and never shows the token', async () => {
    // Act
    const result = await runCli(run, [...setupArgs(), '--dry-run'], env());

    // Assess
    expect(result.code).toBe(1); // the shop policy lists i-gone-1, unknown to ECS: the rules are printed, and exit 1
    expect(result.stdout).toMatch(/bwscaler-web\s+web\s+VPC_PublicIP_InternetOutRate_Percent\s+>= 90% for 2 min\s+2\s+would create/);
    expect(result.stdout).toMatch(/bwscaler-web-classic\s+web\s+InternetOutRate_Percent\s+>= 90% for 2 min\s+1\s+would create/);
    expect(result.stdout).toMatch(/bwscaler-shop\s+shop\s+VPC_PublicIP_InternetOutRate_Percent\s+>= 95% for 2 min\s+1\s+would create/);
    expect(result.stdout).toContain(`callback: ${receiver.url}?token=***`);
    expect(result.stderr).toContain('policy shop lists i-gone-1, which DescribeInstances does not return');
    expect(result.stdout).toContain('contact group bwscaler: would create (contacts: bwscaler_oncall)');
    expect(result.stdout).toMatch(/bwscaler-needs-human\s+bwscaler_needs_human\s+bwscaler\s+would create/);
    expect(`${result.stdout}${result.stderr}`).not.toContain(TOKEN);
    expect(writes()).toEqual([]);
    expect(await listedRules()).toEqual([]);
    expect(local.cloud.cms.contacts.groups()).toEqual([]);
  });

  it('refuses to write anything when the contact group is missing and no contact is given, and says what it needs', async () => {
    // Act
    const result = await runCli(run, ['--policy', local.policyFile, '--callback-url', receiver.url], env());

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('contact group "bwscaler" does not exist');
    expect(result.stderr).toContain('--contact-email ADDRESS');
    expect(writes()).toEqual([]);
  });

  it('creates one rule per policy and network type, with the policy instances as Resources', async () => {
    // Act
    const result = await runCli(run, setupArgs(), env());

    // Assess
    expect(result.code).toBe(1);
    const rules = Object.fromEntries((await listedRules()).map((rule) => [rule.RuleId, rule]));
    expect(Object.keys(rules).sort()).toEqual(['bwscaler-shop', 'bwscaler-web', 'bwscaler-web-classic']);
    expect(rules['bwscaler-web']).toMatchObject({
      RuleName: 'bwscaler-web',
      MetricName: UTILISATION_METRIC.vpc,
      Resources: JSON.stringify([{ instanceId: 'i-web-1' }, { instanceId: 'i-web-2' }]),
      ContactGroups: DEFAULT_CONTACT_GROUP,
      Webhook: `${receiver.url}?token=${TOKEN}`,
      Period: '60',
      SilenceTime: SILENCE_SECONDS,
      Escalations: { Critical: { Statistics: 'Average', ComparisonOperator: 'GreaterThanOrEqualToThreshold', Threshold: '90', Times: 2 } },
    });
    expect(rules['bwscaler-web-classic']).toMatchObject({ MetricName: UTILISATION_METRIC.classic, Resources: JSON.stringify([{ instanceId: 'i-web-3' }]) });
    expect(rules['bwscaler-shop']).toMatchObject({ Resources: JSON.stringify([{ instanceId: 'i-shop-1' }]) });
    expect(result.stdout).not.toContain(TOKEN);
  });

  it('creates the contact, the group, and one event rule per published event, each notifying the group', async () => {
    // Assess (the run of the test before)
    const { contacts, eventRules } = local.cloud.cms;
    expect(contacts.contacts()).toMatchObject([{ name: 'bwscaler_oncall', channels: { Mail: 'ops@example.com' } }]);
    expect(contacts.groups()).toMatchObject([{ name: DEFAULT_CONTACT_GROUP, contactNames: ['bwscaler_oncall'] }]);
    const rules = eventRules.rules().map((rule) => ({
      name: rule.name,
      type: rule.eventType,
      events: rule.patterns.flatMap((p) => p.nameList),
      groups: rule.contactTargets.map((t) => t.contactGroupName),
    }));
    expect(rules).toEqual([
      { name: 'bwscaler-needs-human', type: 'CUSTOM', events: ['bwscaler_needs_human'], groups: ['bwscaler'] },
      { name: 'bwscaler-blocked', type: 'CUSTOM', events: ['bwscaler_blocked'], groups: ['bwscaler'] },
      { name: 'bwscaler-applied', type: 'CUSTOM', events: ['bwscaler_applied'], groups: ['bwscaler'] },
    ]);
  });

  it('changes nothing when run again with the same inputs', async () => {
    // Prepare
    const before = writes().length;

    // Act
    const result = await runCli(run, [...setupArgs(), '--json'], env());

    // Assess
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as {
      writes: number;
      contactGroup: { result: string; contact: { result: string } };
      rules: Array<{ result: string }>;
      eventRules: Array<{ result: string }>;
    };
    expect(report.writes).toBe(0);
    expect(writes().length).toBe(before);
    expect([report.contactGroup.result, report.contactGroup.contact.result]).toEqual(['unchanged', 'unchanged']);
    expect(new Set([...report.rules, ...report.eventRules].map((r) => r.result))).toEqual(new Set(['unchanged']));
  });

  it('pages the contact group when the functions publish a needs-a-human event', async () => {
    // Act: what the functions' telemetry sends after a block only the account owner can clear.
    await callRpc(
      cms,
      'PutCustomEvent',
      { 'EventInfo.1.EventName': 'bwscaler_needs_human', 'EventInfo.1.Content': '{"instanceId":"i-web-1","reason":"ACCOUNT_ARREARS"}' },
      { method: 'POST' },
    );

    // Assess
    expect(local.cloud.cms.eventRules.notices()).toMatchObject([
      { ruleName: 'bwscaler-needs-human', eventName: 'bwscaler_needs_human', contactGroups: [{ name: 'bwscaler', contacts: [{ name: 'bwscaler_oncall' }] }] },
    ]);
  });

  it('updates the same rules when run again instead of adding rules', async () => {
    // Act
    const result = await runCli(run, [...setupArgs(), '--times', '3', '--json'], env());

    // Assess
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { rules: Array<{ ruleId: string; result: string; webhook: string }> };
    expect(report.rules.map((rule) => [rule.ruleId, rule.result])).toEqual([
      ['bwscaler-web', 'updated'],
      ['bwscaler-web-classic', 'updated'],
      ['bwscaler-shop', 'updated'],
    ]);
    expect(report.rules[0]?.webhook).toBe(`${receiver.url}?token=***`);
    const rules = await listedRules();
    expect(rules).toHaveLength(3);
    expect(rules.map((rule) => (rule.Escalations as { Critical: { Times: number } }).Critical.Times)).toEqual([3, 3, 3]);
  });

  it('reports a bwscaler rule the file no longer derives, and deletes it only with --prune', async () => {
    // Prepare: a rule left from a policy since removed from the file.
    await callRpc(cms, 'PutResourceMetricRule', { ...ruleParams(oldRule()) }, { method: 'POST' });

    // Act
    const kept = await runCli(run, setupArgs(), env());
    const pruned = await runCli(run, [...setupArgs(), '--prune'], env());

    // Assess
    expect(kept.stdout).toContain('bwscaler-retired: no longer derived from the policy file; kept (delete it with --prune)');
    expect(pruned.stdout).toContain('bwscaler-retired: no longer derived from the policy file; deleted');
    expect((await listedRules()).map((rule) => rule.RuleId).sort()).toEqual(['bwscaler-shop', 'bwscaler-web', 'bwscaler-web-classic']);
  });

  it("prunes only its own event rules: those no longer asked for, never another team's", async () => {
    // Prepare: another team's event rule on the same events, and an old bwscaler one.
    for (const name of ['ops-team-events', 'bwscaler-retired-events']) {
      await callRpc(
        cms,
        'PutEventRule',
        { RuleName: name, EventType: 'CUSTOM', 'EventPattern.1.Product': 'CustomEvent', 'EventPattern.1.NameList.1': 'bwscaler_blocked' },
        { method: 'POST' },
      );
    }

    // Act
    const kept = await runCli(run, [...setupArgs(), '--events', 'needs_human,blocked'], env());
    const pruned = await runCli(run, [...setupArgs(), '--events', 'needs_human,blocked', '--prune'], env());

    // Assess
    expect(kept.stdout).toContain('bwscaler-applied: event rule no longer asked for; kept (delete it with --prune)');
    expect(pruned.stdout).toContain('bwscaler-retired-events: event rule no longer asked for; deleted');
    expect(
      local.cloud.cms.eventRules
        .rules()
        .map((rule) => rule.name)
        .sort(),
    ).toEqual(['bwscaler-blocked', 'bwscaler-needs-human', 'ops-team-events']);
  });

  it('adds a DingTalk contact to an existing group without printing its token, keeping the members it had', async () => {
    // Prepare
    const secret = 'dingtalk-access-token-0123456789abcdef';

    // Act
    const result = await runCli(
      run,
      [...setupArgs().slice(0, 4), '--contact-dingtalk', `https://oapi.dingtalk.com/robot/send?access_token=${secret}`, '--contact-name', 'ops_robot'],
      env(),
    );

    // Assess
    expect(result.stdout).toContain('contact group bwscaler: updated (contacts: bwscaler_oncall, ops_robot)');
    expect(result.stdout).toContain('contact ops_robot: created');
    expect(`${result.stdout}${result.stderr}`).not.toContain(secret);
    expect(local.cloud.cms.contacts.groups()).toMatchObject([{ name: 'bwscaler', contactNames: ['bwscaler_oncall', 'ops_robot'] }]);
  });

  it('makes CloudMonitor call back with the token once an instance saturates', async () => {
    // Prepare: 12 Mbps of demand through a 10 Mbps pipe, i.e. 100 % utilisation.
    await runCli(run, [...setupArgs(), '--times', '2'], env());
    const instance = local.cloud.world.instances.get('i-web-1');
    if (!instance) throw new Error('fixture lost i-web-1');
    instance.demand = { kind: 'constant', mbps: 12 };

    // Act: two saturated minutes must become visible (CloudMonitor reports a minute ~1 min late).
    await local.cloud.clock.advance(5 * 60);

    // Assess
    const alerts = receiver.received.filter((r) => r.body.includes('alertState=ALERT'));
    expect(alerts).toHaveLength(1);
    const [alert] = alerts as [Received];
    const url = new URL(alert.url, 'http://receiver');
    expect(verifyWebhookToken(url.searchParams.get('token') ?? undefined, TOKEN)).toBe(true);
    expect(parseCloudMonitorCallback(alert.body, alert.contentType)).toMatchObject({
      alertState: 'ALERT',
      ruleId: 'bwscaler-web',
      instanceId: 'i-web-1',
      metricName: 'VPC_PublicIP_InternetOutRate_Percent',
      curValue: 100,
    });
  });

  it('makes no rule for a policy that manages no instance, which would otherwise cover the whole account', async () => {
    // Prepare
    const file = join(dirname(local.policyFile), 'idle.yaml');
    await writeFile(file, `${POLICY_YAML}  - name: idle\n    instances: { region: cn-hangzhou, tags: { app: none } }\n    bounds: { minOut: 1, maxOut: 10 }\n`);

    // Act
    const result = await runCli(run, ['--policy', file, '--callback-url', receiver.url, '--dry-run', '--json'], env());

    // Assess
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { rules: Array<{ policy: string }>; policiesWithoutInstances: string[] };
    expect(report.rules.map((rule) => rule.policy)).not.toContain('idle');
    expect(report.policiesWithoutInstances).toEqual(['idle']);
    expect(result.stderr).toContain('policy idle manages no instance: no rule for it');
  });

  const env4 = () => local.env({ BWSCALER_WEBHOOK_TOKEN: TOKEN });
  const usageRows = [
    { name: 'without --callback-url', args: () => ['--policy', local.policyFile], env: env4, expected: '--callback-url is required' },
    {
      name: 'a callback that is not a URL',
      args: () => ['--policy', local.policyFile, '--callback-url', 'alarm'],
      env: env4,
      expected: '--callback-url: expected an http(s) URL, got "alarm"',
    },
    {
      name: 'a threshold above 100',
      args: () => [...setupArgs(), '--threshold', '120'],
      env: env4,
      expected: '--threshold: expected a percentage above 0 and at most 100, got "120"',
    },
    {
      name: 'times that is not a whole number',
      args: () => [...setupArgs(), '--times', '1.5'],
      env: env4,
      expected: '--times: expected a whole number from 1 to 60, got "1.5"',
    },
    { name: 'an unknown flag', args: () => [...setupArgs(), '--treshold', '90'], env: env4, expected: "Unknown option '--treshold'" },
    {
      name: 'an unknown event',
      args: () => [...setupArgs(), '--events', 'needs_human,paused'],
      env: env4,
      expected: '--events: expected a comma-separated list of needs_human, blocked, applied',
    },
    {
      name: 'an email that is not one',
      args: () => [...setupArgs(), '--contact-email', 'ops'],
      env: env4,
      expected: '--contact-email: expected an email address, got "ops"',
    },
    {
      name: 'a DingTalk webhook over http',
      args: () => [...setupArgs(), '--contact-dingtalk', 'http://oapi.dingtalk.com/robot/send?access_token=x'],
      env: env4,
      expected: "--contact-dingtalk: expected the robot's https webhook URL",
    },
    {
      name: 'a contact name CloudMonitor refuses',
      args: () => [...setupArgs(), '--contact-name', 'bw-oncall'],
      env: env4,
      expected: '--contact-name: 2 to 40 letters, digits, "." or "_", starting with a letter, got "bw-oncall"',
    },
    {
      name: 'a contact name without a contact',
      args: () => ['--policy', local.policyFile, '--callback-url', receiver.url, '--contact-name', 'ops'],
      env: env4,
      expected: '--contact-name: give --contact-email or --contact-dingtalk as well',
    },
    { name: 'no webhook token', args: setupArgs, env: () => local.env(), expected: 'BWSCALER_WEBHOOK_TOKEN: required, not set' },
    {
      name: 'a webhook token too short to be a secret',
      args: setupArgs,
      env: () => local.env({ BWSCALER_WEBHOOK_TOKEN: 'short' }),
      expected: 'BWSCALER_WEBHOOK_TOKEN: must have at least 16 characters',
    },
    {
      name: 'no credentials',
      args: setupArgs,
      env: () => ({ ...local.env({ BWSCALER_WEBHOOK_TOKEN: TOKEN }), ALIBABA_CLOUD_ACCESS_KEY_ID: undefined, ALIBABA_CLOUD_ACCESS_KEY_SECRET: undefined }),
      expected: 'ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET: required, not set',
    },
    { name: 'no policy at all', args: () => ['--callback-url', receiver.url], env: env4, expected: 'no policy: pass --policy FILE or set BWSCALER_POLICY' },
  ];

  it.each(usageRows)('exits 2 and names the problem: $name', async ({ args, env: envOf, expected }) => {
    // Act
    const result = await runCli(run, args(), envOf());

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(expected);
    expect(result.stdout).toBe('');
  });

  it('exits 1 and names the API error when CloudMonitor refuses the rule', async () => {
    // Prepare
    local.cloud.world.faults.push({ service: 'cms', action: 'PutResourceMetricRule', code: 'Throttling.User', status: 400, rate: 1, count: 1 });

    // Act: a changed --times, so the rules need writing.
    const result = await runCli(run, [...setupArgs(), '--times', '4'], env());

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PutResourceMetricRule failed: Throttling.User');
    expect(result.stderr).not.toContain(TOKEN);
  });
});

function oldRule() {
  return {
    ruleId: 'bwscaler-retired',
    ruleName: 'bwscaler-retired',
    policy: 'retired',
    networkType: 'vpc' as const,
    namespace: 'acs_ecs_dashboard',
    metricName: UTILISATION_METRIC.vpc,
    statistic: 'Average' as const,
    thresholdPercent: 95,
    threshold: 95,
    unit: '%' as const,
    times: 2,
    instanceIds: ['i-api-1'],
    contactGroup: DEFAULT_CONTACT_GROUP,
    webhook: 'http://127.0.0.1:9/alarm',
  };
}

// ---------------------------------------------------------------------------------------------
// Rule derivation, without a cloud.

const doc = parsePolicyDocument(POLICY_YAML, 'test');
const [webPolicy, shopPolicy] = doc.policies as [Policy, Policy];

function facts(instanceId: string, networkType: 'vpc' | 'classic'): InstanceFacts {
  return {
    instanceId,
    regionId: 'cn-hangzhou',
    instanceChargeType: 'PostPaid',
    internetChargeType: 'PayByBandwidth',
    networkType,
    status: 'Running',
    bandwidthOut: 10,
    bandwidthIn: 100,
    hasPublicIp: true,
    eipBound: false,
    tags: {},
    operationLocks: [],
  };
}

const settings = { times: 2, contactGroup: 'ops', webhook: 'https://example.com/alarm?token=x' };

describe('deriveAlarmRules', () => {
  const rows = [
    {
      name: 'takes each policy saturation threshold',
      threshold: undefined,
      expected: [
        ['bwscaler-web', 90],
        ['bwscaler-shop', 95],
      ],
    },
    {
      name: 'lets --threshold override every policy',
      threshold: 80,
      expected: [
        ['bwscaler-web', 80],
        ['bwscaler-shop', 80],
      ],
    },
  ];

  it.each(rows)('$name', ({ threshold, expected }) => {
    // Prepare
    const managed = [
      { instance: facts('i-1', 'vpc'), policy: webPolicy },
      { instance: facts('i-2', 'vpc'), policy: shopPolicy },
    ];

    // Act
    const rules = deriveAlarmRules(managed, { ...settings, ...(threshold !== undefined && { thresholdPercent: threshold }) });

    // Assess
    expect(rules.map((rule) => [rule.ruleId, rule.thresholdPercent])).toEqual(expected);
  });

  it('puts every managed instance in exactly one rule, of its own policy and network type', () => {
    const instance = fc.record({
      id: fc.stringMatching(/^i-[a-z0-9]{1,6}$/),
      network: fc.constantFrom('vpc' as const, 'classic' as const),
      policy: fc.constantFrom(webPolicy, shopPolicy),
    });
    fc.assert(
      fc.property(fc.uniqueArray(instance, { selector: (i) => i.id, maxLength: 40 }), (instances) => {
        const rules = deriveAlarmRules(
          instances.map((i) => ({ instance: facts(i.id, i.network), policy: i.policy })),
          settings,
        );
        const placed = rules.flatMap((rule) => rule.instanceIds.map((id) => ({ id, rule })));
        expect(placed.map((p) => p.id).sort()).toEqual(instances.map((i) => i.id).sort());
        for (const { id, rule } of placed) {
          const source = instances.find((i) => i.id === id);
          expect(rule.policy).toBe(source?.policy.name);
          expect(rule.metricName).toBe(UTILISATION_METRIC[source?.network ?? 'vpc']);
        }
        expect(new Set(rules.map((rule) => rule.ruleId)).size).toBe(rules.length);
        for (const rule of rules) expect(JSON.parse(String(ruleParams(rule).Resources))).toHaveLength(rule.instanceIds.length);
      }),
    );
  });

  it('refuses to build a rule without instances, which CloudMonitor would apply to the whole account', () => {
    const empty = { ...oldRule(), instanceIds: [] };
    expect(() => ruleParams(empty)).toThrow('rule bwscaler-retired has no instances');
  });
});
