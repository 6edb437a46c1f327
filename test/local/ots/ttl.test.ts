// Time to live measured on the local cloud's clock: data older than the table's TTL is invisible to
// every read and no longer counts as an existing row for conditions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SdkClient, TableStore } from './sdk';
import { createTable, type RunningOts, startOts } from './server';

const DAY = 86_400;
let run: RunningOts;
let client: SdkClient;
const { Condition, RowExistenceExpectation: Existence, INF_MIN, INF_MAX } = TableStore;

beforeAll(async () => {
  run = await startOts();
  client = run.client();
  await createTable(client, 'dedup', [['key', 'STRING']], { timeToLive: DAY, maxVersions: 1 });
  await createTable(client, 'forever', [['key', 'STRING']]);
});
afterAll(() => run.close());

const markOnce = (table: string, key: string) =>
  client.putRow({ tableName: table, condition: new Condition(Existence.EXPECT_NOT_EXIST, null), primaryKey: [{ key }], attributeColumns: [{ seen: true }] });
const visibleKeys = async (table: string) =>
  (
    await client.getRange({
      tableName: table,
      direction: 'FORWARD',
      inclusiveStartPrimaryKey: [{ key: INF_MIN }],
      exclusiveEndPrimaryKey: [{ key: INF_MAX }],
    })
  ).rows.map((r) => r.primaryKey?.[0]?.value);

describe('time to live', () => {
  it('hides a row once the clock passes its TTL, and lets the key be written again', async () => {
    await markOnce('dedup', 'alarm-1');
    await markOnce('forever', 'alarm-1');

    await run.clock.advance(DAY - 60);
    const beforeExpiry = await client.getRow({ tableName: 'dedup', primaryKey: [{ key: 'alarm-1' }] });
    await run.clock.advance(60);
    const afterExpiry = await client.getRow({ tableName: 'dedup', primaryKey: [{ key: 'alarm-1' }] });
    const ranged = await visibleKeys('dedup');
    const rewritten = await markOnce('dedup', 'alarm-1').then(() => 'written');
    const keptForever = await client.getRow({ tableName: 'forever', primaryKey: [{ key: 'alarm-1' }] });

    expect(beforeExpiry.row.primaryKey?.[0]?.value).toBe('alarm-1');
    expect(afterExpiry.row).toEqual({});
    expect(ranged).toEqual([]);
    expect(rewritten).toBe('written');
    expect(keptForever.row.primaryKey?.[0]?.value).toBe('alarm-1');
  });

  it('keeps expired data invisible after the periodic sweep drops it', async () => {
    await markOnce('dedup', 'alarm-2');

    await run.clock.advance(2 * DAY);
    const row = await client.getRow({ tableName: 'dedup', primaryKey: [{ key: 'alarm-2' }] });
    const rewritten = await markOnce('dedup', 'alarm-2').then(() => 'written');

    expect(row.row).toEqual({});
    expect(rewritten).toBe('written');
  });
});
