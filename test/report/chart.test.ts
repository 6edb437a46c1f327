import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DOWNSAMPLE_ABOVE, niceValueTicks, renderLineChart, timeTicks } from '../../src/report/chart';
import { T0 } from './report-data';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function pointCount(svg: string, series: string): number {
  const match = new RegExp(`data-series="${series}" points="([^"]*)"`).exec(svg);
  if (!match) throw new Error(`no polyline for series ${series}`);
  return (match[1] as string).split(' ').length;
}

describe('niceValueTicks', () => {
  it.each([
    { name: 'round Mbps peak', peak: 100, expected: [0, 20, 40, 60, 80, 100] },
    { name: 'just above a round step', peak: 101, expected: [0, 25, 50, 75, 100, 125] },
    { name: 'small currency amounts without float drift', peak: 0.27, expected: [0, 0.1, 0.2, 0.3] },
    { name: 'a 2.5 step', peak: 12, expected: [0, 2.5, 5, 7.5, 10, 12.5] },
    { name: 'an all-zero series still gets an axis', peak: 0, expected: [0, 0.2, 0.4, 0.6, 0.8, 1] },
  ])('$name', ({ peak, expected }) => {
    expect(niceValueTicks(peak)).toEqual(expected);
  });

  it('starts at 0, ends at or above the peak, with even steps and at most 11 ticks (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 1e7, noNaN: true }), (peak) => {
        const ticks = niceValueTicks(peak);
        const step = (ticks[1] as number) - (ticks[0] as number);
        expect(ticks[0]).toBe(0);
        expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(peak * (1 - 1e-9));
        expect(ticks.length).toBeLessThanOrEqual(11);
        for (const [i, tick] of ticks.entries()) expect(tick).toBeCloseTo(i * step, 6);
      }),
    );
  });
});

describe('timeTicks', () => {
  it.each([
    {
      name: 'a 51-day trace gets weekly ticks on Mondays, labelled by date',
      from: T0,
      to: T0 + 51 * DAY,
      labels: ['2024-01-01', '2024-01-08', '2024-01-15', '2024-01-22', '2024-01-29', '2024-02-05', '2024-02-12', '2024-02-19'],
    },
    {
      name: 'a day gets 3-hourly ticks, midnight by date and the rest by time',
      from: T0 + 30 * 60_000,
      to: T0 + DAY + 30 * 60_000,
      labels: ['03:00', '06:00', '09:00', '12:00', '15:00', '18:00', '21:00', '2024-01-02'],
    },
    { name: 'an empty span has no ticks', from: T0, to: T0, labels: [] },
  ])('$name', ({ from, to, labels }) => {
    expect(timeTicks(from, to).map((tick) => tick.label)).toEqual(labels);
  });

  it('places at most 8 ticks, all inside the span (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: T0, max: T0 + 365 * DAY }), fc.integer({ min: 60_000, max: 800 * DAY }), (from, span) => {
        const ticks = timeTicks(from, from + span);
        expect(ticks.length).toBeLessThanOrEqual(8);
        for (const tick of ticks) {
          expect(tick.at).toBeGreaterThanOrEqual(from);
          expect(tick.at).toBeLessThanOrEqual(from + span);
        }
      }),
    );
  });
});

describe('renderLineChart', () => {
  const base = { chart: 'bandwidth', label: 'test chart', start: T0, stepSeconds: 300, valueUnit: 'Mbps' };

  function points(svg: string, series: string): Array<[number, number]> {
    const match = new RegExp(`data-series="${series}" points="([^"]*)"`).exec(svg);
    return (match?.[1] ?? '').split(' ').map((pair) => pair.split(',').map(Number) as [number, number]);
  }
  function plotEdges(svg: string): { left: number; right: number; bottom: number } {
    const axis = /<line class="axis" x1="([\d.]+)" x2="([\d.]+)" y1="([\d.]+)"/.exec(svg);
    return { left: Number(axis?.[1]), right: Number(axis?.[2]), bottom: Number(axis?.[3]) };
  }

  it('draws interval values as steps: one corner pair per change, from the left edge to the right edge', () => {
    // Act
    const svg = renderLineChart({ ...base, series: [{ key: 'bandwidth', name: 'Bandwidth', values: [10, 10, 20, 20], color: '#00f', timing: 'interval' }] });

    // Assess: 10 from the start, up to 20 halfway, 20 to the end.
    const line = points(svg, 'bandwidth');
    const { left, right } = plotEdges(svg);
    const middle = (left + right) / 2;
    expect(line.map(([x]) => x)).toEqual([left, middle, middle, right]);
    expect(line[0]?.[1]).toBe(line[1]?.[1]);
    expect(line[2]?.[1]).toBeLessThan(line[1]?.[1] as number);
  });

  it('draws a running total from 0 at the start to its last value at the right edge', () => {
    // Act
    const svg = renderLineChart({ ...base, series: [{ key: 'cost', name: 'Cost', values: [1, 2, 3], color: '#00f', timing: 'running' }] });

    // Assess
    const line = points(svg, 'cost');
    const { left, right, bottom } = plotEdges(svg);
    expect(line).toHaveLength(4);
    expect(line[0]).toEqual([left, bottom]);
    expect(line[3]?.[0]).toBe(right);
  });

  it(`buckets a series longer than ${DOWNSAMPLE_ABOVE} points to at most two points per plot pixel`, () => {
    // Prepare
    const values = Array.from({ length: 14_772 }, (_, i) => (i % 7) * 3);

    // Act
    const svg = renderLineChart({ ...base, series: [{ key: 'served', name: 'Served', values, color: '#0a0', timing: 'interval' }] });

    // Assess
    const count = pointCount(svg, 'served');
    expect(count).toBeGreaterThan(1000);
    expect(count).toBeLessThan(2000);
  });

  it('says "No data" for empty series and still draws the legend', () => {
    const svg = renderLineChart({ ...base, series: [{ key: 'demand', name: 'Demand', values: [], color: '#999', timing: 'interval', fill: true }] });
    expect(svg).toContain('>No data</text>');
    expect(svg).toContain('data-legend-item="demand"');
    expect(svg).not.toContain('<polyline');
  });

  it('names itself for assistive technology', () => {
    const svg = renderLineChart({ ...base, series: [] });
    expect(svg).toMatch(/^<svg data-chart="bandwidth" role="img" aria-label="test chart"/);
    expect(svg).toContain('<title>test chart</title>');
  });
});
