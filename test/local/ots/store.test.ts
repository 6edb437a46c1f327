// Invariants of the emulated store, checked directly (no HTTP): key order, paging, TTL sweeping.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OtsStore, type TableSpec } from '../../../local-cloud/ots/store';
import { comparePkValues, comparePrimaryKeys, type KeyValue, type PkCell } from '../../../local-cloud/ots/values';

const NOW = Date.UTC(2026, 10, 2);
const DAY_MS = 86_400_000;
const IGNORE = { rowExistence: 'IGNORE' as const };
const NO_RETURN = { type: 'NONE' as const, columns: [] };
const LATEST = { maxVersions: 1 };

function tableWith(options: Partial<TableSpec['options']> = {}): OtsStore {
  const store = new OtsStore();
  store.createTable({
    name: 't',
    primaryKey: [
      { name: 'shard', type: 'INTEGER', autoIncrement: false },
      { name: 'id', type: 'BINARY', autoIncrement: false },
    ],
    definedColumns: [],
    options: { timeToLive: -1, maxVersions: 1, deviationSeconds: 86_400, ...options },
    createdAt: NOW,
  });
  return store;
}

const key = (shard: bigint, id: Uint8Array): PkCell<KeyValue>[] => [
  { name: 'shard', value: { type: 'INTEGER', value: shard } },
  { name: 'id', value: { type: 'BINARY', value: Buffer.from(id) } },
];
const whole = {
  start: [
    { name: 'shard', value: { type: 'INF_MIN' as const } },
    { name: 'id', value: { type: 'INF_MIN' as const } },
  ],
  end: [
    { name: 'shard', value: { type: 'INF_MAX' as const } },
    { name: 'id', value: { type: 'INF_MAX' as const } },
  ],
};
const arbitraryKey = fc.tuple(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.uint8Array({ maxLength: 4 }));
/** A printable key: integers in decimal, binaries in hex. */
const hex = (pk: readonly PkCell[]) =>
  pk.map(({ value: v }) => (v.type === 'INTEGER' ? v.value.toString() : v.type === 'BINARY' ? v.value.toString('hex') : v.type)).join('/');

describe('key order', () => {
  const keyValue: fc.Arbitrary<KeyValue> = fc.oneof(
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((value) => ({ type: 'INTEGER' as const, value })),
    fc.string({ unit: 'grapheme', maxLength: 4 }).map((value) => ({ type: 'STRING' as const, value })),
    fc.uint8Array({ maxLength: 4 }).map((b) => ({ type: 'BINARY' as const, value: Buffer.from(b) })),
  );

  it('is a total order: antisymmetric and transitive', () => {
    fc.assert(
      fc.property(keyValue, keyValue, keyValue, (a, b, c) => {
        expect(Math.sign(comparePkValues(a, b))).toBe(-Math.sign(comparePkValues(b, a)) || 0);
        if (comparePkValues(a, b) <= 0 && comparePkValues(b, c) <= 0) expect(comparePkValues(a, c)).toBeLessThanOrEqual(0);
      }),
    );
  });

  it.each([
    { name: 'INF_MIN before the smallest integer', a: { type: 'INF_MIN' as const }, b: { type: 'INTEGER' as const, value: -(2n ** 63n) } },
    { name: 'negative before positive integers', a: { type: 'INTEGER' as const, value: -1n }, b: { type: 'INTEGER' as const, value: 1n } },
    { name: 'upper case before lower case', a: { type: 'STRING' as const, value: 'Z' }, b: { type: 'STRING' as const, value: 'a' } },
    { name: 'strings by UTF-8 bytes, not UTF-16 units', a: { type: 'STRING' as const, value: '\uFF61' }, b: { type: 'STRING' as const, value: '😀' } },
    {
      name: 'a prefix before its extension',
      a: { type: 'BINARY' as const, value: Buffer.from([1]) },
      b: { type: 'BINARY' as const, value: Buffer.from([1, 0]) },
    },
    { name: 'the largest binary before INF_MAX', a: { type: 'BINARY' as const, value: Buffer.alloc(8, 0xff) }, b: { type: 'INF_MAX' as const } },
  ])('sorts $name', ({ a, b }) => {
    expect(comparePkValues(a, b)).toBeLessThan(0);
  });
});

describe('GetRange over any set of rows', () => {
  it('returns every written key once, in key order forward and reverse order backward, across pages', () => {
    fc.assert(
      fc.property(fc.array(arbitraryKey, { maxLength: 30 }), fc.integer({ min: 1, max: 7 }), (keys, limit) => {
        const store = tableWith();
        for (const [shard, id] of keys) store.putRow('t', { primaryKey: key(shard, id), cells: [], deleteMarker: false }, IGNORE, NO_RETURN, NOW);
        const expected = [...new Map(keys.map(([s, i]) => [hex(key(s, i)), key(s, i)])).values()].sort(comparePrimaryKeys).map(hex);

        const read = (direction: 'FORWARD' | 'BACKWARD') => {
          const seen: string[] = [];
          let start: PkCell[] | undefined = direction === 'FORWARD' ? whole.start : whole.end;
          const end = direction === 'FORWARD' ? whole.end : whole.start;
          while (start) {
            const page = store.getRange('t', { direction, start, end, limit, read: LATEST }, NOW);
            expect(page.rows.length).toBeLessThanOrEqual(limit);
            seen.push(...page.rows.map((r) => hex(r.primaryKey)));
            start = page.next;
          }
          return seen;
        };

        expect(read('FORWARD')).toEqual(expected);
        expect(read('BACKWARD')).toEqual([...expected].reverse());
      }),
    );
  });
});

describe('GetRange page size', () => {
  it('stops a page once about 4 MB are read and says where to continue', () => {
    const store = tableWith();
    const megabyte = 'x'.repeat(1024 * 1024);
    for (let i = 0; i < 6; i++) {
      store.putRow(
        't',
        { primaryKey: key(BigInt(i), Uint8Array.of()), cells: [{ name: 'blob', value: { type: 'STRING', value: megabyte } }], deleteMarker: false },
        IGNORE,
        NO_RETURN,
        NOW,
      );
    }

    const first = store.getRange('t', { direction: 'FORWARD', ...whole, read: LATEST }, NOW);
    const second = store.getRange('t', { direction: 'FORWARD', start: first.next ?? whole.end, end: whole.end, read: LATEST }, NOW);

    expect(first.rows.map((r) => hex(r.primaryKey))).toEqual(['0/', '1/', '2/', '3/']);
    expect(first.next && hex(first.next)).toBe('4/');
    expect(second.rows.map((r) => hex(r.primaryKey))).toEqual(['4/', '5/']);
    expect(second.next).toBeUndefined();
  });
});

describe('TTL sweep', () => {
  it('does not revive a row whose only cell expired before the row was last written', () => {
    // Prepare: the cell carries a client timestamp an hour older than the write itself.
    const store = tableWith({ timeToLive: 86_400 });
    const pk = key(1n, Uint8Array.of(1));
    store.putRow(
      't',
      { primaryKey: pk, cells: [{ name: 'v', value: { type: 'BOOLEAN', value: true }, timestamp: NOW - 3_600_000 }], deleteMarker: false },
      IGNORE,
      NO_RETURN,
      NOW,
    );
    const afterCellExpiry = NOW + DAY_MS - 1_800_000;

    // Act
    const before = store.getRow('t', pk, LATEST, afterCellExpiry).row;
    store.sweepExpired(afterCellExpiry);
    const after = store.getRow('t', pk, LATEST, afterCellExpiry).row;

    // Assess
    expect(before).toBeUndefined();
    expect(after).toBeUndefined();
  });

  it('keeps rows and versions that are still alive', () => {
    const store = tableWith({ timeToLive: 86_400 });
    const pk = key(2n, Uint8Array.of(2));
    store.putRow('t', { primaryKey: pk, cells: [{ name: 'v', value: { type: 'INTEGER', value: 5n } }], deleteMarker: false }, IGNORE, NO_RETURN, NOW);

    store.sweepExpired(NOW + DAY_MS - 1);
    const row = store.getRow('t', pk, LATEST, NOW + DAY_MS - 1).row;

    expect(row?.cells).toEqual([{ name: 'v', value: { type: 'INTEGER', value: 5n }, timestamp: NOW }]);
  });
});
