// A tiny HTTP proxy in front of the local cloud that delays every request by a fixed latency and
// counts requests by service and operation: the fleet benchmark's "the cloud adds 20 ms to every API
// call", and its call counts.
//
// Why a proxy and not the local cloud's fault injection: the admin API's `latencyMs` fault applies
// to the RPC services (ECS, CloudMonitor) only, while the Tablestore emulator holds one error fault
// at a time; a proxy delays all three the same way and sees Tablestore's round trips, which the
// world's call log (RPC only) does not record. Neither signature covers the Host header (pop-core
// signs the parameters, Tablestore the path and x-ots-* headers), so the proxy is transparent.
import { Agent, createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LatencyProxy {
  /** The base URL clients use instead of the cloud's. */
  url: string;
  /** Requests forwarded so far, by "ecs:DescribeInstances", "cms:DescribeMetricLast", "ots:GetRange", … */
  readonly counts: Map<string, number>;
  close(): Promise<void>;
}

export interface LatencyProxyOptions {
  /** The cloud's base URL; a function, because the proxy's URL must be known before the cloud starts. */
  target: () => string;
  latencyMs: number;
}

/** The service and operation a request asks for: an RPC Action (query or form body) or a Tablestore path. */
export function classifyRequest(path: string, body: string): string {
  const url = new URL(path, 'http://proxy');
  const action = url.searchParams.get('Action') ?? new URLSearchParams(body).get('Action');
  if (action) {
    const version = url.searchParams.get('Version') ?? new URLSearchParams(body).get('Version');
    // The two RPC services share the endpoint; their API versions tell them apart.
    const service = version === '2014-05-26' ? 'ecs' : version === '2019-01-01' ? 'cms' : 'rpc';
    return `${service}:${action}`;
  }
  return `ots:${url.pathname.replace(/^\/+/, '')}`;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startLatencyProxy(options: LatencyProxyOptions): Promise<LatencyProxy> {
  const counts = new Map<string, number>();
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      const key = classifyRequest(req.url ?? '/', body.toString('utf8'));
      counts.set(key, (counts.get(key) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
      const target = new URL(options.target());
      const upstream = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host }, agent },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', (error) => res.destroy(error));
      upstream.end(body);
    } catch (error) {
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
