// `bwscaler backtest`: replays a traffic trace through a policy and prints what it would have cost,
// dropped and changed, next to the hindsight oracle, static peak provisioning and a naive reactive
// rule. Exit codes as every command: 0 done, 1 the replay failed, 2 usage or an unreadable input.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ValidationError } from '../errors';
import { renderReport } from '../report/html';
import { type BacktestResult, type BillingComparison, compareBillings, reportData, runBacktest, temporaryUpgradeNote } from '../sim/backtest';
import { BILLING_MODES, type BillingMode, DEFAULT_PRICES, type PriceTable } from '../sim/cost';
import { loadPrices, pricesNote } from '../sim/prices';
import { loadTrace, TRACE_UNITS, type TraceUnit } from '../sim/trace';
import { isVpcBilling } from '../sim/vpc-billing';
import { type CommandIo, EXIT_OK, formatTable, processIo, readFlags, requiredFlag, runCommand, type Terminal, UsageError } from './command';

export const DEFAULT_POLICY = fileURLToPath(new URL('../../examples/policy.yaml', import.meta.url));

const USAGE = `usage: bwscaler backtest --trace FILE.csv [options]

  --trace FILE.csv          timestamp,value rows (ISO-8601 or unix seconds), any regular step, gaps allowed
  --unit UNIT               what a value is: ${TRACE_UNITS.join(' | ')} (default bps)
  --bytes-per-request N     bytes sent per request, for --unit requests-per-interval
  --peak-mbps N             rescale the trace so that its peak demand is N Mbit/s
  --billing BILLING         ${BILLING_MODES.join(' | ')}
                            (default postpaid-bandwidth). eip-* and cbwp-* price the plan as an Elastic IP
                            or an Internet Shared Bandwidth package (docs/cost-model.md), replayed on a
                            pay-as-you-go EIP or package with its own range and rules
  --compare-billing         price the trace under every billing, static peak and the policy's plan
                            side by side, and say which fits (instead of one billing's figures)
  --policy FILE             policy file (default examples/policy.yaml)
  --policy-name NAME        the policy to replay (default: the one that selects the billing's simulated instance)
  --prices FILE             your price table (YAML or JSON; see docs/cost-model.md); default: the
                            documented Hangzhou examples, which are not your bill
  --full-stack              replay through the built functions, SDKs and local cloud emulators (slow)
  --report FILE             also write report.html there
  --data FILE               also write the report's data as JSON ("bwscaler report FILE" renders it again)
  --json                    end the output with one JSON line of the figures`;

const FLAGS = {
  trace: { type: 'string' },
  unit: { type: 'string' },
  'bytes-per-request': { type: 'string' },
  'peak-mbps': { type: 'string' },
  billing: { type: 'string' },
  'compare-billing': { type: 'boolean' },
  policy: { type: 'string' },
  'policy-name': { type: 'string' },
  prices: { type: 'string' },
  'full-stack': { type: 'boolean' },
  report: { type: 'string' },
  data: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export async function run(args: string[], _env: Record<string, string | undefined> = process.env, io: CommandIo = processIo): Promise<number> {
  return runCommand('backtest', USAGE, io, async (out) => {
    const flags = readFlags(args, FLAGS);
    if (flags.help) {
      out.print(USAGE);
      return EXIT_OK;
    }
    const tracePath = requiredFlag('trace', flags.trace);
    const unit = oneOf('unit', flags.unit ?? 'bps', TRACE_UNITS) as TraceUnit;
    const billing = oneOf('billing', flags.billing ?? 'postpaid-bandwidth', BILLING_MODES) as BillingMode;
    const compare = flags['compare-billing'] === true;
    if (compare && flags.billing !== undefined) {
      throw new UsageError('--compare-billing prices every billing: leave out --billing, or leave out --compare-billing to see one');
    }
    if (compare && (flags.report !== undefined || flags.data !== undefined)) {
      throw new UsageError('--compare-billing prints a table (and --json); --report and --data hold one billing: run them without it');
    }
    const bytesPerRequest = flags['bytes-per-request'] === undefined ? undefined : positiveNumber('bytes-per-request', flags['bytes-per-request']);
    const peakMbps = flags['peak-mbps'] === undefined ? undefined : positiveNumber('peak-mbps', flags['peak-mbps']);
    if (unit === 'requests-per-interval' && bytesPerRequest === undefined) {
      throw new UsageError('--unit requests-per-interval needs --bytes-per-request N: a request count says nothing about bytes');
    }
    const policyPath = flags.policy ?? DEFAULT_POLICY;

    const trace = await loadTrace(tracePath, {
      unit,
      ...(bytesPerRequest === undefined ? {} : { bytesPerRequest }),
      ...(peakMbps === undefined ? {} : { peakMbps }),
    }).catch((error: unknown) => {
      throw readable(error, `cannot read trace ${tracePath}`);
    });
    const prices = flags.prices === undefined ? DEFAULT_PRICES : await loadPrices(flags.prices);
    if (!compare) requirePrices(billing, prices, flags.prices);
    const policyText = await readFile(policyPath, 'utf8').catch((error: unknown) => {
      throw readable(error, `cannot read policy file ${policyPath}`);
    });
    if (compare) {
      const comparison = await compareBillings({
        trace,
        policyText,
        policySource: policyPath,
        ...(flags['policy-name'] === undefined ? {} : { policyName: flags['policy-name'] }),
        fullStack: flags['full-stack'] === true,
        prices,
      });
      printComparison(out, comparison);
      out.print(pricesNote(flags.prices));
      if (flags.json) out.print(JSON.stringify(comparison));
      return EXIT_OK;
    }
    const result = await runBacktest({
      trace,
      billing,
      policyText,
      policySource: policyPath,
      ...(flags['policy-name'] === undefined ? {} : { policyName: flags['policy-name'] }),
      fullStack: flags['full-stack'] === true,
      prices,
    });

    printResult(out, result);
    out.print(pricesNote(flags.prices));
    for (const warning of result.summary.warnings) out.warn(`warning: ${warning}`);
    if (flags.report !== undefined) {
      await writeFile(flags.report, renderReport(reportData(result, prices, { pricesNote: pricesNote(flags.prices) })));
      out.print(`wrote ${flags.report}`);
    }
    if (flags.data !== undefined) {
      await writeFile(flags.data, JSON.stringify(reportData(result)));
      out.print(`wrote ${flags.data}`);
    }
    if (flags.json) out.print(JSON.stringify(result.summary));
    return EXIT_OK;
  });
}

/**
 * A file-system error becomes a usage-class error naming the file. A malformed trace keeps its rows'
 * messages in the one message printed (the command runner shows a single issue by its message only,
 * which for a trace would be a bare count). Anything else passes through.
 */
function readable(error: unknown, what: string): unknown {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && code.startsWith('E')) return new ValidationError(`${what}: ${(error as Error).message}`);
  if (error instanceof ValidationError && error.issues.some((issue) => issue !== error.message)) {
    const message = `${error.message}\n  ${error.issues.join('\n  ')}`;
    return new ValidationError(message, [message], { cause: error });
  }
  return error;
}

/** An EIP or package billing needs its price section: a file without one is refused, naming both. */
function requirePrices(billing: BillingMode, prices: PriceTable, source: string | undefined): void {
  if (!isVpcBilling(billing)) return;
  const section = billing.startsWith('eip') ? 'eip' : 'cbwp';
  if (prices[section] === undefined) {
    throw new ValidationError(`${source ?? 'the price table'} has no "${section}" section, which --billing ${billing} needs (see docs/cost-model.md)`);
  }
}

function oneOf(flag: string, value: string, allowed: readonly string[]): string {
  if (!allowed.includes(value)) throw new UsageError(`--${flag}: expected one of ${allowed.join(', ')}, got "${value}"`);
  return value;
}

function positiveNumber(flag: string, value: string): number {
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag}: expected a number greater than 0, got "${value}"`);
  return n;
}

function printResult(out: Terminal, result: BacktestResult): void {
  const { summary, outcomes } = result;
  out.print(
    `${summary.trace}: ${summary.points} intervals of ${summary.stepSeconds} s (${summary.days.toFixed(1)} days), ${summary.billing}, policy ${summary.policy}, ${summary.mode} replay`,
  );
  if (summary.replayedAs !== undefined) {
    out.print(`the policy was replayed on a ${summary.replayedAs} instance (the ECS decision path) and its plan priced as ${summary.billing}`);
  }
  if (summary.replayedOn !== undefined) {
    const what = summary.replayedOn.kind === 'eip' ? 'Elastic IP' : 'shared bandwidth package';
    out.print(`the policy was replayed on the pay-as-you-go ${what} ${summary.replayedOn.id} (its own range and rules), its plan priced as ${summary.billing}`);
  }
  out.print('');
  const row = (name: string, o: (typeof outcomes)['policy']) => [
    name,
    o.cost.toFixed(2),
    summary.oracleCost > 0 ? `${(o.cost / summary.oracleCost).toFixed(3)}×` : '—',
    o.score.toFixed(2),
    summary.oracleScore > 0 ? `${(o.score / summary.oracleScore).toFixed(3)}×` : '—',
    `${(o.droppedFraction * 100).toFixed(4)} %`,
    (o.changes / summary.days).toFixed(1),
  ];
  out.print(
    formatTable(
      ['plan', `cost ${summary.currency}`, 'vs oracle', 'score', 'vs best score', 'dropped', 'changes/day'],
      [
        row(`policy ${summary.policy}`, outcomes.policy),
        row('static peak', outcomes.staticPeak),
        row('naive reactive', outcomes.naive),
        row('oracle (all demand)', outcomes.oracle),
        row('oracle (best score)', outcomes.scoreOracle),
      ],
    ),
  );
  out.print(
    `oracle: the least any plan can pay under the provider's rules (docs/cost-model.md); score = cost + ${summary.dropPenaltyPerGb} ${summary.currency} per dropped GB`,
  );
  if (!summary.oracleScoreExact) {
    out.print(
      `${summary.billing}: the best-score plan is not solved; "oracle (best score)" is the all-demand optimum, which a plan that drops traffic can beat (docs/cost-model.md)`,
    );
  }
  out.print('');
  const blocked = Object.entries(summary.blocked).sort(([, a], [, b]) => b - a);
  out.print(`saturated ${summary.saturatedMinutes} min; ${summary.changes} changes, ${summary.downgrades} downgrades`);
  if (summary.temporaryUpgrades) out.print(temporaryUpgradeNote(summary.temporaryUpgrades, summary.currency));
  out.print(`held back by: ${blocked.length ? blocked.map(([reason, count]) => `${reason} ${count}`).join(', ') : 'nothing'}`);
  if (summary.errors > 0) {
    out.warn(`${summary.errors} error(s) in the replay, first: ${result.run.errors[0]}`);
  }
}

function printComparison(out: Terminal, comparison: BillingComparison): void {
  const { currency } = comparison;
  out.print(`${comparison.trace}: ${comparison.points} intervals of ${comparison.stepSeconds} s (${comparison.days.toFixed(1)} days), every billing`);
  out.print('');
  const money = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(2));
  const percent = (value: number | undefined) => (value === undefined ? '—' : `${(value * 100).toFixed(4)} %`);
  out.print(
    formatTable(
      ['billing', 'replayed on', `static peak ${currency}`, 'static dropped', `autoscaled ${currency}`, 'dropped', `oracle ${currency}`, 'policy'],
      comparison.rows.map((row) =>
        row.skipped !== undefined
          ? [row.billing, row.replayedAs, '—', '—', '—', '—', '—', `skipped: ${row.skipped}`]
          : [
              row.billing,
              row.replayedAs,
              money(row.staticPeak?.cost),
              percent(row.staticPeak?.droppedFraction),
              money(row.autoscaled?.cost),
              percent(row.autoscaled?.droppedFraction),
              money(row.oracle?.cost),
              row.policy ?? '—',
            ],
      ),
    ),
  );
  out.print(
    `ranked by score = cost + ${comparison.dropPenaltyPerGb} ${currency} per dropped GB: static peak fits ${comparison.cheapestStatic ?? '—'} best, the policy's plan fits ${comparison.cheapestAutoscaled ?? '—'} best`,
  );
  out.print(
    'EIP and package rows replay the policy on a pay-as-you-go EIP or package with its own range and rules; their bills are daily (bandwidth) or monthly (enhanced 95th): docs/cost-model.md',
  );
  for (const row of comparison.rows) for (const warning of row.warnings ?? []) out.warn(`warning (${row.billing}): ${warning}`);
}
