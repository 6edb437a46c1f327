import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors';
import { decisionKind, digestDecisions } from '../../src/report/decisions';
import { formatHumanDuration, humanizeDurations } from '../../src/report/figures';
import { renderReport } from '../../src/report/html';
import { formatSummaryTable } from '../../src/report/summary';
import type { ReportData, ReportInstance } from '../../src/report/types';
import { decision, makeInstance, makeReport, REFERENCE_POINTS, syntheticInstance, T0 } from './report-data';

const PAYLOAD = '<script>alert(1)</script>';
const ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;';
const ATTRIBUTE_PAYLOAD = '"><img src=x onerror=alert(1)>';

/** The points of one series' polyline in one chart of one instance section. */
function seriesPoints(html: string, chart: string, series: string): Array<{ x: number; y: number }> {
  const svg = new RegExp(`<svg data-chart="${chart}"[\\s\\S]*?</svg>`).exec(html)?.[0];
  const points = svg && new RegExp(`data-series="${series}" points="([^"]*)"`).exec(svg)?.[1];
  if (!points) throw new Error(`no ${series} series in the ${chart} chart`);
  return points.split(' ').map((pair) => {
    const [x, y] = pair.split(',').map(Number);
    return { x: x as number, y: y as number };
  });
}

describe('renderReport escapes every untrusted string', () => {
  const hostile = (patch: (data: ReportData) => void): ReportData => {
    const data = makeReport([makeInstance({ decisions: [decision({ action: 'set', to: 20, reason: 'SCALE_UP' })] })]);
    patch(data);
    return data;
  };
  const instance = (data: ReportData) => data.instances[0] as ReportInstance;

  it.each([
    { name: 'title', patch: (data: ReportData) => (data.title = PAYLOAD) },
    { name: 'subtitle', patch: (data: ReportData) => (data.subtitle = PAYLOAD) },
    { name: 'generatedAt', patch: (data: ReportData) => (data.generatedAt = PAYLOAD) },
    { name: 'currency', patch: (data: ReportData) => (data.currency = PAYLOAD) },
    { name: 'a note', patch: (data: ReportData) => (data.notes = [PAYLOAD]) },
    { name: 'instanceId', patch: (data: ReportData) => (instance(data).instanceId = PAYLOAD) },
    { name: 'label', patch: (data: ReportData) => (instance(data).label = PAYLOAD) },
    { name: 'policy', patch: (data: ReportData) => (instance(data).policy = PAYLOAD) },
    {
      name: 'a blocked reason key (of a producer that sends no decisions)',
      patch: (data: ReportData) => {
        instance(data).decisions = [];
        instance(data).summary.blocked = { [PAYLOAD]: 3 };
      },
    },
    { name: 'a decision message', patch: (data: ReportData) => (instance(data).decisions = [decision({ action: 'set', to: 20, message: PAYLOAD })]) },
    { name: 'a decision reason', patch: (data: ReportData) => (instance(data).decisions = [decision({ action: 'set', to: 20, reason: PAYLOAD })]) },
    { name: 'a decision outcome', patch: (data: ReportData) => (instance(data).decisions = [decision({ action: 'set', to: 20, outcome: PAYLOAD })]) },
  ])('$name', ({ patch }) => {
    // Act
    const html = renderReport(hostile(patch));

    // Assess
    expect(html).not.toContain(PAYLOAD);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain(ESCAPED);
  });

  it.each([
    { name: 'instanceId (written into aria-label and data-instance)', patch: (data: ReportData) => (instance(data).instanceId = ATTRIBUTE_PAYLOAD) },
    { name: 'currency (written into aria-label)', patch: (data: ReportData) => (data.currency = ATTRIBUTE_PAYLOAD) },
  ])('cannot break out of an attribute through $name', ({ patch }) => {
    const html = renderReport(hostile(patch));
    expect(html).not.toContain('<img');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('renderReport is self-contained', () => {
  const html = renderReport(makeReport([syntheticInstance('i-web', 2000), makeInstance()], { notes: ['see https://example.com for the trace'] }));

  it('forbids every fetch with a Content-Security-Policy', () => {
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
  });

  it.each([
    { name: 'no src or href to another origin', pattern: /(?:src|href)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?\/\//i },
    { name: 'no @import', pattern: /@import/i },
    { name: 'no url() in styles', pattern: /url\s*\(/i },
    { name: 'no script element', pattern: /<script/i },
    { name: 'no link element', pattern: /<link/i },
    { name: 'no iframe, object or embed', pattern: /<(?:iframe|object|embed)/i },
  ])('has $name', ({ pattern }) => {
    expect(html).not.toMatch(pattern);
  });

  it('links only to its own sections', () => {
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((match) => match[1]);
    expect(hrefs).toEqual(['#instance-1', '#instance-2']);
  });
});

describe('renderReport at the scale of the reference trace', () => {
  const spikeAt = 7_000;
  const demandMbps = Array.from({ length: REFERENCE_POINTS }, (_, i) => (i === spikeAt ? 500 : 10));
  const spiky = makeInstance({
    instanceId: 'i-spiky',
    demandMbps,
    bandwidthMbps: demandMbps.map(() => 20),
    cumulativeCost: demandMbps.map((_, i) => i * 0.01),
  });

  it('stays under 2 MB for 4 instances of 14,772 points', () => {
    // Prepare
    const data = makeReport([1, 2, 3, 4].map((seed) => syntheticInstance(`i-web-${seed}`, REFERENCE_POINTS, seed)));

    // Act
    const bytes = Buffer.byteLength(renderReport(data), 'utf8');

    // Assess
    expect(bytes).toBeLessThan(2 * 1024 * 1024);
  });

  it('keeps a single 5-minute spike at its full height', () => {
    // Act
    const html = renderReport(makeReport([spiky]));

    // Assess: the highest demand point sits on the 500 Mbps grid line, the top of the axis.
    const topTick = /<line class="grid" x1="\d+" x2="\d+" y1="([\d.]+)" y2="[\d.]+"\/><text class="tick"[^>]*>500<\/text>/.exec(html);
    expect(topTick).not.toBeNull();
    const highest = Math.min(...seriesPoints(html, 'bandwidth', 'demand').map((point) => point.y));
    expect(highest).toBe(Number(topTick?.[1]));
  });

  it('draws every long series with many points but fewer than the raw series', () => {
    const html = renderReport(makeReport([spiky]));
    for (const [chart, series] of [
      ['bandwidth', 'demand'],
      ['bandwidth', 'served'],
      ['bandwidth', 'bandwidth'],
      ['cost', 'cost'],
    ] as const) {
      const count = seriesPoints(html, chart, series).length;
      expect(count, `${chart}/${series}`).toBeGreaterThan(800);
      expect(count, `${chart}/${series}`).toBeLessThan(2_000);
    }
  });
});

describe('renderReport per-instance content', () => {
  it('shows the oracle as a dashed series and its figure only when the run computed it', () => {
    // Prepare
    const withOracle = makeInstance({ instanceId: 'i-oracle', oracleMbps: [5, 6, 12, 9, 5, 3], summary: { ...makeInstance().summary, oracleCost: 0.25 } });
    const without = makeInstance({ instanceId: 'i-plain' });

    // Act
    const oracleHtml = renderReport(makeReport([withOracle]));
    const plainHtml = renderReport(makeReport([without]));

    // Assess
    expect(oracleHtml).toMatch(/data-series="oracle" points="[^"]+" fill="none" stroke="[^"]+" stroke-dasharray/);
    expect(oracleHtml).toContain('Above optimum');
    expect(oracleHtml).toContain('+20.0%');
    expect(plainHtml).not.toContain('data-series="oracle" points=');
    expect(plainHtml).not.toContain('Above optimum');
  });

  it("draws a predictive policy's forecast against the bandwidth and demand, only when the run logged one", () => {
    const withForecast = makeInstance({ instanceId: 'i-forecast', forecastMbps: [6, 7, 13, 10, 6, 4] });

    const html = renderReport(makeReport([withForecast]));
    const plainHtml = renderReport(makeReport([makeInstance({ instanceId: 'i-plain' })]));

    expect(html).toMatch(/data-series="forecast" points="[^"]+" fill="none" stroke="[^"]+" stroke-dasharray/);
    expect(html).toContain('Forecast');
    expect(plainHtml).not.toContain('data-series="forecast" points=');
  });

  it('refuses a forecast series of another length than the demand, naming it', () => {
    expect(() => renderReport(makeReport([makeInstance({ forecastMbps: [1, 2] })]))).toThrow(/instances\[0\]\.forecastMbps: has 2 points, expected 6/);
  });

  it('states that nothing acted or was blocked when there are no decisions', () => {
    const html = renderReport(makeReport([makeInstance({ decisions: [] })]));
    expect(html).toContain('data-decisions-empty');
    expect(html).toContain('No decision acted or was blocked.');
    expect(html).not.toContain('<table class="decisions">');
    expect(html).toContain('0 in all');
  });

  it('lists acting and blocked decisions and folds the quiet ones into counts', () => {
    // Prepare
    const decisions = [
      decision({ at: T0, reason: 'AT_TARGET', message: 'quiet one' }),
      decision({ at: T0 + 300_000, action: 'set', from: 10, to: 15, reason: 'SCALE_UP', message: 'served 9.7 Mbps of 10 Mbps' }),
      decision({ at: T0 + 600_000, reason: 'PROVIDER_LOCK', message: 'changed 2 minutes ago' }),
      decision({ at: T0 + 900_000, reason: 'WITHIN_TOLERANCE', message: 'quiet two' }),
    ];
    const instance = makeInstance({ decisions, summary: { ...makeInstance().summary, blocked: { PROVIDER_LOCK: 1 } } });

    // Act
    const html = renderReport(makeReport([instance]));

    // Assess
    const table = /<table class="decisions">[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
    expect(table).toContain('2024-01-01 00:05');
    expect(table).toContain('10 → 15');
    expect(table).toContain('served 9.7 Mbps of 10 Mbps');
    expect(table).toContain('changed 2 minutes ago');
    expect(table).not.toContain('quiet one');
    expect(table).not.toContain('quiet two');
    expect(html).toMatch(/Nothing to do<\/b> 2: <code>AT_TARGET<\/code> 1 · <code>WITHIN_TOLERANCE<\/code> 1/);
    expect(html).toContain('All 2 decisions that acted or were blocked.');
  });

  it('shows what a blocked decision wanted when the producer says', () => {
    const instance = makeInstance({ decisions: [decision({ reason: 'MIN_HOLD', from: 20, to: 20, proposed: 12 })] });
    expect(renderReport(makeReport([instance]))).toContain('20 <span class="muted">(wanted 12)</span>');
  });

  it('explains every reason code it mentions from the decision core table', () => {
    const instance = makeInstance({
      decisions: [decision({ action: 'set', to: 20, reason: 'SCALE_UP' })],
      summary: { ...makeInstance().summary, blocked: { COOLDOWN: 2 } },
    });
    const glossary = /<section class="glossary">[\s\S]*?<\/section>/.exec(renderReport(makeReport([instance])))?.[0] ?? '';
    expect(glossary).toContain('<code>SCALE_UP</code>');
    expect(glossary).toContain('<code>COOLDOWN</code>');
    expect(glossary).toContain('per-direction cooldown');
  });
});

describe('decisionKind', () => {
  it.each([
    { name: 'a set acts', row: decision({ action: 'set', to: 20, reason: 'SCALE_UP' }), blocked: [], expected: 'acting' },
    { name: 'a temporary upgrade acts', row: decision({ action: 'temporaryUpgrade', to: 40, reason: 'SCHEDULE_FLOOR' }), blocked: [], expected: 'acting' },
    { name: 'holding at target is quiet', row: decision({ reason: 'AT_TARGET' }), blocked: [], expected: 'quiet' },
    { name: 'holding within tolerance is quiet', row: decision({ reason: 'WITHIN_TOLERANCE' }), blocked: [], expected: 'quiet' },
    { name: 'the provider lock blocks', row: decision({ reason: 'PROVIDER_LOCK' }), blocked: [], expected: 'blocked' },
    { name: 'a spent downgrade budget blocks', row: decision({ reason: 'DOWNGRADE_BUDGET' }), blocked: [], expected: 'blocked' },
    { name: 'an unknown held reason is listed rather than hidden', row: decision({ reason: 'SOMETHING_NEW' }), blocked: [], expected: 'blocked' },
    { name: 'at the policy bounds is not held back (isHeldBack)', row: decision({ reason: 'BOUNDS' }), blocked: [], expected: 'quiet' },
    {
      name: 'an order the provider refused did not act',
      row: decision({ action: 'set', to: 5, reason: 'SCALE_DOWN', outcome: 'blocked' }),
      blocked: [],
      expected: 'blocked',
    },
    {
      name: 'with a proposal, a hold that wanted a change is blocked',
      row: decision({ reason: 'COOLDOWN', from: 10, proposed: 6 }),
      blocked: [],
      expected: 'blocked',
    },
    {
      name: 'with a proposal, a hold that wanted nothing is quiet whatever its reason',
      row: decision({ reason: 'PROVIDER_LOCK', from: 10, proposed: 10 }),
      blocked: [],
      expected: 'quiet',
    },
  ])('$name', ({ row, expected }) => {
    expect(decisionKind(row)).toBe(expected);
  });
});

describe('digestDecisions', () => {
  it('keeps the latest 200 acting or blocked decisions in time order and counts all of them', () => {
    // Prepare: 250 different acting decisions, given newest first, between 1,000 quiet ones.
    const acting = Array.from({ length: 250 }, (_, i) => decision({ at: T0 + (250 - i) * 900_000, action: 'set', from: 10, to: 11 + i, reason: 'SCALE_UP' }));
    const quiet = Array.from({ length: 1_000 }, (_, i) => decision({ at: T0 + i * 300_000 }));

    // Act
    const digest = digestDecisions(makeInstance({ decisions: [...acting, ...quiet] }));

    // Assess
    expect(digest.total).toBe(1_250);
    expect(digest.listed).toBe(250);
    expect(digest.rows).toHaveLength(200);
    expect(digest.rows[0]?.decision.at).toBe(T0 + 51 * 900_000);
    expect(digest.rows[199]?.decision.at).toBe(T0 + 250 * 900_000);
    expect(digest.acted).toEqual({ raised: 250, lowered: 0, temporary: 0, total: 250 });
    expect(digest.counts.quiet).toEqual([{ reason: 'AT_TARGET', count: 1_000 }]);
  });

  it('collapses a run of identical decisions into one row with its count, and a quiet one ends the run', () => {
    // Prepare: 5 identical cooldown holds, a quiet tick, 2 more, then a different one.
    const held = (at: number) => decision({ at, reason: 'COOLDOWN', from: 10, proposed: 6, message: `held ${at} s` });
    const decisions = [held(T0), held(T0 + 1), held(T0 + 2), held(T0 + 3), held(T0 + 4), decision({ at: T0 + 5 }), held(T0 + 6), held(T0 + 7)];
    decisions.push(decision({ at: T0 + 8, reason: 'STABILIZATION', from: 10, proposed: 6 }));

    // Act
    const digest = digestDecisions(makeInstance({ decisions }));

    // Assess
    expect(digest.rows.map((run) => [run.decision.reason, run.count])).toEqual([
      ['COOLDOWN', 5],
      ['COOLDOWN', 2],
      ['STABILIZATION', 1],
    ]);
    expect(digest.rows[0]?.last.at).toBe(T0 + 4);
    expect(digest.listed).toBe(8);
    expect(digest.counts.blocked).toEqual([
      { reason: 'COOLDOWN', count: 7 },
      { reason: 'STABILIZATION', count: 1 },
    ]);
  });
});

describe('one count of blocked', () => {
  it('gives the card, the chips, the counts and the terminal table the same number, whatever summary.blocked says', () => {
    // Prepare: a producer whose summary disagrees with its own decisions.
    const decisions = [
      decision({ at: T0, reason: 'STABILIZATION', from: 10, proposed: 6 }),
      decision({ at: T0 + 1, reason: 'STABILIZATION', from: 10, proposed: 6 }),
      decision({ at: T0 + 2, reason: 'BOUNDS', from: 5, proposed: 3 }),
      decision({ at: T0 + 3, action: 'set', from: 10, to: 8, reason: 'STABILIZATION' }),
    ];
    const instance = makeInstance({ decisions });
    instance.summary = { ...instance.summary, blocked: { STABILIZATION: 729, BOUNDS: 94 } };

    // Act
    const html = renderReport(makeReport([instance]));

    // Assess
    expect(html).toMatch(/<dt>Blocked<\/dt><dd>2<span class="detail">1 reason<\/span>/);
    expect(html).toContain('<li data-count="blocked"><b>Blocked</b> 2: <code>STABILIZATION</code> 2');
    expect(html).toContain('<li data-count="acted"><b>Acted</b> 1: ▼ lowered 1</li>');
    expect(formatSummaryTable(makeReport([instance]))).toContain('STABILIZATION 2');
    expect(formatSummaryTable(makeReport([instance]))).not.toContain('729');
  });
});

describe('what the report writes for people', () => {
  it.each([
    { seconds: 42_000, text: '11 h 40 min' },
    { seconds: 600, text: '10 min' },
    { seconds: 45, text: '45 s' },
    { seconds: 3600, text: '1 h' },
    { seconds: 187_200, text: '2 d 4 h' },
  ])('writes $seconds s as "$text"', ({ seconds, text }) => {
    expect(formatHumanDuration(seconds)).toBe(text);
  });

  it('rewrites the raw seconds of a decision message, leaving short ones and other units alone', () => {
    expect(humanizeDurations('held for 42000 s of 43200 s; 30 s lag; 600 s window, 98% of 10 Mbps')).toBe(
      'held for 11 h 40 min of 12 h; 30 s lag; 10 min window, 98% of 10 Mbps',
    );
  });

  it("names the policy file's keys in the glossary, not the core's field names", () => {
    const instance = makeInstance({ decisions: [decision({ reason: 'MIN_HOLD', from: 10, proposed: 6 }), decision({ at: T0 + 1, reason: 'WARMUP' })] });

    const html = renderReport(makeReport([instance]));

    expect(html).toContain('scaleDown.minHold');
    expect(html).not.toContain('minHoldBeforeDowngradeSeconds');
    expect(html).not.toContain('warmupSeconds');
  });

  it('carries the downgrades footnote the terminal prints', () => {
    const html = renderReport(makeReport([makeInstance()]));

    expect(html).toContain('only the subscription (prepaid-bandwidth) ones spend its downgrade quota');
  });

  it('offers a chart per day for a run of a week, and none past two weeks', () => {
    const week = syntheticInstance('i-week', 7 * 288, 1);
    const long = syntheticInstance('i-long', 20 * 288, 2);

    const html = renderReport(makeReport([week, long]));

    const weekSection = /<section class="instance"[^>]*data-instance="i-week"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    expect(weekSection.match(/<details class="day"/g)).toHaveLength(7);
    expect(weekSection.match(/data-chart="day"/g)).toHaveLength(7);
    const longSection = /<section class="instance"[^>]*data-instance="i-long"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    expect(longSection).not.toContain('<details class="day"');
  });
});

describe('renderReport refuses malformed data', () => {
  const broken = (patch: (instance: ReportInstance) => void): ReportData => {
    const instance = makeInstance();
    patch(instance);
    return makeReport([instance]);
  };

  it.each([
    { name: 'a series shorter than demand', data: broken((i) => (i.servedMbps = [1, 2])), message: 'instances[0].servedMbps: has 2 points, expected 6' },
    {
      name: 'a NaN in a series',
      data: broken((i) => (i.bandwidthMbps = [10, 10, Number.NaN, 10, 10, 10])),
      message: 'instances[0].bandwidthMbps[2]: expected a finite number, got NaN',
    },
    { name: 'a zero step', data: broken((i) => (i.stepSeconds = 0)), message: 'instances[0].stepSeconds: expected a positive number, got 0' },
    {
      name: 'an unknown billing',
      data: broken((i) => (i.billing = 'monthly' as ReportInstance['billing'])),
      message:
        'instances[0].billing: expected one of postpaid-bandwidth, prepaid-bandwidth, traffic, eip-bandwidth, eip-traffic, cbwp-bandwidth, cbwp-95, got "monthly"',
    },
    {
      name: 'a missing summary figure',
      data: broken((i) => (i.summary = { ...i.summary, cost: undefined as unknown as number })),
      message: 'instances[0].summary.cost: expected a finite number, got undefined',
    },
    {
      name: 'a decision without a time',
      data: broken((i) => (i.decisions = [decision({ at: undefined as unknown as number })])),
      message: 'instances[0].decisions[0].at: expected a finite number, got undefined',
    },
  ])('$name', ({ data, message }) => {
    // Act
    let thrown: unknown;
    try {
      renderReport(data);
    } catch (error) {
      thrown = error;
    }

    // Assess
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).issues.some((issue) => issue.startsWith(message))).toBe(true);
  });
});
