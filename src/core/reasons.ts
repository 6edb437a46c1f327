// Every reason code, one line each: what it means and what clears it. The README's reason table is
// generated from this, and the Record type makes a code missing here a compile error (the mutation run's
// `REASONS = {}` survives only because Stryker runs without the TypeScript checker).
import type { ReasonCode } from './types';

export const REASONS: Readonly<Record<ReasonCode, string>> = {
  // acting
  SCALE_UP: 'The metric rules (a step band or target tracking) ask for more bandwidth.',
  SCALE_DOWN: 'The metric rules ask for less bandwidth and every scale-down guard allows it.',
  SATURATED_STEP_UP:
    'Served traffic is at or above the saturation threshold, so real demand is unknown: step up by the configured adjustment (at least 1 Mbps).',
  SCHEDULE_FLOOR: 'An active schedule window keeps the bandwidth at or above its floor.',
  SCHEDULE_CEILING: 'An active schedule window keeps the bandwidth at or below its ceiling.',
  SCHEDULE_EXACT: 'An active schedule window sets an exact bandwidth (no tolerance, no cooldown).',
  OVERRIDE: 'A manual override sets the bandwidth until it expires (no tolerance, no cooldown, no schedule).',
  SPEND_GUARD: 'Pay-by-traffic: the remaining hourly or daily budget caps the bandwidth until the period ends.',
  BOUNDS: 'The target was outside the policy bounds (minOut..maxOut) and was clamped to them.',
  // holding
  AT_TARGET: 'Already at the bandwidth the rules, schedule or override ask for.',
  WITHIN_TOLERANCE: 'Utilisation is within target ± tolerance (percentage points): nothing moves.',
  NO_METRIC: 'No usable traffic sample (none, INSUFFICIENT_DATA, or the instance is at 0 Mbps): hold, never downgrade blind.',
  STALE_METRIC:
    'The traffic sample is older than the policy key maxSampleAge (default 15m, three 5-minute ticks): the metric rules hold; schedules and overrides still apply.',
  WARMUP: 'The last change was too recent (the policy key warmup) or the sample predates it: metrics are ignored.',
  PAUSED: 'The policy is paused: nothing changes.',
  OBSERVE_ONLY: 'Observe mode: the decision is computed and logged, nothing is applied; target says what would have been set.',
  PENDING_CHANGE: 'A change is in flight (written before ModifyInstanceNetworkSpec): the cycle reconciles it first.',
  PROVIDER_LOCK: 'Less than 5 minutes since the last successful change: the provider refuses another.',
  COOLDOWN: 'A metric-driven change within the per-direction cooldown: held (schedules and overrides bypass it).',
  STABILIZATION: 'A scale-down goes no lower than the highest recommendation within the stabilisation window.',
  MIN_HOLD: 'A metric-driven downgrade must wait until the bandwidth has been held for the policy key scaleDown.minHold.',
  DOWNGRADE_BUDGET:
    'Subscription pay-by-bandwidth: the downgrade quota for the period (minus the reserve, kept for overrides) is used up, or the provider reported it exhausted.',
  PROJECTED_FLAP: 'At the lower bandwidth the served traffic would trip scale-up again: the downgrade is refused or made smaller.',
  MAX_STEP: 'The change was larger than the policy allows in one step and was limited.',
  PROVIDER_RANGE:
    'The target was outside what the API accepts for this resource and billing (ECS: subscription by bandwidth 200, otherwise 100 Mbps; EIPs and packages: docs/reference/alibaba-cloud.md).',
  ZERO_PROTECTED: 'A VPC instance at 0 Mbps loses its public IP; allowZero is off, so it keeps 1 Mbps.',
  NEEDS_HUMAN: 'A provider condition the autoscaler cannot resolve blocks changes; an operator must look.',
  BANDWIDTH_CAP:
    "The provider refused a target above what it allows here (ECS: the instance type's base bandwidth, BandwidthBiggerThanBaseBandwidth; VPC: ResourceNotEnough.Bandwidth, a NAT gateway's limit, the large-spec EIP quota): the largest target it allows is tried instead (the cap it names, else halfway); the refused one again only after a back-off.",
  DOWNGRADE_REFUSED: 'The provider refused a downgrade (DecreasedBandwidthNotAllowed): no downgrade is sent again until the back-off ends.',
  BILLING_CYCLE_LOCKED:
    'The provider refuses every change for the rest of the billing cycle after a downgrade (OperationDenied): changes wait out an exponential back-off.',
  REGIONAL_BANDWIDTH_QUOTA:
    "The region's total public bandwidth quota is reached (QuotaExceeded.InternetBandwidth): upgrades stop until a person raises the quota or bandwidth elsewhere drops; downgrades still go.",
  INBOUND_REFUSED: 'The provider refused the inbound bandwidth sent with a change: orders go without InternetMaxBandwidthIn until the back-off ends.',
  PROVIDER_REFUSED:
    'The provider refused this change with a code the autoscaler has no special answer for (it is not sent again until an exponential back-off ends), or its API refuses every change of this resource (a subscription EIP or package: change it in the console).',
  UNPAID_ORDER: 'An unpaid order exists for the instance or account: pay or cancel it in the expense center.',
  ACCOUNT_ARREARS: 'The account is in arrears or lacks balance: top it up.',
  SECURITY_LOCK: 'The instance is locked for security reasons: resolve it with Alibaba Cloud.',
  INSTANCE_EXPIRED: 'The subscription has expired (or the instance is in arrears): renew it.',
  STATUS_UNSUPPORTED: 'The instance is neither Running nor Stopped: the API refuses the change until it is.',
  EIP_BOUND: 'An EIP is bound: its bandwidth belongs to the EIP, which no policy manages (select it with `eips:` to scale it).',
  MANAGED_THROUGH_EIP: "An EIP is bound and a policy manages it: the instance's bandwidth is scaled through the EIP, not here.",
  CLASSIC_NOT_STOPPED: 'A classic-network instance can leave 0 Mbps only while Stopped.',
  TEMPORARY_UPGRADE_ACTIVE:
    'A temporary upgrade is running and reverts by itself at its EndTime; the provider refuses other changes until then (no quota spent).',
  UNRECOGNISED_INSTANCE:
    'DescribeInstances reported a value bwscaler does not understand for this instance (the message names the field and value): it is left unchanged; the others proceed.',
};

/**
 * Held reasons that mean the policy's own limits, not a guard, keep the bandwidth where it is: asking
 * for less than `minOut` (or for 0 on a protected VPC instance) while already there is being at target.
 */
const AT_OWN_LIMIT: ReadonlySet<string> = new Set<ReasonCode>(['BOUNDS', 'ZERO_PROTECTED']);

/**
 * A decision that wanted a change and did not make it. This one definition is what "blocked by reason"
 * counts everywhere: the backtest, the simulation summary and the report.
 */
export function isHeldBack(decision: { action: string; current: number; proposed?: number; reason: string }): boolean {
  return decision.action === 'none' && decision.proposed !== undefined && decision.proposed !== decision.current && !AT_OWN_LIMIT.has(decision.reason);
}
