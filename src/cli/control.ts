// `bwscaler pause | resume | override | overrides`: runtime control without a redeploy. Each change
// writes the control table (src/state/control.ts), which both functions read on every invocation,
// plus one audit row in the history (under the instance id, or "policy/<name>" for a whole policy)
// and one notice (BWSCALER_NOTIFY_URL, when set).

import { notifyConfig } from '../config';
import { type Control, type ControlsInForce, isInForce, type OverrideControl, type PauseControl } from '../core/controls';
import { controlSubject } from '../cycle/controls';
import { createNotifier, type NotifyEvent } from '../notify/notifier';
import { parseDuration } from '../policy/units';
import type { ControlStore } from '../ports/control-store';
import type { HistoryRecord, Outcome, StateStore } from '../ports/state-store';
import { createMemoryControlStore, createTablestoreControlStore } from '../state/control';
import { MEMORY_ENDPOINT } from '../state/index';
import {
  type CommandIo,
  type Env,
  EXIT_OK,
  formatTable,
  integerFlag,
  isoSeconds,
  printJson,
  processIo,
  readFlags,
  requiredFlag,
  runCommand,
  type Terminal,
  UsageError,
} from './command';
import { openStore, STORE_ENVIRONMENT, tablestoreConfigFromEnv } from './store-access';

const WHO = `  --by NAME          who is asking (default: $USER); kept with the control and in the audit row`;
const NOTICE = `Every change writes an audit row in the history and sends one notice (BWSCALER_NOTIFY_URL
[, BWSCALER_DINGTALK_SECRET], when set).`;

const PAUSE_USAGE = `usage: bwscaler pause (--policy NAME | --instance ID) --reason TEXT [--until TIME] [--by NAME] [--json]

Stops every change to the policy's instances (or to one instance) from the next invocation of
either function on, without a redeploy. Pausing again replaces the pause.

  --policy NAME      every instance the policy manages
  --instance ID      one instance
  --reason TEXT      why; shown in the audit row, the notices and 'bwscaler overrides'
  --until TIME       when the pause ends by itself: an ISO-8601 time with its zone
                     ("2026-12-07T08:00:00Z") or a duration from now ("2h", "3d"); default: until resumed
${WHO}
  --json             the change as one JSON document instead of a line

A pause longer than a day is announced again once a day. ${NOTICE}

${STORE_ENVIRONMENT}`;

const RESUME_USAGE = `usage: bwscaler resume (--policy NAME | --instance ID) --reason TEXT [--by NAME] [--json]

Removes a pause set with 'bwscaler pause'. A policy the policy file itself pauses (paused: true)
stays paused until the file changes.

  --policy NAME | --instance ID   what was paused
  --reason TEXT                    why
${WHO}
  --json             the change as one JSON document instead of a line

${NOTICE}

${STORE_ENVIRONMENT}`;

const OVERRIDE_USAGE = `usage: bwscaler override --instance ID --bandwidth N --until TIME --reason TEXT [--by NAME] [--json]
       bwscaler override --instance ID --remove --reason TEXT [--by NAME] [--json]

Sets one instance's outbound bandwidth to N Mbps until TIME, in place of the policy file's override
(the policy's bounds still hold). --remove ends it early.

  --instance ID      the instance
  --bandwidth N      Mbps, 0 to 1024
  --until TIME       an ISO-8601 time with its zone, or a duration from now ("2h")
  --reason TEXT      why; shown in every decision the override makes
  --remove           end the instance's override now
${WHO}
  --json             the change as one JSON document instead of a line

${NOTICE}

${STORE_ENVIRONMENT}`;

const LIST_USAGE = `usage: bwscaler overrides [--all] [--json]

Lists the pauses and overrides in the control table that are in force now.

  --all    include expired ones (they are ignored by the functions)
  --json   JSON instead of a table

${STORE_ENVIRONMENT}`;

/** ECS's outbound bandwidth range for pay-by-bandwidth (ModifyInstanceNetworkSpec InternetMaxBandwidthOut). */
const MAX_BANDWIDTH = 1024;

interface Session {
  controls: ControlStore;
  store: StateStore;
  notify(event: NotifyEvent): Promise<unknown>;
}

function openSession(env: Env, out: Terminal): Session {
  const store = openStore(env, out);
  const controls = openControlStore(env);
  const url = env.BWSCALER_NOTIFY_URL?.trim();
  const secret = env.BWSCALER_DINGTALK_SECRET?.trim() || undefined;
  out.addSecret(secret);
  const notifier = url ? createNotifier(notifyConfig(url, secret)) : undefined;
  return {
    controls,
    store,
    notify: async (event) => {
      if (!notifier) return;
      if (!(await notifier.notify(event))) out.warn('the notice was not accepted by BWSCALER_NOTIFY_URL (the control change stands)');
    },
  };
}

/** An ISO-8601 time with a zone, or a duration from now in the policy file's syntax. */
export function parseUntil(value: string, now: number): number {
  const text = value.trim();
  const seconds = parseDuration(text);
  if (seconds !== undefined && seconds > 0) return now + seconds * 1000;
  const at = /T.*(Z|[+-]\d\d:?\d\d)$/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) throw new UsageError(`--until: expected an ISO-8601 time with its zone ("2026-12-07T08:00:00Z") or a duration ("2h"), got "${value}"`);
  if (at <= now) throw new UsageError(`--until: ${text} is not in the future`);
  return at;
}

function scopeOf(flags: { policy?: string; instance?: string }): { scope: Control['scope']; target: string } {
  const policy = flags.policy?.trim();
  const instance = flags.instance?.trim();
  if (Boolean(policy) === Boolean(instance)) throw new UsageError('give exactly one of --policy NAME and --instance ID');
  return policy ? { scope: 'policy', target: policy } : { scope: 'instance', target: instance as string };
}

function operator(flags: { by?: string }, env: Env): string {
  return flags.by?.trim() || env.USER?.trim() || env.USERNAME?.trim() || 'unknown';
}

/** One audit row per change of control, in the history of its subject. */
async function audit(
  session: Session,
  io: CommandIo,
  subject: string,
  change: Extract<Outcome, 'paused' | 'resumed' | 'override' | 'override-removed'>,
  by: string,
  message: string,
  bandwidth = 0,
): Promise<void> {
  const at = io.now();
  const record: HistoryRecord = {
    instanceId: subject,
    at,
    decisionId: `control-${at}`,
    source: `control:${by}`,
    decision: {
      action: 'none',
      current: bandwidth,
      target: bandwidth,
      proposed: bandwidth,
      reason: change.startsWith('override') ? 'OVERRIDE' : 'PAUSED',
      message,
      isDowngrade: false,
      guards: [],
    },
    outcome: change,
  };
  await session.store.appendHistory([record]);
}

function describeUntil(until: number | undefined): string {
  return until === undefined ? 'until resumed' : `until ${isoSeconds(until)}`;
}

export async function runPause(args: string[], env: Env = process.env, io: CommandIo = processIo): Promise<number> {
  return runCommand('pause', PAUSE_USAGE, io, async (out) => {
    const flags = readFlags(args, {
      policy: { type: 'string' },
      instance: { type: 'string' },
      reason: { type: 'string' },
      until: { type: 'string' },
      by: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (flags.help) {
      out.print(PAUSE_USAGE);
      return EXIT_OK;
    }
    const { scope, target } = scopeOf(flags);
    const reason = requiredFlag('reason', flags.reason);
    const now = io.now();
    const until = flags.until === undefined ? undefined : parseUntil(flags.until, now);
    const by = operator(flags, env);
    const control: PauseControl = { kind: 'pause', scope, target, reason, by, at: now, ...(until !== undefined && { until }) };
    const session = openSession(env, out);
    await session.controls.putControl(control);
    const subject = controlSubject(control);
    const message = `paused by ${by} ${describeUntil(until)}: ${reason}`;
    await audit(session, io, subject, 'paused', by, message);
    await session.notify({ type: 'control', instanceId: subject, change: 'paused', message });
    printChange(out, flags.json, { target: subject, change: 'paused', message });
    return EXIT_OK;
  });
}

export async function runResume(args: string[], env: Env = process.env, io: CommandIo = processIo): Promise<number> {
  return runCommand('resume', RESUME_USAGE, io, async (out) => {
    const flags = readFlags(args, {
      policy: { type: 'string' },
      instance: { type: 'string' },
      reason: { type: 'string' },
      by: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (flags.help) {
      out.print(RESUME_USAGE);
      return EXIT_OK;
    }
    const { scope, target } = scopeOf(flags);
    const reason = requiredFlag('reason', flags.reason);
    const by = operator(flags, env);
    const session = openSession(env, out);
    const removed = await session.controls.removeControl('pause', scope, target);
    const subject = controlSubject({ scope, target });
    if (!removed || !isInForce(removed, io.now())) {
      out.warn(`${subject} had no pause in force in the control table; nothing changed (a pause in the policy file stays until the file changes)`);
      return EXIT_OK;
    }
    const message = `resumed by ${by}: ${reason} (paused by ${removed.by} since ${isoSeconds(removed.at)}: ${removed.reason})`;
    await audit(session, io, subject, 'resumed', by, message);
    await session.notify({ type: 'control', instanceId: subject, change: 'resumed', message });
    printChange(out, flags.json, { target: subject, change: 'resumed', message });
    return EXIT_OK;
  });
}

export async function runOverride(args: string[], env: Env = process.env, io: CommandIo = processIo): Promise<number> {
  return runCommand('override', OVERRIDE_USAGE, io, async (out) => {
    const flags = readFlags(args, {
      instance: { type: 'string' },
      bandwidth: { type: 'string' },
      until: { type: 'string' },
      reason: { type: 'string' },
      remove: { type: 'boolean' },
      by: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (flags.help) {
      out.print(OVERRIDE_USAGE);
      return EXIT_OK;
    }
    const instanceId = requiredFlag('instance', flags.instance);
    const reason = requiredFlag('reason', flags.reason);
    const by = operator(flags, env);
    const now = io.now();
    if (flags.remove) {
      if (flags.bandwidth !== undefined || flags.until !== undefined) throw new UsageError('--remove takes no --bandwidth or --until');
      const session = openSession(env, out);
      const removed = await session.controls.removeControl('override', 'instance', instanceId);
      if (!removed || !isInForce(removed, now)) {
        out.warn(`${instanceId} had no override in force in the control table; nothing changed`);
        return EXIT_OK;
      }
      const message = `override removed by ${by}: ${reason}`;
      await audit(session, io, instanceId, 'override-removed', by, message);
      await session.notify({ type: 'control', instanceId, change: 'override-removed', message });
      printChange(out, flags.json, { target: instanceId, change: 'override-removed', message });
      return EXIT_OK;
    }
    const bandwidth = integerFlag('bandwidth', requiredFlag('bandwidth', flags.bandwidth), 0, MAX_BANDWIDTH);
    const until = parseUntil(requiredFlag('until', flags.until), now);
    const control: OverrideControl = { kind: 'override', scope: 'instance', target: instanceId, bandwidth, until, reason, by, at: now };
    const session = openSession(env, out);
    await session.controls.putControl(control);
    const message = `override to ${bandwidth} Mbps by ${by} until ${isoSeconds(until)}: ${reason}`;
    await audit(session, io, instanceId, 'override', by, message, bandwidth);
    await session.notify({ type: 'control', instanceId, change: 'override', message });
    printChange(out, flags.json, { target: instanceId, change: 'override', message, bandwidth, until: isoSeconds(until) });
    return EXIT_OK;
  });
}

export function controlRow(control: Control, now: number): string[] {
  return [
    control.kind,
    controlSubject(control),
    control.kind === 'override' ? `${control.bandwidth} Mbps` : '-',
    `${describeUntil(control.until)}${isInForce(control, now) ? '' : ' (expired)'}`,
    `${control.by} at ${isoSeconds(control.at)}`,
    control.reason,
  ];
}

export async function runOverrides(args: string[], env: Env = process.env, io: CommandIo = processIo): Promise<number> {
  return runCommand('overrides', LIST_USAGE, io, async (out) => {
    const flags = readFlags(args, { all: { type: 'boolean' }, json: { type: 'boolean' } });
    if (flags.help) {
      out.print(LIST_USAGE);
      return EXIT_OK;
    }
    openStore(env, out);
    const now = io.now();
    const controls = (await openControlStore(env).listControls()).filter((control) => flags.all || isInForce(control, now)).sort((a, b) => a.at - b.at);
    if (flags.json) {
      out.print(JSON.stringify({ now: isoSeconds(now), controls: controls.map((c) => ({ ...c, inForce: isInForce(c, now) })) }, null, 2));
      return EXIT_OK;
    }
    out.print(
      formatTable(
        ['KIND', 'SUBJECT', 'BANDWIDTH', 'UNTIL', 'SET BY', 'REASON'],
        controls.map((c) => controlRow(c, now)),
      ),
    );
    if (controls.length === 0) out.warn('no pause or override in force in the control table');
    return EXIT_OK;
  });
}

/** The control table the environment names; an in-memory store for `memory:` (plan's local runs). */
export function openControlStore(env: Env): ControlStore {
  return env.BWSCALER_OTS_ENDPOINT?.trim() === MEMORY_ENDPOINT ? createMemoryControlStore() : createTablestoreControlStore(tablestoreConfigFromEnv(env));
}

/** "paused (control table: …); override 50 Mbps (policy file: …)": which source governs, for plan and status. */
export function describeInForce(inForce: ControlsInForce): string | undefined {
  const parts: string[] = [];
  const { paused, override } = inForce;
  if (paused) {
    const detail = paused.control ? `: ${paused.control.reason}, by ${paused.control.by} ${describeUntil(paused.until)}` : '';
    parts.push(`paused (${paused.source}${detail})`);
  }
  if (override) parts.push(`override ${override.bandwidth} Mbps (${override.source}: ${override.reason}, until ${isoSeconds(override.until)})`);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** status: the control table's pauses and overrides in force, after the states (the policy file's own are plan's to show). */
export async function printControlsInForce(env: Env, out: Terminal, now: number): Promise<Control[]> {
  const controls = (await openControlStore(env).listControls()).filter((control) => isInForce(control, now));
  if (controls.length > 0) {
    out.print(`\nIn force from the control table (they win over the policy file's paused/override):`);
    out.print(
      formatTable(
        ['KIND', 'SUBJECT', 'BANDWIDTH', 'UNTIL', 'SET BY', 'REASON'],
        controls.map((c) => controlRow(c, now)),
      ),
    );
  }
  return controls;
}

/** One line for a person, or with --json one JSON document for a script: what changed, on what. */
function printChange(out: Terminal, json: boolean | undefined, change: { target: string; change: Outcome; message: string } & Record<string, unknown>): void {
  if (json) printJson(out, change);
  else out.print(`${change.target}: ${change.message}`);
}
