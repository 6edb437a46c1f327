// Runtime controls: pauses and overrides an operator sets with `bwscaler pause|resume|override`,
// kept in the control table and merged into the policy before decide(). Pure: `now` is an argument.
//
// Precedence, while a control is in force (not expired):
// - pause: a control pause of the instance or of its policy pauses it, whatever the file says; the
//   file's own `paused: true` still pauses when no control does (a control cannot un-pause a file);
// - override: the instance's control override replaces the file's `override`.
// An expired control is ignored as if it were not there.
import type { ManualOverride, Policy } from './types';

export type ControlScope = 'policy' | 'instance';

interface ControlBase {
  scope: ControlScope;
  /** The policy name or the instance id. */
  target: string;
  reason: string;
  /** Who set it (the operator's name as the CLI read it). */
  by: string;
  /** Epoch ms it was set. */
  at: number;
}

export interface PauseControl extends ControlBase {
  kind: 'pause';
  /** Epoch ms it stops; absent = until resumed. */
  until?: number;
}

export interface OverrideControl extends ControlBase {
  kind: 'override';
  scope: 'instance';
  bandwidth: number;
  until: number;
}

export type Control = PauseControl | OverrideControl;

export type ControlSource = 'policy file' | 'control table';

/** What governs one instance's pause and override, and where each comes from. */
export interface ControlsInForce {
  paused?: { source: ControlSource; reason?: string; until?: number; control?: PauseControl };
  override?: { source: ControlSource } & ManualOverride;
}

export function isInForce(control: Control, now: number): boolean {
  return control.until === undefined || control.until > now;
}

/** The controls that concern this instance under this policy and are in force at `now`. */
export function controlsInForce(policy: Policy, instanceId: string, controls: readonly Control[], now: number): ControlsInForce {
  const mine = controls.filter(
    (c) => isInForce(c, now) && ((c.scope === 'instance' && c.target === instanceId) || (c.scope === 'policy' && c.target === policy.name)),
  );
  const result: ControlsInForce = {};
  // An instance's own pause is the more specific one: it is named first.
  const pause = mine
    .filter((c): c is PauseControl => c.kind === 'pause')
    .sort((a, b) => (a.scope === b.scope ? a.at - b.at : a.scope === 'instance' ? -1 : 1))[0];
  // `until: undefined` and no `until` read alike ("until resumed" in the CLI): the `!== undefined` only keeps the object tidy.
  if (pause) result.paused = { source: 'control table', reason: pause.reason, ...(pause.until !== undefined && { until: pause.until }), control: pause };
  else if (policy.paused) result.paused = { source: 'policy file' };
  // The newest override wins (the CLI keeps one per instance; this only settles a hand-edited table).
  const override = mine.filter((c): c is OverrideControl => c.kind === 'override').sort((a, b) => b.at - a.at)[0];
  if (override) result.override = { source: 'control table', bandwidth: override.bandwidth, until: override.until, reason: override.reason };
  else if (policy.override && policy.override.until > now) result.override = { source: 'policy file', ...policy.override };
  return result;
}

/**
 * The policy decide() sees for one instance: the file's policy with the controls in force merged in.
 * Returns the same object when no control applies, so callers that compare policies by identity
 * (a tick groups instances by policy) are unaffected on the common path.
 */
export function applyControls(policy: Policy, instanceId: string, controls: readonly Control[], now: number): Policy {
  const inForce = controlsInForce(policy, instanceId, controls, now);
  const paused = inForce.paused !== undefined;
  const pause = inForce.paused?.control;
  const override = inForce.override?.source === 'control table' ? inForce.override : undefined;
  // Without a control-table pause `paused` is the file's own flag, and with one `!pause` fails: `paused === policy.paused` never decides alone (equivalent if always true).
  if (paused === policy.paused && !override && !pause) return policy;
  // The fallback is never spread below (`override &&`): `{}` would do as well.
  const { source: _source, ...manual } = override ?? { source: undefined };
  return {
    ...policy,
    paused,
    ...(pause && {
      // `until: undefined` instead of no `until` would read the same ("until resumed"), and JSON drops it.
      pausedBy: { scope: pause.scope, target: pause.target, by: pause.by, reason: pause.reason, ...(pause.until !== undefined && { until: pause.until }) },
    }),
    ...(override && { override: manual as ManualOverride }),
  };
}

/** A stored control's shape, checked when it is read back (one bad row is that row's problem only). */
export function isControl(value: unknown): value is Control {
  // Stored rows are JSON: a primitive fails the field tests below anyway; only `null` must stop here.
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  const text = (v: unknown) => typeof v === 'string' && v !== '';
  // `>= 0` or `> 0`: no control is set at exactly 1970-01-01T00:00Z; the bound only turns away negative times.
  const time = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  if (!(c.scope === 'policy' || c.scope === 'instance') || !text(c.target) || !text(c.reason) || !text(c.by) || !time(c.at)) return false;
  if (c.kind === 'pause') return c.until === undefined || time(c.until);
  return c.kind === 'override' && c.scope === 'instance' && time(c.until) && Number.isSafeInteger(c.bandwidth) && (c.bandwidth as number) >= 0;
}
