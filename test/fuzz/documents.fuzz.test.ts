// Policy files and traces, the two documents an operator hands bwscaler: never a crash, always a
// ValidationError that names the file.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { parsePolicyDocument } from '../../src/policy/load';
import { parseTrace, TRACE_UNITS } from '../../src/sim/trace';
import { acceptedOrRefused, FUZZ_RUNS, mutationsOf } from './support';

const EXAMPLE = parseYaml(readFileSync(new URL('../../examples/policy.yaml', import.meta.url), 'utf8')) as unknown;

describe('fuzzing the documents', () => {
  it('a policy file (YAML or JSON) parses into bounded policies or is refused naming the file', () => {
    const texts = fc.oneof(
      mutationsOf(EXAMPLE).map((doc) => toYaml(doc)),
      mutationsOf(EXAMPLE).map((doc) => JSON.stringify(doc)),
      fc.string(),
      fc.jsonValue().map((v) => toYaml(v)),
    );
    fc.assert(
      fc.property(texts, (text) => {
        const doc = acceptedOrRefused(() => parsePolicyDocument(text, 'fuzz-policy.yaml'), 'fuzz-policy.yaml');
        if (!doc) return;
        expect(doc.policies.length).toBeGreaterThan(0);
        for (const policy of doc.policies) expect(policy.bounds.minOut).toBeLessThanOrEqual(policy.bounds.maxOut);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('a trace parses into increasing, finite, non-negative demand or is refused naming the trace', () => {
    const time = fc.oneof(
      fc.integer({ min: 1_300_000_000, max: 1_900_000_000 }).map(String),
      fc.date({ min: new Date('2000-01-01'), max: new Date('2040-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
      fc.string({ maxLength: 10 }),
    );
    const value = fc.oneof(fc.double().map(String), fc.nat().map(String), fc.constantFrom('', '-1', 'NaN', '1e999', 'x'));
    const rows = fc.array(
      fc.tuple(time, value).map(([t, v]) => `${t},${v}`),
      { maxLength: 20 },
    );
    const texts = fc.oneof(
      fc.tuple(fc.boolean(), rows).map(([header, lines]) => [...(header ? ['timestamp,value'] : []), ...lines].join('\n')),
      fc.string(),
    );
    fc.assert(
      fc.property(texts, fc.constantFrom(...TRACE_UNITS), (text, unit) => {
        const trace = acceptedOrRefused(() => parseTrace(text, 'fuzz-trace.csv', { unit, bytesPerRequest: 2000 }), 'fuzz-trace.csv');
        if (!trace) return;
        for (const [i, point] of trace.points.entries()) {
          expect(Number.isFinite(point.mbps) && point.mbps >= 0).toBe(true);
          if (i > 0) expect(point.at).toBeGreaterThan((trace.points[i - 1] as { at: number }).at);
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
