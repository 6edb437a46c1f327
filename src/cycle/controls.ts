// Where the cycle meets the control table (src/ports/control-store.ts): one range read per tick,
// one batched point read per alarm, and the daily reminder of a long pause. Called from one line in
// src/cycle/tick.ts and one in src/cycle/alarm.ts; the merge itself is the core's applyControls.
//
// A failed read fails the invocation, as a failed state read does: a cycle that cannot see whether
// an operator paused the fleet must not act as if nobody had.
import type { Control, PauseControl } from '../core/controls';
import { isInForce } from '../core/controls';
import { type CycleDeps, sendNotice } from './deps';

const DAY_MS = 86_400_000;

/** The tick's controls (every row, one range read), after sending any reminder that is due. */
export async function readTickControls(deps: CycleDeps): Promise<Control[]> {
  if (!deps.controls) return [];
  const controls = await deps.controls.listControls();
  await remindLongPauses(deps, controls, deps.now());
  return controls;
}

/** The alarm's controls: the instance's and its policy's, one batched point read. */
export async function readAlarmControls(deps: CycleDeps, instanceId: string, policyName: string): Promise<Control[]> {
  return deps.controls ? deps.controls.controlsFor(instanceId, policyName) : [];
}

/** The history's subject of a control: the instance itself, or "policy/<name>". */
export function controlSubject(control: Pick<Control, 'scope' | 'target'>): string {
  return control.scope === 'instance' ? control.target : `policy/${control.target}`;
}

/**
 * A pause in force for more than a day is announced again once per day it lasts. Every shard's tick
 * reads the same rows, so the day is claimed with markEventHandled: one notice per pause per day,
 * whichever tick gets there first. A failure here is logged: a reminder never stops a tick.
 */
export async function remindLongPauses(deps: CycleDeps, controls: readonly Control[], now: number): Promise<void> {
  const long = controls.filter((c): c is PauseControl => c.kind === 'pause' && isInForce(c, now) && now - c.at >= DAY_MS);
  for (const pause of long) {
    const days = Math.floor((now - pause.at) / DAY_MS);
    const subject = controlSubject(pause);
    try {
      if (!(await deps.store.markEventHandled(`control-reminder/${subject}/${pause.at}/${days}`, 2 * 86_400))) continue;
      const until = pause.until === undefined ? 'until resumed' : `until ${new Date(pause.until).toISOString()}`;
      await sendNotice(deps, {
        type: 'control',
        instanceId: subject,
        change: 'reminder',
        message: `still paused after ${days} day(s) (${until}), set by ${pause.by}: ${pause.reason}. Resume with: bwscaler resume --${pause.scope} ${pause.target}`,
      });
    } catch (error) {
      deps.log({ level: 'warn', msg: 'control reminder failed', instanceId: subject, error });
    }
  }
}
