// The local cloud for the state tests: no ECS instances (nothing but Tablestore is exercised, and
// clock advances then cost nothing), and an STS key, as Function Compute hands out, so every request
// of these tests carries x-ots-ststoken.
import { type LocalCloud, startLocalCloud } from '../../local-cloud/cloud';
import type { Ots } from '../../local-cloud/ots/index';
import type { TablestoreStoreConfig } from '../../src/state/tablestore';

export const STS_KEY = { id: 'STS.state-tests', secret: 'state-tests-secret', securityToken: 'state-tests-sts-token' };

export interface OtsCloud {
  cloud: LocalCloud;
  ots: Ots;
  config(overrides?: Partial<TablestoreStoreConfig>): TablestoreStoreConfig;
  close(): Promise<void>;
}

export async function startOtsCloud(): Promise<OtsCloud> {
  const cloud = await startLocalCloud({ fixture: { instances: [], accessKeys: [STS_KEY] } });
  if (!cloud.ots) {
    await cloud.close();
    throw new Error('the local cloud has no Tablestore emulator: local-cloud/ots/index.ts is missing');
  }
  const { endpoints } = cloud;
  return {
    cloud,
    // The local cloud types its OTS emulator by the two methods it routes; the module has more.
    ots: cloud.ots as unknown as Ots,
    config: (overrides = {}) => ({
      endpoint: endpoints.ots,
      instanceName: endpoints.otsInstance,
      accessKeyId: endpoints.accessKeyId,
      accessKeySecret: endpoints.accessKeySecret,
      ...(endpoints.securityToken ? { securityToken: endpoints.securityToken } : {}),
      // Generous: a test that wants a timeout asks for a short one; on a loaded machine the
      // production default (3 s) made healthy requests fail.
      timeoutMs: 30_000,
      maxRetries: 0,
      now: () => cloud.clock.now(),
      ...overrides,
    }),
    close: () => cloud.close(),
  };
}
