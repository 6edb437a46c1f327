// The data the report renders: one backtest or simulation run, per instance. The simulator produces it;
// src/report turns it into report.html (renderReport) and the terminal table (formatSummaryTable).

export interface ReportDecision {
  at: number;
  action: 'none' | 'set' | 'temporaryUpgrade';
  from: number;
  to: number;
  reason: string;
  message: string;
  outcome?: string;
  /**
   * Addition to the agreed shape: what the rules asked for before the guards narrowed it (Decision.proposed).
   * When present, a held decision counts as blocked exactly when proposed ≠ from, the rule the
   * simulator uses for summary.blocked, so the table and the counts agree decision by decision.
   */
  proposed?: number;
}

export interface ReportInstance {
  instanceId: string;
  label?: string; // e.g. "pay-as-you-go web server"
  /** An ECS instance's billing, or an EIP's or a shared bandwidth package's (src/sim/vpc-billing.ts). */
  billing: 'postpaid-bandwidth' | 'prepaid-bandwidth' | 'traffic' | 'eip-bandwidth' | 'eip-traffic' | 'cbwp-bandwidth' | 'cbwp-95';
  policy: string;
  start: number; // epoch ms of series[0]
  stepSeconds: number;
  demandMbps: number[];
  servedMbps: number[];
  bandwidthMbps: number[];
  oracleMbps?: number[]; // hindsight-optimal plan, when computed
  /**
   * A predictive policy's forecast per step: what its forecast asked for at the latest decision (in
   * forecast-only mode, what forecast-and-scale would have set), to read against the bandwidth and demand.
   */
  forecastMbps?: number[];
  cumulativeCost: number[]; // currency, running total per step
  staticPeakCumulativeCost?: number[];
  summary: {
    cost: number;
    staticPeakCost: number;
    /** The all-demand optimum's cost (src/sim/oracle.ts), when computed. */
    oracleCost?: number;
    /** cost + dropPenaltyPerGb × dropped GB, and the least score any plan can reach. */
    score?: number;
    oracleScore?: number;
    dropPenaltyPerGb?: number;
    droppedFraction: number;
    saturatedMinutes: number;
    changes: number;
    downgrades: number;
    blocked: Record<string, number>;
  };
  decisions: ReportDecision[]; // may be thousands: show acting ones and blocked ones; collapse the rest into counts
}

export interface ReportData {
  title: string;
  subtitle?: string;
  generatedAt: string;
  currency: string;
  notes?: string[];
  instances: ReportInstance[];
}
