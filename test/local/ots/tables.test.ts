// Table operations through the real `tablestore` SDK against the emulator over HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otsError, type SdkClient } from './sdk';
import { createTable, type RunningOts, startOts } from './server';

let run: RunningOts;
let client: SdkClient;

beforeAll(async () => {
  run = await startOts();
  client = run.client();
});
afterAll(() => run.close());

describe('table lifecycle', () => {
  it('creates, describes, lists and deletes a table', async () => {
    await createTable(
      client,
      'lifecycle',
      [
        ['shard', 'INTEGER'],
        ['id', 'STRING'],
      ],
      { timeToLive: 86_400 * 7, maxVersions: 3 },
    );

    const described = await client.describeTable({ tableName: 'lifecycle' });
    const listed = await client.listTable({});
    await client.deleteTable({ tableName: 'lifecycle' });
    const afterDelete = await client.listTable({});

    expect(described.tableMeta.tableName).toBe('lifecycle');
    expect(described.tableMeta.primaryKey.map((pk) => [pk.name, pk.type])).toEqual([
      ['shard', 1],
      ['id', 2],
    ]);
    expect(described.tableOptions).toMatchObject({ timeToLive: 604_800, maxVersions: 3 });
    expect(described.tableStatus).toBe(1);
    expect(listed.tableNames).toContain('lifecycle');
    expect(afterDelete.tableNames).not.toContain('lifecycle');
    expect(run.ots.tables()).not.toContain('lifecycle');
  });

  it('updates the time to live and max versions of a table', async () => {
    await createTable(client, 'options', [['id', 'STRING']]);

    const updated = await client.updateTable({ tableName: 'options', tableOptions: { timeToLive: 172_800, maxVersions: 2 } });
    const described = await client.describeTable({ tableName: 'options' });

    expect(updated.tableOptions).toMatchObject({ timeToLive: 172_800, maxVersions: 2 });
    expect(described.tableOptions).toMatchObject({ timeToLive: 172_800, maxVersions: 2 });
  });
});

describe('table errors', () => {
  beforeAll(() => createTable(client, 'existing', [['id', 'STRING']]));

  it.each([
    { name: 'creating a table that exists', act: () => createTable(client, 'existing', [['id', 'STRING']]), status: 409, code: 'OTSObjectAlreadyExist' },
    { name: 'describing a missing table', act: () => client.describeTable({ tableName: 'missing' }), status: 404, code: 'OTSObjectNotExist' },
    { name: 'deleting a missing table', act: () => client.deleteTable({ tableName: 'missing' }), status: 404, code: 'OTSObjectNotExist' },
    { name: 'a table name starting with a digit', act: () => createTable(client, '1bad', [['id', 'STRING']]), status: 400, code: 'OTSParameterInvalid' },
    {
      name: 'five primary key columns',
      act: () =>
        createTable(client, 'wide', [
          ['a', 'STRING'],
          ['b', 'STRING'],
          ['c', 'STRING'],
          ['d', 'STRING'],
          ['e', 'STRING'],
        ]),
      status: 400,
      code: 'OTSParameterInvalid',
    },
    {
      name: 'a time to live under one day',
      act: () => createTable(client, 'shortlived', [['id', 'STRING']], { timeToLive: 3600, maxVersions: 1 }),
      status: 400,
      code: 'OTSParameterInvalid',
    },
    {
      name: 'an auto-increment partition key',
      act: () => createTable(client, 'autofirst', [['id', 'INTEGER', 'AUTO_INCREMENT']]),
      status: 400,
      code: 'OTSParameterInvalid',
    },
  ])('answers $code ($status) to $name', async ({ act, status, code }) => {
    const error = await act().then(
      () => undefined,
      (e: unknown) => otsError(e),
    );

    expect(error).toMatchObject({ status, code });
  });
});
