// Opens report.html in Debian's headless Chromium and checks that what a reader sees is there: each
// chart drawn with a real size, long lines, a legend, and no request leaving the file.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../src/report/html';
import { makeInstance, makeReport, REFERENCE_POINTS, syntheticInstance } from './report-data';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`test/report/browser.test.ts: skipped, ${CHROMIUM} is absent (install Debian's chromium: apt-get install chromium)`);
}

// The machine has no network: these flags stop Chromium from trying (and hanging on) its own
// background fetches, component updates and QUIC probes.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface ChartView {
  instance: string;
  chart: string;
  width: number;
  height: number;
  role: string | null;
  label: string | null;
  /** Points per polyline, as the browser parsed them. */
  points: Record<string, number>;
  legendItems: number;
  legendWidth: number;
}

describe.skipIf(!hasChromium)('report.html in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  let directory: string;
  let fileUrl: string;
  const requested: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    // Prepare: a reference-length instance with every series, and a short one without the optional ones.
    directory = mkdtempSync(join(tmpdir(), 'bwscaler-report-'));
    const file = join(directory, 'report.html');
    const short = makeInstance({ instanceId: 'i-short', decisions: [] });
    writeFileSync(file, renderReport(makeReport([syntheticInstance('i-reference', REFERENCE_POINTS), short], { subtitle: 'browser test' })));
    fileUrl = pathToFileURL(file).href;

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    // JavaScript off: the report must render without it (its charts are server-side SVG).
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1200, height: 900 } });
    page = await context.newPage();
    page.on('request', (request) => requested.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    await page.route('**', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
    await page.goto(fileUrl, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await browser?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  async function charts(): Promise<ChartView[]> {
    return page.$$eval('section.instance svg[data-chart]', (svgs) =>
      svgs.map((svg) => {
        const box = svg.getBoundingClientRect();
        const legend = svg.querySelector('[data-legend]');
        const points: Record<string, number> = {};
        for (const line of svg.querySelectorAll('polyline[data-series]')) {
          points[line.getAttribute('data-series') ?? '?'] = (line as unknown as { points: { numberOfItems: number } }).points.numberOfItems;
        }
        return {
          instance: svg.closest('section')?.getAttribute('data-instance') ?? '',
          chart: svg.getAttribute('data-chart') ?? '',
          width: box.width,
          height: box.height,
          role: svg.getAttribute('role'),
          label: svg.getAttribute('aria-label'),
          points,
          legendItems: legend?.querySelectorAll('[data-legend-item]').length ?? 0,
          legendWidth: legend?.getBoundingClientRect().width ?? 0,
        };
      }),
    );
  }

  it('renders a bandwidth chart and a cost chart per instance, each with a real size and an accessible name', async () => {
    const views = await charts();
    expect(views.map((view) => `${view.instance}/${view.chart}`)).toEqual(['i-reference/bandwidth', 'i-reference/cost', 'i-short/bandwidth', 'i-short/cost']);
    for (const view of views) {
      expect(view.width, `${view.instance}/${view.chart} width`).toBeGreaterThan(600);
      expect(view.height, `${view.instance}/${view.chart} height`).toBeGreaterThan(150);
      expect(view.role).toBe('img');
      expect(view.label).toContain(view.instance);
    }
  });

  it.each([
    {
      name: 'the reference trace draws demand, served, oracle and bandwidth with many points',
      instance: 'i-reference',
      chart: 'bandwidth',
      minPoints: { demand: 1_000, served: 1_000, oracle: 1_000, bandwidth: 1_000 },
    },
    {
      name: 'the reference trace draws its cost against the static peak',
      instance: 'i-reference',
      chart: 'cost',
      minPoints: { cost: 1_000, 'static-peak': 1_000 },
    },
    // Six distinct demand values make 1 + 5 × 2 + 1 step corners; a constant bandwidth makes 2.
    { name: 'a short run draws every interval as a step', instance: 'i-short', chart: 'bandwidth', minPoints: { demand: 12, served: 12, bandwidth: 2 } },
  ])('$name', async ({ instance, chart, minPoints }) => {
    const view = (await charts()).find((candidate) => candidate.instance === instance && candidate.chart === chart);
    expect(Object.keys(view?.points ?? {})).toEqual(Object.keys(minPoints));
    for (const [key, min] of Object.entries(minPoints)) expect(view?.points[key], key).toBeGreaterThanOrEqual(min);
    expect(view?.legendItems).toBe(Object.keys(minPoints).length);
    expect(view?.legendWidth).toBeGreaterThan(100);
  });

  it('shows the figures and the decision table as text', async () => {
    const reference = page.locator('section[data-instance="i-reference"]');
    await expect(reference.locator('.figure').count()).resolves.toBe(7);
    await expect(reference.locator('table.decisions tbody tr').count()).resolves.toBe(200);
    await expect(page.locator('section[data-instance="i-short"] [data-decisions-empty]').isVisible()).resolves.toBe(true);
  });

  it('requests nothing but the file itself and reports no error (no CSP violation)', () => {
    expect(requested).toEqual([fileUrl]);
    expect(consoleErrors).toEqual([]);
  });

  it('paints the bandwidth chart: its screenshot is far from blank', async () => {
    // Only the chart's figure: a full-page screenshot costs seconds on a loaded 2-core machine.
    const png = join(directory, 'bandwidth-chart.png');
    await page.locator('section[data-instance="i-reference"] figure').first().screenshot({ path: png });
    // Measured on this machine: the same figure with an empty chart (legend, caption, "No data") is
    // about 16 KB as PNG; the reference trace's chart about 110 KB.
    expect(statSync(png).size).toBeGreaterThan(60_000);
  });
});
