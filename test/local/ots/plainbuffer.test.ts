import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  crc8,
  decodeRow,
  decodeRows,
  decodeVariant,
  encodePrimaryKey,
  encodeRow,
  encodeRows,
  encodeVariant,
  PlainBufferError,
  type PlainCell,
  type PlainRow,
} from '../../../local-cloud/ots/plainbuffer';
import type { KeyValue, PkCell, Value } from '../../../local-cloud/ots/values';
import { type Int64, long, type SdkValue, TableStore } from './sdk';

const ascii = (s: string) => Buffer.from(s, 'ascii');

describe('crc8', () => {
  // CRC-8/SMBUS (poly 0x07, init 0, no reflection): "123456789" checks to 0xF4 in every CRC catalogue.
  it.each([
    { name: 'empty input keeps the initial value', crc: 0, bytes: [], expected: 0x00 },
    { name: 'a zero byte', crc: 0, bytes: [0x00], expected: 0x00 },
    { name: 'a single 0x01 yields the polynomial', crc: 0, bytes: [0x01], expected: 0x07 },
    { name: 'the catalogue check string', crc: 0, bytes: [...ascii('123456789')], expected: 0xf4 },
    { name: 'continues from a previous value', crc: crc8(0, ascii('1234')), bytes: [...ascii('56789')], expected: 0xf4 },
  ])('$name', ({ crc, bytes, expected }) => {
    expect(crc8(crc, Uint8Array.from(bytes))).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------------
// Arbitraries

const columnName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,11}$/);
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const keyValue: fc.Arbitrary<KeyValue> = fc.oneof(
  int64.map((value) => ({ type: 'INTEGER' as const, value })),
  fc.string({ unit: 'binary', maxLength: 16 }).map((value) => ({ type: 'STRING' as const, value })),
  fc.uint8Array({ maxLength: 16 }).map((b) => ({ type: 'BINARY' as const, value: Buffer.from(b) })),
);
const attributeValue: fc.Arbitrary<Value> = fc.oneof(
  keyValue,
  fc.double({ noNaN: true }).map((value) => ({ type: 'DOUBLE' as const, value })),
  fc.boolean().map((value) => ({ type: 'BOOLEAN' as const, value })),
);
const timestamp = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const primaryKey = fc.array(fc.record({ name: columnName, value: keyValue }), { minLength: 1, maxLength: 4 });
const putCell: fc.Arbitrary<PlainCell> = fc.record({ name: columnName, value: attributeValue, timestamp }, { requiredKeys: ['name', 'value'] });
const updateCell: fc.Arbitrary<PlainCell> = fc.oneof(
  putCell,
  fc.record({ name: columnName, op: fc.constant('DELETE_ONE_VERSION' as const), timestamp }),
  fc.record({ name: columnName, op: fc.constant('DELETE_ALL_VERSIONS' as const) }),
  fc.record({ name: columnName, op: fc.constant('INCREMENT' as const), value: int64.map((value) => ({ type: 'INTEGER' as const, value })) }),
);
const row: fc.Arbitrary<PlainRow> = fc.record({
  primaryKey,
  cells: fc.array(updateCell, { maxLength: 5 }),
  deleteMarker: fc.boolean(),
});

describe('PlainBuffer round trips', () => {
  it.each<{ name: string; row: PlainRow }>([
    {
      name: 'a two-column key with string and integer parts',
      row: {
        primaryKey: [
          { name: 'shard', value: { type: 'INTEGER', value: 3n } },
          { name: 'id', value: { type: 'STRING', value: 'i-abc' } },
        ],
        cells: [],
        deleteMarker: false,
      },
    },
    {
      name: 'every attribute type with timestamps',
      row: {
        primaryKey: [{ name: 'id', value: { type: 'BINARY', value: Buffer.from([0, 255]) } }],
        cells: [
          { name: 'i', value: { type: 'INTEGER', value: -(2n ** 63n) }, timestamp: 1 },
          { name: 'd', value: { type: 'DOUBLE', value: -0.5 }, timestamp: 2 },
          { name: 'b', value: { type: 'BOOLEAN', value: true } },
          { name: 's', value: { type: 'STRING', value: 'ünïcödé ✓' } },
          { name: 'x', value: { type: 'BINARY', value: Buffer.alloc(0) } },
        ],
        deleteMarker: false,
      },
    },
    {
      name: 'update operations and a delete marker',
      row: {
        primaryKey: [{ name: 'id', value: { type: 'STRING', value: '' } }],
        cells: [
          { name: 'a', op: 'DELETE_ONE_VERSION', timestamp: 1_700_000_000_000 },
          { name: 'b', op: 'DELETE_ALL_VERSIONS' },
          { name: 'c', op: 'INCREMENT', value: { type: 'INTEGER', value: 1n } },
        ],
        deleteMarker: true,
      },
    },
    {
      name: 'range bounds',
      row: {
        primaryKey: [
          { name: 'a', value: { type: 'INF_MIN' } },
          { name: 'b', value: { type: 'INF_MAX' } },
          { name: 'c', value: { type: 'AUTO_INCREMENT' } },
        ],
        cells: [],
        deleteMarker: false,
      },
    },
  ])('$name', ({ row }) => {
    expect(decodeRow(encodeRow(row))).toEqual(row);
  });

  it('decodes what it encodes, for any row', () => {
    fc.assert(
      fc.property(row, (r) => {
        expect(decodeRow(encodeRow(r))).toEqual(r);
      }),
    );
  });

  it('decodes a block of rows as the rows, and an empty block as none', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 4 }), (rows) => {
        const block = encodeRows(rows);
        expect(decodeRows(block)).toEqual(rows);
        expect(block.length === 0).toBe(rows.length === 0);
      }),
    );
  });

  it('decodes a bare variant as the value', () => {
    fc.assert(
      fc.property(attributeValue, (v) => {
        expect(decodeVariant(encodeVariant(v))).toEqual(v);
      }),
    );
  });
});

describe('PlainBuffer rejects damaged input', () => {
  const sample = encodeRow({
    primaryKey: [{ name: 'id', value: { type: 'STRING', value: 'abc' } }],
    cells: [{ name: 'v', value: { type: 'INTEGER', value: 7n }, timestamp: 5 }],
    deleteMarker: false,
  });
  const damaged = (edit: (b: Buffer) => void) => {
    const copy = Buffer.from(sample);
    edit(copy);
    return copy;
  };
  const valueOffset = sample.indexOf(Buffer.from([0x05, 0x09, 0, 0, 0, 0x00, 7])) + 6;

  it.each([
    { name: 'a wrong header', bytes: damaged((b) => b.writeInt32LE(0x76, 0)), error: /header is 0x76/ },
    { name: 'a changed value byte', bytes: damaged((b) => (b[valueOffset] = 8)), error: /cell checksum mismatch for "v"/ },
    { name: 'a changed row checksum', bytes: damaged((b) => (b[b.length - 1] = b[b.length - 1]! ^ 1)), error: /row checksum mismatch/ },
    { name: 'a truncated row', bytes: sample.subarray(0, sample.length - 3), error: /unexpected end of input|expected the row checksum/ },
    { name: 'trailing bytes other than padding', bytes: Buffer.concat([sample, Buffer.from([0, 0x01])]), error: /unexpected bytes after the row/ },
    { name: 'an unknown variant type', bytes: damaged((b) => (b[valueOffset - 1] = 0x06)), error: /unsupported variant type 6/ },
  ])('refuses $name', ({ bytes, error }) => {
    expect(() => decodeRow(bytes)).toThrow(PlainBufferError);
    expect(() => decodeRow(bytes)).toThrow(error);
  });

  it('never accepts a row with one byte changed', () => {
    fc.assert(
      fc.property(row, fc.nat(), fc.integer({ min: 1, max: 255 }), (r, at, xor) => {
        const bytes = encodeRow(r);
        const i = at % bytes.length;
        bytes[i] = bytes[i]! ^ xor;
        let decoded: PlainRow | undefined;
        try {
          decoded = decodeRow(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(PlainBufferError);
          return;
        }
        // Tags and lengths sit outside the checksums, so a changed one may re-parse as another
        // valid row; it must never pass as the original.
        expect(decoded).not.toEqual(r);
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Interoperability with the SDK's own codec: the SDK encodes, we decode; we encode, the SDK decodes
// (its decoder verifies every checksum).

const sdkKeyValue = fc.oneof(
  fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).map((n) => ({ ours: { type: 'INTEGER', value: BigInt(n) } as Value, sdk: long(n) as SdkValue })),
  fc.string({ maxLength: 12 }).map((s) => ({ ours: { type: 'STRING', value: s } as Value, sdk: s as SdkValue })),
  fc.uint8Array({ maxLength: 12 }).map((b) => ({ ours: { type: 'BINARY', value: Buffer.from(b) } as Value, sdk: Buffer.from(b) as SdkValue })),
);
const sdkAttribute = fc.oneof(
  sdkKeyValue,
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => ({ ours: { type: 'DOUBLE', value: d } as Value, sdk: d as SdkValue })),
  fc.boolean().map((b) => ({ ours: { type: 'BOOLEAN', value: b } as Value, sdk: b as SdkValue })),
);
const sdkRow = fc.record({
  key: fc.uniqueArray(fc.record({ name: columnName, v: sdkKeyValue }), { minLength: 1, maxLength: 4, selector: (c) => c.name }),
  attributes: fc.array(fc.record({ name: columnName, v: sdkAttribute, ts: fc.option(timestamp, { nil: undefined }) }), { maxLength: 5 }),
});

/** The SDK's reader, fed the way its decoder feeds it (a Buffer slice with `limit` = end offset). */
function sdkReader(bytes: Buffer) {
  const view = Object.assign(Buffer.from(bytes), { limit: 0 });
  view.limit = view.byteOffset + view.length;
  return new TableStore.PlainBufferCodedInputStream(new TableStore.PlainBufferInputStream(view));
}

function fromSdkValue(v: SdkValue): unknown {
  if (typeof v === 'object' && !Buffer.isBuffer(v)) return BigInt((v as Int64).toString());
  return v;
}

describe('PlainBuffer agrees with the SDK', () => {
  it('decodes the rows the SDK writes for PutRow', () => {
    fc.assert(
      fc.property(sdkRow, ({ key, attributes }) => {
        const bytes = TableStore.PlainBufferBuilder.serializeForPutRow(
          key.map((c) => ({ [c.name]: c.v.sdk })),
          attributes.map((a) => (a.ts === undefined ? { [a.name]: a.v.sdk } : { [a.name]: a.v.sdk, timestamp: a.ts })),
        );
        expect(decodeRow(bytes)).toEqual({
          primaryKey: key.map((c) => ({ name: c.name, value: c.v.ours })),
          cells: attributes.map((a) => ({ name: a.name, value: a.v.ours, ...(a.ts === undefined ? {} : { timestamp: a.ts }) })),
          deleteMarker: false,
        });
      }),
    );
  });

  it('decodes the update operations and delete marker the SDK writes', () => {
    const key = [{ id: 'row-1' }];
    const update = TableStore.PlainBufferBuilder.serializeForUpdateRow(key, [
      { PUT: [{ a: 'x' }] },
      { DELETE: [{ b: 1_700_000_000_000 }] },
      { DELETE_ALL: ['c'] },
      { INCREMENT: [{ n: long(-2) }] },
    ]);
    const remove = TableStore.PlainBufferBuilder.serializeForDeleteRow(key);
    const pk: PkCell[] = [{ name: 'id', value: { type: 'STRING', value: 'row-1' } }];

    expect(decodeRow(update)).toEqual({
      primaryKey: pk,
      cells: [
        { name: 'a', value: { type: 'STRING', value: 'x' } },
        { name: 'b', op: 'DELETE_ONE_VERSION', timestamp: 1_700_000_000_000 },
        { name: 'c', op: 'DELETE_ALL_VERSIONS' },
        { name: 'n', op: 'INCREMENT', value: { type: 'INTEGER', value: -2n } },
      ],
      deleteMarker: false,
    });
    expect(decodeRow(remove)).toEqual({ primaryKey: pk, cells: [], deleteMarker: true });
  });

  it('decodes the range bounds and condition values the SDK writes', () => {
    const bounds = TableStore.PlainBufferBuilder.serializePrimaryKey([{ a: TableStore.INF_MIN }, { b: TableStore.INF_MAX }]);

    expect(decodeRow(bounds).primaryKey).toEqual([
      { name: 'a', value: { type: 'INF_MIN' } },
      { name: 'b', value: { type: 'INF_MAX' } },
    ]);
    expect(decodeVariant(TableStore.PlainBufferBuilder.serializeColumnValue(long(42)))).toEqual({ type: 'INTEGER', value: 42n });
  });

  it('writes rows the SDK decodes, checksums included', () => {
    fc.assert(
      fc.property(fc.array(sdkRow, { minLength: 1, maxLength: 3 }), fc.array(timestamp, { minLength: 5, maxLength: 5 }), (rows, stamps) => {
        const ours: PlainRow[] = rows.map(({ key, attributes }) => ({
          primaryKey: key.map((c) => ({ name: c.name, value: c.v.ours as KeyValue })),
          cells: attributes.map((a, i) => ({ name: a.name, value: a.v.ours, timestamp: stamps[i]! })),
          deleteMarker: false,
        }));
        const decoded = sdkReader(encodeRows(ours)).readRows();
        expect(
          decoded.map((r) => ({
            key: r.primaryKey.map((c) => [c.name, fromSdkValue(c.value)]),
            cells: r.attributes.map((a) => [a.columnName, fromSdkValue(a.columnValue), Number(a.timestamp.toString())]),
          })),
        ).toEqual(
          ours.map((r) => ({
            key: r.primaryKey.map((c) => [c.name, 'value' in c.value ? c.value.value : undefined]),
            cells: r.cells.map((c) => [c.name, c.value!.value, c.timestamp]),
          })),
        );
      }),
    );
  });

  it('writes a primary key the SDK decodes', () => {
    const bytes = encodePrimaryKey([
      { name: 'shard', value: { type: 'INTEGER', value: 9007199254740993n } },
      { name: 'id', value: { type: 'STRING', value: 'z' } },
    ]);
    const decoded = sdkReader(bytes).readRow();

    expect(decoded.primaryKey.map((c) => [c.name, fromSdkValue(c.value)])).toEqual([
      ['shard', 9007199254740993n],
      ['id', 'z'],
    ]);
  });
});
