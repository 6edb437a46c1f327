import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentEncode, signRpcV1, stringToSign, verifyRpcV1 } from '../../local-cloud/signature';

// The published example of the RPC signature page (https://www.alibabacloud.com/help/doc-detail/163279.htm),
// docs/reference/alibaba-cloud.md §3.2.
const PUBLISHED = {
  params: {
    Timestamp: '2016-02-23T12:46:24Z',
    Format: 'XML',
    AccessKeyId: 'testid',
    Action: 'DescribeRegions',
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
    Version: '2014-05-26',
    SignatureVersion: '1.0',
  },
  stringToSign:
    'GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26',
  signature: 'OLeaidS1JvxuMvnyHOwuJ+uX5qY=',
};

describe('RPC signature v1.0', () => {
  it('builds the published string-to-sign', () => {
    expect(stringToSign('GET', PUBLISHED.params)).toBe(PUBLISHED.stringToSign);
  });

  it('reproduces the published signature for testid/testsecret', () => {
    expect(signRpcV1('GET', PUBLISHED.params, 'testsecret')).toBe(PUBLISHED.signature);
  });

  it('verifies the published request and refuses it under another secret', () => {
    const signed = { ...PUBLISHED.params, Signature: PUBLISHED.signature };
    expect(verifyRpcV1('GET', signed, 'testsecret')).toBe(true);
    expect(verifyRpcV1('GET', signed, 'othersecret')).toBe(false);
    expect(verifyRpcV1('POST', signed, 'testsecret')).toBe(false);
  });

  it.each([
    { name: 'unreserved characters stay literal', input: 'AZaz09-_.~', expected: 'AZaz09-_.~' },
    { name: 'space is %20, never +', input: 'a b', expected: 'a%20b' },
    { name: 'the characters encodeURIComponent misses are encoded', input: "!'()*", expected: '%21%27%28%29%2A' },
    { name: 'colon and slash are encoded', input: '12:46/x', expected: '12%3A46%2Fx' },
    { name: 'UTF-8 multi-byte characters are encoded per byte', input: '杭', expected: '%E6%9D%AD' },
    { name: 'JSON arrays are encoded', input: '["i-a"]', expected: '%5B%22i-a%22%5D' },
  ])('percentEncode: $name', ({ input, expected }) => {
    expect(percentEncode(input)).toBe(expected);
  });

  it('signs as the Java recipe of the docs encodes (URLEncoder + replacements), for any parameters', () => {
    // The docs' Java recipe: URLEncoder.encode(v,"UTF-8").replace("+","%20").replace("*","%2A").replace("%7E","~").
    // URLSearchParams serialises like URLEncoder (space as +, `*-._` literal, everything else encoded).
    const javaEncode = (s: string) => new URLSearchParams({ v: s }).toString().slice(2).replace(/\+/g, '%20').replace(/\*/g, '%2A').replace(/%7E/g, '~');
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1 }), fc.string()), fc.string({ minLength: 1 }), (params, secret) => {
        const canonical = Object.keys(params)
          .filter((k) => k !== 'Signature')
          .sort()
          .map((k) => `${javaEncode(k)}=${javaEncode(params[k] ?? '')}`)
          .join('&');
        const expected = createHmac('sha1', `${secret}&`)
          .update(`GET&%2F&${javaEncode(canonical)}`)
          .digest('base64');
        expect(signRpcV1('GET', params, secret)).toBe(expected);
      }),
    );
  });

  it('rejects any change to a signed parameter', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ minLength: 1 }).filter((k) => k !== 'Signature'),
          fc.string(),
          { minKeys: 1 },
        ),
        fc.string(),
        (params, replacement) => {
          const key = Object.keys(params)[0] as string;
          fc.pre(params[key] !== replacement);
          const signed = { ...params, Signature: signRpcV1('POST', params, 'secret') };
          expect(verifyRpcV1('POST', signed, 'secret')).toBe(true);
          expect(verifyRpcV1('POST', { ...signed, [key]: replacement }, 'secret')).toBe(false);
        },
      ),
    );
  });
});
