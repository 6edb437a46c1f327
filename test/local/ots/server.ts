// A minimal node:http wrapper around the Tablestore emulator, so its tests do not depend on the
// shared local-cloud server; plus a client factory for the real SDK pointed at it.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClock, type LocalClock } from '../../../local-cloud/clock';
import { type AccessKey, createOts, type Ots } from '../../../local-cloud/ots';
import { type SdkClient, TableStore } from './sdk';

export const INSTANCE = 'bwscaler-test';
export const KEY: AccessKey = { id: 'LTAI-test', secret: 'test-secret' };
export const STS_KEY: AccessKey = { id: 'STS.test', secret: 'sts-secret', securityToken: 'sts-token' };

export interface RunningOts {
  endpoint: string;
  ots: Ots;
  clock: LocalClock;
  /** A real SDK client; no retries and a 2 s socket timeout unless overridden. */
  client(overrides?: Record<string, unknown>): SdkClient;
  close(): Promise<void>;
}

export async function startOts(): Promise<RunningOts> {
  const clock = createClock('manual');
  const ots = createOts({ clock, accessKeys: [KEY, STS_KEY], instanceName: INSTANCE });
  const server = createServer((req, res) => {
    readBody(req)
      .then((body) => ots.handle(req, body))
      .then((answer) => {
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      })
      .catch((error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    ots,
    clock,
    client: (overrides = {}) =>
      new TableStore.Client({
        endpoint,
        instancename: INSTANCE,
        accessKeyId: KEY.id,
        secretAccessKey: KEY.secret,
        maxRetries: 0,
        httpOptions: { timeout: 2000 },
        ...overrides,
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Creates a table through the SDK: `primaryKey` as [name, type] pairs, options as the SDK takes them. */
export function createTable(
  client: SdkClient,
  tableName: string,
  primaryKey: Array<[string, 'INTEGER' | 'STRING' | 'BINARY'] | [string, 'INTEGER', 'AUTO_INCREMENT']>,
  tableOptions: { timeToLive: number; maxVersions: number } = { timeToLive: -1, maxVersions: 1 },
): Promise<unknown> {
  return client.createTable({
    tableMeta: {
      tableName,
      primaryKey: primaryKey.map(([name, type, option]) => (option ? { name, type, option } : { name, type })),
    },
    reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
    tableOptions,
  });
}
