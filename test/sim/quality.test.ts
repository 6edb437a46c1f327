// The scaling-quality targets on the real ISP trace, in the fast replay. The trace is public
// data kept outside the repository (../shared/traces); without it this test says so and skips.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/sim/backtest';
import {
  BENCH_PEAK_MBPS,
  cheapestLaggedRule,
  ISP_TARGETS,
  ISP_TRACE,
  missedTargets,
  ONE_MINUTE_START,
  oneMinuteTraffic,
  splitForBenchmark,
} from '../../src/sim/quality';
import { loadTrace } from '../../src/sim/trace';
import { ROOT, tracePath } from './support';

const ISP = tracePath('isp-eu-transatlantic-bits-5min.csv');

describe('the example policy on the ISP trace', () => {
  if (!ISP) {
    it.skip('meets the quality targets (skipped: ../shared/traces/isp-eu-transatlantic-bits-5min.csv is absent)', () => {});
    return;
  }

  it('costs <= 1.15x the oracle, drops <= 0.05 % and changes <= 48 times a day, beating the naive rule', async () => {
    const policyPath = join(ROOT, 'examples/policy.yaml');
    const trace = await loadTrace(ISP, { unit: 'bits-per-interval', peakMbps: BENCH_PEAK_MBPS });

    const { summary } = await runBacktest({ trace, billing: 'postpaid-bandwidth', policyText: await readFile(policyPath, 'utf8'), policySource: policyPath });

    expect(missedTargets(summary, ISP_TARGETS)).toEqual([]);
    expect(summary.errors).toBe(0);
    expect(summary.costVsOracle).toBeLessThan(summary.naiveVsOracle);
  }, 60_000);
});

describe('splitForBenchmark: tuning and evaluation parts', () => {
  const trace = (n: number) => ({
    name: 'x.csv',
    stepSeconds: 300,
    missingSlots: 0,
    points: Array.from({ length: n }, (_, i) => ({ at: i * 300_000, mbps: i })),
  });

  it('splits the ISP trace in time at 60 %: the parts are disjoint, in order, and cover it', () => {
    const [tuning, evaluation] = splitForBenchmark(ISP_TRACE, trace(100));

    expect(tuning?.part).toBe('tuning');
    expect(evaluation?.part).toBe('evaluation');
    expect(tuning?.trace.points.map((p) => p.mbps)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(evaluation?.trace.points.map((p) => p.mbps)).toEqual(Array.from({ length: 40 }, (_, i) => 60 + i));
    expect(evaluation?.trace.name).toBe('x.csv (last 40 %)');
  });

  it('every other trace is evaluation only, whole', () => {
    const parts = splitForBenchmark('nab-elb-request-count-8c0756.csv', trace(10));

    expect(parts.map((p) => [p.part, p.span, p.trace.points.length])).toEqual([['evaluation', 'whole', 10]]);
  });
});

describe('cheapestLaggedRule: what the age of a sample alone allows', () => {
  const options = { lagSteps: 2, maxDroppedFraction: 0.0005 };

  it('on constant demand needs no headroom: the last minute seen, rounded up, serves it all', () => {
    const rule = cheapestLaggedRule(Array(600).fill(10), 60, 'postpaid-bandwidth', options);

    expect(rule).toMatchObject({ lookBackSteps: 1, margin: 0, droppedFraction: 0 });
  });

  it('a rise faster than the rule can see costs headroom: the older the sample, the more', () => {
    // Every hour the demand steps from 10 to 14 Mbps for 10 minutes.
    const demand = Array.from({ length: 1440 }, (_, i) => (i % 60 < 50 ? 10 : 14));

    const fresh = cheapestLaggedRule(demand, 60, 'postpaid-bandwidth', { ...options, lagSteps: 1 });
    const stale = cheapestLaggedRule(demand, 60, 'postpaid-bandwidth', options);

    expect(fresh?.droppedFraction).toBeLessThanOrEqual(0.0005);
    expect(stale?.droppedFraction).toBeLessThanOrEqual(0.0005);
    expect(stale?.cost).toBeGreaterThan(0);
    expect(fresh?.cost).toBeLessThanOrEqual(stale?.cost ?? 0);
  });
});

describe('oneMinuteTraffic: a tuning trace that cannot encode the evaluation trace', () => {
  /** The minutes of day `d` (UTC) where demand jumps by more than 20 Mbps from the minute before: burst starts. */
  const burstStarts = (part: 'tuning' | 'evaluation') => {
    const points = oneMinuteTraffic(ONE_MINUTE_START, 3, part).points;
    const starts: number[] = [];
    for (let i = 1; i < points.length; i++) if ((points[i]?.mbps as number) - (points[i - 1]?.mbps as number) > 20) starts.push(i % 1440);
    return starts;
  };

  it('the evaluation trace keeps its evening burst: 19:00 + (d × 37 mod 90) minutes', () => {
    expect(burstStarts('evaluation')).toEqual([19 * 60, 19 * 60 + 37, 19 * 60 + 74]);
  });

  it('the tuning trace has its burst at midday, in another order, and its own noise', () => {
    const tuning = oneMinuteTraffic(ONE_MINUTE_START, 1, 'tuning').points;
    const evaluation = oneMinuteTraffic(ONE_MINUTE_START, 1, 'evaluation').points;

    expect(burstStarts('tuning')).toEqual([11 * 60, 11 * 60 + 53, 11 * 60 + 16]);
    expect(tuning.slice(0, 60).map((p) => p.mbps)).not.toEqual(evaluation.slice(0, 60).map((p) => p.mbps));
  });
});
