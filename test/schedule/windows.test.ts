import { Cron } from 'croner';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ScheduleWindow } from '../../src/core/types';
import { activeWindows, lastWindowStart, nextWindowStart } from '../../src/schedule/windows';

const at = (iso: string) => Date.parse(iso);

function window(patch: Partial<ScheduleWindow>): ScheduleWindow {
  return {
    name: 'peak',
    cron: '0 19 * * *',
    timezone: 'Asia/Shanghai',
    durationSeconds: 4 * 3600,
    floor: 50,
    temporaryUpgrade: false,
    ...patch,
  };
}

describe('activeWindows', () => {
  // 19:00 Beijing (UTC+8, no DST) for 4 h is 11:00–15:00 UTC.
  const evening = window({});

  const rows: Array<{ name: string; schedule: ScheduleWindow; now: string; active?: { start: string; end: string } }> = [
    {
      name: 'is active from its start, inclusive',
      schedule: evening,
      now: '2025-01-15T11:00:00.000Z',
      active: { start: '2025-01-15T11:00:00Z', end: '2025-01-15T15:00:00Z' },
    },
    { name: 'is inactive a millisecond before its start', schedule: evening, now: '2025-01-15T10:59:59.999Z' },
    {
      name: 'is active until just before its end',
      schedule: evening,
      now: '2025-01-15T14:59:59.999Z',
      active: { start: '2025-01-15T11:00:00Z', end: '2025-01-15T15:00:00Z' },
    },
    { name: 'is inactive at its end, exclusive', schedule: evening, now: '2025-01-15T15:00:00.000Z' },
    {
      name: 'is found by a tick long after the start (level-triggered: a missed tick self-heals)',
      schedule: evening,
      now: '2025-01-15T14:37:12.345Z',
      active: { start: '2025-01-15T11:00:00Z', end: '2025-01-15T15:00:00Z' },
    },
    {
      name: 'runs past midnight UTC into the next day',
      schedule: window({ cron: '0 6 * * *', durationSeconds: 3 * 3600 }),
      now: '2025-01-15T23:30:00Z',
      active: { start: '2025-01-15T22:00:00Z', end: '2025-01-16T01:00:00Z' },
    },
    {
      name: 'follows the weekday field in the window zone (Friday 09:00 Shanghai is still on at Friday night)',
      schedule: window({ cron: '0 9 * * 1-5', durationSeconds: 14 * 3600 }),
      now: '2025-01-17T14:00:00Z',
      active: { start: '2025-01-17T01:00:00Z', end: '2025-01-17T15:00:00Z' },
    },
    {
      name: 'is off on Saturday for a weekday window',
      schedule: window({ cron: '0 9 * * 1-5', durationSeconds: 14 * 3600 }),
      now: '2025-01-18T04:00:00Z',
    },
    {
      name: 'takes the latest start when the window is longer than its period',
      schedule: window({ cron: '0 * * * *', durationSeconds: 90 * 60 }),
      now: '2025-01-15T11:20:00Z',
      active: { start: '2025-01-15T11:00:00Z', end: '2025-01-15T12:30:00Z' },
    },
    // Europe/Berlin switches to summer time on 2025-03-30 at 02:00 CET → 03:00 CEST.
    {
      name: 'Berlin: a window across the spring switch lasts its elapsed duration (01:00 CET + 3 h = 05:00 CEST)',
      schedule: window({ cron: '0 1 * * *', timezone: 'Europe/Berlin', durationSeconds: 3 * 3600 }),
      now: '2025-03-30T02:30:00Z',
      active: { start: '2025-03-30T00:00:00Z', end: '2025-03-30T03:00:00Z' },
    },
    {
      name: 'Berlin: a start inside the skipped hour runs at 03:00 CEST on the switch day',
      schedule: window({ cron: '30 2 * * *', timezone: 'Europe/Berlin', durationSeconds: 3600 }),
      now: '2025-03-30T01:10:00Z',
      active: { start: '2025-03-30T01:00:00Z', end: '2025-03-30T02:00:00Z' },
    },
    {
      name: 'Berlin: the day before the switch, 02:30 CET is 01:30 UTC',
      schedule: window({ cron: '30 2 * * *', timezone: 'Europe/Berlin', durationSeconds: 3600 }),
      now: '2025-03-29T01:45:00Z',
      active: { start: '2025-03-29T01:30:00Z', end: '2025-03-29T02:30:00Z' },
    },
    {
      name: 'Berlin: the day after the switch, 02:30 CEST is 00:30 UTC',
      schedule: window({ cron: '30 2 * * *', timezone: 'Europe/Berlin', durationSeconds: 3600 }),
      now: '2025-03-31T00:45:00Z',
      active: { start: '2025-03-31T00:30:00Z', end: '2025-03-31T01:30:00Z' },
    },
    // …and back to winter time on 2025-10-26 at 03:00 CEST → 02:00 CET: 02:30 happens twice.
    {
      name: 'Berlin: a fixed-time start in the repeated autumn hour runs once, at its first occurrence',
      schedule: window({ cron: '30 2 * * *', timezone: 'Europe/Berlin', durationSeconds: 30 * 60 }),
      now: '2025-10-26T01:40:00Z',
    },
    {
      name: 'Berlin: the first occurrence of the repeated hour is 00:30 UTC',
      schedule: window({ cron: '30 2 * * *', timezone: 'Europe/Berlin', durationSeconds: 30 * 60 }),
      now: '2025-10-26T00:40:00Z',
      active: { start: '2025-10-26T00:30:00Z', end: '2025-10-26T01:00:00Z' },
    },
  ];

  it.each(rows)('a window $name', ({ schedule, now, active }) => {
    // Act
    const result = activeWindows([schedule], at(now));

    // Assess
    const expected = active ? [{ name: 'peak', start: at(active.start), end: at(active.end), floor: 50, temporaryUpgrade: false }] : [];
    expect(result).toEqual(expected);
  });

  it('returns the active windows in the order given, with their floor, ceiling, exact and temporaryUpgrade', () => {
    // Prepare
    const schedules = [
      window({ name: 'night-cap', cron: '0 1 * * *', durationSeconds: 6 * 3600, floor: undefined, ceiling: 10 }),
      window({ name: 'evening', floor: undefined, exact: 40, temporaryUpgrade: true }),
      window({ name: 'morning', cron: '0 8 * * *', durationSeconds: 2 * 3600 }),
      window({ name: 'all-day', cron: '0 0 * * *', durationSeconds: 24 * 3600, floor: 20 }),
    ];

    // Act
    const result = activeWindows(schedules, at('2025-01-15T12:00:00Z'));

    // Assess
    expect(result).toEqual([
      { name: 'evening', start: at('2025-01-15T11:00:00Z'), end: at('2025-01-15T15:00:00Z'), exact: 40, temporaryUpgrade: true },
      { name: 'all-day', start: at('2025-01-14T16:00:00Z'), end: at('2025-01-15T16:00:00Z'), floor: 20, temporaryUpgrade: false },
    ]);
  });

  it('returns nothing for no schedules', () => {
    expect(activeWindows([], at('2025-01-15T12:00:00Z'))).toEqual([]);
  });
});

describe('nextWindowStart', () => {
  const rows = [
    { name: 'the next start later the same day', now: '2025-01-15T10:59:59.999Z', expected: '2025-01-15T11:00:00Z' },
    { name: 'strictly after now: not the start happening at now', now: '2025-01-15T11:00:00.000Z', expected: '2025-01-16T11:00:00Z' },
    { name: 'the next day once today has started', now: '2025-01-15T12:00:00Z', expected: '2025-01-16T11:00:00Z' },
  ];

  it.each(rows)('returns $name', ({ now, expected }) => {
    expect(nextWindowStart(window({}), at(now))).toBe(at(expected));
  });
});

describe('properties', () => {
  const schedules = [
    window({ cron: '0 19 * * *', timezone: 'Asia/Shanghai' }),
    window({ cron: '30 2 * * *', timezone: 'Europe/Berlin' }),
    window({ cron: '*/20 1-3 * * 0', timezone: 'Europe/Berlin' }),
    window({ cron: '15 9 * * 1-5', timezone: 'America/New_York' }),
    window({ cron: '0 0 1 * *', timezone: 'Asia/Kolkata' }),
  ];
  // 2025 including both Berlin and New York DST switches.
  const instant = fc.integer({ min: at('2025-01-01T00:00:00Z'), max: at('2026-01-01T00:00:00Z') });

  it('a window is active exactly when its latest start is within (now - duration, now]', () => {
    fc.assert(
      fc.property(fc.constantFrom(...schedules), instant, (schedule, now) => {
        // Prepare: the latest start, straight from croner with no cache involved.
        const [reference] = new Cron(schedule.cron, { timezone: schedule.timezone, mode: '5-part', paused: true }).previousRuns(1, new Date(now + 1));
        const start = reference?.getTime() ?? Number.NaN;

        // Act
        const active = activeWindows([schedule], now);

        // Assess
        const expected = now - start < schedule.durationSeconds * 1000;
        expect(active.length).toBe(expected ? 1 : 0);
        if (expected) expect(active[0]).toMatchObject({ start, end: start + schedule.durationSeconds * 1000 });
      }),
      { numRuns: 300 },
    );
  });

  it('the cached answer equals a fresh computation, for instants in any order', () => {
    fc.assert(
      fc.property(fc.constantFrom(...schedules), fc.array(instant, { minLength: 1, maxLength: 20 }), (schedule, instants) => {
        const fresh = new Cron(schedule.cron, { timezone: schedule.timezone, mode: '5-part', paused: true });
        for (const now of instants) {
          expect(lastWindowStart(schedule, now)).toBe(fresh.previousRuns(1, new Date(now + 1))[0]?.getTime());
        }
      }),
      { numRuns: 100 },
    );
  });

  it('the latest start is at or before now, and the next start after now', () => {
    fc.assert(
      fc.property(fc.constantFrom(...schedules), instant, (schedule, now) => {
        const last = lastWindowStart(schedule, now) ?? Number.NaN;
        const next = nextWindowStart(schedule, now) ?? Number.NaN;
        expect(last).toBeLessThanOrEqual(now);
        expect(next).toBeGreaterThan(now);
        expect(nextWindowStart(schedule, last)).toBe(next);
      }),
      { numRuns: 300 },
    );
  });
});
