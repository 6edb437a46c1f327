// `bwscaler start` (`npm start`): the demo. Simulates a week of a synthetic workload on the local
// cloud, end to end, prints the per-instance summary and writes report.html (src/sim/demo.ts).

import { writeFile } from 'node:fs/promises';
import { BwscalerError } from '../errors';
import { DOWNGRADES_NOTE, reportSummaryJson } from '../report/figures';
import { type DemoProgress, MAX_DEMO_DAYS } from '../sim/demo';
import { type CommandIo, type Env, EXIT_FAILURE, EXIT_OK, integerFlag, printJson, processIo, readFlags, requiredFlag, runCommand } from './command';

const USAGE = `usage: bwscaler start [--days N] [--out FILE] [--data FILE] [--seed N] [--prices FILE] [--quiet] [--json]

Simulates N days (default 7) of a SYNTHETIC workload (daily and weekly cycles, noise, a flash crowd)
on the local cloud's demo fleet, its EIP and its shared bandwidth package: the built functions, the
real SDKs, the ECS, VPC, CloudMonitor and Tablestore emulators, examples/policy.yaml, vpc-policy.yaml
and predictive-policy.yaml (forecast-only, on one instance). Prints a summary per instance, EIP and
package, and writes the report.

  --days N     simulated days, 1 to ${MAX_DEMO_DAYS} (default 7)
  --out FILE   where to write the HTML report (default report.html)
  --data FILE  also write the run's report data as JSON ("bwscaler report FILE" renders it again)
  --seed N     seed of the demand noise; the same seed replays the same run (default 1)
  --prices FILE  your price table (YAML or JSON; docs/cost-model.md); default: the documented
               Hangzhou examples, which are not your bill
  --quiet      no progress line; the summary and the report as usual
  --json       the summary figures, invocations and orders as JSON instead of the table

exit codes: 0 done, 1 a function failed during the run, 2 bad arguments`;

export async function run(args: string[], _env: Env = process.env, io: CommandIo = processIo): Promise<number> {
  return runCommand('start', USAGE, io, async (out) => {
    const flags = readFlags(args, {
      days: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      prices: { type: 'string' },
      quiet: { type: 'boolean' },
      data: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (flags.help) {
      out.print(USAGE);
      return EXIT_OK;
    }
    const days = flags.days === undefined ? 7 : integerFlag('days', flags.days, 1, MAX_DEMO_DAYS);
    const seed = flags.seed === undefined ? 1 : integerFlag('seed', flags.seed, 0, 2 ** 31 - 1);
    const file = flags.out ?? 'report.html';
    const dataFile = flags.data === undefined ? undefined : requiredFlag('data', flags.data);
    // Loaded here, not at the top: `bwscaler start --help` need not load the local cloud.
    const { runDemo } = await import('../sim/demo');
    const prices = flags.prices === undefined ? undefined : await (await import('../sim/prices')).loadPrices(flags.prices);

    const stream = io.stderr as { write(text: string): unknown; isTTY?: boolean };
    const progress = flags.quiet ? undefined : progressPrinter(stream, stream.isTTY === true);
    if (!flags.quiet) stream.write(`building the functions and starting the local cloud…\n`);
    const result = await runDemo({
      days,
      seed,
      out: file,
      ...(prices ? { prices, pricesSource: flags.prices } : {}),
      ...(progress ? { progress: progress.update } : {}),
    });
    progress?.done();

    if (dataFile !== undefined) {
      try {
        await writeFile(dataFile, JSON.stringify(result.data));
      } catch (error) {
        throw new BwscalerError(`cannot write ${dataFile}: ${(error as Error).message}`, { cause: error });
      }
    }
    for (const failure of result.invocations.failed.slice(0, 5)) {
      out.warn(`${failure.functionName} failed at ${new Date(failure.at).toISOString()}: ${failure.message}`);
    }
    if (flags.json) {
      printJson(out, {
        out: result.out,
        bytes: result.bytes,
        ...(dataFile !== undefined && { data: dataFile }),
        from: new Date(result.start).toISOString(),
        to: new Date(result.end).toISOString(),
        instances: reportSummaryJson(result.data),
        invocations: { schedule: result.invocations.schedule, alarm: result.invocations.alarm, failed: result.invocations.failed.length },
        orders: result.orders.length,
        wallSeconds: { startup: result.wallMs.startup / 1000, run: result.wallMs.run / 1000 },
      });
    } else {
      out.print(result.summary);
      out.print('');
      out.print(DOWNGRADES_NOTE);
      out.print(
        `${result.invocations.schedule} schedule and ${result.invocations.alarm} alarm invocations, ` +
          `${result.orders.length} orders; ${Math.round(result.wallMs.run / 100) / 10} s for the run, ` +
          `${Math.round(result.wallMs.startup / 100) / 10} s to build and start`,
      );
      out.print(`wrote ${result.out} (${Math.ceil(result.bytes / 1024)} KB)${dataFile === undefined ? '' : ` and ${dataFile}`}`);
    }
    // A function that threw is a defect the demo must not hide behind a good-looking table.
    return result.invocations.failed.length === 0 ? EXIT_OK : EXIT_FAILURE;
  });
}

/**
 * One line rewritten in place on a terminal (throttled to a few updates a second: the loop reports
 * every simulated hour, far more often than a person reads); one plain line per simulated day in a
 * pipe or a CI log, where carriage returns would pile up.
 */
function progressPrinter(stream: { write(text: string): unknown }, tty: boolean): { update: (p: DemoProgress) => void; done: () => void } {
  let lastWall = 0;
  let lastDay = -1;
  let drawn = false;
  const line = (p: DemoProgress) => {
    const day = Math.min(Math.ceil(p.minutesDone / 1440), Math.ceil(p.minutesTotal / 1440));
    const when = new Date(p.at).toISOString().slice(0, 16).replace('T', ' ');
    return `day ${day}/${Math.ceil(p.minutesTotal / 1440)}  ${when} UTC  ${p.invocations} invocations (${p.alarms} alarms)  ${p.changes} changes`;
  };
  return {
    update(p) {
      if (tty) {
        const now = Date.now();
        if (now - lastWall < 200 && p.minutesDone < p.minutesTotal) return;
        lastWall = now;
        stream.write(`\r${line(p)}\x1b[K`);
        drawn = true;
        return;
      }
      const day = Math.floor(p.minutesDone / 1440);
      if (day !== lastDay && (p.minutesDone % 1440 === 0 || p.minutesDone === p.minutesTotal)) {
        lastDay = day;
        stream.write(`${line(p)}\n`);
      }
    },
    done() {
      if (drawn) stream.write('\n');
    },
  };
}
