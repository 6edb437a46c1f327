// The one place that builds a `tablestore` SDK client and translates its errors into the project's
// own (src/errors.ts). Used by the store (tablestore.ts) and by init-tables (tables.ts).
import type TableStore from 'tablestore';
import type { Client } from 'tablestore';
import { BwscalerError, ConflictError, StoreUnavailableError } from '../errors';

export interface TablestoreConfig {
  /** e.g. https://<instance>.<region>.ots.aliyuncs.com, or the local emulator's http://127.0.0.1:PORT */
  endpoint: string;
  instanceName: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** STS token: Function Compute hands the function role's credentials out as STS. */
  securityToken?: string;
  /** Socket idle timeout per request. Default 3000 ms (the SDK's own default is none at all). */
  timeoutMs?: number;
  /** SDK retries of read requests. Default 2 (the SDK's own default is 20, with up to 3 s between). */
  maxRetries?: number;
  /**
   * First pause before an SDK read retry (ms; the next doubles). The SDK's own is 200 ms (500 ms after
   * a throttling code), kept when unset. Process-global like maxRetries: set when the client opens.
   */
  retryDelayMs?: number;
}

export type Sdk = typeof TableStore;

let sdk: Promise<Sdk> | undefined;

/**
 * Loads the SDK on first use: requiring it costs ~90 ms of cold start (docs/reference/sdk-traps.md §6), which a
 * function that never reaches the store (a duplicate alarm, `validate`) should not pay.
 */
export function loadSdk(): Promise<Sdk> {
  sdk ??= import('tablestore').then((module) => module.default);
  return sdk;
}

export async function openClient(config: TablestoreConfig): Promise<{ sdk: Sdk; client: Client }> {
  const TableStore = await loadSdk();
  if (config.retryDelayMs !== undefined) {
    // The SDK waits delayFactor × 2^retry × (0.5 to 1) before a retry (lib/retry/default_retry_policy.js).
    TableStore.DefaultRetryPolicy.stabilityExceptionDelayFactor = config.retryDelayMs;
    TableStore.DefaultRetryPolicy.serverThrottlingExceptionDelayFactor = config.retryDelayMs;
  }
  const client = new TableStore.Client({
    endpoint: config.endpoint,
    instancename: config.instanceName,
    accessKeyId: config.accessKeyId,
    secretAccessKey: config.accessKeySecret,
    ...(config.securityToken ? { stsToken: config.securityToken } : {}),
    // The SDK copies maxRetries into the PROCESS-GLOBAL TableStore.DefaultRetryPolicy.maxRetryTimes
    // each time it builds a request, so the client that sent last decides for all. Every client this
    // project builds sets it, so it is never left at 20. Only reads are retried in practice: the
    // retry list matches OTS codes against err.code, which the SDK fills with the HTTP status.
    maxRetries: config.maxRetries ?? 2,
    httpOptions: { timeout: config.timeoutMs ?? 3000 },
  });
  return { sdk: TableStore, client };
}

/**
 * The OTS error code and message of an SDK error. The SDK tries to parse the protobuf error body
 * with an XML parser that does not exist, so it reports the HTTP status as `err.code` and the raw
 * protobuf `Error{code = 1, message = 2}` bytes, as a string, as `err.message` (docs/reference/sdk-traps.md §3).
 */
export function readOtsError(error: unknown): { status?: number | string; code?: string; message: string } {
  if (!(error instanceof Error)) return { message: String(error) };
  const status = (error as { code?: unknown }).code;
  const raw = error.message;
  const found = /\b(OTS\w+)/.exec(raw);
  const code = found?.[1];
  let message = raw;
  if (found && code) {
    // After the code: the tag of field 2 (0x12), a varint length (bytes >= 0x80, which became
    // U+FFFD when the SDK decoded the body as UTF-8, then one final byte), then the text.
    const after = raw.slice(found.index + code.length);
    let start = 0;
    if (after.charCodeAt(0) === 0x12) {
      start = 1;
      while (start < after.length && after.charCodeAt(start) >= 0x80) start++;
      start++;
    }
    message = after.slice(start);
  }
  return {
    ...(typeof status === 'number' || typeof status === 'string' ? { status } : {}),
    ...(code ? { code } : {}),
    message: message.trim(),
  };
}

/** OTS codes that mean "not now" rather than "not this": throttling, overload, partitions moving. */
const UNAVAILABLE_CODES = new Set([
  'OTSServerBusy',
  'OTSServerUnavailable',
  'OTSInternalServerError',
  'OTSTimeout',
  'OTSPartitionUnavailable',
  'OTSTableNotReady',
  'OTSNotEnoughCapacityUnit',
  'OTSOperationThrottled',
  'OTSQuotaExhausted',
  // "Data is being modified by the other request": a transient lock, not a lost condition.
  'OTSRowOperationConflict',
]);

/** Error codes the SDK itself puts in `err.code` for failures that never got an OTS answer. */
const TRANSPORT_CODES = new Set(['TimeoutError', 'NetworkingError']);

/** Translates an OTS code (a whole request's, or one BatchWriteRow row's) into a project error. */
export function otsError(what: string, code: string | undefined, message: string, cause?: unknown): Error {
  const text = `Tablestore ${what}: ${code ?? 'error'}: ${message}`;
  if (code === 'OTSConditionCheckFail') return new ConflictError(text, { cause });
  if (code && UNAVAILABLE_CODES.has(code)) return new StoreUnavailableError(text, { cause });
  return new BwscalerError(text, { cause });
}

/**
 * Vendor error → project error, at the boundary. A failed condition is a ConflictError (403
 * OTSConditionCheckFail); 5xx, timeouts, network failures and throttling are StoreUnavailableError
 * (the cycle fails closed); any other OTS answer is a BwscalerError carrying its OTS code. What is
 * not an SDK error at all (a bug, a TypeError from the encoder) is rethrown as it is.
 */
export function translateError(error: unknown, what: string): unknown {
  const { status, code, message } = readOtsError(error);
  if (typeof status === 'string' && TRANSPORT_CODES.has(status)) {
    return new StoreUnavailableError(`Tablestore ${what}: ${status}: ${message}`, { cause: error });
  }
  if (typeof status !== 'number') return error;
  if (status >= 500) {
    return new StoreUnavailableError(`Tablestore ${what}: ${code ?? `HTTP ${status}`}: ${message}`, { cause: error });
  }
  return otsError(what, code ?? `HTTP ${status}`, message, error);
}
