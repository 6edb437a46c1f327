// The "done when", end to end through the shared local cloud (one port for ECS, CloudMonitor,
// Tablestore and the admin API): the real SDK creates a table, puts a row with EXPECT_NOT_EXIST (and
// is refused the second time), updates it under a version condition and reads a range back; the
// admin API injects OTSServerBusy.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../../local-cloud/cloud';
import { long, otsError, type SdkClient, TableStore } from './sdk';

let cloud: LocalCloud;
let client: SdkClient;
const { Condition, SingleColumnCondition, RowExistenceExpectation: Existence, ComparatorType, INF_MIN, INF_MAX } = TableStore;

beforeAll(async () => {
  cloud = await startLocalCloud();
  const e = cloud.endpoints;
  client = new TableStore.Client({
    endpoint: e.ots,
    instancename: e.otsInstance,
    accessKeyId: e.accessKeyId,
    secretAccessKey: e.accessKeySecret,
    ...(e.securityToken ? { stsToken: e.securityToken } : {}),
    maxRetries: 0,
    httpOptions: { timeout: 2000 },
  });
});
afterAll(() => cloud.close());

it('serves the state table scenario through the local cloud', async () => {
  await client.createTable({
    tableMeta: {
      tableName: 'bwscaler_state',
      primaryKey: [
        { name: 'shard', type: 'INTEGER' },
        { name: 'instanceId', type: 'STRING' },
      ],
    },
    reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
    tableOptions: { timeToLive: -1, maxVersions: 1 },
  });
  const key = [{ shard: long(0) }, { instanceId: 'i-1' }];
  const create = () =>
    client.putRow({
      tableName: 'bwscaler_state',
      condition: new Condition(Existence.EXPECT_NOT_EXIST, null),
      primaryKey: key,
      attributeColumns: [{ version: long(1) }],
    });
  const update = (expected: number) =>
    client.updateRow({
      tableName: 'bwscaler_state',
      condition: new Condition(Existence.EXPECT_EXIST, new SingleColumnCondition('version', long(expected), ComparatorType.EQUAL)),
      primaryKey: key,
      updateOfAttributeColumns: [{ PUT: [{ version: long(expected + 1) }] }],
    });
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => otsError(e),
    );

  await create();
  const duplicate = await failure(create());
  await update(1);
  const stale = await failure(update(1));
  const range = await client.getRange({
    tableName: 'bwscaler_state',
    direction: 'FORWARD',
    inclusiveStartPrimaryKey: [{ shard: INF_MIN }, { instanceId: INF_MIN }],
    exclusiveEndPrimaryKey: [{ shard: INF_MAX }, { instanceId: INF_MAX }],
    limit: 10,
  });

  expect(duplicate).toMatchObject({ status: 403, code: 'OTSConditionCheckFail' });
  expect(stale).toMatchObject({ status: 403, code: 'OTSConditionCheckFail' });
  expect(range.rows.map((r) => [r.primaryKey?.[1]?.value, r.attributes?.[0]?.columnValue.toString()])).toEqual([['i-1', '2']]);
});

it('answers OTSServerBusy (503) while the admin API injects it', async () => {
  const admin = (method: string, body?: unknown) =>
    fetch(`${cloud.endpoints.admin}/faults`, { method, headers: { 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });

  const injected = await admin('POST', { service: 'ots', action: 'ListTable', code: 'OTSServerBusy', rate: 1 });
  const busy = await client.listTable({}).then(
    () => undefined,
    (e: unknown) => otsError(e),
  );
  await admin('DELETE');
  const recovered = await client.listTable({});

  expect(injected.status).toBe(200);
  expect(busy).toMatchObject({ status: 503, code: 'OTSServerBusy' });
  expect(recovered.tableNames).toEqual(['bwscaler_state']);
});
