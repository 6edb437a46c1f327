import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockedReasons, runBacktest } from '../../src/sim/backtest';
import { BILLINGS, scorePlan } from '../../src/sim/cost';
import { timerCron } from '../../src/sim/fullstack';
import { equalCostStatic } from '../../src/sim/quality';
import { replayFast } from '../../src/sim/replay';
import { buildScenario } from '../../src/sim/scenario';
import { demandGrid, parseTrace } from '../../src/sim/trace';
import { csvOf, EXAMPLE_POLICY, ROOT, SUMMARY_FIELDS, syntheticTrace } from './support';

const backtest = (billing: (typeof BILLINGS)[number], trace = syntheticTrace()) =>
  runBacktest({ trace, billing, policyText: EXAMPLE_POLICY, policySource: 'examples/policy.yaml' });

describe('the fast backtest', () => {
  it.each(BILLINGS.map((billing) => ({ name: `reports figures consistent with its own plan (${billing})`, billing })))('$name', async ({ billing }) => {
    // Act
    const { summary, plans, run, scenario } = await backtest(billing);

    // Assess
    const demand = scenario.grid.mbps;
    const scored = scorePlan(demand, plans.policy, 300, billing);
    expect(summary).toMatchObject({
      trace: 'synthetic.csv',
      points: demand.length,
      cost: scored.cost,
      droppedFraction: scored.droppedFraction,
      changes: scored.changes,
    });
    expect(summary.costVsOracle).toBeCloseTo(summary.cost / summary.oracleCost, 12);
    expect(summary.changesPerDay).toBeCloseTo(summary.changes / (demand.length / 288), 9);
    expect(summary.blocked).toEqual(blockedReasons(run.decisions));
    expect(run.decisions).toHaveLength(demand.length);
    expect(run.errors).toEqual([]);
    for (const key of SUMMARY_FIELDS) {
      expect(summary, key).toHaveProperty(key);
    }
  });

  it('changes the bandwidth exactly where the decision log says it applied a change', async () => {
    const { run, scenario } = await backtest('postpaid-bandwidth');

    // The tick reads no change back: its order is 'placed', confirmed by the next tick's describe.
    const applied = run.decisions.filter((d) => d.outcome === 'placed' || d.outcome === 'applied');
    const moves = run.planMbps.flatMap((mbps, i) =>
      mbps !== (i === 0 ? scenario.instance.initialMbps : run.planMbps[i - 1]) ? [{ at: scenario.tickTimes[i], to: mbps }] : [],
    );
    expect(applied.length).toBeGreaterThan(1);
    expect(moves).toEqual(applied.map((d) => ({ at: d.at, to: d.to })));
  });

  it('reads the served rate of the interval before each tick, as CloudMonitor reports it', async () => {
    // A burst past the bandwidth is seen one tick later, capped at the bandwidth: a saturated step up.
    const { run } = await backtest('postpaid-bandwidth');

    const burst = run.decisions[8];
    expect(burst).toMatchObject({ reason: 'SATURATED_STEP_UP', action: 'set' });
  });

  it('counts as blocked only holds that kept back a wanted change', () => {
    const entry = (reason: string, from: number, proposed: number, action = 'none') => ({ at: 0, action, from, to: from, proposed, reason, outcome: 'none' });

    expect(
      blockedReasons([
        entry('WITHIN_TOLERANCE', 10, 10),
        entry('STABILIZATION', 10, 8),
        entry('COOLDOWN', 10, 12),
        entry('STABILIZATION', 9, 7),
        entry('SCALE_UP', 10, 12, 'set'),
      ]),
    ).toEqual({
      STABILIZATION: 2,
      COOLDOWN: 1,
    });
  });

  it('never breaks a provider rule and stays within the policy bounds, whatever the demand', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double({ min: 0, max: 150, noNaN: true }), { minLength: 2, maxLength: 36 }),
        fc.constantFrom(...BILLINGS),
        async (mbps, billing) => {
          const trace = parseTrace(csvOf(mbps), 'random.csv', { unit: 'Mbps' });
          const scenario = buildScenario({ grid: demandGrid(trace), billing, policyText: EXAMPLE_POLICY, policySource: 'examples/policy.yaml' });

          const run = await replayFast(scenario);

          // A refused order (5-minute lock, downgrade quota, range) would be logged as an error.
          expect(run.errors).toEqual([]);
          const { minOut, maxOut } = scenario.policy.bounds;
          expect(run.planMbps.every((b) => b >= Math.min(minOut, scenario.instance.initialMbps) && b <= maxOut)).toBe(true);
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe('equalCostStatic', () => {
  it.each([
    { name: 'inside the cheap tier', cost: 0.063 * 24 * 3 },
    { name: 'above the 5 Mbps tier', cost: (0.063 * 5 + 0.248 * 12.5) * 24 },
  ])('finds the constant bandwidth that costs exactly the given amount ($name)', ({ cost }) => {
    const demand = Array.from({ length: 288 }, (_, i) => (i % 10 === 0 ? 30 : 1));

    const result = equalCostStatic(demand, 300, 'postpaid-bandwidth', cost);

    expect(result?.outcome.cost).toBeCloseTo(cost, 6);
  });

  it('has no answer for PayByTraffic, whose bill ignores the bandwidth', () => {
    expect(equalCostStatic([1, 2], 300, 'traffic', 10)).toBeUndefined();
  });
});

describe('timerCron', () => {
  it.each([
    { name: 'a 5-minute step on the hour', start: '2005-06-07T07:00:00Z', step: 300, cron: '0 0-59/5 * * * *' },
    { name: 'a 5-minute step 4 minutes past', start: '2014-04-10T00:04:00Z', step: 300, cron: '0 4-59/5 * * * *' },
    { name: 'a 1-minute step at 30 s', start: '2014-04-10T00:04:30Z', step: 60, cron: '30 0-59/1 * * * *' },
    { name: 'an hourly step', start: '2014-04-10T00:15:00Z', step: 3600, cron: '0 15 * * * *' },
    { name: 'a 6-hour step', start: '2014-04-10T09:00:00Z', step: 21_600, cron: '0 0 3-23/6 * * *' },
  ])('fires at every interval start: $name', ({ start, step, cron }) => {
    expect(timerCron(Date.parse(start), step)).toBe(cron);
  });

  it('refuses a step the timer cannot keep, naming it', () => {
    expect(() => timerCron(0, 420 * 60)).toThrow(/25200 s/);
  });
});

describe('the fast backtest with the alarm path', () => {
  // One-minute demand at 20 Mbps that jumps to 40 Mbps at minute 29, one minute before a 5-minute tick
  // whose newest visible minute (28) does not show it yet; the instance starts at 22 Mbps.
  const START = Date.parse('2026-03-02T08:00:00Z');
  const jump = {
    name: 'jump',
    stepSeconds: 60,
    points: Array.from({ length: 60 }, (_, i) => ({ at: START + i * 60_000, mbps: i < 29 ? 20 : 40 })),
    missingSlots: 0,
  };
  const minute = (at: number) => (at - START) / 60_000;
  const replay = (alarms?: { times?: number; deliverySeconds?: number }) =>
    runBacktest({
      trace: jump,
      billing: 'postpaid-bandwidth',
      policyText: EXAMPLE_POLICY,
      policySource: 'examples/policy.yaml',
      tickEverySteps: 5,
      ...(alarms ? { alarms } : {}),
    });

  it.each([
    // Minutes 29 and 30 at >= 98 %: minute 30 is visible at 32 (a minute's end plus the 60 s reporting lag).
    { name: "Times 2 (setup-alarms' default): judged at minute 32, the raise counts from minute 33", times: 2, evaluated: 32, raisedFrom: 33 },
    { name: 'Times 1: judged at minute 31 on minute 29 alone, the raise counts from minute 32', times: 1, evaluated: 31, raisedFrom: 32 },
  ])('$name', async ({ times, evaluated, raisedFrom }) => {
    // Act
    const ticksOnly = await replay();
    const withAlarms = await replay({ times });

    // Assess: the ALERT, a delivery period later, raises through the alarm function's own cycle.
    const [alert] = withAlarms.run.alarms ?? [];
    expect(alert).toMatchObject({ alertState: 'ALERT', outcome: 'applied', from: 22, reason: 'SATURATED_STEP_UP' });
    expect(minute(alert?.evaluatedAt ?? 0)).toBe(evaluated);
    expect(minute(alert?.handledAt ?? 0)).toBe(evaluated + 1);
    expect(withAlarms.plans.policy[raisedFrom - 1]).toBe(22);
    expect(withAlarms.plans.policy[raisedFrom]).toBe(alert?.to);
    // The tick alone raises only at minute 35, whose newest visible minute (33) shows the jump.
    expect(ticksOnly.plans.policy.findIndex((mbps) => mbps > 22)).toBe(35);
    expect(withAlarms.summary.alarms).toMatchObject({ alerts: 1, raised: 1 });
    expect(withAlarms.summary.errors).toBe(0);
  });

  it('never lowers the bandwidth from an alarm: an OK notice that would scale down changes nothing', async () => {
    // Prepare: saturated at maxOut for 40 minutes, then nearly idle. The predictive example has no
    // stabilisation window, so the OK notice's decision wants to go down at once.
    const predictive = readFileSync(join(ROOT, 'examples/predictive-policy.yaml'), 'utf8');
    const trace = { ...jump, points: Array.from({ length: 120 }, (_, i) => ({ at: START + i * 60_000, mbps: i < 29 ? 20 : i < 70 ? 150 : 5 })) };

    // Act
    const { run, plans } = await runBacktest({
      trace,
      billing: 'postpaid-bandwidth',
      policyText: predictive,
      policySource: 'examples/predictive-policy.yaml',
      tickEverySteps: 5,
      alarms: {},
    });

    // Assess: the decision proposed a downgrade; the alarm path left the bandwidth as it was.
    const ok = run.alarms?.find((n) => n.alertState === 'OK');
    expect(ok).toMatchObject({ from: 100, reason: 'SCALE_DOWN', outcome: 'skipped' });
    expect(ok?.to).toBeLessThan(100);
    expect(plans.policy[minute(ok?.handledAt ?? 0)]).toBe(100);
  });

  it('on one-minute steps the first tick reads demand, not the empty minute before the trace', async () => {
    const predictive = readFileSync(join(ROOT, 'examples/predictive-policy.yaml'), 'utf8');
    const flat = { ...jump, points: jump.points.map((p) => ({ ...p, mbps: 20 })) };

    const { run } = await runBacktest({ trace: flat, billing: 'postpaid-bandwidth', policyText: predictive, policySource: 'x' });

    expect(run.decisions[0]).toMatchObject({ from: 22, to: 22 });
  });

  it('refuses the alarm path in the full-stack replay, and a Times that is not a whole number >= 1', async () => {
    await expect(
      runBacktest({ trace: jump, billing: 'postpaid-bandwidth', policyText: EXAMPLE_POLICY, policySource: 'x', fullStack: true, alarms: {} }),
    ).rejects.toThrow(/fast mode only/);
    await expect(replay({ times: 0 })).rejects.toThrow(/alarms.times: expected a whole number >= 1, got 0/);
  });
});
