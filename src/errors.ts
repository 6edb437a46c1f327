// The project's own small error hierarchy. Adapters translate vendor errors into these at the
// boundary (and rethrow what they don't know); handlers map them to responses.

export class BwscalerError extends Error {
  override name = 'BwscalerError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Bad input (policy file, alarm, event, CLI argument). `issues` name the path and what was expected. */
export class ValidationError extends BwscalerError {
  override name = 'ValidationError';
  constructor(
    message: string,
    readonly issues: string[] = [message],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Missing or invalid configuration (environment variables). */
export class ConfigError extends BwscalerError {
  override name = 'ConfigError';
}

/** A conditional write lost: someone else wrote first. Reason code CONCURRENT_UPDATE. */
export class ConflictError extends BwscalerError {
  override name = 'ConflictError';
}

/** The state store could not be reached or answered with a server error (fail closed). */
export class StoreUnavailableError extends BwscalerError {
  override name = 'StoreUnavailableError';
}

/**
 * How the cycle treats a provider error:
 * - retryable: same ClientToken, backoff (throttling, LastOrderProcessing, InternalError, timeouts, 5xx);
 * - quota: the subscription downgrade quota is spent (InstanceDowngrade.QuotaExceed);
 * - needsHuman: unpaid order, arrears, balance, security lock, expiry: record and stop until it clears;
 * - rejected: the request itself is invalid for this instance (range, status, EIP, ...);
 * - notFound: the instance does not exist;
 * - auth: credentials or signature refused.
 */
export type CloudErrorCategory = 'retryable' | 'quota' | 'needsHuman' | 'rejected' | 'notFound' | 'auth';

/** An Alibaba Cloud RPC API error, normalised (pop-core throws several shapes). */
export class CloudApiError extends BwscalerError {
  override name = 'CloudApiError';
  constructor(
    message: string,
    readonly code: string,
    readonly category: CloudErrorCategory,
    readonly requestId?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
