// The product's answer to each refusal of ModifyInstanceNetworkSpec, as data and small pure
// functions. The cycle (src/cycle/refusal.ts) records what the provider answered; decide() reads the
// record back (a guard in guards.ts) so that the same refused request is not sent again every tick.
//
// Error codes and messages: the ModifyInstanceNetworkSpec error table,
// https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-modifyinstancenetworkspec
// (2025), and the 2020-21 text of the same page (AlibabaCloudDocs/ecs, intl.en-US/API Reference/
// Networks/ModifyInstanceNetworkSpec.md). Both spellings are accepted where the two differ
// (DecreasedBandWidthNotAllowed / DecreasedBandwidthNotAllowed, InvalidInstance.UnpaidOrder /
// UnPaidOrder): codes compare case-insensitively.
import type { BlockedCondition, ReasonCode, RefusedChange, ScalingState } from './types';

/**
 * The first back-off after a refusal, then doubled per refusal of the same episode up to the cap.
 * 15 minutes is three ticks of the default 5-minute schedule; 6 hours keeps a condition that clears
 * by itself (a billing cycle, an instance type change) from waiting more than a quarter of a day.
 */
export const REFUSAL_BACKOFF_BASE_SECONDS = 15 * 60;
export const REFUSAL_BACKOFF_CAP_SECONDS = 6 * 3600;

/** Seconds to wait after the `count`-th refusal of one episode (1 = the first). */
export function refusalBackoffSeconds(count: number): number {
  const exponent = Math.max(0, Math.min(count - 1, 30));
  return Math.min(REFUSAL_BACKOFF_CAP_SECONDS, REFUSAL_BACKOFF_BASE_SECONDS * 2 ** exponent);
}

/**
 * What a refusal means for the product:
 * - `backoff`: remember the refused target (RefusedChange) and do not send it again until the back-off
 *   ends; `scope` says which changes the refusal is about;
 * - `block`: a condition only a person can clear (BlockedCondition): a hard stop, or with scope 'up'
 *   a stop for upgrades only; probed by the cycle, lifted by a success;
 * - `quota`: the subscription downgrade quota is spent (state.quotaExhaustedAt, DOWNGRADE_BUDGET);
 * - `retry`: nothing to remember (throttling, transport, auth, not found): the next cycle decides afresh.
 */
export type RefusalAnswer =
  | { kind: 'backoff'; reason: ReasonCode; scope: RefusedChange['scope'] | 'change'; also?: 'quota' }
  | { kind: 'block'; reason: ReasonCode; scope?: 'up' }
  | { kind: 'quota' }
  | { kind: 'retry' };

/** Error categories as src/errors.ts names them (CloudErrorCategory), plus 'unknown' for untranslated errors. */
export type RefusalCategory = 'retryable' | 'quota' | 'needsHuman' | 'rejected' | 'notFound' | 'auth' | 'unknown';

/**
 * The product's answer, by code first (the adapter's category is coarse: it calls most of these
 * `rejected`), then by category. One row per documented refusal the product singles out:
 *
 * | code                                          | answer                                           |
 * |-----------------------------------------------|--------------------------------------------------|
 * | InvalidParameter.BandwidthBiggerThanBaseBandwidth | back off the refused target; meanwhile try the largest target below it (the cap the message names, else halfway) — BANDWIDTH_CAP |
 * | DecreasedBandwidthNotAllowed (both spellings) | back off every downgrade — DOWNGRADE_REFUSED     |
 * | OperationDenied "After downgrade, you cannot upgrade or downgrade … billing cycle" | quota spent, and back off every change — BILLING_CYCLE_LOCKED |
 * | OperationDenied (any other message: "current user does not support", "instance is PrePaid", "in VPC") | block — NEEDS_HUMAN |
 * | *UnpaidOrder / *UnPaidOrder                   | block — UNPAID_ORDER                            |
 * | IncorrectInstanceStatus, InvalidInstanceStatus*, InvalidOperation.InstanceStatusUnsupported | back off every change — STATUS_UNSUPPORTED (the status is usually transient) |
 * | QuotaExceeded.InternetBandwidth (regional cap) | block upgrades only (a downgrade frees quota) — REGIONAL_BANDWIDTH_QUOTA |
 * | InstanceDowngrade.QuotaExceed                 | quota spent — DOWNGRADE_BUDGET                   |
 * | InvalidInternetMaxBandwidthIn.ValueNotSupported | back off sending inbound — INBOUND_REFUSED     |
 * | VPC: ResourceNotEnough.Bandwidth, InvalidBandwidth.OutOfMaxTrafficBindedOnNatgw, QuotaExceeded.LargeSpec* | back off the refused target, try the largest below it — BANDWIDTH_CAP |
 * | VPC: IncorrectEipStatus, IncorrectStatus.ResourceStatus | back off every change — STATUS_UNSUPPORTED |
 * | VPC: InsufficientBalance.Eip, BandwidthPackage.FinancialLocked, SYSTEM.SALE_VALIDATE_UNEXPECTED_ERROR | block — ACCOUNT_ARREARS (provider.ts) |
 * | VPC: Forbidden.ChargeTypeIsPrepaid (subscription EIP or package) | block — NEEDS_HUMAN |
 * | VPC: IncorrectStatus.CbwpModifying, OrderError.*, OperationFailed.* (retryable) | nothing remembered |
 * | other needsHuman (arrears, balance, security lock, expiry, NoPermission.*) | block — by code (provider.ts) |
 * | other rejected / unknown                      | back off the refused direction — PROVIDER_REFUSED |
 * | retryable (throttling, 5xx, timeouts), notFound, auth | nothing remembered: the next cycle decides afresh |
 */
export function answerToRefusal(code: string, message: string, category: RefusalCategory): RefusalAnswer {
  const key = code.toLowerCase();
  if (key === 'invalidparameter.bandwidthbiggerthanbasebandwidth') return { kind: 'backoff', reason: 'BANDWIDTH_CAP', scope: 'up' };
  if (key === 'decreasedbandwidthnotallowed') return { kind: 'backoff', reason: 'DOWNGRADE_REFUSED', scope: 'down' };
  if (key === 'operationdenied') {
    return /after downgrade/i.test(message)
      ? { kind: 'backoff', reason: 'BILLING_CYCLE_LOCKED', scope: 'any', also: 'quota' }
      : { kind: 'block', reason: 'NEEDS_HUMAN' };
  }
  if (key.endsWith('unpaidorder')) return { kind: 'block', reason: 'UNPAID_ORDER' };
  if (key === 'incorrectinstancestatus' || key.startsWith('invalidinstancestatus') || key === 'invalidoperation.instancestatusunsupported') {
    return { kind: 'backoff', reason: 'STATUS_UNSUPPORTED', scope: 'any' };
  }
  if (key === 'quotaexceeded.internetbandwidth') return { kind: 'block', reason: 'REGIONAL_BANDWIDTH_QUOTA', scope: 'up' };
  if (key === 'instancedowngrade.quotaexceed') return { kind: 'quota' };
  if (key === 'invalidinternetmaxbandwidthin.valuenotsupported') return { kind: 'backoff', reason: 'INBOUND_REFUSED', scope: 'inbound' };
  // VPC (EIP and shared package) refusals with an answer of their own (docs/reference/alibaba-cloud.md).
  if (key === 'resourcenotenough.bandwidth' || key === 'invalidbandwidth.outofmaxtrafficbindedonnatgw' || key.startsWith('quotaexceeded.largespec')) {
    return { kind: 'backoff', reason: 'BANDWIDTH_CAP', scope: 'up' };
  }
  if (key === 'incorrecteipstatus' || key === 'incorrectstatus.resourcestatus') return { kind: 'backoff', reason: 'STATUS_UNSUPPORTED', scope: 'any' };
  switch (category) {
    case 'needsHuman':
      return { kind: 'block', reason: 'NEEDS_HUMAN' };
    case 'quota':
      return { kind: 'quota' };
    case 'rejected':
    case 'unknown':
      return { kind: 'backoff', reason: 'PROVIDER_REFUSED', scope: 'change' };
    default:
      return { kind: 'retry' };
  }
}

/** One refusal the provider answered to one order. */
export interface RefusalFacts {
  code: string;
  message: string;
  /** Bandwidth when the order was sent, and the order's target. */
  from: number;
  target: number;
  at: number;
}

/**
 * The refusal record after one more refusal. The same code continues the episode (count + 1, longer
 * back-off, `since` kept); another code starts a new one. For an upgrade refusal the lowest refused
 * target is kept, so a probe below it that is refused too lowers it.
 */
export function recordRefusal(
  previous: RefusedChange | undefined,
  reason: ReasonCode,
  scope: RefusedChange['scope'] | 'change',
  facts: RefusalFacts,
): RefusedChange {
  // decide() orders only a target other than the current bandwidth, so `>` and `>=` agree here.
  const resolved = scope === 'change' ? (facts.target > facts.from ? 'up' : 'down') : scope;
  const same = previous !== undefined && previous.code === facts.code && previous.scope === resolved;
  const count = same ? previous.count + 1 : 1;
  let target = facts.target;
  if (same && resolved === 'up') target = Math.min(previous.target, facts.target);
  if (same && resolved === 'down') target = Math.max(previous.target, facts.target);
  const record: RefusedChange = {
    code: facts.code,
    reason,
    scope: resolved,
    from: facts.from,
    target,
    since: same ? previous.since : facts.at,
    at: facts.at,
    count,
    retryAt: facts.at + refusalBackoffSeconds(count) * 1000,
    message: facts.message,
  };
  const cap = resolved === 'up' ? capFromMessage(facts.message, target) : undefined;
  if (cap !== undefined) record.cap = cap;
  // Without `!== undefined`, `undefined < target` is false all the same (equivalent mutant).
  else if (same && previous.cap !== undefined && previous.cap < target) record.cap = previous.cap;
  return record;
}

/**
 * The largest bandwidth a BandwidthBiggerThanBaseBandwidth message allows, when it names one. The
 * documented message is only "%s", so the text is not known: a number in Mbps below the refused
 * target is read as the cap (the largest such, which is the least restrictive reading); anything else
 * is ignored and the guard tries halfway instead.
 */
export function capFromMessage(message: string, refusedTarget: number): number | undefined {
  const numbers = [...message.matchAll(/(?<![\w.])(\d{1,5})\s*(?:mbit\/s|mbps|m\b)/gi)].map((m) => Number(m[1]));
  const below = numbers.filter((n) => Number.isSafeInteger(n) && n > 0 && n < refusedTarget);
  return below.length === 0 ? undefined : Math.max(...below);
}

/**
 * What a successful change at `target` (inbound `targetIn`) leaves of a refusal record: a success the
 * refusal said would fail disproves it; one it was not about leaves it standing (a refused 20 Mbps is
 * still refused after 15 Mbps went through, so the episode, and its one notice, go on).
 */
export function refusalAfterChange(refused: RefusedChange | undefined, from: number, target: number, targetIn: number | undefined): RefusedChange | undefined {
  if (!refused) return undefined;
  switch (refused.scope) {
    case 'up':
      return target >= refused.target ? undefined : refused;
    case 'down':
      // A success always moved the bandwidth (target ≠ from), so `<` and `<=` against `from` agree.
      return target < from && target <= refused.target ? undefined : refused;
    case 'inbound':
      return targetIn !== undefined ? undefined : refused;
    // 'any': every success disproves it (without this clause the function returns undefined all the same).
    default:
      return undefined;
  }
}

/**
 * What a successful change leaves of a block: a block on upgrades only stays after a downgrade (the
 * regional cap is not disproved by lowering bandwidth); every other block is disproved.
 */
export function blockAfterChange(blocked: BlockedCondition | undefined, from: number, target: number): BlockedCondition | undefined {
  if (!blocked) return undefined;
  // A success always moved the bandwidth (target ≠ from): `<=` and `<` agree.
  return blocked.scope === 'up' && target <= from ? blocked : undefined;
}

/** True when the refusal record still holds the change back at `now`. */
export function backingOff(refused: RefusedChange, now: number): boolean {
  return now < refused.retryAt;
}

/** The stored state with refusal bookkeeping after a success (a pure helper for the cycle). */
export function clearDisproved(next: ScalingState, previous: ScalingState, from: number, target: number, targetIn: number | undefined): ScalingState {
  const { refused: _refused, blocked: _blocked, ...rest } = next;
  const out: ScalingState = rest;
  const refused = refusalAfterChange(previous.refused, from, target, targetIn);
  const blocked = blockAfterChange(previous.blocked, from, target);
  // Writing either as undefined would be equivalent: the state is stored as JSON, which drops it.
  if (refused) out.refused = refused;
  if (blocked) out.blocked = blocked;
  return out;
}
