// What the cycle stores and tells people after the provider refused an order. The meaning of each
// refusal is the core's (src/core/refusal.ts, answerToRefusal); this file turns it into the next
// state, and into at most one notice per episode: a refusal repeated within an episode (the same code
// again, a probe that failed again) is logged, never notified again.
import { answerToRefusal, quotaExhausted, recordRefusal } from '../core';
import type { InstanceFacts, PendingChange, Policy, ScalingState } from '../core/types';
import type { NotifyEvent } from '../notify/notifier';
import type { OrderCall } from './apply';

export interface RefusalSettlement {
  /** The state to commit in place of the intent. */
  next: ScalingState;
  outcome: 'blocked' | 'failed';
  /** The one notice of a new episode; absent when this refusal continues one. */
  notice?: NotifyEvent;
}

type Refused = Extract<OrderCall, { kind: 'error' }>;

/**
 * The state after a refused order (not an uncertain one: nothing was placed). `base` is the intent
 * without its pending change; `intent` what was stored before the order, for the episode so far.
 */
export function settleRefusal(
  policy: Policy,
  instance: InstanceFacts,
  intent: ScalingState,
  base: ScalingState,
  pending: PendingChange,
  call: Refused,
  at: number,
): RefusalSettlement {
  const { instanceId } = instance;
  const { code, message } = call;
  const answer = answerToRefusal(code, message, call.category);
  switch (answer.kind) {
    case 'quota': {
      // The provider's word beats our ledger: the quota is shared with other refunds.
      const fresh = !quotaExhausted(intent, policy, at);
      const next: ScalingState = { ...base, quotaExhaustedAt: at };
      const notice: NotifyEvent = {
        type: 'blocked',
        instanceId,
        reason: 'DOWNGRADE_BUDGET',
        message: `the provider refused a downgrade with ${code}: no further downgrades until the quota resets`,
      };
      return fresh ? { next, outcome: 'blocked', notice } : { next, outcome: 'blocked' };
    }
    case 'block': {
      const fresh = intent.blocked?.code !== code;
      const since = fresh ? at : (intent.blocked?.since ?? at);
      const blocked: ScalingState['blocked'] = { code, since, message, lastProbeAt: at };
      if (answer.scope) blocked.scope = answer.scope;
      const next: ScalingState = { ...base, blocked };
      const what = answer.scope === 'up' ? 'upgrades stop' : 'bandwidth changes stop';
      const notice: NotifyEvent = { type: 'needs-a-human', instanceId, code, message: `${message}; ${what} until this is resolved (${answer.reason})` };
      return fresh ? { next, outcome: 'blocked', notice } : { next, outcome: 'blocked' };
    }
    case 'backoff': {
      const previous = intent.refused;
      const refused = recordRefusal(previous, answer.reason, answer.scope, { code, message, from: pending.from, target: pending.target, at });
      const fresh = previous?.code !== code || previous.scope !== refused.scope;
      const next: ScalingState = { ...base, refused };
      if (answer.also === 'quota') next.quotaExhaustedAt = at;
      const notice: NotifyEvent = {
        type: 'blocked',
        instanceId,
        reason: answer.reason,
        message: `the provider refused ${pending.from} → ${pending.target} Mbps with ${code}: ${message}; not sent again before ${new Date(refused.retryAt).toISOString()}`,
      };
      return fresh ? { next, outcome: 'failed', notice } : { next, outcome: 'failed' };
    }
    default:
      // Throttling that outlasted the attempts, not found, credentials: nothing about this change
      // is learnt, so the next cycle decides afresh (with a new token).
      return { next: base, outcome: 'failed' };
  }
}
