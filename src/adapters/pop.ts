// The Alibaba Cloud RPC (POP) client: @alicloud/pop-core behind one function that turns every way it
// can fail into a CloudApiError with a redacted message.
//
// pop-core 1.8.0 quirks this file exists for (node_modules/@alicloud/pop-core lib/rpc.js, httpx lib/index.js):
// - it never checks the HTTP status: a 5xx whose JSON body has no `Code` RESOLVES as a success;
// - a non-JSON body (a gateway's HTML 502) rejects with json-bigint's plain object
//   `{name: 'SyntaxError', message, at, text}`: not an Error, no stack, no status;
// - `err.message`/`err.url` of an API error, and httpx's socket/timeout errors, contain the full
//   signed URL on GET calls: SecurityToken, Signature and AccessKeyId in clear;
// - the default timeout is 3000 ms and it never retries (the cycle owns backoff);
// - integers above 2^53 arrive as bignumber.js BigNumber objects;
// - `opts.headers` REPLACES its x-acs-action/x-acs-version headers (shallow assign): never pass it;
// - with no credentials it silently sends an UNSIGNED request.
//
// The import names lib/rpc, not the package: its index.js also requires lib/roa (the ROA client,
// never used here) and with it xml2js, xmlbuilder and sax, ~100 KB of every function bundle and
// ~10 ms of cold start. lib/rpc is the same class the index exports as default and as RPCClient.
import RPCClient from '@alicloud/pop-core/lib/rpc.js';
import type { z } from 'zod';
import { CloudApiError, type CloudErrorCategory } from '../errors';
import { redact } from '../log';

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/**
 * Fixed keys, or a function read before EVERY request. Function Compute hands out STS credentials
 * in `context.credentials` per invocation and rotates them, while the client is built once per
 * container: pass `() => latestContext.credentials`.
 */
export type CredentialsSource = Credentials | (() => Credentials | Promise<Credentials>);

export type RpcParams = Record<string, string | number | boolean>;
export type RpcResponse = Record<string, unknown>;

/** What pop-core answers in verbose mode: the body and the request/response metadata. */
interface PopEntry {
  response: { statusCode: number } | null;
}

/** The part of pop-core this module uses, typed by hand (its lib/rpc.d.ts lacks most of it). */
interface PopClient {
  request(action: string, params: RpcParams, opts: Record<string, unknown>): Promise<[RpcResponse, PopEntry]>;
  keepAliveAgent?: { destroy(): void };
}

export interface RpcClient {
  readonly endpoint: string;
  readonly apiVersion: string;
  readonly timeoutMs: number;
  readonly pop: PopClient;
  /** Drops the keep-alive sockets (tests; the FC container keeps them for warm invocations). */
  close(): void;
}

/** The real service default is 3000 ms (httpx TIMEOUT); it is explicit here so callers think about it. */
export const DEFAULT_TIMEOUT_MS = 3000;

export function createRpcClient(options: { endpoint: string; apiVersion: string; credentials: CredentialsSource; timeoutMs?: number }): RpcClient {
  const { endpoint, apiVersion, credentials } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const readCredentials = typeof credentials === 'function' ? credentials : () => credentials;
  // `credentialsProvider` is read by pop-core on every request (lib/rpc.js constructor and request)
  // but is missing from its type declarations, as is the second constructor argument `verbose`.
  // Verbose mode makes request() resolve [body, entry] where entry.response.statusCode is the HTTP
  // status: the only way to see that a Code-less 5xx body was not a success.
  const PopConstructor = RPCClient as unknown as new (config: Record<string, unknown>, verbose: boolean) => PopClient;
  const pop = new PopConstructor(
    {
      endpoint,
      apiVersion,
      credentialsProvider: {
        getCredentials: async () => checkedCredentials(await readCredentials()),
      },
    },
    true,
  );
  return {
    endpoint,
    apiVersion,
    timeoutMs,
    pop,
    close: () => pop.keepAliveAgent?.destroy(),
  };
}

function checkedCredentials(credentials: Credentials | undefined): Credentials {
  // pop-core signs only when both values are truthy and otherwise sends the request unsigned;
  // refuse here so the failure names its cause instead of coming back as a remote auth error.
  if (!credentials?.accessKeyId || !credentials.accessKeySecret) {
    throw new CloudApiError('no Alibaba Cloud credentials: accessKeyId and accessKeySecret are required', 'MissingCredentials', 'auth');
  }
  return credentials;
}

/**
 * Calls one RPC action. Resolves with the JSON body of a 2xx answer; rejects with CloudApiError for
 * every API, HTTP and transport failure, its message and `cause` free of credentials.
 * Use POST for writes: the signed parameters then travel in the form body, not the URL.
 * Categories come from classifyEcsError for every product: the codes it singles out beyond ECS's
 * own are the POP-wide ones (Throttling*, InternalError, ServiceUnavailable, signature and key
 * errors) that CloudMonitor answers too.
 */
export async function callRpc(client: RpcClient, action: string, params: RpcParams, options: { method: 'POST' | 'GET' }): Promise<RpcResponse> {
  let body: RpcResponse;
  let entry: PopEntry;
  try {
    // `method` must be the exact string 'POST' for pop-core to move the parameters into the body;
    // lower-case 'post' is signed as POST but still sends them in the query string.
    [body, entry] = await client.pop.request(action, params, { method: options.method, timeout: client.timeoutMs });
  } catch (error) {
    throw toCloudApiError(action, error);
  }
  const status = entry.response?.statusCode ?? 200;
  if (status >= 400) {
    // A JSON error body without `Code` (pop-core resolved it). A 5xx is the service failing;
    // a 4xx without a code is nothing we can act on, so the request is treated as rejected.
    const code = `HttpStatus.${status}`;
    const requestId = typeof body.RequestId === 'string' ? body.RequestId : undefined;
    throw new CloudApiError(`${action} failed: HTTP ${status} without an error code`, code, classifyEcsError(code), requestId, {
      cause: { name: 'HttpStatusError', code, status },
    });
  }
  return body;
}

/**
 * Reads a response body (or a part of it) with a schema. A body we cannot read is `rejected`:
 * asking again the same way will not change its shape.
 */
export function parseResponse<T>(schema: z.ZodType<T>, body: unknown, where: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => `${[where, ...issue.path.map(String)].join('.')}: ${issue.message}`);
  const requestId = (body as RpcResponse | undefined)?.RequestId;
  throw new CloudApiError(
    `unexpected ${where} response: ${issues.join('; ')}`,
    'InvalidResponse',
    'rejected',
    typeof requestId === 'string' ? requestId : undefined,
  );
}

const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  // A wrong endpoint also gives ENOTFOUND, but so does a resolver hiccup inside FC; the cycle's
  // bounded backoff makes treating it as transient cheap, and the logged code names the cause.
  'ENOTFOUND',
  'UND_ERR_SOCKET',
]);

/** Normalises what pop-core/httpx/json-bigint throw. Unknown shapes are rethrown with a redacted message. */
function toCloudApiError(action: string, error: unknown): Error {
  if (error instanceof CloudApiError) return error;
  const shape = (error ?? {}) as { name?: unknown; code?: unknown; message?: unknown; data?: unknown };
  // httpx appends "GET <signed URL> failed." to transport errors: the query string adds nothing
  // but credentials (the action is named anyway), so it goes; redact() stays as the safety net.
  const rawMessage = typeof shape.message === 'string' ? shape.message : String(error);
  const message = redact(rawMessage.replace(/(https?:\/\/[^\s?]*)\?\S*/g, '$1'));
  const name = typeof shape.name === 'string' ? shape.name : 'Error';

  if (typeof shape.code === 'string' && shape.data && typeof shape.data === 'object') {
    // An API error: pop-core's Error with `code` = the body's Code and `data` = the whole body.
    const data = shape.data as { Message?: unknown; RequestId?: unknown; Recommend?: unknown };
    const apiMessage = typeof data.Message === 'string' ? redact(data.Message) : '';
    const requestId = typeof data.RequestId === 'string' ? data.RequestId : undefined;
    const code = documentedSpelling(shape.code);
    return new CloudApiError(`${action} failed: ${code}: ${apiMessage}`, code, classifyEcsError(code, apiMessage), requestId, {
      cause: sanitized(name, code, apiMessage, { recommend: data.Recommend, ...(code === shape.code ? {} : { receivedCode: shape.code }) }),
    });
  }
  if (name === 'SyntaxError' && !(error instanceof Error)) {
    // json-bigint's plain object: the body was not JSON. The API itself always answers JSON when
    // Format=JSON, so this is the gateway in front of it (Tengine/SLB error pages for 502/503/504).
    // pop-core drops the status on this path; BadGateway names the common case, and it is retryable.
    const text = (error as { text?: unknown }).text;
    const excerpt = typeof text === 'string' ? redact(text.replace(/\s+/g, ' ').slice(0, 120)) : '';
    return new CloudApiError(`${action} failed: the endpoint answered a non-JSON body: ${excerpt}`, 'BadGateway', 'retryable', undefined, {
      cause: sanitized(name, 'BadGateway', message, {}),
    });
  }
  if (name === 'RequestTimeoutError') {
    return new CloudApiError(`${action} failed: no answer within the timeout (${message})`, 'RequestTimeout', 'retryable', undefined, {
      cause: sanitized(name, 'RequestTimeout', message, {}),
    });
  }
  if (typeof shape.code === 'string') {
    // Node socket, DNS and TLS errors (httpx appends the signed URL to their message).
    const category: CloudErrorCategory = NETWORK_ERROR_CODES.has(shape.code) ? 'retryable' : 'rejected';
    return new CloudApiError(`${action} failed: ${shape.code}: ${message}`, shape.code, category, undefined, {
      cause: sanitized(name, shape.code, message, {}),
    });
  }
  const copy = new Error(message);
  copy.name = name;
  return copy;
}

/** A plain copy of a vendor error holding only redacted text, safe to log and serialise. */
function sanitized(name: string, code: string, message: string, extra: Record<string, unknown>): Record<string, unknown> {
  const fields: Record<string, unknown> = { name, code, message };
  for (const [key, value] of Object.entries(extra)) if (typeof value === 'string') fields[key] = redact(value);
  return fields;
}

// ---------------------------------------------------------------------------------------------
// Spelling. The ModifyInstanceNetworkSpec references disagree with each other and with older texts on
// the case of some codes: the current one (https://api.alibabacloud.com/document/Ecs/2014-05-26/ModifyInstanceNetworkSpec,
// change history to 2025-03-14) and the 2021 one (AlibabaCloudDocs/ecs, intl.en-US/API Reference/
// Networks/ModifyInstanceNetworkSpec.md) write InvalidInstance.UnPaidOrder and DecreasedBandwidthNotAllowed,
// older texts InvalidInstance.UnpaidOrder and DecreasedBandWidthNotAllowed, and the current one adds
// OperationDenied.UnpaidOrder. Chosen: accept any case, and report the documented spelling, so that
// everything after the adapter (stored blocks, blockedReason, notices, logs) compares one spelling.

/** The spellings both references print, for the codes this product treats on their own. */
const DOCUMENTED_SPELLINGS = [
  'InvalidInstance.UnPaidOrder',
  'OperationDenied.UnpaidOrder',
  'DecreasedBandwidthNotAllowed',
  'OperationDenied',
  'IncorrectInstanceStatus',
  'InvalidInstanceStatus',
  'InstanceDowngrade.QuotaExceed',
  'QuotaExceeded.InternetBandwidth',
  'InvalidParameter.BandwidthBiggerThanBaseBandwidth',
  'InvalidInternetMaxBandwidthIn.ValueNotSupported',
  'InvalidInternetMaxBandwidthOut.ValueNotSupported',
  'InvalidAccountStatus.NotEnoughBalance',
  'Account.Arrearage',
  'InstanceExpiredOrInArrears',
  'InstanceLockedForSecurity',
  'InvalidInstanceId.NotFound',
  'LastOrderProcessing',
  'LastRequestProcessing',
  'TaskConflict',
  'Throttling',
  'InternalError',
];
const SPELLING = new Map(DOCUMENTED_SPELLINGS.map((code) => [code.toLowerCase(), code]));

/** A code in the documented spelling when it is one of ours in another case; otherwise as received. */
export function documentedSpelling(code: string): string {
  return SPELLING.get(code.toLowerCase()) ?? code;
}

// ---------------------------------------------------------------------------------------------
// Classification (the error tables named above, the POP-wide common codes, and the codes Alibaba's
// Terraform provider retries).

const lower = (codes: string[]) => new Set(codes.map((code) => code.toLowerCase()));

/**
 * Billing, account or security states only the account owner can clear. QuotaExceeded.InternetBandwidth
 * is the account's regional bandwidth cap (raised by a ticket, per the current reference); the
 * 3-D verification and the payment method are the card's and the account's.
 */
const NEEDS_HUMAN = lower([
  'InvalidAccountStatus.NotEnoughBalance',
  'Account.Arrearage',
  'InstanceExpiredOrInArrears',
  'InstanceLockedForSecurity',
  'QuotaExceeded.InternetBandwidth',
  'SecurityRisk.3DVerification',
  'InvalidPayMethod.SyncPaymentNotSupport',
]);
const AUTH = lower(['SignatureDoesNotMatch', 'IncompleteSignature', 'MissingCredentials']);
const AUTH_PREFIXES = ['invalidaccesskeyid', 'invalidsecuritytoken', 'forbidden.'];
/**
 * Transient: throttling (the current reference answers the 5-minute lock after a change with
 * Throttling, "please try again after 5 minutes"), an order or task in flight, server faults
 * (Alibaba's Terraform provider retries the same set), and our own transport codes (RequestTimeout,
 * BadGateway, HttpStatus.5xx).
 */
const RETRYABLE = lower([
  'LastOrderProcessing',
  'LastRequestProcessing',
  'LastTokenProcessing',
  'TaskConflict',
  'OperationConflict',
  'InternalError',
  'UnknownError',
  'SystemBusy',
  'RequestTimeout',
  'BadGateway',
]);
const RETRYABLE_PREFIXES = ['throttling', 'serviceunavailable', 'httpstatus.5'];

/**
 * How the cycle treats an ECS error. Codes compare case-insensitively (see "Spelling" above).
 * `OperationDenied` has four documented messages: "After downgrade, you cannot upgrade or downgrade
 * ... current billing cycle" (quota), "The current user does not support this operation" (the
 * account's: needs a person), "Specified instance is in VPC" and "... the instance is PrePaid"
 * (rejected): only the message tells them apart.
 * Unknown codes are `rejected`: the request is wrong for this instance until something changes.
 */
export function classifyEcsError(code: string, message = ''): CloudErrorCategory {
  const key = code.toLowerCase();
  if (key.endsWith('unpaidorder') || NEEDS_HUMAN.has(key) || key.startsWith('nopermission.')) return 'needsHuman';
  if (key === 'instancedowngrade.quotaexceed') return 'quota';
  if (key === 'operationdenied' && /after downgrade/i.test(message)) return 'quota';
  if (key === 'operationdenied' && /current user does not support/i.test(message)) return 'needsHuman';
  if (key === 'invalidinstanceid.notfound') return 'notFound';
  if (AUTH.has(key) || AUTH_PREFIXES.some((p) => key.startsWith(p))) return 'auth';
  if (RETRYABLE.has(key) || RETRYABLE_PREFIXES.some((p) => key.startsWith(p))) return 'retryable';
  return 'rejected';
}
