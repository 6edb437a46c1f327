// ReportData arrives from the simulator, possibly through a JSON file: check its shape once, before
// rendering, so a bad run fails with the path of what is wrong rather than with a broken chart.
import { ValidationError } from '../errors';
import type { ReportData, ReportInstance } from './types';

const BILLINGS = new Set(['postpaid-bandwidth', 'prepaid-bandwidth', 'traffic', 'eip-bandwidth', 'eip-traffic', 'cbwp-bandwidth', 'cbwp-95']);
const ACTIONS = new Set(['none', 'set', 'temporaryUpgrade']);
const SERIES = ['servedMbps', 'bandwidthMbps', 'oracleMbps', 'forecastMbps', 'cumulativeCost', 'staticPeakCumulativeCost'] as const;
/** Enough to find the fault; a series of 14,772 NaNs need not produce 14,772 lines. */
const MAX_ISSUES = 20;

/** Throws a ValidationError listing every problem (up to 20), each as `path: what was expected`. */
export function checkReportData(data: ReportData): void {
  const issues: string[] = [];

  expectString(issues, data.title, 'title');
  expectString(issues, data.subtitle, 'subtitle', true);
  expectString(issues, data.generatedAt, 'generatedAt');
  expectString(issues, data.currency, 'currency');
  if (data.notes !== undefined) {
    if (Array.isArray(data.notes)) {
      for (const [i, note] of data.notes.entries()) expectString(issues, note, `notes[${i}]`);
    } else issues.push(`notes: expected an array of strings, got ${describe(data.notes)}`);
  }
  if (!Array.isArray(data.instances)) {
    issues.push(`instances: expected an array, got ${describe(data.instances)}`);
  } else {
    for (const [i, instance] of data.instances.entries()) checkInstance(instance, `instances[${i}]`, issues);
  }
  if (issues.length > 0) {
    const shown = issues.length > MAX_ISSUES ? [...issues.slice(0, MAX_ISSUES), `… and ${issues.length - MAX_ISSUES} more`] : issues;
    throw new ValidationError(`invalid report data: ${shown[0]}${issues.length > 1 ? ` (+${issues.length - 1} more)` : ''}`, shown);
  }
}

function checkInstance(instance: ReportInstance, path: string, issues: string[]): void {
  if (typeof instance !== 'object' || instance === null) {
    issues.push(`${path}: expected an object, got ${describe(instance)}`);
    return;
  }
  expectString(issues, instance.instanceId, `${path}.instanceId`);
  expectString(issues, instance.label, `${path}.label`, true);
  expectString(issues, instance.policy, `${path}.policy`);
  if (!BILLINGS.has(instance.billing)) issues.push(`${path}.billing: expected one of ${[...BILLINGS].join(', ')}, got ${describe(instance.billing)}`);
  expectFinite(issues, instance.start, `${path}.start`);
  if (!(typeof instance.stepSeconds === 'number' && instance.stepSeconds > 0 && Number.isFinite(instance.stepSeconds))) {
    issues.push(`${path}.stepSeconds: expected a positive number, got ${describe(instance.stepSeconds)}`);
  }

  if (!Array.isArray(instance.demandMbps)) {
    issues.push(`${path}.demandMbps: expected an array of numbers, got ${describe(instance.demandMbps)}`);
    return;
  }
  const length = instance.demandMbps.length;
  checkSeries(instance.demandMbps, `${path}.demandMbps`, issues);
  for (const name of SERIES) {
    const series = instance[name];
    const optional = name === 'oracleMbps' || name === 'forecastMbps' || name === 'staticPeakCumulativeCost';
    if (series === undefined && optional) continue;
    if (!Array.isArray(series)) {
      issues.push(`${path}.${name}: expected an array of numbers, got ${describe(series)}`);
    } else if (series.length !== length) {
      issues.push(`${path}.${name}: has ${series.length} points, expected ${length} (the length of demandMbps)`);
    } else {
      checkSeries(series, `${path}.${name}`, issues);
    }
  }

  const summary = instance.summary;
  if (typeof summary !== 'object' || summary === null) {
    issues.push(`${path}.summary: expected an object, got ${describe(summary)}`);
  } else {
    for (const name of ['cost', 'staticPeakCost', 'droppedFraction', 'saturatedMinutes', 'changes', 'downgrades'] as const) {
      expectFinite(issues, summary[name], `${path}.summary.${name}`);
    }
    expectFinite(issues, summary.oracleCost, `${path}.summary.oracleCost`, true);
    expectFinite(issues, summary.score, `${path}.summary.score`, true);
    expectFinite(issues, summary.oracleScore, `${path}.summary.oracleScore`, true);
    if (typeof summary.blocked !== 'object' || summary.blocked === null) {
      issues.push(`${path}.summary.blocked: expected an object of counts by reason, got ${describe(summary.blocked)}`);
    } else {
      for (const [reason, count] of Object.entries(summary.blocked)) expectFinite(issues, count, `${path}.summary.blocked.${reason}`);
    }
  }

  if (!Array.isArray(instance.decisions)) {
    issues.push(`${path}.decisions: expected an array, got ${describe(instance.decisions)}`);
    return;
  }
  instance.decisions.forEach((decision, i) => {
    const at = `${path}.decisions[${i}]`;
    if (typeof decision !== 'object' || decision === null) {
      issues.push(`${at}: expected an object, got ${describe(decision)}`);
      return;
    }
    expectFinite(issues, decision.at, `${at}.at`);
    if (!ACTIONS.has(decision.action)) issues.push(`${at}.action: expected one of ${[...ACTIONS].join(', ')}, got ${describe(decision.action)}`);
    expectFinite(issues, decision.from, `${at}.from`);
    expectFinite(issues, decision.to, `${at}.to`);
    expectFinite(issues, decision.proposed, `${at}.proposed`, true);
    expectString(issues, decision.reason, `${at}.reason`);
    expectString(issues, decision.message, `${at}.message`);
    expectString(issues, decision.outcome, `${at}.outcome`, true);
  });
}

function expectString(issues: string[], value: unknown, path: string, optional = false): void {
  if (optional && value === undefined) return;
  if (typeof value !== 'string') issues.push(`${path}: expected a string, got ${describe(value)}`);
}

function expectFinite(issues: string[], value: unknown, path: string, optional = false): void {
  if (optional && value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value)) issues.push(`${path}: expected a finite number, got ${describe(value)}`);
}

function checkSeries(series: readonly unknown[], path: string, issues: string[]): void {
  let bad = 0;
  let first = -1;
  series.forEach((value, i) => {
    if (typeof value === 'number' && Number.isFinite(value)) return;
    bad++;
    if (first < 0) first = i;
  });
  if (bad > 0) {
    issues.push(`${path}[${first}]: expected a finite number, got ${describe(series[first])}${bad > 1 ? ` (${bad} such points in the series)` : ''}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number') return String(value);
  return typeof value;
}
