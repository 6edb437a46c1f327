import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors';
import { type AlarmCallback, alarmEventKey, CMS_ALERT_EVENT_TYPE, decodeEventBridgeAlert, parseCloudMonitorCallback, toMetricSample } from '../../src/events';

const FORM = 'application/x-www-form-urlencoded; charset=UTF-8';

/** The documented form body (docs/reference/alibaba-cloud.md §4.3), values URL-encoded as a real POST would carry them. */
function formBody(overrides: Record<string, string | undefined> = {}): string {
  const fields: Record<string, string | undefined> = {
    expression: '$Average>=80',
    metricName: 'VPC_PublicIP_InternetOutRate_Percent',
    instanceName: 'web-1',
    signature: 'eEq1zHuCUp0XSmLD8p8VtTKF',
    metricProject: 'acs_ecs_dashboard',
    userId: '1234567',
    curValue: '97.39',
    alertName: 'bandwidth-high',
    namespace: 'acs_ecs_dashboard',
    triggerLevel: 'WARN',
    alertState: 'ALERT',
    preTriggerLevel: 'WARN',
    ruleId: 'rule-42',
    dimensions: '{userId=1234567, instanceId=i-bp1abc}',
    timestamp: '1508136760',
    ...overrides,
  };
  const defined = Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return new URLSearchParams(defined).toString();
}

const expectedFromForm: AlarmCallback = {
  alertName: 'bandwidth-high',
  alertState: 'ALERT',
  metricName: 'VPC_PublicIP_InternetOutRate_Percent',
  namespace: 'acs_ecs_dashboard',
  curValue: 97.39,
  instanceId: 'i-bp1abc',
  userId: '1234567',
  ruleId: 'rule-42',
  timestamp: 1508136760_000,
  expression: '$Average>=80',
  triggerLevel: 'WARN',
};

describe('parseCloudMonitorCallback', () => {
  const valid: Array<{ name: string; body: string; contentType: string | undefined; expected: Partial<AlarmCallback> }> = [
    { name: 'the documented form body', body: formBody(), contentType: FORM, expected: expectedFromForm },
    {
      name: "the doc sample's raw text, unencoded, with the stray ')' in dimensions",
      body:
        'expression=$Average>=95&metricName=VPC_PublicIP_InternetOutRate&instanceName=instance-name-****&signature=eEq1zHuCUp0XSmLD8p8VtTKF****' +
        '&metricProject=acs_ecs_dashboard&userId=12****&curValue=97.39&alertName=Basic monitoring-ECS-out&namespace=acs_ecs_dashboard&triggerLevel=WARN' +
        '&alertState=ALERT&preTriggerLevel=WARN&ruleId=applyTemplateee147e59-664f-4033-a1be-e9595746****&dimensions={userId=12****), instanceId=i-12****}&timestamp=1508136760',
      contentType: FORM,
      expected: { instanceId: 'i-12', curValue: 97.39, alertState: 'ALERT', timestamp: 1508136760_000, expression: '$Average>=95' },
    },
    {
      name: 'the older JSON variant: ALARM state, JSON dimensions and expression list, metricProject only',
      body: JSON.stringify({
        alertName: 'bw',
        alertState: 'ALARM',
        curValue: '91.5',
        dimensions: [{ userId: '12345', instanceId: 'i-12345' }],
        expression: [{ expression: '$Average>90', level: 4, times: 2 }],
        metricName: 'InternetOutRate_Percent',
        metricProject: 'acs_ecs_dashboard',
        timestamp: '1508136760',
      }),
      contentType: 'application/json',
      expected: { alertState: 'ALERT', instanceId: 'i-12345', userId: '12345', namespace: 'acs_ecs_dashboard', expression: '$Average>90', ruleId: 'bw' },
    },
    {
      name: 'a JSON body sent without a content type',
      body: JSON.stringify({ ...Object.fromEntries(new URLSearchParams(formBody())) }),
      contentType: undefined,
      expected: expectedFromForm,
    },
    { name: 'an OK state', body: formBody({ alertState: 'OK' }), contentType: FORM, expected: { alertState: 'OK' } },
    {
      name: 'an INSUFFICIENT_DATA state',
      body: formBody({ alertState: 'INSUFFICIENT_DATA' }),
      contentType: FORM,
      expected: { alertState: 'INSUFFICIENT_DATA' },
    },
    { name: 'a timestamp already in milliseconds', body: formBody({ timestamp: '1508136760123' }), contentType: FORM, expected: { timestamp: 1508136760123 } },
    {
      name: 'dimensions with the instance only (userId from the body)',
      body: formBody({ dimensions: '{instanceId=i-x}' }),
      contentType: FORM,
      expected: { instanceId: 'i-x', userId: '1234567' },
    },
    {
      name: 'dimensions as a JSON string inside a form',
      body: formBody({ dimensions: '[{"instanceId":"i-json"}]' }),
      contentType: FORM,
      expected: { instanceId: 'i-json' },
    },
  ];

  it.each(valid)('decodes $name', ({ body, contentType, expected }) => {
    const callback = parseCloudMonitorCallback(body, contentType);

    expect(callback).toMatchObject(expected);
  });

  const malformed: Array<{ name: string; body: string; contentType?: string; mentions: string }> = [
    { name: 'no dimensions', body: formBody({ dimensions: undefined }), mentions: 'dimensions: expected exactly one instanceId, found none' },
    { name: 'two instances', body: formBody({ dimensions: '[{"instanceId":"i-a"},{"instanceId":"i-b"}]' }), mentions: 'found i-a, i-b' },
    { name: 'an unknown alert state', body: formBody({ alertState: 'FIRING' }), mentions: 'alertState' },
    { name: 'a non-numeric curValue', body: formBody({ curValue: 'high' }), mentions: 'curValue' },
    { name: 'no timestamp', body: formBody({ timestamp: undefined }), mentions: 'timestamp' },
    { name: 'no metricName', body: formBody({ metricName: undefined }), mentions: 'metricName' },
    { name: 'neither namespace nor metricProject', body: formBody({ namespace: undefined, metricProject: undefined }), mentions: 'namespace' },
    { name: 'neither ruleId nor alertName', body: formBody({ ruleId: undefined, alertName: undefined }), mentions: 'ruleId' },
    { name: 'broken JSON', body: '{"alertState":', contentType: 'application/json', mentions: 'not JSON' },
  ];

  it.each(malformed)('rejects $name with a ValidationError naming it', ({ body, contentType = FORM, mentions }) => {
    const act = () => parseCloudMonitorCallback(body, contentType);

    expect(act).toThrow(ValidationError);
    expect(act).toThrow(mentions);
  });
});

describe('decodeEventBridgeAlert', () => {
  const envelope = (data: unknown, overrides: Record<string, unknown> = {}) => ({
    specversion: '1.0',
    id: 'evt-1',
    source: 'acs.cms',
    type: CMS_ALERT_EVENT_TYPE,
    datacontenttype: 'application/json; charset=utf-8',
    time: '2027-01-01T12:00:00Z',
    aliyunaccountid: '1234567',
    data,
    ...overrides,
  });
  const fields = Object.fromEntries(new URLSearchParams(formBody()));

  const valid = [
    { name: 'data as an object', event: envelope(fields) },
    { name: 'data as a JSON string', event: envelope(JSON.stringify(fields)) },
    { name: 'data as the form text', event: envelope(formBody()) },
    { name: 'the whole event as a Buffer', event: Buffer.from(JSON.stringify(envelope(fields))) },
    { name: 'numbers where the callback has strings', event: envelope({ ...fields, curValue: 97.39, timestamp: 1508136760, userId: 1234567 }) },
  ];

  it.each(valid)('decodes $name into the same AlarmCallback as the HTTP callback', ({ event }) => {
    expect(decodeEventBridgeAlert(event)).toEqual(expectedFromForm);
  });

  const malformed = [
    { name: 'another event type', event: envelope(fields, { type: 'ecs:Instance:StateChange' }), mentions: 'type' },
    { name: 'another CloudEvents version', event: envelope(fields, { specversion: '0.3' }), mentions: 'specversion' },
    { name: 'no data', event: envelope(undefined), mentions: 'data' },
    { name: 'data without an instance', event: envelope({ ...fields, dimensions: '{userId=1}' }), mentions: 'EventBridge event.data.dimensions' },
  ];

  it.each(malformed)('rejects $name with a ValidationError naming it', ({ event, mentions }) => {
    expect(() => decodeEventBridgeAlert(event)).toThrow(ValidationError);
    expect(() => decodeEventBridgeAlert(event)).toThrow(mentions);
  });
});

describe('alarmEventKey', () => {
  it("is the same for CloudMonitor's retries of one alert", () => {
    const first = parseCloudMonitorCallback(formBody(), FORM);
    const retry = parseCloudMonitorCallback(formBody({ signature: 'another-signature' }), FORM);

    expect(alarmEventKey(retry)).toBe(alarmEventKey(first));
  });

  const differing = [
    { name: 'another rule', change: { ruleId: 'rule-43' } },
    { name: 'another instance', change: { dimensions: '{instanceId=i-other}' } },
    { name: 'another state', change: { alertState: 'OK' } },
    { name: 'another evaluation time', change: { timestamp: '1508136820' } },
  ];

  it.each(differing)('differs for $name', ({ change }) => {
    const base = parseCloudMonitorCallback(formBody(), FORM);
    const other = parseCloudMonitorCallback(formBody(change), FORM);

    expect(alarmEventKey(other)).not.toBe(alarmEventKey(base));
  });
});

describe('toMetricSample', () => {
  const callback = (metricName: string, curValue: number): AlarmCallback => ({ ...expectedFromForm, metricName, curValue });

  const rows = [
    { name: 'a VPC percent metric is relative to the bandwidth', metric: 'VPC_PublicIP_InternetOutRate_Percent', value: 80, mbps: 10, outBps: 8_000_000 },
    { name: 'a classic percent metric is relative to the bandwidth', metric: 'InternetOutRate_Percent', value: 50, mbps: 4, outBps: 2_000_000 },
    { name: 'a VPC rate metric is already bit/s', metric: 'VPC_PublicIP_InternetOutRate', value: 5_500_000, mbps: 10, outBps: 5_500_000 },
    { name: 'a classic rate metric is already bit/s', metric: 'InternetOutRate', value: 1234, mbps: 10, outBps: 1234 },
  ];

  it.each(rows)('$name', ({ metric, value, mbps, outBps }) => {
    expect(toMetricSample(callback(metric, value), mbps)).toEqual({ at: expectedFromForm.timestamp, outBps });
  });

  it('refuses a metric that is not outbound bandwidth', () => {
    expect(() => toMetricSample(callback('cpu_total', 99), 10)).toThrow(ValidationError);
    expect(() => toMetricSample(callback('cpu_total', 99), 10)).toThrow('cpu_total is not an outbound bandwidth metric');
  });
});
