// The functions' wall-clock settings reach the cycle: the chaos run relies on them (test/chaos/run.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRuntime } from '../src/handlers/runtime';

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
