// Function Compute 3.0 HTTP trigger: the built-in runtime hands the handler a JSON event (as a
// Buffer) describing the request (docs/reference/alibaba-cloud.md §5.3).
import { createHash, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { parseJson, validate } from './validate';

export interface HttpRequest {
  method: string;
  path: string;
  /** Header names lower-cased (HTTP names are case-insensitive; FC passes them as sent). */
  headers: Record<string, string>;
  query: Record<string, string>;
  body: string;
}

const fcHttpEventSchema = z.object({
  version: z.string().optional(),
  rawPath: z.string().startsWith('/'),
  body: z.string().default(''),
  isBase64Encoded: z.boolean().default(false),
  headers: z.record(z.string(), z.string()).default({}),
  queryParameters: z.record(z.string(), z.string()).default({}),
  requestContext: z.object({
    http: z.object({ method: z.string().min(1), path: z.string().optional() }),
  }),
});

export function decodeFcHttpEvent(event: Buffer | string): HttpRequest {
  const parsed = validate(fcHttpEventSchema, parseJson(event, 'HTTP trigger event'), 'HTTP trigger event');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed.headers)) headers[name.toLowerCase()] = value;
  return {
    method: parsed.requestContext.http.method.toUpperCase(),
    path: parsed.rawPath,
    headers,
    query: parsed.queryParameters,
    body: parsed.isBase64Encoded ? Buffer.from(parsed.body, 'base64').toString('utf8') : parsed.body,
  };
}

/**
 * Compares a presented webhook token with the configured one in constant time. Both sides are
 * hashed first so the comparison always runs over 32 bytes and leaks neither the content nor the
 * length of the secret. An empty configured token refuses everything: an unset secret must not
 * open the endpoint.
 */
export function verifyWebhookToken(given: string | undefined, expected: string): boolean {
  if (expected === '' || given === undefined) return false;
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
