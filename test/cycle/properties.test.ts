import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InstanceFacts } from '../../src/core/types';
import { runInstanceCycle } from '../../src/cycle/instance';
import { StoreUnavailableError } from '../../src/errors';
import { fakeWorld } from '../fakes/cycle-deps';
import { faults, instanceFacts, type ModifyFault } from '../fakes/instance-api';
import { mbps } from '../fakes/metric-api';
import { policy } from './fixtures';

const ID = 'i-prop';
const MINUTE = 60_000;

const step = fc.record({
  advanceMinutes: fc.integer({ min: 1, max: 12 }),
  served: fc.integer({ min: 0, max: 40 }),
  faults: fc.array(fc.constantFrom<ModifyFault>(...Object.values(faults)), { maxLength: 5 }),
  crashBeforeCommit: fc.boolean(),
  /** Two invocations (alarm and tick, or an FC retry) running the same cycle at once. */
  racing: fc.boolean(),
});

describe('the cycle under random faults', () => {
  it('sends no order without its intent stored, places no order twice, and never spends the downgrade reserve', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 20 }), async (steps) => {
        // Prepare: a subscription pay-by-bandwidth instance; quota 3 with 1 held in reserve.
        const world = fakeWorld([instanceFacts({ instanceId: ID, instanceChargeType: 'PrePaid' })]);
        const p = policy({ downgradeBudget: { quota: 3, reserve: 1, monthlyReset: false } });
        const callsWithoutIntent: string[] = [];
        world.ecs.onModify = async (request) => {
          const stored = await world.store.getState(request.instanceId);
          if (stored.pending?.clientToken !== request.clientToken) callsWithoutIntent.push(request.clientToken);
        };

        // Act
        for (const s of steps) {
          world.clock.now += s.advanceMinutes * MINUTE;
          world.ecs.failNextModify(...s.faults);
          if (s.crashBeforeCommit) world.store.failNext('commit', new StoreUnavailableError('crash'));
          const run = async () => {
            const instance = world.ecs.instances.get(ID) as InstanceFacts;
            const state = await world.store.getState(ID);
            try {
              await runInstanceCycle(world.deps, {
                policy: p,
                instance: structuredClone(instance),
                state,
                signal: { kind: 'tick', sample: mbps(Math.min(s.served, instance.bandwidthOut), world.clock.now) },
                source: 'prop',
              });
            } catch (error) {
              if (!(error instanceof StoreUnavailableError)) throw error;
            }
          };
          await Promise.all(s.racing ? [run(), run()] : [run()]);
        }

        // Assess
        expect(callsWithoutIntent).toEqual([]);
        // A second order for a change already made would find the bandwidth at its target already.
        for (const order of world.ecs.orders) expect(order.request.bandwidthOut).not.toBe(order.from);
        const orderTokens = world.ecs.orders.map((order) => order.request.clientToken);
        expect(new Set(orderTokens).size).toBe(orderTokens.length);
        const providerDowngrades = world.ecs.downgradesUsed.get(ID) ?? 0;
        expect(providerDowngrades).toBeLessThanOrEqual(p.downgradeBudget.quota - p.downgradeBudget.reserve);
        // The ledger never under-counts: an unsettled intent is the only thing it may still lack.
        const state = await world.store.getState(ID);
        const unsettled = state.pending?.isDowngrade ? 1 : 0;
        expect(state.downgrades.length + unsettled).toBeGreaterThanOrEqual(providerDowngrades);
      }),
      { numRuns: 80 },
    );
  });
});
