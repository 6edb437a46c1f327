// Schedule windows: which of a policy's windows are active at a given instant.
//
// Level-triggered: a window is active at `now` when its most recent start (the cron read in the
// window's time zone) lies in (now - duration, now]. Nothing depends on a tick having run at the
// start, so a missed or late FC timer (FC warns that timers "may execute repeatedly or skip" around
// DST switches) still finds the window on the next tick.
//
// Time zones and DST are croner's: a fixed-time start that falls in a spring-forward gap runs at the
// first valid time after it ("30 2 * * *" in Europe/Berlin on the March switch starts at 03:00 CEST),
// and runs once when a fall-back repeats the hour. The duration is elapsed time, so a 4h window is
// 4 hours long even across a switch.
//
// Pure apart from croner: `now` is an argument and nothing reads the clock.
import { Cron } from 'croner';
import type { ActiveWindow, ScheduleWindow } from '../core/types';

interface ResolvedCron {
  cron: Cron;
  /** The last answer: `start` is the most recent run at or before any instant in [start, next). */
  span?: { start: number; next: number };
}

/**
 * One croner object per (time zone, pattern), kept for the life of the process. The backtest asks
 * for thousands of instants per second, mostly in increasing order: croner's previousRuns costs
 * ~80 µs, while an instant inside the last resolved span [start, next) is answered without croner.
 */
const resolved = new Map<string, ResolvedCron>();

function resolve(window: ScheduleWindow): ResolvedCron {
  const key = `${window.timezone}\n${window.cron}`;
  let entry = resolved.get(key);
  if (!entry) {
    entry = { cron: new Cron(window.cron, { timezone: window.timezone, mode: '5-part', paused: true }) };
    resolved.set(key, entry);
  }
  return entry;
}

/** The most recent start at or before `now` (epoch ms), or undefined if the cron never ran. */
export function lastWindowStart(window: ScheduleWindow, now: number): number | undefined {
  const entry = resolve(window);
  const span = entry.span;
  if (span && span.start <= now && now < span.next) return span.start;
  // previousRuns excludes a run exactly at the reference but includes one earlier in the same
  // second, so asking from now + 1 ms returns a start at exactly `now` too.
  const [previous] = entry.cron.previousRuns(1, new Date(Math.floor(now) + 1));
  if (!previous) return undefined;
  const start = previous.getTime();
  entry.span = { start, next: entry.cron.nextRun(previous)?.getTime() ?? Number.POSITIVE_INFINITY };
  return start;
}

/** The first start strictly after `now` (epoch ms), or undefined if there is none. */
export function nextWindowStart(window: ScheduleWindow, now: number): number | undefined {
  return resolve(window)
    .cron.nextRun(new Date(Math.floor(now)))
    ?.getTime();
}

/** The windows of `schedules` active at `now`, in the order given. */
export function activeWindows(schedules: readonly ScheduleWindow[], now: number): ActiveWindow[] {
  const active: ActiveWindow[] = [];
  for (const window of schedules) {
    const start = lastWindowStart(window, now);
    if (start === undefined) continue;
    const end = start + window.durationSeconds * 1000;
    if (now >= end) continue;
    active.push({
      name: window.name,
      start,
      end,
      ...(window.floor !== undefined && { floor: window.floor }),
      ...(window.ceiling !== undefined && { ceiling: window.ceiling }),
      ...(window.exact !== undefined && { exact: window.exact }),
      temporaryUpgrade: window.temporaryUpgrade,
    });
  }
  return active;
}
