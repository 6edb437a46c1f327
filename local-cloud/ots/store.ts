// The emulated Tablestore instance: tables with their schema and options, rows kept sorted by the
// multi-column primary key, versioned cells, conditional writes, and time-to-live measured on the
// local cloud's clock. Knows nothing about HTTP or protobuf: operations take decoded rows and return
// rows to encode; every refusal is an OtsError with the service's code.
import { type ColumnFilter, type Condition, matchesFilter } from './conditions';
import { conditionCheckFailed, parameterInvalid, tableExists, tableNotFound } from './errors';
import type { PlainCell, PlainRow } from './plainbuffer';
import { comparePrimaryKeys, INT64_MAX, INT64_MIN, type KeyValue, type PkCell, VARIANT_NAMES, type Value, valueSize } from './values';

export type PkType = 'INTEGER' | 'STRING' | 'BINARY';

export interface TableSpec {
  name: string;
  primaryKey: Array<{ name: string; type: PkType; autoIncrement: boolean }>;
  definedColumns: Array<{ name: string; type: number }>;
  options: TableOptions;
  /** Epoch ms on the local clock. */
  createdAt: number;
}

export interface TableOptions {
  /** Seconds; -1 keeps data forever. */
  timeToLive: number;
  maxVersions: number;
  /** How far (seconds) a client-given cell timestamp may be from the server's time. */
  deviationSeconds: number;
}

export interface ReadOptions {
  /** Attribute columns to return; empty or absent = all. */
  columns?: string[];
  maxVersions?: number;
  /** Versions in [start, end), or exactly `specific`; epoch ms. */
  timeRange?: { start?: number; end?: number; specific?: number };
  /** Column range [startColumn, endColumn) by name. */
  startColumn?: string;
  endColumn?: string;
  filter?: ColumnFilter;
}

export type ReturnType = 'NONE' | 'PK' | 'AFTER_MODIFY';
export interface ReturnContent {
  type: ReturnType;
  columns: string[];
}

export interface Consumed {
  read: number;
  write: number;
}

export interface RowResult {
  /** Undefined = no row (GetRow of a missing row, or nothing to return). */
  row?: PlainRow;
  consumed: Consumed;
}

export interface RangeResult {
  rows: PlainRow[];
  /** Where the next page starts; absent when the range is exhausted. */
  next?: PkCell<KeyValue>[];
  consumed: Consumed;
}

/** Rows per GetRange response: the service returns at most 5000 rows... */
export const RANGE_MAX_ROWS = 5000;
/** ...or about 4 MB of row data, whichever comes first, and says where to continue. */
export const RANGE_MAX_BYTES = 4 * 1024 * 1024;

// Limits from the service's "Limits" page (table/column names, key and value sizes).
const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;
const MAX_PK_COLUMNS = 4;
const MAX_PK_VALUE_BYTES = 1024;
const MAX_ATTRIBUTE_VALUE_BYTES = 2 * 1024 * 1024;
const MAX_COLUMNS_PER_WRITE = 1024;
/** TTL is -1 (forever) or at least one day. */
const MIN_TIME_TO_LIVE = 86_400;
const DEFAULT_DEVIATION_SECONDS = 86_400;
/** One capacity unit covers 4 KB read or written. */
const CU_BYTES = 4096;

interface Version {
  ts: number;
  value: Value;
}

interface StoredRow {
  primaryKey: PkCell<KeyValue>[];
  /** Versions per column, newest first. */
  columns: Map<string, Version[]>;
  /** Last write to the row; keeps a row without attribute columns alive until TTL. */
  touchedAt: number;
}

interface Table {
  spec: TableSpec;
  rows: StoredRow[];
  lastAutoIncrement: bigint;
  /**
   * No version or write time in the table is older than this (epoch ms; +Infinity when empty,
   * -Infinity to force the next sweep). The hourly sweep skips a table until its TTL can have hidden
   * something, so it costs nothing on a table (history: TTL 90 days) where nothing has expired yet,
   * instead of a walk over every row each simulated hour.
   */
  oldest: number;
}

export class OtsStore {
  private readonly tables = new Map<string, Table>();

  // -------------------------------------------------------------------------------------------
  // Tables

  createTable(spec: TableSpec): void {
    checkName(spec.name, 'table name');
    const pk = spec.primaryKey;
    if (pk.length < 1 || pk.length > MAX_PK_COLUMNS) {
      throw parameterInvalid(`The number of primary key columns must be in range: [1, ${MAX_PK_COLUMNS}], got ${pk.length}.`);
    }
    const seen = new Set<string>();
    pk.forEach((column, i) => {
      checkName(column.name, 'primary key column name');
      if (seen.has(column.name)) throw parameterInvalid(`Duplicated primary key name: '${column.name}'.`);
      seen.add(column.name);
      if (column.autoIncrement && (column.type !== 'INTEGER' || i === 0)) {
        throw parameterInvalid(`Auto-increment primary key '${column.name}' must be an INTEGER column other than the partition key.`);
      }
    });
    if (pk.filter((c) => c.autoIncrement).length > 1) {
      throw parameterInvalid('At most one primary key column can be auto-increment.');
    }
    checkOptions(spec.options);
    if (this.tables.has(spec.name)) throw tableExists();
    this.tables.set(spec.name, { spec: structuredClone(spec), rows: [], lastAutoIncrement: 0n, oldest: Number.POSITIVE_INFINITY });
  }

  describeTable(name: string): TableSpec {
    return structuredClone(this.table(name).spec);
  }

  updateTable(name: string, options: Partial<TableOptions>): TableSpec {
    const table = this.table(name);
    const next = { ...table.spec.options, ...options };
    checkOptions(next);
    table.spec.options = next;
    // A new TTL or max_versions may hide stored versions: the next sweep walks the table.
    table.oldest = Number.NEGATIVE_INFINITY;
    return structuredClone(table.spec);
  }

  deleteTable(name: string): void {
    this.table(name);
    this.tables.delete(name);
  }

  listTables(): string[] {
    return [...this.tables.keys()].sort();
  }

  // -------------------------------------------------------------------------------------------
  // Single-row operations

  getRow(tableName: string, primaryKey: PkCell[], read: ReadOptions, now: number): RowResult {
    const table = this.table(tableName);
    const key = checkPrimaryKey(table.spec, primaryKey, 'read');
    checkReadOptions(read);
    const stored = this.find(table, key);
    const row = stored && this.readRow(table, stored, read, now);
    const bytes = row ? plainRowSize(row) : 0;
    return { row, consumed: { read: Math.max(1, Math.ceil(bytes / CU_BYTES)), write: 0 } };
  }

  /** PutRow replaces the whole row: every earlier column and version is gone afterwards. */
  putRow(tableName: string, change: PlainRow, condition: Condition, returned: ReturnContent, now: number): RowResult {
    const table = this.table(tableName);
    const key = this.writeKey(table, change.primaryKey);
    const cells = checkAttributeCells(table.spec, change.cells, now, 'put');
    const existing = this.find(table, key);
    this.checkCondition(table, existing, condition, now);

    const row: StoredRow = { primaryKey: key, columns: new Map(), touchedAt: now };
    for (const cell of cells) putVersion(row.columns, cell.name, { ts: cell.timestamp ?? now, value: cell.value! });
    this.compact(table, row, now);
    this.store(table, row);
    return { row: this.returnedRow(table, row, returned, now), consumed: writeConsumed(change, condition) };
  }

  updateRow(tableName: string, change: PlainRow, condition: Condition, returned: ReturnContent, now: number): RowResult {
    const table = this.table(tableName);
    const key = this.writeKey(table, change.primaryKey);
    const cells = checkAttributeCells(table.spec, change.cells, now, 'update');
    if (cells.length === 0) throw parameterInvalid('UpdateRow needs at least one attribute column.');
    const existing = this.find(table, key);
    this.checkCondition(table, existing, condition, now);

    // Work on a copy so a failing INCREMENT leaves the stored row untouched.
    const columns = new Map<string, Version[]>();
    if (existing) for (const [name, versions] of existing.columns) columns.set(name, this.visible(table, versions, now));
    for (const cell of cells) applyUpdate(columns, cell, now);
    const row: StoredRow = { primaryKey: key, columns, touchedAt: now };
    this.compact(table, row, now);
    this.store(table, row);
    return { row: this.returnedRow(table, row, returned, now), consumed: writeConsumed(change, condition) };
  }

  deleteRow(tableName: string, change: PlainRow, condition: Condition, returned: ReturnContent, now: number): RowResult {
    const table = this.table(tableName);
    const key = checkPrimaryKey(table.spec, change.primaryKey, 'read');
    if (change.cells.length > 0) throw parameterInvalid('DeleteRow takes a primary key only, not attribute columns.');
    // DeleteRow takes IGNORE or EXPECT_EXIST only (the SDK documentation lists no other); deleting
    // a row expected to be absent has no meaning, so it is refused. The wording is ours.
    if (condition.rowExistence === 'EXPECT_NOT_EXIST') {
      throw parameterInvalid('Invalid condition: EXPECT_NOT_EXIST while deleting row.');
    }
    const existing = this.find(table, key);
    this.checkCondition(table, existing, condition, now);
    if (existing) table.rows.splice(this.lowerBound(table, key), 1);
    const row: StoredRow = { primaryKey: key, columns: new Map(), touchedAt: now };
    return {
      row: returned.type === 'NONE' ? undefined : this.returnedRow(table, row, { type: 'PK', columns: [] }, now),
      consumed: writeConsumed(change, condition),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Range reads

  getRange(
    tableName: string,
    request: { direction: 'FORWARD' | 'BACKWARD'; start: PkCell[]; end: PkCell[]; limit?: number; read: ReadOptions },
    now: number,
  ): RangeResult {
    const table = this.table(tableName);
    const start = checkPrimaryKey(table.spec, request.start, 'range');
    const end = checkPrimaryKey(table.spec, request.end, 'range');
    checkReadOptions(request.read);
    const order = comparePrimaryKeys(start, end);
    if (request.direction === 'FORWARD' && order >= 0) throw parameterInvalid('Begin key must less than end key in FORWARD');
    if (request.direction === 'BACKWARD' && order <= 0) throw parameterInvalid('Begin key must more than end key in BACKWARD');
    if (request.limit !== undefined && request.limit <= 0) throw parameterInvalid(`The limit must be greater than 0, got ${request.limit}.`);
    const maxRows = Math.min(request.limit ?? RANGE_MAX_ROWS, RANGE_MAX_ROWS);

    const rows: PlainRow[] = [];
    let bytes = 0;
    const forward = request.direction === 'FORWARD';
    const inRange = (r: StoredRow) => (forward ? comparePrimaryKeys(r.primaryKey, end) < 0 : comparePrimaryKeys(r.primaryKey, end) > 0);
    // FORWARD walks [start, end) upwards; BACKWARD walks (end, start] downwards.
    let i = forward ? this.lowerBound(table, start) : this.upperBound(table, start) - 1;
    for (; i >= 0 && i < table.rows.length && inRange(table.rows[i]!); i += forward ? 1 : -1) {
      if (rows.length >= maxRows || bytes >= RANGE_MAX_BYTES) {
        return { rows, next: copyKey(table.rows[i]!.primaryKey), consumed: rangeConsumed(bytes) };
      }
      const row = this.readRow(table, table.rows[i]!, request.read, now);
      if (!row) continue;
      rows.push(row);
      bytes += plainRowSize(row);
    }
    return { rows, consumed: rangeConsumed(bytes) };
  }

  /** Physically drops rows and versions that TTL already hides; reads never see a difference. */
  sweepExpired(now: number): void {
    for (const table of this.tables.values()) {
      // Nothing older than TTL (or no TTL): every row and version is still visible, and writes
      // already dropped versions beyond max_versions (compact), so the walk would change nothing.
      if (table.oldest !== Number.NEGATIVE_INFINITY && (table.spec.options.timeToLive < 0 || this.alive(table, table.oldest, now))) continue;
      // Existence is judged before compaction: a row whose every cell expired must not turn into a
      // "row without columns" kept alive by its last write time.
      table.rows = table.rows.filter((row) => this.exists(table, row, now));
      for (const row of table.rows) this.compact(table, row, now);
      table.oldest = Number.POSITIVE_INFINITY;
      for (const row of table.rows) table.oldest = Math.min(table.oldest, oldestIn(row));
    }
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  private table(name: string): Table {
    const table = this.tables.get(name);
    if (!table) throw tableNotFound();
    return table;
  }

  /** The key a write addresses, with an auto-increment placeholder replaced by the next value. */
  private writeKey(table: Table, primaryKey: PkCell[]): PkCell<KeyValue>[] {
    const key = checkPrimaryKey(table.spec, primaryKey, 'write');
    return key.map((cell, i) => {
      if (primaryKey[i]!.value.type !== 'AUTO_INCREMENT') return cell;
      // The service generates increasing (not consecutive) values; a per-table counter keeps the
      // same guarantee deterministically.
      table.lastAutoIncrement += 1n;
      return { name: cell.name, value: { type: 'INTEGER', value: table.lastAutoIncrement } };
    });
  }

  private checkCondition(table: Table, existing: StoredRow | undefined, condition: Condition, now: number): void {
    const exists = existing !== undefined && this.exists(table, existing, now);
    if (condition.rowExistence === 'EXPECT_EXIST' && !exists) throw conditionCheckFailed();
    if (condition.rowExistence === 'EXPECT_NOT_EXIST' && exists) throw conditionCheckFailed();
    if (condition.column) {
      const versionsOf = (column: string) => (exists ? this.visible(table, existing.columns.get(column) ?? [], now).map((v) => v.value) : []);
      if (!matchesFilter(condition.column, versionsOf)) throw conditionCheckFailed();
    }
  }

  /**
   * A row exists while any of its cells is visible. A row written without attribute columns (or whose
   * columns were all deleted) exists from its last write until the table's TTL passes.
   */
  private exists(table: Table, row: StoredRow, now: number): boolean {
    let hasCells = false;
    for (const versions of row.columns.values()) {
      if (versions.length > 0) hasCells = true;
      if (this.visible(table, versions, now).length > 0) return true;
    }
    return !hasCells && this.alive(table, row.touchedAt, now);
  }

  private alive(table: Table, ts: number, now: number): boolean {
    const ttl = table.spec.options.timeToLive;
    return ttl < 0 || now - ts < ttl * 1000;
  }

  /** Versions not yet expired by the table's TTL (TTL is measured on cell versions, as the service does). */
  private visible(table: Table, versions: readonly Version[], now: number): Version[] {
    return versions.filter((v) => this.alive(table, v.ts, now));
  }

  /** Drops expired versions and versions beyond the table's max_versions. */
  private compact(table: Table, row: StoredRow, now: number): void {
    for (const [name, versions] of row.columns) {
      const kept = this.visible(table, versions, now).slice(0, table.spec.options.maxVersions);
      if (kept.length === 0) row.columns.delete(name);
      else row.columns.set(name, kept);
    }
  }

  /** The row as a read returns it, or undefined when nothing of it is visible or selected. */
  private readRow(table: Table, row: StoredRow, read: ReadOptions, now: number): PlainRow | undefined {
    if (!this.exists(table, row, now)) return undefined;
    const wanted = read.columns && read.columns.length > 0 ? new Set(read.columns) : undefined;
    const selected = new Map<string, Version[]>();
    for (const name of [...row.columns.keys()].sort()) {
      if (wanted && !wanted.has(name)) continue;
      if (read.startColumn !== undefined && name < read.startColumn) continue;
      if (read.endColumn !== undefined && name >= read.endColumn) continue;
      const versions = this.visible(table, row.columns.get(name)!, now)
        .filter((v) => inTimeRange(v.ts, read.timeRange))
        .slice(0, read.maxVersions ?? Number.MAX_SAFE_INTEGER);
      if (versions.length > 0) selected.set(name, versions);
    }
    // The filter sees what the read selected: a filter column left out of columns_to_get counts as
    // missing, as on the service.
    if (read.filter && !matchesFilter(read.filter, (c) => (selected.get(c) ?? []).map((v) => v.value))) return undefined;
    // Asking for specific columns of a row that has none of them returns no row, unless a primary
    // key column was asked for.
    const asksForPk = wanted !== undefined && table.spec.primaryKey.some((c) => wanted.has(c.name));
    if (wanted && selected.size === 0 && !asksForPk) return undefined;
    const cells: PlainCell[] = [];
    for (const [name, versions] of selected) for (const v of versions) cells.push({ name, value: v.value, timestamp: v.ts });
    return { primaryKey: copyKey(row.primaryKey), cells, deleteMarker: false };
  }

  private returnedRow(table: Table, row: StoredRow, returned: ReturnContent, now: number): PlainRow | undefined {
    if (returned.type === 'NONE') return undefined;
    const cells: PlainCell[] = [];
    if (returned.type === 'AFTER_MODIFY') {
      for (const name of returned.columns) {
        const latest = this.visible(table, row.columns.get(name) ?? [], now)[0];
        if (latest) cells.push({ name, value: latest.value, timestamp: latest.ts });
      }
    }
    return { primaryKey: copyKey(row.primaryKey), cells, deleteMarker: false };
  }

  private find(table: Table, key: PkCell<KeyValue>[]): StoredRow | undefined {
    const row = table.rows[this.lowerBound(table, key)];
    return row && comparePrimaryKeys(row.primaryKey, key) === 0 ? row : undefined;
  }

  private store(table: Table, row: StoredRow): void {
    table.oldest = Math.min(table.oldest, oldestIn(row));
    const i = this.lowerBound(table, row.primaryKey);
    const same = table.rows[i] !== undefined && comparePrimaryKeys(table.rows[i]!.primaryKey, row.primaryKey) === 0;
    table.rows.splice(i, same ? 1 : 0, row);
  }

  /** First index whose key is >= `key`. */
  private lowerBound(table: Table, key: readonly PkCell[]): number {
    let lo = 0;
    let hi = table.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (comparePrimaryKeys(table.rows[mid]!.primaryKey, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index whose key is > `key`. */
  private upperBound(table: Table, key: readonly PkCell[]): number {
    let lo = 0;
    let hi = table.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (comparePrimaryKeys(table.rows[mid]!.primaryKey, key) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** The oldest time a row holds: its last write or any version's timestamp. */
function oldestIn(row: StoredRow): number {
  let oldest = row.touchedAt;
  for (const versions of row.columns.values()) for (const v of versions) oldest = Math.min(oldest, v.ts);
  return oldest;
}

// ---------------------------------------------------------------------------------------------
// Validation

function checkName(name: string, what: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw parameterInvalid(`Invalid ${what}: '${name}'. It must match [A-Za-z_][A-Za-z0-9_]* and be at most 255 characters.`);
  }
}

function checkOptions(options: TableOptions): void {
  const { timeToLive, maxVersions, deviationSeconds } = options;
  if (!Number.isInteger(timeToLive) || (timeToLive !== -1 && timeToLive < MIN_TIME_TO_LIVE)) {
    throw parameterInvalid(`time_to_live must be -1 or at least ${MIN_TIME_TO_LIVE} seconds, got ${timeToLive}.`);
  }
  if (!Number.isInteger(maxVersions) || maxVersions < 1) {
    throw parameterInvalid(`max_versions must be a positive integer, got ${maxVersions}.`);
  }
  if (!Number.isInteger(deviationSeconds) || deviationSeconds < 1) {
    throw parameterInvalid(`deviation_cell_version_in_sec must be a positive integer, got ${deviationSeconds}.`);
  }
}

export function defaultTableOptions(): TableOptions {
  return { timeToLive: -1, maxVersions: 1, deviationSeconds: DEFAULT_DEVIATION_SECONDS };
}

/**
 * Checks a key against the schema, in the wording of the service's errors ("Validate PK size
 * fail..."). `read` and `write` want real values (a write may use the auto-increment placeholder on
 * its auto-increment column); `range` also takes INF_MIN / INF_MAX.
 */
function checkPrimaryKey(spec: TableSpec, primaryKey: PkCell[], mode: 'range'): PkCell[];
/** In `write` mode an auto-increment placeholder may remain; writeKey replaces it at once. */
function checkPrimaryKey(spec: TableSpec, primaryKey: PkCell[], mode: 'read' | 'write'): PkCell<KeyValue>[];
function checkPrimaryKey(spec: TableSpec, primaryKey: PkCell[], mode: 'read' | 'write' | 'range'): PkCell[] {
  const schema = spec.primaryKey;
  if (primaryKey.length !== schema.length) {
    throw parameterInvalid(`Validate PK size fail. Input: ${primaryKey.length}, Meta: ${schema.length}.`);
  }
  primaryKey.forEach((cell, i) => {
    const column = schema[i]!;
    if (cell.name !== column.name) throw parameterInvalid(`Validate PK name fail. Input: ${cell.name}, Meta: ${column.name}.`);
    const t = cell.value.type;
    const allowed =
      t === column.type || (mode === 'range' && (t === 'INF_MIN' || t === 'INF_MAX')) || (mode === 'write' && t === 'AUTO_INCREMENT' && column.autoIncrement);
    if (!allowed) {
      throw parameterInvalid(`Validate PK type fail. Input: ${VARIANT_NAMES[t]}, Meta: ${VARIANT_NAMES[column.type]}.`);
    }
    const size = valueSize(cell.value);
    if (size > MAX_PK_VALUE_BYTES) {
      throw parameterInvalid(`The length of primary key column: '${cell.name}' exceeds the MaxLength:${MAX_PK_VALUE_BYTES} with CurrentLength:${size}.`);
    }
  });
  return primaryKey;
}

function checkReadOptions(read: ReadOptions): void {
  if (read.maxVersions === undefined && read.timeRange === undefined) {
    throw parameterInvalid('Neither max_versions nor time_range is set.');
  }
  if (read.maxVersions !== undefined && read.maxVersions < 1) {
    throw parameterInvalid(`max_versions must be greater than 0, got ${read.maxVersions}.`);
  }
  const range = read.timeRange;
  if (range && range.specific === undefined && (range.start ?? 0) >= (range.end ?? Number.MAX_SAFE_INTEGER)) {
    throw parameterInvalid(`time_range start (${range.start}) must be less than end (${range.end}).`);
  }
}

type WriteKind = 'put' | 'update';

function checkAttributeCells(spec: TableSpec, cells: PlainCell[], now: number, kind: WriteKind): PlainCell[] {
  if (cells.length > MAX_COLUMNS_PER_WRITE) {
    throw parameterInvalid(`The number of attribute columns exceeds the limit, limit count: ${MAX_COLUMNS_PER_WRITE}, column count: ${cells.length}.`);
  }
  const pkNames = new Set(spec.primaryKey.map((c) => c.name));
  const deviationMs = spec.options.deviationSeconds * 1000;
  for (const cell of cells) {
    checkName(cell.name, 'attribute column name');
    if (pkNames.has(cell.name)) throw parameterInvalid(`Attribute column '${cell.name}' has the name of a primary key column.`);
    if (cell.value) {
      const size = valueSize(cell.value);
      if (size > MAX_ATTRIBUTE_VALUE_BYTES) {
        throw parameterInvalid(`The length of attribute column: '${cell.name}' exceeds the MaxLength:${MAX_ATTRIBUTE_VALUE_BYTES} with CurrentLength:${size}.`);
      }
    }
    // A client-chosen version must lie within the table's allowed deviation from the server's time.
    if (cell.timestamp !== undefined && cell.op !== 'DELETE_ONE_VERSION' && Math.abs(cell.timestamp - now) >= deviationMs) {
      throw parameterInvalid(
        `Cell timestamp ${cell.timestamp} of column '${cell.name}' is out of the allowed deviation (${spec.options.deviationSeconds} s) from server time ${now}.`,
      );
    }
    if (kind === 'put') {
      if (cell.op !== undefined) throw parameterInvalid(`PutRow column '${cell.name}' cannot carry the update type ${cell.op}.`);
      if (cell.value === undefined) throw parameterInvalid(`PutRow column '${cell.name}' has no value.`);
      continue;
    }
    checkUpdateCell(cell);
  }
  return cells;
}

function checkUpdateCell(cell: PlainCell): void {
  switch (cell.op) {
    case undefined:
      if (cell.value === undefined) throw parameterInvalid(`UpdateRow PUT of column '${cell.name}' has no value.`);
      return;
    case 'DELETE_ONE_VERSION':
      if (cell.value !== undefined || cell.timestamp === undefined) {
        throw parameterInvalid(`UpdateRow DELETE of column '${cell.name}' needs a timestamp and no value.`);
      }
      return;
    case 'DELETE_ALL_VERSIONS':
      if (cell.value !== undefined || cell.timestamp !== undefined) {
        throw parameterInvalid(`UpdateRow DELETE_ALL of column '${cell.name}' takes neither value nor timestamp.`);
      }
      return;
    case 'INCREMENT':
      if (cell.value?.type !== 'INTEGER') {
        throw parameterInvalid(`UpdateRow INCREMENT of column '${cell.name}' needs an INTEGER value.`);
      }
      // Our choice: the server versions an increment (it reads then writes), so a client timestamp is refused.
      if (cell.timestamp !== undefined) {
        throw parameterInvalid(`UpdateRow INCREMENT of column '${cell.name}' cannot carry a timestamp.`);
      }
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// Cell mutations

function putVersion(columns: Map<string, Version[]>, name: string, version: Version): void {
  // Same column, same timestamp: the later write wins.
  const versions = (columns.get(name) ?? []).filter((v) => v.ts !== version.ts);
  versions.push(version);
  versions.sort((a, b) => b.ts - a.ts);
  columns.set(name, versions);
}

function applyUpdate(columns: Map<string, Version[]>, cell: PlainCell, now: number): void {
  switch (cell.op) {
    case undefined:
      putVersion(columns, cell.name, { ts: cell.timestamp ?? now, value: cell.value! });
      return;
    case 'DELETE_ONE_VERSION':
      columns.set(
        cell.name,
        (columns.get(cell.name) ?? []).filter((v) => v.ts !== cell.timestamp),
      );
      return;
    case 'DELETE_ALL_VERSIONS':
      columns.delete(cell.name);
      return;
    case 'INCREMENT': {
      const latest = columns.get(cell.name)?.[0];
      if (latest && latest.value.type !== 'INTEGER') {
        throw parameterInvalid(`INCREMENT on column '${cell.name}' whose value is ${VARIANT_NAMES[latest.value.type]}, not VT_INTEGER.`);
      }
      const current = latest?.value.type === 'INTEGER' ? latest.value.value : 0n;
      const sum = current + (cell.value as Extract<Value, { type: 'INTEGER' }>).value;
      // Our choice: int64 overflow is refused rather than wrapped, so a counter never turns negative.
      if (sum > INT64_MAX || sum < INT64_MIN) throw parameterInvalid(`INCREMENT on column '${cell.name}' overflows int64.`);
      putVersion(columns, cell.name, { ts: now, value: { type: 'INTEGER', value: sum } });
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Sizes and capacity units

function inTimeRange(ts: number, range: ReadOptions['timeRange']): boolean {
  if (!range) return true;
  if (range.specific !== undefined) return ts === range.specific;
  return ts >= (range.start ?? 0) && ts < (range.end ?? Number.MAX_SAFE_INTEGER);
}

function plainRowSize(row: PlainRow): number {
  let size = 0;
  for (const pk of row.primaryKey) size += Buffer.byteLength(pk.name) + valueSize(pk.value);
  for (const cell of row.cells) size += Buffer.byteLength(cell.name) + (cell.value ? valueSize(cell.value) : 0) + 8;
  return size;
}

function writeConsumed(change: PlainRow, condition: Condition): Consumed {
  return {
    read: condition.rowExistence === 'IGNORE' && !condition.column ? 0 : 1,
    write: Math.max(1, Math.ceil(plainRowSize(change) / CU_BYTES)),
  };
}

function rangeConsumed(bytes: number): Consumed {
  return { read: Math.max(1, Math.ceil(bytes / CU_BYTES)), write: 0 };
}

/** Copies a key without structuredClone, which would turn Buffer values into plain Uint8Arrays. */
function copyKey(key: readonly PkCell<KeyValue>[]): PkCell<KeyValue>[] {
  return key.map((cell) => ({ name: cell.name, value: { ...cell.value } }));
}
