// The local cloud's clock. Everything time-dependent in the emulators (the 5-minute lock, temporary
// upgrade reverts, alarm evaluation, demand curves) reads this clock, never Date.now(), so a test or
// the simulator can replay a month in seconds with a manual clock.
import type { Clock } from './model';

/** Monday 2026-11-02 00:00 UTC: a fixed, documented start so manual-clock runs are reproducible. */
export const DEFAULT_MANUAL_START = Date.UTC(2026, 10, 2, 0, 0, 0);

/**
 * Largest step a manual advance takes before it runs the listeners. Alarm evaluation works on 60 s
 * periods (CloudMonitor's basic-metric period), so a one-hour advance runs the listeners 60 times and
 * no period is skipped, the same as a real clock ticking through the hour.
 */
export const MANUAL_STEP_SECONDS = 60;

/** How often a real clock runs its listeners. */
const REAL_TICK_MS = 1000;

export interface LocalClock extends Clock {
  /** Stops the real clock's ticker; a no-op for a manual clock. */
  stop(): void;
}

type Listener = (now: number) => void | Promise<void>;

export function createClock(mode: 'real' | 'manual', start?: number): LocalClock {
  if (start !== undefined && !Number.isFinite(start)) {
    throw new RangeError(`clock start must be epoch milliseconds, got ${start}`);
  }
  return mode === 'manual' ? manualClock(start ?? DEFAULT_MANUAL_START) : realClock(start);
}

async function runListeners(listeners: Listener[], now: number): Promise<void> {
  // In registration order and one at a time: the ECS reverts registered first must land before the
  // alarm evaluation registered after them reads the bandwidth.
  for (const listener of listeners) await listener(now);
}

function manualClock(start: number): LocalClock {
  const listeners: Listener[] = [];
  let now = start;
  // Advances are serialised: two concurrent admin calls must not interleave their listener runs.
  let queue: Promise<unknown> = Promise.resolve();

  async function advanceBy(seconds: number): Promise<number> {
    const target = now + seconds * 1000;
    while (now < target) {
      now = Math.min(target, now + MANUAL_STEP_SECONDS * 1000);
      await runListeners(listeners, now);
    }
    return now;
  }

  return {
    mode: 'manual',
    now: () => now,
    advance(seconds) {
      if (!Number.isFinite(seconds) || seconds < 0) {
        return Promise.reject(new RangeError(`advance needs a finite number of seconds >= 0, got ${seconds}`));
      }
      const run = queue.then(() => advanceBy(seconds));
      queue = run.catch(() => undefined);
      return run;
    },
    onAdvance: (listener) => void listeners.push(listener),
    stop: () => undefined,
  };
}

function realClock(start: number | undefined): LocalClock {
  const listeners: Listener[] = [];
  // A real clock may start at another date (the simulator replays history in real time); it then
  // runs at wall-clock speed from that date.
  const offset = start === undefined ? 0 : start - Date.now();
  const now = () => Date.now() + offset;
  let running = false;
  const ticker = setInterval(() => {
    // Skip a tick rather than pile up runs when a listener is slower than the tick.
    if (running) return;
    running = true;
    runListeners(listeners, now())
      .catch((error: unknown) => console.error('local cloud clock listener failed:', error))
      .finally(() => {
        running = false;
      });
  }, REAL_TICK_MS);
  ticker.unref();

  return {
    mode: 'real',
    now,
    advance: () => Promise.reject(new Error('a real clock cannot be advanced; start the local cloud with --clock manual')),
    onAdvance: (listener) => void listeners.push(listener),
    stop: () => clearInterval(ticker),
  };
}
