// Traffic traces for the backtest: a CSV `timestamp,value` with any regular resolution and gaps allowed,
// turned into outbound DEMAND in Mbit/s per interval.
import { readFile } from 'node:fs/promises';
import { ValidationError } from '../errors';

export type TraceUnit = 'bps' | 'Bps' | 'Mbps' | 'bytes-per-interval' | 'bits-per-interval' | 'requests-per-interval';

export const TRACE_UNITS: readonly TraceUnit[] = ['bps', 'Bps', 'Mbps', 'bytes-per-interval', 'bits-per-interval', 'requests-per-interval'];

export interface TracePoint {
  at: number;
  /** Demand in Mbit/s over [at, at + stepSeconds). */
  mbps: number;
}

export interface Trace {
  name: string;
  /** The trace's resolution: the most common gap between consecutive timestamps. */
  stepSeconds: number;
  points: TracePoint[];
  /** Grid slots with no sample (kept as gaps: the replay holds the last known demand). */
  missingSlots: number;
}

export interface TraceOptions {
  unit: TraceUnit;
  /** Needed for requests-per-interval: bytes sent per request. */
  bytesPerRequest?: number;
  /** Rescale so that the trace's peak demand is this many Mbit/s. */
  peakMbps?: number;
}

const MEGA = 1_000_000;

function parseTimestamp(raw: string, where: string): number {
  const text = raw.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    // Unix seconds (ten digits today); a 13-digit value is milliseconds.
    const n = Number(text);
    return text.length >= 13 ? n : n * 1000;
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new ValidationError(`${where}: expected an ISO-8601 time or unix seconds, got "${text}"`);
  return ms;
}

function mostCommonGap(times: number[]): number {
  const counts = new Map<number, number>();
  for (let i = 1; i < times.length; i++) {
    const gap = (times[i] as number) - (times[i - 1] as number);
    counts.set(gap, (counts.get(gap) ?? 0) + 1);
  }
  let best = 0;
  let bestCount = -1;
  for (const [gap, count] of counts) {
    if (count > bestCount) {
      best = gap;
      bestCount = count;
    }
  }
  return best;
}

function toMbps(value: number, unit: TraceUnit, stepSeconds: number, bytesPerRequest?: number): number {
  switch (unit) {
    case 'bps':
      return value / MEGA;
    case 'Bps':
      return (value * 8) / MEGA;
    case 'Mbps':
      return value;
    case 'bytes-per-interval':
      return (value * 8) / stepSeconds / MEGA;
    case 'bits-per-interval':
      return value / stepSeconds / MEGA;
    case 'requests-per-interval':
      return (value * (bytesPerRequest ?? 0) * 8) / stepSeconds / MEGA;
  }
}

/** Parses CSV text. Every malformed row is reported with its line number; nothing is silently skipped. */
export function parseTrace(text: string, name: string, options: TraceOptions): Trace {
  if (options.unit === 'requests-per-interval' && !(options.bytesPerRequest && options.bytesPerRequest > 0)) {
    throw new ValidationError(`${name}: unit requests-per-interval needs --bytes-per-request N (N > 0)`);
  }
  const lines = text.split(/\r?\n/);
  const rows: Array<{ at: number; value: number; line: number }> = [];
  const issues: string[] = [];
  lines.forEach((line, index) => {
    const where = `${name}:${index + 1}`;
    if (line.trim() === '') return;
    const cells = line.split(',');
    // A first row whose value cell is not a number is the header (`timestamp,value`).
    if (index === 0 && cells.length === 2 && Number.isNaN(Number((cells[1] as string).trim()))) return;
    if (cells.length !== 2) {
      issues.push(`${where}: expected 2 columns "timestamp,value", got ${cells.length}`);
      return;
    }
    try {
      const at = parseTimestamp(cells[0] as string, where);
      const value = Number((cells[1] as string).trim());
      if (!Number.isFinite(value) || value < 0) {
        issues.push(`${where}: expected a non-negative number, got "${(cells[1] as string).trim()}"`);
        return;
      }
      rows.push({ at, value, line: index + 1 });
    } catch (error) {
      issues.push((error as Error).message);
    }
  });
  if (issues.length > 0) throw new ValidationError(`${name}: ${issues.length} invalid row(s)`, issues);
  if (rows.length < 2) throw new ValidationError(`${name}: expected at least 2 samples, got ${rows.length}`);
  for (let i = 1; i < rows.length; i++) {
    if ((rows[i] as { at: number }).at <= (rows[i - 1] as { at: number }).at) {
      throw new ValidationError(`${name}: timestamps must increase; row ${i + 1} is not after row ${i}`);
    }
  }
  const gapMs = mostCommonGap(rows.map((r) => r.at));
  const stepSeconds = gapMs / 1000;
  let missingSlots = 0;
  for (let i = 1; i < rows.length; i++) {
    const gap = (rows[i] as { at: number }).at - (rows[i - 1] as { at: number }).at;
    missingSlots += Math.max(0, Math.round(gap / gapMs) - 1);
  }
  let points = rows.map((r) => ({ at: r.at, mbps: toMbps(r.value, options.unit, stepSeconds, options.bytesPerRequest) }));
  // A finite value can still overflow once converted (2e307 B/s is Infinity Mbps; found by test/fuzz).
  const overflow = points.flatMap((p, i) =>
    Number.isFinite(p.mbps) ? [] : [`${name}:${(rows[i] as { line: number }).line}: value is too large to be a rate in ${options.unit}`],
  );
  if (overflow.length > 0) throw new ValidationError(`${name}: ${overflow.length} invalid row(s)`, overflow);
  if (options.peakMbps !== undefined) {
    const peak = Math.max(...points.map((p) => p.mbps));
    if (peak <= 0) throw new ValidationError(`${name}: cannot rescale a trace whose peak is 0`);
    const factor = options.peakMbps / peak;
    points = points.map((p) => ({ at: p.at, mbps: p.mbps * factor }));
  }
  return { name, stepSeconds, points, missingSlots };
}

export async function loadTrace(path: string, options: TraceOptions): Promise<Trace> {
  const text = await readFile(path, 'utf8');
  const name = path.split('/').pop() ?? path;
  return parseTrace(text, name, options);
}

/**
 * Demand on a regular grid of `stepSeconds`, gaps filled by holding the last known value. The
 * replay, the oracle and the baselines all read this one grid, so they are compared on equal terms.
 */
export function demandGrid(trace: Trace): { start: number; stepSeconds: number; mbps: number[] } {
  const first = trace.points[0];
  if (!first) return { start: 0, stepSeconds: trace.stepSeconds, mbps: [] };
  const stepMs = trace.stepSeconds * 1000;
  const out: number[] = [];
  let last = first.mbps;
  let i = 0;
  const end = (trace.points[trace.points.length - 1] as TracePoint).at;
  for (let t = first.at; t <= end; t += stepMs) {
    while (i < trace.points.length && (trace.points[i] as TracePoint).at <= t) {
      last = (trace.points[i] as TracePoint).mbps;
      i++;
    }
    out.push(last);
  }
  return { start: first.at, stepSeconds: trace.stepSeconds, mbps: out };
}
