// The state store the functions write, opened for the commands from the same variables the
// functions use:
//
//   BWSCALER_OTS_ENDPOINT            https://<instance>.<region>.ots.aliyuncs.com (or the local
//                                    cloud's http://127.0.0.1:PORT); `memory:` = an in-memory store,
//                                    for local runs only: it forgets everything when the process ends
//   BWSCALER_OTS_INSTANCE            the Tablestore instance name
//   ALIBABA_CLOUD_ACCESS_KEY_ID      \
//   ALIBABA_CLOUD_ACCESS_KEY_SECRET   > Function Compute 3.0 sets these from the function's role
//   ALIBABA_CLOUD_SECURITY_TOKEN     /  (STS); a long-lived key has no token
import type { Credentials } from '../adapters/pop';
import { ConfigError } from '../errors';
import type { ServedStore } from '../ports/served-store';
import type { StateStore } from '../ports/state-store';
import { createMemoryStore, createTablestoreStore, MEMORY_ENDPOINT } from '../state/index';
import { createMemoryServedStore, createTablestoreServedStore } from '../state/served';
import type { TablestoreConfig } from '../state/tablestore-client';
import type { Env, Terminal } from './command';

export function openStore(env: Env, out: Terminal): StateStore {
  if (env.BWSCALER_OTS_ENDPOINT?.trim() === MEMORY_ENDPOINT) {
    // The in-memory store lives and dies with one process: a separate command can never see it.
    throw new ConfigError(`BWSCALER_OTS_ENDPOINT is ${MEMORY_ENDPOINT}: the in-memory store holds nothing outside the process that wrote it`);
  }
  out.addSecret(env.ALIBABA_CLOUD_ACCESS_KEY_SECRET?.trim());
  out.addSecret(env.ALIBABA_CLOUD_SECURITY_TOKEN?.trim());
  return createStoreFromEnv(env);
}

export const STORE_ENVIRONMENT = `environment: BWSCALER_OTS_ENDPOINT, BWSCALER_OTS_INSTANCE, ALIBABA_CLOUD_ACCESS_KEY_ID,
             ALIBABA_CLOUD_ACCESS_KEY_SECRET [, ALIBABA_CLOUD_SECURITY_TOKEN]`;

/**
 * The Tablestore connection the environment describes. Every missing or malformed variable is
 * named in ONE ConfigError (as the functions' configuration parser does), so an operator fixes the
 * environment in one go instead of one variable per run.
 */
export function tablestoreConfigFromEnv(env: Env, credentials?: Credentials): TablestoreConfig {
  const problems: string[] = [];
  const required = (name: string, purpose: string): string => {
    const value = env[name]?.trim();
    if (!value) problems.push(`environment variable ${name} is not set (${purpose})`);
    return value ?? '';
  };
  const endpoint = required('BWSCALER_OTS_ENDPOINT', `the Tablestore endpoint, or ${MEMORY_ENDPOINT}`);
  if (endpoint !== '' && !/^https?:\/\//.test(endpoint)) {
    problems.push(`BWSCALER_OTS_ENDPOINT must start with http:// or https:// (or be ${MEMORY_ENDPOINT}), got "${endpoint}"`);
  }
  const instanceName = required('BWSCALER_OTS_INSTANCE', 'the Tablestore instance name');
  const accessKeyId = credentials ? credentials.accessKeyId : required('ALIBABA_CLOUD_ACCESS_KEY_ID', 'the AccessKey id');
  const accessKeySecret = credentials ? credentials.accessKeySecret : required('ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'the AccessKey secret');
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  if (credentials) return { endpoint, instanceName, ...credentials };
  const token = env.ALIBABA_CLOUD_SECURITY_TOKEN?.trim();
  return { endpoint, instanceName, accessKeyId, accessKeySecret, ...(token ? { securityToken: token } : {}) };
}

export function createStoreFromEnv(env: Env, credentials?: Credentials): StateStore {
  if (env.BWSCALER_OTS_ENDPOINT?.trim() === MEMORY_ENDPOINT) return createMemoryStore();
  return createTablestoreStore(tablestoreConfigFromEnv(env, credentials));
}

/** The predictive policy's served-history cache on the same store (in memory for the memory endpoint). */
export function createServedStoreFromEnv(env: Env, credentials?: Credentials): ServedStore {
  if (env.BWSCALER_OTS_ENDPOINT?.trim() === MEMORY_ENDPOINT) return createMemoryServedStore();
  return createTablestoreServedStore(tablestoreConfigFromEnv(env, credentials));
}
