// The rules an EIP or a shared bandwidth package carries (src/core/vpc-rules.ts), one row per billing
// the VPC API documents: its range, and when the API refuses every change, the reason an operator reads.
import { describe, expect, it } from 'vitest';
import { eipRules, packageRules } from '../../src/core/vpc-rules';

const eipBase = {
  lockSeconds: 300,
  downgradeBudget: false,
  temporaryUpgrade: false,
  allocatesPublicIp: false,
  modifiableStatuses: ['Available', 'InUse'],
  asynchronous: false,
  modifyApi: 'ModifyEipAddressAttribute',
};

const packageBase = {
  lockSeconds: 300,
  downgradeBudget: false,
  temporaryUpgrade: false,
  allocatesPublicIp: false,
  modifiableStatuses: ['Available'],
  asynchronous: true,
  modifyApi: 'ModifyCommonBandwidthPackageSpec',
};

describe('eipRules', () => {
  it.each([
    {
      name: 'pay-by-traffic: 1-200 Mbps',
      billing: { chargeType: 'PostPaid', internetChargeType: 'PayByTraffic' },
      rules: { ...eipBase, range: { min: 1, max: 200 }, billing: 'PostPaid PayByTraffic' },
    },
    {
      name: 'pay-by-bandwidth: 1-500 Mbps',
      billing: { chargeType: 'PostPaid', internetChargeType: 'PayByBandwidth' },
      rules: { ...eipBase, range: { min: 1, max: 500 }, billing: 'PostPaid PayByBandwidth' },
    },
    {
      name: 'inside a shared package: the package holds the bandwidth',
      billing: { chargeType: 'PostPaid', internetChargeType: 'PayByBandwidth', bandwidthPackageId: 'cbwp-1' },
      rules: {
        ...eipBase,
        range: { min: 1, max: 500 },
        billing: 'PostPaid PayByBandwidth',
        refusesChanges:
          "the EIP is in shared bandwidth package cbwp-1: its bandwidth is the package's (select the package with bandwidthPackages: to scale it)",
      },
    },
    {
      name: 'subscription: refused by the API',
      billing: { chargeType: 'PrePaid', internetChargeType: 'PayByBandwidth' },
      rules: {
        ...eipBase,
        range: { min: 1, max: 500 },
        billing: 'PrePaid PayByBandwidth',
        refusesChanges: 'a subscription EIP: ModifyEipAddressAttribute refuses its bandwidth (Forbidden.ChargeTypeIsPrepaid); change it in the console',
      },
    },
    {
      name: 'an undocumented metering: the narrower range, and refused',
      billing: { chargeType: 'PostPaid', internetChargeType: 'PayBy95' },
      rules: {
        ...eipBase,
        range: { min: 1, max: 200 },
        billing: 'PostPaid PayBy95',
        refusesChanges: 'InternetChargeType PayBy95 has no documented bandwidth range for ModifyEipAddressAttribute',
      },
    },
    {
      name: 'no metering reported',
      billing: { chargeType: 'PostPaid', internetChargeType: '' },
      rules: {
        ...eipBase,
        range: { min: 1, max: 200 },
        billing: 'PostPaid ',
        refusesChanges: 'InternetChargeType (none) has no documented bandwidth range for ModifyEipAddressAttribute',
      },
    },
  ] as const)('$name', ({ billing, rules }) => {
    expect(eipRules(billing)).toEqual(rules);
  });
});

describe('packageRules', () => {
  it.each([
    { name: 'pay-by-bandwidth: 2-1000 Mbps', internet: 'PayByBandwidth', range: { min: 2, max: 1000 } },
    { name: 'enhanced 95th percentile: 200-1000 Mbps', internet: 'PayBy95', range: { min: 200, max: 1000 } },
    { name: 'pay-by-dominant-traffic: 1-1000 Mbps', internet: 'PayByDominantTraffic', range: { min: 1, max: 1000 } },
  ])('$name', ({ internet, range }) => {
    expect(packageRules({ chargeType: 'PostPaid', internetChargeType: internet })).toEqual({ ...packageBase, range, billing: `PostPaid ${internet}` });
  });

  it.each([
    {
      name: 'a subscription package',
      billing: { chargeType: 'PrePaid', internetChargeType: 'PayByBandwidth' },
      range: { min: 2, max: 1000 },
      refusesChanges:
        'a subscription package: ModifyCommonBandwidthPackageSpec refuses its bandwidth (Forbidden.ChargeTypeIsPrepaid); change it in the console',
    },
    {
      name: 'an undocumented metering',
      billing: { chargeType: 'PostPaid', internetChargeType: 'PayByTraffic' },
      range: { min: 2, max: 1000 },
      refusesChanges: 'InternetChargeType PayByTraffic has no documented bandwidth range for ModifyCommonBandwidthPackageSpec',
    },
    {
      name: 'no metering reported',
      billing: { chargeType: 'PostPaid', internetChargeType: '' },
      range: { min: 2, max: 1000 },
      refusesChanges: 'InternetChargeType (none) has no documented bandwidth range for ModifyCommonBandwidthPackageSpec',
    },
  ] as const)('$name is refused, saying why', ({ billing, range, refusesChanges }) => {
    expect(packageRules(billing)).toEqual({ ...packageBase, range, billing: `${billing.chargeType} ${billing.internetChargeType}`, refusesChanges });
  });
});
