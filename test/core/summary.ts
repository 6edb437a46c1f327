// The parts of a Decision the guard tables assert: what happens, to what, why, and which guards acted.
import type { Decision } from '../../src/core/types';

export interface Outcome {
  action: Decision['action'];
  target: number;
  reason: Decision['reason'];
  guards: string[];
}

export function outcomeOf(decision: Decision): Outcome {
  return {
    action: decision.action,
    target: decision.target,
    reason: decision.reason,
    guards: decision.guards.map((hit) => hit.guard),
  };
}
