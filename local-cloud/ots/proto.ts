// The protobuf messages of the Tablestore wire protocol, loaded from the .proto files the SDK ships
// (not its pbjs-compiled module), so the emulator reads requests as the schema says, not as the SDK
// happens to write them.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';

const sdkDir = dirname(createRequire(import.meta.url).resolve('tablestore/package.json'));
const root = protobuf.loadSync([join(sdkDir, 'lib/protocol/tablestore.proto'), join(sdkDir, 'lib/protocol/tablestore_filter.proto')]);

/** A request or response message type by its name in `package main.proto` (or `filter.proto.X`). */
export function messageType(name: string): protobuf.Type {
  return root.lookupType(name.includes('.') ? name : `main.proto.${name}`);
}

/** The body does not decode as the operation's request message (malformed, or a required field missing). */
export class ProtoDecodeError extends Error {
  override name = 'ProtoDecodeError';
}

/**
 * Decodes a message into a plain object with camelCase keys holding only the fields that were sent:
 * int64 as decimal strings (no precision loss), enums as numbers, bytes as Buffers.
 */
export function decodeMessage<T>(name: string, bytes: Uint8Array): T {
  const type = messageType(name);
  try {
    return type.toObject(type.decode(bytes), { longs: String, enums: Number, defaults: false }) as T;
  } catch (error) {
    throw new ProtoDecodeError(`${name}: ${(error as Error).message}`);
  }
}

/**
 * Encodes a response. Verifying first turns a missing proto2 `required` field into an emulator bug
 * we see here, instead of a decode failure inside the SDK (which rejects such responses).
 */
export function encodeMessage(name: string, value: Record<string, unknown>): Buffer {
  const type = messageType(name);
  // create(), not fromObject(): fromObject drops zero-length bytes, and an empty `row` is exactly
  // what a required field must carry for a missing row.
  const message = type.create(value);
  const problem = type.verify(message);
  if (problem) throw new Error(`emulator built an invalid ${name}: ${problem}`);
  assertRequired(type, message, name);
  return Buffer.from(type.encode(message).finish());
}

// protobufjs' verify() accepts a missing required message field, so check required fields here.
function assertRequired(type: protobuf.Type, message: protobuf.Message, path: string): void {
  const record = message as unknown as Record<string, unknown>;
  for (const field of type.fieldsArray) {
    const value = record[field.name];
    const present = Object.hasOwn(record, field.name) && value !== undefined && value !== null;
    if (field.required && !present) throw new Error(`emulator built an invalid message: ${path}.${field.name} is required`);
    field.resolve();
    if (!present || !(field.resolvedType instanceof protobuf.Type)) continue;
    const children = field.repeated ? (value as protobuf.Message[]) : [value as protobuf.Message];
    for (const child of children) assertRequired(field.resolvedType, child, `${path}.${field.name}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The request shapes the emulator reads (as decodeMessage returns them). Optional = may be unsent.

export interface ConditionMsg {
  rowExistence: number;
  columnCondition?: Buffer;
}
export interface ReturnContentMsg {
  returnType?: number;
  returnColumnNames?: string[];
}
export interface TimeRangeMsg {
  startTime?: string;
  endTime?: string;
  specificTime?: string;
}
export interface TableOptionsMsg {
  timeToLive?: number;
  maxVersions?: number;
  deviationCellVersionInSec?: string;
  allowUpdate?: boolean;
}
export interface CreateTableMsg {
  tableMeta: {
    tableName: string;
    primaryKey?: Array<{ name: string; type: number; option?: number }>;
    definedColumn?: Array<{ name: string; type: number }>;
  };
  tableOptions?: TableOptionsMsg;
  indexMetas?: unknown[];
}
export interface UpdateTableMsg {
  tableName: string;
  tableOptions?: TableOptionsMsg;
}
export interface TableNameMsg {
  tableName: string;
}
export interface ReadOptionsMsg {
  columnsToGet?: string[];
  timeRange?: TimeRangeMsg;
  maxVersions?: number;
  filter?: Buffer;
  startColumn?: string;
  endColumn?: string;
}
export interface GetRowMsg extends ReadOptionsMsg {
  tableName: string;
  primaryKey: Buffer;
}
export interface WriteRowMsg {
  tableName: string;
  row?: Buffer;
  rowChange?: Buffer;
  primaryKey?: Buffer;
  condition: ConditionMsg;
  returnContent?: ReturnContentMsg;
}
export interface GetRangeMsg extends ReadOptionsMsg {
  tableName: string;
  direction: number;
  limit?: number;
  inclusiveStartPrimaryKey: Buffer;
  exclusiveEndPrimaryKey: Buffer;
}
export interface BatchGetRowMsg {
  tables?: Array<ReadOptionsMsg & { tableName: string; primaryKey?: Buffer[] }>;
}
export interface BatchWriteRowMsg {
  tables?: Array<{
    tableName: string;
    rows?: Array<{ type: number; rowChange: Buffer; condition: ConditionMsg; returnContent?: ReturnContentMsg }>;
  }>;
}
export interface FilterMsg {
  type: number;
  filter: Buffer;
}
export interface SingleColumnValueFilterMsg {
  comparator: number;
  columnName: string;
  columnValue: Buffer;
  filterIfMissing: boolean;
  latestVersionOnly: boolean;
}
export interface CompositeColumnValueFilterMsg {
  combinator: number;
  subFilters?: FilterMsg[];
}
