// Single-row operations through the real `tablestore` SDK: conditional writes (row existence,
// column and composite conditions), INCREMENT with return content, PutRow/UpdateRow/DeleteRow
// semantics and versions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ColumnCondition, long, otsError, type SdkClient, type SdkRow, TableStore } from './sdk';
import { createTable, type RunningOts, startOts } from './server';

let run: RunningOts;
let client: SdkClient;

const { Condition, SingleColumnCondition, CompositeCondition, RowExistenceExpectation: Existence, ComparatorType: Cmp } = TableStore;
const ignore = () => new Condition(Existence.IGNORE, null);

beforeAll(async () => {
  run = await startOts();
  client = run.client();
  await createTable(client, 'states', [['id', 'STRING']]);
  await createTable(client, 'versions', [['id', 'STRING']], { timeToLive: -1, maxVersions: 3 });
  await createTable(client, 'events', [
    ['shard', 'INTEGER'],
    ['seq', 'INTEGER', 'AUTO_INCREMENT'],
  ]);
});
afterAll(() => run.close());

/** The row's attributes as { column: value } with integers as decimal strings (no precision loss). */
function attributes(row: SdkRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of row.attributes ?? []) {
    const v = a.columnValue;
    out[a.columnName] = typeof v === 'object' && !Buffer.isBuffer(v) ? v.toString() : v;
  }
  return out;
}

async function failure(promise: Promise<unknown>) {
  return promise.then(
    () => undefined,
    (e: unknown) => otsError(e),
  );
}

describe('putRow with EXPECT_NOT_EXIST', () => {
  it('writes the first time and is refused with OTSConditionCheckFail the second time', async () => {
    const put = () =>
      client.putRow({
        tableName: 'states',
        condition: new Condition(Existence.EXPECT_NOT_EXIST, null),
        primaryKey: [{ id: 'first-put' }],
        attributeColumns: [{ version: long(1) }],
      });

    await put();
    const second = await failure(put());

    // The SDK quirk: code is the HTTP status, the OTS code is inside the message bytes.
    expect(second?.status).toBe(403);
    expect(second?.message).toContain('OTSConditionCheckFail');
  });
});

describe('updateRow under a version condition', () => {
  const casUpdate = (expected: number, next: number) =>
    client.updateRow({
      tableName: 'states',
      condition: new Condition(Existence.EXPECT_EXIST, new SingleColumnCondition('version', long(expected), Cmp.EQUAL)),
      primaryKey: [{ id: 'cas' }],
      updateOfAttributeColumns: [{ PUT: [{ version: long(next) }, { state: `v${next}` }] }],
    });

  it('succeeds when the stored version matches and fails when it is stale', async () => {
    await client.putRow({ tableName: 'states', condition: ignore(), primaryKey: [{ id: 'cas' }], attributeColumns: [{ version: long(1) }] });

    await casUpdate(1, 2);
    const stale = await failure(casUpdate(1, 3));
    const { row } = await client.getRow({ tableName: 'states', primaryKey: [{ id: 'cas' }] });

    expect(stale).toMatchObject({ status: 403, code: 'OTSConditionCheckFail' });
    expect(attributes(row)).toEqual({ version: '2', state: 'v2' });
  });
});

describe('conditions on a row { version: 3, state: "idle" }', () => {
  const single = (column: string, value: unknown, comparator: number, passIfMissing = true) =>
    new SingleColumnCondition(column, value as never, comparator, passIfMissing);
  const composite = (operator: number, ...subs: ColumnCondition[]) => {
    const c = new CompositeCondition(operator);
    for (const s of subs) c.addSubCondition(s);
    return c;
  };
  const { AND, OR, NOT } = TableStore.LogicalOperator;

  it.each([
    { name: 'EXPECT_EXIST on the existing row', existence: Existence.EXPECT_EXIST, column: null, id: 'cond', writes: true },
    { name: 'EXPECT_NOT_EXIST on the existing row', existence: Existence.EXPECT_NOT_EXIST, column: null, id: 'cond', writes: false },
    { name: 'EXPECT_EXIST on a missing row', existence: Existence.EXPECT_EXIST, column: null, id: 'cond-missing', writes: false },
    { name: 'version == 3', existence: Existence.IGNORE, column: single('version', long(3), Cmp.EQUAL), id: 'cond', writes: true },
    { name: 'version == 2', existence: Existence.IGNORE, column: single('version', long(2), Cmp.EQUAL), id: 'cond', writes: false },
    { name: 'version > 2', existence: Existence.IGNORE, column: single('version', long(2), Cmp.GREATER_THAN), id: 'cond', writes: true },
    { name: 'version <= 2', existence: Existence.IGNORE, column: single('version', long(2), Cmp.LESS_EQUAL), id: 'cond', writes: false },
    { name: 'version != 3', existence: Existence.IGNORE, column: single('version', long(3), Cmp.NOT_EQUAL), id: 'cond', writes: false },
    {
      name: 'version == "3" (a string never equals an integer)',
      existence: Existence.IGNORE,
      column: single('version', '3', Cmp.EQUAL),
      id: 'cond',
      writes: false,
    },
    { name: 'a missing column passing if missing', existence: Existence.IGNORE, column: single('owner', 'x', Cmp.EQUAL, true), id: 'cond', writes: true },
    { name: 'a missing column failing if missing', existence: Existence.IGNORE, column: single('owner', 'x', Cmp.EQUAL, false), id: 'cond', writes: false },
    {
      name: 'version == 3 AND state == "idle"',
      existence: Existence.EXPECT_EXIST,
      column: composite(AND, single('version', long(3), Cmp.EQUAL), single('state', 'idle', Cmp.EQUAL)),
      id: 'cond',
      writes: true,
    },
    {
      name: 'version == 3 AND state == "busy"',
      existence: Existence.EXPECT_EXIST,
      column: composite(AND, single('version', long(3), Cmp.EQUAL), single('state', 'busy', Cmp.EQUAL)),
      id: 'cond',
      writes: false,
    },
    {
      name: 'version == 9 OR state == "idle"',
      existence: Existence.IGNORE,
      column: composite(OR, single('version', long(9), Cmp.EQUAL), single('state', 'idle', Cmp.EQUAL)),
      id: 'cond',
      writes: true,
    },
    { name: 'NOT state == "idle"', existence: Existence.IGNORE, column: composite(NOT, single('state', 'idle', Cmp.EQUAL)), id: 'cond', writes: false },
  ])('$name: writes = $writes', async ({ existence, column, id, writes }) => {
    await client.putRow({
      tableName: 'states',
      condition: ignore(),
      primaryKey: [{ id: 'cond' }],
      attributeColumns: [{ version: long(3) }, { state: 'idle' }],
    });

    const outcome = await failure(
      client.updateRow({
        tableName: 'states',
        condition: new Condition(existence, column),
        primaryKey: [{ id }],
        updateOfAttributeColumns: [{ PUT: [{ touched: true }] }],
      }),
    );
    const { row } = await client.getRow({ tableName: 'states', primaryKey: [{ id }] });

    expect(outcome).toEqual(writes ? undefined : expect.objectContaining({ status: 403, code: 'OTSConditionCheckFail' }));
    expect(attributes(row).touched).toBe(writes ? true : undefined);
  });
});

describe('INCREMENT', () => {
  const increment = (id: string, by: string) =>
    client.updateRow({
      tableName: 'states',
      condition: ignore(),
      primaryKey: [{ id }],
      updateOfAttributeColumns: [{ INCREMENT: [{ counter: TableStore.Long.fromString(by) }] }],
      returnContent: { returnColumns: ['counter'], returnType: TableStore.ReturnType.AfterModify },
    });

  it('starts a missing counter at zero and returns the value after each increment', async () => {
    const first = await increment('counter', '1');
    const second = await increment('counter', '5');

    expect(first.row.primaryKey).toEqual([{ name: 'id', value: 'counter' }]);
    expect(attributes(first.row)).toEqual({ counter: '1' });
    expect(attributes(second.row)).toEqual({ counter: '6' });
  });

  it('keeps integers beyond 2^53 exact end to end', async () => {
    await client.putRow({
      tableName: 'states',
      condition: ignore(),
      primaryKey: [{ id: 'big' }],
      attributeColumns: [{ counter: TableStore.Long.fromString('9007199254740993') }],
    });

    const result = await increment('big', '2');

    expect(attributes(result.row)).toEqual({ counter: '9007199254740995' });
  });

  it.each([
    { name: 'a string column', seed: 'text', by: '1', reason: /not VT_INTEGER/ },
    { name: 'an int64 overflow', seed: TableStore.Long.fromString('9223372036854775807'), by: '1', reason: /overflows int64/ },
  ])('refuses to increment $name with OTSParameterInvalid', async ({ seed, by, reason }) => {
    await client.putRow({ tableName: 'states', condition: ignore(), primaryKey: [{ id: 'bad-inc' }], attributeColumns: [{ counter: seed }] });

    const error = await failure(increment('bad-inc', by));

    expect(error).toMatchObject({ status: 400, code: 'OTSParameterInvalid' });
    expect(error?.message).toMatch(reason);
  });
});

describe('row semantics', () => {
  it('returns an empty row for a missing row', async () => {
    const { row } = await client.getRow({ tableName: 'states', primaryKey: [{ id: 'never-written' }] });

    expect(row).toEqual({});
  });

  it.each([
    { name: 'only the named columns', read: { columnsToGet: ['a'] }, expected: { found: true, attributes: { a: 'x' } } },
    { name: 'no row when none of the named columns exists', read: { columnsToGet: ['missing'] }, expected: { found: false, attributes: {} } },
    {
      name: 'the row when its filter matches',
      read: { columnFilter: new SingleColumnCondition('b', 'y', Cmp.EQUAL) },
      expected: { found: true, attributes: { a: 'x', b: 'y' } },
    },
    {
      name: 'no row when its filter does not match',
      read: { columnFilter: new SingleColumnCondition('b', 'z', Cmp.EQUAL) },
      expected: { found: false, attributes: {} },
    },
  ])('reads $name', async ({ read, expected }) => {
    await client.putRow({ tableName: 'states', condition: ignore(), primaryKey: [{ id: 'projection' }], attributeColumns: [{ a: 'x' }, { b: 'y' }] });

    const { row } = await client.getRow({ tableName: 'states', primaryKey: [{ id: 'projection' }], ...read });

    expect({ found: row.primaryKey !== undefined, attributes: attributes(row) }).toEqual(expected);
  });

  it('replaces the whole row on putRow', async () => {
    await client.putRow({ tableName: 'states', condition: ignore(), primaryKey: [{ id: 'replace' }], attributeColumns: [{ a: 'x' }, { b: 'y' }] });
    await client.putRow({ tableName: 'states', condition: ignore(), primaryKey: [{ id: 'replace' }], attributeColumns: [{ c: 'z' }] });

    const { row } = await client.getRow({ tableName: 'states', primaryKey: [{ id: 'replace' }] });

    expect(attributes(row)).toEqual({ c: 'z' });
  });

  it('applies PUT, DELETE_ALL and versioned DELETE in one updateRow', async () => {
    await client.putRow({
      tableName: 'versions',
      condition: ignore(),
      primaryKey: [{ id: 'mixed' }],
      attributeColumns: [{ keep: 'k' }, { drop: 'd' }],
    });
    const now = run.clock.now();
    await client.updateRow({
      tableName: 'versions',
      condition: ignore(),
      primaryKey: [{ id: 'mixed' }],
      updateOfAttributeColumns: [{ PUT: [{ v: 'old', timestamp: now - 2000 }] }, { PUT: [{ v: 'new', timestamp: now - 1000 }] }],
    });

    await client.updateRow({
      tableName: 'versions',
      condition: new Condition(Existence.EXPECT_EXIST, null),
      primaryKey: [{ id: 'mixed' }],
      updateOfAttributeColumns: [{ DELETE_ALL: ['drop'] }, { DELETE: [{ v: now - 1000 }] }, { PUT: [{ added: long(1) }] }],
    });
    const { row } = await client.getRow({ tableName: 'versions', primaryKey: [{ id: 'mixed' }] });

    expect(attributes(row)).toEqual({ added: '1', keep: 'k', v: 'old' });
  });

  it('returns the newest versions first, up to the requested max versions', async () => {
    const now = run.clock.now();
    await client.putRow({
      tableName: 'versions',
      condition: ignore(),
      primaryKey: [{ id: 'history' }],
      attributeColumns: [1, 2, 3, 4].map((i) => ({ v: `v${i}`, timestamp: now - 10_000 + i })),
    });

    const two = await client.getRow({ tableName: 'versions', primaryKey: [{ id: 'history' }], maxVersions: 2 });
    const all = await client.getRow({ tableName: 'versions', primaryKey: [{ id: 'history' }], maxVersions: 10 });

    expect(two.row.attributes?.map((a) => a.columnValue)).toEqual(['v4', 'v3']);
    // The table keeps max_versions = 3.
    expect(all.row.attributes?.map((a) => [a.columnValue, a.timestamp.toNumber()])).toEqual([
      ['v4', now - 9996],
      ['v3', now - 9997],
      ['v2', now - 9998],
    ]);
  });

  it('deletes a row under EXPECT_EXIST and refuses to delete a missing one', async () => {
    await client.putRow({ tableName: 'states', condition: ignore(), primaryKey: [{ id: 'doomed' }], attributeColumns: [{ a: 'x' }] });
    const expectExist = () => new Condition(Existence.EXPECT_EXIST, null);

    await client.deleteRow({ tableName: 'states', condition: expectExist(), primaryKey: [{ id: 'doomed' }] });
    const again = await failure(client.deleteRow({ tableName: 'states', condition: expectExist(), primaryKey: [{ id: 'doomed' }] }));
    const { row } = await client.getRow({ tableName: 'states', primaryKey: [{ id: 'doomed' }] });

    expect(again).toMatchObject({ status: 403, code: 'OTSConditionCheckFail' });
    expect(row).toEqual({});
  });

  it('generates increasing auto-increment keys and returns them with RT_PK', async () => {
    const append = () =>
      client.putRow({
        tableName: 'events',
        condition: ignore(),
        primaryKey: [{ shard: long(1) }, { seq: TableStore.PK_AUTO_INCR }],
        attributeColumns: [{ kind: 'scale' }],
        returnContent: { returnType: TableStore.ReturnType.Primarykey },
      });

    const first = await append();
    const second = await append();
    const seq = (row: SdkRow) => Number(row.primaryKey?.[1]?.value.toString());

    expect(first.row.primaryKey?.[0]).toEqual({ name: 'shard', value: expect.anything() });
    expect(seq(second.row)).toBeGreaterThan(seq(first.row));
  });
});

describe('row errors', () => {
  it.each([
    {
      name: 'a key with the wrong column name',
      act: () => client.getRow({ tableName: 'states', primaryKey: [{ name: 'x' }] }),
      message: /Validate PK name fail. Input: name, Meta: id./,
    },
    {
      name: 'a key with the wrong type',
      act: () => client.getRow({ tableName: 'states', primaryKey: [{ id: long(1) }] }),
      message: /Validate PK type fail. Input: VT_INTEGER, Meta: VT_STRING./,
    },
    {
      name: 'a key with too many columns',
      act: () => client.getRow({ tableName: 'states', primaryKey: [{ id: 'a' }, { more: 'b' }] }),
      message: /Validate PK size fail. Input: 2, Meta: 1./,
    },
    {
      name: 'an attribute named like the primary key',
      act: () => client.putRow({ tableName: 'states', condition: ignore(), primaryKey: [{ id: 'a' }], attributeColumns: [{ id: 'b' }] }),
      message: /name of a primary key column/,
    },
    {
      name: 'a cell timestamp two days away from server time',
      act: () =>
        client.putRow({
          tableName: 'states',
          condition: ignore(),
          primaryKey: [{ id: 'a' }],
          attributeColumns: [{ v: 'x', timestamp: run.clock.now() - 2 * 86_400_000 }],
        }),
      message: /out of the allowed deviation/,
    },
    {
      name: 'deleting under EXPECT_NOT_EXIST',
      act: () => client.deleteRow({ tableName: 'states', condition: new Condition(Existence.EXPECT_NOT_EXIST, null), primaryKey: [{ id: 'a' }] }),
      message: /EXPECT_NOT_EXIST while deleting row/,
    },
  ])('answers OTSParameterInvalid (400) to $name', async ({ act, message }) => {
    const error = await failure(act());

    expect(error).toMatchObject({ status: 400, code: 'OTSParameterInvalid' });
    expect(error?.message).toMatch(message);
  });

  it('answers OTSObjectNotExist (404) to a write to a missing table', async () => {
    const error = await failure(client.putRow({ tableName: 'nope', condition: ignore(), primaryKey: [{ id: 'a' }], attributeColumns: [{ v: 'x' }] }));

    expect(error).toMatchObject({ status: 404, code: 'OTSObjectNotExist' });
  });
});
