// Documented sentinels on real rows, end to end: InternetMaxBandwidthIn -1 ("no inbound cap reported")
// never becomes a number the product computes or sends, while a real out-of-range value (2000) is
// corrected like any other when the policy bounds inbound.
import { describe, expect, it } from 'vitest';
import { readInstanceRow } from '../../src/adapters/ecs';
import type { InstanceFacts } from '../../src/core/types';
import { runTick } from '../../src/cycle/tick';
import { fakeWorld, T0 } from '../fakes/cycle-deps';
import { makePolicy } from '../fixtures/policies';
import { describeInstancesPages, loadCorpus, rowsOf } from './corpus';

const pages = describeInstancesPages(loadCorpus());

function realRow(instanceId: string): InstanceFacts {
  for (const page of pages) {
    const row = rowsOf(page.body).find((r) => r.InstanceId === instanceId);
    const facts = row && readInstanceRow(row, page.regionId);
    if (facts) return facts;
  }
  throw new Error(`the corpus has no row ${instanceId}`);
}

describe('inbound bandwidth on real rows, with a policy that bounds inbound (maxIn 20)', () => {
  const rows = [
    { name: 'inbound -1 sends no InternetMaxBandwidthIn', instanceId: 'i-2zeehjnfm8c0saa4oz8f', regionId: 'cn-beijing', expectedIn: undefined },
    { name: 'inbound 2000 is lowered to maxIn in the same order', instanceId: 'i-uf659o9rxxey22fpw1do', regionId: 'cn-shanghai', expectedIn: 20 },
  ];

  it.each(rows)('$name ($instanceId)', async ({ instanceId, regionId, expectedIn }) => {
    // Prepare: a manual override to 30 Mbps makes the cycle order a change for the instance.
    const instance = realRow(instanceId);
    const world = fakeWorld([instance]);
    const policy = makePolicy({
      name: 'real',
      selector: { regionId, instanceIds: [instanceId] },
      bounds: { maxIn: 20 },
      override: { bandwidth: 30, until: T0 + 3_600_000, reason: 'contract' },
    });

    // Act
    await runTick(world.deps, { doc: { source: 'test', policies: [policy] }, shard: 0, of: 1, triggerTime: T0 });

    // Assess
    expect(world.ecs.modifyCalls).toHaveLength(1);
    expect(world.ecs.modifyCalls[0]?.bandwidthIn).toBe(expectedIn);
  });
});
