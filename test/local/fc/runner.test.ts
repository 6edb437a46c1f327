import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FcRunner, startFcRunner } from '../../../local-cloud/fc/runner';
import { readTemplateText } from '../../../local-cloud/fc/template';

const TEMPLATE = `
ROSTemplateFormatVersion: '2015-09-01'
Parameters:
  Greeting: { Type: String, Default: hello }
Resources:
  EchoFunction:
    Type: ALIYUN::FC3::Function
    Properties:
      FunctionName: bwscaler-echo
      Runtime: nodejs20
      Handler: index.handler
      EnvironmentVariables:
        GREETING: { Ref: Greeting }
        REGION: { 'Fn::Sub': 'r-\${ALIYUN::Region}' }
  EchoHttp:
    Type: ALIYUN::FC3::Trigger
    Properties:
      FunctionName: { 'Fn::GetAtt': [EchoFunction, FunctionName] }
      TriggerName: web
      TriggerType: http
      TriggerConfig: { authType: anonymous, methods: [POST] }
  EchoTimer:
    Type: ALIYUN::FC3::Trigger
    Properties:
      FunctionName: { 'Fn::GetAtt': [EchoFunction, FunctionName] }
      TriggerName: tick
      TriggerType: timer
      TriggerConfig: { cronExpression: '0 */5 * * * *', enable: true, payload: '{"shard":0,"of":1}' }
`;

// A stand-in bundle: reports what the function saw (time, environment, event, credentials).
const BUNDLE = `
exports.handler = async (event, context) => {
  const parsed = JSON.parse(event.toString());
  console.log('invoked with secret', context.credentials.accessKeySecret.length);
  if (parsed.rawPath !== undefined) {
    return { statusCode: 201, headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ now: Date.now(), date: new Date().toISOString(), greeting: process.env.GREETING,
        region: process.env.REGION, query: parsed.queryParameters, body: parsed.body, method: parsed.requestContext.http.method }) };
  }
  return { now: Date.now(), trigger: parsed.triggerName, triggerTime: parsed.triggerTime, payload: parsed.payload };
};`;

describe('local Function Compute runner', () => {
  let simulated = Date.parse('2026-11-02T00:00:00Z');
  let runner: FcRunner;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bwscaler-fc-'));
    await mkdir(join(dir, 'echo'));
    await writeFile(join(dir, 'echo', 'index.js'), BUNDLE);
    runner = await startFcRunner({
      template: readTemplateText(TEMPLATE),
      distDir: dir,
      credentials: { accessKeyId: 'ak', accessKeySecret: 'secret' },
      now: () => simulated,
    });
  });
  afterAll(async () => runner.close());

  it('serves the HTTP trigger with an FC 3.0 event, the template environment and the simulated time', async () => {
    const response = await fetch(`${runner.httpUrl('bwscaler-echo')}/cb?token=t1`, { method: 'POST', body: 'a=1&b=2' });
    expect(response.status).toBe(201);
    const seen = (await response.json()) as Record<string, unknown>;
    expect(seen).toMatchObject({
      now: simulated,
      date: '2026-11-02T00:00:00.000Z',
      greeting: 'hello',
      region: 'r-cn-hangzhou',
      query: { token: 't1' },
      body: 'a=1&b=2',
      method: 'POST',
    });
  });

  it('refuses methods the HTTP trigger does not allow', async () => {
    const response = await fetch(`${runner.httpUrl('bwscaler-echo')}/cb`);
    expect(response.status).toBe(405);
  });

  it('fires timer triggers at each cron time in order, with triggerTime and payload', async () => {
    simulated += 11 * 60_000;
    const fired = await runner.fireTimersUntil(simulated);
    expect(fired.map((f) => (f.result as { triggerTime: string }).triggerTime)).toEqual(['2026-11-02T00:05:00Z', '2026-11-02T00:10:00Z']);
    expect(fired[0]?.result).toMatchObject({ trigger: 'tick', payload: '{"shard":0,"of":1}' });
    expect(await runner.fireTimersUntil(simulated)).toEqual([]);
  });

  it('keeps what the function printed with its invocation', () => {
    expect(runner.invocations[0]?.logs.join('')).toContain('invoked with secret 6');
  });
});
