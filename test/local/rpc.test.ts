import { describe, expect, it } from 'vitest';
import { signRpcV1 } from '../../local-cloud/signature';
import { ecsClient, fixture, instance, rpcError, STS_KEY, TEST_KEY, withCloud } from './support';

const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;
let nonce = 0;

/** A hand-signed RPC call (for what pop-core cannot send: XML, malformed requests, other methods). */
async function signedFetch(base: string, params: Record<string, string>, options: { method?: string; sign?: boolean; key?: typeof TEST_KEY } = {}) {
  const method = options.method ?? 'GET';
  const key = options.key ?? TEST_KEY;
  const all: Record<string, string> = {
    Version: '2014-05-26',
    AccessKeyId: key.id,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: `nonce-${process.pid}-${++nonce}`,
    Timestamp: iso(Date.now()),
    ...params,
  };
  if (options.sign !== false) all.Signature = signRpcV1(method, all, key.secret);
  const query = new URLSearchParams(all).toString();
  const response = await fetch(method === 'GET' ? `${base}/?${query}` : `${base}/`, {
    method,
    ...(method === 'GET' ? {} : { body: query, headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const oneInstance = { fixture: fixture([instance()]) };

describe('RPC protocol', () => {
  it.each([
    { name: 'GET with every parameter in the query string (pop-core default)', opts: {} },
    { name: 'POST with a form-urlencoded body', opts: { method: 'POST' } },
    { name: "POST signed but with the query string (pop-core's lowercase 'post' quirk)", opts: { method: 'post' } },
  ])('accepts $name', async ({ opts }) => {
    await withCloud(oneInstance, async (cloud, ecs) => {
      const response = await ecs.request('DescribeInstances', { RegionId: 'cn-hangzhou' }, opts);
      expect(response.TotalCount).toBe(1);
      expect(response.RequestId).toMatch(/^[0-9A-F-]{36}$/);
      expect(cloud.world.calls.map((c) => [c.action, c.code])).toEqual([['DescribeInstances', 'OK']]);
    });
  });

  it('accepts an STS key with its SecurityToken', async () => {
    await withCloud(oneInstance, async (cloud) => {
      const sts = ecsClient(cloud, STS_KEY);
      try {
        const response = await sts.request('DescribeInstances', { RegionId: 'cn-hangzhou' });
        expect(response.TotalCount).toBe(1);
      } finally {
        sts.close();
      }
    });
  });

  const now = Date.now();
  it.each([
    { name: 'a wrong secret is SignatureDoesNotMatch', key: { id: TEST_KEY.id, secret: 'wrong' }, params: {}, code: 'SignatureDoesNotMatch', status: 400 },
    {
      name: 'an unknown AccessKeyId is InvalidAccessKeyId.NotFound',
      key: { id: 'LTAI-nobody', secret: 'x' },
      params: {},
      code: 'InvalidAccessKeyId.NotFound',
      status: 400,
    },
    {
      name: 'an STS key without its SecurityToken is refused',
      key: { id: STS_KEY.id, secret: STS_KEY.secret },
      params: {},
      code: 'InvalidSecurityToken.MismatchWithAccessKey',
      status: 400,
    },
    {
      name: 'an STS key with another SecurityToken is refused',
      key: { ...STS_KEY, securityToken: 'CAIS-other' },
      params: {},
      code: 'InvalidSecurityToken.MismatchWithAccessKey',
      status: 400,
    },
    {
      name: 'a permanent key with a SecurityToken is refused',
      key: { ...TEST_KEY, securityToken: 'CAIS-stray' },
      params: {},
      code: 'InvalidSecurityToken.MismatchWithAccessKey',
      status: 400,
    },
    {
      name: 'a Timestamp 16 minutes old is IllegalTimestamp',
      key: TEST_KEY,
      params: { Timestamp: iso(now - 16 * 60_000) },
      code: 'IllegalTimestamp',
      status: 400,
    },
    {
      name: 'a Timestamp 16 minutes ahead is IllegalTimestamp',
      key: TEST_KEY,
      params: { Timestamp: iso(now + 16 * 60_000) },
      code: 'IllegalTimestamp',
      status: 400,
    },
    {
      name: 'a Timestamp not in yyyy-MM-ddTHH:mm:ssZ is IllegalTimestamp',
      key: TEST_KEY,
      params: { Timestamp: '2026-11-02 00:00:00' },
      code: 'IllegalTimestamp',
      status: 400,
    },
    {
      name: 'another SignatureMethod is IncompleteSignature',
      key: TEST_KEY,
      params: { SignatureMethod: 'HMAC-SHA256' },
      code: 'IncompleteSignature',
      status: 400,
    },
  ])('$name', async ({ key, params, code, status }) => {
    await withCloud(oneInstance, async (cloud) => {
      const client = ecsClient(cloud, key);
      try {
        const error = await rpcError(client.request('DescribeInstances', { RegionId: 'cn-hangzhou', ...params }));
        expect(error).toMatchObject({ code, status });
        expect(Object.keys(error.data ?? {}).sort()).toEqual(['Code', 'HostId', 'Message', 'RequestId']);
        expect(error.data).toMatchObject({ Code: code, HostId: 'ecs.aliyuncs.com' });
        expect(cloud.world.calls).toMatchObject([{ action: 'DescribeInstances', code }]);
      } finally {
        client.close();
      }
    });
  });

  it('refuses a reused SignatureNonce with SignatureNonceUsed', async () => {
    await withCloud(oneInstance, async (_cloud, ecs) => {
      const params = { RegionId: 'cn-hangzhou', SignatureNonce: 'nonce-used-twice' };
      await ecs.request('DescribeInstances', params);
      expect(await rpcError(ecs.request('DescribeInstances', params))).toMatchObject({ code: 'SignatureNonceUsed', status: 400 });
    });
  });

  it('does not let a request with a bad signature consume a nonce', async () => {
    await withCloud(oneInstance, async (cloud, ecs) => {
      const forger = ecsClient(cloud, { id: TEST_KEY.id, secret: 'wrong' });
      try {
        const params = { RegionId: 'cn-hangzhou', SignatureNonce: 'nonce-forged-first' };
        expect(await rpcError(forger.request('DescribeInstances', params))).toMatchObject({ code: 'SignatureDoesNotMatch' });
        await expect(ecs.request('DescribeInstances', params)).resolves.toMatchObject({ TotalCount: 1 });
      } finally {
        forger.close();
      }
    });
  });

  it.each([
    { name: 'an unknown action is InvalidAction (403)', action: 'DescribeNothing', apiVersion: '2014-05-26', code: 'InvalidAction', status: 403 },
    { name: 'an unknown Version is InvalidVersion', action: 'DescribeInstances', apiVersion: '2099-01-01', code: 'InvalidVersion', status: 400 },
  ])('$name', async ({ action, apiVersion, code, status }) => {
    await withCloud(oneInstance, async (cloud) => {
      const client = ecsClient(cloud, TEST_KEY, apiVersion);
      try {
        expect(await rpcError(client.request(action, { RegionId: 'cn-hangzhou' }))).toMatchObject({ code, status });
        expect(cloud.world.calls).toMatchObject([{ action, code }]);
      } finally {
        client.close();
      }
    });
  });

  it.each(['AccessKeyId', 'Signature', 'SignatureNonce', 'Timestamp'])('answers MissingParameter naming a missing %s', async (name) => {
    await withCloud(oneInstance, async (cloud) => {
      const params: Record<string, string> = { Action: 'DescribeInstances', Format: 'JSON', RegionId: 'cn-hangzhou' };
      const all = {
        Version: '2014-05-26',
        AccessKeyId: TEST_KEY.id,
        SignatureMethod: 'HMAC-SHA1',
        SignatureVersion: '1.0',
        SignatureNonce: 'n-missing',
        Timestamp: iso(Date.now()),
        ...params,
      };
      const signed: Record<string, string> = { ...all, Signature: signRpcV1('GET', all, TEST_KEY.secret) };
      delete signed[name];
      const response = await fetch(`${cloud.endpoints.ecs}/?${new URLSearchParams(signed)}`);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ Code: 'MissingParameter', Message: expect.stringContaining(`"${name}"`) });
    });
  });

  it('refuses HTTP methods other than GET and POST with UnsupportedHTTPMethod (403)', async () => {
    await withCloud(oneInstance, async (cloud) => {
      const reply = await signedFetch(cloud.endpoints.ecs, { Action: 'DescribeInstances', Format: 'JSON', RegionId: 'cn-hangzhou' }, { method: 'PUT' });
      expect(reply.status).toBe(403);
      expect(JSON.parse(reply.text)).toMatchObject({ Code: 'UnsupportedHTTPMethod' });
    });
  });

  describe('XML', () => {
    it('answers Format=XML with <ActionResponse>, repeating list elements', async () => {
      await withCloud({ fixture: fixture([instance({ InstanceId: 'i-a' }), instance({ InstanceId: 'i-b' })]) }, async (cloud) => {
        const reply = await signedFetch(cloud.endpoints.ecs, { Action: 'DescribeInstances', Format: 'XML', RegionId: 'cn-hangzhou' });
        expect(reply.status).toBe(200);
        expect(reply.headers.get('content-type')).toMatch(/^text\/xml/);
        expect(reply.text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><DescribeInstancesResponse><RequestId>[0-9A-F-]{36}<\/RequestId>/);
        expect(reply.text).toContain('<Instances><Instance><InstanceId>i-a</InstanceId>');
        expect(reply.text).toContain('</Instance><Instance><InstanceId>i-b</InstanceId>');
        expect(reply.text).toContain('<TotalCount>2</TotalCount>');
      });
    });

    it('answers XML when Format is absent (the documented default)', async () => {
      await withCloud(oneInstance, async (cloud) => {
        const reply = await signedFetch(cloud.endpoints.ecs, { Action: 'DescribeInstanceAttribute', InstanceId: 'i-test' });
        expect(reply.text).toMatch(/<DescribeInstanceAttributeResponse><RequestId>/);
        expect(reply.text).toContain('<InternetMaxBandwidthOut>10</InternetMaxBandwidthOut>');
      });
    });

    it('answers XML errors as <Error> with RequestId, HostId, Code and Message', async () => {
      await withCloud(oneInstance, async (cloud) => {
        const reply = await signedFetch(cloud.endpoints.ecs, { Action: 'DescribeInstanceAttribute', Format: 'XML', InstanceId: 'i-missing' });
        expect(reply.status).toBe(404);
        expect(reply.text).toMatch(
          /^<\?xml version="1.0" encoding="UTF-8"\?><Error><RequestId>[0-9A-F-]{36}<\/RequestId><HostId>ecs.aliyuncs.com<\/HostId><Code>InvalidInstanceId.NotFound<\/Code><Message>The specified InstanceId does not exist.<\/Message><\/Error>$/,
        );
      });
    });
  });

  it('puts the RequestId of every answer in the x-acs-request-id header too', async () => {
    await withCloud(oneInstance, async (cloud) => {
      const reply = await signedFetch(cloud.endpoints.ecs, { Action: 'DescribeInstances', Format: 'JSON', RegionId: 'cn-hangzhou' });
      expect(JSON.parse(reply.text).RequestId).toBe(reply.headers.get('x-acs-request-id'));
    });
  });
});

describe('fault injection', () => {
  it('answers an injected code with its documented status, only as often as `count` says', async () => {
    await withCloud(oneInstance, async (cloud, ecs) => {
      cloud.world.faults.push({ action: 'DescribeInstances', code: 'InternalError', rate: 1, count: 1 });
      expect(await rpcError(ecs.request('DescribeInstances', { RegionId: 'cn-hangzhou' }))).toMatchObject({ code: 'InternalError', status: 500 });
      await expect(ecs.request('DescribeInstances', { RegionId: 'cn-hangzhou' })).resolves.toMatchObject({ TotalCount: 1 });
      expect(cloud.world.calls.map((c) => [c.code, c.fault])).toEqual([
        ['InternalError', 'InternalError'],
        ['OK', undefined],
      ]);
    });
  });

  it.each([
    { name: 'another action', fault: { action: 'ModifyInstanceNetworkSpec', code: 'InternalError', rate: 1 } },
    { name: 'another service', fault: { service: 'cms', code: 'InternalError', rate: 1 } },
    { name: 'rate 0', fault: { code: 'InternalError', rate: 0 } },
  ])('leaves calls alone for a fault on $name', async ({ fault }) => {
    await withCloud(oneInstance, async (cloud, ecs) => {
      cloud.world.faults.push(fault);
      await expect(ecs.request('DescribeInstances', { RegionId: 'cn-hangzhou' })).resolves.toMatchObject({ TotalCount: 1 });
    });
  });

  it('hits about `rate` of the calls, reproducibly for a seed', async () => {
    const outcomes = async () =>
      withCloud({ ...oneInstance, seed: 7 }, async (cloud, ecs) => {
        cloud.world.faults.push({ code: 'Throttling.User', rate: 0.5 });
        const codes: string[] = [];
        for (let i = 0; i < 40; i++) {
          codes.push(
            await ecs.request('DescribeInstances', { RegionId: 'cn-hangzhou' }).then(
              () => 'OK',
              (e: { code: string }) => e.code,
            ),
          );
        }
        return codes;
      });
    const first = await outcomes();
    const hits = first.filter((c) => c === 'Throttling.User').length;
    expect(hits).toBeGreaterThan(8);
    expect(hits).toBeLessThan(32);
    expect(await outcomes()).toEqual(first);
  });

  it('answers an HTML 502, which pop-core rejects with a plain SyntaxError object', async () => {
    await withCloud(oneInstance, async (cloud, ecs) => {
      cloud.world.faults.push({ html502: true, rate: 1 });
      const error = await ecs.request('DescribeInstances', { RegionId: 'cn-hangzhou' }).catch((e: unknown) => e);
      expect(error).not.toBeInstanceOf(Error);
      expect(error).toMatchObject({ name: 'SyntaxError', text: expect.stringContaining('502 Bad Gateway') });
      expect(cloud.world.calls).toMatchObject([{ code: 'HTML502', fault: 'HTML502' }]);
    });
  });

  it('never answers a timeout fault, so the client gives up on its own timeout', async () => {
    await withCloud(oneInstance, async (cloud, ecs) => {
      cloud.world.faults.push({ timeout: true, rate: 1 });
      const error = await ecs.request('DescribeInstances', { RegionId: 'cn-hangzhou' }, { timeout: 300 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'RequestTimeoutError' });
      expect(cloud.world.calls).toMatchObject([{ code: 'Timeout', fault: 'Timeout' }]);
    });
  });

  it('delays the answer by latencyMs and then answers normally', async () => {
    await withCloud(oneInstance, async (cloud, ecs) => {
      cloud.world.faults.push({ latencyMs: 150, rate: 1 });
      const started = performance.now();
      await expect(ecs.request('DescribeInstances', { RegionId: 'cn-hangzhou' })).resolves.toMatchObject({ TotalCount: 1 });
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    });
  });
});

describe('SignatureDoesNotMatch in the real shape', () => {
  // An STS token with every character that URL-encoding changes: `/`, `+` and `=`.
  const token = 'CAIS/abc+def==';
  const stsWithAwkwardToken = { id: 'STS.NAwkwardKey', secret: 'sts-awkward-secret', securityToken: token };

  it('echoes the server string to sign, URL-encoded, with the AccessKeyId and the SecurityToken in it', async () => {
    await withCloud({ fixture: fixture([instance()], { accessKeys: [TEST_KEY, stsWithAwkwardToken] }) }, async (cloud) => {
      const forger = ecsClient(cloud, { ...stsWithAwkwardToken, secret: 'wrong' });
      try {
        const error = await rpcError(forger.request('DescribeInstances', { RegionId: 'cn-hangzhou' }));
        expect(error).toMatchObject({ code: 'SignatureDoesNotMatch', status: 400 });
        const message = String(error.data?.Message);
        expect(message).toMatch(
          /^Specified signature is not matched with our calculation\. server string to sign is:GET&%2F&AccessKeyId%3DSTS\.NAwkwardKey%26/,
        );
        // Inside the string to sign the token is encoded once as a value and once more as part of it.
        expect(message).toContain(`%26SecurityToken%3D${encodeURIComponent(encodeURIComponent(token))}`);
        expect(message).toContain('%26SecurityToken%3DCAIS%252Fabc%252Bdef%253D%253D');
        // Never the secret, in any encoding.
        expect(message).not.toContain('sts-awkward-secret');
        expect(message).not.toContain('wrong');
      } finally {
        forger.close();
      }
    });
  });
});
