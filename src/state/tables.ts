// The Tablestore layout, and `ensureTables` (what `bwscaler init-tables` runs).
//
//   bwscaler_state    PK (shard INTEGER, instanceId STRING)   one row per instance
//                     version INTEGER (Int64: the compare-and-set column), state STRING (JSON of the
//                     ScalingState without `version`), updatedAt INTEGER (epoch ms, for operators)
//                     shard = shardOf(instanceId, 16): Tablestore partitions a table by its FIRST
//                     primary-key column, so 16 values spread the rows over up to 16 partitions
//                     while one shard's states stay a handful of range reads (tablestore.ts
//                     listStates maps any logical shard count onto these 16).
//                     no TTL; max versions 1
//   bwscaler_history  PK (instanceId STRING, at INTEGER, entry STRING = "<decisionId>/<outcome>")
//                     record STRING (JSON of the HistoryRecord without its key columns)
//                     a range read by instance and time is one GetRange; re-putting a decision's row
//                     overwrites it (idempotent retries). TTL 90 days (configurable); max versions 1
//   bwscaler_events   PK (key STRING)
//                     expiresAt INTEGER (epoch ms: the caller's time-to-live, checked by the write's
//                     condition). TTL 7 days, only to collect garbage; max versions 1
//   bwscaler_control  PK (target STRING = "policy/<name>" | "instance/<id>", kind STRING = pause | override)
//                     control STRING (JSON of the Control). A handful of rows, read whole by every
//                     tick and by key by every alarm (control.ts). No TTL: a pause without an end
//                     must outlive any TTL; expired rows are ignored. max versions 1
//   bwscaler_served   PK (instanceId STRING, day INTEGER = epoch ms of a UTC day's start)
//                     mbps BINARY, cap BINARY, fetchedTo INTEGER, updatedAt INTEGER: one day of an
//                     instance's served rate per minute, the predictive policy's history (served.ts).
//                     TTL 15 days (the 14 a policy may read, and the day in progress); max versions 1
//
// Every INTEGER is written as TableStore.Long: a plain JS number is stored as a DOUBLE, and a DOUBLE
// never equals the Int64 the version condition compares with.
import type { Client } from 'tablestore';
import { ConfigError } from '../errors';
import { DEFAULT_HISTORY_TTL_SECONDS, EVENT_TTL_LIMIT_SECONDS } from './rules';
import type { TablestoreConfig } from './tablestore-client';
import { openClient, readOtsError, translateError } from './tablestore-client';

export interface TableNames {
  state: string;
  history: string;
  events: string;
  control: string;
  served: string;
}

export const DEFAULT_TABLES: TableNames = {
  state: 'bwscaler_state',
  history: 'bwscaler_history',
  events: 'bwscaler_events',
  control: 'bwscaler_control',
  served: 'bwscaler_served',
};

/** The served-history table's TTL: the 14 days a predictive policy may read, and the day in progress. */
export const SERVED_TTL_SECONDS = 15 * 86_400;

/** Physical partitions of the state table (the `shard` primary-key column). Changing it orphans rows. */
export const STATE_PARTITIONS = 16;

type KeyType = 'INTEGER' | 'STRING';

interface TableSpec {
  name: string;
  primaryKey: Array<{ name: string; type: KeyType }>;
  /** Seconds; -1 = keep forever. */
  timeToLive: number;
}

export function tableSpecs(names: TableNames, historyTtlSeconds = DEFAULT_HISTORY_TTL_SECONDS): TableSpec[] {
  return [
    {
      name: names.state,
      primaryKey: [
        { name: 'shard', type: 'INTEGER' },
        { name: 'instanceId', type: 'STRING' },
      ],
      timeToLive: -1,
    },
    {
      name: names.history,
      primaryKey: [
        { name: 'instanceId', type: 'STRING' },
        { name: 'at', type: 'INTEGER' },
        { name: 'entry', type: 'STRING' },
      ],
      timeToLive: historyTtlSeconds,
    },
    {
      name: names.events,
      primaryKey: [{ name: 'key', type: 'STRING' }],
      timeToLive: EVENT_TTL_LIMIT_SECONDS,
    },
    {
      name: names.control,
      primaryKey: [
        { name: 'target', type: 'STRING' },
        { name: 'kind', type: 'STRING' },
      ],
      timeToLive: -1,
    },
    {
      name: names.served,
      primaryKey: [
        { name: 'instanceId', type: 'STRING' },
        { name: 'day', type: 'INTEGER' },
      ],
      timeToLive: SERVED_TTL_SECONDS,
    },
  ];
}

export interface EnsureTablesOptions {
  tables?: Partial<TableNames>;
  historyTtlSeconds?: number;
}

export interface TableOutcome {
  table: string;
  outcome: 'created' | 'exists';
}

/** tablestore.proto PrimaryKeyType: what DescribeTable reports for each key column. */
const KEY_TYPE_CODES: Record<KeyType, number> = { INTEGER: 1, STRING: 2 };

/**
 * Creates the tables that are missing; safe to run twice, and against a concurrent run (a create
 * that loses with OTSObjectAlreadyExist counts as "exists"). A table that exists with another
 * primary key is a ConfigError: writing to it would fail row by row, much later.
 */
export async function ensureTables(config: TablestoreConfig, options: EnsureTablesOptions = {}): Promise<TableOutcome[]> {
  const { client } = await openClient(config);
  const names = { ...DEFAULT_TABLES, ...options.tables };
  const outcomes: TableOutcome[] = [];
  for (const spec of tableSpecs(names, options.historyTtlSeconds)) {
    const created = await createTable(client, spec);
    if (!created) await checkPrimaryKey(client, spec);
    outcomes.push({ table: spec.name, outcome: created ? 'created' : 'exists' });
  }
  return outcomes;
}

async function createTable(client: Client, spec: TableSpec): Promise<boolean> {
  try {
    await client.createTable({
      tableMeta: { tableName: spec.name, primaryKey: spec.primaryKey },
      // 0/0: on-demand (pay-per-request) instances refuse reserved capacity.
      reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
      tableOptions: { timeToLive: spec.timeToLive, maxVersions: 1 },
    });
    return true;
  } catch (error) {
    if (readOtsError(error).code === 'OTSObjectAlreadyExist') return false;
    throw translateError(error, `CreateTable ${spec.name}`);
  }
}

async function checkPrimaryKey(client: Client, spec: TableSpec): Promise<void> {
  const described = await client.describeTable({ tableName: spec.name }).catch((error: unknown) => {
    throw translateError(error, `DescribeTable ${spec.name}`);
  });
  const actual = described.tableMeta.primaryKey.map((column) => `${column.name}:${column.type}`).join(', ');
  const expected = spec.primaryKey.map((column) => `${column.name}:${KEY_TYPE_CODES[column.type]}`).join(', ');
  if (actual !== expected) {
    const wanted = spec.primaryKey.map((column) => `${column.name} ${column.type}`).join(', ');
    throw new ConfigError(`table ${spec.name} exists with another primary key; expected (${wanted})`);
  }
}
