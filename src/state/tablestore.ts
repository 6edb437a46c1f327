// The StateStore on Tablestore, through the `tablestore` SDK. Table layout: tables.ts. Every write
// that matters is conditional; a lost condition is a ConflictError (tablestore-client.ts translates).
import type { BatchWriteRowItem, CellValue, Client, Int64, PrimaryKeyInput, Row } from 'tablestore';
import type { ScalingState } from '../core/types';
import { BwscalerError, ConflictError, StoreUnavailableError } from '../errors';
import type { HistoryRecord, StateStore } from '../ports/state-store';
import { emptyState, shardOf } from '../ports/state-store';
import { checkEvent, checkExpectedVersion, checkHistoryRange, checkHistoryRecord, checkShard, compareIds, eventTtlMs, historyEntry, historyKey } from './rules';
import type { TableNames } from './tables';
import { DEFAULT_TABLES, STATE_PARTITIONS } from './tables';
import type { Sdk, TablestoreConfig } from './tablestore-client';
import { openClient, otsError, translateError } from './tablestore-client';

export interface TablestoreStoreConfig extends TablestoreConfig {
  tables?: Partial<TableNames>;
  /** Epoch ms for updatedAt and event expiry; defaults to Date.now (tests pass the emulator's clock). */
  now?: () => number;
  /** Rows per GetRange page. Default: the service's own cap (5000 rows or 4 MB). Tests make it small. */
  rangeLimit?: number;
  /**
   * Told about each row a range read skips because it cannot be read (not JSON, no version...).
   * Default: one JSON warning line on stderr, which Function Compute keeps with the invocation's logs.
   */
  onUnreadableRow?: (row: UnreadableRow) => void;
}

/** A row a range read left out, and why: the other rows of the read are returned. */
export interface UnreadableRow {
  table: string;
  key: string;
  message: string;
}

function warnUnreadableRow(row: UnreadableRow): void {
  process.stderr.write(`${JSON.stringify({ level: 'warn', msg: 'unreadable row skipped', ...row })}\n`);
}

/** BatchWriteRow accepts at most 200 rows per request. */
const BATCH_ROWS = 200;

type StoredState = Omit<ScalingState, 'version'>;
type KeyRange = { start: PrimaryKeyInput; end: PrimaryKeyInput };
type StoredHistory = Omit<HistoryRecord, 'instanceId' | 'at'>;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function column(row: Row, name: string) {
  return row.attributes?.find((cell) => cell.columnName === name)?.columnValue;
}

function key(row: Row, name: string) {
  return row.primaryKey?.find((cell) => cell.name === name)?.value;
}

function integer(value: unknown, where: string): number {
  const number = typeof value === 'object' && value !== null && 'toNumber' in value ? (value as Int64).toNumber() : value;
  if (!Number.isSafeInteger(number)) throw new BwscalerError(`Tablestore ${where}: expected an integer, got ${String(value)}`);
  return number as number;
}

function json<T>(value: unknown, where: string): T {
  if (typeof value !== 'string') throw new BwscalerError(`Tablestore ${where}: expected a JSON string`);
  try {
    return JSON.parse(value) as T;
  } catch (error) {
    throw new BwscalerError(`Tablestore ${where}: not valid JSON`, { cause: error });
  }
}

export function createTablestoreStore(config: TablestoreStoreConfig): StateStore {
  const tables = { ...DEFAULT_TABLES, ...config.tables };
  const now = config.now ?? Date.now;
  let connection: Promise<{ sdk: Sdk; client: Client }> | undefined;

  function connect(): Promise<{ sdk: Sdk; client: Client }> {
    connection ??= openClient(config);
    return connection;
  }

  async function call<T>(what: string, send: (client: Client, sdk: Sdk) => Promise<T>): Promise<T> {
    const { client, sdk } = await connect();
    try {
      return await send(client, sdk);
    } catch (error) {
      throw translateError(error, what);
    }
  }

  // `Long.fromNumber` is called as a method everywhere: it stores its result on `this`, which is
  // the global object (sloppy) or undefined (strict, bundled) when it is called detached.
  function statePrimaryKey(sdk: Sdk, instanceId: string): PrimaryKeyInput {
    return [{ shard: sdk.Long.fromNumber(shardOf(instanceId, STATE_PARTITIONS)) }, { instanceId }];
  }

  function stateWrite(sdk: Sdk, next: ScalingState, expectedVersion: number) {
    const { version: _ignored, ...stored } = next;
    // The race this condition settles (alarm and cron on one instance, or a retried invocation):
    //   t0  alarm reads v7                t0  cron reads v7
    //   t1  alarm puts v8 IF version = 7  → written
    //   t2                                cron puts v8 IF version = 7 → OTSConditionCheckFail
    //   t3                                cron: ConflictError → CONCURRENT_UPDATE; the next run reads v8
    // Version 0 means "never written": the row must not exist, so two first writers cannot both win.
    // passIfMissing=false: a row without a version column never matches (the SDK's default is true).
    const condition =
      expectedVersion === 0
        ? new sdk.Condition(sdk.RowExistenceExpectation.EXPECT_NOT_EXIST, null)
        : new sdk.Condition(
            sdk.RowExistenceExpectation.EXPECT_EXIST,
            new sdk.SingleColumnCondition('version', sdk.Long.fromNumber(expectedVersion), sdk.ComparatorType.EQUAL, false),
          );
    const json = JSON.stringify(stored);
    const attributeColumns: Array<Record<string, CellValue>> = [
      { version: sdk.Long.fromNumber(expectedVersion + 1) },
      { state: json },
      { updatedAt: sdk.Long.fromNumber(now()) },
    ];
    return {
      condition,
      primaryKey: statePrimaryKey(sdk, next.instanceId),
      attributeColumns,
      written: { ...(JSON.parse(json) as StoredState), version: expectedVersion + 1 },
    };
  }

  /** One partition of the state table, or all of it. */
  function stateRange(sdk: Sdk, partition?: number): KeyRange {
    const low = partition === undefined ? sdk.INF_MIN : sdk.Long.fromNumber(partition);
    const high = partition === undefined ? sdk.INF_MAX : sdk.Long.fromNumber(partition);
    return {
      start: [{ shard: low }, { instanceId: sdk.INF_MIN }],
      end: [{ shard: high }, { instanceId: sdk.INF_MAX }],
    };
  }

  function readState(row: Row): ScalingState {
    const instanceId = String(key(row, 'instanceId'));
    const where = `${tables.state} row ${instanceId}`;
    const stored = json<StoredState>(column(row, 'state'), `${where} column state`);
    // Every write stores a whole ScalingState; a row without its lists was not written by this code.
    if (!Array.isArray(stored?.recommendations) || !Array.isArray(stored.downgrades)) {
      throw new BwscalerError(`Tablestore ${where} column state: expected a JSON object with recommendations and downgrades lists`);
    }
    return { ...stored, instanceId, version: integer(column(row, 'version'), `${where} column version`) };
  }

  /**
   * One range read's rows through `read`, each on its own: a row that cannot be read is that row's
   * problem only. It is reported and left out, the rest are returned. A state row left out reads as
   * never written (version 0) to its instance's cycle, whose conditional writes then fail against the
   * row that does exist: that instance is not changed until the row is repaired or removed.
   */
  function readEach<T>(table: string, rows: Row[], read: (row: Row) => T): T[] {
    const report = config.onUnreadableRow ?? warnUnreadableRow;
    return rows.flatMap((row) => {
      try {
        return [read(row)];
      } catch (error) {
        if (!(error instanceof BwscalerError)) throw error;
        const rowKey = (row.primaryKey ?? []).map((cell) => String(cell.value)).join('/');
        report({ table, key: rowKey, message: error.message });
        return [];
      }
    });
  }

  function historyPut(sdk: Sdk, record: HistoryRecord): BatchWriteRowItem {
    const { instanceId, at, ...stored } = record;
    return {
      type: 'PUT',
      // No condition on purpose: a row is keyed by its decision and stage, so a retried put rewrites
      // the same row (idempotent) and each stage of a decision keeps its own row.
      condition: new sdk.Condition(sdk.RowExistenceExpectation.IGNORE, null),
      primaryKey: [{ instanceId }, { at: sdk.Long.fromNumber(at) }, { entry: historyEntry(record) }],
      attributeColumns: [{ record: JSON.stringify(stored satisfies StoredHistory) }],
    };
  }

  function readHistory(row: Row): HistoryRecord {
    const instanceId = String(key(row, 'instanceId'));
    const at = integer(key(row, 'at'), `${tables.history} row ${instanceId} key at`);
    const entry = String(key(row, 'entry'));
    const stored = json<StoredHistory>(column(row, 'record'), `${tables.history} row ${instanceId}/${at}/${entry}`);
    return { instanceId, at, ...stored };
  }

  /** All rows in [start, end), following next_start_primary_key across pages. */
  async function readRange(tableName: string, range: (sdk: Sdk) => KeyRange): Promise<Row[]> {
    return call(`GetRange ${tableName}`, async (client, sdk) => {
      const { start, end } = range(sdk);
      const rows: Row[] = [];
      let next: PrimaryKeyInput | null = start;
      while (next) {
        const page = await client.getRange({
          tableName,
          direction: sdk.Direction.FORWARD,
          inclusiveStartPrimaryKey: next,
          exclusiveEndPrimaryKey: end,
          maxVersions: 1,
          ...(config.rangeLimit ? { limit: config.rangeLimit } : {}),
        });
        rows.push(...page.rows);
        next = page.nextStartPrimaryKey?.map(({ name, value }) => ({ [name]: value })) ?? null;
      }
      return rows;
    });
  }

  async function appendHistory(records: HistoryRecord[]): Promise<void> {
    records.forEach(checkHistoryRecord);
    // Tablestore refuses a batch that names one row twice; the last record for a key wins, as it
    // would have if they had been written one after the other.
    const unique = [...new Map(records.map((record) => [historyKey(record), record])).values()];
    for (let i = 0; i < unique.length; i += BATCH_ROWS) {
      const chunk = unique.slice(i, i + BATCH_ROWS);
      const results = await call(`BatchWriteRow ${tables.history}`, (client, sdk) =>
        client.batchWriteRow({ tables: [{ tableName: tables.history, rows: chunk.map((r) => historyPut(sdk, r)) }] }),
      );
      const failed = results.tables.find((result) => !result.isOk);
      if (failed) {
        throw otsError(`BatchWriteRow ${tables.history}`, failed.errorCode ?? undefined, failed.errorMessage ?? '');
      }
    }
  }

  return {
    async getState(instanceId) {
      const { row } = await call(`GetRow ${tables.state}`, (client, sdk) =>
        client.getRow({ tableName: tables.state, primaryKey: statePrimaryKey(sdk, instanceId), maxVersions: 1 }),
      );
      // GetRow answers a missing row with `row: {}`, not null.
      return row.attributes?.length ? readState(row) : emptyState(instanceId);
    },

    // Shard s of S is every id with hash % S = s; it lives in partition hash % 16. Both are residues
    // of one hash, so partition p can hold members of s only if p ≡ s (mod gcd(16, S)): S = 4 reads
    // partitions s, s+4, s+8, s+12; S = 32 reads one; S = 3 must read all 16. Rows are then filtered
    // by the logical shard itself.
    async listStates(shard, shards) {
      checkShard(shard, shards);
      const step = gcd(STATE_PARTITIONS, shards);
      const partitions = Array.from({ length: STATE_PARTITIONS }, (_, p) => p).filter((p) => p % step === shard % step);
      const ranges = partitions.length === STATE_PARTITIONS ? [undefined] : partitions;
      const pages = await Promise.all(ranges.map((p) => readRange(tables.state, (sdk) => stateRange(sdk, p))));
      return readEach(tables.state, pages.flat(), readState)
        .filter((state) => shardOf(state.instanceId, shards) === shard)
        .sort((a, b) => compareIds(a.instanceId, b.instanceId));
    },

    async putState(next, expectedVersion) {
      checkExpectedVersion(expectedVersion);
      return call(`PutRow ${tables.state}`, async (client, sdk) => {
        const { written, ...row } = stateWrite(sdk, next, expectedVersion);
        await client.putRow({ tableName: tables.state, ...row });
        return written;
      });
    },

    // ONE BatchWriteRow carries the conditional state put and the history puts. BatchWriteRow is not
    // a transaction: each row succeeds or fails on its own. That is safe here because
    //   - the state row decides: if its condition fails the commit is a ConflictError, whatever
    //     happened to the history rows;
    //   - history rows are keyed by decision and stage, so rows a lost commit did write describe a
    //     call that really was made, and they stay next to the loser's own follow-up record (outcome
    //     "conflict"). The contract leaves history unspecified after a ConflictError.
    //   - if the state row is written but a history row is not (throttled), that row is retried once;
    //     if it fails again the error says the state was committed.
    async commit(next, expectedVersion, records) {
      checkExpectedVersion(expectedVersion);
      records.forEach(checkHistoryRecord);
      const unique = [...new Map(records.map((record) => [historyKey(record), record])).values()];
      const inBatch = unique.slice(0, BATCH_ROWS - 1);
      const { sdk } = await connect();
      const { written, ...stateRow } = stateWrite(sdk, next, expectedVersion);
      const groups: Array<{ tableName: string; rows: BatchWriteRowItem[] }> = [{ tableName: tables.state, rows: [{ type: 'PUT', ...stateRow }] }];
      if (inBatch.length > 0) {
        groups.push({ tableName: tables.history, rows: inBatch.map((record) => historyPut(sdk, record)) });
      }
      const { tables: results } = await call(`BatchWriteRow ${tables.state}+${tables.history}`, (client) => client.batchWriteRow({ tables: groups }));
      const stateResult = results.find((result) => result.tableName === tables.state);
      if (!stateResult?.isOk) {
        throw otsError(
          `BatchWriteRow ${tables.state} row ${next.instanceId}`,
          stateResult?.errorCode ?? undefined,
          stateResult?.errorMessage ?? 'no result for the state row',
        );
      }
      const historyResults = results.filter((result) => result.tableName === tables.history);
      const retry = [...inBatch.filter((_, i) => !historyResults[i]?.isOk), ...unique.slice(BATCH_ROWS - 1)];
      try {
        await appendHistory(retry);
      } catch (error) {
        throw new StoreUnavailableError(
          `state of ${next.instanceId} committed at version ${written.version}, but ${retry.length} history record(s) were not written`,
          { cause: error },
        );
      }
      return written;
    },

    appendHistory,

    async queryHistory(instanceId, from, to) {
      checkHistoryRange(from, to);
      if (from > to) return [];
      // [from, to] inclusive: the exclusive end (instanceId, to, INF_MAX) still admits every
      // entry at `to`. Infinite bounds become the table's own bounds.
      const rows = await readRange(tables.history, (sdk): KeyRange => {
        const start = Number.isFinite(from) ? sdk.Long.fromNumber(Math.max(0, Math.ceil(from))) : sdk.INF_MIN;
        const end = Number.isFinite(to) ? sdk.Long.fromNumber(Math.floor(to)) : sdk.INF_MAX;
        return {
          start: [{ instanceId }, { at: start }, { entry: sdk.INF_MIN }],
          end: [{ instanceId }, { at: end }, { entry: sdk.INF_MAX }],
        };
      });
      return readEach(tables.history, rows, readHistory);
    },

    // The caller's time-to-live is carried by the row (expiresAt) and checked by the write itself:
    // the put goes through if the key was never seen (the column is missing) or its expiresAt has
    // passed; concurrent deliveries of one event are serialised by Tablestore on the row, so exactly
    // one passes. The table's own TTL only collects old rows (tables.ts).
    async markEventHandled(eventKey, ttlSeconds) {
      checkEvent(eventKey, ttlSeconds);
      const at = now();
      try {
        await call(`PutRow ${tables.events}`, (client, sdk) =>
          client.putRow({
            tableName: tables.events,
            condition: new sdk.Condition(
              sdk.RowExistenceExpectation.IGNORE,
              new sdk.SingleColumnCondition('expiresAt', sdk.Long.fromNumber(at), sdk.ComparatorType.LESS_EQUAL, true),
            ),
            primaryKey: [{ key: eventKey }],
            attributeColumns: [{ expiresAt: sdk.Long.fromNumber(at + eventTtlMs(ttlSeconds)) }],
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConflictError) return false;
        throw error;
      }
    },
  } satisfies StateStore;
}
