// Server-side SVG line charts over a regular time grid. The SVG is generated here, as text, so the
// report needs no script, no library and no network: it renders with JavaScript disabled.
import { downsampleMinMax, type SamplePoint } from './downsample';
import { escapeHtml } from './escape';

export interface ChartSeries {
  /** Stable identifier, written as data-series (tests and stylesheets address series by it). */
  key: string;
  /** Legend text. */
  name: string;
  values: readonly number[];
  color: string;
  /**
   * Where each value belongs in time. `interval`: values[i] holds over interval i (a bandwidth is set
   * and held; demand and served are averages over the interval), so it is drawn as steps. `running`:
   * values[i] is a running total at the END of interval i, so the line starts from 0 at the first
   * interval's start and reaches the right edge with the last value.
   */
  timing: 'interval' | 'running';
  /** Fill the region under the line (demand, so the dropped part above served stands out). */
  fill?: boolean;
  dashed?: boolean;
}

export interface LineChartSpec {
  /** Written as data-chart on the <svg>. */
  chart: string;
  /** The accessible name (aria-label and <title>). */
  label: string;
  /** Epoch ms of values[0]. */
  start: number;
  stepSeconds: number;
  /** Caption above the value axis, e.g. "Mbps". */
  valueUnit: string;
  series: readonly ChartSeries[];
  /**
   * Bucket a series into this many min/max pairs once it has more than twice as many points
   * (default: one pair per horizontal pixel above DOWNSAMPLE_ABOVE points). The per-day charts pass
   * fewer, to keep thirty-odd of them light; spikes keep their height either way.
   */
  buckets?: number;
}

const WIDTH = 960;
const HEIGHT = 300;
const MARGIN = { top: 44, right: 24, bottom: 30, left: 64 };
const PLOT_WIDTH = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_HEIGHT = HEIGHT - MARGIN.top - MARGIN.bottom;

/**
 * Above this many points a series is bucketed to one min/max pair per horizontal pixel of the plot:
 * 14,772 points become at most 1,824, which keeps four instances well under 2 MB while every spike
 * still reaches its true height.
 */
export const DOWNSAMPLE_ABOVE = 2000;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIME_STEPS = [
  5 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
  28 * DAY,
  91 * DAY,
  364 * DAY,
];
const MAX_TIME_TICKS = 8;
const TICK_VALUE = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });
const VALUE_TICKS = 5;
// 1970-01-01 was a Thursday: week-multiple ticks are shifted 4 days so they fall on Mondays.
const FIRST_MONDAY = 4 * DAY;

/** An <svg> line chart with a legend, a value axis from 0 and a UTC time axis. */
export function renderLineChart(spec: LineChartSpec): string {
  const length = Math.max(0, ...spec.series.map((series) => series.values.length));
  const title = `<title>${escapeHtml(spec.label)}</title>`;
  const open = `<svg data-chart="${escapeHtml(spec.chart)}" role="img" aria-label="${escapeHtml(spec.label)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" preserveAspectRatio="xMidYMid meet">`;
  const legend = renderLegend(spec.series);
  if (length === 0) {
    const empty = `<text class="empty" x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle">No data</text>`;
    return `${open}${title}${legend}${empty}</svg>`;
  }

  const peak = Math.max(0, ...spec.series.map((series) => maxOf(series.values)));
  const valueTicks = niceValueTicks(peak);
  const top = valueTicks[valueTicks.length - 1] as number;
  const startMs = spec.start;
  const endMs = spec.start + length * spec.stepSeconds * 1000;
  const x = (index: number) => MARGIN.left + (index / length) * PLOT_WIDTH;
  const y = (value: number) => MARGIN.top + PLOT_HEIGHT - (Math.min(Math.max(value, 0), top) / top) * PLOT_HEIGHT;

  const grid = [
    ...valueTicks.map((tick) => {
      const at = coordinate(y(tick));
      return `<line class="grid" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${at}" y2="${at}"/><text class="tick" x="${MARGIN.left - 8}" y="${at}" dy="0.32em" text-anchor="end">${TICK_VALUE.format(tick)}</text>`;
    }),
    ...timeTicks(startMs, endMs).map((tick) => {
      const position = MARGIN.left + ((tick.at - startMs) / (endMs - startMs)) * PLOT_WIDTH;
      const at = coordinate(position);
      // A label too close to the right edge would be clipped by the viewBox; its grid line stays.
      const label =
        position > WIDTH - MARGIN.right - 36 ? '' : `<text class="tick" x="${at}" y="${HEIGHT - MARGIN.bottom + 18}" text-anchor="middle">${tick.label}</text>`;
      return `<line class="grid" x1="${at}" x2="${at}" y1="${MARGIN.top}" y2="${HEIGHT - MARGIN.bottom}"/>${label}`;
    }),
  ].join('');
  const axes = `<line class="axis" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${HEIGHT - MARGIN.bottom}" y2="${HEIGHT - MARGIN.bottom}"/><line class="axis" x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${HEIGHT - MARGIN.bottom}"/><text class="unit" x="${MARGIN.left - 8}" y="${MARGIN.top - 12}" text-anchor="end">${escapeHtml(spec.valueUnit)}</text>`;
  const sampling = spec.buckets === undefined ? { above: DOWNSAMPLE_ABOVE, buckets: PLOT_WIDTH } : { above: 2 * spec.buckets, buckets: spec.buckets };
  const lines = spec.series.map((series) => renderSeries(series, x, y, sampling)).join('');
  return `${open}${title}${legend}<g class="grid-lines">${grid}</g>${lines}${axes}</svg>`;
}

interface Sampling {
  above: number;
  buckets: number;
}

function renderSeries(series: ChartSeries, x: (index: number) => number, y: (value: number) => number, sampling: Sampling): string {
  if (series.values.length === 0) return '';
  const corners = series.timing === 'running' ? runningCorners(series.values, sampling) : intervalCorners(series.values, sampling);
  const points = corners.map(([index, value]) => `${coordinate(x(index))},${coordinate(y(value))}`);

  const key = escapeHtml(series.key);
  const dash = series.dashed ? ' stroke-dasharray="6 4"' : '';
  const line = `<polyline class="series" data-series="${key}" points="${points.join(' ')}" fill="none" stroke="${escapeHtml(series.color)}"${dash}/>`;
  if (!series.fill) return line;
  const base = coordinate(y(0));
  const first = corners[0] as [number, number];
  const last = corners[corners.length - 1] as [number, number];
  const area = `<path class="area" data-series-area="${key}" d="M${coordinate(x(first[0]))},${base}L${points.join('L')}L${coordinate(x(last[0]))},${base}Z" fill="${escapeHtml(series.color)}"/>`;
  return area + line;
}

/**
 * Corners of a step line, as (interval index, value): each value spans [i, i + 1). At full
 * resolution only changes make corners; a bucketed series keeps its min/max points (one pixel apart,
 * where a step and a diagonal look the same) and ends at the right edge with its last value.
 */
function intervalCorners(values: readonly number[], sampling: Sampling): Array<[number, number]> {
  const corners: Array<[number, number]> = [];
  if (values.length > sampling.above) {
    for (const point of downsampleMinMax(values, sampling.buckets)) corners.push([point.index, point.value]);
  } else {
    values.forEach((value, i) => {
      const previous = values[i - 1];
      if (previous === undefined) corners.push([0, value]);
      else if (previous !== value) corners.push([i, previous], [i, value]);
    });
  }
  corners.push([values.length, values[values.length - 1] as number]);
  return corners;
}

/** Points of a running total: 0 at the start, then values[i] at the end of interval i. */
function runningCorners(values: readonly number[], sampling: Sampling): Array<[number, number]> {
  const samples: SamplePoint[] = values.length > sampling.above ? downsampleMinMax(values, sampling.buckets) : values.map((value, index) => ({ index, value }));
  return [[0, 0], ...samples.map((point): [number, number] => [point.index + 1, point.value])];
}

function renderLegend(series: readonly ChartSeries[]): string {
  let offset = MARGIN.left;
  const items = series.map((item) => {
    const dash = item.dashed ? ' stroke-dasharray="6 4"' : '';
    const swatch = item.fill
      ? `<rect x="${offset}" y="10" width="22" height="10" fill="${item.color}" fill-opacity="0.3" stroke="${item.color}"/>`
      : `<line x1="${offset}" x2="${offset + 22}" y1="15" y2="15" stroke="${item.color}" stroke-width="2.5"${dash}/>`;
    const text = `<text x="${offset + 28}" y="15" dy="0.32em">${escapeHtml(item.name)}</text>`;
    // No text measurement without a browser: 7 units per character is a safe width at 12px system-ui.
    offset += 28 + item.name.length * 7 + 20;
    return `<g class="legend-item" data-legend-item="${escapeHtml(item.key)}">${swatch}${text}</g>`;
  });
  return `<g class="legend" data-legend="">${items.join('')}</g>`;
}

/** 0, then round steps (1, 2, 2.5 or 5 × 10^k) up to the first tick at or above `peak`. */
export function niceValueTicks(peak: number): number[] {
  const ceiling = peak > 0 ? peak : 1;
  const raw = ceiling / VALUE_TICKS;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalized = raw / magnitude;
  const step = (normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 2.5 ? 2.5 : normalized <= 5 ? 5 : 10) * magnitude;
  const count = Math.ceil(ceiling / step - 1e-9);
  // toPrecision undoes float drift (3 × 0.1 = 0.30000000000000004) so tick labels read cleanly.
  return Array.from({ length: count + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

export interface TimeTick {
  at: number;
  label: string;
}

/**
 * Ticks on round UTC instants between `startMs` and `endMs` (at most 8): the smallest round step that
 * fits, aligned to the epoch (midnights for days, Mondays for weeks). A tick at midnight reads as the
 * date, any other as the time of day.
 */
export function timeTicks(startMs: number, endMs: number): TimeTick[] {
  const span = endMs - startMs;
  if (!(span > 0)) return [];
  const step = TIME_STEPS.find((candidate) => span / candidate <= MAX_TIME_TICKS) ?? Math.ceil(span / MAX_TIME_TICKS / DAY) * DAY;
  const offset = step % (7 * DAY) === 0 ? FIRST_MONDAY : 0;
  const ticks: TimeTick[] = [];
  for (let at = Math.ceil((startMs - offset) / step) * step + offset; at <= endMs; at += step) {
    const iso = new Date(at).toISOString();
    ticks.push({ at, label: at % DAY === 0 ? iso.slice(0, 10) : iso.slice(11, 16) });
  }
  return ticks;
}

function maxOf(values: readonly number[]): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const value of values) if (value > max) max = value;
  return max;
}

/** One decimal of a 960-unit viewBox is finer than any screen shows, and keeps the file small. */
function coordinate(value: number): string {
  return String(Math.round(value * 10) / 10);
}
