// Alibaba Cloud RPC signature, version 1.0 (HMAC-SHA1), exactly as the RPC signature page
// (https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism) documents it and as @alicloud/pop-core 1.8.0 computes it (lib/rpc.js `encode`/`normalize`).
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * RFC 3986 percent-encoding in UTF-8: only `A-Z a-z 0-9 - _ . ~` stay literal, space is %20.
 * encodeURIComponent leaves `! ' ( ) *` alone, so those are encoded by hand (pop-core does the same).
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `METHOD&%2F&enc(k1=v1&k2=v2…)` over every parameter but Signature, keys sorted in byte order. */
export function stringToSign(method: string, params: Record<string, string>): string {
  // Plain `.sort()` compares UTF-16 code units, which equals byte order for the ASCII parameter
  // names the API uses; it is what pop-core does, so both sides sort identically.
  const canonical = Object.keys(params)
    .filter((key) => key !== 'Signature')
    .sort()
    .map((key) => `${percentEncode(key)}=${percentEncode(params[key] ?? '')}`)
    .join('&');
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonical)}`;
}

/** Base64 HMAC-SHA1 keyed with `secret + "&"`. */
export function signRpcV1(method: string, params: Record<string, string>, secret: string): string {
  return createHmac('sha1', `${secret}&`).update(stringToSign(method, params)).digest('base64');
}

/** True when `params.Signature` is the signature of the other parameters under `secret` (constant time). */
export function verifyRpcV1(method: string, params: Record<string, string>, secret: string): boolean {
  const expected = Buffer.from(signRpcV1(method, params, secret));
  const given = Buffer.from(params.Signature ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
