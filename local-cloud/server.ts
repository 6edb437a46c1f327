// One HTTP port for the whole local cloud: `/_admin/*` goes to the admin API, requests that carry
// `x-ots-*` headers go to Tablestore (its SDK POSTs `/<Operation>` with those headers), and
// everything else is an RPC call (ECS and CloudMonitor, told apart by `Version`).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpReply } from './rpc';

/** Tablestore answers binary protobuf bodies. */
export interface BinaryReply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface Routes {
  rpc(req: IncomingMessage, body: Buffer): Promise<HttpReply | null>;
  admin(req: IncomingMessage, body: Buffer, path: string): Promise<HttpReply>;
  ots?: (req: IncomingMessage, body: Buffer) => Promise<BinaryReply>;
}

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

/** Request bodies above this are refused: nothing the SDKs send comes near it. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export const ADMIN_PREFIX = '/_admin';

export function startServer(routes: Routes, port = 0, host = '127.0.0.1'): Promise<RunningServer> {
  const server = createServer((req, res) => {
    readBody(req)
      .then((body) => route(routes, req, body))
      .then((reply) => {
        // null: an injected timeout. The request is left unanswered until the client gives up or
        // the server closes (closeAllConnections below).
        if (reply) send(res, reply);
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        send(res, { status: error instanceof BodyTooLarge ? 413 : 500, headers: { 'content-type': 'text/plain' }, body: message });
      });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Keep-alive sockets (pop-core's agent) and hung fault requests would hold close() open.
            server.closeAllConnections();
          }),
      });
    });
  });
}

async function route(routes: Routes, req: IncomingMessage, body: Buffer): Promise<HttpReply | BinaryReply | null> {
  const path = new URL(req.url ?? '/', 'http://local').pathname;
  if (path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`)) return routes.admin(req, body, path.slice(ADMIN_PREFIX.length) || '/');
  if (Object.keys(req.headers).some((name) => name.startsWith('x-ots-'))) {
    if (!routes.ots) return { status: 503, headers: { 'content-type': 'text/plain' }, body: 'Tablestore is not available in this local cloud' };
    return routes.ots(req, body);
  }
  return routes.rpc(req, body);
}

class BodyTooLarge extends Error {
  override name = 'BodyTooLarge';
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge(`request body larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: HttpReply | BinaryReply): void {
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body;
  res.writeHead(reply.status, { ...reply.headers, 'content-length': String(body.length) });
  res.end(body);
}
