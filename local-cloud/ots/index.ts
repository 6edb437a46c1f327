// The local Tablestore (OTS): one instance speaking the wire protocol the `tablestore` SDK speaks
// (POST /<Operation>, protobuf bodies, PlainBuffer rows, x-ots-* signature). The local cloud's HTTP
// server hands it every OTS request; it answers with the bytes, status and headers to send.
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../model';
import { KNOWN_FAULTS, OtsError } from './errors';
import { OPERATIONS } from './operations';
import { encodeMessage } from './proto';
import { type AccessKey, verifyRequest } from './signature';
import { OtsStore } from './store';

export type { AccessKey } from './signature';

export interface OtsOptions {
  clock: Clock;
  accessKeys: AccessKey[];
  instanceName: string;
  /** The time clients stamp x-ots-date with: the wall clock unless a simulation runs its clients on the simulated one. */
  wallNow?: () => number;
}

/**
 * An injected failure. `rate` in [0, 1] is applied deterministically (rate 0.25 fails every 4th
 * matching call, not a random quarter) so tests and simulations replay exactly. `timeout` holds the
 * request open until the client gives up instead of answering.
 */
export interface OtsFault {
  /** Only this operation (e.g. "PutRow"); every operation when absent. */
  action?: string;
  code: string;
  rate: number;
  /** Defaults to the code's documented status (OTSServerBusy → 503), else 503. */
  status?: number;
  timeout?: boolean;
}

export interface OtsCall {
  action: string;
  /** "OK", or the error code answered. */
  code: string;
  /** Local clock, epoch ms. */
  time: number;
}

export interface OtsResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface Ots {
  handle(req: IncomingMessage, body: Buffer): Promise<OtsResponse>;
  setFault(fault: OtsFault | null): void;
  calls(): OtsCall[];
  tables(): string[];
}

/** A held request answers anyway after this long, so a client without a timeout cannot pin the server. */
const HELD_REQUEST_CAP_MS = 30_000;

export function createOts(options: OtsOptions): Ots {
  const store = new OtsStore();
  const log: OtsCall[] = [];
  let fault: OtsFault | null = null;
  let faultCredit = 0;

  function faultFor(action: string): OtsFault | undefined {
    if (!fault || (fault.action !== undefined && fault.action !== action)) return undefined;
    faultCredit += fault.rate;
    if (faultCredit < 1) return undefined;
    faultCredit -= 1;
    return fault;
  }

  async function handle(req: IncomingMessage, body: Buffer): Promise<OtsResponse> {
    const now = options.clock.now();
    const requestId = randomUUID();
    const path = new URL(req.url ?? '/', 'http://ots.local').pathname;
    const action = path.slice(1);
    let answer: Buffer;
    try {
      if (req.method !== 'POST') {
        throw new OtsError(405, 'OTSMethodNotAllowed', 'OTSMethodNotAllowedOnly POST method for requests is supported.');
      }
      const operation = Object.hasOwn(OPERATIONS, action) ? OPERATIONS[action] : undefined;
      if (!operation) throw new OtsError(400, 'OTSParameterInvalid', `Unsupported operation: '${action}'.`);
      verifyRequest(
        { path, method: req.method, headers: req.headers, body },
        { instanceName: options.instanceName, accessKeys: options.accessKeys, wallClock: (options.wallNow ?? Date.now)() },
      );
      const injected = faultFor(action);
      if (injected) {
        if (injected.timeout) await clientGivesUp(req);
        const known = KNOWN_FAULTS[injected.code];
        throw new OtsError(injected.status ?? known?.status ?? 503, injected.code, known?.message ?? 'Injected fault.');
      }
      answer = operation(body, store, now);
    } catch (error) {
      const failure = error instanceof OtsError ? error : new OtsError(500, 'OTSInternalServerError', `Internal server error: ${(error as Error).message}`);
      log.push({ action, code: failure.code, time: now });
      return respond(failure.status, encodeMessage('Error', { code: failure.code, message: failure.message }), requestId, now);
    }
    log.push({ action, code: 'OK', time: now });
    return respond(200, answer, requestId, now);
  }

  // Expired data is already invisible to every read; sweeping it on clock advances only bounds
  // memory in long simulated runs (idempotency keys with a TTL pile up otherwise).
  let lastSweep = options.clock.now();
  options.clock.onAdvance((now) => {
    if (now - lastSweep < SWEEP_INTERVAL_MS) return;
    lastSweep = now;
    store.sweepExpired(now);
  });

  return {
    handle,
    setFault(next) {
      if (next && !(next.rate >= 0 && next.rate <= 1)) throw new RangeError(`fault rate must be within [0, 1], got ${next.rate}`);
      fault = next;
      faultCredit = 0;
    },
    calls: () => log.map((c) => ({ ...c })),
    tables: () => store.listTables(),
  };
}

const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

function respond(status: number, body: Buffer, requestId: string, now: number): OtsResponse {
  return {
    status,
    headers: {
      'content-type': 'application/x-protobuf',
      'x-ots-contenttype': 'protocol buffer',
      'x-ots-contentmd5': createHash('md5').update(body).digest('base64'),
      'x-ots-requestid': requestId,
      'x-ots-date': new Date(now).toISOString(),
    },
    body,
  };
}

function clientGivesUp(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.socket.destroyed) return resolve();
    const timer = setTimeout(resolve, HELD_REQUEST_CAP_MS);
    timer.unref();
    req.socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
