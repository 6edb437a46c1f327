import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bandwidthAt, demandMbps, INBOUND_FRACTION, inboundMbps, minuteStats, servedMbps } from '../../../local-cloud/cms/traffic';
import type { DemandSpec } from '../../../local-cloud/model';
import { instance, MINUTE, T0 } from './world';

const HOUR = 60 * MINUTE;

describe('demandMbps', () => {
  const series: DemandSpec = { kind: 'series', start: T0, stepSeconds: 60, mbps: [null, 4, null, null, 7] };
  const diurnal: DemandSpec = { kind: 'diurnal', baseMbps: 10, peakMbps: 50, peakHourUtc: 12 };

  it.each([
    { name: 'constant demand is the same at any time', spec: { kind: 'constant', mbps: 3 } as DemandSpec, t: T0 + 12345, want: 3 },
    { name: 'a series reads 0 before its start', spec: series, t: T0 - 1, want: 0 },
    { name: 'a leading null with no earlier value reads 0', spec: series, t: T0 + 30_000, want: 0 },
    { name: 'a series holds its value for the whole step', spec: series, t: T0 + MINUTE + 59_999, want: 4 },
    { name: 'a null gap holds the previous value', spec: series, t: T0 + 3 * MINUTE, want: 4 },
    { name: 'a series holds its last value past the end', spec: series, t: T0 + 10 * HOUR, want: 7 },
    { name: 'diurnal demand peaks at the peak hour', spec: diurnal, t: T0 + 12 * HOUR, want: 50 },
    { name: 'diurnal demand bottoms out twelve hours from the peak', spec: diurnal, t: T0, want: 10 },
    { name: 'diurnal demand is half-way six hours from the peak', spec: diurnal, t: T0 + 6 * HOUR, want: 30 },
    {
      name: 'the weekend factor scales Saturday demand',
      spec: { ...diurnal, weekendFactor: 0.5 } as DemandSpec,
      t: T0 - 2 * 24 * HOUR + 12 * HOUR,
      want: 25,
    },
    {
      name: 'a flash crowd adds its extra demand while it lasts',
      spec: { ...diurnal, flashCrowds: [{ start: T0 + HOUR, durationSeconds: 600, extraMbps: 100 }] } as DemandSpec,
      t: T0 + HOUR + 599_000,
      want: 100 + demandMbps(diurnal, T0 + HOUR + 599_000),
    },
    {
      name: 'a flash crowd ends after its duration',
      spec: { ...diurnal, flashCrowds: [{ start: T0 + HOUR, durationSeconds: 600, extraMbps: 100 }] } as DemandSpec,
      t: T0 + HOUR + 600_000,
      want: demandMbps(diurnal, T0 + HOUR + 600_000),
    },
  ])('$name', ({ spec, t, want }) => {
    // Act
    const got = demandMbps(spec, t);
    // Assess
    expect(got).toBeCloseTo(want, 9);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    // Prepare
    const noisy = (seed: number): DemandSpec => ({ ...diurnal, noise: 0.2, seed });
    const t = T0 + 7 * HOUR + 17_000;
    // Act / Assess
    expect(demandMbps(noisy(1), t)).toBe(demandMbps(noisy(1), t));
    expect(demandMbps(noisy(1), t)).not.toBe(demandMbps(noisy(2), t));
  });

  it('keeps seeded noise within its relative amplitude of the noiseless cycle', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 * 24 * 3600 }), fc.integer(), fc.double({ min: 0, max: 1, noNaN: true }), (second, seed, noise) => {
        const t = T0 + second * 1000;
        const clean = demandMbps(diurnal, t);
        const noisy = demandMbps({ ...diurnal, noise, seed } as DemandSpec, t);
        expect(Math.abs(noisy - clean)).toBeLessThanOrEqual(clean * noise + 1e-9);
      }),
    );
  });
});

describe('bandwidthAt', () => {
  const logged = instance('i-log', {
    InternetMaxBandwidthOut: 30,
    bandwidthLog: [
      { at: T0, out: 10 },
      { at: T0 + 5 * MINUTE, out: 20 },
      { at: T0 + 9 * MINUTE, out: 30 },
    ],
  });

  it.each([
    { name: 'before the first entry the initial bandwidth applies', t: T0 - HOUR, want: 10 },
    { name: 'a change applies from its own instant', t: T0 + 5 * MINUTE, want: 20 },
    { name: 'the previous bandwidth applies until the change', t: T0 + 5 * MINUTE - 1, want: 10 },
    { name: 'the last change applies ever after', t: T0 + 10 * HOUR, want: 30 },
  ])('$name', ({ t, want }) => {
    expect(bandwidthAt(logged, t)).toBe(want);
  });

  it('falls back to InternetMaxBandwidthOut when the log is empty', () => {
    expect(bandwidthAt({ bandwidthLog: [], InternetMaxBandwidthOut: 7 }, T0)).toBe(7);
  });
});

describe('served traffic', () => {
  const demandArb: fc.Arbitrary<DemandSpec> = fc.oneof(
    fc.record({ kind: fc.constant('constant' as const), mbps: fc.double({ min: 0, max: 500, noNaN: true }) }),
    fc.record({
      kind: fc.constant('diurnal' as const),
      baseMbps: fc.double({ min: 0, max: 100, noNaN: true }),
      peakMbps: fc.double({ min: 0, max: 400, noNaN: true }),
      peakHourUtc: fc.double({ min: 0, max: 24, noNaN: true }),
      noise: fc.double({ min: 0, max: 1, noNaN: true }),
      seed: fc.integer(),
    }),
  );
  const logArb = fc.array(fc.record({ offsetMinutes: fc.integer({ min: 0, max: 120 }), out: fc.integer({ min: 0, max: 200 }) }), {
    minLength: 1,
    maxLength: 6,
  });

  it('never exceeds the bandwidth in effect, and percent stays within 0..100', () => {
    fc.assert(
      fc.property(demandArb, logArb, fc.integer({ min: 0, max: 180 }), (demand, entries, minute) => {
        // Prepare
        const bandwidthLog = entries.map((e) => ({ at: T0 + e.offsetMinutes * MINUTE, out: e.out })).sort((a, b) => a.at - b.at);
        const subject = instance('i-prop', { demand, bandwidthLog });
        const start = T0 + minute * MINUTE;
        // Act
        const rate = minuteStats(subject, 'outRate', start);
        const percent = minuteStats(subject, 'outPercent', start);
        // Assess
        const widest = Math.max(bandwidthAt(subject, start), bandwidthAt(subject, start + 50_000), ...bandwidthLog.map((e) => e.out));
        expect(servedMbps(subject, start)).toBeLessThanOrEqual(bandwidthAt(subject, start));
        expect(rate.Maximum).toBeLessThanOrEqual(widest * 1e6);
        expect(rate.Minimum).toBeLessThanOrEqual(rate.Average + 1e-6);
        expect(rate.Average).toBeLessThanOrEqual(rate.Maximum + 1e-6);
        expect(percent.Minimum).toBeGreaterThanOrEqual(0);
        expect(percent.Maximum).toBeLessThanOrEqual(100);
      }),
    );
  });

  it.each([
    { name: 'demand under the cap is served in full', demandMbps: 4, bandwidth: 10, rate: 4e6, percent: 40 },
    { name: 'demand over the cap is clipped at the cap', demandMbps: 40, bandwidth: 10, rate: 10e6, percent: 100 },
    { name: 'a zero bandwidth serves nothing and reads 0 %', demandMbps: 40, bandwidth: 0, rate: 0, percent: 0 },
  ])('$name', ({ demandMbps: mbps, bandwidth, rate, percent }) => {
    // Prepare
    const subject = instance('i-clip', { demand: { kind: 'constant', mbps }, bandwidthLog: [{ at: T0, out: bandwidth }] });
    // Act / Assess
    expect(minuteStats(subject, 'outRate', T0).Average).toBeCloseTo(rate, 6);
    expect(minuteStats(subject, 'outPercent', T0).Average).toBeCloseTo(percent, 9);
  });

  it('sees a mid-minute bandwidth change in the minute statistics', () => {
    // Prepare: 30 Mbit/s of demand; the cap rises from 10 to 20 half-way through the minute.
    const subject = instance('i-step', {
      demand: { kind: 'constant', mbps: 30 },
      bandwidthLog: [
        { at: T0 - HOUR, out: 10 },
        { at: T0 + 30_000, out: 20 },
      ],
    });
    // Act
    const stats = minuteStats(subject, 'outRate', T0);
    // Assess
    expect(stats).toEqual({ Minimum: 10e6, Maximum: 20e6, Average: 15e6 });
  });

  it('derives inbound traffic from outbound demand, clipped at InternetMaxBandwidthIn', () => {
    const small = instance('i-in', { demand: { kind: 'constant', mbps: 50 }, InternetMaxBandwidthIn: 100 });
    const capped = instance('i-in-cap', { demand: { kind: 'constant', mbps: 500 }, InternetMaxBandwidthIn: 20 });
    expect(inboundMbps(small, T0)).toBeCloseTo(50 * INBOUND_FRACTION, 9);
    expect(inboundMbps(capped, T0)).toBe(20);
  });
});
