// The per-instance figures both views show (report.html header, terminal table), computed once so the
// two never disagree, and how each figure reads.
import { blockedCounts } from './decisions';
import type { ReportInstance } from './types';

export interface InstanceFigures {
  /** Days covered by the series (points × step). */
  days: number;
  /** Percent of the static-peak cost saved; negative when autoscaling cost more; undefined when the static peak cost nothing. */
  savingPercent?: number;
  /** Percent above (positive) the hindsight-optimal cost; undefined without an oracle or when it cost nothing. */
  overOraclePercent?: number;
  droppedPercent: number;
  changesPerDay?: number;
  /** Blocked decision counts, largest first, ties by reason code (see decisions.ts for the one definition). */
  blocked: Array<{ reason: string; count: number }>;
}

export function instanceFigures(instance: ReportInstance): InstanceFigures {
  const { summary } = instance;
  const days = (instance.demandMbps.length * instance.stepSeconds) / 86_400;
  const blocked = blockedCounts(instance);
  return {
    days,
    savingPercent: summary.staticPeakCost > 0 ? ((summary.staticPeakCost - summary.cost) / summary.staticPeakCost) * 100 : undefined,
    overOraclePercent:
      summary.oracleCost !== undefined && summary.oracleCost > 0 ? ((summary.cost - summary.oracleCost) / summary.oracleCost) * 100 : undefined,
    droppedPercent: summary.droppedFraction * 100,
    changesPerDay: days > 0 ? summary.changes / days : undefined,
    blocked,
  };
}

/**
 * Every bandwidth decrease counts as a downgrade; only a subscription's (prepaid-bandwidth) spend its
 * refund quota. The terminal prints it under the summary, the HTML under the summary table.
 */
export const DOWNGRADES_NOTE = 'downgrades: bandwidth decreases; only the subscription (prepaid-bandwidth) ones spend its downgrade quota';

const MONEY = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const COUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const ONE_DECIMAL = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const TWO_DECIMALS = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** `1,234.50` (the currency code is written once per table or card, not per figure). */
export function formatMoney(amount: number): string {
  return MONEY.format(amount);
}

/** `14,772`. */
export function formatCount(count: number): string {
  return COUNT.format(count);
}

/** `58.9%`, or an em dash when the figure does not exist. */
export function formatPercentFigure(percent: number | undefined): string {
  return percent === undefined ? '—' : `${ONE_DECIMAL.format(percent)}%`;
}

/** `+12.3%` / `-4.0%`: a difference, so the sign always shows. */
export function formatSignedPercent(percent: number | undefined): string {
  if (percent === undefined) return '—';
  return `${percent > 0 ? '+' : ''}${ONE_DECIMAL.format(percent)}%`;
}

/**
 * Dropped traffic is usually a small fraction, where one decimal would read 0.0% for a real loss:
 * two decimals, and `<0.01%` rather than `0.00%` when anything at all was dropped.
 */
export function formatDroppedPercent(percent: number): string {
  if (percent > 0 && percent < 0.005) return '<0.01%';
  return `${TWO_DECIMALS.format(percent)}%`;
}

/** `2.3`, one decimal: a rate, not a count. */
export function formatRate(rate: number | undefined): string {
  return rate === undefined ? '—' : ONE_DECIMAL.format(rate);
}

/** `30 min`, `6.5 h`, `51.3 days`: the span a run covers, in the unit that reads best. */
export function formatDuration(seconds: number): string {
  if (seconds < 3600) return `${COUNT.format(seconds / 60)} min`;
  if (seconds < 2 * 86_400) return `${ONE_DECIMAL.format(seconds / 3600)} h`;
  return `${ONE_DECIMAL.format(seconds / 86_400)} days`;
}

/**
 * A span as people write it: `45 s`, `10 min`, `11 h 40 min`, `2 d 3 h`; the two largest units,
 * the smaller one left out when it is zero.
 */
export function formatHumanDuration(totalSeconds: number): string {
  const seconds = Math.round(totalSeconds);
  if (seconds < 60) return `${seconds} s`;
  const units: Array<[string, number]> = [
    ['d', 86_400],
    ['h', 3600],
    ['min', 60],
    ['s', 1],
  ];
  const first = units.findIndex(([, size]) => seconds >= size);
  const [bigName, bigSize] = units[first] as [string, number];
  const big = Math.floor(seconds / bigSize);
  const next = units[first + 1];
  const small = next ? Math.floor((seconds - big * bigSize) / next[1]) : 0;
  return small > 0 && next ? `${big} ${bigName} ${small} ${next[0]}` : `${big} ${bigName}`;
}

/** A decision message with its raw second counts ("held for 42000 s") written as durations ("11 h 40 min"). */
export function humanizeDurations(message: string): string {
  return message.replace(/\b(\d+(?:\.\d+)?) ?s\b/g, (whole, digits: string) => {
    const seconds = Number(digits);
    return seconds >= 60 ? formatHumanDuration(seconds) : whole;
  });
}

/**
 * Which kind of bandwidth resource a report row is, read from its billing: an ECS instance's public
 * bandwidth, an Elastic IP, or an Internet Shared Bandwidth package (README "Three kinds of bandwidth").
 */
export function resourceKind(billing: ReportInstance['billing']): 'ecs' | 'eip' | 'cbwp' {
  if (billing.startsWith('eip-')) return 'eip';
  return billing.startsWith('cbwp-') ? 'cbwp' : 'ecs';
}

/** `2024-03-05 14:05` UTC. */
export function formatUtcMinute(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 16).replace('T', ' ');
}

/** The per-instance figures as JSON, for `--json` (the same numbers as the table and the HTML). */
export function reportSummaryJson(data: { instances: readonly ReportInstance[] }): Array<Record<string, unknown>> {
  return data.instances.map((instance) => {
    const figures = instanceFigures(instance);
    return {
      instanceId: instance.instanceId,
      kind: resourceKind(instance.billing),
      billing: instance.billing,
      policy: instance.policy,
      cost: instance.summary.cost,
      staticPeakCost: instance.summary.staticPeakCost,
      ...(instance.summary.oracleCost === undefined ? {} : { oracleCost: instance.summary.oracleCost }),
      savingPercent: figures.savingPercent ?? null,
      overOraclePercent: figures.overOraclePercent ?? null,
      droppedPercent: figures.droppedPercent,
      changes: instance.summary.changes,
      downgrades: instance.summary.downgrades,
      blocked: Object.fromEntries(figures.blocked.map((entry) => [entry.reason, entry.count])),
    };
  });
}
