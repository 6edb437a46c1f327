// `npm run bench:quality`: the scaling-quality benchmark. Replays every trace of ../shared/traces
// (rescaled to an 80 Mbps peak, PostPaid PayByBandwidth, examples/policy.yaml) through the fast
// backtest and prints cost vs. the hindsight oracle, dropped demand and changes per day, next to static
// peak provisioning and a naive reactive rule computed in the same run. Then the spiky-traffic preset
// (examples/spiky-policy.yaml) on the EC2 traces, against static provisioning OF THE SAME COST.
//
// Every figure says which part of the data it is on: the ISP trace is split in time (its first 60 % is
// the TUNING part, the last 40 % EVALUATION only); every other trace is evaluation only, whole
// (src/sim/quality.ts splitForBenchmark). A policy's parameters may be chosen on the tuning part only.
//
// `--part tuning` measures the ISP tuning part and the SYNTHETIC one-minute tuning trace (with
// examples/evening-burst-policy.yaml) alone, the only data a policy may be tuned on, and nothing else:
// what a parameter sweep runs, so that tuning never looks at an evaluation figure.
//
// The last line of stdout is one JSON object. Exit 1 when the ISP trace misses its targets or the
// preset drops more than equal-cost static provisioning; 2 when ../shared/traces is absent.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BacktestSummary, runBacktest } from '../src/sim/backtest';
import {
  BENCH_PEAK_MBPS,
  cheapestLaggedRule,
  equalCostStatic,
  ISP_TARGETS,
  ISP_TRACE,
  missedTargets,
  ONE_MINUTE_DAYS,
  ONE_MINUTE_START,
  ONE_MINUTE_TARGETS,
  oneMinuteTraffic,
  PREDICTIVE_TARGETS,
  SHARED_TRACES,
  sharedTracesDir,
  splitForBenchmark,
  type TracePart,
} from '../src/sim/quality';
import { demandGrid, loadTrace } from '../src/sim/trace';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const POLICY = join(ROOT, 'examples/policy.yaml');
const SPIKY_POLICY = join(ROOT, 'examples/spiky-policy.yaml');
const PREDICTIVE_POLICY = join(ROOT, 'examples/predictive-policy.yaml');
const BURST_POLICY = join(ROOT, 'examples/evening-burst-policy.yaml');

const percent = (fraction: number) => `${(fraction * 100).toFixed(4)} %`;
const ratio = (value: number) => `${value.toFixed(3)}×`;

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

interface PredictiveRow {
  file: string;
  part: TracePart;
  span: string;
  /** Not flagged spiky in SHARED_TRACES: the "smooth 5-minute traffic" the issue's cost target is about. */
  smooth: boolean;
  reactive: BacktestSummary;
  forecastOnly: BacktestSummary;
  forecastAndScale: BacktestSummary;
  /** The example file's own mode, the one issue 14's targets are checked on. */
  example: BacktestSummary;
}

const figures = (s: BacktestSummary) => ({
  costVsOracle: s.costVsOracle,
  scoreVsOracle: s.scoreVsOracle,
  droppedFraction: s.droppedFraction,
  changesPerDay: s.changesPerDay,
});

/**
 * Issue 14's targets on EVALUATION parts (the ISP tuning part has its own): smooth traffic <= 1.10×
 * the oracle at <= 0.05 % dropped and <= 48 changes a day; the ISP tuning part <= 1.11×; spiky traffic
 * a score no worse than the example policy's.
 */
function predictiveTargetChecks(rows: PredictiveRow[]): Array<{ what: string; value: string; met: boolean }> {
  const checks: Array<{ what: string; value: string; met: boolean }> = [];
  for (const r of rows) {
    const s = r.example;
    const where = `${r.file} ${r.part} (${r.span})`;
    if (r.part === 'tuning') {
      checks.push({
        what: `${where} <= ${PREDICTIVE_TARGETS.tuningMaxCostVsOracle}× (tuning part)`,
        value: ratio(s.costVsOracle),
        met: s.costVsOracle <= PREDICTIVE_TARGETS.tuningMaxCostVsOracle,
      });
    } else if (r.smooth) {
      const missed = missedTargets(s, PREDICTIVE_TARGETS.smooth);
      checks.push({
        what: `${where} smooth: <= ${PREDICTIVE_TARGETS.smooth.maxCostVsOracle}×, <= ${percent(PREDICTIVE_TARGETS.smooth.maxDroppedFraction)}, <= ${PREDICTIVE_TARGETS.smooth.maxChangesPerDay}/day`,
        value: missed.length === 0 ? `${ratio(s.costVsOracle)}, ${percent(s.droppedFraction)}, ${s.changesPerDay.toFixed(1)}/day` : missed.join('; '),
        met: missed.length === 0,
      });
    } else {
      checks.push({
        what: `${where} spiky: score no worse than the example policy (${ratio(r.reactive.scoreVsOracle)})`,
        value: ratio(s.scoreVsOracle),
        met: s.score <= r.reactive.score,
      });
    }
  }
  return checks;
}

/** `--part tuning`: the ISP tuning part only; absent: every part of every trace. */
function partArgument(argv: string[]): TracePart | undefined {
  const at = argv.indexOf('--part');
  if (at < 0) return undefined;
  const part = argv[at + 1];
  if (part !== 'tuning') throw new Error(`bench:quality: --part takes "tuning", got ${JSON.stringify(part)}`);
  return part;
}

async function main(): Promise<number> {
  const onlyPart = partArgument(process.argv.slice(2));
  const dir = sharedTracesDir(ROOT);
  if (!existsSync(dir)) {
    console.error(`bench:quality: no traces at ${dir} (the shared real traces live outside the repository); nothing to measure`);
    return 2;
  }
  const policyText = await readFile(POLICY, 'utf8');
  const spikyText = await readFile(SPIKY_POLICY, 'utf8');
  const predictiveText = await readFile(PREDICTIVE_POLICY, 'utf8');
  // The same file in both modes, whichever the example chose: each is measured.
  const modeOf = (mode: string) => predictiveText.replace(/mode: forecast-(only|and-scale)\b/, `mode: ${mode}`);
  const onlyText = modeOf('forecast-only');
  const scaleText = modeOf('forecast-and-scale');
  const exampleMode = /mode: (forecast-only|forecast-and-scale)\b/.exec(predictiveText)?.[1] ?? 'forecast-only';
  const predictive: PredictiveRow[] = [];
  const failures: string[] = [];
  const results: Array<{ summary: BacktestSummary; file: string; part: TracePart; span: string }> = [];
  const absent: string[] = [];
  const spiky: Array<{
    trace: string;
    cost: number;
    droppedFraction: number;
    changesPerDay: number;
    equalCostStaticMbps: number;
    equalCostStaticDropped: number;
  }> = [];

  for (const { file, options, spiky: isSpiky } of SHARED_TRACES) {
    if (onlyPart && file !== ISP_TRACE) continue;
    const path = join(dir, file);
    if (!existsSync(path)) {
      console.error(`bench:quality: ${file} is ABSENT from ${dir}: not measured, and absent from every table below`);
      absent.push(file);
      continue;
    }
    const trace = await loadTrace(path, { ...options, peakMbps: BENCH_PEAK_MBPS });
    for (const slice of splitForBenchmark(file, trace)) {
      if (onlyPart && slice.part !== onlyPart) continue;
      const result = await runBacktest({ trace: slice.trace, billing: 'postpaid-bandwidth', policyText, policySource: POLICY });
      results.push({ ...result, file, part: slice.part, span: slice.span });
      const where = `${file} (${slice.part}, ${slice.span})`;
      if (result.summary.errors > 0) failures.push(`${where}: ${result.summary.errors} error(s) in the replay: ${result.run.errors[0]}`);
      if (file === ISP_TRACE) for (const miss of missedTargets(result.summary, ISP_TARGETS)) failures.push(`${where}: ${miss}`);
      const run = async (text: string) =>
        (await runBacktest({ trace: slice.trace, billing: 'postpaid-bandwidth', policyText: text, policySource: PREDICTIVE_POLICY })).summary;
      const [only, scale] = [await run(onlyText), await run(scaleText)];
      for (const s of [only, scale]) if (s.errors > 0) failures.push(`${where}: ${s.errors} error(s) in the predictive replay`);
      const example = exampleMode === 'forecast-and-scale' ? scale : only;
      predictive.push({
        file,
        part: slice.part,
        span: slice.span,
        smooth: !isSpiky,
        reactive: result.summary,
        forecastOnly: only,
        forecastAndScale: scale,
        example,
      });
    }

    if (isSpiky && !onlyPart) {
      const preset = await runBacktest({ trace, billing: 'postpaid-bandwidth', policyText: spikyText, policySource: SPIKY_POLICY });
      const grid = preset.scenario.grid;
      const equal = equalCostStatic(grid.mbps, grid.stepSeconds, 'postpaid-bandwidth', preset.summary.cost);
      if (!equal) throw new Error('equal-cost static provisioning is undefined for this billing');
      spiky.push({
        trace: file,
        cost: preset.summary.cost,
        droppedFraction: preset.summary.droppedFraction,
        changesPerDay: preset.summary.changesPerDay,
        equalCostStaticMbps: equal.mbps,
        equalCostStaticDropped: equal.outcome.droppedFraction,
      });
      if (!(preset.summary.droppedFraction < equal.outcome.droppedFraction)) {
        failures.push(
          `${file}: the spiky preset drops ${percent(preset.summary.droppedFraction)}, static provisioning of the same cost ${percent(equal.outcome.droppedFraction)}`,
        );
      }
    }
  }

  console.log(
    `example policy, postpaid-bandwidth, peak ${BENCH_PEAK_MBPS} Mbps (cost relative to the all-demand optimum, score relative to the best score; docs/cost-model.md)\n`,
  );
  console.log(
    table(
      ['trace', 'part', 'policy cost', 'score', 'dropped', 'changes/day', 'static cost', 'dropped', 'naive cost', 'score', 'dropped', 'changes/day'],
      results.map(({ summary: s, file, part, span }) => [
        file,
        `${part} (${span})`,
        ratio(s.costVsOracle),
        ratio(s.scoreVsOracle),
        percent(s.droppedFraction),
        s.changesPerDay.toFixed(1),
        ratio(s.staticPeakVsOracle),
        percent(0),
        ratio(s.naiveVsOracle),
        ratio(s.naiveScoreVsOracle),
        percent(s.naiveDroppedFraction),
        s.naiveChangesPerDay.toFixed(1),
      ]),
    ),
  );
  console.log(
    `\nISP targets: <= ${ISP_TARGETS.maxCostVsOracle}× the oracle, <= ${percent(ISP_TARGETS.maxDroppedFraction)} dropped, <= ${ISP_TARGETS.maxChangesPerDay} changes/day`,
  );
  console.log(
    `\npredictive policy (examples/predictive-policy.yaml, parameters chosen on the tuning part only) vs the example policy above; same replay, same oracle\n`,
  );
  const cells = (s: BacktestSummary) => [ratio(s.costVsOracle), ratio(s.scoreVsOracle), percent(s.droppedFraction), s.changesPerDay.toFixed(1)];
  console.log(
    table(
      [
        'trace',
        'part',
        'example cost',
        'score',
        'dropped',
        'ch/day',
        'forecast-only cost',
        'score',
        'dropped',
        'ch/day',
        'forecast-and-scale cost',
        'score',
        'dropped',
        'ch/day',
      ],
      predictive.map((r) => [r.file, `${r.part} (${r.span})`, ...cells(r.reactive), ...cells(r.forecastOnly), ...cells(r.forecastAndScale)]),
    ),
  );
  const issue14 = predictiveTargetChecks(predictive);
  console.log(`\nissue 14 targets (the example predictive policy, ${exampleMode}; reported, not part of the exit code):`);
  for (const check of issue14) console.log(`  ${check.met ? 'met   ' : 'MISSED'} ${check.what}: ${check.value}`);
  if (spiky.length > 0) {
    console.log('\nspiky preset (examples/spiky-policy.yaml) vs static provisioning of the same cost\n');
    console.log(
      table(
        ['trace', 'preset cost CNY', 'dropped', 'changes/day', 'equal-cost static', 'dropped'],
        spiky.map((s) => [
          s.trace,
          s.cost.toFixed(2),
          percent(s.droppedFraction),
          s.changesPerDay.toFixed(1),
          `${s.equalCostStaticMbps.toFixed(2)} Mbps`,
          percent(s.equalCostStaticDropped),
        ]),
      ),
    );
  }
  // Issue 14: what a fresher sample is worth on one-minute traffic. The same policies ticking every
  // minute and every 5 minutes (the deployed ScheduleCron), the history gaining every minute either
  // way; then the 5-minute tick with the deployed alarm path beside it: setup-alarms' own rule (the
  // policy's saturation threshold, Period 60, SilenceTime 3600 s) in the local cloud's alarm engine,
  // Times 2 (its default) and Times 1 (`--times 1`), each notice handled a detection period (60 s)
  // after its minute became visible, by the alarm function's own cycle (src/sim/replay.ts).
  // Both one-minute traces are SYNTHETIC (src/sim/quality.ts ONE_MINUTE_PARTS): the evening-burst
  // policy was tuned on the TUNING trace (a midday burst) alone; `--part tuning` runs only that one.
  const minuteTraces = {
    tuning: oneMinuteTraffic(ONE_MINUTE_START, ONE_MINUTE_DAYS, 'tuning'),
    evaluation: oneMinuteTraffic(ONE_MINUTE_START, ONE_MINUTE_DAYS, 'evaluation'),
  } as const;
  const burstText = await readFile(BURST_POLICY, 'utf8');
  const allPaths = [
    { path: '1 min', tickEverySteps: 1 },
    { path: '5 min', tickEverySteps: 5 },
    { path: '5 min + alarms (Times 2)', tickEverySteps: 5, alarms: { times: 2 as const } },
    { path: '5 min + alarms (Times 1)', tickEverySteps: 5, alarms: { times: 1 as const } },
  ];
  const burstPaths = allPaths.slice(0, 3);
  const runs: Array<{ part: TracePart; policy: string; text: string; source: string; paths: typeof allPaths }> = [
    ...(onlyPart
      ? []
      : [
          { part: 'evaluation' as const, policy: 'example policy', text: policyText, source: POLICY, paths: allPaths },
          { part: 'evaluation' as const, policy: `predictive, ${exampleMode}`, text: predictiveText, source: PREDICTIVE_POLICY, paths: allPaths },
        ]),
    { part: 'tuning', policy: 'evening-burst', text: burstText, source: BURST_POLICY, paths: burstPaths },
    ...(onlyPart ? [] : [{ part: 'evaluation' as const, policy: 'evening-burst', text: burstText, source: BURST_POLICY, paths: burstPaths }]),
  ];
  const freshness: Array<{ part: TracePart; policy: string; path: string; summary: BacktestSummary }> = [];
  for (const { part, policy: name, text, source, paths } of runs) {
    const minuteTrace = minuteTraces[part];
    for (const { path, tickEverySteps, alarms } of paths) {
      const { summary } = await runBacktest({
        trace: minuteTrace,
        billing: 'postpaid-bandwidth',
        policyText: text,
        policySource: source,
        tickEverySteps,
        ...(alarms ? { alarms } : {}),
      });
      if (summary.errors > 0) failures.push(`${minuteTrace.name}, ${name}, ${path}: ${summary.errors} error(s) in the replay`);
      freshness.push({ part, policy: name, path, summary });
    }
  }
  const traceLabel = (part: TracePart) => (part === 'tuning' ? 'TUNING (midday burst)' : 'evaluation (evening burst)');
  if (freshness.length > 0) {
    console.log(
      `\ntick freshness on one-minute traffic (${ONE_MINUTE_DAYS} days; SYNTHETIC: no shared trace is finer than 5 minutes). "evening-burst" = examples/evening-burst-policy.yaml, tuned on the TUNING trace only\n`,
    );
    console.log(
      table(
        ['one-minute trace (SYNTHETIC)', 'policy', 'tick', 'cost', 'score', 'dropped', 'changes/day', 'alerts', 'raised by an alarm'],
        freshness.map((f) => [
          traceLabel(f.part),
          f.policy,
          f.path,
          ratio(f.summary.costVsOracle),
          ratio(f.summary.scoreVsOracle),
          percent(f.summary.droppedFraction),
          f.summary.changesPerDay.toFixed(1),
          f.summary.alarms ? String(f.summary.alarms.alerts) : '-',
          f.summary.alarms ? String(f.summary.alarms.raised) : '-',
        ]),
      ),
    );
  }
  const oneMinute = freshness.map((f) => {
    const missed = missedTargets(f.summary, { ...ONE_MINUTE_TARGETS, maxChangesPerDay: Number.POSITIVE_INFINITY });
    return { what: `${f.part} trace, ${f.policy}, ${f.path}`, part: f.part, met: missed.length === 0, value: missed.length === 0 ? 'met' : missed.join('; ') };
  });
  if (oneMinute.length > 0)
    console.log(
      `\nissue 14 one-minute target: <= ${percent(ONE_MINUTE_TARGETS.maxDroppedFraction)} dropped at <= ${ONE_MINUTE_TARGETS.maxCostVsOracle}× the oracle (the issue asks it on evaluation data; reported, not part of the exit code):`,
    );
  for (const check of oneMinute)
    console.log(
      `  ${check.met ? 'met   ' : 'MISSED'} ${check.what}: ${check.value}${check.met && check.part === 'tuning' ? ' (tuning data: not the target)' : ''}`,
    );
  // What the age of the sample alone allows: the newest minute a tick or an alarm sees is 2 minutes old.
  const lagged = (['tuning', 'evaluation'] as const).flatMap((part) => {
    const reference = freshness.find((f) => f.part === part)?.summary;
    if (!reference) return [];
    const grid = demandGrid(minuteTraces[part]);
    return [2, 3].map((lagSteps) => ({
      part,
      lagSteps,
      oracleCost: reference.oracleCost,
      rule: cheapestLaggedRule(grid.mbps, grid.stepSeconds, 'postpaid-bandwidth', {
        lagSteps,
        maxDroppedFraction: ONE_MINUTE_TARGETS.maxDroppedFraction,
        calendar: { startMs: grid.start, utcOffsetMinutes: 480 },
      }),
    }));
  });
  if (lagged.length > 0)
    console.log(
      '\nthe cheapest simple rule at <= 0.05 % dropped that sets every minute from the TRUE demand k minutes old (no provider lock, no censoring: kinder than any reactive policy):',
    );
  for (const { part, lagSteps, rule, oracleCost } of lagged) {
    console.log(
      rule
        ? `  ${traceLabel(part)}, ${lagSteps} min old: ${ratio(rule.cost / oracleCost)} the oracle (highest of ${rule.lookBackSteps} min + ${Math.round(rule.margin * 100)} %, ${percent(rule.droppedFraction)} dropped)`
        : `  ${traceLabel(part)}, ${lagSteps} min old: no rule of the grid drops <= 0.05 %`,
    );
  }
  console.log(
    `\nparts: "tuning" = data a policy's parameters may be chosen on (the ISP trace's first 60 % in time, and the SYNTHETIC one-minute TUNING trace); "evaluation" = data nothing was tuned on (the ISP trace's last 40 %, every other trace whole, the SYNTHETIC one-minute evaluation trace)`,
  );
  if (onlyPart) console.log(`--part ${onlyPart}: the ISP tuning part and the SYNTHETIC one-minute TUNING trace only; no evaluation figure was computed`);
  if (absent.length > 0) console.log(`ABSENT (not measured): ${absent.join(', ')} — expected in ${dir}`);
  console.log(failures.length === 0 ? '\nall targets met' : `\nMISSED:\n  ${failures.join('\n  ')}`);
  console.log(
    JSON.stringify({
      ok: failures.length === 0,
      failures,
      absent,
      traces: results.map(({ summary: s, file, part, span }) => ({
        trace: s.trace,
        file,
        part,
        span,
        costVsOracle: s.costVsOracle,
        scoreVsOracle: s.scoreVsOracle,
        droppedFraction: s.droppedFraction,
        changesPerDay: s.changesPerDay,
        staticPeakVsOracle: s.staticPeakVsOracle,
        naiveVsOracle: s.naiveVsOracle,
        naiveScoreVsOracle: s.naiveScoreVsOracle,
        naiveDroppedFraction: s.naiveDroppedFraction,
        naiveChangesPerDay: s.naiveChangesPerDay,
      })),
      spiky,
      predictive: predictive.map((r) => ({
        file: r.file,
        part: r.part,
        span: r.span,
        reactive: figures(r.reactive),
        forecastOnly: figures(r.forecastOnly),
        forecastAndScale: figures(r.forecastAndScale),
      })),
      predictiveExampleMode: exampleMode,
      issue14,
      tickFreshness: freshness.map((f) => ({
        trace: f.part,
        policy: f.policy,
        path: f.path,
        ...figures(f.summary),
        ...(f.summary.alarms ? { alarms: f.summary.alarms } : {}),
      })),
      oneMinuteTarget: oneMinute,
      laggedRuleFloor: lagged.map(({ part, lagSteps, rule, oracleCost }) => ({
        trace: part,
        lagMinutes: lagSteps,
        ...(rule
          ? { costVsOracle: rule.cost / oracleCost, droppedFraction: rule.droppedFraction, lookBackMinutes: rule.lookBackSteps, margin: rule.margin }
          : {}),
      })),
    }),
  );
  return failures.length === 0 ? 0 : 1;
}

process.exitCode = await main();
