import { describe, expect, it } from 'vitest';
import { createClock, DEFAULT_MANUAL_START, MANUAL_STEP_SECONDS } from '../../local-cloud/clock';

describe('local cloud clock', () => {
  it('starts a manual clock on Monday 2026-11-02T00:00:00Z unless told otherwise', () => {
    const clock = createClock('manual');
    expect(new Date(clock.now()).toISOString()).toBe('2026-11-02T00:00:00.000Z');
    expect(new Date(DEFAULT_MANUAL_START).getUTCDay()).toBe(1);
  });

  it('moves a manual clock only when advanced, and returns the new time', async () => {
    const clock = createClock('manual', Date.UTC(2026, 0, 1));
    const now = await clock.advance(300);
    expect(now).toBe(Date.UTC(2026, 0, 1, 0, 5));
    expect(clock.now()).toBe(now);
  });

  it('runs listeners at every step of a long advance, in registration order', async () => {
    const clock = createClock('manual', 0);
    const seen: string[] = [];
    clock.onAdvance((now) => void seen.push(`a@${now / 1000}`));
    clock.onAdvance(async (now) => {
      await Promise.resolve();
      seen.push(`b@${now / 1000}`);
    });
    await clock.advance(MANUAL_STEP_SECONDS * 2 + 30);
    expect(seen).toEqual(['a@60', 'b@60', 'a@120', 'b@120', 'a@150', 'b@150']);
  });

  it('serialises concurrent advances', async () => {
    const clock = createClock('manual', 0);
    const seen: number[] = [];
    clock.onAdvance((now) => void seen.push(now / 1000));
    await Promise.all([clock.advance(60), clock.advance(60)]);
    expect(seen).toEqual([60, 120]);
  });

  it.each([
    { name: 'a negative advance', seconds: -1 },
    { name: 'a non-finite advance', seconds: Number.POSITIVE_INFINITY },
  ])('refuses $name', async ({ seconds }) => {
    const clock = createClock('manual', 0);
    await expect(clock.advance(seconds)).rejects.toThrow(/finite number of seconds >= 0/);
    expect(clock.now()).toBe(0);
  });

  it('follows the wall clock in real mode and refuses to be advanced', async () => {
    const clock = createClock('real');
    try {
      expect(Math.abs(clock.now() - Date.now())).toBeLessThan(1000);
      await expect(clock.advance(1)).rejects.toThrow(/--clock manual/);
    } finally {
      clock.stop();
    }
  });

  it('runs a real clock from another start date at wall speed', () => {
    const start = Date.UTC(2020, 0, 1);
    const clock = createClock('real', start);
    try {
      expect(clock.now() - start).toBeGreaterThanOrEqual(0);
      expect(clock.now() - start).toBeLessThan(60_000);
    } finally {
      clock.stop();
    }
  });
});
