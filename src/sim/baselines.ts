// The two baselines every backtest is read against, computed on the same demand grid.

/** Static peak provisioning: the whole-Mbps peak, all the time (clamped to the upper bound). */
export function staticPeakPlan(demandMbps: readonly number[], maxMbps: number): number[] {
  const peak = Math.min(maxMbps, Math.max(1, Math.ceil(Math.max(...demandMbps) - 1e-9)));
  return demandMbps.map(() => peak);
}

/**
 * A naive reactive rule: every 5 minutes set the bandwidth to the last served rate ÷ 0.7; when the last
 * interval was saturated (served at or above 95 % of the bandwidth), double it instead. It sees served
 * traffic, as CloudMonitor does, never demand.
 */
export function naiveReactivePlan(demandMbps: readonly number[], stepSeconds: number, bounds: { minMbps: number; maxMbps: number }): number[] {
  const every = Math.max(1, Math.round(300 / stepSeconds));
  const clamp = (mbps: number) => Math.min(bounds.maxMbps, Math.max(bounds.minMbps, Math.ceil(mbps - 1e-9)));
  const plan: number[] = new Array(demandMbps.length);
  let bandwidth = clamp((demandMbps[0] ?? 0) / 0.7);
  for (let i = 0; i < demandMbps.length; i++) {
    if (i > 0 && i % every === 0) {
      const served = Math.min(demandMbps[i - 1] as number, plan[i - 1] as number);
      bandwidth = served >= 0.95 * (plan[i - 1] as number) ? clamp(bandwidth * 2) : clamp(served / 0.7);
    }
    plan[i] = bandwidth;
  }
  return plan;
}
