// `bwscaler report DATA.json --prices FILE`: the same run priced with another table. The series a
// report keeps (demand, bandwidth, billing, step) are all a bill depends on, so every money figure is
// recomputed from them: cost, the cumulative curves, static peak, the optimum and the score.
import type { ReportData, ReportInstance } from '../report/types';
import { cumulativePlanCost, modeRange, type PlanCalendar, type PriceTable, scorePlan } from './cost';
import { oraclePlan } from './oracle';

/** The API maximum per billing (modeRange): 200 Mbps for subscription by bandwidth, 100 for the other ECS billings, EIP and package ranges as documented. */
function apiMaxMbps(billing: ReportInstance['billing']): number {
  return modeRange(billing).max;
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
  // Saved data does not keep the policy's billing time zone: EIP and package days are read in the
  // China site's (+08:00), the policy default.
  const calendar: PlanCalendar = { startMs: instance.start, utcOffsetMinutes: 480 };
  const cumulative = (plan: readonly number[]) => cumulativePlanCost(billing, demand, plan, step, prices, calendar);
  // Static peak as the backtest defines it, without the policy's maxOut the saved data does not keep.
  const peak = Math.min(apiMaxMbps(billing), Math.max(1, Math.ceil(Math.max(0, ...demand) - 1e-9)));
  const staticPeak = demand.map(() => peak);
  const options = { billing, maxMbps: apiMaxMbps(billing), initialMbps: instance.bandwidthMbps[0] ?? peak, prices, calendar };
  const oracle = demand.length > 0 ? oraclePlan(demand, step, options).planMbps : [];
  const scoreOracle = demand.length > 0 ? oraclePlan(demand, step, { ...options, dropPenaltyPerGb: prices.dropPenaltyPerGb }).planMbps : [];
  const outcome = scorePlan(demand, instance.bandwidthMbps, step, billing, prices, calendar);
  return {
    ...instance,
    oracleMbps: oracle,
    cumulativeCost: cumulative(instance.bandwidthMbps),
    staticPeakCumulativeCost: cumulative(staticPeak),
    summary: {
      ...instance.summary,
      cost: outcome.cost,
      staticPeakCost: scorePlan(demand, staticPeak, step, billing, prices, calendar).cost,
      oracleCost: scorePlan(demand, oracle, step, billing, prices, calendar).cost,
      score: outcome.score,
      oracleScore: scorePlan(demand, scoreOracle, step, billing, prices, calendar).score,
      dropPenaltyPerGb: prices.dropPenaltyPerGb,
    },
  };
}
