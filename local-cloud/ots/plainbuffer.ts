// PlainBuffer: the row encoding Tablestore nests inside its protobuf messages. Written from the
// format itself, not by importing the SDK's codec, so the emulator checks the SDK instead of agreeing
// with it by construction.
//
// Layout (all integers little-endian):
//   row     = [header int32 0x75] TAG_ROW_PK cell* [TAG_ROW_DATA cell*] [TAG_DELETE_ROW_MARKER] TAG_ROW_CHECKSUM crc8
//   cell    = TAG_CELL TAG_CELL_NAME int32-len name [TAG_CELL_VALUE int32-len variant]
//             [TAG_CELL_TYPE op] [TAG_CELL_TIMESTAMP int64] TAG_CELL_CHECKSUM crc8
//   variant = type-byte payload   (string/blob payload = int32-len bytes; int/double = 8 bytes; bool = 1)
// Checksums are CRC-8, polynomial 0x07, initial value 0:
//   cell crc = crc(name bytes, variant bytes, timestamp 8 bytes, op byte) — note the op is summed
//              after the timestamp although it is written before it;
//   row crc  = crc(each cell crc in order, then 1 if the delete marker is present else 0).
// A multi-row block (GetRange) is one header followed by rows back to back.
import type { PkCell, PkValue, Value } from './values';

const HEADER = 0x75;

const TAG = {
  ROW_PK: 0x01,
  ROW_DATA: 0x02,
  CELL: 0x03,
  CELL_NAME: 0x04,
  CELL_VALUE: 0x05,
  CELL_TYPE: 0x06,
  CELL_TIMESTAMP: 0x07,
  DELETE_ROW_MARKER: 0x08,
  ROW_CHECKSUM: 0x09,
  CELL_CHECKSUM: 0x0a,
} as const;

const VT = {
  INTEGER: 0x00,
  DOUBLE: 0x01,
  BOOLEAN: 0x02,
  STRING: 0x03,
  BLOB: 0x07,
  INF_MIN: 0x09,
  INF_MAX: 0x0a,
  AUTO_INCREMENT: 0x0b,
} as const;

/** Update operations a cell of an UpdateRow carries (no op byte = PUT). */
export type CellOp = 'DELETE_ALL_VERSIONS' | 'DELETE_ONE_VERSION' | 'INCREMENT';
const OP_CODES: Record<CellOp, number> = { DELETE_ALL_VERSIONS: 0x01, DELETE_ONE_VERSION: 0x03, INCREMENT: 0x04 };

export interface PlainCell {
  name: string;
  value?: Value;
  op?: CellOp;
  /** Cell version, epoch milliseconds. */
  timestamp?: number;
}

export interface PlainRow {
  primaryKey: PkCell[];
  cells: PlainCell[];
  deleteMarker: boolean;
}

/** The bytes are not a valid PlainBuffer (structure, type or checksum); says where. */
export class PlainBufferError extends Error {
  override name = 'PlainBufferError';
}

const CRC8_TABLE = (() => {
  const table = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let bit = 0; bit < 8; bit++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
    table[i] = c;
  }
  return table;
})();

/** CRC-8 (poly 0x07, no reflection, no final xor) continued from `crc` over `bytes`. */
export function crc8(crc: number, bytes: Uint8Array): number {
  let c = crc & 0xff;
  for (const b of bytes) c = CRC8_TABLE[(c ^ b) & 0xff]!;
  return c;
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** A row with its header, as GetRow/PutRow/UpdateRow responses carry it. */
export function encodeRow(row: PlainRow): Buffer {
  const out: Buffer[] = [int32(HEADER)];
  writeRow(out, row);
  return Buffer.concat(out);
}

/** Rows as one block (GetRange): one header, then the rows back to back; no rows = empty bytes. */
export function encodeRows(rows: readonly PlainRow[]): Buffer {
  if (rows.length === 0) return Buffer.alloc(0);
  const out: Buffer[] = [int32(HEADER)];
  for (const row of rows) writeRow(out, row);
  return Buffer.concat(out);
}

/** A primary key alone (GetRow/GetRange request keys, next_start_primary_key). */
export function encodePrimaryKey(primaryKey: readonly PkCell[]): Buffer {
  return encodeRow({ primaryKey: [...primaryKey], cells: [], deleteMarker: false });
}

/** A bare SQLVariant (type byte + payload, no outer length): column-condition values. */
export function encodeVariant(value: Value | PkValue): Buffer {
  switch (value.type) {
    case 'INTEGER': {
      const b = Buffer.alloc(9);
      b[0] = VT.INTEGER;
      b.writeBigInt64LE(value.value, 1);
      return b;
    }
    case 'DOUBLE': {
      const b = Buffer.alloc(9);
      b[0] = VT.DOUBLE;
      b.writeDoubleLE(value.value, 1);
      return b;
    }
    case 'BOOLEAN':
      return Buffer.from([VT.BOOLEAN, value.value ? 1 : 0]);
    case 'STRING':
      return lengthPrefixed(VT.STRING, Buffer.from(value.value, 'utf8'));
    case 'BINARY':
      return lengthPrefixed(VT.BLOB, value.value);
    case 'INF_MIN':
      return Buffer.from([VT.INF_MIN]);
    case 'INF_MAX':
      return Buffer.from([VT.INF_MAX]);
    case 'AUTO_INCREMENT':
      return Buffer.from([VT.AUTO_INCREMENT]);
  }
}

function writeRow(out: Buffer[], row: PlainRow): void {
  let rowCrc = 0;
  out.push(byte(TAG.ROW_PK));
  for (const pk of row.primaryKey) rowCrc = crc8(rowCrc, Buffer.from([writeCell(out, { name: pk.name, value: pk.value })]));
  if (row.cells.length > 0) {
    out.push(byte(TAG.ROW_DATA));
    for (const cell of row.cells) rowCrc = crc8(rowCrc, Buffer.from([writeCell(out, cell)]));
  }
  if (row.deleteMarker) out.push(byte(TAG.DELETE_ROW_MARKER));
  rowCrc = crc8(rowCrc, Buffer.from([row.deleteMarker ? 1 : 0]));
  out.push(Buffer.from([TAG.ROW_CHECKSUM, rowCrc]));
}

/** Writes one cell and returns its checksum. */
function writeCell(out: Buffer[], cell: { name: string; value?: Value | PkValue; op?: CellOp; timestamp?: number }): number {
  const name = Buffer.from(cell.name, 'utf8');
  out.push(byte(TAG.CELL), byte(TAG.CELL_NAME), int32(name.length), name);
  let crc = crc8(0, name);
  if (cell.value !== undefined) {
    const variant = encodeVariant(cell.value);
    out.push(byte(TAG.CELL_VALUE), int32(variant.length), variant);
    crc = crc8(crc, variant);
  }
  if (cell.op !== undefined) out.push(Buffer.from([TAG.CELL_TYPE, OP_CODES[cell.op]]));
  if (cell.timestamp !== undefined) {
    const ts = int64(BigInt(cell.timestamp));
    out.push(byte(TAG.CELL_TIMESTAMP), ts);
    crc = crc8(crc, ts);
  }
  if (cell.op !== undefined) crc = crc8(crc, Buffer.from([OP_CODES[cell.op]]));
  out.push(Buffer.from([TAG.CELL_CHECKSUM, crc]));
  return crc;
}

function lengthPrefixed(type: number, payload: Buffer): Buffer {
  return Buffer.concat([byte(type), int32(payload.length), payload]);
}

function byte(b: number): Buffer {
  return Buffer.from([b]);
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
}

function int64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(n);
  return b;
}

// ---------------------------------------------------------------------------------------------
// Decoding

/**
 * Exactly one row with its header (request rows, primary keys). Zero bytes after the row are
 * padding, not an error: the SDK sizes its buffer before writing and over-counts some cells (an
 * INF_MIN/INF_MAX key cell by one byte), leaving zeros at the end that the service accepts.
 */
export function decodeRow(bytes: Uint8Array): PlainRow {
  const reader = new Reader(bytes);
  reader.header();
  const row = reader.row();
  if (!reader.atPadding()) throw new PlainBufferError(`unexpected bytes after the row checksum at offset ${reader.offset}`);
  return row;
}

/** A block of rows (one header, rows back to back); empty bytes = no rows. */
export function decodeRows(bytes: Uint8Array): PlainRow[] {
  if (bytes.length === 0) return [];
  const reader = new Reader(bytes);
  reader.header();
  const rows: PlainRow[] = [];
  while (!reader.atEnd()) rows.push(reader.row());
  return rows;
}

/** A bare SQLVariant, as in SingleColumnValueFilter.column_value. */
export function decodeVariant(bytes: Uint8Array): Value | PkValue {
  const reader = new Reader(bytes);
  const value = reader.variant(bytes.length, 'variant');
  if (!reader.atEnd()) throw new PlainBufferError(`unexpected bytes after the variant at offset ${reader.offset}`);
  return value;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

class Reader {
  private pos = 0;
  /** The tag just read; 0 when the input is exhausted. */
  private tag = 0;
  private readonly buf: Buffer;

  constructor(bytes: Uint8Array) {
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.pos;
  }

  atEnd(): boolean {
    return this.tag === 0 && this.pos >= this.buf.length;
  }

  /** Nothing but zero bytes remains (the tag just read included). */
  atPadding(): boolean {
    return this.tag === 0 && this.buf.subarray(this.pos).every((b) => b === 0);
  }

  header(): void {
    const h = this.int32('header');
    if (h !== HEADER) throw new PlainBufferError(`header is 0x${h.toString(16)}, expected 0x75`);
    this.nextTag();
  }

  row(): PlainRow {
    const rowStart = this.pos - 1;
    this.expect(TAG.ROW_PK, 'row primary key');
    this.nextTag();
    let rowCrc = 0;
    const primaryKey: PkCell[] = [];
    while (this.at(TAG.CELL)) {
      const { cell, crc } = this.cell();
      if (cell.value === undefined || cell.op !== undefined || cell.timestamp !== undefined) {
        throw new PlainBufferError(`primary key cell "${cell.name}" must carry a value and nothing else`);
      }
      primaryKey.push({ name: cell.name, value: cell.value as PkValue });
      rowCrc = crc8(rowCrc, Buffer.from([crc]));
    }
    const cells: PlainCell[] = [];
    if (this.at(TAG.ROW_DATA)) {
      this.nextTag();
      while (this.at(TAG.CELL)) {
        const { cell, crc } = this.cell();
        const t = cell.value?.type;
        if (t === 'INF_MIN' || t === 'INF_MAX' || t === 'AUTO_INCREMENT') {
          throw new PlainBufferError(`attribute cell "${cell.name}" cannot hold ${t}`);
        }
        cells.push(cell as PlainCell);
        rowCrc = crc8(rowCrc, Buffer.from([crc]));
      }
    }
    let deleteMarker = false;
    if (this.at(TAG.DELETE_ROW_MARKER)) {
      deleteMarker = true;
      this.nextTag();
    }
    rowCrc = crc8(rowCrc, Buffer.from([deleteMarker ? 1 : 0]));
    this.expect(TAG.ROW_CHECKSUM, 'row checksum');
    const sent = this.byte('row checksum');
    if (sent !== rowCrc) {
      throw new PlainBufferError(`row checksum mismatch for the row at offset ${rowStart}: sent ${sent}, computed ${rowCrc}`);
    }
    this.nextTag();
    return { primaryKey, cells, deleteMarker };
  }

  private cell(): { cell: { name: string; value?: Value | PkValue; op?: CellOp; timestamp?: number }; crc: number } {
    const cellStart = this.pos - 1;
    this.nextTag();
    this.expect(TAG.CELL_NAME, 'cell name');
    const nameBytes = this.bytes(this.int32('cell name length'), 'cell name');
    const name = this.text(nameBytes, 'cell name');
    let crc = crc8(0, nameBytes);
    const cell: { name: string; value?: Value | PkValue; op?: CellOp; timestamp?: number } = { name };
    this.nextTag();
    if (this.at(TAG.CELL_VALUE)) {
      const length = this.int32(`value length of "${name}"`);
      const start = this.pos;
      cell.value = this.variant(length, `value of "${name}"`);
      if (this.pos - start !== length) {
        throw new PlainBufferError(`value of "${name}" declares ${length} bytes but holds ${this.pos - start}`);
      }
      crc = crc8(crc, this.buf.subarray(start, this.pos));
      this.nextTag();
    }
    let opByte: number | undefined;
    if (this.at(TAG.CELL_TYPE)) {
      opByte = this.byte(`cell type of "${name}"`);
      const op = (Object.keys(OP_CODES) as CellOp[]).find((k) => OP_CODES[k] === opByte);
      if (op === undefined) throw new PlainBufferError(`cell type ${opByte} of "${name}" is not a known update type`);
      cell.op = op;
      this.nextTag();
    }
    if (this.at(TAG.CELL_TIMESTAMP)) {
      const start = this.pos;
      const ts = this.bytes(8, `timestamp of "${name}"`).readBigInt64LE(0);
      if (ts < BigInt(Number.MIN_SAFE_INTEGER) || ts > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new PlainBufferError(`timestamp ${ts} of "${name}" is out of range`);
      }
      cell.timestamp = Number(ts);
      crc = crc8(crc, this.buf.subarray(start, start + 8));
      this.nextTag();
    }
    if (opByte !== undefined) crc = crc8(crc, Buffer.from([opByte]));
    this.expect(TAG.CELL_CHECKSUM, `checksum of "${name}"`);
    const sent = this.byte(`checksum of "${name}"`);
    if (sent !== crc) {
      throw new PlainBufferError(`cell checksum mismatch for "${name}" at offset ${cellStart}: sent ${sent}, computed ${crc}`);
    }
    this.nextTag();
    return { cell, crc };
  }

  variant(length: number, what: string): Value | PkValue {
    if (length < 1) throw new PlainBufferError(`${what} is empty`);
    const type = this.byte(what);
    switch (type) {
      case VT.INTEGER:
        return { type: 'INTEGER', value: this.bytes(8, what).readBigInt64LE(0) };
      case VT.DOUBLE:
        return { type: 'DOUBLE', value: this.bytes(8, what).readDoubleLE(0) };
      case VT.BOOLEAN:
        return { type: 'BOOLEAN', value: this.byte(what) !== 0 };
      case VT.STRING:
        return { type: 'STRING', value: this.text(this.bytes(this.int32(`${what} length`), what), what) };
      case VT.BLOB:
        return { type: 'BINARY', value: Buffer.from(this.bytes(this.int32(`${what} length`), what)) };
      case VT.INF_MIN:
        return { type: 'INF_MIN' };
      case VT.INF_MAX:
        return { type: 'INF_MAX' };
      case VT.AUTO_INCREMENT:
        return { type: 'AUTO_INCREMENT' };
      default:
        throw new PlainBufferError(`${what} has unsupported variant type ${type}`);
    }
  }

  /** Whether the current tag is `tag` (a method, so TypeScript does not carry narrowing across reads). */
  private at(tag: number): boolean {
    return this.tag === tag;
  }

  private expect(tag: number, what: string): void {
    if (this.tag !== tag) {
      throw new PlainBufferError(`expected the ${what} tag (${tag}) at offset ${this.pos - 1}, found ${this.tag}`);
    }
  }

  private nextTag(): void {
    this.tag = this.pos < this.buf.length ? this.buf[this.pos++]! : 0;
  }

  private byte(what: string): number {
    if (this.pos >= this.buf.length) throw new PlainBufferError(`${what}: unexpected end of input`);
    return this.buf[this.pos++]!;
  }

  private int32(what: string): number {
    const n = this.bytes(4, what).readInt32LE(0);
    if (n < 0) throw new PlainBufferError(`${what} is negative (${n})`);
    return n;
  }

  private bytes(n: number, what: string): Buffer {
    if (this.pos + n > this.buf.length) throw new PlainBufferError(`${what}: unexpected end of input`);
    const slice = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return slice;
  }

  private text(bytes: Buffer, what: string): string {
    try {
      return utf8.decode(bytes);
    } catch {
      throw new PlainBufferError(`${what} is not valid UTF-8`);
    }
  }
}
