// Helpers for the local-cloud tests: a fresh cloud per test, the real pop-core client against it,
// and a normaliser for pop-core's error shapes.
import RPCClient from '@alicloud/pop-core';
import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from '../../local-cloud/cloud';
import type { Fixture, FixtureInstance } from '../../local-cloud/fixture';

export const TEST_KEY = { id: 'LTAI5tTestKey', secret: 'test-secret' };
export const STS_KEY = { id: 'STS.NTestTemporaryKey', secret: 'sts-secret', securityToken: 'CAIS-test-token' };

/** A pay-as-you-go, pay-by-bandwidth VPC instance at 10 Mbps; override what a test is about. */
export function instance(overrides: Partial<FixtureInstance> = {}): FixtureInstance {
  return {
    InstanceId: 'i-test',
    InstanceChargeType: 'PostPaid',
    InternetChargeType: 'PayByBandwidth',
    InstanceNetworkType: 'vpc',
    Status: 'Running',
    InternetMaxBandwidthOut: 10,
    ...overrides,
  };
}

export function fixture(instances: FixtureInstance[], rest: Partial<Fixture> = {}): Fixture {
  return { accessKeys: [TEST_KEY, STS_KEY], account: { balance: 1000 }, instances, ...rest };
}

/** Starts a cloud, runs `body`, and always closes it. */
export async function withCloud<T>(options: LocalCloudOptions, body: (cloud: LocalCloud, ecs: EcsClient) => Promise<T>): Promise<T> {
  const cloud = await startLocalCloud(options);
  const ecs = ecsClient(cloud);
  try {
    return await body(cloud, ecs);
  } finally {
    ecs.close();
    await cloud.close();
  }
}

export interface EcsClient {
  // biome-ignore lint/suspicious/noExplicitAny: pop-core answers untyped JSON; each test asserts the shape it reads.
  request(action: string, params?: Record<string, unknown>, opts?: Record<string, unknown>): Promise<any>;
  close(): void;
}

export function ecsClient(cloud: LocalCloud, key: { id: string; secret: string; securityToken?: string } = TEST_KEY, apiVersion = '2014-05-26'): EcsClient {
  const client = new RPCClient({
    endpoint: cloud.endpoints.ecs,
    apiVersion,
    accessKeyId: key.id,
    accessKeySecret: key.secret,
    ...(key.securityToken ? { securityToken: key.securityToken } : {}),
    opts: { timeout: 5000 },
  });
  return {
    request: (action, params = {}, opts = {}) => client.request(action, params, opts),
    close: () => (client as unknown as { keepAliveAgent?: { destroy(): void } }).keepAliveAgent?.destroy(),
  };
}

export interface CaughtRpcError {
  code: string;
  status: number | undefined;
  message: string;
  data: Record<string, unknown> | undefined;
}

/** Awaits a call that must fail and returns its code, HTTP status and body as pop-core reports them. */
export async function rpcError(call: Promise<unknown>): Promise<CaughtRpcError> {
  try {
    await call;
  } catch (error) {
    const e = error as { code?: string; name?: string; message?: string; data?: Record<string, unknown>; entry?: { response?: { statusCode?: number } } };
    return { code: e.code ?? e.name ?? 'unknown', status: e.entry?.response?.statusCode, message: e.message ?? '', data: e.data };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

// biome-ignore lint/suspicious/noExplicitAny: the admin API answers untyped JSON; each test asserts the shape it reads.
export async function admin(cloud: LocalCloud, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${cloud.endpoints.admin}${path}`, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  return { status: response.status, json: await response.json() };
}
