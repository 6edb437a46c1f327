// What the Tablestore adapter does beyond the shared contract (contract.ts): how it writes rows,
// how many requests it sends, and how every way Tablestore can fail reaches the caller.
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OtsFault } from '../../local-cloud/ots/index';
import { BwscalerError, ConfigError, ConflictError, StoreUnavailableError } from '../../src/errors';
import type { HistoryRecord, StateStore } from '../../src/ports/state-store';
import { emptyState, shardOf } from '../../src/ports/state-store';
import { ensureTables, STATE_PARTITIONS, type TableNames } from '../../src/state/tables';
import { createTablestoreStore, type TablestoreStoreConfig } from '../../src/state/tablestore';
import { loadSdk, openClient } from '../../src/state/tablestore-client';
import { type OtsCloud, startOtsCloud } from './local-cloud';

let local: OtsCloud;
let prefixes = 0;

beforeAll(async () => {
  local = await startOtsCloud();
});

afterEach(() => {
  local.ots.setFault(null);
});

afterAll(async () => {
  await local?.close();
});

async function freshStore(overrides: Partial<TablestoreStoreConfig> = {}): Promise<{ store: StateStore; tables: TableNames }> {
  const n = ++prefixes;
  const tables = { state: `a${n}_state`, history: `a${n}_history`, events: `a${n}_events`, control: `a${n}_control`, served: `a${n}_served` };
  await ensureTables(local.config(), { tables });
  return { store: createTablestoreStore(local.config({ tables, ...overrides })), tables };
}

function record(instanceId: string, at: number, decisionId: string, outcome: HistoryRecord['outcome'] = 'applied'): HistoryRecord {
  return {
    instanceId,
    at,
    decisionId,
    source: 'alarm:evt-1',
    decision: { action: 'set', current: 10, target: 20, proposed: 20, reason: 'SCALE_UP', message: 'up', isDowngrade: false, guards: [] },
    outcome,
  };
}

/** The emulator's log of requests sent from now on, as "Action CODE". */
function watchCalls(): () => string[] {
  const before = local.ots.calls().length;
  return () =>
    local.ots
      .calls()
      .slice(before)
      .map((call) => `${call.action} ${call.code}`);
}

async function rawClient() {
  return (await openClient(local.config())).client;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('rows as written', () => {
  it('stores every integer as an Int64 (a plain number would be a DOUBLE the version condition never equals)', async () => {
    const { store, tables } = await freshStore();
    await store.putState({ ...emptyState('i-long'), lastTarget: 10 }, 0);
    await store.appendHistory([record('i-long', 1_767_225_600_123, 'd-1')]);
    await store.markEventHandled('evt-long', 60);
    const client = await rawClient();
    const TableStore = await loadSdk();

    const { row: stateRow } = await client.getRow({
      tableName: tables.state,
      primaryKey: [{ shard: TableStore.Long.fromNumber(shardOf('i-long', STATE_PARTITIONS)) }, { instanceId: 'i-long' }],
      maxVersions: 1,
    });
    const [historyRow] = (
      await client.getRange({
        tableName: tables.history,
        direction: TableStore.Direction.FORWARD,
        inclusiveStartPrimaryKey: [{ instanceId: TableStore.INF_MIN }, { at: TableStore.INF_MIN }, { entry: TableStore.INF_MIN }],
        exclusiveEndPrimaryKey: [{ instanceId: TableStore.INF_MAX }, { at: TableStore.INF_MAX }, { entry: TableStore.INF_MAX }],
        maxVersions: 1,
      })
    ).rows;
    const { row: eventRow } = await client.getRow({ tableName: tables.events, primaryKey: [{ key: 'evt-long' }], maxVersions: 1 });

    const int64 = (value: unknown) => typeof value === 'object' && value !== null && 'toNumber' in value;
    const cell = (row: typeof stateRow | undefined, name: string) => row?.attributes?.find((c) => c.columnName === name)?.columnValue;
    expect(int64(cell(stateRow, 'version'))).toBe(true);
    expect(int64(cell(stateRow, 'updatedAt'))).toBe(true);
    expect(int64(stateRow.primaryKey?.[0]?.value)).toBe(true);
    expect(int64(historyRow?.primaryKey?.[1]?.value)).toBe(true);
    expect(int64(cell(eventRow, 'expiresAt'))).toBe(true);
    expect(JSON.parse(String(cell(stateRow, 'state')))).not.toHaveProperty('version');
  });
});

describe('requests sent', () => {
  it('commits the state and its history in ONE BatchWriteRow', async () => {
    const { store } = await freshStore();
    await store.putState(emptyState('i-one'), 0);
    const calls = watchCalls();

    await store.commit({ ...emptyState('i-one'), lastTarget: 20 }, 1, [record('i-one', 1000, 'd-1'), record('i-one', 1000, 'd-2')]);

    expect(calls()).toEqual(['BatchWriteRow OK']);
  });

  it('commits more history than one batch holds (200 rows) in a second batch', async () => {
    const { store } = await freshStore();
    const records = Array.from({ length: 250 }, (_, i) => record('i-many', 1000 + i, `d-${i}`));
    const calls = watchCalls();

    await store.commit(emptyState('i-many'), 0, records);

    expect(calls()).toEqual(['BatchWriteRow OK', 'BatchWriteRow OK']);
    expect(await store.queryHistory('i-many', 0, Number.MAX_SAFE_INTEGER)).toHaveLength(250);
  });

  it("keeps the history rows of a lost commit next to the loser's own record (BatchWriteRow is not a transaction)", async () => {
    const { store } = await freshStore();
    await store.putState(emptyState('i-lost'), 0);
    await store.putState(emptyState('i-lost'), 1);

    await expect(store.commit(emptyState('i-lost'), 1, [record('i-lost', 1000, 'd-lost', 'applied')])).rejects.toBeInstanceOf(ConflictError);
    await store.appendHistory([record('i-lost', 1000, 'd-lost', 'conflict')]);

    expect((await store.queryHistory('i-lost', 0, 2000)).map((r) => r.outcome).sort()).toEqual(['applied', 'conflict']);
  });

  it('retries reads (GetRow) up to maxRetries but never writes, which the SDK does not consider repeatable', async () => {
    const { store } = await freshStore({ maxRetries: 2 });
    local.ots.setFault({ code: 'OTSServerUnavailable', rate: 1 });
    const calls = watchCalls();

    await expect(store.getState('i-retry')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.putState(emptyState('i-retry'), 0)).rejects.toBeInstanceOf(StoreUnavailableError);

    expect(calls()).toEqual(['GetRow OTSServerUnavailable', 'GetRow OTSServerUnavailable', 'GetRow OTSServerUnavailable', 'PutRow OTSServerUnavailable']);
  });
});

describe('failures reach the caller as the project errors', () => {
  const faults: Array<{ name: string; fault: OtsFault; act: (store: StateStore) => Promise<unknown> }> = [
    { name: 'a busy server on a write', fault: { action: 'PutRow', code: 'OTSServerBusy', rate: 1 }, act: (s) => s.putState(emptyState('i-f'), 0) },
    { name: 'a busy server on a read', fault: { action: 'GetRow', code: 'OTSServerBusy', rate: 1 }, act: (s) => s.getState('i-f') },
    { name: 'a busy server on a range read', fault: { action: 'GetRange', code: 'OTSServerBusy', rate: 1 }, act: (s) => s.listStates(0, 1) },
    { name: 'a busy server on a commit', fault: { action: 'BatchWriteRow', code: 'OTSServerBusy', rate: 1 }, act: (s) => s.commit(emptyState('i-f'), 0, []) },
    {
      name: 'throttling (OTSNotEnoughCapacityUnit, 403)',
      fault: { action: 'PutRow', code: 'OTSNotEnoughCapacityUnit', rate: 1 },
      act: (s) => s.putState(emptyState('i-f'), 0),
    },
    // A failed duplicate check must not read as "already handled": the alarm would be dropped.
    { name: 'a busy server while marking an event', fault: { action: 'PutRow', code: 'OTSServerBusy', rate: 1 }, act: (s) => s.markEventHandled('evt-f', 60) },
    { name: 'a request that times out', fault: { action: 'PutRow', code: 'OTSTimeout', rate: 1, timeout: true }, act: (s) => s.putState(emptyState('i-f'), 0) },
  ];

  it.each(faults)('$name is a StoreUnavailableError', async ({ fault, act }) => {
    const { store } = await freshStore({ timeoutMs: 300 });
    local.ots.setFault(fault);

    await expect(act(store)).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('an unreachable endpoint is a StoreUnavailableError', async () => {
    const store = createTablestoreStore(local.config({ endpoint: `http://127.0.0.1:${await closedPort()}` }));

    await expect(store.getState('i-x')).rejects.toThrow(StoreUnavailableError);
  });

  const refusals = [
    { name: 'a wrong AccessKey secret', overrides: { accessKeySecret: 'wrong' }, code: 'OTSAuthFailed' },
    { name: 'an STS key sent without its token', overrides: { securityToken: undefined }, code: 'OTSAuthFailed' },
    { name: 'tables that were never created', overrides: { tables: { state: 'never_created' } }, code: 'OTSObjectNotExist' },
  ];
  it.each(refusals)('$name is a BwscalerError carrying $code, neither a conflict nor "unavailable"', async ({ overrides, code }) => {
    const store = createTablestoreStore(local.config(overrides));

    const error = await store.getState('i-x').then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(BwscalerError);
    expect(error).not.toBeInstanceOf(ConflictError);
    expect(error).not.toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toContain(code);
  });
});

describe('ensureTables', () => {
  it('creates the five tables, and reports them as existing when run again', async () => {
    const tables = { state: 'e_state', history: 'e_history', events: 'e_events', control: 'e_control', served: 'e_served' };

    const first = await ensureTables(local.config(), { tables });
    const second = await ensureTables(local.config(), { tables });

    expect(first.map((t) => `${t.table} ${t.outcome}`)).toEqual([
      'e_state created',
      'e_history created',
      'e_events created',
      'e_control created',
      'e_served created',
    ]);
    expect(second.map((t) => `${t.table} ${t.outcome}`)).toEqual([
      'e_state exists',
      'e_history exists',
      'e_events exists',
      'e_control exists',
      'e_served exists',
    ]);
  });

  it('gives the history table its time-to-live and the state table none', async () => {
    const tables = { state: 'ttl_state', history: 'ttl_history', events: 'ttl_events', served: 'ttl_served' };
    const client = await rawClient();

    await ensureTables(local.config(), { tables, historyTtlSeconds: 30 * 86_400 });

    const ttl = async (tableName: string) => (await client.describeTable({ tableName })).tableOptions.timeToLive;
    expect([await ttl('ttl_state'), await ttl('ttl_history'), await ttl('ttl_events'), await ttl('ttl_served')]).toEqual([
      -1,
      30 * 86_400,
      7 * 86_400,
      15 * 86_400,
    ]);
  });

  it('refuses a table that exists with another primary key (ConfigError naming it)', async () => {
    const client = await rawClient();
    await client.createTable({
      tableMeta: { tableName: 'odd_state', primaryKey: [{ name: 'instanceId', type: 'STRING' }] },
      reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
      tableOptions: { timeToLive: -1, maxVersions: 1 },
    });

    const attempt = ensureTables(local.config(), { tables: { state: 'odd_state', history: 'odd_history', events: 'odd_events' } });

    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(attempt).rejects.toThrow(/odd_state.*shard INTEGER, instanceId STRING/);
  });
});

describe('the SDK retry setting', () => {
  it('is process-global: the last client to build a request sets it for every client', async () => {
    const TableStore = await loadSdk();
    const { store: patient } = await freshStore({ maxRetries: 5 });
    const { store: impatient } = await freshStore({ maxRetries: 1 });

    await patient.getState('i-g');
    const afterPatient = TableStore.DefaultRetryPolicy.maxRetryTimes;
    await impatient.getState('i-g');

    expect([afterPatient, TableStore.DefaultRetryPolicy.maxRetryTimes]).toEqual([5, 1]);
  });
});

describe('the SDK retry delay setting', () => {
  it('sets the first pause before a read retry when given, and leaves the SDK default when not', async () => {
    const TableStore = await loadSdk();
    const defaults = { ...TableStore.DefaultRetryPolicy };
    try {
      const { store: plain } = await freshStore();
      await plain.getState('i-r');
      const untouched = [TableStore.DefaultRetryPolicy.stabilityExceptionDelayFactor, TableStore.DefaultRetryPolicy.serverThrottlingExceptionDelayFactor];
      const { store: quick } = await freshStore({ retryDelayMs: 7 });
      await quick.getState('i-r');

      expect(untouched).toEqual([defaults.stabilityExceptionDelayFactor, defaults.serverThrottlingExceptionDelayFactor]);
      expect([TableStore.DefaultRetryPolicy.stabilityExceptionDelayFactor, TableStore.DefaultRetryPolicy.serverThrottlingExceptionDelayFactor]).toEqual([7, 7]);
    } finally {
      Object.assign(TableStore.DefaultRetryPolicy, defaults);
    }
  });
});
