// `bwscaler report DATA.json [--out report.html]`: renders a saved run (ReportData as JSON) into the
// self-contained HTML report and prints the summary table. For re-rendering a backtest without
// re-running it; `npm start` calls renderReport and formatSummaryTable directly.
// Exit codes (as `bwscaler validate`): 0 written, 1 invalid data, 2 usage error or an unreadable file.
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ValidationError } from '../errors';
import { checkReportData } from './check';
import { renderReport } from './html';
import { formatSummaryTable } from './summary';
import type { ReportData } from './types';

const USAGE = 'usage: bwscaler report DATA.json [--out report.html] [--prices FILE]';

export async function run(args: string[]): Promise<number> {
  let file: string;
  let out: string;
  let pricesFile: string | undefined;
  try {
    const parsed = parseArgs({ args, options: { out: { type: 'string', short: 'o' }, prices: { type: 'string' } }, allowPositionals: true, strict: true });
    if (parsed.positionals.length !== 1) throw new TypeError('expected exactly one DATA.json');
    file = parsed.positionals[0] as string;
    out = parsed.values.out ?? 'report.html';
    pricesFile = parsed.values.prices;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }

  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    console.error(`${file}: cannot read: ${(error as Error).message}`);
    return 2;
  }
  let data: ReportData;
  try {
    // Shape errors are found by checkReportData inside renderReport, with their paths.
    data = JSON.parse(text) as ReportData;
  } catch (error) {
    console.error(`${file}: not JSON: ${(error as Error).message}`);
    return 1;
  }
  if (pricesFile !== undefined) {
    try {
      checkReportData(data);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      for (const issue of error.issues) console.error(`${file}: ${issue}`);
      return 1;
    }
    // The saved series are priced again with the user's table (src/sim/reprice.ts).
    try {
      const { loadPrices } = await import('../sim/prices');
      const { repriceReport } = await import('../sim/reprice');
      data = repriceReport(data, await loadPrices(pricesFile), pricesFile);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      for (const issue of error.issues.length ? error.issues : [error.message]) console.error(issue);
      return 2;
    }
  }
  let html: string;
  try {
    html = renderReport(data);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    for (const issue of error.issues) console.error(`${file}: ${issue}`);
    return 1;
  }
  await writeFile(out, html);
  console.log(formatSummaryTable(data));
  console.log(`\nwrote ${out} (${Math.ceil(Buffer.byteLength(html) / 1024)} KiB)`);
  return 0;
}
