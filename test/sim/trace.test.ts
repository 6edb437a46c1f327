import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors';
import { demandGrid, loadTrace, parseTrace } from '../../src/sim/trace';

const SHARED_TRACES = new URL('../../../shared/traces/', import.meta.url).pathname;

describe('parseTrace', () => {
  it.each([
    { name: 'bits per 5-minute interval → Mbps', unit: 'bits-per-interval' as const, value: '300000000', expected: 1 },
    { name: 'bytes per 5-minute interval → Mbps', unit: 'bytes-per-interval' as const, value: '37500000', expected: 1 },
    { name: 'bit/s → Mbps', unit: 'bps' as const, value: '2500000', expected: 2.5 },
    { name: 'byte/s → Mbps', unit: 'Bps' as const, value: '125000', expected: 1 },
    { name: 'Mbps as is', unit: 'Mbps' as const, value: '42', expected: 42 },
  ])('$name', ({ unit, value, expected }) => {
    const trace = parseTrace(`timestamp,value\n2024-01-01T00:00:00Z,${value}\n2024-01-01T00:05:00Z,${value}\n`, 't.csv', { unit });
    expect(trace.stepSeconds).toBe(300);
    expect(trace.points[0]?.mbps).toBeCloseTo(expected, 9);
  });

  it('reads unix seconds, keeps gaps as gaps and holds the last value on the grid', () => {
    const trace = parseTrace('1700000000,1\n1700000300,2\n1700000900,4\n', 'u.csv', { unit: 'Mbps' });
    expect(trace.missingSlots).toBe(1);
    expect(demandGrid(trace).mbps).toEqual([1, 2, 2, 4]);
  });

  it('rescales to a requested peak', () => {
    const trace = parseTrace('0,10\n300,40\n', 'p.csv', { unit: 'Mbps', peakMbps: 80 });
    expect(trace.points.map((p) => p.mbps)).toEqual([20, 80]);
  });

  it('converts requests with a bytes-per-request size, and refuses without one', () => {
    const trace = parseTrace('0,300\n300,300\n', 'r.csv', { unit: 'requests-per-interval', bytesPerRequest: 125_000 });
    expect(trace.points[0]?.mbps).toBeCloseTo(1, 9);
    expect(() => parseTrace('0,1\n300,1\n', 'r.csv', { unit: 'requests-per-interval' })).toThrow(/bytes-per-request/);
  });

  it.each([
    { name: 'a bad timestamp', text: 'timestamp,value\nyesterday,1\n0,1\n', message: 'x.csv:2: expected an ISO-8601 time or unix seconds, got "yesterday"' },
    { name: 'a negative value', text: '0,1\n300,-5\n', message: 'x.csv:2: expected a non-negative number, got "-5"' },
    { name: 'a missing column', text: '0,1\n300\n', message: 'x.csv:2: expected 2 columns "timestamp,value", got 1' },
    { name: 'a value that overflows once converted', text: '0,1\n300,2e308\n', message: 'x.csv:2: expected a non-negative number, got "2e308"' },
    {
      name: 'a finite value that overflows in Mbps',
      text: '0,1\n300,2.3e307\n',
      message: 'x.csv:2: value is too large to be a rate in Bps',
      unit: 'Bps' as const,
    },
  ])('names the line of $name', ({ text, message, unit }) => {
    try {
      parseTrace(text, 'x.csv', { unit: unit ?? 'Mbps' });
      expect.unreachable('parseTrace accepted a malformed row');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues).toContain(message);
    }
  });

  it('refuses timestamps that go backwards', () => {
    expect(() => parseTrace('300,1\n0,1\n', 'b.csv', { unit: 'Mbps' })).toThrow(/timestamps must increase/);
  });
});

describe('the shared real traces', () => {
  it.skipIf(!existsSync(SHARED_TRACES))('load with the statistics their README states (ISP: 14772 points, peak ~29 Mbit/s)', async () => {
    const trace = await loadTrace(`${SHARED_TRACES}isp-eu-transatlantic-bits-5min.csv`, { unit: 'bits-per-interval' });
    expect(trace.points).toHaveLength(14772);
    expect(trace.missingSlots).toBe(0);
    expect(Math.max(...trace.points.map((p) => p.mbps))).toBeCloseTo(8.82289e9 / 300 / 1e6, 1);
  });
});
