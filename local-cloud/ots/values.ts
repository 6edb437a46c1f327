// Cell values as Tablestore types them, and the orders the service sorts and compares them in.
// Integers are bigint end to end: the SDK sends int64 little-endian, and a JS number would round
// anything past 2^53 (a version counter must never round).

export type Value =
  | { type: 'INTEGER'; value: bigint }
  | { type: 'DOUBLE'; value: number }
  | { type: 'BOOLEAN'; value: boolean }
  | { type: 'STRING'; value: string }
  | { type: 'BINARY'; value: Buffer };

/** What a primary-key cell may hold on the wire: a key value, a range bound, or the auto-increment placeholder. */
export type PkValue = Extract<Value, { type: 'INTEGER' | 'STRING' | 'BINARY' }> | { type: 'INF_MIN' } | { type: 'INF_MAX' } | { type: 'AUTO_INCREMENT' };

export type KeyValue = Extract<PkValue, { type: 'INTEGER' | 'STRING' | 'BINARY' }>;

export interface PkCell<V extends PkValue = PkValue> {
  name: string;
  value: V;
}

/** The service's own names for variant types; its error messages use them ("Input: VT_STRING"). */
export const VARIANT_NAMES: Record<PkValue['type'] | Value['type'], string> = {
  INTEGER: 'VT_INTEGER',
  DOUBLE: 'VT_DOUBLE',
  BOOLEAN: 'VT_BOOLEAN',
  STRING: 'VT_STRING',
  BINARY: 'VT_BLOB',
  INF_MIN: 'VT_INF_MIN',
  INF_MAX: 'VT_INF_MAX',
  AUTO_INCREMENT: 'VT_AUTO_INCREMENT',
};

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/**
 * Orders two primary-key values of one column. INF_MIN sorts before and INF_MAX after every value.
 * Strings compare as their UTF-8 bytes and binaries byte by byte (the service sorts keys as bytes,
 * not as UTF-16 code units). Two values of different real types never meet in a stored table —
 * every key is checked against the schema first — but range bounds are checked the same way, so the
 * cross-type order below (INTEGER < STRING < BINARY, the order of the PrimaryKeyType enum) only
 * exists to keep this a total order.
 */
export function comparePkValues(a: PkValue, b: PkValue): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (a.type === 'INTEGER' && b.type === 'INTEGER') return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  if (a.type === 'STRING' && b.type === 'STRING') return Buffer.compare(Buffer.from(a.value), Buffer.from(b.value));
  if (a.type === 'BINARY' && b.type === 'BINARY') return Buffer.compare(a.value, b.value);
  return 0;
}

function rank(v: PkValue): number {
  switch (v.type) {
    case 'INF_MIN':
      return 0;
    case 'INTEGER':
      return 1;
    case 'STRING':
      return 2;
    case 'BINARY':
      return 3;
    case 'AUTO_INCREMENT':
      return 4;
    case 'INF_MAX':
      return 5;
  }
}

/** Orders two whole primary keys column by column (the first column is the partition key). */
export function comparePrimaryKeys(a: readonly PkCell[], b: readonly PkCell[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = comparePkValues(a[i]!.value, b[i]!.value);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/**
 * Compares two attribute values for a column condition or filter. Returns undefined when the types
 * differ: the service does not convert between types, so such a comparison matches nothing
 * (documented choice: every comparator, NOT_EQUAL included, is false across types).
 */
export function compareValues(a: Value, b: Value): number | undefined {
  if (a.type !== b.type) return undefined;
  switch (a.type) {
    case 'INTEGER': {
      const bv = (b as typeof a).value;
      return a.value < bv ? -1 : a.value > bv ? 1 : 0;
    }
    case 'DOUBLE': {
      const bv = (b as typeof a).value;
      return a.value < bv ? -1 : a.value > bv ? 1 : 0;
    }
    case 'BOOLEAN':
      return Number(a.value) - Number((b as typeof a).value);
    case 'STRING':
      return Buffer.compare(Buffer.from(a.value), Buffer.from((b as typeof a).value));
    case 'BINARY':
      return Buffer.compare(a.value, (b as typeof a).value);
  }
}

/** Bytes a value occupies, as the service counts row size for capacity units and response limits. */
export function valueSize(v: Value | PkValue): number {
  switch (v.type) {
    case 'INTEGER':
    case 'DOUBLE':
      return 8;
    case 'BOOLEAN':
      return 1;
    case 'STRING':
      return Buffer.byteLength(v.value);
    case 'BINARY':
      return v.value.length;
    default:
      return 0;
  }
}
