import { describe, expect, it } from 'vitest';
import { type Config, DEFAULT_REPLAY_WINDOW_SECONDS, loadConfig } from '../src/config';
import { ConfigError } from '../src/errors';

const POLICY_YAML = 'name: web\nselector:\n  regionId: cn-hangzhou\n';

/** The smallest valid environment: region, Tablestore and an inline policy. */
const minimal = {
  BWSCALER_REGION: 'cn-hangzhou',
  BWSCALER_OTS_ENDPOINT: 'https://bwscaler.cn-hangzhou.ots.aliyuncs.com',
  BWSCALER_OTS_INSTANCE: 'bwscaler',
  BWSCALER_POLICY: POLICY_YAML,
};

const noFiles = (path: string): string => {
  throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
};

describe('loadConfig', () => {
  it('applies the regional defaults to a minimal environment', () => {
    const config = loadConfig(minimal, { readFile: noFiles });

    expect(config).toEqual({
      region: 'cn-hangzhou',
      ecsEndpoint: 'https://ecs.cn-hangzhou.aliyuncs.com',
      vpcEndpoint: 'https://vpc.cn-hangzhou.aliyuncs.com',
      cmsEndpoint: 'https://metrics.cn-hangzhou.aliyuncs.com',
      otsEndpoint: 'https://bwscaler.cn-hangzhou.ots.aliyuncs.com',
      otsInstance: 'bwscaler',
      policy: { text: POLICY_YAML.trim(), source: 'BWSCALER_POLICY' },
      webhookToken: '',
      replayWindowSeconds: DEFAULT_REPLAY_WINDOW_SECONDS,
    } satisfies Config);
  });

  const valid: Array<{ name: string; env: Record<string, string | undefined>; expected: Partial<Config> }> = [
    {
      name: 'local endpoints without their trailing slash',
      env: {
        ...minimal,
        BWSCALER_ECS_ENDPOINT: 'http://127.0.0.1:8001/',
        BWSCALER_CMS_ENDPOINT: 'http://127.0.0.1:8002',
        BWSCALER_VPC_ENDPOINT: 'http://127.0.0.1:8001/',
      },
      expected: { ecsEndpoint: 'http://127.0.0.1:8001', cmsEndpoint: 'http://127.0.0.1:8002', vpcEndpoint: 'http://127.0.0.1:8001' },
    },
    {
      name: 'a policy file path',
      env: { ...minimal, BWSCALER_POLICY: '/etc/bwscaler/policy.yaml' },
      expected: { policy: { text: 'from file', source: '/etc/bwscaler/policy.yaml' } },
    },
    {
      name: 'an inline JSON policy',
      env: { ...minimal, BWSCALER_POLICY: '{"name":"web"}' },
      expected: { policy: { text: '{"name":"web"}', source: 'BWSCALER_POLICY' } },
    },
    {
      name: 'a DingTalk robot with its secret',
      env: { ...minimal, BWSCALER_NOTIFY_URL: 'https://oapi.dingtalk.com/robot/send?access_token=t', BWSCALER_DINGTALK_SECRET: 'SEC0123456789abcdef' },
      expected: { notify: { url: 'https://oapi.dingtalk.com/robot/send?access_token=t', kind: 'dingtalk', secret: 'SEC0123456789abcdef' } },
    },
    {
      name: 'a DingTalk robot without signing',
      env: { ...minimal, BWSCALER_NOTIFY_URL: 'https://oapi.dingtalk.com/robot/send?access_token=t' },
      expected: { notify: { url: 'https://oapi.dingtalk.com/robot/send?access_token=t', kind: 'dingtalk' } },
    },
    {
      name: 'a generic webhook',
      env: { ...minimal, BWSCALER_NOTIFY_URL: 'https://hooks.example.com/x' },
      expected: { notify: { url: 'https://hooks.example.com/x', kind: 'webhook' } },
    },
    { name: 'a webhook token', env: { ...minimal, BWSCALER_WEBHOOK_TOKEN: '0123456789abcdef' }, expected: { webhookToken: '0123456789abcdef' } },
    { name: 'a replay window', env: { ...minimal, BWSCALER_REPLAY_WINDOW_SECONDS: '900' }, expected: { replayWindowSeconds: 900 } },
    { name: 'an ECS write budget per tick', env: { ...minimal, BWSCALER_MAX_ORDERS_PER_TICK: '40' }, expected: { maxOrdersPerTick: 40 } },
    { name: 'an SDK timeout', env: { ...minimal, BWSCALER_SDK_TIMEOUT_MS: '400' }, expected: { sdkTimeoutMs: 400 } },
    { name: 'an order retry delay', env: { ...minimal, BWSCALER_RETRY_DELAY_MS: '20' }, expected: { retryDelayMs: 20 } },
    { name: 'a read-back interval', env: { ...minimal, BWSCALER_READBACK_INTERVAL_MS: '20' }, expected: { readBackIntervalMs: 20 } },
    {
      name: 'static STS credentials',
      env: { ...minimal, ALIBABA_CLOUD_ACCESS_KEY_ID: 'STS.id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret', ALIBABA_CLOUD_SECURITY_TOKEN: 'tok' },
      expected: { credentials: { accessKeyId: 'STS.id', accessKeySecret: 'secret', securityToken: 'tok' } },
    },
    {
      name: 'empty optional variables, as the FC console leaves them',
      env: { ...minimal, BWSCALER_NOTIFY_URL: '', BWSCALER_WEBHOOK_TOKEN: ' ' },
      expected: { webhookToken: '' },
    },
  ];

  it.each(valid)('reads $name', ({ env, expected }) => {
    const config = loadConfig(env, { readFile: (path) => (path === '/etc/bwscaler/policy.yaml' ? 'from file' : noFiles(path)) });

    expect(config).toMatchObject(expected);
  });

  const invalid: Array<{ name: string; env: Record<string, string | undefined>; mentions: string }> = [
    { name: 'no region', env: { ...minimal, BWSCALER_REGION: undefined }, mentions: 'BWSCALER_REGION: required' },
    { name: 'a region that is not a region id', env: { ...minimal, BWSCALER_REGION: 'Hangzhou' }, mentions: 'BWSCALER_REGION: "Hangzhou" is not a region id' },
    { name: 'an endpoint without scheme', env: { ...minimal, BWSCALER_ECS_ENDPOINT: '127.0.0.1:8001' }, mentions: 'BWSCALER_ECS_ENDPOINT' },
    {
      name: 'an ftp endpoint',
      env: { ...minimal, BWSCALER_CMS_ENDPOINT: 'ftp://x' },
      mentions: 'BWSCALER_CMS_ENDPOINT: "ftp://x" must start with https:// or http://',
    },
    { name: 'no Tablestore endpoint', env: { ...minimal, BWSCALER_OTS_ENDPOINT: undefined }, mentions: 'BWSCALER_OTS_ENDPOINT: required' },
    { name: 'a Tablestore instance name with an underscore', env: { ...minimal, BWSCALER_OTS_INSTANCE: 'bw_scaler' }, mentions: 'BWSCALER_OTS_INSTANCE' },
    { name: 'no policy', env: { ...minimal, BWSCALER_POLICY: undefined }, mentions: 'BWSCALER_POLICY: required' },
    {
      name: 'a policy path that does not exist',
      env: { ...minimal, BWSCALER_POLICY: 'missing.yaml' },
      mentions: 'BWSCALER_POLICY: cannot read policy file "missing.yaml" (ENOENT)',
    },
    { name: 'a short webhook token', env: { ...minimal, BWSCALER_WEBHOOK_TOKEN: 'abc' }, mentions: 'BWSCALER_WEBHOOK_TOKEN: must have at least 16 characters' },
    {
      name: 'a DingTalk secret without a URL',
      env: { ...minimal, BWSCALER_DINGTALK_SECRET: 'SEC0123456789' },
      mentions: 'BWSCALER_DINGTALK_SECRET: set without BWSCALER_NOTIFY_URL',
    },
    {
      name: 'a DingTalk secret that is not one',
      env: { ...minimal, BWSCALER_NOTIFY_URL: 'https://oapi.dingtalk.com/robot/send', BWSCALER_DINGTALK_SECRET: 'access-token-pasted' },
      mentions: 'BWSCALER_DINGTALK_SECRET: expected the robot signing secret',
    },
    {
      name: 'a fractional replay window',
      env: { ...minimal, BWSCALER_REPLAY_WINDOW_SECONDS: '1.5' },
      mentions: 'BWSCALER_REPLAY_WINDOW_SECONDS: "1.5" is not a whole number',
    },
    {
      name: 'a replay window of a week',
      env: { ...minimal, BWSCALER_REPLAY_WINDOW_SECONDS: '604800' },
      mentions: 'BWSCALER_REPLAY_WINDOW_SECONDS: 604800 is outside 10..86400',
    },
    {
      name: 'a write budget of zero orders',
      env: { ...minimal, BWSCALER_MAX_ORDERS_PER_TICK: '0' },
      mentions: 'BWSCALER_MAX_ORDERS_PER_TICK: 0 is outside 1..5000',
    },
    {
      name: 'an SDK timeout too short to answer',
      env: { ...minimal, BWSCALER_SDK_TIMEOUT_MS: '10' },
      mentions: 'BWSCALER_SDK_TIMEOUT_MS: 10 is outside 100..60000',
    },
    { name: 'a retry delay of zero', env: { ...minimal, BWSCALER_RETRY_DELAY_MS: '0' }, mentions: 'BWSCALER_RETRY_DELAY_MS: 0 is outside 1..10000' },
    {
      name: 'a read-back interval of zero',
      env: { ...minimal, BWSCALER_READBACK_INTERVAL_MS: '0' },
      mentions: 'BWSCALER_READBACK_INTERVAL_MS: 0 is outside 1..60000',
    },
    { name: 'half a key pair', env: { ...minimal, ALIBABA_CLOUD_ACCESS_KEY_ID: 'id' }, mentions: 'ALIBABA_CLOUD_ACCESS_KEY_SECRET: required' },
    { name: 'a token without keys', env: { ...minimal, ALIBABA_CLOUD_SECURITY_TOKEN: 'tok' }, mentions: 'ALIBABA_CLOUD_SECURITY_TOKEN: set without' },
    { name: 'a misspelt variable', env: { ...minimal, BWSCALER_REPLAY_WINDOW: '60' }, mentions: 'BWSCALER_REPLAY_WINDOW: unknown variable' },
  ];

  it.each(invalid)('refuses $name with a ConfigError naming the variable', ({ env, mentions }) => {
    const act = () => loadConfig(env, { readFile: noFiles });

    expect(act).toThrow(ConfigError);
    expect(act).toThrow(mentions);
  });

  it('reports every problem at once', () => {
    const act = () => loadConfig({ BWSCALER_REGION: 'x', BWSCALER_TYPO: '1' }, { readFile: noFiles });

    for (const problem of [
      'BWSCALER_TYPO: unknown',
      'BWSCALER_REGION: "x"',
      'BWSCALER_OTS_ENDPOINT: required',
      'BWSCALER_OTS_INSTANCE: required',
      'BWSCALER_POLICY: required',
    ]) {
      expect(act).toThrow(problem);
    }
  });

  it('ignores variables outside its namespace', () => {
    expect(() => loadConfig({ ...minimal, PATH: '/usr/bin', FC_FUNCTION_NAME: 'x' }, { readFile: noFiles })).not.toThrow();
  });
});
