// report.html: one self-contained file per run. No script, no font, no stylesheet or image from
// anywhere: the charts are SVG written here, so the file opens offline, from a mail attachment, with
// JavaScript disabled, and its Content-Security-Policy forbids every fetch.
import { REASONS } from '../core/reasons';
import { renderLineChart } from './chart';
import { checkReportData } from './check';
import { type DecisionDigest, type DecisionRun, digestDecisions } from './decisions';
import { escapeHtml } from './escape';
import {
  DOWNGRADES_NOTE,
  formatCount,
  formatDroppedPercent,
  formatDuration,
  formatHumanDuration,
  formatMoney,
  formatPercentFigure,
  formatRate,
  formatSignedPercent,
  formatUtcMinute,
  humanizeDurations,
  instanceFigures,
  resourceKind,
} from './figures';
import type { ReportData, ReportDecision, ReportInstance } from './types';

// Inline styles only ('unsafe-inline' covers the <style> block); nothing else may load.
const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const COLORS = {
  demand: '#64748b',
  served: '#16a34a',
  bandwidth: '#2563eb',
  oracle: '#ea580c',
  forecast: '#9333ea',
  cost: '#2563eb',
  staticPeak: '#94a3b8',
};

// Looked up with untrusted reason strings: an unknown code finds nothing and gets no explanation.
const REASON_TEXT: Readonly<Record<string, string | undefined>> = REASONS;

/** The terminal's downgrades note (figures.ts), as a sentence under the summary table. */
const DOWNGRADES_FOOTNOTE = `Downgrades: ${DOWNGRADES_NOTE.replace(/^downgrades: /, '')}.`;

/** Runs up to this long get a chart per day; beyond, the panels would outweigh the rest of the report. */
export const MAX_DAY_PANELS = 14;
const DAY_MS = 86_400_000;
/** Min/max pairs per day chart: one per 5 minutes. */
const DAY_BUCKETS = 288;

/** Renders the whole report as one HTML document. Throws ValidationError on malformed data. */
export function renderReport(data: ReportData): string {
  checkReportData(data);
  const notes = data.notes?.length ? `<ul class="notes">${data.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul>` : '';
  const digests = data.instances.map((instance) => digestDecisions(instance));
  const sections = data.instances.map((instance, i) => renderInstance(instance, i, digests[i] as DecisionDigest, data.currency)).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(data.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header>
<h1>${escapeHtml(data.title)}</h1>
${data.subtitle ? `<p class="subtitle">${escapeHtml(data.subtitle)}</p>` : ''}
<p class="meta">Generated ${escapeHtml(data.generatedAt)} · ${formatCount(data.instances.length)} instance${data.instances.length === 1 ? '' : 's'} · amounts in ${escapeHtml(data.currency)} · times in UTC</p>
${notes}
</header>
${renderOverview(data)}
${sections}
${renderGlossary(data.instances, digests)}
<footer>Self-contained report: no scripts and no network requests; the day charts open without either. Reason codes are those of the bwscaler decision core.</footer>
</main>
</body>
</html>
`;
}

function renderOverview(data: ReportData): string {
  if (data.instances.length === 0) return '<p class="empty-note">This run has no instances.</p>';
  const currency = escapeHtml(data.currency);
  const rows = data.instances.map((instance, i) => {
    const figures = instanceFigures(instance);
    const { summary } = instance;
    const topBlocked = figures.blocked.slice(0, 3).map((entry) => `<span class="nowrap">${escapeHtml(entry.reason)} ${formatCount(entry.count)}</span>`);
    return `<tr><td class="nowrap"><a href="#instance-${i + 1}" class="mono">${escapeHtml(instance.instanceId)}</a></td><td>${resourceKind(instance.billing)}</td><td class="nowrap">${escapeHtml(instance.billing)}</td><td class="num">${formatMoney(summary.cost)}</td><td class="num">${formatMoney(summary.staticPeakCost)}</td><td class="num">${formatPercentFigure(figures.savingPercent)}</td><td class="num">${formatSignedPercent(figures.overOraclePercent)}</td><td class="num">${formatDroppedPercent(figures.droppedPercent)}</td><td class="num">${formatCount(summary.changes)}</td><td class="num">${formatCount(summary.downgrades)}</td><td class="reasons">${topBlocked.join(', ') || '—'}</td></tr>`;
  });
  return `<section class="overview"><h2>Summary</h2><div class="table-wrap"><table>
<thead><tr><th>Resource</th><th>Kind</th><th>Billing</th><th class="num">Cost (${currency})</th><th class="num">Static peak (${currency})</th><th class="num">Saved</th><th class="num">vs oracle</th><th class="num">Dropped</th><th class="num">Changes</th><th class="num">Downgrades</th><th>Top blocked reasons</th></tr></thead>
<tbody>${rows.join('')}</tbody></table></div>
<p class="footnote" data-footnote="downgrades">${escapeHtml(DOWNGRADES_FOOTNOTE)}</p></section>`;
}

const TIMES = new Intl.NumberFormat('en-US', { minimumFractionDigits: 3, maximumFractionDigits: 3 });

function renderInstance(instance: ReportInstance, index: number, digest: DecisionDigest, currencyCode: string): string {
  const figures = instanceFigures(instance);
  const { summary } = instance;
  const currency = escapeHtml(currencyCode);
  const id = escapeHtml(instance.instanceId);
  const points = instance.demandMbps.length;
  const end = instance.start + points * instance.stepSeconds * 1000;
  const span = points > 0 ? `${formatUtcMinute(instance.start)} → ${formatUtcMinute(end)} UTC` : 'no data';

  const card = (label: string, value: string, detail = '') =>
    `<div class="figure"><dt>${label}</dt><dd>${value}${detail ? `<span class="detail">${detail}</span>` : ''}</dd></div>`;
  const cards = [
    card(`Cost, ${currency}`, formatMoney(summary.cost), figures.days > 0 ? `${formatMoney(summary.cost / figures.days)} per day` : ''),
    card('Saved vs peak', formatPercentFigure(figures.savingPercent), `static peak ${formatMoney(summary.staticPeakCost)}`),
    summary.oracleCost === undefined
      ? ''
      : card('Above optimum', formatSignedPercent(figures.overOraclePercent), `hindsight ${formatMoney(summary.oracleCost)}`),
    summary.score === undefined || summary.oracleScore === undefined || !(summary.oracleScore > 0)
      ? ''
      : card(
          'Score vs optimum',
          `${TIMES.format(summary.score / summary.oracleScore)}×`,
          `score ${formatMoney(summary.score)} = cost + ${formatMoney(summary.dropPenaltyPerGb ?? 0)} per dropped GB`,
        ),
    card('Dropped traffic', formatDroppedPercent(figures.droppedPercent), `saturated ${formatCount(summary.saturatedMinutes)} min`),
    card('Changes', formatCount(summary.changes), `${formatRate(figures.changesPerDay)} per day`),
    card('Downgrades', formatCount(summary.downgrades)),
    card(
      'Blocked',
      formatCount(figures.blocked.reduce((sum, entry) => sum + entry.count, 0)),
      `${formatCount(figures.blocked.length)} reason${figures.blocked.length === 1 ? '' : 's'}`,
    ),
  ].join('');
  const blocked = figures.blocked.length
    ? `<p class="chips" data-blocked=""><span class="chips-label">Blocked by reason</span>${figures.blocked.map((entry) => `<span class="chip" title="${escapeHtml(reasonText(entry.reason))}"><code>${escapeHtml(entry.reason)}</code> ${formatCount(entry.count)}</span>`).join('')}</p>`
    : '<p class="chips" data-blocked=""><span class="chips-label">No decision was blocked.</span></p>';

  const bandwidthChart = renderLineChart({
    chart: 'bandwidth',
    label: `Demand, served traffic and bandwidth of ${instance.instanceId} in Mbps, ${span}`,
    start: instance.start,
    stepSeconds: instance.stepSeconds,
    valueUnit: 'Mbps',
    series: [
      { key: 'demand', name: 'Demand', values: instance.demandMbps, color: COLORS.demand, timing: 'interval', fill: true },
      { key: 'served', name: 'Served', values: instance.servedMbps, color: COLORS.served, timing: 'interval' },
      // The optimum goes under the bandwidth: it is the reference, the bandwidth is what happened.
      ...(instance.oracleMbps
        ? [{ key: 'oracle', name: 'Hindsight optimum', values: instance.oracleMbps, color: COLORS.oracle, timing: 'interval' as const, dashed: true }]
        : []),
      // Forecast against actual: what the predictive policy's forecast asked for, beside what was set.
      ...(instance.forecastMbps
        ? [{ key: 'forecast', name: 'Forecast', values: instance.forecastMbps, color: COLORS.forecast, timing: 'interval' as const, dashed: true }]
        : []),
      { key: 'bandwidth', name: 'Bandwidth', values: instance.bandwidthMbps, color: COLORS.bandwidth, timing: 'interval' },
    ],
  });
  const costChart = renderLineChart({
    chart: 'cost',
    label: `Cumulative cost of ${instance.instanceId} in ${currencyCode}${instance.staticPeakCumulativeCost ? ' against static peak provisioning' : ''}, ${span}`,
    start: instance.start,
    stepSeconds: instance.stepSeconds,
    valueUnit: currencyCode,
    series: [
      { key: 'cost', name: `Autoscaled ${formatMoney(summary.cost)}`, values: instance.cumulativeCost, color: COLORS.cost, timing: 'running' },
      // Without the series there is nothing honest to draw: the static peak's cost is not linear
      // in time under pay-by-traffic, so it is not interpolated from summary.staticPeakCost.
      ...(instance.staticPeakCumulativeCost
        ? [
            {
              key: 'static-peak',
              name: `Static peak ${formatMoney(summary.staticPeakCost)}`,
              values: instance.staticPeakCumulativeCost,
              color: COLORS.staticPeak,
              timing: 'running' as const,
              dashed: true,
            },
          ]
        : []),
    ],
  });

  const heading = instance.label ? `${escapeHtml(instance.label)} <span class="mono id">${id}</span>` : `<span class="mono">${id}</span>`;
  const step = instance.stepSeconds % 60 === 0 ? `${instance.stepSeconds / 60} min` : `${instance.stepSeconds} s`;
  return `<section class="instance" id="instance-${index + 1}" data-instance="${id}">
<h2>${heading}</h2>
<p class="meta">${resourceKind(instance.billing)} · ${escapeHtml(instance.billing)} · policy <span class="mono">${escapeHtml(instance.policy)}</span> · ${span} · ${formatCount(points)} points every ${step} (${formatDuration(points * instance.stepSeconds)})</p>
<dl class="figures">${cards}</dl>
${blocked}
<figure>${bandwidthChart}<figcaption>Demand is what clients asked for; served is what the bandwidth let through (the shaded area above it was dropped). Long series are drawn as the minimum and maximum per pixel, so spikes keep their height.</figcaption></figure>
${renderDayPanels(instance)}
<figure>${costChart}<figcaption>Running total in ${currency}${instance.staticPeakCumulativeCost ? ', against holding the peak bandwidth all the time' : ''}.</figcaption></figure>
${renderDecisions(digest)}
</section>`;
}

/**
 * Zoom to a day without a script: one closed <details> per UTC day, each holding that day's chart at
 * full resolution. The file stays self-contained and readable offline with scripts disabled (its
 * Content-Security-Policy allows none), and a closed panel costs the browser no layout.
 */
function renderDayPanels(instance: ReportInstance): string {
  const stepMs = instance.stepSeconds * 1000;
  const points = instance.demandMbps.length;
  const end = instance.start + points * stepMs;
  if (points === 0 || end - instance.start <= DAY_MS) return '';
  const firstDay = Math.floor(instance.start / DAY_MS) * DAY_MS;
  const days = Math.ceil((end - firstDay) / DAY_MS);
  if (days > MAX_DAY_PANELS) return `<p class="muted">Runs longer than ${MAX_DAY_PANELS} days get no per-day charts: cut the trace to zoom.</p>`;
  const panels: string[] = [];
  for (let day = firstDay; day < end; day += DAY_MS) {
    const from = Math.max(0, Math.ceil((day - instance.start) / stepMs));
    const to = Math.min(points, Math.ceil((day + DAY_MS - instance.start) / stepMs));
    if (to <= from) continue;
    const slice = (values: readonly number[]) => values.slice(from, to);
    const label = new Date(day).toISOString().slice(0, 10);
    const weekday = new Date(day).toLocaleDateString('en-US', { weekday: 'short', timeZone: 'UTC' });
    const chart = renderLineChart({
      chart: 'day',
      label: `Demand, served traffic and bandwidth of ${instance.instanceId} in Mbps on ${label} (UTC)`,
      start: instance.start + from * stepMs,
      stepSeconds: instance.stepSeconds,
      valueUnit: 'Mbps',
      // Demand against bandwidth (served is the lower of the two), at most one min/max pair per
      // 5 minutes: a week of minutes then costs about 0.1 MB per instance instead of 0.7 MB.
      buckets: DAY_BUCKETS,
      series: [
        { key: 'demand', name: 'Demand', values: slice(instance.demandMbps), color: COLORS.demand, timing: 'interval' },
        { key: 'bandwidth', name: 'Bandwidth', values: slice(instance.bandwidthMbps), color: COLORS.bandwidth, timing: 'interval' },
      ],
    });
    panels.push(`<details class="day" data-day="${label}"><summary>${weekday} ${label}</summary><figure>${chart}</figure></details>`);
  }
  return `<div class="days" data-zoom=""><span class="chips-label">Zoom to a day (UTC):</span>${panels.join('')}</div>`;
}

function renderDecisions(digest: DecisionDigest): string {
  const countList = (reasons: DecisionDigest['counts']['blocked']) =>
    reasons.length ? reasons.map((entry) => `<code>${escapeHtml(entry.reason)}</code> ${formatCount(entry.count)}`).join(' · ') : 'none';
  const sum = (reasons: DecisionDigest['counts']['blocked']) => reasons.reduce((total, entry) => total + entry.count, 0);
  const { acted } = digest;
  const actedParts = [
    acted.raised ? `▲ raised ${formatCount(acted.raised)}` : '',
    acted.lowered ? `▼ lowered ${formatCount(acted.lowered)}` : '',
    acted.temporary ? `temporary upgrades ${formatCount(acted.temporary)}` : '',
  ].filter(Boolean);
  const counts = `<ul class="counts">
<li data-count="acted"><b>Acted</b> ${formatCount(acted.total)}${actedParts.length ? `: ${actedParts.join(' · ')}` : ''}</li>
<li data-count="blocked"><b>Blocked</b> ${formatCount(sum(digest.counts.blocked))}: ${countList(digest.counts.blocked)} <span class="muted">(the rules wanted a change that a guard or the provider held back)</span></li>
<li data-count="quiet"><b>Nothing to do</b> ${formatCount(sum(digest.counts.quiet))}: ${countList(digest.counts.quiet)}</li>
</ul>`;
  const heading = `<h3>Decisions <span class="muted">${formatCount(digest.total)} in all</span></h3>`;
  if (digest.rows.length === 0) {
    return `${heading}${counts}<p class="empty-note" data-decisions-empty="">No decision acted or was blocked.</p>`;
  }
  const collapsed = digest.runs < digest.listed ? `, identical ones in a row collapsed into one row with their count (${formatCount(digest.runs)} rows)` : '';
  const shown =
    digest.rows.length < digest.runs
      ? `The latest ${formatCount(digest.rows.length)} rows of the ${formatCount(digest.listed)} decisions that acted or were blocked${collapsed}; earlier ones are in the counts above.`
      : `All ${formatCount(digest.listed)} decisions that acted or were blocked${collapsed}.`;
  const withOutcome = digest.rows.some((run) => run.decision.outcome !== undefined);
  const rows = digest.rows.map((run) => renderDecisionRow(run, withOutcome)).join('\n');
  return `${heading}${counts}<p class="muted">${shown}</p>
<div class="table-wrap scroll"><table class="decisions">
<thead><tr><th>Time (UTC)</th><th class="num">Times</th><th>Action</th><th class="num">Mbps</th><th>Reason</th><th>Message</th>${withOutcome ? '<th>Outcome</th>' : ''}</tr></thead>
<tbody>
${rows}
</tbody></table></div>`;
}

function renderDecisionRow(run: DecisionRun, withOutcome: boolean): string {
  const { decision, last, count } = run;
  const action = actionBadge(decision);
  const wanted = decision.action === 'none' && decision.proposed !== undefined && decision.proposed !== decision.from;
  const change = wanted
    ? `${decision.from} <span class="muted">(wanted ${decision.proposed})</span>`
    : decision.from === decision.to
      ? `${decision.from}`
      : `${decision.from} → ${decision.to}`;
  const outcome = withOutcome ? `<td>${escapeHtml(decision.outcome ?? '')}</td>` : '';
  const time =
    count > 1
      ? `${formatUtcMinute(decision.at)}<span class="muted until">→ ${formatUtcMinute(last.at)}<br>(${formatHumanDuration((last.at - decision.at) / 1000)})</span>`
      : formatUtcMinute(decision.at);
  // The run's latest message: a held run's message counts up ("held 1 h", "held 1 h 5 min", ...).
  const message = humanizeDurations(last.message);
  return `<tr data-run="${count}"><td class="nowrap">${time}</td><td class="num">${count > 1 ? `×${formatCount(count)}` : ''}</td><td>${action}</td><td class="num nowrap">${change}</td><td><code title="${escapeHtml(reasonText(decision.reason))}">${escapeHtml(decision.reason)}</code></td><td class="message">${escapeHtml(message)}</td>${outcome}</tr>`;
}

function actionBadge(decision: ReportDecision): string {
  if (decision.action === 'temporaryUpgrade') return '<span class="badge temporary">temporary upgrade</span>';
  if (decision.action === 'set') {
    return decision.to < decision.from ? '<span class="badge down">▼ set</span>' : '<span class="badge up">▲ set</span>';
  }
  return '<span class="badge held">held</span>';
}

/**
 * The decision core names its settings by its own fields (src/core/types.ts); a reader of the report
 * writes the policy file, so the glossary names the keys of the policy file (schema/policy.schema.json).
 */
const POLICY_KEYS: ReadonlyArray<[RegExp, string]> = [
  [/\bminHoldBeforeDowngradeSeconds\b/g, 'scaleDown.minHold'],
  [/\bwarmupSeconds\b/g, 'warmup'],
  [/\bstabilizationSeconds\b/g, 'scaleDown.stabilization'],
  [/\(minOut\.\.maxOut\)/g, '(bounds.minOut..bounds.maxOut)'],
  [/\ballowZero\b/g, 'allowZero'],
];

export function inPolicyKeys(text: string): string {
  return POLICY_KEYS.reduce((result, [pattern, key]) => result.replace(pattern, key), text);
}

/** A reason code's meaning for a reader of the report; empty for a code the core does not know. */
function reasonText(reason: string): string {
  return inPolicyKeys(REASON_TEXT[reason] ?? '');
}

/** The meaning of every reason code the report mentions, from the decision core's own table. */
function renderGlossary(instances: readonly ReportInstance[], digests: readonly DecisionDigest[]): string {
  const seen = new Set<string>();
  for (const instance of instances) for (const reason of Object.keys(instance.summary.blocked)) seen.add(reason);
  for (const digest of digests) {
    for (const entries of Object.values(digest.counts)) for (const entry of entries) seen.add(entry.reason);
    for (const run of digest.rows) seen.add(run.decision.reason);
  }
  const known = [...seen].filter((reason) => REASON_TEXT[reason] !== undefined).sort();
  if (known.length === 0) return '';
  const items = known.map((reason) => `<dt><code>${escapeHtml(reason)}</code></dt><dd>${escapeHtml(reasonText(reason))}</dd>`);
  return `<section class="glossary"><h2>Reason codes</h2><dl>${items.join('')}</dl></section>`;
}

const STYLE = `
:root{color-scheme:light;--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--card:#f8fafc}
*{box-sizing:border-box}
body{margin:0;background:#fff;color:var(--ink);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1200px;margin:0 auto;padding:32px 24px 64px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:19px;margin:0 0 4px}
h3{font-size:15px;margin:24px 0 4px}
a{color:#1d4ed8}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.92em}
.subtitle{margin:0;color:#374151;font-size:16px}
.meta,.muted{color:var(--muted);font-size:12.5px}
.id{color:var(--muted);font-weight:400;margin-left:6px}
.notes{color:#374151;font-size:13px;padding-left:20px}
section{margin-top:32px}
section.instance{border-top:1px solid var(--line);padding-top:24px}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(124px,1fr));gap:8px;margin:14px 0 8px}
.figure{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 12px}
.figure dt{font-size:12px;color:var(--muted)}
.figure dd{margin:0;white-space:nowrap;font-size:20px;font-weight:600;font-variant-numeric:tabular-nums}
.figure .detail{display:block;white-space:normal;font-size:12px;font-weight:400;color:var(--muted)}
.chips{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin:8px 0;font-size:12.5px}
.chips-label{color:var(--muted);margin-right:4px}
.chip{background:#fef3c7;border:1px solid #fde68a;border-radius:999px;padding:1px 9px}
figure{margin:18px 0}
figure svg{display:block;width:100%;height:auto}
figcaption{font-size:12px;color:var(--muted)}
svg text{font-size:12px;fill:#374151}
svg .tick{font-size:11px;fill:var(--muted)}
svg .unit{font-size:11px;fill:var(--muted);font-weight:600}
svg .grid{stroke:#eef0f3}
svg .axis{stroke:#9ca3af}
svg .series{stroke-width:1.6;stroke-linejoin:round;vector-effect:non-scaling-stroke}
svg [data-series="demand"]{stroke-width:1}
svg [data-series="oracle"]{stroke-width:1.2;stroke-opacity:.85}
svg .area{fill-opacity:.22;stroke:none}
svg .empty{fill:var(--muted);font-size:14px}
.table-wrap{overflow-x:auto}
.scroll{max-height:460px;overflow-y:auto;border:1px solid var(--line);border-radius:8px}
table{border-collapse:collapse;width:100%;font-size:13px;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#f9fafb;font-weight:600;position:sticky;top:0}
.num{text-align:right}
.nowrap{white-space:nowrap}
.reasons{font-size:12px}
.counts{margin:4px 0;padding-left:20px;font-size:13px}
.badge{display:inline-block;border-radius:4px;padding:0 6px;font-size:12px;white-space:nowrap}
.badge.up{background:#dbeafe;color:#1e40af}
.badge.down{background:#dcfce7;color:#166534}
.badge.temporary{background:#f3e8ff;color:#6b21a8}
.badge.held{background:#f3f4f6;color:#4b5563}
.empty-note{color:var(--muted)}
.footnote{font-size:12px;color:var(--muted);margin:6px 0 0}
.days{margin:-8px 0 12px;font-size:12.5px}
.days details{display:inline;margin-right:4px}
.days details[open]{display:block;margin:6px 0}
.days summary{display:inline-block;cursor:pointer;list-style:none;border:1px solid var(--line);border-radius:6px;padding:1px 8px;margin:2px 0;background:var(--card)}
.days summary::-webkit-details-marker{display:none}
.days details[open]>summary{background:#dbeafe;border-color:#93c5fd}
.days figure{margin:6px 0}
td.message{overflow-wrap:anywhere}
.until{display:block}
.glossary dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;font-size:13px}
.glossary dd{margin:0}
footer{margin-top:40px;color:var(--muted);font-size:12px}
`;
