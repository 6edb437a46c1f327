import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors';
import { parsePolicyDocument } from '../../src/policy/load';
import { formatDuration, parseDuration } from '../../src/policy/units';
import { nextWindowStart } from '../../src/schedule/windows';
import { documentWith, minimalPolicy } from './helpers';

/** Parses, returning undefined for a rejected document and rethrowing anything but a ValidationError. */
function tryParse(text: string) {
  try {
    return parsePolicyDocument(text, 'property.yaml');
  } catch (error) {
    if (error instanceof ValidationError) return undefined;
    throw error;
  }
}

// Inputs straddle the boundaries: mostly in range, sometimes just outside, sometimes nonsense.
const mbpsInput = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -5, max: 205 }) },
  { weight: 1, arbitrary: fc.double({ min: -1, max: 300, noNaN: true }) },
);
const durationInput = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 900 }).map((n) => `${n}s`) },
  { weight: 3, arbitrary: fc.tuple(fc.nat({ max: 30 }), fc.constantFrom('m', 'h', 'd')).map(([n, unit]) => `${n}${unit}`) },
  { weight: 2, arbitrary: fc.nat({ max: 7200 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);

// Valid by construction: at least the 300 s provider lock, in each of the units the schema takes.
const validDuration = fc.oneof(
  fc.integer({ min: 300, max: 7200 }).map((n) => `${n}s`),
  fc.integer({ min: 5, max: 120 }).map((n) => `${n}m`),
  fc.integer({ min: 1, max: 48 }).map((n) => `${n}h`),
  fc.integer({ min: 300, max: 7200 }),
);

// The minutes each zone's offset adds to a whole hour (Kolkata is UTC+5:30, Kathmandu UTC+5:45).
const OFFSET_MINUTES: Record<string, number> = {
  'Asia/Shanghai': 0,
  'Asia/Kolkata': 30,
  'Asia/Kathmandu': 45,
  'Europe/Berlin': 0,
  'America/New_York': 0,
  UTC: 0,
};

// A temporary-upgrade window that ends on a UTC hour by construction: the duration's odd minutes
// undo the start minute and the zone's offset minutes.
const validTemporaryWindow = fc
  .record({
    minute: fc.constantFrom(0, 15, 30, 45),
    hour: fc.integer({ min: 5, max: 23 }),
    timezone: fc.constantFrom(...Object.keys(OFFSET_MINUTES)),
    wholeHours: fc.integer({ min: 3, max: 7 }),
    floor: fc.integer({ min: 5, max: 100 }),
    from: fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 0, 1) }),
  })
  .map(({ wholeHours, ...input }) => {
    const oddMinutes = ((((OFFSET_MINUTES[input.timezone] ?? 0) - input.minute) % 60) + 60) % 60;
    return { ...input, quarterHours: (wholeHours * 60 + oddMinutes) / 15 };
  });

/**
 * Asserts `invariant` on two streams of documents:
 * - `valid` inputs are valid by construction: every one must be accepted, so the property can never
 *   hold vacuously (a generator that drifts into rejection fails here, naming the input);
 * - `straddling` inputs sit on and around the boundaries: whatever the schema accepts of them must
 *   satisfy the invariant too, and the rest must be refused with a ValidationError.
 */
function everyAccepted<T>(
  valid: fc.Arbitrary<T>,
  straddling: fc.Arbitrary<T>,
  build: (input: T) => string,
  invariant: (doc: NonNullable<ReturnType<typeof tryParse>>, input: T) => void,
) {
  fc.assert(
    fc.property(valid, (input) => {
      const doc = tryParse(build(input));
      expect(doc, `a valid-by-construction input was refused: ${JSON.stringify(input)}`).toBeDefined();
      if (doc) invariant(doc, input);
    }),
    { numRuns: 100 },
  );
  fc.assert(
    fc.property(straddling, (input) => {
      const doc = tryParse(build(input));
      if (doc) invariant(doc, input);
    }),
    { numRuns: 100 },
  );
}

describe('every document the schema accepts normalises within the provider rules', () => {
  it('bounds: whole Mbps, minOut <= maxOut <= 200', () => {
    everyAccepted(
      fc.integer({ min: 1, max: 200 }).chain((maxOut) => fc.record({ minOut: fc.integer({ min: 0, max: maxOut }), maxOut: fc.constant(maxOut) })),
      fc.record({ minOut: mbpsInput, maxOut: mbpsInput }),
      (bounds) => documentWith({ bounds }),
      ({ policies: [policy] }) => {
        const { minOut, maxOut } = policy?.bounds ?? { minOut: Number.NaN, maxOut: Number.NaN };
        expect(Number.isInteger(minOut) && Number.isInteger(maxOut)).toBe(true);
        expect(minOut).toBeGreaterThanOrEqual(0);
        expect(minOut).toBeLessThanOrEqual(maxOut);
        expect(maxOut).toBeLessThanOrEqual(200);
      },
    );
  });

  it('cooldowns: never shorter than the 5-minute provider lock (300 s)', () => {
    everyAccepted(
      fc.record({ up: validDuration, down: validDuration }),
      fc.record({ up: durationInput, down: durationInput }),
      ({ up, down }) => documentWith({ scaleUp: { cooldown: up }, scaleDown: { cooldown: down } }),
      ({ policies: [policy] }) => {
        expect(policy?.behavior.scaleUpCooldownSeconds).toBeGreaterThanOrEqual(300);
        expect(policy?.behavior.scaleDownCooldownSeconds).toBeGreaterThanOrEqual(300);
      },
    );
  });

  it('downgrade budget: 0 <= reserve < quota', () => {
    everyAccepted(
      fc.integer({ min: 1, max: 3 }).chain((quota) => fc.record({ quota: fc.constant(quota), reserve: fc.integer({ min: 0, max: quota - 1 }) })),
      fc.record({ quota: fc.integer({ min: -1, max: 6 }), reserve: fc.integer({ min: -1, max: 6 }) }),
      (downgradeBudget) => documentWith({ downgradeBudget }),
      ({ policies: [policy] }) => {
        const { quota, reserve } = policy?.downgradeBudget ?? { quota: 0, reserve: 0 };
        expect(reserve).toBeGreaterThanOrEqual(0);
        expect(reserve).toBeLessThan(quota);
      },
    );
  });

  it('temporary-upgrade windows: within bounds, at least 3 h, and every start ends on a UTC hour', () => {
    everyAccepted(
      validTemporaryWindow,
      fc.record({
        minute: fc.constantFrom(0, 15, 30, 45),
        // 05:00–23:00 local: starts in a DST gap are moved by croner, a documented exception.
        hour: fc.integer({ min: 5, max: 23 }),
        timezone: fc.constantFrom('Asia/Shanghai', 'Asia/Kolkata', 'Asia/Kathmandu', 'Europe/Berlin', 'America/New_York', 'UTC'),
        quarterHours: fc.integer({ min: 8, max: 32 }),
        floor: fc.integer({ min: 0, max: 110 }),
        from: fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 0, 1) }),
      }),
      (input) =>
        documentWith({
          bounds: { minOut: 5, maxOut: 100 },
          schedules: [
            {
              name: 'peak',
              cron: `${input.minute} ${input.hour} * * *`,
              timezone: input.timezone,
              duration: input.quarterHours * 15 * 60,
              floor: input.floor,
              temporaryUpgrade: true,
            },
          ],
        }),
      ({ policies: [policy] }, input) => {
        const [window] = policy?.schedules ?? [];
        if (!window) throw new Error('expected the window');
        expect(window.floor).toBeGreaterThanOrEqual(5);
        expect(window.floor).toBeLessThanOrEqual(100);
        expect(window.durationSeconds).toBeGreaterThanOrEqual(3 * 3600);
        let at = input.from;
        for (let i = 0; i < 5; i += 1) {
          const start = nextWindowStart(window, at) ?? Number.NaN;
          expect((start + window.durationSeconds * 1000) % 3_600_000).toBe(0);
          at = start;
        }
      },
    );
  });
});

describe('robustness', () => {
  it('rejects any value in any policy field with a ValidationError, never a crash', () => {
    const keys = ['name', 'instances', 'mode', 'bounds', 'targetTracking', 'steps', 'schedules', 'scaleDown', 'override', 'spendGuard'];
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 3 }), (key, value) => {
        const text = JSON.stringify({ version: 1, policies: [{ ...minimalPolicy, [key]: value }] });
        expect(() => tryParse(text)).not.toThrow();
      }),
      { numRuns: 100 },
    );
  });

  it('answers any text with a document or a ValidationError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        expect(() => tryParse(text)).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });

  it('formats any number of seconds as a duration that parses back to it', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10_000_000 }), (seconds) => {
        expect(parseDuration(formatDuration(seconds))).toBe(seconds);
      }),
    );
  });
});
