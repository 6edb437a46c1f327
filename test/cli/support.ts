// The operator commands against the local cloud: a small fleet with steady demand (so every
// expected number can be worked out by hand), a policy file for it, the environment the commands
// read, and output capture.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalCloud, startLocalCloud } from '../../local-cloud/cloud';
import type { Fixture } from '../../local-cloud/fixture';
import type { CommandIo, Env } from '../../src/cli/command';

/** A webhook token long enough for loadConfig (16+), and recognisable if it ever leaks. */
export const TOKEN = 'cli-test-webhook-token-0123456789';

const web = (n: number, network: 'vpc' | 'classic' = 'vpc') => ({
  InstanceId: `i-web-${n}`,
  InstanceChargeType: 'PostPaid' as const,
  InternetChargeType: 'PayByBandwidth' as const,
  InstanceNetworkType: network,
  InternetMaxBandwidthOut: 10,
  Tags: [{ TagKey: 'app', TagValue: 'web' }],
  Demand: { kind: 'constant' as const, mbps: 4 },
});

/**
 * Web servers selected by tag (one on the classic network), a subscription shop listed by id, and an
 * api server no policy selects. Every demand is constant: 4 of 10 Mbps is 40 % utilisation.
 */
export const FLEET: Fixture = {
  instances: [
    web(1),
    web(2),
    web(3, 'classic'),
    {
      InstanceId: 'i-shop-1',
      InstanceChargeType: 'PrePaid',
      InternetMaxBandwidthOut: 20,
      Tags: [{ TagKey: 'app', TagValue: 'shop' }],
      Demand: { kind: 'constant', mbps: 8 },
    },
    { InstanceId: 'i-api-1', InternetMaxBandwidthOut: 50, Tags: [{ TagKey: 'app', TagValue: 'api' }], Demand: { kind: 'constant', mbps: 10 } },
  ],
};

export const POLICY_YAML = `version: 1
policies:
  - name: web
    instances: { region: cn-hangzhou, tags: { app: web } }
    bounds: { minOut: 5, maxOut: 100 }
    targetTracking: { target: 70, tolerance: 10 }
    saturation: { threshold: 90, adjust: "x2" }
    scaleUp: { maxStep: "100%" }
  - name: shop
    instances: { region: cn-hangzhou, ids: [i-shop-1, i-gone-1] }
    bounds: { minOut: 20, maxOut: 60 }
    targetTracking: { target: 75, tolerance: 15 }
`;

export interface CliCloud {
  cloud: LocalCloud;
  policyFile: string;
  env(extra?: Env): Env;
  close(): Promise<void>;
}

export async function startCliCloud(fixture: Fixture = FLEET): Promise<CliCloud> {
  const cloud = await startLocalCloud({ fixture });
  const dir = await mkdtemp(join(tmpdir(), 'bwscaler-cli-'));
  const policyFile = join(dir, 'policy.yaml');
  await writeFile(policyFile, POLICY_YAML);
  const { endpoints } = cloud;
  return {
    cloud,
    policyFile,
    env: (extra = {}) => ({
      BWSCALER_REGION: endpoints.region,
      BWSCALER_ECS_ENDPOINT: endpoints.ecs,
      BWSCALER_CMS_ENDPOINT: endpoints.cms,
      ALIBABA_CLOUD_ACCESS_KEY_ID: endpoints.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: endpoints.accessKeySecret,
      ...extra,
    }),
    async close() {
      await cloud.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The environment naming the local cloud's Tablestore. */
export function storeEnv(cloud: LocalCloud): Env {
  return { BWSCALER_OTS_ENDPOINT: cloud.endpoints.ots, BWSCALER_OTS_INSTANCE: cloud.endpoints.otsInstance };
}

export interface Captured {
  io: CommandIo;
  stdout(): string;
  stderr(): string;
}

export function capture(now: () => number = () => Date.now()): Captured {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (text: string) => out.push(text) }, stderr: { write: (text: string) => err.push(text) }, now },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

/** Runs a command with a fresh capture. */
export async function runCli(
  run: (args: string[], env: Env, io: CommandIo) => Promise<number>,
  args: string[],
  env: Env,
  now?: () => number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const captured = capture(now);
  const code = await run(args, env, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}
