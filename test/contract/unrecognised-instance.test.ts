// One row never fails the fleet: an instance the ECS adapter could not read (InstanceFacts
// .unrecognised) gets its own decision, UNRECOGNISED_INSTANCE, naming the field and value; it is never
// sent to ModifyInstanceNetworkSpec, not even to settle an intent an earlier run left, and nothing of
// its state is written. Every other instance of the tick proceeds.
import { describe, expect, it } from 'vitest';
import type { InstanceFacts } from '../../src/core/types';
import { handleAlarm } from '../../src/cycle/alarm';
import { runTick } from '../../src/cycle/tick';
import type { PolicyDocument } from '../../src/policy/load';
import { emptyState } from '../../src/ports/state-store';
import { fakeWorld, T0 } from '../fakes/cycle-deps';
import { makeInstance, makePolicy } from '../fixtures/policies';

const HOUR = 3_600_000;

/** What the ECS adapter returns for a row whose InstanceChargeType it cannot read. */
const unreadable: InstanceFacts = makeInstance({
  instanceId: 'i-odd',
  bandwidthOut: 10,
  unrecognised: {
    field: 'InstanceChargeType',
    value: '"Weird"',
    message:
      'DescribeInstances reports InstanceChargeType = "Weird" for i-odd (Invalid option): bwscaler leaves this instance unchanged until ECS reports a value it understands',
  },
});

/** A manual override to 30 Mbps: every instance the cycle can act on is sent an order. */
function overrideDoc(): PolicyDocument {
  const policy = makePolicy({
    name: 'all',
    selector: { regionId: 'cn-hangzhou', instanceIds: ['i-a', 'i-odd', 'i-c'] },
    override: { bandwidth: 30, until: T0 + 24 * HOUR, reason: 'contract' },
  });
  return { source: 'test', policies: [policy] };
}

describe('an unrecognised DescribeInstances row', () => {
  it('gets its own UNRECOGNISED_INSTANCE decision in the tick, is never changed, and its neighbours are', async () => {
    // Prepare
    const world = fakeWorld([makeInstance({ instanceId: 'i-a' }), unreadable, makeInstance({ instanceId: 'i-c' })]);

    // Act
    const summary = await runTick(world.deps, { doc: overrideDoc(), shard: 0, of: 1, triggerTime: T0 });

    // Assess
    expect(summary.errors).toEqual([]);
    expect(summary.byReason).toMatchObject({ OVERRIDE: 2, UNRECOGNISED_INSTANCE: 1 });
    expect(world.ecs.modifyCalls.map((call) => call.instanceId).sort()).toEqual(['i-a', 'i-c']);
    expect((await world.store.getState('i-odd')).version).toBe(0);
    const decision = world.logs.find((line) => line.msg === 'decision' && line.instanceId === 'i-odd');
    expect(decision).toMatchObject({ reason: 'UNRECOGNISED_INSTANCE', action: 'none' });
    expect(decision?.message).toContain('InstanceChargeType = "Weird"');
  });

  it('does not settle an intent an earlier run left: reconciling would read placeholder facts', async () => {
    // Prepare: an unconfirmed order to 50 Mbps, which the reconciler would re-send under its token.
    const world = fakeWorld([unreadable]);
    const pending = {
      decisionId: 'd-old',
      clientToken: 'tok-old',
      action: 'set' as const,
      from: 10,
      target: 50,
      startedAt: T0 - 60_000,
      isDowngrade: false,
      attempts: 1,
    };
    await world.store.putState({ ...emptyState('i-odd'), pending }, 0);

    // Act
    const summary = await runTick(world.deps, { doc: overrideDoc(), shard: 0, of: 1, triggerTime: T0 });

    // Assess
    expect(summary.byReason).toEqual({ UNRECOGNISED_INSTANCE: 1 });
    expect(world.ecs.modifyCalls).toEqual([]);
    expect((await world.store.getState('i-odd')).pending).toEqual(pending);
  });

  it('is handled by the alarm path with the same decision and no order', async () => {
    const world = fakeWorld([unreadable]);
    const callback = {
      alertName: 'out',
      alertState: 'ALERT' as const,
      metricName: 'VPC_PublicIP_InternetOutRate',
      namespace: 'acs_ecs_dashboard',
      curValue: 9_900_000,
      instanceId: 'i-odd',
      ruleId: 'rule-1',
      timestamp: T0,
    };

    const result = await handleAlarm(world.deps, { doc: overrideDoc(), callback });

    expect(result).toMatchObject({ outcome: 'HANDLED', cycle: { reason: 'UNRECOGNISED_INSTANCE' } });
    expect(world.ecs.modifyCalls).toEqual([]);
  });
});
