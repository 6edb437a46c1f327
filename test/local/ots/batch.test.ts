// BatchGetRow and BatchWriteRow through the real `tablestore` SDK: per-row results (a failed
// condition fails its row, not the batch) and the request-level limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otsError, type SdkClient, TableStore } from './sdk';
import { createTable, type RunningOts, startOts } from './server';

let run: RunningOts;
let client: SdkClient;
const { Condition, RowExistenceExpectation: Existence } = TableStore;

beforeAll(async () => {
  run = await startOts();
  client = run.client();
  await createTable(client, 'items', [['id', 'STRING']]);
  for (const id of ['existing', 'to-delete']) {
    await client.putRow({ tableName: 'items', condition: new Condition(Existence.IGNORE, null), primaryKey: [{ id }], attributeColumns: [{ v: id }] });
  }
});
afterAll(() => run.close());

const row = (type: 'PUT' | 'UPDATE' | 'DELETE', id: string, existence: number) => ({
  type,
  condition: new Condition(existence, null),
  primaryKey: [{ id }],
  attributeColumns: type === 'PUT' ? [{ v: 'new' }] : type === 'UPDATE' ? [{ PUT: [{ v: 'updated' }] }] : [],
});

describe('BatchWriteRow', () => {
  it('reports each row on its own, in request order', async () => {
    const result = await client.batchWriteRow({
      tables: [
        {
          tableName: 'items',
          rows: [
            row('PUT', 'fresh', Existence.EXPECT_NOT_EXIST),
            row('PUT', 'existing', Existence.EXPECT_NOT_EXIST),
            row('UPDATE', 'absent', Existence.EXPECT_EXIST),
            row('DELETE', 'to-delete', Existence.EXPECT_EXIST),
          ],
        },
        { tableName: 'no_such_table', rows: [row('PUT', 'x', Existence.IGNORE)] },
      ],
    });

    // The SDK flattens the per-table results into one array despite the name `tables`.
    expect(result.tables.map((r) => [r.tableName, r.isOk, r.errorCode])).toEqual([
      ['items', true, null],
      ['items', false, 'OTSConditionCheckFail'],
      ['items', false, 'OTSConditionCheckFail'],
      ['items', true, null],
      ['no_such_table', false, 'OTSObjectNotExist'],
    ]);
    const after = await client.batchGetRow({
      tables: [{ tableName: 'items', primaryKey: [[{ id: 'fresh' }], [{ id: 'existing' }], [{ id: 'absent' }], [{ id: 'to-delete' }]] }],
    });
    expect(after.tables[0]!.map((r) => r.attributes?.[0]?.columnValue ?? null)).toEqual(['new', 'existing', null, null]);
  });

  it.each([
    {
      name: '201 rows',
      rows: Array.from({ length: 201 }, (_, i) => row('PUT', `r${i}`, Existence.IGNORE)),
      message: /Rows count exceeds the upper limit: 200/,
    },
    { name: 'the same row twice', rows: [row('PUT', 'twice', Existence.IGNORE), row('DELETE', 'twice', Existence.IGNORE)], message: /Duplicated primary key/ },
  ])('refuses the whole batch for $name with OTSParameterInvalid', async ({ rows, message }) => {
    const error = await client.batchWriteRow({ tables: [{ tableName: 'items', rows }] }).then(
      () => undefined,
      (e: unknown) => otsError(e),
    );
    const { row: untouched } = await client.getRow({ tableName: 'items', primaryKey: [{ id: rows[0]!.primaryKey[0]!.id }] });

    expect(error).toMatchObject({ status: 400, code: 'OTSParameterInvalid' });
    expect(error?.message).toMatch(message);
    expect(untouched).toEqual({});
  });
});

describe('BatchGetRow', () => {
  it('returns found rows, empty rows for missing ones, and errors for a missing table', async () => {
    const result = await client.batchGetRow({
      tables: [
        { tableName: 'items', primaryKey: [[{ id: 'existing' }], [{ id: 'never' }]] },
        { tableName: 'no_such_table', primaryKey: [[{ id: 'x' }]] },
      ],
    });

    expect(result.tables.map((table) => table.map((r) => [r.tableName, r.isOk, r.errorCode, r.primaryKey?.[0]?.value ?? null]))).toEqual([
      [
        ['items', true, null, 'existing'],
        ['items', true, null, null],
      ],
      [['no_such_table', false, 'OTSObjectNotExist', null]],
    ]);
  });

  it('refuses more than 100 rows with OTSParameterInvalid', async () => {
    const keys = Array.from({ length: 101 }, (_, i) => [{ id: `k${i}` }]);

    const error = await client.batchGetRow({ tables: [{ tableName: 'items', primaryKey: keys }] }).then(
      () => undefined,
      (e: unknown) => otsError(e),
    );

    expect(error).toMatchObject({ status: 400, code: 'OTSParameterInvalid' });
    expect(error?.message).toMatch(/Rows count exceeds the upper limit: 100/);
  });
});
