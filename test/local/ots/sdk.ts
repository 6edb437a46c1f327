// The real `tablestore` SDK, loaded as the published CommonJS package and typed only as far as these
// tests use it. (src/state declares its own narrower module typing; this one stays local to the
// emulator's tests so neither area depends on the other.)
import { createRequire } from 'node:module';

export interface Int64 {
  toNumber(): number;
  toString(radix?: number): string;
}

export type SdkValue = string | number | boolean | Buffer | Int64;
/** One-key objects: [{ shard: Long.fromNumber(1) }, { id: 'a' }]. */
export type SdkPrimaryKey = Array<Record<string, unknown>>;

export interface SdkRow {
  primaryKey?: Array<{ name: string; value: SdkValue }>;
  attributes?: Array<{ columnName: string; columnValue: SdkValue; timestamp: Int64 }>;
}

export interface SdkRowResult {
  isOk: boolean;
  errorCode: string | null;
  errorMessage: string | null;
  tableName: string;
  primaryKey: Array<{ name: string; value: SdkValue }> | null;
  attributes: Array<{ columnName: string; columnValue: SdkValue; timestamp: Int64 }> | null;
}

/** Every operation returns a Promise when no callback is given. */
export interface SdkClient {
  createTable(params: object): Promise<unknown>;
  describeTable(params: object): Promise<{
    tableMeta: { tableName: string; primaryKey: Array<{ name: string; type: number; option?: number }> };
    tableOptions: { timeToLive: number; maxVersions: number };
    tableStatus: number;
  }>;
  listTable(params: object): Promise<{ tableNames: string[] }>;
  updateTable(params: object): Promise<{ tableOptions: { timeToLive: number; maxVersions: number } }>;
  deleteTable(params: object): Promise<unknown>;
  getRow(params: object): Promise<{ row: SdkRow }>;
  putRow(params: object): Promise<{ row: SdkRow; consumed: unknown }>;
  updateRow(params: object): Promise<{ row: SdkRow }>;
  deleteRow(params: object): Promise<{ row: SdkRow }>;
  getRange(params: object): Promise<{ rows: SdkRow[]; nextStartPrimaryKey: Array<{ name: string; value: SdkValue }> | null }>;
  batchGetRow(params: object): Promise<{ tables: SdkRowResult[][] }>;
  batchWriteRow(params: object): Promise<{ tables: SdkRowResult[] }>;
}

export interface ColumnCondition {
  readonly kind?: never;
}

export interface Sdk {
  Client: new (config: object) => SdkClient;
  Condition: new (rowExistence: number, columnCondition: ColumnCondition | null) => object;
  SingleColumnCondition: new (column: string, value: SdkValue, comparator: number, passIfMissing?: boolean, latestVersionOnly?: boolean) => ColumnCondition;
  CompositeCondition: new (operator: number) => ColumnCondition & { addSubCondition(c: ColumnCondition): void };
  RowExistenceExpectation: { IGNORE: number; EXPECT_EXIST: number; EXPECT_NOT_EXIST: number };
  ComparatorType: Record<'EQUAL' | 'NOT_EQUAL' | 'GREATER_THAN' | 'GREATER_EQUAL' | 'LESS_THAN' | 'LESS_EQUAL', number>;
  LogicalOperator: Record<'NOT' | 'AND' | 'OR', number>;
  ReturnType: { NONE: number; Primarykey: number; AfterModify: number };
  INF_MIN: object;
  INF_MAX: object;
  PK_AUTO_INCR: object;
  Long: { fromNumber(n: number): Int64; fromString(s: string): Int64 };
  /** The SDK's own codec, used only to cross-check ours (never by the emulator). */
  PlainBufferBuilder: {
    serializePrimaryKey(pk: SdkPrimaryKey): Buffer;
    serializeForPutRow(pk: SdkPrimaryKey, attributes: Array<Record<string, unknown>>): Buffer;
    serializeForUpdateRow(pk: SdkPrimaryKey, updates: Array<Record<string, unknown>>): Buffer;
    serializeForDeleteRow(pk: SdkPrimaryKey): Buffer;
    serializeColumnValue(value: SdkValue): Buffer;
  };
  PlainBufferInputStream: new (buffer: Buffer) => object;
  PlainBufferCodedInputStream: new (
    stream: object,
  ) => {
    readRow(): { primaryKey: Array<{ name: string; value: SdkValue }>; attributes: SdkRow['attributes'] & object };
    readRows(): Array<{ primaryKey: Array<{ name: string; value: SdkValue }>; attributes: SdkRow['attributes'] & object }>;
  };
}

export const TableStore = createRequire(import.meta.url)('tablestore') as Sdk;

/** `Long.fromNumber` must be called as a method (it writes `this.int64`, docs/reference/sdk-traps.md §3). */
export const long = (n: number): Int64 => TableStore.Long.fromNumber(n);

/**
 * The OTS error code inside an SDK error. The SDK cannot parse the protobuf error body, so it reports
 * the HTTP status as `code` and the raw body bytes as `message` (docs/reference/sdk-traps.md §3).
 */
export function otsError(error: unknown): { status: unknown; code: string | undefined; message: string } {
  const e = error as { code?: unknown; message?: string };
  const message = e.message ?? '';
  return { status: e.code, code: /\b(OTS\w+)/.exec(message)?.[1], message };
}
