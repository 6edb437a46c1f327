import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunk, mapWithConcurrency } from '../src/concurrency';

describe('mapWithConcurrency', () => {
  it('never has more than `limit` calls in flight and keeps the input order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(3), { maxLength: 40 }), fc.integer({ min: 1, max: 6 }), async (delays, limit) => {
        // Prepare
        let inFlight = 0;
        let peak = 0;

        // Act: each call yields `delay` times to the event loop before finishing.
        const results = await mapWithConcurrency(delays, limit, async (delay, index) => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          for (let i = 0; i < delay; i++) await new Promise((resolve) => setImmediate(resolve));
          inFlight--;
          return index;
        });

        // Assess
        expect(peak).toBeLessThanOrEqual(limit);
        expect(results).toEqual(delays.map((_, index) => index));
      }),
      { numRuns: 60 },
    );
  });

  it('rejects with the first failure', async () => {
    const run = mapWithConcurrency([1, 2, 3], 2, async (n) => {
      if (n === 2) throw new Error('batch 2 failed');
      return n;
    });

    await expect(run).rejects.toThrow('batch 2 failed');
  });
});

describe('chunk', () => {
  it('splits into consecutive pieces of at most `size` that concatenate to the input', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), fc.integer({ min: 1, max: 10 }), (items, size) => {
        const pieces = chunk(items, size);

        expect(pieces.flat()).toEqual(items);
        expect(pieces.every((piece) => piece.length >= 1 && piece.length <= size)).toBe(true);
        expect(pieces.slice(0, -1).every((piece) => piece.length === size)).toBe(true);
      }),
    );
  });
});
