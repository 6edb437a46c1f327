import type { Control, ControlScope } from '../core/controls';

/**
 * The control table: pauses and overrides set at runtime (`bwscaler pause|resume|override`). A
 * handful of rows; one per (scope, target, kind), so setting a control again replaces it.
 */
export interface ControlStore {
  /** Every stored control, expired ones included (one range read: what a tick reads). */
  listControls(): Promise<Control[]>;
  /** The controls of one instance and of its policy (one batched point read: what an alarm reads). */
  controlsFor(instanceId: string, policyName: string): Promise<Control[]>;
  /** Writes the control, replacing the one of the same scope, target and kind. */
  putControl(control: Control): Promise<void>;
  /** Removes it; returns what was stored, undefined when nothing was. */
  removeControl(kind: Control['kind'], scope: ControlScope, target: string): Promise<Control | undefined>;
}
