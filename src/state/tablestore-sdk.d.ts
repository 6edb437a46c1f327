// The part of the `tablestore` 5.6.5 SDK that src/state uses. The package ships no types and
// @types/tablestore describes an older API, so this is written from lib/*.js (docs/reference/sdk-traps.md §3).
declare module 'tablestore' {
  /** An int64-buffer Int64LE: what Long.fromNumber returns and what INTEGER columns read back as. */
  export interface Int64 {
    toNumber(): number;
    toString(radix?: number): string;
  }

  export type CellValue = string | number | boolean | Buffer | Int64;
  /** One-key objects, e.g. [{ shard: Long.fromNumber(3) }, { instanceId: 'i-1' }]. */
  export type PrimaryKeyInput = Array<Record<string, CellValue | object>>;

  export interface Row {
    primaryKey?: Array<{ name: string; value: CellValue }>;
    attributes?: Array<{ columnName: string; columnValue: CellValue; timestamp?: Int64 }>;
  }

  export interface ClientConfig {
    endpoint: string;
    instancename: string;
    accessKeyId: string;
    secretAccessKey: string;
    stsToken?: string;
    maxRetries?: number;
    httpOptions?: { timeout?: number; maxSockets?: number; agent?: unknown };
  }

  export interface BatchWriteRowItem {
    type: 'PUT' | 'UPDATE' | 'DELETE';
    condition: Condition;
    primaryKey: PrimaryKeyInput;
    attributeColumns: Array<Record<string, CellValue>>;
  }

  export interface BatchWriteRowResult {
    isOk: boolean;
    errorCode: string | null;
    errorMessage: string | null;
    tableName: string;
  }

  export class Client {
    constructor(config: ClientConfig);
    createTable(params: {
      tableMeta: { tableName: string; primaryKey: Array<{ name: string; type: 'INTEGER' | 'STRING' | 'BINARY' }> };
      reservedThroughput: { capacityUnit: { read: number; write: number } };
      tableOptions: { timeToLive: number; maxVersions: number };
    }): Promise<unknown>;
    describeTable(params: { tableName: string }): Promise<{
      tableMeta: { tableName: string; primaryKey: Array<{ name: string; type: number }> };
      tableOptions: { timeToLive: number; maxVersions: number };
    }>;
    getRow(params: { tableName: string; primaryKey: PrimaryKeyInput; maxVersions: number }): Promise<{ row: Row }>;
    putRow(params: {
      tableName: string;
      condition: Condition;
      primaryKey: PrimaryKeyInput;
      attributeColumns: Array<Record<string, CellValue>>;
    }): Promise<{ row: Row }>;
    getRange(params: {
      tableName: string;
      direction: 'FORWARD' | 'BACKWARD';
      inclusiveStartPrimaryKey: PrimaryKeyInput;
      exclusiveEndPrimaryKey: PrimaryKeyInput;
      maxVersions: number;
      limit?: number;
    }): Promise<{ rows: Row[]; nextStartPrimaryKey: Array<{ name: string; value: CellValue }> | null }>;
    batchWriteRow(params: { tables: Array<{ tableName: string; rows: BatchWriteRowItem[] }> }): Promise<{ tables: BatchWriteRowResult[] }>;
    /** Pass `condition` always: the SDK's own default is misspelt (`params.condtion`) and crashes the encoder. */
    deleteRow(params: { tableName: string; condition: Condition; primaryKey: PrimaryKeyInput }): Promise<unknown>;
    /** One result list per table, one result per key, in request order; a missing row has no attributes. */
    batchGetRow(params: { tables: Array<{ tableName: string; primaryKey: PrimaryKeyInput[]; maxVersions: number }> }): Promise<{
      tables: Array<Array<{ isOk: boolean; errorCode: string | null; errorMessage: string | null; tableName: string } & Row>>;
    }>;
  }

  export class Condition {
    constructor(rowExistence: number, columnCondition: ColumnCondition | null);
  }
  export class ColumnCondition {}
  export class SingleColumnCondition extends ColumnCondition {
    constructor(columnName: string, columnValue: CellValue, comparator: number, passIfMissing?: boolean, latestVersionOnly?: boolean);
  }

  export const RowExistenceExpectation: { IGNORE: number; EXPECT_EXIST: number; EXPECT_NOT_EXIST: number };
  export const ComparatorType: {
    EQUAL: number;
    NOT_EQUAL: number;
    GREATER_THAN: number;
    GREATER_EQUAL: number;
    LESS_THAN: number;
    LESS_EQUAL: number;
  };
  export const Direction: { FORWARD: 'FORWARD'; BACKWARD: 'BACKWARD' };
  /** Sentinels compared by identity in the PlainBuffer builder. */
  export const INF_MIN: object;
  export const INF_MAX: object;
  /** Call as a method: Long.fromNumber writes `this.int64` (docs/reference/sdk-traps.md §3). */
  export const Long: { fromNumber(n: number): Int64; fromString(s: string): Int64 };
  /**
   * Process-global: every request built with `maxRetries` overwrites maxRetryTimes. A retry waits
   * (the throttling or the stability factor) × 2^retry × (0.5 to 1) ms, at most maxRetryDelay.
   */
  export const DefaultRetryPolicy: {
    maxRetryTimes: number;
    stabilityExceptionDelayFactor: number;
    serverThrottlingExceptionDelayFactor: number;
    maxRetryDelay: number;
  };

  const TableStore: {
    Client: typeof Client;
    Condition: typeof Condition;
    SingleColumnCondition: typeof SingleColumnCondition;
    RowExistenceExpectation: typeof RowExistenceExpectation;
    ComparatorType: typeof ComparatorType;
    Direction: typeof Direction;
    INF_MIN: typeof INF_MIN;
    INF_MAX: typeof INF_MAX;
    Long: typeof Long;
    DefaultRetryPolicy: typeof DefaultRetryPolicy;
  };
  export default TableStore;
}
