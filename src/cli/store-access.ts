// The state store the functions write, opened for the read-only commands (status, history) from the
// same variables the functions use (src/state/index.ts).
import { ConfigError } from '../errors';
import type { StateStore } from '../ports/state-store';
import { createStoreFromEnv, MEMORY_ENDPOINT } from '../state/index';
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
