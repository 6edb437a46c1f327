// The operator commands' view of the environment contract (src/config.ts): region, endpoints,
// credentials and the webhook token, plus the RPC clients and the policy document built from them.

import { createBandwidthProvider } from '../adapters/bandwidth-provider';
import { CMS_API_VERSION } from '../adapters/cms';
import { createEcsApi, ECS_API_VERSION } from '../adapters/ecs';
import { type Credentials, createRpcClient, type RpcClient } from '../adapters/pop';
import { createVpcApi, VPC_API_VERSION } from '../adapters/vpc';
import { loadConfig } from '../config';
import { ConfigError } from '../errors';
import { loadPolicyFile, type PolicyDocument, parsePolicyDocument } from '../policy/load';
import type { InstanceApi } from '../ports/cloud';
import { MEMORY_ENDPOINT } from '../state/index';
import type { Env } from './command';

export interface CloudAccess {
  region: string;
  ecsEndpoint: string;
  cmsEndpoint: string;
  /** The VPC API: EIPs and shared bandwidth packages. */
  vpcEndpoint: string;
  credentials: Credentials;
  /** Empty when BWSCALER_WEBHOOK_TOKEN is unset. */
  webhookToken: string;
  /** BWSCALER_POLICY, when it is set and the command did not name a file instead. */
  policy?: { text: string; source: string };
  /** Values no output may show. */
  secrets: string[];
}

/**
 * Stand-ins for the variables loadConfig requires but an operator command does not read. loadConfig
 * is the functions' contract, where every variable is required because a deployed function needs
 * all of them; a command needs a subset (`setup-alarms` never touches Tablestore, `plan` takes the
 * policy from --policy). Filling only the unset ones keeps ONE parser: every variable that IS set is
 * still checked there (a misspelt BWSCALER_ name, a malformed endpoint, a webhook token that is too
 * short), and the stand-ins are never read back.
 */
const STAND_INS = {
  BWSCALER_OTS_ENDPOINT: 'http://127.0.0.1',
  BWSCALER_OTS_INSTANCE: 'unused',
  BWSCALER_POLICY: '---\n',
} as const;

export function readCloudAccess(env: Env, options: { policyFromEnv: boolean; store?: boolean }): CloudAccess {
  const filled: Env = { ...env };
  const isSet = (name: string) => (env[name]?.trim() ?? '') !== '';
  // `memory:` is the state module's in-memory store (src/state/index.ts), not a URL loadConfig takes.
  if (!isSet('BWSCALER_OTS_ENDPOINT') || env.BWSCALER_OTS_ENDPOINT?.trim() === MEMORY_ENDPOINT) {
    filled.BWSCALER_OTS_ENDPOINT = STAND_INS.BWSCALER_OTS_ENDPOINT;
  }
  if (!isSet('BWSCALER_OTS_INSTANCE')) filled.BWSCALER_OTS_INSTANCE = STAND_INS.BWSCALER_OTS_INSTANCE;
  const policyFromEnv = options.policyFromEnv && isSet('BWSCALER_POLICY');
  if (!policyFromEnv) filled.BWSCALER_POLICY = STAND_INS.BWSCALER_POLICY;

  // Every problem of the environment in one error, as loadConfig reports its own: the credentials
  // (which loadConfig treats as optional, a function having its role's) and, for a command that
  // reads the store, the Tablestore variables the stand-ins above hid from loadConfig.
  const problems: string[] = [];
  let config: ReturnType<typeof loadConfig> | undefined;
  try {
    config = loadConfig(filled);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(error.message);
  }
  if (!isSet('ALIBABA_CLOUD_ACCESS_KEY_ID') && !isSet('ALIBABA_CLOUD_ACCESS_KEY_SECRET')) {
    // Function Compute hands its functions the role's credentials; a terminal has no such role.
    problems.push('ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET: required, not set');
  }
  if (options.store && env.BWSCALER_OTS_ENDPOINT?.trim() !== MEMORY_ENDPOINT) {
    for (const name of ['BWSCALER_OTS_ENDPOINT', 'BWSCALER_OTS_INSTANCE']) {
      if (!isSet(name)) problems.push(`${name}: required, not set (the state store)`);
    }
  }
  if (problems.length > 0 || !config?.credentials) throw new ConfigError(problems.join('\n'));
  const { credentials } = config;
  const access: CloudAccess = {
    region: config.region,
    ecsEndpoint: config.ecsEndpoint,
    cmsEndpoint: config.cmsEndpoint,
    vpcEndpoint: config.vpcEndpoint,
    credentials,
    webhookToken: config.webhookToken,
    secrets: [credentials.accessKeySecret, credentials.securityToken ?? '', config.webhookToken].filter((s) => s !== ''),
  };
  if (policyFromEnv) access.policy = config.policy;
  return access;
}

/**
 * A person waits on these calls, not a function's time budget: a longer timeout than the
 * functions' 3 s default turns a slow answer into a slow command instead of a failed one.
 */
const CLI_TIMEOUT_MS = 10_000;

export interface CloudClients {
  ecs: RpcClient;
  cms: RpcClient;
  /** Only called when a policy selects EIPs or packages. */
  vpc: RpcClient;
  close(): void;
}

export function openClients(access: CloudAccess): CloudClients {
  const ecs = createRpcClient({ endpoint: access.ecsEndpoint, apiVersion: ECS_API_VERSION, credentials: access.credentials, timeoutMs: CLI_TIMEOUT_MS });
  const cms = createRpcClient({ endpoint: access.cmsEndpoint, apiVersion: CMS_API_VERSION, credentials: access.credentials, timeoutMs: CLI_TIMEOUT_MS });
  const vpc = createRpcClient({ endpoint: access.vpcEndpoint, apiVersion: VPC_API_VERSION, credentials: access.credentials, timeoutMs: CLI_TIMEOUT_MS });
  return {
    ecs,
    cms,
    vpc,
    close() {
      ecs.close();
      cms.close();
      vpc.close();
    },
  };
}

/** The policy document from --policy, else from BWSCALER_POLICY (a path or inline YAML). */
export async function loadPolicies(file: string | undefined, access: CloudAccess): Promise<PolicyDocument> {
  if (file !== undefined) return loadPolicyFile(file);
  if (access.policy) return parsePolicyDocument(access.policy.text, access.policy.source);
  throw new ConfigError('no policy: pass --policy FILE or set BWSCALER_POLICY');
}

/**
 * Every kind of bandwidth resource behind one port: ECS instances through the ECS API, EIPs and shared
 * bandwidth packages through the VPC API, routed by id prefix or the tag query's kind, as the tick does.
 */
export function resourceApi(clients: Pick<CloudClients, 'ecs' | 'vpc'>): InstanceApi {
  return createBandwidthProvider({ ecs: createEcsApi(clients.ecs), vpc: createVpcApi(clients.vpc) });
}
