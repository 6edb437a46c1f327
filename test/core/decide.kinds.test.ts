// One decision core for three kinds of bandwidth resource: an EIP and a shared bandwidth package differ
// from an ECS instance only in the provider rules their facts carry (src/core/vpc-rules.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/core/decide';
import { rulesOf } from '../../src/core/provider';
import type { DecideInput, InstanceFacts } from '../../src/core/types';
import { eipRules, packageRules } from '../../src/core/vpc-rules';
import { makeInput, makeInstance, makePolicy, makeState, makeWindow, T0, tickOf } from '../fixtures/policies';
import { type Outcome, outcomeOf } from './summary';

function makeEip(overrides: Partial<InstanceFacts> = {}, billing: Partial<Parameters<typeof eipRules>[0]> = {}): InstanceFacts {
  const eip = { chargeType: 'PostPaid' as const, internetChargeType: 'PayByTraffic', ...billing };
  return makeInstance({
    instanceId: 'eip-test',
    kind: 'eip',
    instanceChargeType: eip.chargeType,
    internetChargeType: eip.internetChargeType === 'PayByBandwidth' ? 'PayByBandwidth' : 'PayByTraffic',
    status: 'InUse',
    bandwidthIn: undefined,
    rules: eipRules(eip),
    ...overrides,
  });
}

function makePackage(overrides: Partial<InstanceFacts> = {}, billing: Partial<Parameters<typeof packageRules>[0]> = {}): InstanceFacts {
  const pkg = { chargeType: 'PostPaid' as const, internetChargeType: 'PayByBandwidth', ...billing };
  return makeInstance({
    instanceId: 'cbwp-test',
    kind: 'cbwp',
    instanceChargeType: pkg.chargeType,
    internetChargeType: 'PayByBandwidth',
    status: 'Available',
    bandwidthIn: undefined,
    rules: packageRules(pkg),
    ...overrides,
  });
}

const wide = makePolicy({ bounds: { minOut: 1, maxOut: 5000 } });

interface Row {
  name: string;
  input: Partial<DecideInput>;
  expected: Outcome;
}

const rows: Row[] = [
  {
    name: 'a pay-by-traffic EIP scales up to at most 200 Mbps (ModifyEipAddressAttribute range)',
    input: { policy: wide, instance: makeEip({ bandwidthOut: 150 }), signal: tickOf(149) },
    expected: { action: 'set', target: 200, reason: 'PROVIDER_RANGE', guards: ['providerRange'] },
  },
  {
    name: 'a pay-by-bandwidth EIP scales up to at most 500 Mbps',
    input: { policy: wide, instance: makeEip({ bandwidthOut: 400 }, { internetChargeType: 'PayByBandwidth' }), signal: tickOf(399) },
    expected: { action: 'set', target: 500, reason: 'PROVIDER_RANGE', guards: ['providerRange'] },
  },
  {
    name: 'an EIP inside a shared package is never changed: the package holds its bandwidth',
    input: { instance: makeEip({}, { bandwidthPackageId: 'cbwp-shared' }), signal: tickOf(9.6) },
    expected: { action: 'none', target: 10, reason: 'PROVIDER_REFUSED', guards: ['providerRules'] },
  },
  {
    name: 'a subscription EIP is never changed: the API refuses it (Forbidden.ChargeTypeIsPrepaid)',
    input: { instance: makeEip({}, { chargeType: 'PrePaid', internetChargeType: 'PayByBandwidth' }), signal: tickOf(9.6) },
    expected: { action: 'none', target: 10, reason: 'PROVIDER_REFUSED', guards: ['providerRules'] },
  },
  {
    name: 'an EIP that is Associating waits for a settled status',
    input: { instance: makeEip({ status: 'Associating' }), signal: tickOf(9.6) },
    expected: { action: 'none', target: 10, reason: 'STATUS_UNSUPPORTED', guards: ['status'] },
  },
  {
    name: 'an EIP set to 0 by an override is lifted to the API minimum of 1 Mbps, allowZero or not',
    input: {
      policy: makePolicy({ allowZero: true, bounds: { minOut: 0 }, override: { bandwidth: 0, until: T0 + 60_000, reason: 'test' } }),
      instance: makeEip({ bandwidthOut: 10 }),
    },
    expected: { action: 'set', target: 1, reason: 'PROVIDER_RANGE', guards: ['providerRange'] },
  },
  {
    name: 'a package that is Modifying takes no second change (concurrent changes are refused)',
    input: { instance: makePackage({ status: 'Modifying' }), signal: tickOf(9.6) },
    expected: { action: 'none', target: 10, reason: 'STATUS_UNSUPPORTED', guards: ['status'] },
  },
  {
    name: 'an enhanced-95 package goes no lower than 200 Mbps',
    input: { policy: wide, instance: makePackage({ bandwidthOut: 400 }, { internetChargeType: 'PayBy95' }), signal: tickOf(10) },
    expected: { action: 'set', target: 200, reason: 'PROVIDER_RANGE', guards: ['providerRange'] },
  },
  {
    name: 'a pay-by-bandwidth package scales up past the 200 Mbps an ECS instance stops at',
    input: { policy: wide, instance: makePackage({ bandwidthOut: 300 }), signal: tickOf(299) },
    expected: { action: 'set', target: 600, reason: 'SATURATED_STEP_UP', guards: [] },
  },
  {
    name: 'a subscription package is never changed: the API refuses it',
    input: { instance: makePackage({}, { chargeType: 'PrePaid' }), signal: tickOf(9.6) },
    expected: { action: 'none', target: 10, reason: 'PROVIDER_REFUSED', guards: ['providerRules'] },
  },
  {
    name: 'a package inside a temporary-upgrade window gets a plain change: the API has no temporary upgrade',
    input: { instance: makePackage(), signal: tickOf(9.6), activeWindows: [makeWindow({ temporaryUpgrade: true })] },
    expected: { action: 'set', target: 20, reason: 'SATURATED_STEP_UP', guards: [] },
  },
  {
    name: 'an EIP changed 2 minutes ago is held by the lock its rules carry',
    input: { instance: makeEip(), signal: tickOf(9.6, T0), state: makeState({ lastChangeAt: T0 - 120_000 }) },
    expected: { action: 'none', target: 10, reason: 'PROVIDER_LOCK', guards: ['providerLock'] },
  },
  {
    name: 'an instance bound to an EIP no policy manages is EIP_BOUND',
    input: { instance: makeInstance({ eipBound: true, eipAllocationId: 'eip-x' }), signal: tickOf(9.6) },
    expected: { action: 'none', target: 10, reason: 'EIP_BOUND', guards: ['eipBound'] },
  },
  {
    name: 'an instance bound to a managed EIP is reported as managed through it',
    input: {
      instance: makeInstance({ eipBound: true, eipAllocationId: 'eip-x', managedThroughEip: { eipId: 'eip-x', policy: 'edge' } }),
      signal: tickOf(9.6),
    },
    expected: { action: 'none', target: 10, reason: 'MANAGED_THROUGH_EIP', guards: ['eipBound'] },
  },
];

describe('decide() on EIPs and shared bandwidth packages', () => {
  it.each(rows)('$name', ({ input, expected }) => {
    // Prepare
    const decideInput = makeInput(input);
    // Act
    const decision = decide(decideInput);
    // Assess
    expect(outcomeOf(decision)).toEqual(expected);
  });

  it('an EIP or a package never asks for a public IP, a temporary upgrade or a downgrade quota', () => {
    for (const resource of [makeEip(), makePackage()]) {
      const rules = rulesOf(resource);
      expect([rules.allocatesPublicIp, rules.temporaryUpgrade, rules.downgradeBudget]).toEqual([false, false, false]);
    }
  });

  it('ECS facts without rules keep the rules derived from their charge types', () => {
    expect(rulesOf(makeInstance()).range).toEqual({ min: 0, max: 100 });
    expect(rulesOf(makeInstance({ instanceChargeType: 'PrePaid' })).range).toEqual({ min: 0, max: 200 });
    expect(rulesOf(makeInstance()).modifyApi).toBe('ModifyInstanceNetworkSpec');
  });

  it('an acting decision always stays inside the range its rules carry, whatever the override asks', () => {
    const resources = fc.constantFrom(
      makeEip(),
      makeEip({}, { internetChargeType: 'PayByBandwidth' }),
      makePackage(),
      makePackage({ bandwidthOut: 300 }, { internetChargeType: 'PayBy95' }),
      makePackage({}, { internetChargeType: 'PayByDominantTraffic' }),
    );
    fc.assert(
      fc.property(resources, fc.integer({ min: 0, max: 30_000 }), (resource, wanted) => {
        const policy = makePolicy({ allowZero: true, bounds: { minOut: 0, maxOut: 30_000 }, override: { bandwidth: wanted, until: T0 + 60_000, reason: 'p' } });
        const decision = decide(makeInput({ policy, instance: resource }));
        const { min, max } = rulesOf(resource).range;
        return decision.action === 'none' || (decision.target >= min && decision.target <= max);
      }),
    );
  });
});
