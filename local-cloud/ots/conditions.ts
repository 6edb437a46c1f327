// Row-existence expectations and column conditions (filter.proto's SingleColumnValueFilter and
// CompositeColumnValueFilter): decoded from the wire and evaluated against a row's visible cells.
// The same column filter serves as a write condition and as a read filter (GetRow/GetRange).
import { parameterInvalid } from './errors';
import { decodeVariant, PlainBufferError } from './plainbuffer';
import {
  type CompositeColumnValueFilterMsg,
  type ConditionMsg,
  decodeMessage,
  type FilterMsg,
  ProtoDecodeError,
  type SingleColumnValueFilterMsg,
} from './proto';
import { compareValues, type Value } from './values';

export type RowExistence = 'IGNORE' | 'EXPECT_EXIST' | 'EXPECT_NOT_EXIST';
export type Comparator = 'EQUAL' | 'NOT_EQUAL' | 'GREATER_THAN' | 'GREATER_EQUAL' | 'LESS_THAN' | 'LESS_EQUAL';

export type ColumnFilter =
  | {
      kind: 'single';
      column: string;
      comparator: Comparator;
      value: Value;
      /** The wire sends filter_if_missing; the SDK's passIfMissing is its negation. */
      passIfMissing: boolean;
      latestVersionOnly: boolean;
    }
  | { kind: 'composite'; operator: 'NOT' | 'AND' | 'OR'; filters: ColumnFilter[] };

export interface Condition {
  rowExistence: RowExistence;
  column?: ColumnFilter;
}

const ROW_EXISTENCE: Record<number, RowExistence> = { 0: 'IGNORE', 1: 'EXPECT_EXIST', 2: 'EXPECT_NOT_EXIST' };
const COMPARATORS: Record<number, Comparator> = {
  1: 'EQUAL',
  2: 'NOT_EQUAL',
  3: 'GREATER_THAN',
  4: 'GREATER_EQUAL',
  5: 'LESS_THAN',
  6: 'LESS_EQUAL',
};
const OPERATORS: Record<number, 'NOT' | 'AND' | 'OR'> = { 1: 'NOT', 2: 'AND', 3: 'OR' };
const FT_SINGLE_COLUMN_VALUE = 1;
const FT_COMPOSITE_COLUMN_VALUE = 2;

export function decodeCondition(msg: ConditionMsg): Condition {
  const rowExistence = ROW_EXISTENCE[msg.rowExistence];
  if (rowExistence === undefined) throw parameterInvalid(`Invalid row existence expectation: ${msg.rowExistence}.`);
  return msg.columnCondition && msg.columnCondition.length > 0 ? { rowExistence, column: decodeColumnFilter(msg.columnCondition) } : { rowExistence };
}

/** A serialised filter.proto Filter (condition.column_condition, GetRow/GetRange filter). */
export function decodeColumnFilter(bytes: Uint8Array): ColumnFilter {
  return fromFilterMessage(decodeFilterPart<FilterMsg>('filter.proto.Filter', bytes), 'column condition');
}

function fromFilterMessage(msg: FilterMsg, where: string): ColumnFilter {
  if (msg.type === FT_SINGLE_COLUMN_VALUE) {
    const single = decodeFilterPart<SingleColumnValueFilterMsg>('filter.proto.SingleColumnValueFilter', msg.filter);
    const comparator = COMPARATORS[single.comparator];
    if (comparator === undefined) throw parameterInvalid(`Invalid comparator ${single.comparator} in ${where}.`);
    const value = columnValue(single.columnValue, where);
    if (value.type === 'INF_MIN' || value.type === 'INF_MAX' || value.type === 'AUTO_INCREMENT') {
      throw parameterInvalid(`Column value of ${where} cannot be ${value.type}.`);
    }
    return {
      kind: 'single',
      column: single.columnName,
      comparator,
      value,
      passIfMissing: !single.filterIfMissing,
      latestVersionOnly: single.latestVersionOnly,
    };
  }
  if (msg.type === FT_COMPOSITE_COLUMN_VALUE) {
    const composite = decodeFilterPart<CompositeColumnValueFilterMsg>('filter.proto.CompositeColumnValueFilter', msg.filter);
    const operator = OPERATORS[composite.combinator];
    if (operator === undefined) throw parameterInvalid(`Invalid logical operator ${composite.combinator} in ${where}.`);
    const subs = composite.subFilters ?? [];
    // NOT negates exactly one sub-condition; AND/OR need at least one (an empty one has no meaning).
    if (operator === 'NOT' ? subs.length !== 1 : subs.length === 0) {
      throw parameterInvalid(`Logical operator ${operator} in ${where} got ${subs.length} sub-conditions.`);
    }
    return { kind: 'composite', operator, filters: subs.map((s, i) => fromFilterMessage(s, `${where}.sub[${i}]`)) };
  }
  throw parameterInvalid(`Unsupported filter type ${msg.type} in ${where}.`);
}

function columnValue(bytes: Uint8Array, where: string) {
  try {
    return decodeVariant(bytes);
  } catch (error) {
    if (error instanceof PlainBufferError) throw parameterInvalid(`Invalid column value in ${where}: ${error.message}.`);
    throw error;
  }
}

function decodeFilterPart<T>(name: string, bytes: Uint8Array): T {
  try {
    return decodeMessage<T>(name, bytes);
  } catch (error) {
    if (error instanceof ProtoDecodeError) throw parameterInvalid(`Invalid column condition: ${error.message}.`);
    throw error;
  }
}

/**
 * Whether a row passes a column filter. `versionsOf` gives the visible versions of a column, newest
 * first (empty when the column is missing, expired, or the row does not exist).
 * A missing column passes or fails by `passIfMissing`; with `latestVersionOnly` false any visible
 * version may satisfy the comparison.
 */
export function matchesFilter(filter: ColumnFilter, versionsOf: (column: string) => readonly Value[]): boolean {
  if (filter.kind === 'composite') {
    switch (filter.operator) {
      case 'NOT':
        return !matchesFilter(filter.filters[0]!, versionsOf);
      case 'AND':
        return filter.filters.every((f) => matchesFilter(f, versionsOf));
      case 'OR':
        return filter.filters.some((f) => matchesFilter(f, versionsOf));
    }
  }
  const versions = versionsOf(filter.column);
  if (versions.length === 0) return filter.passIfMissing;
  const candidates = filter.latestVersionOnly ? versions.slice(0, 1) : versions;
  return candidates.some((v) => satisfies(compareValues(v, filter.value), filter.comparator));
}

function satisfies(order: number | undefined, comparator: Comparator): boolean {
  if (order === undefined) return false;
  switch (comparator) {
    case 'EQUAL':
      return order === 0;
    case 'NOT_EQUAL':
      return order !== 0;
    case 'GREATER_THAN':
      return order > 0;
    case 'GREATER_EQUAL':
      return order >= 0;
    case 'LESS_THAN':
      return order < 0;
    case 'LESS_EQUAL':
      return order <= 0;
  }
}
