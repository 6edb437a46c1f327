// The fast backtest hands the served history to decide(), so a predictive policy runs through the same
// decide() there as in `npm start`; without it, the same file is its plain reactive rules.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forecastSeries, reportData, runBacktest } from '../../src/sim/backtest';
import { ROOT, syntheticTrace } from './support';

const PREDICTIVE = join(ROOT, 'examples/predictive-policy.yaml');
const text = readFileSync(PREDICTIVE, 'utf8');
const replay = (feedHistory: boolean) =>
  runBacktest({ trace: syntheticTrace(), billing: 'postpaid-bandwidth', policyText: text, policySource: PREDICTIVE, feedHistory });

describe('the fast backtest and the predictive policy', () => {
  it('feeds the served history: once two samples are in it, every decision shows the forecast', async () => {
    const { run, summary } = await replay(true);
    const messages = run.decisions.slice(2).map((d) => d.message ?? '');

    expect(summary.errors).toBe(0);
    expect(messages.some((m) => /forecast \d+ Mbps/.test(m))).toBe(true);
    expect(messages.filter((m) => m.includes('no served history yet'))).toEqual([]);
  });

  it('without the history the same file replays as its reactive rules, and says so', async () => {
    const { run } = await replay(false);
    const messages = run.decisions.map((d) => d.message ?? '');

    expect(messages.some((m) => m.includes('no served history yet, plain reactive rules'))).toBe(true);
    expect(messages.filter((m) => /forecast \d+ Mbps/.test(m))).toEqual([]);
  });

  it('puts the logged forecast in the report, one value per step of the replay', async () => {
    const result = await replay(true);

    const instance = reportData(result).instances[0];

    expect(instance?.forecastMbps).toHaveLength(instance?.demandMbps.length ?? -1);
    expect(new Set(instance?.forecastMbps).size).toBeGreaterThan(1);
  });
});

describe('forecastSeries', () => {
  it('holds each logged forecast until the next, the first one back to the start; nothing when none was logged', () => {
    const decisions = [{ at: 120_000, forecast: 10 }, { at: 180_000 }, { at: 240_000, forecast: 12 }];

    expect(forecastSeries(decisions, 0, 60, 6)).toEqual({ forecastMbps: [10, 10, 10, 10, 12, 12] });
    expect(forecastSeries([{ at: 0 }], 0, 60, 3)).toEqual({});
  });
});

describe('the fast backtest with a slower tick than the trace', () => {
  it('decides every k-th step only, while the plan still has one bandwidth per step', async () => {
    const every = await runBacktest({ trace: syntheticTrace(), billing: 'postpaid-bandwidth', policyText: text, policySource: PREDICTIVE });
    const fifth = await runBacktest({ trace: syntheticTrace(), billing: 'postpaid-bandwidth', policyText: text, policySource: PREDICTIVE, tickEverySteps: 5 });

    expect(fifth.run.decisions.length).toBe(Math.ceil(every.run.decisions.length / 5));
    expect(fifth.plans.policy).toHaveLength(every.plans.policy.length);
  });

  it('refuses a tick interval that is not a whole number of steps', async () => {
    await expect(
      runBacktest({ trace: syntheticTrace(), billing: 'postpaid-bandwidth', policyText: text, policySource: PREDICTIVE, tickEverySteps: 0 }),
    ).rejects.toThrow(/tickEverySteps: expected a whole number >= 1, got 0/);
  });
});
