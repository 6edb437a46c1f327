// The middy middlewares both functions share: plain { before, after, onError } objects.
import type middy from '@middy/core';
import type { Credentials } from '../adapters/pop';
import { ConfigError, ValidationError } from '../errors';
import { redact } from '../log';
import { getRuntime, type Runtime } from './runtime';

/** Function Compute's context: only what bwscaler reads (docs/reference/alibaba-cloud.md §5.2). */
export interface FcContext {
  requestId?: string;
  credentials?: Credentials;
  function?: { name?: string };
  /** Set by the `runtime` middleware. */
  runtime?: Runtime;
}

type Request = middy.Request<Buffer, unknown, Error, FcContext>;

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export function jsonResponse(statusCode: number, body: unknown): HttpResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** Attaches the container's runtime to the context and hands it this invocation's credentials. */
export function runtime(): middy.MiddlewareObj<Buffer, unknown, Error, FcContext> {
  return {
    before: (request: Request) => {
      let rt: Runtime;
      try {
        rt = getRuntime();
      } catch (error) {
        // A policy that does not validate is the deployment's fault, not the caller's: it must not
        // come back as a 400 that tells CloudMonitor its callback was malformed.
        if (error instanceof ValidationError) {
          throw new ConfigError(`BWSCALER_POLICY is invalid: ${error.issues.join('; ')}`, { cause: error });
        }
        throw error;
      }
      rt.useCredentials(request.context.credentials);
      request.context.runtime = rt;
    },
  };
}

/**
 * Errors of the HTTP-triggered function become responses: bad input → 400 naming what was wrong;
 * anything else → 500 with a redacted message, logged. Nothing is retried by Function Compute for a
 * synchronous HTTP invocation, and CloudMonitor retries a callback on a non-2xx answer.
 */
export function httpErrors(): middy.MiddlewareObj<Buffer, unknown, Error, FcContext> {
  return {
    onError: (request: Request) => {
      const error = request.error;
      if (error instanceof ValidationError) {
        request.context.runtime?.logger.warn('bad request', { requestId: request.context.requestId, issues: error.issues });
        request.response = jsonResponse(400, { error: error.message, issues: error.issues });
        return;
      }
      const message = redact(error instanceof Error ? error.message : String(error));
      const logger = request.context.runtime?.logger;
      if (logger) logger.error('invocation failed', { requestId: request.context.requestId, error });
      else console.error(JSON.stringify({ level: 'error', msg: 'invocation failed', error: message }));
      // A configuration problem is the operator's to fix and names only variables; say it.
      request.response = jsonResponse(500, { error: error instanceof ConfigError ? message : 'internal error', requestId: request.context.requestId });
    },
  };
}

/**
 * The timer-triggered function logs a failure and rethrows it: Function Compute then records the
 * invocation as failed (and, invoked asynchronously, retries it; the tick is idempotent).
 */
export function logErrors(): middy.MiddlewareObj<Buffer, unknown, Error, FcContext> {
  return {
    onError: (request: Request) => {
      const logger = request.context.runtime?.logger;
      if (logger) logger.error('invocation failed', { requestId: request.context.requestId, error: request.error });
      else console.error(JSON.stringify({ level: 'error', msg: 'invocation failed', error: redact(String(request.error)) }));
    },
  };
}
