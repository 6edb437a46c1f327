// Request authentication as Tablestore does it (SDK lib/signer.js; service error table, doc 27300):
//   StringToSign  = "/<Operation>\nPOST\n\n" + sorted lower-cased "x-ots-*:value" (signature excluded),
//                   each followed by "\n"
//   x-ots-signature = base64(HMAC-SHA1(AccessKeySecret, StringToSign))
// plus the body's MD5 in x-ots-contentmd5, the instance name, and the STS token for temporary keys.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { authFailed, parameterInvalid } from './errors';

export interface AccessKey {
  id: string;
  secret: string;
  /** Set for an STS key: requests must carry exactly this x-ots-ststoken. */
  securityToken?: string;
}

export const API_VERSION = '2015-12-31';

const REQUIRED_HEADERS = ['x-ots-date', 'x-ots-apiversion', 'x-ots-accesskeyid', 'x-ots-instancename', 'x-ots-contentmd5', 'x-ots-signature'] as const;

/** The service's documented tolerance between x-ots-date and its own time. */
const MAX_DATE_SKEW_MS = 15 * 60 * 1000;

export interface SignedRequest {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Checks a request in the order the service reports problems: headers present and well formed,
 * then instance, key, token, body digest and signature. Returns the access key id; throws OtsError.
 *
 * `wallClock` is the real time: x-ots-date is stamped by the SDK from the caller's wall clock, never
 * from the local cloud's (possibly manual, months-away) simulated clock, so the skew check must use
 * the wall clock too.
 */
export function verifyRequest(request: SignedRequest, expected: { instanceName: string; accessKeys: readonly AccessKey[]; wallClock: number }): string {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(',') : value;
  };
  for (const name of REQUIRED_HEADERS) {
    if (header(name) === undefined) throw parameterInvalid(`Missing header: '${name}'.`);
  }
  const apiVersion = header('x-ots-apiversion')!;
  if (apiVersion !== API_VERSION) throw parameterInvalid(`Unsupported API version: '${apiVersion}', expected '${API_VERSION}'.`);
  const date = header('x-ots-date')!;
  const sentAt = Date.parse(date);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(date) || Number.isNaN(sentAt)) throw parameterInvalid(`Invalid date format: ${date}.`);
  if (Math.abs(sentAt - expected.wallClock) > MAX_DATE_SKEW_MS) throw authFailed(`Mismatch between system time and x-ots-date: ${date}.`);

  // The endpoint names one instance; a header naming another is the documented "instance not found"
  // (403 OTSAuthFailed), not a parameter error.
  if (header('x-ots-instancename') !== expected.instanceName) throw authFailed('The instance is not found.');
  const keyId = header('x-ots-accesskeyid')!;
  const key = expected.accessKeys.find((k) => k.id === keyId);
  if (!key) throw authFailed('The AccessKeyID does not exist.');
  // The table gives no wording for a bad STS token; ours names the header.
  if (header('x-ots-ststoken') !== key.securityToken) throw authFailed('The x-ots-ststoken does not match the AccessKeyID.');

  const md5 = createHash('md5').update(request.body).digest('base64');
  if (header('x-ots-contentmd5') !== md5) {
    throw authFailed('Mismatch between MD5 value of request body and x-ots-contentmd5 in header.');
  }
  const expectedSignature = sign(key.secret, stringToSign(request.path, request.method, request.headers));
  if (!sameText(header('x-ots-signature')!, expectedSignature)) throw authFailed('Signature mismatch.');
  return keyId;
}

export function stringToSign(path: string, method: string, headers: IncomingHttpHeaders): string {
  const canonical = Object.keys(headers)
    .map((name) => name.toLowerCase())
    .filter((name) => name.startsWith('x-ots-') && name !== 'x-ots-signature')
    .sort()
    .map((name) => {
      const value = headers[name];
      return `${name}:${Array.isArray(value) ? value.join(',') : value}`;
    });
  return `${path}\n${method}\n\n${canonical.map((line) => `${line}\n`).join('')}`;
}

export function sign(secret: string, text: string): string {
  return createHmac('sha1', secret).update(text, 'utf8').digest('base64');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
