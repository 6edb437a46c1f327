// The webhook token check: right answers for every pair of strings, and the comparison itself is
// constant-time: crypto.timingSafeEqual over two 32-byte digests, whatever the presented length, so
// neither the content nor the length of the secret leaks through timing. (No timing is measured:
// on a shared machine that would assert noise; the property is structural.)
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const crypto = vi.hoisted(() => ({ compared: [] as Array<[Buffer, Buffer]> }));
vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  return {
    ...original,
    timingSafeEqual: (a: Buffer, b: Buffer) => {
      crypto.compared.push([a, b]);
      return original.timingSafeEqual(a, b);
    },
  };
});

const { verifyWebhookToken } = await import('../../src/events/http');
const TOKEN = 'local-webhook-token-0123456789abcdef';

describe('the webhook token check', () => {
  beforeEach(() => {
    crypto.compared.length = 0;
  });

  it.each([
    { name: 'the token itself', given: TOKEN, accepted: true },
    { name: 'missing', given: undefined, accepted: false },
    { name: 'empty', given: '', accepted: false },
    { name: 'one character short', given: TOKEN.slice(0, -1), accepted: false },
    { name: 'one character more', given: `${TOKEN}0`, accepted: false },
    { name: 'the last character changed', given: `${TOKEN.slice(0, -1)}0`, accepted: false },
    { name: 'different case', given: TOKEN.toUpperCase(), accepted: false },
    { name: 'surrounded by spaces', given: ` ${TOKEN} `, accepted: false },
  ])('$name: accepted $accepted', ({ given, accepted }) => {
    expect(verifyWebhookToken(given, TOKEN)).toBe(accepted);
  });

  it('refuses everything when no token is configured (an unset secret must not open the endpoint)', () => {
    fc.assert(
      fc.property(fc.option(fc.string(), { nil: undefined }), (given) => {
        expect(verifyWebhookToken(given, '')).toBe(false);
      }),
    );
  });

  it('accepts exactly the configured token, for any pair of strings', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), (expected, given) => {
        expect(verifyWebhookToken(given, expected)).toBe(given === expected);
        expect(verifyWebhookToken(expected, expected)).toBe(true);
      }),
    );
  });

  it('compares in constant time: timingSafeEqual over two 32-byte SHA-256 digests, whatever the length presented', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (given) => {
        crypto.compared.length = 0;
        verifyWebhookToken(given, TOKEN);
        expect(crypto.compared).toHaveLength(1);
        const [a, b] = crypto.compared[0] as [Buffer, Buffer];
        expect([a.length, b.length]).toEqual([32, 32]);
        expect(b.equals(createHash('sha256').update(TOKEN, 'utf8').digest())).toBe(true);
      }),
    );
  });
});
