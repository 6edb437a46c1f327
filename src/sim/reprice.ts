// `bwscaler report DATA.json --prices FILE`: the same run priced with another table. The series a
// report keeps (demand, bandwidth, billing, step) are all a bill depends on, so every money figure is
// recomputed from them: cost, the cumulative curves, static peak, the optimum and the score.
import type { ReportData, ReportInstance } from '../report/types';
import { intervalCost, type PriceTable, scorePlan } from './cost';
import { oraclePlan } from './oracle';

/** The API maximum per billing: 200 Mbps for subscription by bandwidth, else 100. */
function apiMaxMbps(billing: ReportInstance['billing']): number {
  return billing === 'prepaid-bandwidth' ? 200 : 100;
}

export function repriceReport(data: ReportData, prices: PriceTable, source: string): ReportData {
  return {
    ...data,
    currency: prices.currency,
    notes: [...(data.notes ?? []), `Repriced with ${source}: every money figure is recomputed from the demand and bandwidth series.`],
    instances: data.instances.map((instance) => repriceInstance(instance, prices)),
  };
}

function repriceInstance(instance: ReportInstance, prices: PriceTable): ReportInstance {
  const { billing, stepSeconds: step } = instance;
  const demand = instance.demandMbps;
  const cumulative = (plan: readonly number[]) => {
    let total = 0;
    return plan.map((mbps, i) => (total += intervalCost(billing, mbps, Math.min(demand[i] as number, mbps), step, prices)));
  };
  // Static peak as the backtest defines it, without the policy's maxOut the saved data does not keep.
  const peak = Math.min(apiMaxMbps(billing), Math.max(1, Math.ceil(Math.max(0, ...demand) - 1e-9)));
  const staticPeak = demand.map(() => peak);
  const options = { billing, maxMbps: apiMaxMbps(billing), initialMbps: instance.bandwidthMbps[0] ?? peak, prices };
  const oracle = demand.length > 0 ? oraclePlan(demand, step, options).planMbps : [];
  const scoreOracle = demand.length > 0 ? oraclePlan(demand, step, { ...options, dropPenaltyPerGb: prices.dropPenaltyPerGb }).planMbps : [];
  const outcome = scorePlan(demand, instance.bandwidthMbps, step, billing, prices);
  return {
    ...instance,
    oracleMbps: oracle,
    cumulativeCost: cumulative(instance.bandwidthMbps),
    staticPeakCumulativeCost: cumulative(staticPeak),
    summary: {
      ...instance.summary,
      cost: outcome.cost,
      staticPeakCost: scorePlan(demand, staticPeak, step, billing, prices).cost,
      oracleCost: scorePlan(demand, oracle, step, billing, prices).cost,
      score: outcome.score,
      oracleScore: scorePlan(demand, scoreOracle, step, billing, prices).score,
      dropPenaltyPerGb: prices.dropPenaltyPerGb,
    },
  };
}
