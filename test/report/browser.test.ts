// Opens report.html in Debian's headless Chromium and checks that what a reader sees is there: each
// chart drawn with a real size, long lines, a legend, and no request leaving the file.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../src/report/html';
import { decision, makeInstance, makeReport, REFERENCE_POINTS, syntheticInstance, T0 } from './report-data';

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

describe.skipIf(!hasChromium)('report.html of a week at 1400 px in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  let directory: string;

  beforeAll(async () => {
    // Prepare: a week with a run of 30 identical cooldown holds (one every 5 minutes) in it.
    directory = mkdtempSync(join(tmpdir(), 'bwscaler-report-week-'));
    const file = join(directory, 'report.html');
    const week = syntheticInstance('i-week', 7 * 288, 3);
    const held = Array.from({ length: 30 }, (_, i) =>
      decision({
        at: T0 + 6 * 86_400_000 + i * 300_000,
        reason: 'COOLDOWN',
        from: 20,
        proposed: 12,
        message: `scale-down cooldown: ${600 + i * 300} s of 43200 s`,
      }),
    );
    week.decisions = [...week.decisions.filter((d) => d.at < held[0]!.at || d.at > held[29]!.at), ...held];
    writeFileSync(file, renderReport(makeReport([week], { subtitle: 'a week' })));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1400, height: 900 } });
    page = await context.newPage();
    await page.route('**', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await browser?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('shows a run of identical decisions as one row with its count and span', async () => {
    const row = page.locator('table.decisions tbody tr[data-run="30"]');

    await expect(row.count()).resolves.toBe(1);
    const text = await row.innerText();
    expect(text).toContain('×30');
    expect(text).toContain('2 h 25 min');
    expect(text).toContain('cooldown: 2 h 35 min of 12 h');
  });

  it('gives the card, the chips and the counts one number of blocked decisions', async () => {
    const section = page.locator('section[data-instance="i-week"]');
    const card = Number((await section.locator('.figure', { hasText: 'Blocked' }).locator('dd').innerText()).match(/^[\d,]+/)?.[0].replace(',', ''));
    const chips = await section.locator('[data-blocked] .chip').allInnerTexts();
    const chipSum = chips.reduce((sum, chip) => sum + Number(chip.split(/\s+/).at(-1)?.replace(',', '')), 0);
    const listed = Number((await section.locator('[data-count="blocked"]').innerText()).match(/Blocked\s+([\d,]+)/)?.[1]?.replace(',', ''));

    expect(card).toBeGreaterThan(30);
    expect(chipSum).toBe(card);
    expect(listed).toBe(card);
  });

  it('zooms to a day: a closed panel opens on a click, without JavaScript, to a full-width chart of that day', async () => {
    const day = page.locator('details.day').nth(2);
    await expect(page.locator('details.day').count()).resolves.toBe(7);
    await expect(day.locator('svg').isVisible()).resolves.toBe(false);

    await day.locator('summary').click();

    const box = await day.locator('svg[data-chart="day"]').boundingBox();
    expect(box?.width).toBeGreaterThan(900);
    expect(box?.height).toBeGreaterThan(200);
    await expect(day.locator('svg[data-chart="day"]').getAttribute('aria-label')).resolves.toContain('2024-01-03');
  });

  it('cuts nothing off at 1400 px: no horizontal scrolling of the page or of a table', async () => {
    const wide = await page.$$eval('.table-wrap', (wraps) => wraps.filter((wrap) => wrap.scrollWidth > wrap.clientWidth + 1).map((wrap) => wrap.className));
    const pageWidth = await page.$eval('html', (html) => html.scrollWidth);
    const overflow = { page: pageWidth, wide };

    expect(overflow.page).toBeLessThanOrEqual(1400);
    expect(overflow.wide).toEqual([]);
  });
});
