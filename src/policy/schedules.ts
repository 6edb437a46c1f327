// Schedule windows as users write them: a 5-field cron read in an IANA time zone, a duration, and a
// floor, ceiling or exact bandwidth; a temporary-upgrade window also obeys the provider's rules on
// StartTime and EndTime.
import { Cron } from 'croner';
import * as z from 'zod';
import { TEMPORARY_UPGRADE_MIN_SECONDS } from '../core/temporary-upgrade';
import { duration, formatDuration, outboundMbps } from './units';

// ---------------------------------------------------------------------------------------------
// Schedules: cron (croner, 5 fields) read in an IANA time zone, plus a duration.

const timeZoneValidity = new Map<string, boolean>();

/** Whether Intl knows the zone. Memoised: building a formatter costs about half a millisecond. */
export function isValidTimeZone(timeZone: string): boolean {
  let valid = timeZoneValidity.get(timeZone);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
      valid = true;
    } catch {
      valid = false;
    }
    timeZoneValidity.set(timeZone, valid);
  }
  return valid;
}

const CRON_SHAPE = 'a 5-field cron expression (minute hour day-of-month month day-of-week)';

const CRON_PROBE_FROM = new Date(Date.UTC(2025, 0, 1));

/** What is wrong with a cron pattern, or undefined if croner reads it as a 5-field cron. */
export function cronProblem(pattern: string): string | undefined {
  const fields = pattern.trim().split(/\s+/).filter(Boolean).length;
  // croner's own message for a wrong count lists the 6- and 7-field forms too, which we refuse.
  if (fields !== 5 && !pattern.trim().startsWith('@')) return `it has ${fields} fields`;
  try {
    const cron = new Cron(pattern, { mode: '5-part', paused: true });
    // A pattern such as "0 0 30 2 *" parses but never fires; the window would silently never open.
    return cron.nextRun(CRON_PROBE_FROM) === null ? 'it never fires' : undefined;
  } catch (error) {
    return String(error instanceof Error ? error.message : error)
      .replace(/^CronPattern: /, '')
      .replace(/\.$/, '');
  }
}

const cronSchema = z
  .string({ error: `expected ${CRON_SHAPE}` })
  .superRefine((pattern, ctx) => {
    const problem = cronProblem(pattern);
    if (problem) ctx.addIssue({ code: 'custom', message: `expected ${CRON_SHAPE}; ${problem}`, input: pattern });
  })
  .meta({ description: 'When the window starts: 5-field cron read in `timezone`, e.g. "0 19 * * *".' });

const timeZoneSchema = z
  .string({ error: 'expected an IANA time zone such as "Asia/Shanghai" or "UTC"' })
  .refine(isValidTimeZone, { error: 'expected an IANA time zone such as "Asia/Shanghai" or "UTC"' })
  .meta({ description: 'IANA time zone the cron is read in. Required: FC timers default to UTC, a classic trap.' });

const offsetsByZone = new Map<string, Set<number>>();

/**
 * UTC offsets (in seconds) a zone used on the 1st of each month of a sample year. Memoised per zone:
 * building the Intl formatter and formatting 12 dates costs milliseconds, and zone rules do not
 * change while the process runs.
 */
function sampledUtcOffsetsSeconds(timeZone: string): Set<number> {
  const known = offsetsByZone.get(timeZone);
  if (known) return known;
  const format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  const offsets = new Set<number>();
  for (let month = 0; month < 12; month += 1) {
    const name = format.formatToParts(Date.UTC(2025, month, 1)).find((part) => part.type === 'timeZoneName')?.value;
    const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name ?? '');
    const sign = match?.[1] === '-' ? -1 : 1;
    offsets.add(match ? sign * (Number(match[2]) * 3600 + Number(match[3]) * 60) : 0);
  }
  offsetsByZone.set(timeZone, offsets);
  return offsets;
}

/**
 * A temporary upgrade's EndTime has hour precision in UTC (`yyyy-MM-ddTHHZ`, docs/reference/alibaba-cloud.md §1.1), so a window
 * served that way must end on a UTC hour, or the upgrade would end early or late. Checked for a
 * minute field with one value (a window that starts "every 5 minutes" cannot end on the hour), and
 * against the zone's offsets over a sample year: "30 19 * * *" in Asia/Kolkata (+05:30) ends on the
 * hour, the same cron in Asia/Shanghai does not. Not covered: on a DST-gap day croner moves a start
 * that falls in the gap (02:30 → 03:00), so a decision made then must still round EndTime.
 */
function temporaryUpgradeEndProblem(cron: string, timeZone: string, durationSeconds: number): { field: 'cron' | 'duration'; message: string } | undefined {
  const minuteField = cron.trim().split(/\s+/)[0] ?? '';
  if (!/^\d{1,2}$/.test(minuteField)) {
    return {
      field: 'cron',
      message: 'expected a single start minute for a temporaryUpgrade window (its EndTime has hour precision)',
    };
  }
  for (const offset of sampledUtcOffsetsSeconds(timeZone)) {
    const endSecondOfHour = (((Number(minuteField) * 60 + durationSeconds - offset) % 3600) + 3600) % 3600;
    if (endSecondOfHour !== 0) {
      const endMinute = String(Math.floor(endSecondOfHour / 60)).padStart(2, '0');
      return {
        field: 'duration',
        message: `expected a temporaryUpgrade window to end on a UTC hour (its EndTime has hour precision); this one ends at :${endMinute} UTC`,
      };
    }
  }
  return undefined;
}

export const scheduleSchema = z
  .strictObject({
    name: z
      .string({ error: 'expected a window name' })
      .min(1, { error: 'expected a window name' })
      .meta({ description: 'Names the window in decisions and logs.' }),
    cron: cronSchema,
    timezone: timeZoneSchema,
    duration: duration(60, 'How long each window lasts (elapsed time, so a DST switch does not stretch it).'),
    floor: outboundMbps('While active: never below this (Mbps).').optional(),
    ceiling: outboundMbps('While active: never above this (Mbps).').optional(),
    exact: outboundMbps('While active: exactly this (Mbps), whatever the metrics say.').optional(),
    temporaryUpgrade: z
      .boolean({ error: 'expected true or false' })
      .prefault(false)
      .meta({
        description:
          'Subscription instances: serve the window as a temporary upgrade (StartTime/EndTime): it reverts by ' +
          'itself and spends no downgrade quota. Needs floor or exact, >= 3h, and an end on a UTC hour.',
      }),
  })
  .superRefine((window, ctx) => {
    const { floor, ceiling, exact } = window;
    if (floor === undefined && ceiling === undefined && exact === undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected at least one of floor, ceiling or exact', input: window });
    }
    if (exact !== undefined && (floor !== undefined || ceiling !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['exact'],
        message: 'expected exact alone (it already fixes the bandwidth), not with floor or ceiling',
        input: exact,
      });
    }
    if (floor !== undefined && ceiling !== undefined && floor > ceiling) {
      ctx.addIssue({ code: 'custom', path: ['floor'], message: `expected at most ceiling (${ceiling})`, input: floor });
    }
    if (!window.temporaryUpgrade) return;
    if (floor === undefined && exact === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['temporaryUpgrade'],
        message: 'expected floor or exact with temporaryUpgrade (the upgrade needs a target)',
        input: true,
      });
    }
    if (window.duration < TEMPORARY_UPGRADE_MIN_SECONDS) {
      ctx.addIssue({
        code: 'custom',
        path: ['duration'],
        message: `expected a duration of at least ${formatDuration(TEMPORARY_UPGRADE_MIN_SECONDS)} for a temporaryUpgrade window (EndTime - StartTime >= 3 h)`,
        input: formatDuration(window.duration),
      });
      return;
    }
    // A bad cron or zone is reported by its own field; the end can only be judged with both valid.
    if (cronProblem(window.cron) || !isValidTimeZone(window.timezone)) return;
    const endProblem = temporaryUpgradeEndProblem(window.cron, window.timezone, window.duration);
    if (endProblem) {
      const input = endProblem.field === 'cron' ? window.cron : formatDuration(window.duration);
      ctx.addIssue({ code: 'custom', path: [endProblem.field], message: endProblem.message, input });
    }
  });
