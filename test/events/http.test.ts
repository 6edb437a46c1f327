import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors';
import { decodeFcHttpEvent, verifyWebhookToken } from '../../src/events';

/** The FC 3.0 HTTP trigger event of the documentation (docs/reference/alibaba-cloud.md §5.3), as the runtime passes it: a Buffer. */
function fcEvent(overrides: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      version: 'v1',
      rawPath: '/alarm',
      body: 'alertState=ALERT',
      isBase64Encoded: false,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Bwscaler-Token': 'abc' },
      queryParameters: { token: 'abc' },
      requestContext: {
        accountId: '123456',
        domainName: 'x.cn-hangzhou.fcapp.run',
        domainPrefix: 'x',
        http: { method: 'POST', path: '/alarm', protocol: 'HTTP/1.1', sourceIp: '47.74.206.1', userAgent: 'cms' },
        requestId: '1-64f6cd87',
        time: '2023-09-05T06:41:11Z',
        timeEpoch: '1693896071895',
      },
      ...overrides,
    }),
  );
}

describe('decodeFcHttpEvent', () => {
  it('decodes the documented event with lower-cased header names', () => {
    const request = decodeFcHttpEvent(fcEvent());

    expect(request).toEqual({
      method: 'POST',
      path: '/alarm',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-bwscaler-token': 'abc' },
      query: { token: 'abc' },
      body: 'alertState=ALERT',
    });
  });

  it('decodes a base64 body', () => {
    const request = decodeFcHttpEvent(fcEvent({ body: Buffer.from('{"a":1}').toString('base64'), isBase64Encoded: true }));

    expect(request.body).toBe('{"a":1}');
  });

  it('defaults an absent body, headers and query to empty', () => {
    const request = decodeFcHttpEvent(fcEvent({ body: undefined, headers: undefined, queryParameters: undefined }));

    expect(request).toMatchObject({ body: '', headers: {}, query: {} });
  });

  const malformed = [
    { name: 'not JSON', event: Buffer.from('<xml/>'), mentions: 'not JSON' },
    { name: 'no rawPath', event: fcEvent({ rawPath: undefined }), mentions: 'rawPath' },
    { name: 'a rawPath without a leading slash', event: fcEvent({ rawPath: 'alarm' }), mentions: 'rawPath' },
    { name: 'no requestContext.http.method', event: fcEvent({ requestContext: { http: {} } }), mentions: 'requestContext.http.method' },
    { name: 'a numeric header value', event: fcEvent({ headers: { 'x-n': 1 } }), mentions: 'headers.x-n' },
    { name: 'isBase64Encoded as a string', event: fcEvent({ isBase64Encoded: 'true' }), mentions: 'isBase64Encoded' },
  ];

  it.each(malformed)('rejects $name with a ValidationError naming it', ({ event, mentions }) => {
    expect(() => decodeFcHttpEvent(event)).toThrow(ValidationError);
    expect(() => decodeFcHttpEvent(event)).toThrow(mentions);
  });
});

describe('verifyWebhookToken', () => {
  const rows = [
    { name: 'the configured token', given: 'correct-horse-battery', expected: 'correct-horse-battery', accepted: true },
    { name: 'a different token of the same length', given: 'correct-horse-batterz', expected: 'correct-horse-battery', accepted: false },
    { name: 'a prefix of the token', given: 'correct-horse', expected: 'correct-horse-battery', accepted: false },
    { name: 'a longer token', given: 'correct-horse-battery-staple', expected: 'correct-horse-battery', accepted: false },
    { name: 'no token', given: undefined, expected: 'correct-horse-battery', accepted: false },
    { name: 'an empty token against an unset secret', given: '', expected: '', accepted: false },
  ];

  it.each(rows)('$name → $accepted', ({ given, expected, accepted }) => {
    expect(verifyWebhookToken(given, expected)).toBe(accepted);
  });

  it('accepts exactly the configured token (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), (expected, given) => {
        expect(verifyWebhookToken(given, expected)).toBe(given === expected);
        expect(verifyWebhookToken(expected, expected)).toBe(true);
      }),
    );
  });
});
