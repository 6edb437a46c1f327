import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Cms, createCms } from '../../../local-cloud/cms';
import type { RpcError } from '../../../local-cloud/model';
import { classic, ctx, fleet, frozenClock, instance, MINUTE, T0, USER_ID } from './world';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A callback receiver on 127.0.0.1: /ok answers 200, /fail answers 500, /hang never answers. */
let server: Server;
let base: string;
let received: Received[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      if (req.url === '/hang') return;
      res.statusCode = req.url === '/fail' ? 500 : 200;
      res.end('done');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
});

/**
 * 10 Mbit/s of bandwidth; demand is 2 Mbit/s (20 %) except in minutes 5-9 after T0, where it is
 * 20 Mbit/s (clipped: 100 %). With no reporting lag the newest visible minute at T0+n min is n-1.
 */
function burstCms(options: { callbackTimeoutMs?: number; network?: 'vpc' | 'classic' } = {}): Cms {
  const burst = [2, 2, 2, 2, 2, 20, 20, 20, 20, 20, 2, 2, 2, 2, 2];
  const demand = { kind: 'series', start: T0, stepSeconds: 60, mbps: burst } as const;
  const subject = options.network === 'vpc' ? instance('i-a', { demand }) : classic('i-a', { demand });
  return createCms({ clock: frozenClock(), instances: fleet(subject), userId: USER_ID }, { reportingLagSeconds: 0, retryDelayMs: 0, ...options });
}

const critical90x3 = {
  'Escalations.Critical.Statistics': 'Average',
  'Escalations.Critical.ComparisonOperator': 'GreaterThanOrEqualToThreshold',
  'Escalations.Critical.Threshold': '90',
  'Escalations.Critical.Times': '3',
};

function ruleParams(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    RuleId: 'rule-1',
    RuleName: 'bandwidth-saturated',
    Namespace: 'acs_ecs_dashboard',
    MetricName: 'InternetOutRate_Percent',
    Resources: '[{"instanceId":"i-a"}]',
    ContactGroups: 'bwscaler',
    Webhook: `${base}/ok`,
    ...critical90x3,
    ...overrides,
  };
}

/** Puts a rule; the account's `bwscaler` contact group is created first, as setup-alarms does. */
async function put(cms: Cms, params: Record<string, string>): Promise<unknown> {
  const group = { ContactGroupName: 'bwscaler' };
  await cms.handlers.PutContactGroup?.(group, ctx(T0, group));
  return cms.handlers.PutResourceMetricRule?.(params, ctx(T0, params));
}

async function rpcError(run: () => unknown): Promise<RpcError> {
  try {
    await run();
  } catch (error) {
    return error as RpcError;
  }
  throw new Error('expected an RpcError');
}

async function evaluateAt(cms: Cms, minutes: number[]): Promise<void> {
  for (const minute of minutes) await cms.alarms.evaluate(T0 + minute * MINUTE);
}

function form(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}

describe('PutResourceMetricRule', () => {
  const cms = burstCms();

  it('stores a rule and answers the CMS success body', async () => {
    // Act
    const body = await put(cms, ruleParams());
    // Assess
    expect(body).toMatchObject({ Code: '200', Success: true });
    expect(cms.alarms.rules()).toMatchObject([
      {
        ruleId: 'rule-1',
        metricName: 'InternetOutRate_Percent',
        periodSeconds: 60,
        resources: [{ instanceId: 'i-a' }],
        escalations: [{ level: 'CRITICAL', statistics: 'Average', comparisonOperator: 'GreaterThanOrEqualToThreshold', threshold: '90', times: 3 }],
        silenceTimeSeconds: 86_400,
      },
    ]);
  });

  it('refuses a rule whose contact group does not exist, and stores nothing', async () => {
    // Prepare
    const fresh = burstCms();
    const params = ruleParams({ RuleId: 'orphan', ContactGroups: 'no-such-group' });
    // Act
    const error = await rpcError(() => fresh.handlers.PutResourceMetricRule?.(params, ctx(T0, params)));
    // Assess
    expect(error).toMatchObject({ code: 'ContactGroup.NotExists', status: 404 });
    expect(error.message).toContain('no-such-group');
    expect(fresh.alarms.rules()).toEqual([]);
  });

  const allEscalations = Object.keys(critical90x3);
  it.each([
    { name: 'RuleId is required', overrides: { RuleId: '' }, code: 'MissingParameter', names: 'RuleId' },
    { name: 'ContactGroups is required, as in the real API', overrides: { ContactGroups: '' }, code: 'MissingParameter', names: 'ContactGroups' },
    { name: 'at least one escalation level is required', drop: allEscalations, code: 'MissingParameter', names: 'Escalations.Critical' },
    {
      name: 'a level needs all of Statistics, ComparisonOperator, Threshold and Times',
      drop: ['Escalations.Critical.Times'],
      code: 'MissingParameter',
      names: 'Escalations.Critical.Times',
    },
    {
      name: 'Statistics must be one the metric publishes (_Percent has only Average)',
      overrides: { 'Escalations.Critical.Statistics': 'Maximum' },
      code: 'InvalidParameter',
      names: 'Escalations.Critical.Statistics',
    },
    {
      name: 'an unknown comparison operator is refused',
      overrides: { 'Escalations.Critical.ComparisonOperator': 'AtLeast' },
      code: 'InvalidParameter',
      names: 'Escalations.Critical.ComparisonOperator',
    },
    {
      name: 'history operators are refused as not emulated',
      overrides: { 'Escalations.Critical.ComparisonOperator': 'GreaterThanYesterday' },
      code: 'UnsupportedParameter',
      names: 'GreaterThanYesterday',
    },
    { name: 'Threshold must be a number', overrides: { 'Escalations.Critical.Threshold': 'high' }, code: 'InvalidParameter', names: 'Threshold' },
    { name: 'Times must be a positive integer', overrides: { 'Escalations.Critical.Times': '0' }, code: 'InvalidParameter', names: 'Times' },
    { name: 'Webhook must be an http(s) URL', overrides: { Webhook: 'ftp://example.com/x' }, code: 'InvalidParameter', names: 'Webhook' },
    { name: 'SilenceTime is at least 3600 s', overrides: { SilenceTime: '60' }, code: 'InvalidParameter', names: 'SilenceTime' },
    { name: 'Period is a multiple of 60', overrides: { Period: '90' }, code: 'InvalidParameter', names: 'Period' },
    { name: 'Resources must be JSON', overrides: { Resources: 'i-a' }, code: 'InvalidParameter', names: 'Resources' },
    { name: 'an unknown metric is refused', overrides: { MetricName: 'cpu_total' }, code: 'InvalidParameter', names: 'MetricName' },
    {
      name: 'NoDataPolicy is one of KEEP_LAST_STATE, INSUFFICIENT_DATA and OK',
      overrides: { NoDataPolicy: 'ALARM' },
      code: 'InvalidParameter',
      names: 'NoDataPolicy',
    },
    { name: 'effective intervals are not emulated', overrides: { EffectiveInterval: '00:00-12:00' }, code: 'UnsupportedParameter', names: 'EffectiveInterval' },
  ] as Array<{ name: string; overrides?: Record<string, string>; drop?: string[]; code: string; names: string }>)(
    '$name',
    async ({ overrides, drop, code, names }) => {
      // Prepare
      const params = Object.fromEntries(Object.entries(ruleParams(overrides)).filter(([key]) => !drop?.includes(key)));
      // Act
      const error = await rpcError(() => put(cms, params));
      // Assess
      expect(error.status).toBe(400);
      expect(error.code).toBe(code);
      expect(error.message).toContain(names);
    },
  );
});

describe('DescribeMetricRuleList and DeleteMetricRules', () => {
  it('lists rules in the documented Alarm shape, filters by RuleIds, and deletes by Id.N', async () => {
    // Prepare
    const cms = burstCms();
    await put(cms, ruleParams({ RuleId: 'rule-1' }));
    await put(cms, ruleParams({ RuleId: 'rule-2', RuleName: 'other' }));
    await evaluateAt(cms, [8]);
    // Act
    const listed = (await cms.handlers.DescribeMetricRuleList?.({ RuleIds: 'rule-1' }, ctx(T0))) as { Total: string; Alarms: { Alarm: unknown[] } };
    const deleted = await cms.handlers.DeleteMetricRules?.({ 'Id.1': 'rule-1', 'Id.2': 'no-such-rule' }, ctx(T0));
    const after = (await cms.handlers.DescribeMetricRuleList?.({}, ctx(T0))) as { Total: string; Alarms: { Alarm: Array<{ RuleId: string }> } };
    // Assess
    expect(listed.Total).toBe('1');
    expect(listed.Alarms.Alarm).toEqual([
      expect.objectContaining({
        RuleId: 'rule-1',
        RuleName: 'bandwidth-saturated',
        Namespace: 'acs_ecs_dashboard',
        MetricName: 'InternetOutRate_Percent',
        Period: '60',
        Resources: '[{"instanceId":"i-a"}]',
        Webhook: `${base}/ok`,
        AlertState: 'ALARM',
        EnableState: true,
        Escalations: { Critical: { Statistics: 'Average', ComparisonOperator: 'GreaterThanOrEqualToThreshold', Threshold: '90', Times: 3 } },
      }),
    ]);
    expect(deleted).toMatchObject({ Code: '200', Success: true });
    expect(after.Alarms.Alarm.map((a) => a.RuleId)).toEqual(['rule-2']);
  });

  it('requires at least one Id.N to delete', async () => {
    const cms = burstCms();
    const error = await rpcError(() => cms.handlers.DeleteMetricRules?.({}, ctx(T0)));
    expect(error.code).toBe('MissingParameter');
    expect(error.message).toContain('Id.1');
  });
});

describe('alarm evaluation', () => {
  const warn50x1 = {
    'Escalations.Warn.Statistics': 'Average',
    'Escalations.Warn.ComparisonOperator': 'GreaterThanThreshold',
    'Escalations.Warn.Threshold': '50',
    'Escalations.Warn.Times': '1',
  };

  it.each([
    { name: 'stays quiet while fewer than Times periods breach', extra: {}, minutes: [6, 7], want: [] },
    { name: 'alerts once Times consecutive periods breach', extra: {}, minutes: [7, 8], want: [['ALERT', 'CRITICAL', 'OK']] },
    { name: 'does not repeat an alert inside SilenceTime', extra: {}, minutes: [8, 9, 10], want: [['ALERT', 'CRITICAL', 'OK']] },
    {
      name: 'recovers when the newest period no longer breaches',
      extra: {},
      minutes: [8, 11],
      want: [
        ['ALERT', 'CRITICAL', 'OK'],
        ['OK', 'OK', 'CRITICAL'],
      ],
    },
    {
      name: 'judges the datapoints, not the number of evaluations, when the clock jumps',
      extra: {},
      minutes: [9],
      want: [['ALERT', 'CRITICAL', 'OK']],
    },
    {
      name: 'escalates from WARN to CRITICAL as more periods breach',
      extra: warn50x1,
      minutes: [6, 7, 8, 11],
      want: [
        ['ALERT', 'WARN', 'OK'],
        ['ALERT', 'CRITICAL', 'WARN'],
        ['OK', 'OK', 'CRITICAL'],
      ],
    },
  ])('$name', async ({ extra, minutes, want }) => {
    // Prepare
    const cms = burstCms();
    await put(cms, ruleParams(extra));
    // Act
    await evaluateAt(cms, minutes);
    // Assess
    const bodies = received.map((r) => form(r.body));
    expect(bodies.map((b) => [b.alertState, b.triggerLevel, b.preTriggerLevel])).toEqual(want);
    expect(cms.deliveries().every((d) => d.outcome === 'delivered' && d.attempt === 1)).toBe(true);
  });

  it('POSTs the documented form-encoded callback fields', async () => {
    // Prepare
    const cms = burstCms();
    await put(cms, ruleParams());
    // Act
    await evaluateAt(cms, [8]);
    // Assess
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.path).toBe('/ok');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=UTF-8');
    const fields = form(request?.body ?? '');
    expect(fields).toEqual({
      alertName: 'bandwidth-saturated',
      alertState: 'ALERT',
      curValue: '100',
      dimensions: `{userId=${USER_ID}, instanceId=i-a}`,
      expression: '$Average>=90',
      instanceName: 'name-i-a',
      metricName: 'InternetOutRate_Percent',
      metricProject: 'acs_ecs_dashboard',
      namespace: 'acs_ecs_dashboard',
      preTriggerLevel: 'OK',
      ruleId: 'rule-1',
      signature: expect.stringMatching(/^[A-Za-z0-9+/]{27}=$/),
      timestamp: String((T0 + 8 * MINUTE) / 1000),
      triggerLevel: 'CRITICAL',
      userId: USER_ID,
    });
  });

  it('carries the ip dimension for VPC_PublicIP_* rules', async () => {
    const cms = burstCms({ network: 'vpc' });
    await put(cms, ruleParams({ MetricName: 'VPC_PublicIP_InternetOutRate_Percent' }));
    await evaluateAt(cms, [8]);
    expect(form(received[0]?.body ?? '').dimensions).toBe(`{userId=${USER_ID}, instanceId=i-a, ip=47.96.0.1}`);
  });

  it('notifies a lasting alert again once SilenceTime has passed', async () => {
    // Prepare: demand saturates the pipe from minute 5 on, for good.
    const subject = classic('i-a', { demand: { kind: 'series', start: T0, stepSeconds: 60, mbps: [2, 2, 2, 2, 2, 20] } });
    const cms = createCms({ clock: frozenClock(), instances: fleet(subject), userId: USER_ID }, { reportingLagSeconds: 0, retryDelayMs: 0 });
    await put(cms, ruleParams({ SilenceTime: '3600' }));
    // Act
    await evaluateAt(cms, [8, 8 + 59, 8 + 60]);
    // Assess
    expect(received.map((r) => form(r.body).timestamp)).toEqual([String((T0 + 8 * MINUTE) / 1000), String((T0 + 68 * MINUTE) / 1000)]);
  });

  it('tries once and retries three times when the receiver answers 500, recording each attempt', async () => {
    // Prepare
    const cms = burstCms();
    await put(cms, ruleParams({ Webhook: `${base}/fail` }));
    // Act
    await evaluateAt(cms, [8]);
    // Assess: "Cloud Monitor retries failed callbacks up to three times".
    expect(received).toHaveLength(4);
    expect(cms.deliveries().map((d) => [d.attempt, d.outcome, d.status])).toEqual([
      [1, 'failed', 500],
      [2, 'failed', 500],
      [3, 'failed', 500],
      [4, 'failed', 500],
    ]);
    // The state moved on regardless: the next evaluation does not re-raise the alert.
    await evaluateAt(cms, [9]);
    expect(received).toHaveLength(4);
  });

  it('gives up on a receiver that never answers after a try and three timed-out retries', async () => {
    // Prepare
    const cms = burstCms({ callbackTimeoutMs: 100 });
    await put(cms, ruleParams({ Webhook: `${base}/hang` }));
    // Act
    await evaluateAt(cms, [8]);
    // Assess
    expect(received).toHaveLength(4);
    expect(cms.deliveries().map((d) => [d.attempt, d.outcome, d.status])).toEqual([
      [1, 'failed', undefined],
      [2, 'failed', undefined],
      [3, 'failed', undefined],
      [4, 'failed', undefined],
    ]);
    expect(cms.deliveries()[0]?.error).toContain('no response within 100 ms');
  });

  it('records a refused connection as a failed attempt instead of throwing', async () => {
    const cms = burstCms();
    await put(cms, ruleParams({ Webhook: 'http://127.0.0.1:1/closed' }));
    await evaluateAt(cms, [8]);
    expect(cms.deliveries().map((d) => d.outcome)).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(cms.deliveries()[0]?.error).toBeTruthy();
  });

  it('delivers the same fields as an EventBridge CloudEvent when asked to', async () => {
    // Prepare
    const cms = burstCms();
    await put(cms, ruleParams({ Webhook: '', EmulatorEventBridgeUrl: `${base}/events` }));
    // Act
    await evaluateAt(cms, [8]);
    // Assess
    expect(received).toHaveLength(1);
    expect(received[0]?.headers['content-type']).toBe('application/cloudevents+json; charset=UTF-8');
    const event = JSON.parse(received[0]?.body ?? '{}') as Record<string, unknown>;
    expect(event).toMatchObject({
      specversion: '1.0',
      source: 'acs.cms',
      type: 'cms:CloudMonitor:AlertWebHook',
      time: new Date(T0 + 8 * MINUTE).toISOString(),
      aliyunaccountid: USER_ID,
      aliyunregionid: 'cn-hangzhou',
      data: { alertState: 'ALERT', triggerLevel: 'CRITICAL', ruleId: 'rule-1', dimensions: `{userId=${USER_ID}, instanceId=i-a}` },
    });
    expect(event.id).toEqual(expect.any(String));
    expect(cms.deliveries().map((d) => d.channel)).toEqual(['eventbridge']);
  });

  it('covers every instance when Resources is [{"resource":"_ALL"}]', async () => {
    // Prepare
    const busy = { kind: 'constant', mbps: 50 } as const;
    const cms = createCms(
      { clock: frozenClock(), instances: fleet(classic('i-x', { demand: busy }), classic('i-y', { demand: busy }), classic('i-idle')), userId: USER_ID },
      { reportingLagSeconds: 0, retryDelayMs: 0 },
    );
    await put(cms, ruleParams({ Resources: '[{"resource":"_ALL"}]' }));
    // Act
    await evaluateAt(cms, [8]);
    // Assess
    expect(received.map((r) => form(r.body).dimensions).sort()).toEqual([`{userId=${USER_ID}, instanceId=i-x}`, `{userId=${USER_ID}, instanceId=i-y}`]);
  });

  it('runs overlapping evaluations one after another, so a transition is notified once', async () => {
    const cms = burstCms();
    await put(cms, ruleParams());
    await Promise.all([cms.alarms.evaluate(T0 + 8 * MINUTE), cms.alarms.evaluate(T0 + 8 * MINUTE)]);
    expect(received).toHaveLength(1);
  });
});

describe('no data', () => {
  /** A collector outage on i-a from minute 10 on: the newest visible minute at T0+n min is n-1. */
  async function outageAfterAlert(noDataPolicy: string | undefined, minutes: number[]): Promise<Cms> {
    const cms = burstCms();
    await put(cms, ruleParams(noDataPolicy === undefined ? {} : { NoDataPolicy: noDataPolicy }));
    cms.suppressData('i-a', T0 + 10 * MINUTE);
    await evaluateAt(cms, minutes);
    return cms;
  }

  it.each([
    {
      name: 'INSUFFICIENT_DATA sends an INSUFFICIENT_DATA notice once the newest period has no point, once',
      policy: 'INSUFFICIENT_DATA',
      want: [
        ['ALERT', 'CRITICAL', 'OK', '100'],
        ['INSUFFICIENT_DATA', 'INSUFFICIENT_DATA', 'CRITICAL', ''],
      ],
    },
    {
      name: 'OK treats no data as normal and sends the recovery',
      policy: 'OK',
      want: [
        ['ALERT', 'CRITICAL', 'OK', '100'],
        ['OK', 'OK', 'CRITICAL', ''],
      ],
    },
    { name: 'KEEP_LAST_STATE (the default) sends nothing', policy: undefined, want: [['ALERT', 'CRITICAL', 'OK', '100']] },
  ])('NoDataPolicy $name', async ({ policy, want }) => {
    // Act: the alert fires at minute 8; minutes 10 and later are never published.
    await outageAfterAlert(policy, [8, 12, 13, 20]);
    // Assess
    expect(received.map((r) => form(r.body)).map((b) => [b.alertState, b.triggerLevel, b.preTriggerLevel, b.curValue])).toEqual(want);
  });

  it('sends OK when data returns after INSUFFICIENT_DATA and the rule no longer breaches', async () => {
    // Prepare: the outage covers minutes 10-11 only.
    const cms = burstCms();
    await put(cms, ruleParams({ NoDataPolicy: 'INSUFFICIENT_DATA' }));
    cms.suppressData('i-a', T0 + 10 * MINUTE, T0 + 12 * MINUTE);
    // Act
    await evaluateAt(cms, [8, 11, 14]);
    // Assess
    expect(received.map((r) => form(r.body).alertState)).toEqual(['ALERT', 'INSUFFICIENT_DATA', 'OK']);
    const listed = (await cms.handlers.DescribeMetricRuleList?.({}, ctx(T0))) as { Alarms: { Alarm: Array<{ NoDataPolicy: string }> } };
    expect(listed.Alarms.Alarm.map((rule) => rule.NoDataPolicy)).toEqual(['INSUFFICIENT_DATA']);
  });

  it('judges a VPC instance whose public IP is gone as having no data', async () => {
    // Prepare
    const subject = instance('i-a', { demand: { kind: 'constant', mbps: 20 } });
    const cms = createCms({ clock: frozenClock(), instances: fleet(subject), userId: USER_ID }, { reportingLagSeconds: 0, retryDelayMs: 0 });
    await put(cms, ruleParams({ MetricName: 'VPC_PublicIP_InternetOutRate_Percent', NoDataPolicy: 'INSUFFICIENT_DATA' }));
    // Act: alert, then the address is released (a VPC instance downgraded to 0 Mbit/s).
    await evaluateAt(cms, [8]);
    subject.PublicIpAddress = [];
    await evaluateAt(cms, [9]);
    // Assess
    expect(received.map((r) => [form(r.body).alertState, form(r.body).dimensions])).toEqual([
      ['ALERT', `{userId=${USER_ID}, instanceId=i-a, ip=47.96.0.1}`],
      ['INSUFFICIENT_DATA', `{userId=${USER_ID}, instanceId=i-a}`],
    ]);
  });

  it('does not alert on a rule whose metric the instance does not report (classic metric, VPC instance)', async () => {
    const subject = instance('i-a', { demand: { kind: 'constant', mbps: 20 } });
    const cms = createCms({ clock: frozenClock(), instances: fleet(subject), userId: USER_ID }, { reportingLagSeconds: 0, retryDelayMs: 0 });
    await put(cms, ruleParams({ MetricName: 'InternetOutRate_Percent', NoDataPolicy: 'INSUFFICIENT_DATA' }));
    await evaluateAt(cms, [8, 9]);
    expect(received).toEqual([]);
  });
});
