// The per-instance summary `npm start` prints: one aligned row per instance, the same figures as the
// header of each instance in report.html (both come from instanceFigures).
import { checkReportData } from './check';
import { formatCount, formatDroppedPercent, formatMoney, formatPercentFigure, formatSignedPercent, instanceFigures, resourceKind } from './figures';
import type { ReportData } from './types';

const TOP_BLOCKED = 3;

interface Column {
  heading: string;
  align: 'left' | 'right';
}

/**
 * A plain-text table, columns separated by two spaces, numbers right-aligned; no trailing newline.
 * Throws ValidationError on malformed data.
 */
export function formatSummaryTable(data: ReportData): string {
  checkReportData(data);
  const currency = printable(data.currency);
  const columns: Column[] = [
    { heading: 'resource', align: 'left' },
    { heading: 'kind', align: 'left' },
    { heading: 'billing', align: 'left' },
    { heading: `cost ${currency}`, align: 'right' },
    { heading: 'static peak', align: 'right' },
    { heading: 'saving', align: 'right' },
    { heading: 'vs oracle', align: 'right' },
    { heading: 'score vs opt', align: 'right' },
    { heading: 'dropped', align: 'right' },
    { heading: 'changes', align: 'right' },
    { heading: 'downgrades', align: 'right' },
    { heading: 'top blocked reasons', align: 'left' },
  ];
  const rows = data.instances.map((instance) => {
    const figures = instanceFigures(instance);
    const { summary } = instance;
    const blocked = figures.blocked.slice(0, TOP_BLOCKED).map((entry) => `${printable(entry.reason)} ${formatCount(entry.count)}`);
    const more = figures.blocked.length > TOP_BLOCKED ? ` (+${figures.blocked.length - TOP_BLOCKED} more)` : '';
    return [
      printable(instance.instanceId),
      resourceKind(instance.billing),
      instance.billing,
      formatMoney(summary.cost),
      formatMoney(summary.staticPeakCost),
      formatPercentFigure(figures.savingPercent),
      formatSignedPercent(figures.overOraclePercent),
      summary.score !== undefined && summary.oracleScore !== undefined && summary.oracleScore > 0
        ? `${(summary.score / summary.oracleScore).toFixed(3)}×`
        : '—',
      formatDroppedPercent(figures.droppedPercent),
      formatCount(summary.changes),
      formatCount(summary.downgrades),
      blocked.length ? `${blocked.join(', ')}${more}` : '—',
    ];
  });
  const widths = columns.map((column, c) => Math.max(column.heading.length, ...rows.map((row) => (row[c] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => {
        const width = widths[c] as number;
        return columns[c]?.align === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  const table = [line(columns.map((column) => column.heading)), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
  if (rows.length === 0) table.push('(no instances)');
  return table.join('\n');
}

/**
 * Instance ids and reason codes are untrusted: a control character (an ANSI escape, a carriage
 * return) could rewrite the operator's terminal, so each one prints as U+FFFD.
 */
function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD');
}
