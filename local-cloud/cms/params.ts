// Reading CloudMonitor RPC parameters (all strings on the wire) and refusing bad ones the way the
// POP gateway does. CMS publishes no per-action error table for these APIs (its docs point to the
// API Error Center), so the codes are the common ones of docs/reference/alibaba-cloud.md §3.4 — MissingParameter and
// InvalidParameter, HTTP 400 — with messages that name the parameter and what was expected.
import { RpcError } from '../model';

export function missingParameter(name: string): RpcError {
  return new RpcError(400, 'MissingParameter', `The input parameter "${name}" that is mandatory for processing this request is not supplied.`);
}

export function invalidParameter(name: string, expected: string): RpcError {
  return new RpcError(400, 'InvalidParameter', `The specified parameter "${name}" is not valid: ${expected}.`);
}

export function required(params: Record<string, string>, name: string): string {
  const value = params[name];
  if (value === undefined || value.trim() === '') throw missingParameter(name);
  return value;
}

export function optional(params: Record<string, string>, name: string): string | undefined {
  const value = params[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

export function positiveInteger(params: Record<string, string>, name: string, fallback: number): number {
  const raw = optional(params, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) throw invalidParameter(name, `expected a positive integer, got "${raw}"`);
  return Number(raw);
}

/** Beijing time: CMS's China-region servers read zone-less times in UTC+8 (see parseTime). */
const ZONELESS_OFFSET_MS = 8 * 3600_000;

/**
 * StartTime/EndTime. The docs allow 'YYYY-MM-DD hh:mm:ss', 'YYYY-MM-DDThh:mm:ssZ' and a UNIX
 * timestamp — in milliseconds per DescribeMetricList, in seconds per DescribeMetricLast. Numbers
 * below 1e11 are taken as seconds (1e11 ms is 1973; 1e11 s is the year 5138), so both work.
 * The zone-less form carries no zone; the emulator reads it as UTC+8, the local time of the
 * China-region endpoints (an unverified choice — docs/reference/alibaba-cloud.md §9; adapters should send milliseconds).
 */
export function parseTime(name: string, raw: string): number {
  const text = raw.trim();
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n < 1e11 ? n * 1000 : n;
  }
  const zoneless = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (zoneless) {
    const [, y, mo, d, h, mi, s] = zoneless.map(Number) as [number, number, number, number, number, number, number];
    const t = Date.UTC(y, mo - 1, d, h, mi, s) - ZONELESS_OFFSET_MS;
    // Date.UTC rolls 2024-02-30 over to March; a round trip catches every out-of-range field.
    if (new Date(t + ZONELESS_OFFSET_MS).toISOString().slice(0, 19) === text.replace(' ', 'T')) return t;
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/.test(text)) {
    const t = Date.parse(text);
    if (!Number.isNaN(t)) return t;
  }
  throw invalidParameter(name, `expected 'YYYY-MM-DD hh:mm:ss', 'YYYY-MM-DDThh:mm:ssZ' or a UNIX timestamp, got "${raw}"`);
}

/**
 * A JSON list of string-keyed objects, e.g. Dimensions `[{"instanceId":"i-1"}]` or Resources.
 * A single object is accepted as a one-element list (the console and older SDK samples send
 * both shapes). Values must be strings: dimension values are compared as text.
 */
export function parseObjectList(name: string, raw: string): Array<Record<string, string>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidParameter(name, `expected a JSON array of objects such as [{"instanceId":"i-xxx"}], got "${raw}"`);
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.map((item, index) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw invalidParameter(name, `element ${index} must be an object of string values`);
    }
    const entries = Object.entries(item as Record<string, unknown>);
    for (const [key, value] of entries) {
      if (typeof value !== 'string') throw invalidParameter(name, `element ${index} key "${key}" must be a string`);
    }
    return Object.fromEntries(entries) as Record<string, string>;
  });
}
