// The README's screenshots of report.html, taken in headless Chromium from a real run, so they show
// what the report shows today:
//
//   npx tsx scripts/screenshots.ts                 # runs the demo week first (about 5 minutes)
//   npx tsx scripts/screenshots.ts run.json        # or renders a run saved with `bwscaler start --data run.json`
//
// Writes docs/img/report-*.png at 1400 px wide. Needs Debian's chromium (apt-get install chromium).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { renderReport } from '../src/report/html';
import type { ReportData } from '../src/report/types';

const CHROMIUM = '/usr/bin/chromium';
const OUT = fileURLToPath(new URL('../docs/img/', import.meta.url));
/** Every committed image stays under this, so the repository does not grow with each refresh. */
const MAX_BYTES = 300 * 1024;

async function reportData(file: string | undefined): Promise<ReportData> {
  if (file !== undefined) return JSON.parse(readFileSync(file, 'utf8')) as ReportData;
  const { runDemo } = await import('../src/sim/demo');
  const scratch = mkdtempSync(join(tmpdir(), 'bwscaler-screenshots-'));
  try {
    return (await runDemo({ days: 7, seed: 1, out: join(scratch, 'report.html') })).data;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is absent: apt-get install chromium`);
  const data = await reportData(process.argv[2]);
  // A fixed "generated" stamp: a refresh changes the images only when the report changes.
  const html = renderReport({ ...data, generatedAt: 'by scripts/screenshots.ts' });
  const scratch = mkdtempSync(join(tmpdir(), 'bwscaler-screenshots-'));
  const file = join(scratch, 'report.html');
  writeFileSync(file, html);
  mkdirSync(OUT, { recursive: true });

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, javaScriptEnabled: false });
    await page.route('**', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const first = page.locator('section.instance').first();
    const shots: Array<[string, () => Promise<Buffer>]> = [
      ['report-summary.png', () => page.locator('main > header, section.overview').last().screenshot()],
      [
        'report-instance.png',
        async () => {
          // From the heading to the first chart's legend: the cards and the blocked chips between.
          const top = await first.locator('h2').boundingBox();
          const bottom = await first.locator('[data-blocked]').boundingBox();
          const box = await first.boundingBox();
          if (!top || !bottom || !box) throw new Error('the instance section is not laid out');
          return page.screenshot({ fullPage: true, clip: { x: box.x, y: top.y - 8, width: box.width, height: bottom.y + bottom.height - top.y + 16 } });
        },
      ],
      ['report-bandwidth.png', () => first.locator('figure').first().screenshot()],
      [
        'report-day.png',
        async () => {
          const day = first.locator('details.day').nth(3);
          await day.locator('summary').click();
          return day.locator('figure').screenshot();
        },
      ],
      ['report-table.png', () => first.locator('.table-wrap.scroll').screenshot()],
    ];
    for (const [name, take] of shots) {
      const path = join(OUT, name);
      writeFileSync(path, await take());
      const { size } = statSync(path);
      console.log(`${path}: ${Math.ceil(size / 1024)} KB`);
      if (size > MAX_BYTES) throw new Error(`${name} is ${Math.ceil(size / 1024)} KB, over ${MAX_BYTES / 1024} KB: crop it`);
    }
  } finally {
    await browser.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
