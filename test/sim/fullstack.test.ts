// The fast replay and the full stack (built functions, SDKs over HTTP, emulators) on the same input
// must write the same decision log: the backtest's figures are then the product's figures.
import { describe, expect, it } from 'vitest';
import { replayFullStack } from '../../src/sim/fullstack';
import { replayFast } from '../../src/sim/replay';
import { buildScenario } from '../../src/sim/scenario';
import { buildOnce } from '../../src/sim/system';
import { demandGrid, loadTrace, type Trace } from '../../src/sim/trace';
import { EXAMPLE_POLICY, syntheticTrace, tracePath } from './support';

const ISP = tracePath('isp-eu-transatlantic-bits-5min.csv');

/** Two hours of the ISP trace from its first morning ramp (07:00, 5-minute steps). */
async function ispSlice(path: string): Promise<Trace> {
  const trace = await loadTrace(path, { unit: 'bits-per-interval', peakMbps: 80 });
  return { ...trace, points: trace.points.slice(12, 36) };
}

const cases = [
  { name: 'a synthetic burst and fall, pay-as-you-go', trace: async () => syntheticTrace(), billing: 'postpaid-bandwidth' as const },
  { name: 'a synthetic burst and fall, subscription (quota, refunds)', trace: async () => syntheticTrace(), billing: 'prepaid-bandwidth' as const },
  ...(ISP ? [{ name: 'a slice of the real ISP trace', trace: () => ispSlice(ISP), billing: 'postpaid-bandwidth' as const }] : []),
];

describe('fast and full-stack replays', () => {
  if (!ISP) it.skip('also compare a slice of the ISP trace (../shared/traces is absent)', () => {});

  it.each(cases)(
    'write the same decision log and plan: $name',
    async ({ trace, billing }) => {
      // Prepare
      const scenario = buildScenario({ grid: demandGrid(await trace()), billing, policyText: EXAMPLE_POLICY, policySource: 'examples/policy.yaml' });
      const distDir = await buildOnce();

      // Act
      const fast = await replayFast(scenario);
      const full = await replayFullStack(scenario, { distDir });

      // Assess
      expect(full.errors).toEqual([]);
      expect(fast.errors).toEqual([]);
      expect(full.decisions).toHaveLength(scenario.tickTimes.length);
      expect(full.decisions.some((d) => d.outcome === 'placed' || d.outcome === 'applied')).toBe(true);
      expect(fast.decisions).toEqual(full.decisions);
      expect(fast.planMbps).toEqual(full.planMbps);
    },
    120_000,
  );
});
