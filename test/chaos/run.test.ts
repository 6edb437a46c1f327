// The short chaos run inside `npm test`: the same engine as `npm run chaos`, on a few instances for a
// few simulated hours, with one real SIGKILL between an ECS order and its commit.
import { describe, expect, it } from 'vitest';
import { runChaos } from './run';

describe('the system under chaos (short run)', () => {
  it('survives faults, duplicates, races and a SIGKILL with every invariant held', async () => {
    const { summary, details } = await runChaos({ instances: 6, days: 0.25, seed: 11, crashes: 1 });

    expect(summary.events).toBeGreaterThan(100);
    expect(summary.faults).toBeGreaterThan(0);
    expect(summary.crashes).toBe(1);
    expect(details.crashesRecovered).toBe(1);
    expect(details.unmanagedWrites).toBe(0);
    expect(details.ordersWhilePaused).toBe(0);
    expect(details.mismatches).toEqual([]);
    expect(details.unrecorded).toEqual([]);
    expect(summary).toMatchObject({
      quotaViolations: 0,
      lockViolations: 0,
      duplicateOrders: 0,
      lostDecisions: 0,
      stateMismatches: 0,
      staleActions: 0,
      unverifiedChanges: 0,
      placedTwice: 0,
    });
  }, 240_000);
});
