import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log';
import { createNotifier, dingTalkSignature, type NotifyEvent } from '../../src/notify/notifier';

/** Computed outside this code base: openssl dgst -sha256 -hmac, base64, Python quote_plus. */
const VECTOR = {
  secret: 'SECtestsecret0123456789',
  timestamp: 1_700_000_000_000,
  sign: 'zrLWzK97t62y5CpqN8Ok9UIdPvX%2BjL1PNoW8nKT5a9k%3D',
};

interface Received {
  url: string;
  contentType: string | undefined;
  body: unknown;
}

describe('dingTalkSignature', () => {
  it('matches the independently computed vector', () => {
    expect(dingTalkSignature(VECTOR.secret, VECTOR.timestamp)).toEqual({ timestamp: '1700000000000', sign: VECTOR.sign });
  });
});

describe('createNotifier', () => {
  const received: Received[] = [];
  let reply: { status: number; body: string } | 'hang' = { status: 200, body: '{"errcode":0,"errmsg":"ok"}' };
  let server: Server;
  let base: string;
  const logged: string[] = [];
  const logger = createLogger((line) => logged.push(line), { now: () => 0 });

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      received.push({ url: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      if (reply === 'hang') return;
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    received.length = 0;
    logged.length = 0;
    reply = { status: 200, body: '{"errcode":0,"errmsg":"ok"}' };
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const applied: NotifyEvent = { type: 'applied', instanceId: 'i-1', from: 10, to: 20, reason: 'SCALE_UP', orderId: '2080123' };

  it('signs a DingTalk robot call with timestamp and sign and sends markdown', async () => {
    // Prepare
    const notifier = createNotifier({ url: `${base}/robot/send?access_token=tok`, kind: 'dingtalk', secret: VECTOR.secret, now: () => VECTOR.timestamp });

    // Act
    const delivered = await notifier.notify(applied);

    // Assess
    expect(delivered).toBe(true);
    expect(received[0]?.url).toBe(`/robot/send?access_token=tok&timestamp=1700000000000&sign=${VECTOR.sign}`);
    expect(received[0]?.contentType).toContain('application/json');
    expect(received[0]?.body).toEqual({
      msgtype: 'markdown',
      markdown: { title: 'bwscaler: i-1 10 → 20 Mbps', text: expect.stringContaining('- reason: SCALE_UP') },
    });
  });

  const events: Array<{ name: string; event: NotifyEvent; mentions: string }> = [
    { name: 'applied', event: applied, mentions: 'order: 2080123' },
    {
      name: 'blocked',
      event: { type: 'blocked', instanceId: 'i-1', reason: 'DOWNGRADE_BUDGET', message: 'keeps 1 downgrade in reserve' },
      mentions: 'DOWNGRADE_BUDGET',
    },
    { name: 'quota-low', event: { type: 'quota-low', instanceId: 'i-1', remaining: 1, quota: 3 }, mentions: '1 of 3 subscription downgrades remain' },
    {
      name: 'needs-a-human',
      event: { type: 'needs-a-human', instanceId: 'i-1', code: 'InvalidInstance.UnPaidOrder', message: 'pay it' },
      mentions: 'InvalidInstance.UnPaidOrder',
    },
  ];

  it.each(events)('renders a $name event as DingTalk markdown', async ({ event, mentions }) => {
    const notifier = createNotifier({ url: `${base}/robot/send?access_token=tok`, kind: 'dingtalk' });

    await notifier.notify(event);

    const body = received[0]?.body as { markdown: { text: string } } | undefined;
    expect(body?.markdown.text).toContain(mentions);
  });

  it('posts the event itself as JSON to a generic webhook', async () => {
    reply = { status: 204, body: '' };
    const notifier = createNotifier({ url: `${base}/hook`, kind: 'webhook' });

    const delivered = await notifier.notify(applied);

    expect(delivered).toBe(true);
    expect(received[0]).toMatchObject({ url: '/hook', body: { source: 'bwscaler', ...applied } });
  });

  const refusals: Array<{ name: string; kind: 'dingtalk' | 'webhook'; reply: { status: number; body: string }; failure: string }> = [
    {
      name: 'a DingTalk errcode (bad signature)',
      kind: 'dingtalk',
      reply: { status: 200, body: '{"errcode":310000,"errmsg":"sign not match"}' },
      failure: 'errcode 310000: sign not match',
    },
    { name: 'a webhook 500', kind: 'webhook', reply: { status: 500, body: 'boom' }, failure: 'HTTP 500: boom' },
  ];

  it.each(refusals)('reports $name as not delivered and logs it, without throwing', async ({ kind, reply: answer, failure }) => {
    reply = answer;
    const notifier = createNotifier({ url: `${base}/robot/send?access_token=secret-robot-token`, kind, logger });

    const delivered = await notifier.notify(applied);

    expect(delivered).toBe(false);
    const record = JSON.parse(logged[0] as string) as Record<string, unknown>;
    expect(record).toMatchObject({ level: 'warn', msg: 'notification refused', event: 'applied', failure });
    expect(logged[0]).not.toContain('secret-robot-token');
  });

  it('gives up after the timeout and logs it, without throwing', async () => {
    reply = 'hang';
    const notifier = createNotifier({ url: `${base}/slow`, kind: 'webhook', timeoutMs: 100, logger });

    const delivered = await notifier.notify(applied);

    expect(delivered).toBe(false);
    expect(JSON.parse(logged[0] as string)).toMatchObject({ level: 'warn', msg: 'notification failed', error: { name: 'TimeoutError' } });
  });

  it('survives a fetch that throws', async () => {
    const notifier = createNotifier({
      url: 'http://127.0.0.1:9/never',
      kind: 'webhook',
      logger,
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });

    await expect(notifier.notify(applied)).resolves.toBe(false);
    expect(JSON.parse(logged[0] as string)).toMatchObject({ error: { name: 'TypeError', message: 'fetch failed' } });
  });
});
