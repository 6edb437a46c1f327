import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CloudApiError } from '../src/errors';
import { createLogger, MIN_SECRET_LENGTH, REDACTED, redact } from '../src/log';

/** Every string inside a parsed JSON value. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(strings);
}

describe('redact', () => {
  const rows = [
    {
      name: 'a GET URL signed by pop-core',
      text: 'GET http://ecs.aliyuncs.com/?AccessKeyId=LTAI5tKey&Action=DescribeInstances&SecurityToken=CAIS%2Ftok%3D&Signature=abc%2Bdef%3D failed.',
      gone: ['LTAI5tKey', 'CAIS%2Ftok%3D', 'abc%2Bdef%3D'],
      kept: ['Action=DescribeInstances'],
    },
    {
      name: 'a form body',
      text: 'AccessKeyId=AK1&Action=ModifyInstanceNetworkSpec&Signature=sig1&SignatureNonce=n1',
      gone: ['AK1', 'sig1'],
      kept: ['SignatureNonce=n1', 'Action=ModifyInstanceNetworkSpec'],
    },
    {
      name: 'a credentials object printed as JSON',
      text: '{"accessKeyId":"STS.key","accessKeySecret":"s3cr3t","securityToken":"CAIS.tok"}',
      gone: ['STS.key', 's3cr3t', 'CAIS.tok'],
      kept: [],
    },
    {
      name: 'a credentials object printed by util.inspect',
      text: "{ accessKeyId: 'STS.key', accessKeySecret: 's3cr3t', securityToken: 'CAIS.tok' }",
      gone: ['STS.key', 's3cr3t', 'CAIS.tok'],
      kept: [],
    },
    {
      name: 'Tablestore and ACS3 headers',
      text: "x-ots-signature: OTSsig== x-acs-security-token: STSvalue9 authorization: 'ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature=hexsig'",
      gone: ['OTSsig==', 'STSvalue9', 'hexsig'],
      kept: [],
    },
    {
      name: 'a DingTalk robot URL',
      text: 'https://oapi.dingtalk.com/robot/send?access_token=robot-token&timestamp=1&sign=abc%3D',
      gone: ['robot-token', 'abc%3D'],
      kept: ['timestamp=1'],
    },
    {
      name: 'ordinary words that end like a secret parameter',
      text: 'design=final resign=no signatures',
      gone: [],
      kept: ['design=final resign=no signatures'],
    },
  ];

  it.each(rows)('removes the secret values of $name', ({ text, gone, kept }) => {
    const out = redact(text);

    for (const secret of gone) expect(out).not.toContain(secret);
    for (const part of kept) expect(out).toContain(part);
  });

  it('removes a registered secret in raw, URL-encoded and double-encoded form', () => {
    const secret = 'k3y/with+chars=*';
    const once = encodeURIComponent(secret).replace('*', '%2A');
    const text = `raw ${secret} once ${once} twice ${encodeURIComponent(once)}`;

    expect(redact(text, [secret])).toBe(`raw ${REDACTED} once ${REDACTED} twice ${REDACTED}`);
  });

  it('removes any Signature/SecurityToken value from a query string (property)', () => {
    const value = fc.stringMatching(/^[A-Za-z0-9%+/=._-]{16,64}$/);
    fc.assert(
      fc.property(value, value, (signature, token) => {
        const out = redact(`GET https://ecs.cn-hangzhou.aliyuncs.com/?Action=X&SecurityToken=${token}&Signature=${signature}&Version=1 failed.`);

        expect(out).not.toContain(signature);
        expect(out).not.toContain(token);
      }),
    );
  });
});

describe('createLogger', () => {
  it('writes one JSON line per record with level, time and msg first', () => {
    const lines: string[] = [];
    const logger = createLogger((line) => lines.push(line), { now: () => Date.UTC(2027, 0, 1) });

    logger.info('decision', { instanceId: 'i-1', reason: 'SCALE_UP', level: 'ignored' });

    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe('{"level":"info","time":"2027-01-01T00:00:00.000Z","msg":"decision","instanceId":"i-1","reason":"SCALE_UP"}');
  });

  it('no registered secret survives anywhere in a record (property)', () => {
    // Secrets never contain the '*' of the marker; real keys and STS tokens are base64-like.
    const secret = fc.string({ minLength: MIN_SECRET_LENGTH, maxLength: 40 }).filter((s) => !s.includes('*'));
    fc.assert(
      fc.property(secret, fc.string(), fc.string(), (value, before, after) => {
        // Prepare
        const lines: string[] = [];
        const logger = createLogger((line) => lines.push(line));
        logger.addSecret(value);
        const text = `${before}${value}${after} url=?x=${encodeURIComponent(value)}`;

        // Act
        logger.error(text, { plain: text, nested: { list: [text, { deeper: text }] }, error: new Error(text, { cause: new Error(text) }) });

        // Assess
        for (const logged of strings(JSON.parse(lines[0] as string))) {
          expect(logged).not.toContain(value);
          expect(logged).not.toContain(encodeURIComponent(value));
        }
      }),
    );
  });

  it('serialises a CloudApiError with its code, category, request id and redacted cause', () => {
    const lines: string[] = [];
    const logger = createLogger((line) => lines.push(line), { now: () => 0 });
    const error = new CloudApiError('ModifyInstanceNetworkSpec failed', 'Throttling.User', 'retryable', 'REQ-1', {
      cause: { message: 'GET http://x/?Signature=leaky' },
    });

    logger.warn('provider error', { error });

    expect(JSON.parse(lines[0] as string).error).toEqual({
      name: 'CloudApiError',
      code: 'Throttling.User',
      category: 'retryable',
      requestId: 'REQ-1',
      message: 'ModifyInstanceNetworkSpec failed',
      cause: { message: `GET http://x/?Signature=${REDACTED}` },
    });
  });

  it('cuts reference cycles instead of throwing', () => {
    const lines: string[] = [];
    const logger = createLogger((line) => lines.push(line));
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;

    logger.debug('cycle', { loop });

    expect(JSON.parse(lines[0] as string).loop).toEqual({ name: 'loop', self: '[Circular]' });
  });

  it('refuses to register a secret too short to redact safely', () => {
    const logger = createLogger(() => undefined);

    expect(() => logger.addSecret('short')).toThrow(`at least ${MIN_SECRET_LENGTH} characters`);
  });
});
