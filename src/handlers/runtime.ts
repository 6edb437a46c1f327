// Everything a function needs, built ONCE per Function Compute container (at the first invocation)
// and reused by warm invocations: configuration, the parsed policy, the logger, the SDK clients.
//
// Credentials: Function Compute passes the role's STS credentials in every invocation's context and
// rotates them, while clients live as long as the container. The RPC clients read the latest ones
// before each request; the Tablestore client is rebuilt when they change.

import { createBandwidthProvider } from '../adapters/bandwidth-provider';
import { CMS_API_VERSION, createMetricApi } from '../adapters/cms';
import { createDecisionPublisher, createTelemetryApi, type DecisionPublisher } from '../adapters/cms-telemetry';
import { createEcsApi, ECS_API_VERSION } from '../adapters/ecs';
import { type Credentials, createRpcClient } from '../adapters/pop';
import { createVpcApi, VPC_API_VERSION } from '../adapters/vpc';
import { type Config, loadConfig } from '../config';
import type { RetryOptions } from '../cycle/apply';
import type { CycleDeps } from '../cycle/deps';
import type { ReconcileOptions } from '../cycle/reconcile';
import { ConfigError } from '../errors';
import { createLogger, type Logger, MIN_SECRET_LENGTH } from '../log';
import { createNotifier } from '../notify/notifier';
import { type PolicyDocument, parsePolicyDocument } from '../policy/load';
import type { ControlStore } from '../ports/control-store';
import type { ServedStore } from '../ports/served-store';
import type { StateStore } from '../ports/state-store';
import { createTablestoreControlStore } from '../state/control';
import { createTablestoreServedStore } from '../state/served';
import { createTablestoreStore } from '../state/tablestore';
import type { TablestoreConfig } from '../state/tablestore-client';

export interface Runtime {
  config: Config;
  doc: PolicyDocument;
  logger: Logger;
  deps: CycleDeps;
  /** Order retry back-off from BWSCALER_RETRY_DELAY_MS (the cycle's default when absent). */
  retry?: Partial<RetryOptions>;
  /** The alarm path's read-back pause from BWSCALER_READBACK_INTERVAL_MS (the cycle's default when absent). */
  reconcile?: Partial<ReconcileOptions>;
  /** CloudMonitor custom metrics and events of this invocation's decisions, flushed after the cycle (absent in handler tests that build a Runtime by hand). */
  telemetry?: DecisionPublisher;
  /** Takes the invocation's context.credentials (absent outside Function Compute). */
  useCredentials(credentials: Credentials | undefined): void;
}

let runtime: Runtime | undefined;

/** The container's runtime; built on first use from the environment (the deploy template's contract). */
export function getRuntime(env: Record<string, string | undefined> = process.env): Runtime {
  runtime ??= createRuntime(env);
  return runtime;
}

export function createRuntime(env: Record<string, string | undefined>, write?: (line: string) => void): Runtime {
  const config = loadConfig(env);
  const logger = createLogger(write);
  const secret = (value: string | undefined) => {
    if (value && value.length >= MIN_SECRET_LENGTH) logger.addSecret(value);
  };
  secret(config.webhookToken);
  secret(config.notify?.secret);
  secret(config.credentials?.accessKeySecret);
  secret(config.credentials?.securityToken);
  const doc = parsePolicyDocument(config.policy.text, config.policy.source);

  let current: Credentials | undefined = config.credentials;
  const credentials = (): Credentials => {
    if (!current) throw new ConfigError('no credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET outside Function Compute');
    return current;
  };
  const timeout = config.sdkTimeoutMs === undefined ? {} : { timeoutMs: config.sdkTimeoutMs };
  // Tablestore's SDK retries reads itself; BWSCALER_RETRY_DELAY_MS sets its first pause as well.
  const otsTimeout = { ...timeout, ...(config.retryDelayMs !== undefined && { retryDelayMs: config.retryDelayMs }) };
  // One provider port over ECS instances, EIPs and shared bandwidth packages; the VPC client is only
  // called when a policy selects EIPs or packages.
  const ecs = createBandwidthProvider({
    ecs: createEcsApi(createRpcClient({ endpoint: config.ecsEndpoint, apiVersion: ECS_API_VERSION, credentials, ...timeout })),
    vpc: createVpcApi(createRpcClient({ endpoint: config.vpcEndpoint, apiVersion: VPC_API_VERSION, credentials, ...timeout })),
  });
  const cmsClient = createRpcClient({ endpoint: config.cmsEndpoint, apiVersion: CMS_API_VERSION, credentials, ...timeout });
  const metrics = createMetricApi(cmsClient);
  const telemetry = createDecisionPublisher(createTelemetryApi(cmsClient), Date.now, { log: (level, msg, fields) => logger[level](msg, fields) });

  // Tablestore clients sign with the credentials they were built with: rebuild one when the
  // credentials rotate (a new STS token), keep it while they do not.
  const onCurrentCredentials = <T>(build: (options: TablestoreConfig) => T): (() => T) => {
    let built: { key: string; value: T } | undefined;
    return () => {
      const c = credentials();
      const key = `${c.accessKeyId}\n${c.securityToken ?? ''}`;
      if (built?.key !== key) {
        built = {
          key,
          value: build({
            endpoint: config.otsEndpoint,
            instanceName: config.otsInstance,
            accessKeyId: c.accessKeyId,
            accessKeySecret: c.accessKeySecret,
            securityToken: c.securityToken,
            ...otsTimeout,
          }),
        };
      }
      return built.value;
    };
  };
  const currentStore = onCurrentCredentials(createTablestoreStore);
  // A StateStore whose every call goes to the client built for the current credentials.
  const rotatingStore: StateStore = {
    getState: (...a) => currentStore().getState(...a),
    listStates: (...a) => currentStore().listStates(...a),
    putState: (...a) => currentStore().putState(...a),
    commit: (...a) => currentStore().commit(...a),
    appendHistory: (...a) => currentStore().appendHistory(...a),
    queryHistory: (...a) => currentStore().queryHistory(...a),
    markEventHandled: (...a) => currentStore().markEventHandled(...a),
  };
  // The served-history cache, on the same credentials as the state store.
  const currentServed = onCurrentCredentials(createTablestoreServedStore);
  const rotatingServed: ServedStore = {
    readServed: (...a) => currentServed().readServed(...a),
    writeServed: (...a) => currentServed().writeServed(...a),
  };
  // The operators' controls (pause, override), likewise.
  const currentControls = onCurrentCredentials(createTablestoreControlStore);
  const rotatingControls: ControlStore = {
    listControls: () => currentControls().listControls(),
    controlsFor: (...a) => currentControls().controlsFor(...a),
    putControl: (...a) => currentControls().putControl(...a),
    removeControl: (...a) => currentControls().removeControl(...a),
  };

  const notifier = config.notify ? createNotifier({ ...config.notify, logger }) : undefined;
  const deps: CycleDeps = {
    ecs,
    metrics,
    store: rotatingStore,
    served: rotatingServed,
    controls: rotatingControls,
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: (record) => {
      telemetry.record(record);
      const { level, msg, ...fields } = record;
      logger[level](msg, fields);
    },
    notify: notifier ? (event) => notifier.notify(event) : undefined,
  };
  return {
    config,
    doc,
    logger,
    deps,
    ...(config.retryDelayMs !== undefined && { retry: { baseDelayMs: config.retryDelayMs, maxDelayMs: 8 * config.retryDelayMs } }),
    ...(config.readBackIntervalMs !== undefined && { reconcile: { readBackIntervalMs: config.readBackIntervalMs } }),
    telemetry,
    useCredentials(given) {
      if (!given?.accessKeyId) return;
      secret(given.accessKeySecret);
      secret(given.securityToken);
      current = given;
    },
  };
}
