// The tick over all three kinds through one provider port: an ECS instance, an EIP and a shared
// bandwidth package, each with its own policy; the EIP changes at once, the package asynchronously.
import { describe, expect, it } from 'vitest';
import { createBandwidthProvider } from '../../src/adapters/bandwidth-provider';
import type { InstanceFacts, Policy } from '../../src/core/types';
import { eipRules, packageRules } from '../../src/core/vpc-rules';
import { runTick } from '../../src/cycle/tick';
import type { PolicyDocument } from '../../src/policy/load';
import { fakeWorld, T0 } from '../fakes/cycle-deps';
import { instanceFacts } from '../fakes/instance-api';
import { mbps } from '../fakes/metric-api';
import { createFakeVpcApi } from '../fakes/vpc-api';
import { policy } from './fixtures';

const MINUTE = 60_000;

const eip: InstanceFacts = instanceFacts({
  instanceId: 'eip-edge',
  kind: 'eip',
  status: 'InUse',
  bandwidthOut: 20,
  bandwidthIn: undefined,
  internetChargeType: 'PayByTraffic',
  rules: eipRules({ chargeType: 'PostPaid', internetChargeType: 'PayByTraffic' }),
});
const pkg: InstanceFacts = instanceFacts({
  instanceId: 'cbwp-shared',
  kind: 'cbwp',
  status: 'Available',
  bandwidthOut: 300,
  bandwidthIn: undefined,
  tags: { app: 'shared' },
  rules: packageRules({ chargeType: 'PostPaid', internetChargeType: 'PayByBandwidth' }),
});
const bound: InstanceFacts = instanceFacts({ instanceId: 'i-bound', bandwidthOut: 0, eipBound: true, eipAllocationId: 'eip-edge', tags: { app: 'web' } });

function doc(...policies: Policy[]): PolicyDocument {
  return { source: 'test', policies };
}

const policies = doc(
  policy({ name: 'web', selector: { regionId: 'cn-hangzhou', tags: { app: 'web' } } }),
  policy({ name: 'edge', selector: { regionId: 'cn-hangzhou', kind: 'eip', instanceIds: ['eip-edge'] }, bounds: { minOut: 1, maxOut: 200 } }),
  policy({ name: 'shared', selector: { regionId: 'cn-hangzhou', kind: 'cbwp', tags: { app: 'shared' } }, bounds: { minOut: 2, maxOut: 1000 } }),
);

function world() {
  const w = fakeWorld([bound]);
  const vpc = createFakeVpcApi([eip, pkg]);
  w.deps.ecs = createBandwidthProvider({ ecs: w.ecs, vpc });
  return { ...w, vpc };
}

describe('runTick over ECS instances, EIPs and shared packages', () => {
  it('scales a saturated EIP and package, reports the bound instance as managed through its EIP, and waits for the package', async () => {
    // Prepare: both saturated (>= 95 %).
    const w = world();
    w.metrics.rates.set('eip-edge', mbps(19.5, T0));
    w.metrics.rates.set('cbwp-shared', mbps(295, T0));
    w.metrics.rates.set('i-bound', mbps(19.5, T0));

    // Act: the first tick sends both orders.
    const first = await runTick(w.deps, { doc: policies, shard: 0, of: 1, triggerTime: T0 });

    // Assess
    expect(first.errors).toEqual([]);
    expect(first.byReason).toEqual({ SATURATED_STEP_UP: 2, MANAGED_THROUGH_EIP: 1 });
    expect(w.vpc.modifyCalls.map((c) => [c.instanceId, c.bandwidthOut])).toEqual([
      ['eip-edge', 40],
      ['cbwp-shared', 600],
    ]);
    expect(w.ecs.modifyCalls).toEqual([]);
    expect(w.vpc.resources.get('eip-edge')?.bandwidthOut).toBe(40);
    expect((await w.store.getState('cbwp-shared'))?.pending).toMatchObject({ target: 600 });

    // Act: a tick while the package is still Modifying sends nothing to it.
    w.clock.now += 5 * MINUTE;
    w.metrics.rates.set('cbwp-shared', mbps(295, w.clock.now));
    const second = await runTick(w.deps, { doc: policies, shard: 0, of: 1, triggerTime: w.clock.now });
    expect(second.errors).toEqual([]);
    expect(w.vpc.modifyCalls.filter((c) => c.instanceId === 'cbwp-shared')).toHaveLength(1);
    expect((await w.store.getState('cbwp-shared'))?.pending).toBeDefined();

    // Act: the package finishes; the next tick reads it back, settles the intent, and decides from
    // 600 Mbps (295 Mbps served is now 49 %: the fixture's policy scales down at once).
    w.vpc.completePackageChanges();
    w.clock.now += 5 * MINUTE;
    const third = await runTick(w.deps, { doc: policies, shard: 0, of: 1, triggerTime: w.clock.now });
    expect(third.errors).toEqual([]);
    const state = await w.store.getState('cbwp-shared');
    expect(state?.lastTarget).toBe(600);
    expect(state?.pending).toMatchObject({ from: 600, isDowngrade: true });
  });

  it('a package refusal is remembered with its reason (InvalidBandwidth.ValueNotSupported backs off as PROVIDER_REFUSED)', async () => {
    // Prepare
    const w = world();
    w.metrics.rates.set('cbwp-shared', mbps(295, T0));
    w.vpc.failNextModify({ code: 'InvalidBandwidth.ValueNotSupported', category: 'rejected' });
    // Act
    await runTick(w.deps, { doc: policies, shard: 0, of: 1, triggerTime: T0 });
    // Assess
    const state = await w.store.getState('cbwp-shared');
    expect(state?.refused).toMatchObject({ code: 'InvalidBandwidth.ValueNotSupported', reason: 'PROVIDER_REFUSED', scope: 'up', target: 600 });
  });
});
