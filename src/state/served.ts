// The served-rate cache (src/ports/served-store.ts) on Tablestore, and in memory for tests and local
// runs. Layout (tables.ts): bwscaler_served PK (instanceId STRING, day INTEGER), one row per instance
// and UTC day:
//   mbps      BINARY  Float32 little-endian per minute slot from `day` (NaN = no point)
//   cap       BINARY  Uint16 little-endian per slot, Mbps, 0 = unknown
//   fetchedTo INTEGER epoch ms: every slot starting before it was asked of CloudMonitor
//   updatedAt INTEGER epoch ms, for operators
// A full day is 1,440 slots × 6 bytes = 8.6 KB: 200 rows (BatchWriteRow's row limit) stay far inside
// its 4 MB request limit. The table's TTL (15 days) removes old days; nothing is deleted by hand.
import type { BatchWriteRowItem, CellValue, Client, PrimaryKeyInput, Row } from 'tablestore';
import { chunk, mapWithConcurrency } from '../concurrency';
import { BwscalerError } from '../errors';
import { DAY_MS, type ServedDay, type ServedStore, SLOTS_PER_DAY } from '../ports/served-store';
import { DEFAULT_TABLES } from './tables';
import type { UnreadableRow } from './tablestore';
import type { Sdk, TablestoreConfig } from './tablestore-client';
import { openClient, otsError, translateError } from './tablestore-client';

/** BatchGetRow: at most 100 rows per request; BatchWriteRow: at most 200 (Tablestore limits page). */
const GET_ROWS = 100;
const WRITE_ROWS = 200;
const CONCURRENCY = 4;

/** Round trips made, for the tick's cost accounting and its tests. */
export interface ServedStoreCounters {
  reads: number;
  writes: number;
}

function checkDay(day: ServedDay, where: string): void {
  if (typeof day.instanceId !== 'string' || day.instanceId === '') throw new BwscalerError(`${where}.instanceId: expected a non-empty string`);
  if (!Number.isSafeInteger(day.day) || day.day % DAY_MS !== 0) throw new BwscalerError(`${where}.day: expected a UTC day start in epoch ms, got ${day.day}`);
  if (day.mbps.length !== day.cap.length || day.mbps.length > SLOTS_PER_DAY) {
    throw new BwscalerError(`${where}: mbps and cap must be equally long, at most ${SLOTS_PER_DAY} slots (got ${day.mbps.length} and ${day.cap.length})`);
  }
  if (!Number.isSafeInteger(day.fetchedTo)) throw new BwscalerError(`${where}.fetchedTo: expected epoch ms, got ${day.fetchedTo}`);
}

export function encodeMbps(values: Float32Array): Buffer {
  const out = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) out.writeFloatLE(values[i] as number, i * 4);
  return out;
}

export function encodeCap(values: Uint16Array): Buffer {
  const out = Buffer.alloc(values.length * 2);
  for (let i = 0; i < values.length; i++) out.writeUInt16LE(values[i] as number, i * 2);
  return out;
}

function decodeMbps(bytes: Buffer): Float32Array {
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

function decodeCap(bytes: Buffer): Uint16Array {
  const out = new Uint16Array(bytes.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readUInt16LE(i * 2);
  return out;
}

function copyDay(day: ServedDay): ServedDay {
  return { ...day, mbps: Float32Array.from(day.mbps), cap: Uint16Array.from(day.cap) };
}

export function createMemoryServedStore(): ServedStore & { counters: ServedStoreCounters } {
  const rows = new Map<string, Map<number, ServedDay>>();
  const counters = { reads: 0, writes: 0 };
  return {
    counters,
    async readServed(instanceIds, fromDay, toDay) {
      const out = new Map<string, ServedDay[]>();
      const keys = instanceIds.length * (Math.floor((toDay - fromDay) / DAY_MS) + 1);
      counters.reads += Math.ceil(keys / GET_ROWS);
      for (const id of instanceIds) {
        const days = [...(rows.get(id)?.values() ?? [])].filter((d) => d.day >= fromDay && d.day <= toDay).sort((a, b) => a.day - b.day);
        if (days.length > 0) out.set(id, days.map(copyDay));
      }
      return out;
    },
    async writeServed(days) {
      for (const [i, day] of days.entries()) checkDay(day, `served[${i}]`);
      counters.writes += Math.ceil(days.length / WRITE_ROWS);
      for (const day of days) {
        const byDay = rows.get(day.instanceId) ?? new Map<number, ServedDay>();
        byDay.set(day.day, copyDay(day));
        rows.set(day.instanceId, byDay);
      }
    },
  };
}

export interface TablestoreServedConfig extends TablestoreConfig {
  table?: string;
  now?: () => number;
  onUnreadableRow?: (row: UnreadableRow) => void;
}

export function createTablestoreServedStore(config: TablestoreServedConfig): ServedStore & { counters: ServedStoreCounters } {
  const table = config.table ?? DEFAULT_TABLES.served;
  const now = config.now ?? Date.now;
  const counters = { reads: 0, writes: 0 };
  let connection: Promise<{ sdk: Sdk; client: Client }> | undefined;
  const connect = () => {
    connection ??= openClient(config);
    return connection;
  };
  const report =
    config.onUnreadableRow ?? ((row: UnreadableRow) => process.stderr.write(`${JSON.stringify({ level: 'warn', msg: 'unreadable row skipped', ...row })}\n`));

  const primaryKey = (sdk: Sdk, instanceId: string, day: number): PrimaryKeyInput => [{ instanceId }, { day: sdk.Long.fromNumber(day) }];

  function readRow(row: Row): ServedDay {
    const cell = (name: string) => row.attributes?.find((c) => c.columnName === name)?.columnValue;
    const keyOf = (name: string) => row.primaryKey?.find((c) => c.name === name)?.value;
    const instanceId = String(keyOf('instanceId'));
    const dayValue = keyOf('day') as { toNumber?: () => number } | number | undefined;
    const day = typeof dayValue === 'object' && dayValue?.toNumber ? dayValue.toNumber() : Number(dayValue);
    const where = `${table} row ${instanceId}/${day}`;
    const mbps = cell('mbps');
    const cap = cell('cap');
    const fetched = cell('fetchedTo') as { toNumber?: () => number } | undefined;
    if (!Buffer.isBuffer(mbps) || mbps.length % 4 !== 0) throw new BwscalerError(`Tablestore ${where} column mbps: expected binary Float32 values`);
    if (!Buffer.isBuffer(cap) || cap.length % 2 !== 0) throw new BwscalerError(`Tablestore ${where} column cap: expected binary Uint16 values`);
    const fetchedTo = fetched?.toNumber ? fetched.toNumber() : Number.NaN;
    const served: ServedDay = { instanceId, day, mbps: decodeMbps(mbps), cap: decodeCap(cap), fetchedTo };
    try {
      checkDay(served, where);
    } catch (error) {
      throw new BwscalerError(`Tablestore ${(error as Error).message}`);
    }
    return served;
  }

  return {
    counters,
    async readServed(instanceIds, fromDay, toDay) {
      const { sdk, client } = await connect();
      const keys: PrimaryKeyInput[] = [];
      for (const id of instanceIds) for (let day = fromDay; day <= toDay; day += DAY_MS) keys.push(primaryKey(sdk, id, day));
      const out = new Map<string, ServedDay[]>();
      await mapWithConcurrency(chunk(keys, GET_ROWS), CONCURRENCY, async (batch) => {
        counters.reads++;
        let answer: Awaited<ReturnType<Client['batchGetRow']>>;
        try {
          answer = await client.batchGetRow({ tables: [{ tableName: table, primaryKey: batch, maxVersions: 1 }] });
        } catch (error) {
          throw translateError(error, `BatchGetRow ${table}`);
        }
        for (const result of answer.tables.flat()) {
          if (!result.isOk) throw otsError(`BatchGetRow ${table}`, result.errorCode ?? undefined, result.errorMessage ?? '');
          if (!result.attributes || result.attributes.length === 0) continue;
          try {
            const day = readRow(result);
            out.set(day.instanceId, [...(out.get(day.instanceId) ?? []), day]);
          } catch (error) {
            if (!(error instanceof BwscalerError)) throw error;
            report({ table, key: (result.primaryKey ?? []).map((c) => String(c.value)).join('/'), message: error.message });
          }
        }
      });
      for (const days of out.values()) days.sort((a, b) => a.day - b.day);
      return out;
    },

    async writeServed(days) {
      if (days.length === 0) return;
      for (const [i, day] of days.entries()) checkDay(day, `served[${i}]`);
      const { sdk, client } = await connect();
      await mapWithConcurrency(chunk([...days], WRITE_ROWS), CONCURRENCY, async (batch) => {
        counters.writes++;
        const rows = batch.map(
          (day): BatchWriteRowItem => ({
            type: 'PUT',
            // No condition: a row is CloudMonitor's record, not a decision. Two ticks that race write
            // the same minutes from the same source; whichever lands last is as right as the other.
            condition: new sdk.Condition(sdk.RowExistenceExpectation.IGNORE, null),
            primaryKey: primaryKey(sdk, day.instanceId, day.day),
            attributeColumns: [
              { mbps: encodeMbps(day.mbps) } as Record<string, CellValue>,
              { cap: encodeCap(day.cap) },
              { fetchedTo: sdk.Long.fromNumber(day.fetchedTo) },
              { updatedAt: sdk.Long.fromNumber(now()) },
            ],
          }),
        );
        let answer: Awaited<ReturnType<Client['batchWriteRow']>>;
        try {
          answer = await client.batchWriteRow({ tables: [{ tableName: table, rows }] });
        } catch (error) {
          throw translateError(error, `BatchWriteRow ${table}`);
        }
        const failed = answer.tables.find((result) => !result.isOk);
        if (failed) throw otsError(`BatchWriteRow ${table}`, failed.errorCode ?? undefined, failed.errorMessage ?? '');
      });
    },
  };
}
