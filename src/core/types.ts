// The data the decision core reads and returns. Plain types only: src/core imports nothing outside
// src/core, so the policy schema (src/policy) produces values of these types, and the adapters
// translate vendor shapes into them.
//
// Units: bandwidth in whole Mbit/s, rates in bit/s, times in epoch milliseconds, durations in seconds.

export type InstanceChargeType = 'PrePaid' | 'PostPaid';
export type InternetChargeType = 'PayByBandwidth' | 'PayByTraffic';
export type NetworkType = 'vpc' | 'classic';

/**
 * What kind of bandwidth resource a row of facts is: an ECS instance's own public bandwidth, an
 * Elastic IP, or an Internet Shared Bandwidth package (CBWP). Ids are distinct across kinds (i-…,
 * eip-…, cbwp-…), so the state key stays the id.
 */
export type ResourceKind = 'ecs' | 'eip' | 'cbwp';

/**
 * The provider's rules for changing one resource's bandwidth, as data. The adapter that describes the
 * resource sets them (src/adapters/vpc.ts for EIPs and packages); decide() reads them through
 * `rulesOf` (src/core/provider.ts) and never branches on the kind. ECS facts may leave them out: the
 * ECS rules are then derived from the charge types, as before.
 */
export interface ProviderRules {
  /** The bandwidth the Modify API accepts, in Mbps, for this resource's billing. */
  range: { min: number; max: number };
  /** No change is sent within this many seconds of the last successful one. */
  lockSeconds: number;
  /** Downgrades are refunded and counted against a quota (DOWNGRADE_BUDGET). */
  downgradeBudget: boolean;
  /** The API can serve an upgrade as a temporary one (StartTime/EndTime). */
  temporaryUpgrade: boolean;
  /** A pay-as-you-go resource leaving 0 Mbps needs its public IP allocated with the change. */
  allocatesPublicIp: boolean;
  /** The statuses in which the Modify API accepts a change. */
  modifiableStatuses: readonly string[];
  /**
   * The change is asynchronous: the API answers at once, the resource shows a modifying status and
   * the new bandwidth only when it is done (the read-back waits for it).
   */
  asynchronous: boolean;
  /** The Modify API this resource's changes go to, for messages. */
  modifyApi: string;
  /** The billing as the provider names it (e.g. "PostPaid PayBy95"), for messages and the cost model. */
  billing?: string;
  /** Set when the API refuses every bandwidth change of this resource: why, for the decision. */
  refusesChanges?: string;
}

/** The new name for a row of facts: an ECS instance, an EIP or a shared bandwidth package. */
export type BandwidthResource = InstanceFacts;

/**
 * What the provider says about one bandwidth resource (ECS DescribeInstances, or VPC
 * DescribeEipAddresses / DescribeCommonBandwidthPackages, translated by their adapters). The field
 * names are ECS's; for an EIP or a package `instanceId` is its id and `bandwidthOut` its bandwidth.
 */
export interface InstanceFacts {
  /** The resource id: i-… for an instance, eip-… for an EIP, cbwp-… for a shared bandwidth package. */
  instanceId: string;
  /** Absent: 'ecs'. */
  kind?: ResourceKind;
  /** The provider's change rules (see ProviderRules); absent on ECS facts, whose rules are derived. */
  rules?: ProviderRules;
  /**
   * An ECS instance with an EIP bound: the EIP's id (DescribeInstances EipAddress.AllocationId), and
   * the policy that manages that EIP when one does (set by the cycle). Its bandwidth is the EIP's.
   */
  eipAllocationId?: string;
  managedThroughEip?: { eipId: string; policy: string };
  regionId: string;
  instanceChargeType: InstanceChargeType;
  /**
   * '' when ECS reports none: real pages show it for an instance with an EIP bound (its bandwidth is
   * the EIP's, so decide() stops at EIP_BOUND before reading this).
   */
  internetChargeType: InternetChargeType | '';
  networkType: NetworkType;
  /** Pending | Starting | Running | Stopping | Stopped (ECS instance states). */
  status: string;
  bandwidthOut: number;
  /** Absent when ECS reports no inbound cap (InternetMaxBandwidthIn -1): nothing to correct. */
  bandwidthIn?: number;
  hasPublicIp: boolean;
  /** The fixed public IP, when ECS reports one: CloudMonitor's VPC_PublicIP_* series carry it as `ip`. */
  publicIp?: string;
  eipBound: boolean;
  tags: Record<string, string>;
  /** Subscription expiry (epoch ms), when ECS reports one. */
  expiredAt?: number;
  /** OperationLocks.LockReason values, e.g. "security", "financial". */
  operationLocks: string[];
  /**
   * Set when the adapter could not understand this row (a field it cannot read): the other fields are
   * then placeholders, and the cycle records UNRECOGNISED_INSTANCE and never changes the instance.
   */
  unrecognised?: { field: string; value: string; message: string };
}

// ---------------------------------------------------------------------------------------------
// Policy: what src/policy parses a YAML document into (defaults applied, durations in seconds).

export type Adjustment = { type: 'add'; mbps: number } | { type: 'multiply'; factor: number } | { type: 'set'; mbps: number };

export interface StepRule {
  /** The rule applies when utilisation % is >= `from` (inclusive) and < `to` (exclusive). */
  from: number;
  to: number;
  adjust: Adjustment;
}

export interface ScheduleWindow {
  name: string;
  /** 5-field cron (minute hour day-of-month month day-of-week) for the window's start. */
  cron: string;
  /** IANA time zone the cron is read in. */
  timezone: string;
  durationSeconds: number;
  floor?: number;
  ceiling?: number;
  exact?: number;
  /** Subscription instances: serve the window as a temporary upgrade (StartTime/EndTime). */
  temporaryUpgrade: boolean;
}

/** A schedule window that is active at `now`, resolved outside the core (cron + time zone). */
export interface ActiveWindow {
  name: string;
  start: number;
  end: number;
  floor?: number;
  ceiling?: number;
  exact?: number;
  temporaryUpgrade: boolean;
}

export interface Behavior {
  scaleUpCooldownSeconds: number;
  scaleDownCooldownSeconds: number;
  /** Act on the highest recommendation within this window before going down (HPA-style). */
  scaleDownStabilizationSeconds: number;
  /** Largest change in one step; absolute Mbps and/or percent of current. Undefined = unlimited. */
  maxStepUpMbps?: number;
  maxStepUpPercent?: number;
  maxStepDownMbps?: number;
  maxStepDownPercent?: number;
  /** Ignore metrics for this long after a change (CloudMonitor lags). */
  warmupSeconds: number;
  /** Minimum time at the current bandwidth before a downgrade. */
  minHoldBeforeDowngradeSeconds: number;
  /** Refuse a downgrade if the projected utilisation at the new bandwidth would trip scale-up. */
  projectedCheck: boolean;
  /** A sample older than this is not acted on (STALE_METRIC). Absent: DEFAULT_MAX_SAMPLE_AGE_SECONDS. */
  maxSampleAgeSeconds?: number;
}

export interface DowngradeBudget {
  /** Subscription downgrades allowed per instance (API doc: 3). */
  quota: number;
  /** Downgrades kept back for emergencies; ordinary scale-down stops at quota - reserve. */
  reserve: number;
  /** Reset the count on the 1st of each month (UTC), as the current console guide describes. */
  monthlyReset: boolean;
}

/**
 * Answering saturation (an alarm, or a tick that reads it) on a subscription pay-by-bandwidth instance
 * with a temporary upgrade that reverts by itself, instead of a permanent one that a downgrade must
 * later pay back (src/core/temporary-upgrade.ts chooseSaturationUpgrade).
 */
export interface SaturationTemporaryUpgrade {
  /**
   * always: every such upgrade is temporary; never: none is (the block kept, switched off); auto: temporary
   * once the ordinary downgrades left are at most `spareDowngrades`, so that a permanent upgrade is
   * made only while paying it back still leaves that many.
   */
  mode: 'auto' | 'always' | 'never';
  /** How long it lasts; at least the provider's 3 h. EndTime is StartTime + this, rounded UP to the UTC hour. */
  durationSeconds: number;
  /**
   * The temporary target is at least this (Mbps): while it runs the provider refuses every other
   * change, a further upgrade included, so it is sized for the whole burst up front.
   */
  minimumMbps?: number;
  /** auto: temporary when the ordinary downgrades left (the reserve excluded) are at most this. */
  spareDowngrades: number;
}

export interface SpendGuard {
  /** CNY per GB of outbound traffic. */
  pricePerGb: number;
  budgetCnyPerHour?: number;
  budgetCnyPerDay?: number;
}

export interface ManualOverride {
  bandwidth: number;
  until: number;
  reason: string;
}

/**
 * The predictive block (src/core/predictive.ts). Percentages as written in the policy file;
 * durations in seconds.
 */
export interface PredictiveConfig {
  /** forecast-only: act on the structural rules, log the forecast; forecast-and-scale: the forecast may only raise. */
  mode: 'forecast-only' | 'forecast-and-scale';
  /** Scale up when the bandwidth is less than this % above the demand estimate ... */
  triggerPercent: number;
  /** ... and then set it this % above. */
  setPercent: number;
  /** Absolute parts of the two margins (Mbps), added to the percentages. Absent: 0. */
  triggerMbps?: number;
  setMbps?: number;
  /**
   * A budget of changes a day: once the last 24 hours' served samples show more cap changes than
   * this, a scale-down must save that many times more (scale-up is never held). Absent: no budget.
   */
  changesPerDay?: number;
  /** Below this demand (Mbps) both margins are `smallFactor` times wider (headroom is cheaper there). */
  smallMbps: number;
  smallFactor: number;
  /** Scale down once the saving is at least this % of the peak within `peakWindowSeconds` (and >= 1 Mbps). */
  scaleDownPercentOfPeak: number;
  peakWindowSeconds: number;
  /** Scale-down follows the highest demand estimate within this look-back ... */
  lookBackSeconds: number;
  /** ... lengthened on volatile traffic up to this. */
  maxLookBackSeconds: number;
  /**
   * Over the lengthened part of the look-back, hold only a level the demand reached in at least this %
   * of its samples (an isolated burst is not held for hours). Absent or 0: the highest sample.
   */
  holdPercent?: number;
  /** Quantile (0–1) of the last 6 hours' sample-to-sample rises that measures volatility. */
  volatilityQuantile: number;
  /** A served sample at or above this % of its cap is censored: demand was at least that. */
  censoredPercent: number;
  /**
   * ... and is read as this % above the cap (the step up is at least 1 Mbps whatever it says), doubled
   * for each step up in a row that the demand filled at once, at most 100 %.
   */
  censoredRisePercent: number;
  seasonal?: {
    days: number;
    minDays: number;
    horizonSeconds: number;
    maxRise: number;
    /** The traffic's day: as configured, or the nominal day the estimate searches around (±10 %). */
    dayLengthSeconds: number;
    /** Estimate the day's length from the served history (src/core/predictive.ts estimateDayLength). */
    dayLengthFromData?: boolean;
    /**
     * Scale-down reads the profile this far ahead instead of `horizonSeconds`, clipped to [1, downMaxRise]:
     * a bandwidth that the same time of day says will be needed again soon is not given up.
     */
    downHorizonSeconds?: number;
    downMaxRise?: number;
    /**
     * The profile is this quantile (0–1) across the days at each offset instead of their median (absent:
     * 0.5, the median). Above 0.5 it plans for what the busier days brought at this time of day; the
     * level now stays the days' median, so the factor says how far above today's typical level that is.
     */
    quantile?: number;
    /**
     * Time-of-day tolerance: what each day had above the days' shape (their median of ±windowSeconds
     * means) may come from within ±windowSeconds of the time of day (absent or 0: from that minute
     * only). A burst that recurs every day but not at the same minute then lines up across the days,
     * where a per-minute median sees it on few of them.
     */
    windowSeconds?: number;
    /**
     * A day's level at an offset is the mean of its samples within ±windowMeanSeconds/2 (absent or 0:
     * the sample itself): a burst lasts minutes on end, noise does not, and the highest single minute
     * of a window would mostly be noise.
     */
    windowMeanSeconds?: number;
  };
}

export interface Policy {
  name: string;
  /** `kind` absent: ECS instances; 'eip' and 'cbwp' select EIPs and shared packages (policy keys eips:, bandwidthPackages:). */
  selector: { regionId: string; kind?: ResourceKind; instanceIds?: string[]; tags?: Record<string, string> };
  mode: 'observe' | 'enforce';
  paused: boolean;
  /** Set by applyControls when a control-table pause is in force: who paused it, and why, for the PAUSED message. */
  pausedBy?: { scope: 'policy' | 'instance'; target: string; by: string; reason: string; until?: number };
  bounds: { minOut: number; maxOut: number; minIn?: number; maxIn?: number };
  /**
   * Both in percent: targetUtilization e.g. 70, tolerance in percentage points (10 = nothing moves while
   * utilisation is within 60-80 %), as the policy file states them.
   */
  targetTracking?: { targetUtilization: number; tolerance: number };
  stepRules: StepRule[];
  /** At or above this utilisation the served rate is censored (demand unknown): step up decisively. */
  saturation: { thresholdPercent: number; adjust: Adjustment; temporaryUpgrade?: SaturationTemporaryUpgrade };
  schedules: ScheduleWindow[];
  behavior: Behavior;
  downgradeBudget: DowngradeBudget;
  spendGuard?: SpendGuard;
  override?: ManualOverride;
  autoPay: boolean;
  /** Allow a VPC instance to go to 0 Mbps (which releases its public IP). */
  allowZero: boolean;
  /**
   * The billing time zone as minutes east of UTC: spend hours and days and the downgrade quota's
   * months start there. Undefined = UTC+8 (480), the China site's billing time.
   */
  billingUtcOffsetMinutes?: number;
  /** Scale ahead of the day from the served history (src/core/predictive.ts). */
  predictive?: PredictiveConfig;
}

/** One served sample of the history: the rate in Mbps and the cap in force when it was measured. */
export interface HistorySample {
  at: number;
  mbps: number;
  cap: number;
}

/** Past served samples, oldest first (CloudMonitor's record, as the cycle reads it from its cache). */
export interface ServedHistory {
  samples: ReadonlyArray<HistorySample>;
  /**
   * Why the samples are missing or unusable, when they are (a backfill not done yet, a cache too old):
   * the cold-start decision's message says it. Set by the cycle; an empty `samples` then goes with it.
   */
  note?: string;
}

/**
 * What a predictive policy predicted, kept on the decision next to what it acted on: in
 * `forecast-only` mode the forecast is logged (decision line, history row, report), never applied.
 */
export interface PredictionLog {
  mode: PredictiveConfig['mode'];
  /** The structural rules on the served history alone (Mbps). */
  reactive: number;
  /** The same rules on demand × riseFactor (Mbps). */
  forecast: number;
  riseFactor: number;
}

// ---------------------------------------------------------------------------------------------
// Persisted per-instance state (Tablestore row, compare-and-set on `version`).

export interface Recommendation {
  at: number;
  mbps: number;
}

export interface DowngradeRecord {
  at: number;
  from: number;
  to: number;
  orderId?: string;
}

/** An intent: written before ModifyInstanceNetworkSpec, cleared by the commit or the reconciler. */
export interface PendingChange {
  decisionId: string;
  clientToken: string;
  action: 'set' | 'temporaryUpgrade';
  from: number;
  target: number;
  startedAt: number;
  isDowngrade: boolean;
  /** Inbound Mbps sent with the order (Decision.targetIn). */
  targetIn?: number;
  startTime?: string;
  endTime?: string;
  attempts: number;
  /**
   * The rest of the ModifyInstanceNetworkSpec request, kept so that a re-send under the same
   * ClientToken is the identical request (additive, written by src/cycle/apply.ts).
   */
  allocatePublicIp?: boolean;
  autoPay?: boolean;
  /**
   * When the latest send of this intent began (additive, src/cycle). Absent: startedAt. Bounds the
   * latest time the order could have been placed.
   */
  sentAt?: number;
  /**
   * The provider answered with an order (additive, src/cycle): the change is `placed` and counts as
   * applied only once DescribeInstances shows it.
   */
  orderId?: string;
  /** When that answer arrived: the latest time the order could have been placed. */
  placedAt?: number;
}

/** A provider condition that needs a human (unpaid order, arrears, security lock, ...). */
export interface BlockedCondition {
  code: string;
  since: number;
  message: string;
  /** When the cycle last let a change through to test whether the condition cleared (additive, src/cycle). */
  lastProbeAt?: number;
  /** 'up': only upgrades are blocked (a regional bandwidth cap; lowering bandwidth frees quota). Absent: every change. */
  scope?: 'up';
}

/**
 * A change the provider refused, remembered so that the same request is not sent again every tick
 * (src/core/refusal.ts decides what each refusal means; src/cycle/refusal.ts writes this).
 */
export interface RefusedChange {
  /** The provider's error code, as it answered. */
  code: string;
  /** What decide() reports while the refusal holds a change back. */
  reason: ReasonCode;
  /**
   * Which changes it is about: 'up' targets at or above `target`; 'down' downgrades; 'any' every
   * change; 'inbound' sending InternetMaxBandwidthIn.
   */
  scope: 'up' | 'down' | 'any' | 'inbound';
  /** Bandwidth when the refused order was sent. */
  from: number;
  /** The refused target: for 'up' the lowest refused in this episode, for 'down' the highest. */
  target: number;
  /** 'up' only: the largest target the refusal said is allowed, when it said one. */
  cap?: number;
  /** First refusal of this episode (same code), and the latest. */
  since: number;
  at: number;
  /** Refusals in this episode; the back-off doubles with each. */
  count: number;
  /** Until then the refused change is not sent again. */
  retryAt: number;
  message: string;
}

export interface ScalingState {
  instanceId: string;
  /** Compare-and-set version; 0 means "never written". */
  version: number;
  lastChangeAt?: number;
  lastScaleUpAt?: number;
  lastScaleDownAt?: number;
  /** Bandwidth the last change set (to detect out-of-band changes). */
  lastTarget?: number;
  recommendations: Recommendation[];
  downgrades: DowngradeRecord[];
  /** When the provider answered InstanceDowngrade.QuotaExceed: the quota is spent whatever we counted. */
  quotaExhaustedAt?: number;
  pending?: PendingChange;
  blocked?: BlockedCondition;
  /** The last refusal of an order and its back-off (additive). */
  refused?: RefusedChange;
  temporaryUpgrade?: { until: number; base: number; target: number };
  /**
   * PayByTraffic spend measured from CloudMonitor for the spend guard: running totals of the current
   * billing hour and day, and the end of the last traffic point counted (src/core/spend.ts).
   */
  spend?: { hourStart: number; hourCny: number; dayStart: number; dayCny: number; lastSampleAt: number };
  /**
   * The served history the predictive policy reads (additive; optional). The live cycle does not fill
   * it yet; the fast backtest does. DecideInput.history, when given, takes precedence.
   */
  history?: ServedHistory;
}

// ---------------------------------------------------------------------------------------------
// Signals and the decision.

/** Served outbound traffic as CloudMonitor reports it (never demand: it is clipped at the bandwidth). */
export interface MetricSample {
  at: number;
  outBps: number;
}

/** Outbound traffic of one metric period, [start, end), in bytes (measured or integrated from the rate). */
export interface TrafficPoint {
  start: number;
  end: number;
  bytes: number;
}

export type Signal =
  | {
      kind: 'alarm';
      /** CloudMonitor alertState. */
      alertState: 'ALERT' | 'OK' | 'INSUFFICIENT_DATA';
      metricName: string;
      /** The alarm's value translated to served bit/s. */
      sample: MetricSample;
      eventId: string;
    }
  | { kind: 'tick'; sample?: MetricSample };

export type ReasonCode =
  // acting
  | 'SCALE_UP'
  | 'SCALE_DOWN'
  | 'SATURATED_STEP_UP'
  | 'SCHEDULE_FLOOR'
  | 'SCHEDULE_CEILING'
  | 'SCHEDULE_EXACT'
  | 'OVERRIDE'
  | 'SPEND_GUARD'
  | 'BOUNDS'
  // holding
  | 'AT_TARGET'
  | 'WITHIN_TOLERANCE'
  | 'NO_METRIC'
  | 'STALE_METRIC'
  | 'WARMUP'
  | 'PAUSED'
  | 'OBSERVE_ONLY'
  | 'PENDING_CHANGE'
  | 'PROVIDER_LOCK'
  | 'COOLDOWN'
  | 'STABILIZATION'
  | 'MIN_HOLD'
  | 'DOWNGRADE_BUDGET'
  | 'PROJECTED_FLAP'
  | 'MAX_STEP'
  | 'PROVIDER_RANGE'
  | 'ZERO_PROTECTED'
  | 'NEEDS_HUMAN'
  | 'BANDWIDTH_CAP'
  | 'DOWNGRADE_REFUSED'
  | 'BILLING_CYCLE_LOCKED'
  | 'REGIONAL_BANDWIDTH_QUOTA'
  | 'INBOUND_REFUSED'
  | 'PROVIDER_REFUSED'
  | 'UNPAID_ORDER'
  | 'ACCOUNT_ARREARS'
  | 'SECURITY_LOCK'
  | 'INSTANCE_EXPIRED'
  | 'STATUS_UNSUPPORTED'
  | 'EIP_BOUND'
  | 'MANAGED_THROUGH_EIP'
  | 'CLASSIC_NOT_STOPPED'
  | 'TEMPORARY_UPGRADE_ACTIVE'
  | 'UNRECOGNISED_INSTANCE';

/** Why an upgrade answering saturation is temporary or permanent (Decision.upgradeChoice). */
export type UpgradeChoiceReason =
  /** mode always. */
  | 'TEMPORARY_ALWAYS'
  /** auto: a permanent upgrade would later need a downgrade the budget cannot spare. */
  | 'TEMPORARY_BUDGET_SCARCE'
  /** auto: paying a permanent upgrade back still leaves spareDowngrades. */
  | 'PERMANENT_BUDGET_AMPLE'
  /** mode never. */
  | 'PERMANENT_BY_POLICY'
  /** The subscription expires before the shortest temporary upgrade could end (InvalidEndTime.BeyondLifeCycle). */
  | 'PERMANENT_EXPIRES_FIRST';

export interface UpgradeChoice {
  kind: 'temporary' | 'permanent';
  reason: UpgradeChoiceReason;
  message: string;
}

export interface GuardHit {
  guard: string;
  reason: ReasonCode;
  message: string;
  from: number;
  to: number;
}

export interface DecideInput {
  now: number;
  policy: Policy;
  instance: InstanceFacts;
  state: ScalingState;
  signal: Signal;
  /** Schedule windows of `policy` active at `now` (src/schedule resolves cron and time zone). */
  activeWindows: ActiveWindow[];
  /** Past served samples for a predictive policy; absent → plain reactive rules (said in the message). */
  history?: ServedHistory;
}

export interface Decision {
  instanceId: string;
  action: 'none' | 'set' | 'temporaryUpgrade';
  current: number;
  /**
   * The bandwidth to set (equals `current` when action is none, except under OBSERVE_ONLY, where it
   * says what would have been set).
   */
  target: number;
  /** What the rules asked for before the guards narrowed it. */
  proposed: number;
  reason: ReasonCode;
  message: string;
  guards: GuardHit[];
  isDowngrade: boolean;
  /** Only for temporaryUpgrade: ModifyInstanceNetworkSpec StartTime (minute) / EndTime (hour), UTC. */
  startTime?: string;
  endTime?: string;
  /**
   * For an upgrade answering saturation under the policy's saturation.temporaryUpgrade block: whether it
   * is temporary or permanent, and why (src/core/temporary-upgrade.ts). Absent when the block does not apply.
   */
  upgradeChoice?: UpgradeChoice;
  /** A pay-as-you-go instance leaving 0 Mbps needs AllocatePublicIp=true. */
  allocatePublicIp: boolean;
  /**
   * Inbound bandwidth to set in the same order, when the policy bounds inbound (minIn/maxIn) and the
   * instance's is outside them. Inbound is only corrected alongside an outbound change: it is free of
   * charge (only outbound is billed) and not worth an order, or a 5-minute lock, of its own.
   */
  targetIn?: number;
  /** Recommendations to persist (the stabilisation window, trimmed). */
  recommendations: Recommendation[];
  /** A predictive policy's prediction on this decision's sample, when it had the history to make one. */
  prediction?: PredictionLog;
}
