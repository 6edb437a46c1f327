// One function per Tablestore operation: decode the protobuf request (and the PlainBuffer rows in
// it), run it on the store, encode the protobuf response with every proto2-required field set.
import { decodeColumnFilter, decodeCondition } from './conditions';
import { OtsError, parameterInvalid } from './errors';
import { decodeRow, encodePrimaryKey, encodeRow, encodeRows, PlainBufferError, type PlainRow } from './plainbuffer';
import {
  type BatchGetRowMsg,
  type BatchWriteRowMsg,
  type CreateTableMsg,
  decodeMessage,
  encodeMessage,
  type GetRangeMsg,
  type GetRowMsg,
  ProtoDecodeError,
  type ReadOptionsMsg,
  type ReturnContentMsg,
  type TableNameMsg,
  type TableOptionsMsg,
  type UpdateTableMsg,
  type WriteRowMsg,
} from './proto';
import {
  type Consumed,
  defaultTableOptions,
  type OtsStore,
  type PkType,
  type ReadOptions,
  type ReturnContent,
  type RowResult,
  type TableOptions,
  type TableSpec,
} from './store';

export type Operation = (body: Buffer, store: OtsStore, now: number) => Buffer;

/** BatchWriteRow takes at most 200 rows per request (service limits page). */
export const BATCH_WRITE_MAX_ROWS = 200;
/** BatchGetRow takes at most 100 rows per request (service limits page). */
export const BATCH_GET_MAX_ROWS = 100;

const PK_TYPES: Record<number, PkType> = { 1: 'INTEGER', 2: 'STRING', 3: 'BINARY' };
const PK_TYPE_CODES: Record<PkType, number> = { INTEGER: 1, STRING: 2, BINARY: 3 };
const AUTO_INCREMENT_OPTION = 1;
const TABLE_STATUS_ACTIVE = 1;
const WRITE_TYPES: Record<number, 'PUT' | 'UPDATE' | 'DELETE'> = { 1: 'PUT', 2: 'UPDATE', 3: 'DELETE' };

export const OPERATIONS: Record<string, Operation> = {
  CreateTable(body, store, now) {
    const req = request<CreateTableMsg>('CreateTableRequest', body);
    if (req.indexMetas && req.indexMetas.length > 0) {
      // An emulator limit, not a service rule: secondary indexes are not modelled.
      throw parameterInvalid('Secondary indexes are not supported by the local Tablestore emulator.');
    }
    store.createTable({
      name: req.tableMeta.tableName,
      primaryKey: (req.tableMeta.primaryKey ?? []).map((pk) => {
        const type = PK_TYPES[pk.type];
        if (!type) throw parameterInvalid(`Invalid type ${pk.type} of primary key column '${pk.name}'.`);
        return { name: pk.name, type, autoIncrement: pk.option === AUTO_INCREMENT_OPTION };
      }),
      definedColumns: req.tableMeta.definedColumn ?? [],
      options: { ...defaultTableOptions(), ...tableOptions(req.tableOptions) },
      createdAt: now,
    });
    return encodeMessage('CreateTableResponse', {});
  },

  ListTable(body, store) {
    request('ListTableRequest', body);
    return encodeMessage('ListTableResponse', { tableNames: store.listTables() });
  },

  DescribeTable(body, store) {
    const spec = store.describeTable(request<TableNameMsg>('DescribeTableRequest', body).tableName);
    return encodeMessage('DescribeTableResponse', {
      tableMeta: {
        tableName: spec.name,
        primaryKey: spec.primaryKey.map((pk) => ({
          name: pk.name,
          type: PK_TYPE_CODES[pk.type],
          ...(pk.autoIncrement ? { option: AUTO_INCREMENT_OPTION } : {}),
        })),
        definedColumn: spec.definedColumns,
      },
      ...throughputAndOptions(spec),
      tableStatus: TABLE_STATUS_ACTIVE,
    });
  },

  UpdateTable(body, store) {
    const req = request<UpdateTableMsg>('UpdateTableRequest', body);
    const spec = store.updateTable(req.tableName, tableOptions(req.tableOptions));
    return encodeMessage('UpdateTableResponse', throughputAndOptions(spec));
  },

  DeleteTable(body, store) {
    store.deleteTable(request<TableNameMsg>('DeleteTableRequest', body).tableName);
    return encodeMessage('DeleteTableResponse', {});
  },

  GetRow(body, store, now) {
    const req = request<GetRowMsg>('GetRowRequest', body);
    const key = plainRow(req.primaryKey, 'primary_key');
    const result = store.getRow(req.tableName, key.primaryKey, readOptions(req), now);
    // `row` is required: a missing row is sent as empty bytes (the SDK then returns row: {}).
    return encodeMessage('GetRowResponse', { consumed: consumed(result.consumed), row: result.row ? encodeRow(result.row) : Buffer.alloc(0) });
  },

  PutRow(body, store, now) {
    const req = request<WriteRowMsg>('PutRowRequest', body);
    const result = store.putRow(req.tableName, plainRow(req.row, 'row'), decodeCondition(req.condition), returnContent(req.returnContent), now);
    return encodeMessage('PutRowResponse', rowResponse(result));
  },

  UpdateRow(body, store, now) {
    const req = request<WriteRowMsg>('UpdateRowRequest', body);
    const result = store.updateRow(req.tableName, plainRow(req.rowChange, 'row_change'), decodeCondition(req.condition), returnContent(req.returnContent), now);
    return encodeMessage('UpdateRowResponse', rowResponse(result));
  },

  DeleteRow(body, store, now) {
    const req = request<WriteRowMsg>('DeleteRowRequest', body);
    const result = store.deleteRow(
      req.tableName,
      plainRow(req.primaryKey, 'primary_key'),
      decodeCondition(req.condition),
      returnContent(req.returnContent),
      now,
    );
    return encodeMessage('DeleteRowResponse', rowResponse(result));
  },

  GetRange(body, store, now) {
    const req = request<GetRangeMsg>('GetRangeRequest', body);
    const result = store.getRange(
      req.tableName,
      {
        direction: req.direction === 1 ? 'BACKWARD' : 'FORWARD',
        start: plainRow(req.inclusiveStartPrimaryKey, 'inclusive_start_primary_key').primaryKey,
        end: plainRow(req.exclusiveEndPrimaryKey, 'exclusive_end_primary_key').primaryKey,
        limit: req.limit,
        read: readOptions(req),
      },
      now,
    );
    return encodeMessage('GetRangeResponse', {
      consumed: consumed(result.consumed),
      rows: encodeRows(result.rows),
      ...(result.next ? { nextStartPrimaryKey: encodePrimaryKey(result.next) } : {}),
    });
  },

  BatchGetRow(body, store, now) {
    const req = request<BatchGetRowMsg>('BatchGetRowRequest', body);
    const tables = req.tables ?? [];
    const count = tables.reduce((n, t) => n + (t.primaryKey?.length ?? 0), 0);
    if (count === 0) throw parameterInvalid('No row specified in the request of BatchGetRow.');
    if (count > BATCH_GET_MAX_ROWS) throw parameterInvalid(`Rows count exceeds the upper limit: ${BATCH_GET_MAX_ROWS}.`);
    // Malformed keys fail the whole request; table and row problems fail only their rows.
    const decoded = tables.map((t, ti) => ({
      table: t,
      keys: (t.primaryKey ?? []).map((pk, ri) => plainRow(pk, `tables[${ti}].primary_key[${ri}]`)),
    }));
    return encodeMessage('BatchGetRowResponse', {
      tables: decoded.map(({ table, keys }) => ({
        tableName: table.tableName,
        rows: keys.map((key) =>
          perRow(() => {
            const result = store.getRow(table.tableName, key.primaryKey, readOptions(table), now);
            return { isOk: true, consumed: consumed(result.consumed), row: result.row ? encodeRow(result.row) : Buffer.alloc(0) };
          }),
        ),
      })),
    });
  },

  BatchWriteRow(body, store, now) {
    const req = request<BatchWriteRowMsg>('BatchWriteRowRequest', body);
    const tables = req.tables ?? [];
    const count = tables.reduce((n, t) => n + (t.rows?.length ?? 0), 0);
    if (count === 0) throw parameterInvalid('No row specified in the request of BatchWriteRow.');
    if (count > BATCH_WRITE_MAX_ROWS) throw parameterInvalid(`Rows count exceeds the upper limit: ${BATCH_WRITE_MAX_ROWS}.`);
    const decoded = tables.map((t, ti) => {
      const seen = new Set<string>();
      return {
        tableName: t.tableName,
        rows: (t.rows ?? []).map((r, ri) => {
          const where = `tables[${ti}].rows[${ri}]`;
          const type = WRITE_TYPES[r.type];
          if (!type) throw parameterInvalid(`Invalid operation type ${r.type} in ${where}.`);
          const change = plainRow(r.rowChange, `${where}.row_change`);
          // Our reading of the service: one batch may not touch the same row twice (the per-row
          // results could not say which write won), so the whole request is refused.
          const key = `${t.tableName}\u0000${encodePrimaryKey(change.primaryKey).toString('hex')}`;
          if (seen.has(key)) throw parameterInvalid(`Duplicated primary key in ${where}: a BatchWriteRow may write a row once.`);
          seen.add(key);
          return { type, change, condition: decodeCondition(r.condition), returned: returnContent(r.returnContent) };
        }),
      };
    });
    return encodeMessage('BatchWriteRowResponse', {
      tables: decoded.map((t) => ({
        tableName: t.tableName,
        rows: t.rows.map((r) =>
          perRow(() => {
            const write = r.type === 'PUT' ? store.putRow : r.type === 'UPDATE' ? store.updateRow : store.deleteRow;
            const result = write.call(store, t.tableName, r.change, r.condition, r.returned, now);
            return { isOk: true, ...rowResponse(result) };
          }),
        ),
      })),
    });
  },
};

// ---------------------------------------------------------------------------------------------

function request<T>(name: string, body: Buffer): T {
  try {
    return decodeMessage<T>(name, body);
  } catch (error) {
    if (error instanceof ProtoDecodeError) throw parameterInvalid(`Invalid request body: ${error.message}.`);
    throw error;
  }
}

/**
 * Decodes a PlainBuffer row. The service's wording for a corrupt row is not published; ours is
 * OTSParameterInvalid naming the field and the defect (checksum, structure, type).
 */
function plainRow(bytes: Buffer | undefined, field: string): PlainRow {
  if (!bytes || bytes.length === 0) throw parameterInvalid(`The ${field} is empty.`);
  try {
    return decodeRow(bytes);
  } catch (error) {
    if (error instanceof PlainBufferError) throw parameterInvalid(`Invalid PlainBuffer in ${field}: ${error.message}.`);
    throw error;
  }
}

function perRow(run: () => Record<string, unknown>): Record<string, unknown> {
  try {
    return run();
  } catch (error) {
    if (error instanceof OtsError) return { isOk: false, error: { code: error.code, message: error.message } };
    throw error;
  }
}

function tableOptions(msg: TableOptionsMsg | undefined): Partial<TableOptions> {
  const options: Partial<TableOptions> = {};
  if (msg?.timeToLive !== undefined) options.timeToLive = msg.timeToLive;
  if (msg?.maxVersions !== undefined) options.maxVersions = msg.maxVersions;
  if (msg?.deviationCellVersionInSec !== undefined) options.deviationSeconds = Number(msg.deviationCellVersionInSec);
  return options;
}

function throughputAndOptions(spec: TableSpec): Record<string, unknown> {
  return {
    // On-demand (CU-less) instances report zero reserved throughput.
    reservedThroughputDetails: { capacityUnit: { read: 0, write: 0 }, lastIncreaseTime: Math.floor(spec.createdAt / 1000) },
    tableOptions: {
      timeToLive: spec.options.timeToLive,
      maxVersions: spec.options.maxVersions,
      deviationCellVersionInSec: spec.options.deviationSeconds,
      allowUpdate: true,
    },
  };
}

function readOptions(msg: ReadOptionsMsg): ReadOptions {
  const read: ReadOptions = {};
  if (msg.columnsToGet && msg.columnsToGet.length > 0) read.columns = msg.columnsToGet;
  if (msg.maxVersions !== undefined) read.maxVersions = msg.maxVersions;
  if (msg.timeRange) {
    const t = msg.timeRange;
    read.timeRange = {
      ...(t.startTime !== undefined ? { start: Number(t.startTime) } : {}),
      ...(t.endTime !== undefined ? { end: Number(t.endTime) } : {}),
      ...(t.specificTime !== undefined ? { specific: Number(t.specificTime) } : {}),
    };
  }
  if (msg.startColumn !== undefined) read.startColumn = msg.startColumn;
  if (msg.endColumn !== undefined) read.endColumn = msg.endColumn;
  if (msg.filter && msg.filter.length > 0) read.filter = decodeColumnFilter(msg.filter);
  return read;
}

const RETURN_TYPES: Record<number, ReturnContent['type']> = { 0: 'NONE', 1: 'PK', 2: 'AFTER_MODIFY' };

function returnContent(msg: ReturnContentMsg | undefined): ReturnContent {
  const type = RETURN_TYPES[msg?.returnType ?? 0];
  if (!type) throw parameterInvalid(`Invalid return type: ${msg?.returnType}.`);
  return { type, columns: msg?.returnColumnNames ?? [] };
}

function consumed(c: Consumed): Record<string, unknown> {
  return { capacityUnit: { read: c.read, write: c.write } };
}

function rowResponse(result: RowResult): Record<string, unknown> {
  return { consumed: consumed(result.consumed), ...(result.row ? { row: encodeRow(result.row) } : {}) };
}
