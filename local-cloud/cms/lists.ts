// Repeated RPC parameters (`Name.N.Field`, `Name.N`) read the way the POP gateway flattens lists:
// N counts from 1 without gaps, up to a documented maximum. Shared by contacts.ts and event-rules.ts.
import { invalidParameter, missingParameter } from './params';

/**
 * `Prefix.N.Field...` grouped by N. `fields` maps the rest of each key (`Field`, `NameList.1`) to its
 * value. Unknown fields are refused (the gateway ignores them; refusing catches typos, the harsher
 * choice). `allowed` tells whether a field name (without list suffix) is known.
 */
export function indexedObjects(
  params: Record<string, string>,
  prefix: string,
  max: number,
  allowed: (field: string) => boolean,
): Array<{ n: number; fields: Record<string, string> }> {
  const byN = new Map<number, Record<string, string>>();
  const pattern = new RegExp(`^${prefix}\\.(\\d+)\\.(.+)$`);
  for (const [key, value] of Object.entries(params)) {
    if (!key.startsWith(`${prefix}.`)) continue;
    const match = pattern.exec(key);
    if (!match) throw invalidParameter(key, `expected ${prefix}.N.Field`);
    const n = Number(match[1]);
    const field = match[2] as string;
    if (!allowed(field)) throw invalidParameter(key, `unknown field "${field}"`);
    if (n < 1 || n > max) throw invalidParameter(key, `N must be 1 to ${max}`);
    const fields = byN.get(n) ?? {};
    fields[field] = value;
    byN.set(n, fields);
  }
  const ns = [...byN.keys()].sort((a, b) => a - b);
  for (const [i, n] of ns.entries())
    if (n !== i + 1) throw invalidParameter(`${prefix}.${n}`, `N must count from 1 without gaps; ${prefix}.${i + 1} is missing`);
  return ns.map((n) => ({ n, fields: byN.get(n) as Record<string, string> }));
}

/** `Prefix.N` values in order of N (1 to `max`, no gaps); `fields` may hold them under `Name.N` keys. */
export function indexedValues(params: Record<string, string>, prefix: string, max: number, where = prefix): string[] {
  const byN = new Map<number, string>();
  const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)$`);
  for (const [key, value] of Object.entries(params)) {
    const match = pattern.exec(key);
    if (!match) continue;
    const n = Number(match[1]);
    if (n < 1 || n > max) throw invalidParameter(`${where}.${n}`, `N must be 1 to ${max}`);
    if (value.trim() === '') throw missingParameter(`${where}.${n}`);
    byN.set(n, value);
  }
  const ns = [...byN.keys()].sort((a, b) => a - b);
  for (const [i, n] of ns.entries()) if (n !== i + 1) throw invalidParameter(`${where}.${n}`, `N must count from 1 without gaps; ${where}.${i + 1} is missing`);
  return ns.map((n) => byN.get(n) as string);
}

/** The N of a page: PageNumber/PageSize as positive integers with the given defaults. */
export function page<T>(items: T[], pageNumber: number, pageSize: number): T[] {
  return items.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
}
