// Shared by the fuzz tests: how many cases to run, mutations of valid inputs (which reach far deeper
// into a decoder than random bytes), and the one acceptable way to refuse.
import fc from 'fast-check';
import { expect } from 'vitest';
import { ValidationError } from '../../src/errors';

/** Cases per input: ~200 inside `npm test`; the long run is `FUZZ_RUNS=10000 npx vitest run test/fuzz`. */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 200);

type Json = unknown;

/** Every path to a value inside `value` (objects and arrays), the root excluded. */
function pathsOf(value: Json, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...prefix, i], ...pathsOf(v, [...prefix, i])]);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v, [...prefix, k])]);
  return [];
}

const replacement = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', ' ', '-1', '0', '1e999', 'NaN', '5m', '100%', 'x2', '2026-02-30T25:61:00Z', '\u0000', '{', '[]', 'null'),
  fc.double(),
  fc.integer(),
);

/**
 * 1 to 3 edits of a valid value: a key or element replaced by something else (JSON, odd strings,
 * numbers), deleted, or a junk key added next to it.
 */
export function mutationsOf<T extends Json>(valid: T): fc.Arbitrary<Json> {
  const paths = pathsOf(valid);
  const edit = fc.record({
    path: fc.constantFrom(...paths),
    kind: fc.constantFrom('replace', 'delete', 'add'),
    value: replacement,
    key: fc.string({ maxLength: 8 }),
  });
  return fc.array(edit, { minLength: 1, maxLength: 3 }).map((edits) => {
    const copy = structuredClone(valid) as Json;
    for (const { path, kind, value, key } of edits) {
      const parent = path
        .slice(0, -1)
        .reduce<Json>((node, step) => (node && typeof node === 'object' ? (node as Record<string | number, Json>)[step] : undefined), copy);
      if (!parent || typeof parent !== 'object') continue;
      const last = path.at(-1) as string | number;
      const target = parent as Record<string | number, Json>;
      if (kind === 'replace') target[last] = value;
      else if (kind === 'delete') {
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else delete target[last];
      } else if (!Array.isArray(parent)) Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
    }
    return copy;
  });
}

/**
 * Runs `act`; a refusal must be a ValidationError whose message names `where` and says something
 * beyond it. Anything else thrown (TypeError, RangeError, a bare Error) is a crash. Returns the
 * value when the input was accepted.
 */
export function acceptedOrRefused<T>(act: () => T, where: string): T | undefined {
  try {
    return act();
  } catch (error) {
    expect(error, String(error)).toBeInstanceOf(ValidationError);
    const message = (error as ValidationError).message;
    expect(message).toContain(where);
    expect(message.length).toBeGreaterThan(where.length + 5);
    return undefined;
  }
}
