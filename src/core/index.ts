// The decision core's public surface. Everything here is pure: no SDK, no environment, no clock, no I/O.
export { downgradesInPeriod, downgradesLeft, nextQuotaReset, quotaExhausted, startOfBillingMonth, startOfUtcMonth } from './budget';
export { decide } from './decide';
export type { Driver } from './guards';
export {
  applyAdjustment,
  bpsToMbps,
  ceilMbps,
  highestRecommendation,
  type MetricRecommendation,
  recommendFromMetric,
  trimRecommendations,
  utilization,
  wouldScaleUp,
} from './metric';
export {
  apiRange,
  blockedReason,
  downgradeBudgetApplies,
  inboundRange,
  isDowngrade,
  lockReason,
  MODIFIABLE_STATUSES,
  needsPublicIpAllocation,
  PROVIDER_LOCK_SECONDS,
  rulesOf,
  showsTarget,
} from './provider';
export { isHeldBack, REASONS } from './reasons';
export {
  answerToRefusal,
  backingOff,
  blockAfterChange,
  capFromMessage,
  clearDisproved,
  REFUSAL_BACKOFF_BASE_SECONDS,
  REFUSAL_BACKOFF_CAP_SECONDS,
  type RefusalAnswer,
  type RefusalCategory,
  type RefusalFacts,
  recordRefusal,
  refusalAfterChange,
  refusalBackoffSeconds,
} from './refusal';
export {
  accrueSpend,
  DEFAULT_BILLING_UTC_OFFSET_MINUTES,
  type SpendCap,
  type SpendTotals,
  spendCap,
  spendMeasureFrom,
  spendPeriods,
  trafficCostCny,
} from './spend';
export {
  activeTemporaryUpgrade,
  chooseSaturationUpgrade,
  formatEndTime,
  formatStartTime,
  type SaturationUpgrade,
  type SaturationUpgradeInput,
  type SettledTemporaryUpgrade,
  settleTemporaryUpgrade,
  TEMPORARY_REVERT_GRACE_MS,
  TEMPORARY_UPGRADE_MIN_SECONDS,
  type TemporaryUpgradeTimes,
  temporaryUpgradeTimes,
  temporaryUpgradeWindow,
} from './temporary-upgrade';
export type * from './types';
export { EIP_RANGE, eipRules, PACKAGE_RANGE, packageRules, VPC_LOCK_SECONDS } from './vpc-rules';
