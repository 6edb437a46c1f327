// A tiny RPC endpoint for adapter tests: it reads the parameters pop-core sends (query string for
// GET, form body for POST), records them, and answers whatever the test scripted. No signature
// check: these tests are about what the adapters send and how they read answers.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** The raw request target, query string included. */
  url: string;
  params: Record<string, string>;
}

export type CannedAnswer =
  | { status: number; json: unknown }
  | { status: number; text: string; contentType?: string }
  | { destroy: true }
  | { delayMs: number; status: number; json: unknown };

export interface CannedRpcServer {
  endpoint: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startCannedRpcServer(answer: (request: RecordedRequest) => CannedAnswer): Promise<CannedRpcServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer(async (req, res) => {
    const request = await readRequest(req);
    requests.push(request);
    const reply = answer(request);
    if ('destroy' in reply) {
      req.socket.destroy();
      return;
    }
    const send = () => {
      if ('json' in reply) {
        // Bodies are written as text so a test can put a number beyond 2^53 on the wire.
        const body = typeof reply.json === 'string' ? reply.json : JSON.stringify(reply.json);
        res.writeHead(reply.status, { 'content-type': 'application/json' }).end(body);
      } else {
        res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'text/html' }).end(reply.text);
      }
    };
    if ('delayMs' in reply) setTimeout(send, reply.delayMs).unref();
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readRequest(req: IncomingMessage): Promise<RecordedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const url = req.url ?? '/';
  const params = Object.fromEntries(new URL(url, 'http://local').searchParams);
  if (req.method === 'POST') Object.assign(params, Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
  return { method: req.method ?? 'GET', url, params };
}
