// `bwscaler report DATA.json [--out report.html]`: renders a saved run (ReportData as JSON) into the
// self-contained HTML report and prints the summary table. `bwscaler start --data FILE` and
// `bwscaler backtest --data FILE` write that JSON, so a run can be rendered again (after a change to
// the report, or on another machine) without being run again.
// Exit codes (as `bwscaler validate`): 0 written, 1 invalid data, 2 usage error or an unreadable file.
import { readFile, writeFile } from 'node:fs/promises';
import { type CommandIo, type Env, EXIT_FAILURE, EXIT_OK, printJson, processIo, readArgs, runCommand, UsageError } from '../cli/command';
import { ValidationError } from '../errors';
import { checkReportData } from './check';
import { reportSummaryJson } from './figures';
import { renderReport } from './html';
import { formatSummaryTable } from './summary';
import type { ReportData } from './types';

const USAGE = `usage: bwscaler report DATA.json [--out report.html] [--prices FILE] [--json]

Renders a saved run into the self-contained HTML report and prints the per-instance summary.
DATA.json is what "bwscaler start --data FILE" or "bwscaler backtest --data FILE" wrote.

  --out FILE, -o FILE  where to write the HTML (default report.html)
  --prices FILE        price the saved run again with your table (YAML or JSON; docs/cost-model.md)
  --json               the summary figures as JSON instead of the table

exit codes: 0 written, 1 invalid data, 2 usage error or an unreadable file`;

export async function run(args: string[], _env: Env = process.env, io: CommandIo = processIo): Promise<number> {
  return runCommand('report', USAGE, io, async (out) => {
    const { flags, positionals } = readArgs(args, { out: { type: 'string', short: 'o' }, prices: { type: 'string' }, json: { type: 'boolean' } });
    if (flags.help) {
      out.print(USAGE);
      return EXIT_OK;
    }
    if (positionals.length !== 1) throw new UsageError('expected exactly one DATA.json');
    const file = positionals[0] as string;
    const target = flags.out ?? 'report.html';

    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new ValidationError(`${file}: cannot read: ${(error as Error).message}`);
    }
    let data: ReportData;
    try {
      // Shape errors are found by checkReportData inside renderReport, with their paths.
      data = JSON.parse(text) as ReportData;
    } catch (error) {
      out.warn(`${file}: not JSON: ${(error as Error).message}`);
      return EXIT_FAILURE;
    }
    if (flags.prices !== undefined) {
      try {
        checkReportData(data);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        for (const issue of error.issues) out.warn(`${file}: ${issue}`);
        return EXIT_FAILURE;
      }
      // The saved series are priced again with the user's table (src/sim/reprice.ts); a bad price
      // file is a usage error naming the file and the path.
      const { loadPrices } = await import('../sim/prices');
      const { repriceReport } = await import('../sim/reprice');
      data = repriceReport(data, await loadPrices(flags.prices), flags.prices);
    }
    let html: string;
    try {
      html = renderReport(data);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      for (const issue of error.issues) out.warn(`${file}: ${issue}`);
      return EXIT_FAILURE;
    }
    await writeFile(target, html);
    const bytes = Buffer.byteLength(html);
    if (flags.json) printJson(out, { out: target, bytes, instances: reportSummaryJson(data) });
    else {
      out.print(formatSummaryTable(data));
      out.print(`\nwrote ${target} (${Math.ceil(bytes / 1024)} KiB)`);
    }
    return EXIT_OK;
  });
}
