// The functions' wall-clock settings reach the cycle: the chaos run relies on them (test/chaos/run.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startLocalCloud } from '../local-cloud/cloud';
import { createRuntime } from '../src/handlers/runtime';
import { ensureTables } from '../src/state/tables';

const env = {
  BWSCALER_REGION: 'cn-hangzhou',
  BWSCALER_OTS_ENDPOINT: 'https://bwscaler.cn-hangzhou.ots.aliyuncs.com',
  BWSCALER_OTS_INSTANCE: 'bwscaler',
  BWSCALER_POLICY: readFileSync(new URL('../examples/policy.yaml', import.meta.url), 'utf8'),
};

describe('the runtime settings', () => {
  it.each([
    { name: 'none set: the cycle keeps its own defaults', extra: {}, retry: undefined, reconcile: undefined },
    { name: 'an order retry delay', extra: { BWSCALER_RETRY_DELAY_MS: '20' }, retry: { baseDelayMs: 20, maxDelayMs: 160 }, reconcile: undefined },
    { name: 'a read-back interval', extra: { BWSCALER_READBACK_INTERVAL_MS: '20' }, retry: undefined, reconcile: { readBackIntervalMs: 20 } },
  ])('$name', ({ extra, retry, reconcile }) => {
    const rt = createRuntime({ ...env, ...extra }, () => {});

    expect([rt.retry, rt.reconcile]).toEqual([retry, reconcile]);
  });
});

describe('rotated credentials', () => {
  it('reach every Tablestore client of a warm container: the state, the served history and the controls', async () => {
    // Prepare: Function Compute hands the container STS credentials, then rotates them; the cloud
    // forgets the first token, as STS does when it expires.
    const first = { id: 'STS.rotation-1', secret: 'rotation-secret-one-000000000000', securityToken: 'rotation-token-one' };
    const second = { id: 'STS.rotation-2', secret: 'rotation-secret-two-000000000000', securityToken: 'rotation-token-two' };
    const cloud = await startLocalCloud({ fixture: { instances: [], accessKeys: [first] } });
    try {
      const { endpoints } = cloud;
      const connection = { endpoint: endpoints.ots, instanceName: endpoints.otsInstance, accessKeyId: first.id, accessKeySecret: first.secret };
      await ensureTables({ ...connection, securityToken: first.securityToken, maxRetries: 0 });
      const rt = createRuntime({ ...env, BWSCALER_OTS_ENDPOINT: endpoints.ots, BWSCALER_OTS_INSTANCE: endpoints.otsInstance }, () => {});
      const credentialsOf = (k: typeof first) => ({ accessKeyId: k.id, accessKeySecret: k.secret, securityToken: k.securityToken });
      const { store, served, controls } = rt.deps;
      if (!served || !controls) throw new Error('the runtime builds no served-history or control store');
      const calls = () => Promise.all([store.getState('i-rotation'), served.readServed(['i-rotation'], 0, 1), controls.listControls()]);
      rt.useCredentials(credentialsOf(first));
      await calls();

      // Act: the next invocation brings the new key, and the old one is gone.
      cloud.world.accessKeys.splice(0, 1, second);
      rt.useCredentials(credentialsOf(second));

      // Assess: every client signs with the new key (a client kept from the first would be refused).
      await expect(calls()).resolves.toHaveLength(3);
    } finally {
      await cloud.close();
    }
  });
});
