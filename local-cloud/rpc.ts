// The Alibaba Cloud RPC (POP) protocol, server side: parameters from the query string and a form body,
// signature v1.0 verification, replay and clock-skew checks, dispatch by Version to a service's
// action handlers, JSON or XML answers, a call log entry per call, and fault injection.
//
// Sources: AlibabaCloudDocs/ecs "Request signatures.md", "Common parameters.md", "Response results.md"
// (intl.en-US/API Reference/Getting started), and @alicloud/pop-core 1.8.0 lib/rpc.js (wire behaviour).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type RpcContext, RpcError, type RpcHandler } from './model';
import { stringToSign, verifyRpcV1 } from './signature';
import type { CallRecord, Fault, World } from './world';

/** One RPC product served on the shared port, selected by the request's `Version`. */
export interface RpcService {
  /** Short name used in the call log and fault matching: 'ecs', 'cms'. */
  name: string;
  version: string;
  /** What error bodies report as HostId, like the real regional endpoint. */
  hostId: string;
  handlers: Record<string, RpcHandler>;
}

/** An HTTP answer; `null` from the endpoint means "never answer" (an injected timeout). */
export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RpcEndpointOptions {
  /**
   * Wall time for the Timestamp and nonce checks. SDKs stamp requests with the machine's real clock
   * (pop-core `timestamp()` uses `new Date()`), not the emulated one, so skew is measured against
   * the wall clock even when the world's clock is manual and sits at another date.
   */
  wallNow?: () => number;
  /** Called once per answered call (the CLI logs it to stderr). */
  onCall?: (call: CallRecord) => void;
}

/**
 * Signature freshness window. The docs give no figure [I]; 15 minutes is what the Alibaba gateways
 * are commonly observed to allow, and it is also how long a nonce is remembered: a replay older
 * than the window already fails on its Timestamp.
 */
export const SIGNATURE_WINDOW_SECONDS = 15 * 60;

const TIMESTAMP_FORMAT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;
const REQUIRED_SIGNATURE_PARAMS = ['AccessKeyId', 'Signature', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp'];

/**
 * HTTP status of codes a fault may inject, as "Response results.md" and the ModifyInstanceNetworkSpec
 * error table document them. A code not listed here answers 400 unless the fault gives `status`.
 */
const DOCUMENTED_STATUS: Record<string, number> = {
  InternalError: 500,
  UnknownError: 400,
  ServiceUnavailable: 503,
  'ServiceUnavailable.RegionMaintaining': 503,
  OperationConflict: 409,
  Throttling: 400,
  'Throttling.User': 400,
  'Throttling.Api': 400,
  LastOrderProcessing: 400,
  LastRequestProcessing: 400,
  TaskConflict: 400,
  'InstanceDowngrade.QuotaExceed': 400,
  'InvalidInstanceId.NotFound': 404,
  'InvalidAccountStatus.NotEnoughBalance': 403,
  'InvalidInstance.UnPaidOrder': 403,
  InstanceLockedForSecurity: 403,
  InstanceExpiredOrInArrears: 403,
  IncorrectInstanceStatus: 403,
  'Forbidden.RAM': 403,
  // VPC (local-cloud/vpc, docs/reference/vpc.md): the statuses ModifyEipAddressAttribute and
  // ModifyCommonBandwidthPackageSpec document for their codes.
  'InvalidAllocationId.NotFound': 404,
  'InvalidBandwidthPackageId.NotFound': 404,
  'InvalidBandwidth.ValueNotSupported': 404,
  'BandwidthPackage.FinancialLocked': 404,
  'ResourceNotEnough.Bandwidth': 400,
  'InsufficientBalance.Eip': 400,
  'OrderError.EIP': 400,
  IncorrectEipStatus: 400,
  'Forbidden.ChargeTypeIsPrepaid': 400,
};

export function missingParameter(name: string): RpcError {
  return new RpcError(400, 'MissingParameter', `The input parameter "${name}" that is mandatory for processing this request is not supplied.`);
}

/** Builds the request handler for every RPC service sharing the port. */
/**
 * Tag.N.Key / Tag.N.Value with N in 1..20; a value without its key is a mismatch. ECS DescribeInstances
 * (https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeinstances)
 * and the VPC Describe calls (docs/reference/vpc.md) take the same filter and the same refusals.
 */
export function parseTagFilter(params: Record<string, string>): Array<{ key: string; value?: string }> {
  const byIndex = new Map<number, { key?: string; value?: string }>();
  for (const [name, value] of Object.entries(params)) {
    const m = /^Tag\.(\d+)\.(Key|Value)$/.exec(name);
    if (!m) continue;
    const n = Number(m[1]);
    if (n < 1 || n > 20) throw new RpcError(400, 'InvalidTagCount', 'The specified tags are beyond the permitted range (Tag.1 to Tag.20).');
    const entry = byIndex.get(n) ?? {};
    if (m[2] === 'Key') entry.key = value;
    else entry.value = value;
    byIndex.set(n, entry);
  }
  return [...byIndex.values()].map((entry) => {
    if (!entry.key) throw new RpcError(400, 'InvalidTag.Mismatch', 'The specified Tag.n.Key and Tag.n.Value are not match.');
    return entry.value === undefined ? { key: entry.key } : { key: entry.key, value: entry.value };
  });
}

export function createRpcEndpoint(world: World, services: RpcService[], options: RpcEndpointOptions = {}) {
  const wallNow = options.wallNow ?? Date.now;
  const byVersion = new Map(services.map((service) => [service.version, service]));
  // nonce key → wall time it may be forgotten; insertion order is expiry order, so pruning pops the front.
  const nonces = new Map<string, number>();

  function rememberNonce(key: string): boolean {
    const now = wallNow();
    for (const [oldKey, expiry] of nonces) {
      if (expiry > now) break;
      nonces.delete(oldKey);
    }
    if (nonces.has(key)) return false;
    nonces.set(key, now + SIGNATURE_WINDOW_SECONDS * 1000);
    return true;
  }

  function authenticate(method: string, params: Record<string, string>): void {
    for (const name of REQUIRED_SIGNATURE_PARAMS) {
      if (!params[name]) throw missingParameter(name);
    }
    if (params.SignatureMethod !== 'HMAC-SHA1' || params.SignatureVersion !== '1.0') {
      throw new RpcError(400, 'IncompleteSignature', 'The request signature does not conform to Aliyun standards.');
    }
    const key = world.accessKeys.find((k) => k.id === params.AccessKeyId);
    if (!key) throw new RpcError(400, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    if (!verifyRpcV1(method, params, key.secret)) {
      // The real gateway echoes its own string to sign, URL-encoded (so `&SecurityToken=` reads
      // `%26SecurityToken%3D`, and the token's own `/ + =` are encoded twice). The SDKs rely on it:
      // aliyun/alibaba-cloud-sdk-go sdk/errors/signature_does_not_match_wrapper.go parses the prefix
      // "Specified signature is not matched with our calculation. server string to sign is:".
      // Harsh on purpose: the AccessKeyId and an STS token travel back in an error message, and the
      // product's redaction must keep them out of every output.
      throw new RpcError(
        400,
        'SignatureDoesNotMatch',
        `Specified signature is not matched with our calculation. server string to sign is:${stringToSign(method, params)}`,
      );
    }
    // STS: a temporary key is only valid with its own token, and a permanent key takes none. The
    // docs list no code for this [I]; InvalidSecurityToken.MismatchWithAccessKey is the STS
    // gateway's code for a token that does not belong to the key.
    if ((params.SecurityToken ?? '') !== (key.securityToken ?? '')) {
      throw new RpcError(400, 'InvalidSecurityToken.MismatchWithAccessKey', 'The security token you provided does not match the access key.');
    }
    const stamp = parseTimestamp(params.Timestamp ?? '');
    if (stamp === undefined || Math.abs(wallNow() - stamp) > SIGNATURE_WINDOW_SECONDS * 1000) {
      // "Response results.md" lists IllegalTimestamp (400) as the common error for this parameter.
      throw new RpcError(
        400,
        'IllegalTimestamp',
        `The input parameter "Timestamp" that is mandatory for processing this request is not supplied or is more than ${SIGNATURE_WINDOW_SECONDS / 60} minutes from the server time.`,
      );
    }
    // Only a verified request consumes its nonce, so a forged request cannot burn a client's nonce.
    if (!rememberNonce(`${params.AccessKeyId}\n${params.SignatureNonce}`)) {
      throw new RpcError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    }
  }

  function pickFault(service: string, action: string): Fault | undefined {
    for (const fault of world.faults) {
      if (fault.service !== undefined && fault.service !== service) continue;
      if (fault.action !== undefined && fault.action !== action) continue;
      if (fault.count !== undefined && fault.count <= 0) continue;
      if (world.random() >= fault.rate) continue;
      if (fault.count !== undefined) fault.count -= 1;
      return fault;
    }
    return undefined;
  }

  return async function handle(req: IncomingMessage, body: Buffer): Promise<HttpReply | null> {
    const requestId = randomUUID().toUpperCase();
    const method = (req.method ?? 'GET').toUpperCase();
    const params = readParams(req, body);
    // The docs make XML the default format; pop-core always asks for JSON.
    const format = params.Format?.toUpperCase() === 'JSON' ? 'JSON' : 'XML';
    const action = params.Action ?? '';
    const service = byVersion.get(params.Version ?? '');
    const call: CallRecord = {
      service: service?.name ?? 'unknown',
      action,
      code: 'OK',
      time: world.clock.now(),
      requestId,
      ...(params.InstanceId !== undefined ? { instanceId: params.InstanceId } : {}),
      ...((params.AllocationId ?? params.BandwidthPackageId) !== undefined ? { resourceId: params.AllocationId ?? params.BandwidthPackageId } : {}),
      ...(params.ClientToken !== undefined ? { clientToken: params.ClientToken } : {}),
    };
    const hostId = service?.hostId ?? 'ecs.aliyuncs.com';
    const finish = (reply: HttpReply | null, code: string, fault?: string): HttpReply | null => {
      call.code = code;
      if (fault !== undefined) call.fault = fault;
      world.calls.push(call);
      options.onCall?.(call);
      return reply;
    };
    const fail = (error: RpcError) => finish(errorReply(error, requestId, hostId, format), error.code);

    let handler: RpcHandler;
    try {
      if (method !== 'GET' && method !== 'POST') {
        throw new RpcError(403, 'UnsupportedHTTPMethod', 'This http method is not supported.');
      }
      if (!params.Action) throw missingParameter('Action');
      if (!params.Version) throw missingParameter('Version');
      // [I] The docs name no code for an unknown Version; the gateways answer InvalidVersion.
      if (!service) throw new RpcError(400, 'InvalidVersion', 'Specified parameter Version is not valid.');
      const found = Object.hasOwn(service.handlers, action) ? service.handlers[action] : undefined;
      // "Response results.md": InvalidAction, 403.
      if (!found) throw new RpcError(403, 'InvalidAction', 'Specified action is not valid.');
      handler = found;
      authenticate(method, params);
    } catch (error) {
      return fail(asRpcError(error));
    }

    const fault = pickFault(call.service, action);
    if (fault?.latencyMs) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
    const faultReply = (): { reply: HttpReply | null; code: string } | undefined => {
      if (!fault) return undefined;
      if (fault.html502) return { reply: html502(), code: 'HTML502' };
      if (fault.timeout) return { reply: null, code: 'Timeout' };
      if (fault.code) {
        const error = new RpcError(fault.status ?? DOCUMENTED_STATUS[fault.code] ?? 400, fault.code, fault.message ?? `Injected fault ${fault.code}.`);
        return { reply: errorReply(error, requestId, hostId, format), code: fault.code };
      }
      return undefined;
    };
    if (fault?.phase !== 'after') {
      const injected = faultReply();
      if (injected) return finish(injected.reply, injected.code, injected.code);
    }

    const { Signature: _signature, ...signed } = params;
    const ctx: RpcContext = { now: world.clock.now(), requestId, accessKeyId: params.AccessKeyId ?? '', params: signed, headers: req.headers };
    let reply: HttpReply;
    let code = 'OK';
    try {
      const result = await handler(signed, ctx);
      const fields = (typeof result === 'object' && result !== null ? result : {}) as Record<string, unknown>;
      if (fields.OrderId !== undefined) call.orderId = String(fields.OrderId);
      reply = successReply(action, { RequestId: requestId, ...fields }, format, requestId);
    } catch (error) {
      const rpcError = asRpcError(error);
      code = rpcError.code;
      reply = errorReply(rpcError, requestId, hostId, format);
    }
    const injected = faultReply();
    return injected ? finish(injected.reply, code, injected.code) : finish(reply, code);
  };
}

/** Query string and form body together: pop-core's lowercase `method: 'post'` signs POST but keeps the query. */
function readParams(req: IncomingMessage, body: Buffer): Record<string, string> {
  const params: Record<string, string> = {};
  const query = new URL(req.url ?? '/', 'http://local').searchParams;
  for (const [key, value] of query) params[key] = value;
  const contentType = req.headers['content-type'] ?? '';
  if (body.length > 0 && contentType.startsWith('application/x-www-form-urlencoded')) {
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) params[key] = value;
  }
  return params;
}

function parseTimestamp(value: string): number | undefined {
  const m = TIMESTAMP_FORMAT.exec(value);
  if (!m) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : at;
}

function asRpcError(error: unknown): RpcError {
  if (error instanceof RpcError) return error;
  console.error('local cloud handler failed:', error);
  return new RpcError(500, 'InternalError', 'The request processing has failed due to some unknown error, exception or failure.');
}

function successReply(action: string, fields: Record<string, unknown>, format: 'JSON' | 'XML', requestId: string): HttpReply {
  return format === 'JSON'
    ? { status: 200, headers: jsonHeaders(requestId), body: toJson(fields) }
    : { status: 200, headers: xmlHeaders(requestId), body: xmlDocument(`${action}Response`, fields) };
}

function errorReply(error: RpcError, requestId: string, hostId: string, format: 'JSON' | 'XML'): HttpReply {
  const fields = { RequestId: requestId, HostId: hostId, Code: error.code, Message: error.message };
  return format === 'JSON'
    ? { status: error.status, headers: jsonHeaders(requestId), body: toJson(fields) }
    : { status: error.status, headers: xmlHeaders(requestId), body: xmlDocument('Error', fields) };
}

function html502(): HttpReply {
  // What an Alibaba Cloud front end (Tengine) answers when the backend is gone: HTML, not JSON.
  return {
    status: 502,
    headers: { 'content-type': 'text/html' },
    body: '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n',
  };
}

function jsonHeaders(requestId: string): Record<string, string> {
  return { 'content-type': 'application/json;charset=utf-8', 'x-acs-request-id': requestId };
}

function xmlHeaders(requestId: string): Record<string, string> {
  return { 'content-type': 'text/xml;charset=utf-8', 'x-acs-request-id': requestId };
}

/**
 * JSON with bigint written as a bare number: ECS order ids exceed 2^53 and are JSON numbers on the
 * wire (new API doc sample `"OrderId": 123457890`), which is why pop-core parses with json-bigint.
 */
export function toJson(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (typeof value === 'object') {
    const members = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Alibaba's XML mapping: an object is an element per key; a list repeats its parent's element name. */
function xmlDocument(root: string, fields: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${toXml(root, fields)}`;
}

function toXml(name: string, value: unknown): string {
  if (Array.isArray(value)) return value.map((item) => toXml(name, item)).join('');
  if (value === null || value === undefined) return `<${name}/>`;
  if (typeof value === 'object') {
    const inner = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => toXml(k, v))
      .join('');
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);
}
