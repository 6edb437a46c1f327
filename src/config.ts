// The environment contract, read once at cold start. Pure apart from reading the policy file, and
// that goes through `readFile`: the caller passes the environment (and may pass the reader).
//
// Strict by design: a value that does not parse is an error naming the variable, and an
// unknown BWSCALER_* variable is an error too, because a typo would otherwise silently fall back to
// a default.
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Credentials } from './adapters/pop';
import { ConfigError } from './errors';

export interface NotifyConfig {
  url: string;
  kind: 'dingtalk' | 'webhook';
  secret?: string;
}

export interface Config {
  region: string;
  ecsEndpoint: string;
  /** The VPC API (EIPs and shared bandwidth packages). */
  vpcEndpoint: string;
  cmsEndpoint: string;
  otsEndpoint: string;
  otsInstance: string;
  /** The policy document as text; src/policy's parsePolicyDocument(text, source) reads it. */
  policy: { text: string; source: string };
  /** Empty when unset: the HTTP trigger then refuses every request (verifyWebhookToken). */
  webhookToken: string;
  notify?: NotifyConfig;
  /** Alarm deliveries older than this are refused, and dedupe keys live this long. */
  replayWindowSeconds: number;
  /** ModifyInstanceNetworkSpec orders one tick may send (the ECS write budget); the cycle's default when unset. */
  maxOrdersPerTick?: number;
  /** Client timeout of every ECS, CloudMonitor and Tablestore request (ms); the adapters' 3000 when unset. */
  sdkTimeoutMs?: number;
  /** First back-off of an order retry (ms; later ones double, up to 8×) and of the Tablestore SDK's read retries; the cycle's 1000 and the SDK's 200 when unset. */
  retryDelayMs?: number;
  /** Pause between the alarm path's read-backs of an accepted order (ms); the cycle's 2000 when unset. */
  readBackIntervalMs?: number;
  /** Static keys from the environment; absent on Function Compute, which passes context.credentials. */
  credentials?: Credentials;
}

export const CONFIG_VARIABLES = [
  'BWSCALER_REGION',
  'BWSCALER_ECS_ENDPOINT',
  'BWSCALER_VPC_ENDPOINT',
  'BWSCALER_CMS_ENDPOINT',
  'BWSCALER_OTS_ENDPOINT',
  'BWSCALER_OTS_INSTANCE',
  'BWSCALER_POLICY',
  'BWSCALER_WEBHOOK_TOKEN',
  'BWSCALER_NOTIFY_URL',
  'BWSCALER_DINGTALK_SECRET',
  'BWSCALER_REPLAY_WINDOW_SECONDS',
  'BWSCALER_MAX_ORDERS_PER_TICK',
  'BWSCALER_SDK_TIMEOUT_MS',
  'BWSCALER_RETRY_DELAY_MS',
  'BWSCALER_READBACK_INTERVAL_MS',
] as const;

/** CloudMonitor retries a callback 3 times, 5 s apart at most (docs/reference/alibaba-cloud.md §4.3): 5 minutes is ample. */
export const DEFAULT_REPLAY_WINDOW_SECONDS = 300;
/** A webhook token is a bearer secret in a URL or header: short ones are guessable. */
export const MIN_WEBHOOK_TOKEN_LENGTH = 16;

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env, deps: { readFile?: (path: string) => string } = {}): Config {
  const readFile = deps.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const problems: string[] = [];
  const read = <T>(name: string, parse: (value: string | undefined) => T): T | undefined => {
    try {
      return parse(nonEmpty(env[name]));
    } catch (error) {
      problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  };

  const known = new Set<string>(CONFIG_VARIABLES);
  for (const name of Object.keys(env).sort()) {
    if (name.startsWith('BWSCALER_') && !known.has(name)) problems.push(`${name}: unknown variable (expected one of ${CONFIG_VARIABLES.join(', ')})`);
  }

  const region = read('BWSCALER_REGION', (v) => regionId(required(v)));
  const ecsEndpoint = read('BWSCALER_ECS_ENDPOINT', (v) => (v === undefined ? regional('ecs', region) : endpointUrl(v)));
  const vpcEndpoint = read('BWSCALER_VPC_ENDPOINT', (v) => (v === undefined ? regional('vpc', region) : endpointUrl(v)));
  const cmsEndpoint = read('BWSCALER_CMS_ENDPOINT', (v) => (v === undefined ? regional('metrics', region) : endpointUrl(v)));
  // Tablestore endpoints embed the instance name (https://<instance>.<region>.ots.aliyuncs.com, or
  // the VPC variant): no default can be guessed safely.
  const otsEndpoint = read('BWSCALER_OTS_ENDPOINT', (v) => endpointUrl(required(v)));
  const otsInstance = read('BWSCALER_OTS_INSTANCE', (v) => tablestoreInstance(required(v)));
  const policy = read('BWSCALER_POLICY', (v) => policySource(required(v), readFile, nonEmpty(env.FC_FUNC_CODE_PATH)));
  const webhookToken = read('BWSCALER_WEBHOOK_TOKEN', (v) => (v === undefined ? '' : webhookTokenValue(v)));
  const dingTalkSecret = read('BWSCALER_DINGTALK_SECRET', (v) => (v === undefined ? undefined : dingTalkSecretValue(v)));
  const notify = read('BWSCALER_NOTIFY_URL', (v) => (v === undefined ? undefined : notifyConfig(endpointUrl(v), dingTalkSecret)));
  if (dingTalkSecret !== undefined && env.BWSCALER_NOTIFY_URL === undefined) {
    problems.push('BWSCALER_DINGTALK_SECRET: set without BWSCALER_NOTIFY_URL (the robot URL it signs for)');
  }
  const replayWindowSeconds = read('BWSCALER_REPLAY_WINDOW_SECONDS', (v) => (v === undefined ? DEFAULT_REPLAY_WINDOW_SECONDS : integerIn(v, 10, 86_400)));
  // ECS rate limits are per account and shared with the console (docs/reference/alibaba-cloud.md §3.5): a large fleet may need
  // fewer orders per tick than the default, a busy account fewer still.
  const maxOrdersPerTick = read('BWSCALER_MAX_ORDERS_PER_TICK', (v) => (v === undefined ? undefined : integerIn(v, 1, 5000)));
  // These three are for the local cloud, where an unanswered request, a back-off or a pause before a
  // read-back costs real seconds while the simulated clock stands still (the chaos run sets them
  // small); the defaults suit the real cloud.
  const sdkTimeoutMs = read('BWSCALER_SDK_TIMEOUT_MS', (v) => (v === undefined ? undefined : integerIn(v, 100, 60_000)));
  const retryDelayMs = read('BWSCALER_RETRY_DELAY_MS', (v) => (v === undefined ? undefined : integerIn(v, 1, 10_000)));
  const readBackIntervalMs = read('BWSCALER_READBACK_INTERVAL_MS', (v) => (v === undefined ? undefined : integerIn(v, 1, 60_000)));
  const credentials = staticCredentials(env, problems);

  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  const config: Config = {
    region: region as string,
    ecsEndpoint: ecsEndpoint as string,
    vpcEndpoint: vpcEndpoint as string,
    cmsEndpoint: cmsEndpoint as string,
    otsEndpoint: otsEndpoint as string,
    otsInstance: otsInstance as string,
    policy: policy as Config['policy'],
    webhookToken: webhookToken as string,
    replayWindowSeconds: replayWindowSeconds as number,
  };
  if (notify) config.notify = notify;
  if (maxOrdersPerTick !== undefined) config.maxOrdersPerTick = maxOrdersPerTick;
  if (sdkTimeoutMs !== undefined) config.sdkTimeoutMs = sdkTimeoutMs;
  if (retryDelayMs !== undefined) config.retryDelayMs = retryDelayMs;
  if (readBackIntervalMs !== undefined) config.readBackIntervalMs = readBackIntervalMs;
  if (credentials) config.credentials = credentials;
  return config;
}

/** Unset and empty are the same: FC's console writes empty strings for cleared variables. */
function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === '' ? undefined : trimmed;
}

function required(value: string | undefined): string {
  if (value === undefined) throw new Error('required, not set');
  return value;
}

function regionId(value: string): string {
  if (!/^[a-z]{2,}(-[a-z0-9]+)+$/.test(value)) throw new Error(`"${value}" is not a region id such as cn-hangzhou`);
  return value;
}

/**
 * The public regional endpoints (docs/reference/alibaba-cloud.md §1.1: `ecs.<region>.aliyuncs.com` matches the samples;
 * §4.2: `metrics.<region>.aliyuncs.com`). Without a valid region the default cannot be built, and
 * BWSCALER_REGION already reports that.
 */
function regional(service: 'ecs' | 'vpc' | 'metrics', region: string | undefined): string {
  return `https://${service}.${region ?? 'invalid-region'}.aliyuncs.com`;
}

function endpointUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`"${value}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`"${value}" must start with https:// or http://`);
  return value.replace(/\/+$/, '');
}

/** Tablestore instance names: 3-16 characters, letters, digits and hyphens, starting with a letter. */
function tablestoreInstance(value: string): string {
  if (!/^[A-Za-z][A-Za-z0-9-]{1,14}[A-Za-z0-9]$/.test(value)) {
    throw new Error(`"${value}" is not a Tablestore instance name (3-16 letters, digits or hyphens, starting with a letter)`);
  }
  return value;
}

/**
 * BWSCALER_POLICY holds either a path or the document itself. Inline text is recognised by a line
 * break, or by starting with `{` (JSON) or `---` (YAML); anything else is a path, so a one-line
 * YAML document fails with "cannot read file" rather than being half-read.
 *
 * On Function Compute a relative path is read from the code directory, which the runtime names in
 * FC_FUNC_CODE_PATH (https://www.alibabacloud.com/help/en/functioncompute/fc/environment-variables):
 * the deployment descriptions set BWSCALER_POLICY=policy.yaml, the file the build packs into each zip,
 * because the policy itself would not fit FC's 4 KB limit on the environment. Elsewhere (the CLI) a
 * relative path is read from the working directory, as before.
 */
function policySource(value: string, readFile: (path: string) => string, codePath: string | undefined): { text: string; source: string } {
  if (value.includes('\n') || value.startsWith('{') || value.startsWith('---')) return { text: value, source: 'BWSCALER_POLICY' };
  const path = codePath !== undefined && !isAbsolute(value) ? join(codePath, value) : value;
  try {
    return { text: readFile(path), source: path };
  } catch (error) {
    const reason = (error as { code?: string }).code ?? (error instanceof Error ? error.message : String(error));
    throw new Error(`cannot read policy file "${path}" (${reason}); inline YAML must span lines or start with "---"`);
  }
}

function webhookTokenValue(value: string): string {
  if (value.length < MIN_WEBHOOK_TOKEN_LENGTH) throw new Error(`must have at least ${MIN_WEBHOOK_TOKEN_LENGTH} characters`);
  return value;
}

/** The robot's signing secret is shown in its security settings as a string starting with SEC. */
function dingTalkSecretValue(value: string): string {
  if (!/^SEC[0-9A-Za-z]{5,}$/.test(value)) throw new Error('expected the robot signing secret (SEC followed by letters and digits)');
  return value;
}

/** A DingTalk robot is recognised by its secret (SEC…) or its host; anything else gets a JSON POST. */
export function notifyConfig(url: string, dingTalkSecret: string | undefined): NotifyConfig {
  const isDingTalk = dingTalkSecret !== undefined || new URL(url).hostname.endsWith('dingtalk.com');
  const config: NotifyConfig = { url, kind: isDingTalk ? 'dingtalk' : 'webhook' };
  if (dingTalkSecret !== undefined) config.secret = dingTalkSecret;
  return config;
}

function integerIn(value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) throw new Error(`"${value}" is not a whole number`);
  const n = Number(value);
  if (n < min || n > max) throw new Error(`${n} is outside ${min}..${max}`);
  return n;
}

function staticCredentials(env: Env, problems: string[]): Credentials | undefined {
  const accessKeyId = nonEmpty(env.ALIBABA_CLOUD_ACCESS_KEY_ID);
  const accessKeySecret = nonEmpty(env.ALIBABA_CLOUD_ACCESS_KEY_SECRET);
  const securityToken = nonEmpty(env.ALIBABA_CLOUD_SECURITY_TOKEN);
  if (accessKeyId === undefined && accessKeySecret === undefined) {
    if (securityToken !== undefined) problems.push('ALIBABA_CLOUD_SECURITY_TOKEN: set without ALIBABA_CLOUD_ACCESS_KEY_ID and _SECRET');
    return undefined;
  }
  if (accessKeyId === undefined || accessKeySecret === undefined) {
    const missing = accessKeyId === undefined ? 'ALIBABA_CLOUD_ACCESS_KEY_ID' : 'ALIBABA_CLOUD_ACCESS_KEY_SECRET';
    problems.push(`${missing}: required when the other half of the key pair is set`);
    return undefined;
  }
  return securityToken === undefined ? { accessKeyId, accessKeySecret } : { accessKeyId, accessKeySecret, securityToken };
}
