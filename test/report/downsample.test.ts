import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { downsampleMinMax } from '../../src/report/downsample';

const seriesArb = fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { minLength: 0, maxLength: 3000 });
const bucketsArb = fc.integer({ min: 1, max: 900 });

describe('downsampleMinMax', () => {
  it.each([
    {
      name: 'keeps a one-point spike in a flat series',
      values: [...Array(5000).fill(10), 500, ...Array(5000).fill(10)],
      buckets: 100,
      expectedKept: [{ index: 5000, value: 500 }],
    },
    {
      name: 'keeps a one-point dip to zero in a flat series',
      values: [...Array(3000).fill(40), 0, ...Array(3000).fill(40)],
      buckets: 50,
      expectedKept: [{ index: 3000, value: 0 }],
    },
    {
      name: 'keeps the minimum and the maximum of a bucket in their original order',
      values: [5, 9, 1, 5, 5, 5],
      buckets: 1,
      expectedKept: [
        { index: 1, value: 9 },
        { index: 2, value: 1 },
      ],
    },
  ])('$name', ({ values, buckets, expectedKept }) => {
    // Act
    const points = downsampleMinMax(values, buckets);

    // Assess
    for (const expected of expectedKept) expect(points).toContainEqual(expected);
    expect(points.length).toBeLessThanOrEqual(2 * buckets);
  });

  it('returns every point when there are no more than two per bucket', () => {
    expect(downsampleMinMax([3, 1, 4, 1], 2)).toEqual([
      { index: 0, value: 3 },
      { index: 1, value: 1 },
      { index: 2, value: 4 },
      { index: 3, value: 1 },
    ]);
  });

  it.each([
    { name: 'zero buckets', buckets: 0 },
    { name: 'a fractional bucket count', buckets: 2.5 },
  ])('refuses $name with a RangeError naming the argument', ({ buckets }) => {
    expect(() => downsampleMinMax([1, 2, 3], buckets)).toThrow(/buckets must be a positive integer/);
  });

  it('always keeps the global maximum and minimum (property)', () => {
    fc.assert(
      fc.property(seriesArb, bucketsArb, (values, buckets) => {
        const points = downsampleMinMax(values, buckets);
        const kept = points.map((point) => point.value);
        if (values.length === 0) return points.length === 0;
        return kept.includes(Math.max(...values)) && kept.includes(Math.min(...values));
      }),
    );
  });

  it('returns real points of the series in strictly increasing index order, at most two per bucket (property)', () => {
    fc.assert(
      fc.property(seriesArb, bucketsArb, (values, buckets) => {
        const points = downsampleMinMax(values, buckets);
        expect(points.length).toBeLessThanOrEqual(Math.min(values.length, 2 * buckets));
        points.forEach((point, i) => {
          expect(values[point.index]).toBe(point.value);
          if (i > 0) expect(point.index).toBeGreaterThan((points[i - 1] as { index: number }).index);
        });
      }),
    );
  });

  it('keeps the extremes of every bucket, so no local spike disappears (property)', () => {
    fc.assert(
      fc.property(seriesArb, bucketsArb, (values, buckets) => {
        fc.pre(values.length > 2 * buckets);
        const kept = new Set(downsampleMinMax(values, buckets).map((point) => point.index));
        for (let bucket = 0; bucket < buckets; bucket++) {
          const from = Math.floor((bucket * values.length) / buckets);
          const slice = values.slice(from, Math.floor(((bucket + 1) * values.length) / buckets));
          const keptValues = slice.filter((_, i) => kept.has(from + i));
          expect(keptValues).toContain(Math.max(...slice));
          expect(keptValues).toContain(Math.min(...slice));
        }
      }),
      { numRuns: 50 },
    );
  });
});
