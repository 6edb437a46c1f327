// Structured logging with redaction. Every record is one JSON line with stable keys
// (`level`, `time`, `msg`, then the caller's fields) and every string in it passes through
// `redact`, because the texts we log carry secrets by construction: pop-core puts the full signed
// URL (SecurityToken, Signature, AccessKeyId) into `err.message` on GET calls, httpx appends the
// same URL to socket errors, the Tablestore SDK logs `x-ots-signature`, and a DingTalk robot URL
// carries its `access_token`.

/** What replaces a secret. Contains no character that a credential is made of (see addSecret). */
export const REDACTED = '***';

const SECRET_PARAMETERS = [
  'SecurityToken',
  'Signature',
  'AccessKeyId',
  'AccessKeySecret',
  'SecretAccessKey',
  'access_token',
  'sign',
  'x-ots-signature',
  'x-acs-security-token',
  'x-acs-accesskey-id',
  'authorization',
  // ACS3 Authorization header: Credential=<AccessKeyId>.
  'Credential',
];

const parameterNames = SECRET_PARAMETERS.map((name) => name.replace(/[-_]/g, '[-_]?')).join('|');

// `Name=value` in a query string, form body or header dump; `"name": "value"` or `name: 'value'`
// in JSON and util.inspect output. The lookbehind keeps `design=` or `resign=` intact; the value
// stops at the delimiters that end it in those notations.
const SECRET_ASSIGNMENT = new RegExp(`(?<![A-Za-z0-9])((?:${parameterNames})["']?\\s*[=:]\\s*["']?)([^"'&\\s,;}\\]]+)`, 'gi');

// The same assignment URL-encoded once or twice, as inside a string to sign: the real
// SignatureDoesNotMatch message quotes the server's one ("server string to sign is:POST&%2F&
// AccessKeyId%3D…%26SecurityToken%3D…", e.g. github.com/NewFuture/DDNS/issues/57), where `=` is
// %3D (or %253D) and the next parameter starts at %26 (or %2526). The value runs to that separator,
// so the token's own encoded `/`, `+` and `=` (%252F, %252B, %253D) go with it.
const ENCODED_SECRET_ASSIGNMENT = new RegExp(
  `(?:(?<![A-Za-z0-9])|(?<=%26|%2526|%252526))((?:${parameterNames})(?:%3D|%253D|%25253D))((?:(?!%26|%2526|%252526)[^"'&\\s,;}\\]])+)`,
  'gi',
);

/**
 * Removes credentials from free text: the values of well-known secret parameters, and every
 * registered secret in its raw, URL-encoded and double-encoded forms (a signed URL contains the
 * encoded form; pop-core's StringToSign the double-encoded one).
 */
export function redact(text: string, secrets: Iterable<string> = []): string {
  let out = text
    .replace(ENCODED_SECRET_ASSIGNMENT, (_match, prefix: string) => `${prefix}${REDACTED}`)
    .replace(SECRET_ASSIGNMENT, (_match, prefix: string) => `${prefix}${REDACTED}`);
  for (const secret of secretForms(secrets)) out = out.replaceAll(secret, REDACTED);
  return out;
}

function secretForms(secrets: Iterable<string>): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    forms.add(secret);
    try {
      const once = percentEncode(secret);
      forms.add(encodeURIComponent(secret)).add(once).add(percentEncode(once));
    } catch {
      // A lone UTF-16 surrogate cannot be URL-encoded, so it cannot appear encoded either.
    }
  }
  // Longest first, so a secret that contains another one is removed whole.
  return [...forms].sort((a, b) => b.length - a.length);
}

/** The RPC signature's RFC 3986 encoding (pop-core `encode`). */
function percentEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /**
   * Registers a configured secret (AccessKeySecret, STS token, webhook token, DingTalk secret) so
   * that it is removed from every later record. Values shorter than MIN_SECRET_LENGTH are refused:
   * no real credential is that short, and redacting them would mangle ordinary words.
   */
  addSecret(secret: string): void;
  /**
   * A redacted, JSON-safe copy of a value that leaves the function some other way than a log line
   * (a return value, a notification): the same scrubbing, the same registered secrets.
   */
  redact<T>(value: T): T;
}

/** A redacted, JSON-safe copy of `value` (strings anywhere inside it), for outputs that are not log lines. */
export function redactValue<T>(value: T, secrets: Iterable<string> = []): T {
  return scrub(value, new Set(secrets)) as T;
}

export const MIN_SECRET_LENGTH = 8;

export function createLogger(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`), options: { now?: () => number } = {}): Logger {
  const now = options.now ?? Date.now;
  const secrets = new Set<string>();

  const emit = (level: LogLevel, msg: string, fields: Record<string, unknown> = {}) => {
    const record: Record<string, unknown> = { level, time: new Date(now()).toISOString(), msg };
    for (const [key, value] of Object.entries(fields)) {
      if (!(key in record)) record[key] = value;
    }
    write(JSON.stringify(scrub(record, secrets)));
  };

  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    addSecret(secret) {
      if (secret.length < MIN_SECRET_LENGTH) {
        throw new RangeError(`logger.addSecret: a secret must have at least ${MIN_SECRET_LENGTH} characters`);
      }
      secrets.add(secret);
    },
    redact: (value) => scrub(value, secrets) as typeof value,
  };
}

/** A JSON-safe, redacted copy: Errors become {name, message, code, ...}, cycles are cut. */
function scrub(value: unknown, secrets: Set<string>, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redact(value, secrets);
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => scrub(item, secrets, seen));
  const source = value instanceof Error ? errorFields(value) : (value as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(source)) out[key] = scrub(item, secrets, seen);
  return out;
}

function errorFields(error: Error): Record<string, unknown> {
  // Own enumerable fields carry code/category/requestId (CloudApiError) or issues (ValidationError);
  // `cause` is followed so a wrapped vendor error is visible, and redacted like the rest.
  const fields: Record<string, unknown> = { ...error };
  fields.name = error.name;
  fields.message = error.message;
  if (error.cause !== undefined) fields.cause = error.cause;
  return fields;
}
