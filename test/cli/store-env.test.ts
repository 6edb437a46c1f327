import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createStoreFromEnv, tablestoreConfigFromEnv } from '../../src/cli/store-access';
import { ConfigError } from '../../src/errors';
import { emptyState } from '../../src/ports/state-store';

const ENV = {
  BWSCALER_OTS_ENDPOINT: 'https://bwscaler.cn-hangzhou.ots.aliyuncs.com',
  BWSCALER_OTS_INSTANCE: 'bwscaler',
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'STS.key',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret',
  ALIBABA_CLOUD_SECURITY_TOKEN: 'token',
};

describe('tablestoreConfigFromEnv', () => {
  it('reads the endpoint, the instance and the STS credentials Function Compute sets', () => {
    expect(tablestoreConfigFromEnv(ENV)).toEqual({
      endpoint: ENV.BWSCALER_OTS_ENDPOINT,
      instanceName: 'bwscaler',
      accessKeyId: 'STS.key',
      accessKeySecret: 'secret',
      securityToken: 'token',
    });
  });

  it('leaves the token out for a long-lived AccessKey', () => {
    expect(tablestoreConfigFromEnv({ ...ENV, ALIBABA_CLOUD_SECURITY_TOKEN: undefined })).not.toHaveProperty('securityToken');
  });

  it('prefers credentials handed over by the runtime (FC context.credentials) to the environment', () => {
    const credentials = { accessKeyId: 'STS.ctx', accessKeySecret: 'ctx-secret', securityToken: 'ctx-token' };

    expect(tablestoreConfigFromEnv({ BWSCALER_OTS_ENDPOINT: ENV.BWSCALER_OTS_ENDPOINT, BWSCALER_OTS_INSTANCE: 'bwscaler' }, credentials)).toEqual({
      endpoint: ENV.BWSCALER_OTS_ENDPOINT,
      instanceName: 'bwscaler',
      ...credentials,
    });
  });

  const bad = [
    { name: 'no endpoint', env: { ...ENV, BWSCALER_OTS_ENDPOINT: undefined }, says: 'BWSCALER_OTS_ENDPOINT is not set' },
    { name: 'a blank endpoint', env: { ...ENV, BWSCALER_OTS_ENDPOINT: '  ' }, says: 'BWSCALER_OTS_ENDPOINT is not set' },
    { name: 'an endpoint without a scheme', env: { ...ENV, BWSCALER_OTS_ENDPOINT: 'bwscaler.ots.aliyuncs.com' }, says: 'must start with http:// or https://' },
    { name: 'no instance', env: { ...ENV, BWSCALER_OTS_INSTANCE: undefined }, says: 'BWSCALER_OTS_INSTANCE is not set' },
    { name: 'no AccessKey id', env: { ...ENV, ALIBABA_CLOUD_ACCESS_KEY_ID: undefined }, says: 'ALIBABA_CLOUD_ACCESS_KEY_ID is not set' },
    { name: 'no AccessKey secret', env: { ...ENV, ALIBABA_CLOUD_ACCESS_KEY_SECRET: '' }, says: 'ALIBABA_CLOUD_ACCESS_KEY_SECRET is not set' },
  ];
  it.each(bad)('refuses $name with a ConfigError naming the variable', ({ env, says }) => {
    expect(() => tablestoreConfigFromEnv(env)).toThrow(ConfigError);
    expect(() => tablestoreConfigFromEnv(env)).toThrow(says);
  });
});

describe('createStoreFromEnv', () => {
  it('gives an in-memory store for BWSCALER_OTS_ENDPOINT=memory:, needing nothing else', async () => {
    const store = createStoreFromEnv({ BWSCALER_OTS_ENDPOINT: 'memory:' });

    await store.putState(emptyState('i-mem'), 0);

    expect((await store.getState('i-mem')).version).toBe(1);
  });

  it('checks the configuration when it is called, not on the first request', () => {
    expect(() => createStoreFromEnv({ BWSCALER_OTS_ENDPOINT: ENV.BWSCALER_OTS_ENDPOINT })).toThrow(ConfigError);
  });
});

// Requiring the SDK costs ~90 ms of cold start (docs/reference/sdk-traps.md §6). Checked in a fresh process: this
// one has long loaded it for the other tests.
const LAZY_PROBE = `
import { createRequire } from 'node:module';
const cache = createRequire(import.meta.url).cache;
const loaded = () => Object.keys(cache).some((file) => file.includes('/node_modules/tablestore/'));
const { createStoreFromEnv } = await import('./src/cli/store-access.ts');
const store = createStoreFromEnv({ BWSCALER_OTS_ENDPOINT: 'http://127.0.0.1:1', BWSCALER_OTS_INSTANCE: 'x',
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'a', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'b' });
const afterCreate = loaded();
await store.getState('i-lazy').catch(() => undefined);
console.log(JSON.stringify({ afterCreate, afterFirstRequest: loaded() }));
`;

describe('loading the tablestore SDK', () => {
  it('waits for the first request, not the import or the store construction', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx/esm', '--input-type=module', '-e', LAZY_PROBE], {
      env: { PATH: process.env.PATH ?? '' },
      timeout: 20_000,
    });

    expect(JSON.parse(stdout)).toEqual({ afterCreate: false, afterFirstRequest: true });
  });
});
