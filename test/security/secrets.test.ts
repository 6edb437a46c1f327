// No output carries a credential, in any encoding, when errors come back in the shapes Alibaba Cloud
// really uses. The real SignatureDoesNotMatch message quotes the server's string to sign, in which
// every parameter is percent-encoded twice ("…%26SecurityToken%3DCAIS%252Fab…%26…"; a captured one:
// github.com/NewFuture/DDNS/issues/57), and pop-core's GET errors carry the signed URL, encoded once.
// Every output channel is fed such texts: log lines, the schedule and alarm functions' return values,
// CLI output, the HTML report and notifications.
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/command';
import type { Config } from '../../src/config';
import { CloudApiError } from '../../src/errors';
import { CMS_ALERT_EVENT_TYPE } from '../../src/events';
import { alarmHandler } from '../../src/handlers/alarm';
import type { FcContext } from '../../src/handlers/middleware';
import type { Runtime } from '../../src/handlers/runtime';
import { scheduleHandler } from '../../src/handlers/schedule';
import { createLogger } from '../../src/log';
import { createNotifier } from '../../src/notify/notifier';
import { renderReport } from '../../src/report/html';
import { policy } from '../cycle/fixtures';
import { fakeWorld, T0 } from '../fakes/cycle-deps';
import { instanceFacts } from '../fakes/instance-api';
import { makeReport, makeInstance as makeReportInstance } from '../report/report-data';

// Credentials shaped like real STS ones, with the characters that encode: '/', '+' and '='.
const ACCESS_KEY_ID = 'STS.NTest/KeyId+0001=';
const SECRET = 'Sec/ret+Key=Value0123456789abcdefXYZ=';
const TOKEN = 'CAIS/Test+Token=Part2/ZmFrZVN0c1Rva2Vu+Rm9yVGVzdA==';
const SIGNATURE = 'Sig/Na+Ture0123456789abcd=';

/** pop-core's percent encoding (RFC 3986). */
function encode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Every form a credential may take in output: raw, URL-encoded once, twice and three times. */
function forms(secret: string): string[] {
  const once = encode(secret);
  return [secret, encodeURIComponent(secret), once, encode(once), encode(encode(once))];
}
const FORBIDDEN = [SECRET, TOKEN, SIGNATURE].flatMap(forms);

function leaks(text: string): string[] {
  return FORBIDDEN.filter((form) => text.includes(form));
}

/** The body Alibaba Cloud answers a wrong signature with (a GET request with an STS token). */
function signatureDoesNotMatch(): string {
  const params: Record<string, string> = {
    AccessKeyId: ACCESS_KEY_ID,
    Action: 'DescribeInstances',
    Format: 'JSON',
    RegionId: 'cn-hangzhou',
    SecurityToken: TOKEN,
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: '217f3bb4-f3e6-4479-9bac-2bfa68122c54',
    SignatureVersion: '1.0',
    Timestamp: '2026-12-06T20:00:00Z',
    Version: '2014-05-26',
  };
  const canonical = Object.keys(params)
    .sort()
    .map((key) => `${encode(key)}=${encode(params[key] as string)}`)
    .join('&');
  return `Specified signature is not matched with our calculation. server string to sign is:GET&${encode('/')}&${encode(canonical)}`;
}

/** pop-core's message for a failed GET: the signed URL, parameters encoded once. */
function signedUrlError(): string {
  return `connect ECONNRESET GET http://ecs.cn-hangzhou.aliyuncs.com/?AccessKeyId=${encode(ACCESS_KEY_ID)}&SecurityToken=${encode(TOKEN)}&Signature=${encode(SIGNATURE)}&Action=DescribeInstances failed.`;
}

/** A text dump of an SDK config object (util.inspect style). */
function sdkDump(): string {
  return `{ accessKeyId: '${ACCESS_KEY_ID}', accessKeySecret: '${SECRET}', securityToken: '${TOKEN}' }`;
}

const TEXTS = [
  { name: 'SignatureDoesNotMatch with the server string to sign', text: signatureDoesNotMatch() },
  { name: 'a signed GET URL in a transport error', text: signedUrlError() },
  { name: 'an SDK config dump', text: sdkDump() },
];

describe('no credential in any output', () => {
  it('the test texts do carry the credentials (the checks below could fail)', () => {
    for (const { text } of TEXTS) expect(leaks(text).length).toBeGreaterThan(0);
  });

  it.each(TEXTS)('log lines: $name, with no secret registered', ({ text }) => {
    // Prepare: the CLI and the adapters redact by pattern alone.
    const lines: string[] = [];
    const logger = createLogger((line) => lines.push(line));

    // Act
    logger.error('call failed', {
      error: new CloudApiError(`DescribeInstances failed: SignatureDoesNotMatch: ${text}`, 'SignatureDoesNotMatch', 'auth'),
      text,
    });

    // Assess
    expect(lines.join('\n')).toContain('call failed');
    expect(leaks(lines.join('\n'))).toEqual([]);
  });

  it.each(TEXTS)('the schedule function return value and its log: $name', async ({ text }) => {
    // Prepare: DescribeInstances fails with the text, as the adapter would throw it.
    const world = fakeWorld([instanceFacts({ instanceId: 'i-1' })]);
    world.ecs.describeInstances = async () => {
      throw new CloudApiError(`DescribeInstances failed: SignatureDoesNotMatch: ${text}`, 'SignatureDoesNotMatch', 'auth');
    };
    const lines: string[] = [];
    const logger = createLogger((line) => lines.push(line));
    const runtime: Runtime = {
      config: {} as Config,
      doc: { source: 'test', policies: [policy({ selector: { regionId: 'cn-hangzhou', instanceIds: ['i-1'] } })] },
      logger,
      deps: { ...world.deps, log: ({ level, msg, ...fields }) => logger[level](msg, fields) },
      useCredentials: () => undefined,
    };
    const context: FcContext = { requestId: 'r-1', runtime };

    // Act
    const result = await scheduleHandler(Buffer.from(JSON.stringify({ triggerTime: new Date(T0).toISOString(), triggerName: 'tick', payload: '' })), context);

    // Assess
    const returned = JSON.stringify(result);
    expect(returned).toContain('SignatureDoesNotMatch');
    expect(leaks(returned)).toEqual([]);
    expect(leaks(lines.join('\n'))).toEqual([]);
  });

  it.each(TEXTS)('the alarm function return value and its log: $name', async ({ text }) => {
    // Prepare: the instance is blocked by a provider refusal whose message quotes the text; the
    // decision message (returned to the caller) quotes the block.
    const world = fakeWorld([instanceFacts({ instanceId: 'i-1' })]);
    await world.store.putState(
      {
        instanceId: 'i-1',
        version: 0,
        recommendations: [],
        downgrades: [],
        blocked: { code: 'NoPermission.Price', since: T0, message: text, lastProbeAt: T0 },
      },
      0,
    );
    const lines: string[] = [];
    const logger = createLogger((line) => lines.push(line));
    const runtime: Runtime = {
      config: { replayWindowSeconds: 300 } as Config,
      doc: { source: 'test', policies: [policy({ selector: { regionId: 'cn-hangzhou', instanceIds: ['i-1'] } })] },
      logger,
      deps: { ...world.deps, log: ({ level, msg, ...fields }) => logger[level](msg, fields) },
      useCredentials: () => undefined,
    };
    const data = {
      alertName: 'bandwidth-high',
      alertState: 'ALERT',
      metricName: 'VPC_PublicIP_InternetOutRate_Percent',
      namespace: 'acs_ecs_dashboard',
      curValue: '99',
      dimensions: '{userId=1234567, instanceId=i-1}',
      timestamp: String(Math.floor(T0 / 1000)),
      ruleId: 'rule-1',
      userId: '1234567',
    };
    const event = { specversion: '1.0', id: 'evt-1', source: 'acs.cms', type: CMS_ALERT_EVENT_TYPE, time: new Date(T0).toISOString(), data };

    // Act
    const result = await alarmHandler(Buffer.from(JSON.stringify(event)), { requestId: 'r-2', runtime });

    // Assess
    const returned = JSON.stringify(result);
    expect(returned).toContain('blocked since');
    expect(leaks(returned)).toEqual([]);
    expect(leaks(lines.join('\n'))).toEqual([]);
  });

  it.each(TEXTS)('CLI output: $name', async ({ text }) => {
    // Prepare
    const out: string[] = [];
    const io = { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => out.push(t) }, now: () => T0 };

    // Act
    const code = await runCommand('plan', 'usage', io, async (terminal) => {
      terminal.print(`sample: ${text}`);
      throw new CloudApiError(`DescribeInstances failed: ${text}`, 'SignatureDoesNotMatch', 'auth');
    });

    // Assess
    expect(code).toBe(1);
    expect(out.join('')).toContain('DescribeInstances failed');
    expect(leaks(out.join(''))).toEqual([]);
  });

  it.each(TEXTS)('the HTML report: $name', ({ text }) => {
    // Prepare: a decision whose message quotes a provider's error text.
    const instance = makeReportInstance({
      decisions: [{ at: T0, from: 10, to: 10, action: 'none', reason: 'NEEDS_HUMAN', message: `blocked by ${text}`, outcome: 'none' }],
      summary: { cost: 0.3, staticPeakCost: 0.5, droppedFraction: 0, saturatedMinutes: 0, changes: 0, downgrades: 0, blocked: { NEEDS_HUMAN: 1 } },
    });

    // Act
    const html = renderReport(makeReport([instance]));

    // Assess
    expect(html).toContain('NEEDS_HUMAN');
    expect(leaks(html)).toEqual([]);
  });

  it.each(TEXTS)('notifications: $name', async ({ text }) => {
    // Prepare
    const sent: string[] = [];
    const fetch = (async (url: string, init: RequestInit) => {
      sent.push(url, String(init.body));
      return new Response('{"errcode":0}', { status: 200 });
    }) as typeof globalThis.fetch;
    const webhook = createNotifier({ url: 'https://example.com/hook', kind: 'webhook', fetch });
    const dingtalk = createNotifier({ url: 'https://oapi.dingtalk.com/robot/send?access_token=abc', kind: 'dingtalk', fetch, now: () => T0 });

    // Act
    for (const notifier of [webhook, dingtalk]) {
      await notifier.notify({ type: 'needs-a-human', instanceId: 'i-1', code: 'SignatureDoesNotMatch', message: text });
      await notifier.notify({ type: 'blocked', instanceId: 'i-1', reason: 'PROVIDER_REFUSED', message: text });
    }

    // Assess
    expect(sent.join('\n')).toContain('i-1');
    expect(leaks(sent.join('\n'))).toEqual([]);
  });
});
