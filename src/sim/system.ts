// The whole system on the local cloud: the BUILT function bundles run by the local Function Compute
// runner (simulated time), the real SDKs over HTTP, the ECS / CloudMonitor / Tablestore emulators.
// Used by `npm start`, the full-stack backtest, the chaos run, the benchmarks and the e2e tests.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from '../../local-cloud/cloud';
import { type FcRunner, type FcRunnerOptions, startFcRunner } from '../../local-cloud/fc/runner';
import { readTemplate } from '../../local-cloud/fc/template';
// @ts-expect-error: plain ESM build script without type declarations
import { buildFunctions } from '../../scripts/build.mjs';
import { ensureTables } from '../state/tables';

export const ROOT = new URL('../../', import.meta.url).pathname;
/** The template's required CodeBucket: the local runner loads the bundles from dist/, not from OSS. */
export const LOCAL_CODE_BUCKET = 'bwscaler-local-code';

/** The local deployment's webhook token (the template parameter WebhookToken). */
export const WEBHOOK_TOKEN = 'local-webhook-token-0123456789abcdef';

let built: Promise<string> | undefined;

/** Builds the bundles once per process, into a temporary dist (never the working tree's dist/). */
export function buildOnce(): Promise<string> {
  built ??= (async () => {
    const outdir = await mkdtemp(join(tmpdir(), 'bwscaler-dist-'));
    await buildFunctions({ quiet: true, outdir });
    return outdir;
  })();
  return built;
}

export interface System {
  cloud: LocalCloud;
  runner: FcRunner;
  close(): Promise<void>;
}

export interface SystemOptions {
  cloud?: LocalCloudOptions;
  /** Policy document text; examples/policy.yaml by default. */
  policyText?: string;
  /** Extra environment for the functions. */
  env?: Record<string, string>;
  /** Template parameter overrides (e.g. ScheduleCron). */
  params?: Record<string, string>;
  /** A prebuilt dist directory; built once per process otherwise. */
  distDir?: string;
  bundleFor?: FcRunnerOptions['bundleFor'];
  /**
   * The operator's own set-up calls (e.g. the alarm rules of `bwscaler setup-alarms`), run once the
   * functions are up and BEFORE the cloud starts expecting simulated timestamps: a terminal signs its
   * requests with the wall clock, as ensureTables does above.
   */
  setUp?: (system: { cloud: LocalCloud; runner: FcRunner }) => Promise<void>;
}

export async function startSystem(options: SystemOptions = {}): Promise<System> {
  const distDir = options.distDir ?? (await buildOnce());
  // The harness's own set-up calls (ensureTables) are stamped with real time; the bundles run on the
  // simulated clock. The freshness checks follow whichever side is talking.
  let cloudRef: LocalCloud | undefined;
  let clientsOnSimulatedTime = false;
  const cloud = await startLocalCloud({ ...options.cloud, wallNow: () => (clientsOnSimulatedTime && cloudRef ? cloudRef.clock.now() : Date.now()) });
  cloudRef = cloud;
  const e = cloud.endpoints;
  await ensureTables({
    endpoint: e.ots,
    instanceName: e.otsInstance,
    accessKeyId: e.accessKeyId,
    accessKeySecret: e.accessKeySecret,
    // A fixture whose first key is an STS key (as Function Compute hands them out) needs its token here too.
    ...(e.securityToken ? { securityToken: e.securityToken } : {}),
  });
  const policyText = options.policyText ?? (await readFile(join(ROOT, 'examples/policy.yaml'), 'utf8'));
  const template = await readTemplate(join(ROOT, 'template.yml'), {
    WebhookToken: WEBHOOK_TOKEN,
    OtsInstanceName: e.otsInstance,
    CodeBucket: LOCAL_CODE_BUCKET,
    'ALIYUN::Region': e.region,
    ...options.params,
  });
  const runner = await startFcRunner({
    template,
    distDir,
    ...(options.bundleFor ? { bundleFor: options.bundleFor } : {}),
    // The template names policy.yaml in the code package; the harness shares one build between
    // policies, so it hands each system its policy inline instead.
    env: {
      BWSCALER_ECS_ENDPOINT: e.ecs,
      BWSCALER_VPC_ENDPOINT: e.vpc,
      BWSCALER_CMS_ENDPOINT: e.cms,
      BWSCALER_OTS_ENDPOINT: e.ots,
      BWSCALER_POLICY: policyText,
      ...options.env,
    },
    credentials: { accessKeyId: e.accessKeyId, accessKeySecret: e.accessKeySecret, ...(e.securityToken ? { securityToken: e.securityToken } : {}) },
    now: () => cloud.clock.now(),
    region: e.region,
  });
  if (options.setUp) {
    try {
      await options.setUp({ cloud, runner });
    } catch (error) {
      await runner.close();
      await cloud.close();
      throw error;
    }
  }
  clientsOnSimulatedTime = true;
  return {
    cloud,
    runner,
    async close() {
      await runner.close();
      await cloud.close();
    },
  };
}

/** A CloudMonitor threshold-alert callback body, form-encoded as documented (docs/reference/alibaba-cloud.md §4.3). */
export function alarmCallback(fields: { instanceId: string; curValue: number; timestamp: number; metricName?: string; alertState?: string }): string {
  const metricName = fields.metricName ?? 'VPC_PublicIP_InternetOutRate_Percent';
  return new URLSearchParams({
    alertName: 'bwscaler-web-fleet',
    alertState: fields.alertState ?? 'ALERT',
    curValue: String(fields.curValue),
    dimensions: `{userId=1234567890123456, instanceId=${fields.instanceId}}`,
    expression: '$Average>=95',
    instanceName: fields.instanceId,
    metricName,
    metricProject: 'acs_ecs_dashboard',
    namespace: 'acs_ecs_dashboard',
    preTriggerLevel: 'OK',
    ruleId: 'bwscaler-web-fleet',
    signature: 'opaque',
    timestamp: String(Math.floor(fields.timestamp / 1000)),
    triggerLevel: 'CRITICAL',
    userId: '1234567890123456',
  }).toString();
}
