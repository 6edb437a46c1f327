// GetRange through the real `tablestore` SDK: key order, direction, limit and paging with
// next_start_primary_key, sub-ranges, filters and range errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { long, otsError, type SdkClient, type SdkRow, TableStore } from './sdk';
import { createTable, type RunningOts, startOts } from './server';

let run: RunningOts;
let client: SdkClient;
const { INF_MIN, INF_MAX } = TableStore;

// Deliberately unsorted, with negative integers and strings whose UTF-8 byte order differs from
// their UTF-16 order ("\uFF61" sorts after "😀" in UTF-16 but before it in UTF-8).
const SHARDS = [2, -1, 0];
const IDS = ['b', 'B', 'a', '\uFF61', '😀'];
const SORTED_SHARDS = [-1, 0, 2];
const SORTED_IDS = ['B', 'a', 'b', '\uFF61', '😀'];
const ALL_SORTED = SORTED_SHARDS.flatMap((shard) => SORTED_IDS.map((id) => `${shard}/${id}`));

beforeAll(async () => {
  run = await startOts();
  client = run.client();
  await createTable(client, 'ranged', [
    ['shard', 'INTEGER'],
    ['id', 'STRING'],
  ]);
  await client.batchWriteRow({
    tables: [
      {
        tableName: 'ranged',
        rows: SHARDS.flatMap((shard) =>
          IDS.map((id) => ({
            type: 'PUT',
            condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
            primaryKey: [{ shard: long(shard) }, { id }],
            attributeColumns: [{ label: `${shard}/${id}` }, { even: shard % 2 === 0 }],
          })),
        ),
      },
    ],
  });
});
afterAll(() => run.close());

const label = (row: SdkRow) => row.attributes?.find((a) => a.columnName === 'label')?.columnValue;

/** Reads a whole range page by page, as a client loops on nextStartPrimaryKey. */
async function readPages(params: { direction: 'FORWARD' | 'BACKWARD'; start: object[]; end: object[]; limit?: number; columnFilter?: unknown }) {
  const pages: unknown[][] = [];
  let start: object[] | null = params.start;
  while (start) {
    const page = await client.getRange({
      tableName: 'ranged',
      direction: params.direction,
      inclusiveStartPrimaryKey: start,
      exclusiveEndPrimaryKey: params.end,
      limit: params.limit,
      ...(params.columnFilter ? { columnFilter: params.columnFilter } : {}),
    });
    pages.push(page.rows.map(label));
    start = page.nextStartPrimaryKey?.map((c) => ({ [c.name]: c.value })) ?? null;
  }
  return pages;
}

describe('GetRange', () => {
  it.each([
    {
      name: 'forward over the whole table, five rows a page',
      direction: 'FORWARD' as const,
      start: [{ shard: INF_MIN }, { id: INF_MIN }],
      end: [{ shard: INF_MAX }, { id: INF_MAX }],
      limit: 5,
      expected: [ALL_SORTED.slice(0, 5), ALL_SORTED.slice(5, 10), ALL_SORTED.slice(10, 15)],
    },
    {
      name: 'backward over the whole table, four rows a page',
      direction: 'BACKWARD' as const,
      start: [{ shard: INF_MAX }, { id: INF_MAX }],
      end: [{ shard: INF_MIN }, { id: INF_MIN }],
      limit: 4,
      expected: [...ALL_SORTED].reverse().reduce<string[][]>((pages, row, i) => {
        if (i % 4 === 0) pages.push([]);
        pages.at(-1)!.push(row);
        return pages;
      }, []),
    },
    {
      name: 'one shard, start inclusive and end exclusive',
      direction: 'FORWARD' as const,
      start: [{ shard: long(0) }, { id: 'a' }],
      end: [{ shard: long(2) }, { id: INF_MIN }],
      limit: undefined,
      expected: [['0/a', '0/b', '0/\uFF61', '0/😀']],
    },
    {
      name: 'backward from a key down to, not including, the end key',
      direction: 'BACKWARD' as const,
      start: [{ shard: long(0) }, { id: 'b' }],
      end: [{ shard: long(-1) }, { id: 'b' }],
      limit: undefined,
      expected: [['0/b', '0/a', '0/B', '-1/😀', '-1/\uFF61']],
    },
  ])('reads $name', async ({ direction, start, end, limit, expected }) => {
    const pages = await readPages({ direction, start, end, limit });

    expect(pages).toEqual(expected);
  });

  it('keeps paging until the range is exhausted with a filter that skips rows', async () => {
    const even = new TableStore.SingleColumnCondition('even', true, TableStore.ComparatorType.EQUAL);

    const pages = await readPages({
      direction: 'FORWARD',
      start: [{ shard: INF_MIN }, { id: INF_MIN }],
      end: [{ shard: INF_MAX }, { id: INF_MAX }],
      limit: 3,
      columnFilter: even,
    });

    expect(pages.flat()).toEqual(ALL_SORTED.filter((l) => !l.startsWith('-1/')));
  });

  it.each([
    {
      name: 'a forward range whose start is after its end',
      direction: 'FORWARD',
      start: INF_MAX,
      end: INF_MIN,
      message: /Begin key must less than end key in FORWARD/,
    },
    {
      name: 'a backward range whose start is before its end',
      direction: 'BACKWARD',
      start: INF_MIN,
      end: INF_MAX,
      message: /Begin key must more than end key in BACKWARD/,
    },
  ])('refuses $name with OTSParameterInvalid', async ({ direction, start, end, message }) => {
    const error = await client
      .getRange({
        tableName: 'ranged',
        direction,
        inclusiveStartPrimaryKey: [{ shard: start }, { id: start }],
        exclusiveEndPrimaryKey: [{ shard: end }, { id: end }],
      })
      .then(
        () => undefined,
        (e: unknown) => otsError(e),
      );

    expect(error).toMatchObject({ status: 400, code: 'OTSParameterInvalid' });
    expect(error?.message).toMatch(message);
  });
});
