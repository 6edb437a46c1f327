// The local CloudMonitor's contacts, contact groups and event-triggered alert rules: what each API
// accepts, what it refuses (and with which code), and the notices a matched custom event raises.
// Sources: local-cloud/cms/contacts.ts, local-cloud/cms/event-rules.ts, docs/reference/cloudmonitor.md §6.
import RPCClient from '@alicloud/pop-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../../local-cloud/cloud';
import { type Cms, createCms } from '../../../local-cloud/cms';
import type { RpcError } from '../../../local-cloud/model';
import { ctx, fleet, frozenClock, T0 } from './world';

let cms: Cms;

beforeEach(() => {
  cms = createCms({ clock: frozenClock(), instances: fleet() });
});

async function call(action: string, params: Record<string, string>, at = T0): Promise<Record<string, unknown>> {
  const handler = cms.handlers[action];
  if (!handler) throw new Error(`no handler for ${action}`);
  return (await handler(params, ctx(at, params))) as Record<string, unknown>;
}

async function refusal(action: string, params: Record<string, string>): Promise<{ status: number; code: string; message: string }> {
  try {
    await call(action, params);
  } catch (error) {
    const e = error as RpcError;
    return { status: e.status, code: e.code, message: e.message };
  }
  throw new Error(`${action} accepted ${JSON.stringify(params)}`);
}

const CONTACT = { ContactName: 'bwscaler_oncall', Describe: 'on call', 'Channels.Mail': 'ops@example.com' };
const GROUP = { ContactGroupName: 'bwscaler', 'ContactNames.1': 'bwscaler_oncall' };
const RULE = {
  RuleName: 'bwscaler-needs-human',
  EventType: 'CUSTOM',
  'EventPattern.1.Product': 'CustomEvent',
  'EventPattern.1.NameList.1': 'bwscaler_needs_human',
  SilenceTime: '3600',
};
const TARGET = {
  RuleName: 'bwscaler-needs-human',
  'ContactParameters.1.Id': '1',
  'ContactParameters.1.ContactGroupName': 'bwscaler',
  'ContactParameters.1.Level': '4',
};

async function setUpRule(): Promise<void> {
  await call('PutContact', CONTACT);
  await call('PutContactGroup', GROUP);
  await call('PutEventRule', RULE);
  await call('PutEventRuleTargets', TARGET);
}

describe('contacts and contact groups', () => {
  it('creates a contact, then a group of it, and lists both in the documented shapes', async () => {
    // Act
    await call('PutContact', { ...CONTACT, 'Channels.DingWebHook': 'https://oapi.dingtalk.com/robot/send?access_token=x' });
    await call('PutContactGroup', { ...GROUP, Describe: 'bwscaler alarms' });
    const contacts = await call('DescribeContactList', { ContactName: 'bwscaler_oncall' });
    const groups = await call('DescribeContactGroupList', {});

    // Assess
    expect(contacts).toMatchObject({
      Code: '200',
      Success: true,
      Total: 1,
      Contacts: {
        Contact: [{ Name: 'bwscaler_oncall', Desc: 'on call', Channels: { Mail: 'ops@example.com' }, ContactGroups: { ContactGroup: ['bwscaler'] } }],
      },
    });
    expect(groups).toMatchObject({
      Total: 1,
      ContactGroups: { ContactGroup: ['bwscaler'] },
      ContactGroupList: { ContactGroup: [{ Name: 'bwscaler', Describe: 'bwscaler alarms', Contacts: { Contact: ['bwscaler_oncall'] } }] },
    });
  });

  it('modifies a contact put again under the same name instead of adding one', async () => {
    // Act
    await call('PutContact', CONTACT);
    await call('PutContact', { ...CONTACT, 'Channels.Mail': 'oncall@example.com' });

    // Assess
    const listed = (await call('DescribeContactList', {})) as { Total: number; Contacts: { Contact: Array<{ Channels: { Mail: string } }> } };
    expect(listed.Total).toBe(1);
    expect(listed.Contacts.Contact[0]?.Channels.Mail).toBe('oncall@example.com');
  });

  const refusals: Array<{ name: string; action: string; params: Record<string, string>; code: string; text: string }> = [
    {
      name: 'a contact without a name',
      action: 'PutContact',
      params: { Describe: 'x', 'Channels.Mail': 'a@b.cn' },
      code: 'MissingParameter',
      text: 'ContactName',
    },
    {
      name: 'a contact name with a hyphen',
      action: 'PutContact',
      params: { ...CONTACT, ContactName: 'bw-oncall' },
      code: 'InvalidParameter',
      text: 'starting with a letter',
    },
    {
      name: 'a contact without a description',
      action: 'PutContact',
      params: { ContactName: 'ops', 'Channels.Mail': 'a@b.cn' },
      code: 'MissingParameter',
      text: 'Describe',
    },
    {
      name: 'a contact with neither email nor DingTalk',
      action: 'PutContact',
      params: { ContactName: 'ops', Describe: 'x', 'Channels.SMS': '13333333333' },
      code: 'MissingParameter',
      text: 'Channels.Mail',
    },
    { name: 'an email that is not one', action: 'PutContact', params: { ...CONTACT, 'Channels.Mail': 'ops' }, code: 'InvalidParameter', text: 'email address' },
    {
      name: 'a DingTalk webhook over http',
      action: 'PutContact',
      params: { ...CONTACT, 'Channels.DingWebHook': 'http://oapi.dingtalk.com/robot/send' },
      code: 'InvalidParameter',
      text: 'https',
    },
    {
      name: 'a group of a contact that does not exist',
      action: 'PutContactGroup',
      params: GROUP,
      code: 'InvalidParameterValue',
      text: 'no alert contact is named "bwscaler_oncall"',
    },
    { name: 'a group without a name', action: 'PutContactGroup', params: {}, code: 'MissingParameter', text: 'ContactGroupName' },
    {
      name: 'contact names with a gap',
      action: 'PutContactGroup',
      params: { ContactGroupName: 'g', 'ContactNames.2': 'x' },
      code: 'InvalidParameter',
      text: 'ContactNames.1 is missing',
    },
  ];

  it.each(refusals)('refuses $name with $code', async ({ action, params, code, text }) => {
    // Act
    const error = await refusal(action, params);

    // Assess
    expect(error.status).toBeGreaterThanOrEqual(400);
    expect(error.code).toBe(code);
    expect(error.message).toContain(text);
  });
});

describe('event-triggered alert rules', () => {
  it('creates a custom-event rule with a contact-group target and lists it in the SDK model shape', async () => {
    // Act
    await setUpRule();
    const rules = await call('DescribeEventRuleList', { NamePrefix: 'bwscaler-' });
    const targets = await call('DescribeEventRuleTargetList', { RuleName: 'bwscaler-needs-human' });

    // Assess
    expect(rules).toMatchObject({
      Total: 1,
      EventRules: {
        EventRule: [
          {
            Name: 'bwscaler-needs-human',
            EventType: 'CUSTOM',
            State: 'ENABLED',
            SilenceTime: 3600,
            EventPattern: { EventPattern: [{ Product: 'CustomEvent', NameList: { NameList: ['bwscaler_needs_human'] } }] },
          },
        ],
      },
    });
    expect(targets).toMatchObject({ ContactParameters: { ContactParameter: [{ Id: '1', ContactGroupName: 'bwscaler', Level: '4' }] } });
  });

  it('keeps the targets when the rule is put again, and modifies it in place', async () => {
    // Prepare
    await setUpRule();

    // Act
    await call('PutEventRule', { ...RULE, SilenceTime: '7200' });

    // Assess
    const [rule] = cms.eventRules.rules();
    expect(cms.eventRules.rules()).toHaveLength(1);
    expect(rule).toMatchObject({ silenceTimeSeconds: 7200, contactTargets: [{ contactGroupName: 'bwscaler' }] });
  });

  it('pages DescribeEventRuleList by 10 unless told, and filters by NamePrefix', async () => {
    // Prepare
    for (let i = 0; i < 12; i++) await call('PutEventRule', { ...RULE, RuleName: `bwscaler-r${String(i).padStart(2, '0')}` });
    await call('PutEventRule', { ...RULE, RuleName: 'other-rule' });

    // Act
    const first = (await call('DescribeEventRuleList', { NamePrefix: 'bwscaler-' })) as { Total: number; EventRules: { EventRule: unknown[] } };
    const second = (await call('DescribeEventRuleList', { NamePrefix: 'bwscaler-', PageNumber: '2' })) as { EventRules: { EventRule: unknown[] } };

    // Assess
    expect(first.Total).toBe(12);
    expect(first.EventRules.EventRule).toHaveLength(10);
    expect(second.EventRules.EventRule).toHaveLength(2);
  });

  it('deletes the rules named, ignores unknown names, and leaves the others', async () => {
    // Prepare
    await setUpRule();
    await call('PutEventRule', { ...RULE, RuleName: 'keep-me' });

    // Act
    await call('DeleteEventRules', { 'RuleNames.1': 'bwscaler-needs-human', 'RuleNames.2': 'never-was' });

    // Assess
    expect(cms.eventRules.rules().map((rule) => rule.name)).toEqual(['keep-me']);
  });

  const refusals: Array<{ name: string; action: string; params: Record<string, string>; code: string; text: string }> = [
    { name: 'a rule without a name', action: 'PutEventRule', params: { 'EventPattern.1.Product': 'ecs' }, code: 'MissingParameter', text: 'RuleName' },
    { name: 'a rule without a pattern', action: 'PutEventRule', params: { RuleName: 'r' }, code: 'MissingParameter', text: 'EventPattern.1.Product' },
    {
      name: 'a pattern without a product',
      action: 'PutEventRule',
      params: { RuleName: 'r', 'EventPattern.1.NameList.1': 'x' },
      code: 'MissingParameter',
      text: 'EventPattern.1.Product',
    },
    {
      name: 'a custom rule that names no event',
      action: 'PutEventRule',
      params: { ...RULE, 'EventPattern.1.NameList.1': '' },
      code: 'MissingParameter',
      text: 'NameList.1',
    },
    {
      name: 'a custom rule with a level list',
      action: 'PutEventRule',
      params: { ...RULE, 'EventPattern.1.LevelList.1': 'CRITICAL' },
      code: 'UnsupportedParameter',
      text: 'no level',
    },
    { name: 'an SQL filter', action: 'PutEventRule', params: { ...RULE, 'EventPattern.1.SQLFilter': 'x' }, code: 'UnsupportedParameter', text: 'Log Service' },
    { name: 'an unknown event type', action: 'PutEventRule', params: { ...RULE, EventType: 'USER' }, code: 'InvalidParameter', text: 'SYSTEM, CUSTOM' },
    {
      name: 'an unknown level',
      action: 'PutEventRule',
      params: { RuleName: 'r', 'EventPattern.1.Product': 'ecs', 'EventPattern.1.LevelList.1': 'FATAL' },
      code: 'InvalidParameter',
      text: 'CRITICAL',
    },
    {
      name: 'a typo in a pattern field',
      action: 'PutEventRule',
      params: { ...RULE, 'EventPattern.1.Names.1': 'x' },
      code: 'InvalidParameter',
      text: 'unknown field',
    },
    {
      name: 'targets on a rule that does not exist',
      action: 'PutEventRuleTargets',
      params: TARGET,
      code: 'InvalidParameterValue',
      text: 'no event-triggered alert rule',
    },
    { name: 'deleting with no name', action: 'DeleteEventRules', params: {}, code: 'MissingParameter', text: 'RuleNames.1' },
  ];

  it.each(refusals)('refuses $name with $code', async ({ action, params, code, text }) => {
    // Act
    const error = await refusal(action, params);

    // Assess
    expect(error.code).toBe(code);
    expect(error.message).toContain(text);
  });

  const targetRefusals: Array<{ name: string; params: Record<string, string>; code: string; status: number }> = [
    {
      name: 'a contact group that does not exist',
      params: { ...TARGET, 'ContactParameters.1.ContactGroupName': 'nobody' },
      code: 'ContactGroup.NotExists',
      status: 404,
    },
    { name: 'an undocumented contact level', params: { ...TARGET, 'ContactParameters.1.Level': '9' }, code: 'InvalidParameter', status: 400 },
    { name: 'a target without an Id', params: { ...TARGET, 'ContactParameters.1.Id': '' }, code: 'MissingParameter', status: 400 },
    { name: 'a sixth target', params: { ...TARGET, 'ContactParameters.6.Id': '6' }, code: 'InvalidParameter', status: 400 },
    { name: 'a Function Compute target', params: { ...TARGET, 'FcParameters.1.Id': '1' }, code: 'UnsupportedParameter', status: 400 },
    { name: 'no target at all', params: { RuleName: 'bwscaler-needs-human' }, code: 'MissingParameter', status: 400 },
  ];

  it.each(targetRefusals)('refuses targets with $name ($code)', async ({ params, code, status }) => {
    // Prepare
    await call('PutContact', CONTACT);
    await call('PutContactGroup', GROUP);
    await call('PutEventRule', RULE);

    // Act
    const error = await refusal('PutEventRuleTargets', params);

    // Assess
    expect([error.status, error.code]).toEqual([status, code]);
  });
});

describe('notices of custom-event rules', () => {
  it('notifies the contact group when a matching custom event arrives, once per SilenceTime', async () => {
    // Prepare
    await setUpRule();
    const put = (at: number, name = 'bwscaler_needs_human') =>
      call('PutCustomEvent', { 'EventInfo.1.EventName': name, 'EventInfo.1.Content': '{"instanceId":"i-1","reason":"ACCOUNT_ARREARS"}' }, at);

    // Act
    await put(T0);
    await put(T0 + 60_000); // inside SilenceTime: silenced
    await put(T0 + 120_000, 'bwscaler_applied'); // not in the rule's NameList
    await put(T0 + 3_600_000); // SilenceTime over

    // Assess
    const notices = cms.eventRules.notices();
    expect(notices.map((n) => n.at)).toEqual([T0, T0 + 3_600_000]);
    expect(notices[0]).toMatchObject({
      ruleName: 'bwscaler-needs-human',
      eventName: 'bwscaler_needs_human',
      // The email is not activated (the recipient never clicked the link): nothing reaches it yet.
      contactGroups: [{ name: 'bwscaler', contacts: [{ name: 'bwscaler_oncall', channels: [] }] }],
    });
  });

  it('raises nothing from a disabled rule', async () => {
    // Prepare
    await setUpRule();
    await call('PutEventRule', { ...RULE, State: 'DISABLED' });

    // Act
    await call('PutCustomEvent', { 'EventInfo.1.EventName': 'bwscaler_needs_human', 'EventInfo.1.Content': 'x' });

    // Assess
    expect(cms.eventRules.notices()).toEqual([]);
  });
});

describe('through @alicloud/pop-core (signed RPC)', () => {
  let cloud: LocalCloud;
  let client: RPCClient;

  beforeAll(async () => {
    cloud = await startLocalCloud({ start: T0, fixture: { instances: [] } });
    client = new RPCClient({
      endpoint: cloud.endpoints.cms,
      apiVersion: '2019-01-01',
      accessKeyId: cloud.endpoints.accessKeyId,
      accessKeySecret: cloud.endpoints.accessKeySecret,
    });
  });
  afterAll(async () => {
    (client as unknown as { keepAliveAgent?: { destroy(): void } }).keepAliveAgent?.destroy();
    await cloud?.close();
  });

  it('creates the contact, group, rule and target, and answers a refusal as a POP error', async () => {
    // Act
    for (const [action, params] of [
      ['PutContact', CONTACT],
      ['PutContactGroup', GROUP],
      ['PutEventRule', RULE],
      ['PutEventRuleTargets', TARGET],
    ] as const) {
      await client.request(action, { ...params }, { method: 'POST' });
    }
    const refused = await client.request('PutEventRuleTargets', { ...TARGET, 'ContactParameters.1.ContactGroupName': 'nobody' }, { method: 'POST' }).then(
      () => undefined,
      (error: { code?: string }) => error,
    );

    // Assess
    expect(cloud.cms.eventRules.rules()).toMatchObject([{ name: 'bwscaler-needs-human', contactTargets: [{ contactGroupName: 'bwscaler' }] }]);
    expect(refused?.code).toBe('ContactGroup.NotExists');
  });
});
