// Every code the provider module maps, one row each: a mapping lost to a typo would otherwise send an
// unpaid order or a regional quota to NEEDS_HUMAN, or read a financial lock as a security one.
import { describe, expect, it } from 'vitest';
import {
  apiRange,
  blockedReason,
  downgradeBudgetApplies,
  inboundRange,
  isDowngrade,
  lockReason,
  needsPublicIpAllocation,
  rulesOf,
  showsTarget,
} from '../../src/core/provider';
import { eipRules, packageRules } from '../../src/core/vpc-rules';

describe('blockedReason', () => {
  it.each([
    ['UNPAID_ORDER', 'UNPAID_ORDER'],
    ['ACCOUNT_ARREARS', 'ACCOUNT_ARREARS'],
    ['SECURITY_LOCK', 'SECURITY_LOCK'],
    ['INSTANCE_EXPIRED', 'INSTANCE_EXPIRED'],
    ['InvalidInstance.UnPaidOrder', 'UNPAID_ORDER'],
    // The docs spell it both ways: the lookup ignores case.
    ['InvalidInstance.UnpaidOrder', 'UNPAID_ORDER'],
    ['OperationDenied.UnpaidOrder', 'UNPAID_ORDER'],
    ['Account.Arrearage', 'ACCOUNT_ARREARS'],
    ['InvalidAccountStatus.NotEnoughBalance', 'ACCOUNT_ARREARS'],
    ['InstanceExpiredOrInArrears', 'INSTANCE_EXPIRED'],
    ['InstanceLockedForSecurity', 'SECURITY_LOCK'],
    ['REGIONAL_BANDWIDTH_QUOTA', 'REGIONAL_BANDWIDTH_QUOTA'],
    ['QuotaExceeded.InternetBandwidth', 'REGIONAL_BANDWIDTH_QUOTA'],
    ['quotaexceeded.internetbandwidth', 'REGIONAL_BANDWIDTH_QUOTA'],
    // VPC: balance and arrears on an EIP or a shared package.
    ['InsufficientBalance.Eip', 'ACCOUNT_ARREARS'],
    ['InsufficientBalance', 'ACCOUNT_ARREARS'],
    ['BandwidthPackage.FinancialLocked', 'ACCOUNT_ARREARS'],
    ['SYSTEM.SALE_VALIDATE_UNEXPECTED_ERROR', 'ACCOUNT_ARREARS'],
    ['CHANGE_NOT_VISIBLE', 'NEEDS_HUMAN'],
    ['', 'NEEDS_HUMAN'],
    // Only the table's own codes: a property every object has is not one.
    ['constructor', 'NEEDS_HUMAN'],
  ])('%s blocks as %s', (code, reason) => {
    expect(blockedReason(code)).toBe(reason);
  });
});

describe('lockReason', () => {
  it.each([
    { lock: 'security', charge: 'PrePaid', reason: 'SECURITY_LOCK' },
    { lock: 'Security', charge: 'PostPaid', reason: 'SECURITY_LOCK' },
    { lock: 'financial', charge: 'PrePaid', reason: 'INSTANCE_EXPIRED' },
    { lock: 'Financial', charge: 'PostPaid', reason: 'ACCOUNT_ARREARS' },
    { lock: 'dedicatedhostfinancial', charge: 'PostPaid', reason: 'ACCOUNT_ARREARS' },
    { lock: 'financialaudit', charge: 'PrePaid', reason: 'NEEDS_HUMAN' },
    { lock: 'recycling', charge: 'PrePaid', reason: 'NEEDS_HUMAN' },
  ] as const)('$lock on a $charge instance is $reason', ({ lock, charge, reason }) => {
    expect(lockReason(lock, { instanceChargeType: charge })).toBe(reason);
  });
});

describe('the smaller rules', () => {
  it.each([
    { out: 5, max: 10 },
    { out: 10, max: 10 },
    { out: 50, max: 50 },
  ])('inbound bandwidth for $out Mbps out is 1-$max', ({ out, max }) => {
    expect(inboundRange(out)).toEqual({ min: 1, max });
  });

  it.each([
    { current: 10, target: 9, down: true },
    { current: 10, target: 10, down: false },
    { current: 10, target: 11, down: false },
  ])('$current → $target is a downgrade: $down', ({ current, target, down }) => {
    expect(isDowngrade(current, target)).toBe(down);
  });

  it.each([
    { charge: 'PrePaid', internet: 'PayByBandwidth', applies: true },
    { charge: 'PrePaid', internet: 'PayByTraffic', applies: false },
    { charge: 'PostPaid', internet: 'PayByBandwidth', applies: false },
  ] as const)('the downgrade budget applies to $charge $internet: $applies', ({ charge, internet, applies }) => {
    expect(downgradeBudgetApplies({ instanceChargeType: charge, internetChargeType: internet })).toBe(applies);
  });

  it('asks for no second public IP for a pay-as-you-go instance that kept its IP at 0 Mbps', () => {
    expect(needsPublicIpAllocation({ instanceChargeType: 'PostPaid', hasPublicIp: true }, 0, 5)).toBe(false);
  });

  it('asks for a public IP only when leaving 0 Mbps, never on a change between two non-zero bandwidths', () => {
    expect(needsPublicIpAllocation({ instanceChargeType: 'PostPaid', hasPublicIp: false }, 5, 10)).toBe(false);
  });
});

describe('rules carried on the facts (EIPs, shared packages) against rules derived for ECS', () => {
  const eip = eipRules({ chargeType: 'PostPaid', internetChargeType: 'PayByTraffic' });
  const pkg = packageRules({ chargeType: 'PostPaid', internetChargeType: 'PayByBandwidth' });
  const ecs = (charge: 'PrePaid' | 'PostPaid', internet: 'PayByBandwidth' | 'PayByTraffic') => ({ instanceChargeType: charge, internetChargeType: internet });

  it.each([
    {
      name: 'a pay-as-you-go ECS instance',
      facts: ecs('PostPaid', 'PayByBandwidth'),
      rules: {
        range: { min: 0, max: 100 },
        lockSeconds: 300,
        downgradeBudget: false,
        temporaryUpgrade: false,
        allocatesPublicIp: true,
        modifiableStatuses: ['Running', 'Stopped'],
        asynchronous: false,
        modifyApi: 'ModifyInstanceNetworkSpec',
      },
    },
    {
      name: 'a subscription pay-by-bandwidth ECS instance: 200 Mbps, the quota and temporary upgrades',
      facts: ecs('PrePaid', 'PayByBandwidth'),
      rules: {
        range: { min: 0, max: 200 },
        lockSeconds: 300,
        downgradeBudget: true,
        temporaryUpgrade: true,
        allocatesPublicIp: true,
        modifiableStatuses: ['Running', 'Stopped'],
        asynchronous: false,
        modifyApi: 'ModifyInstanceNetworkSpec',
      },
    },
    { name: 'an EIP: the rules its adapter described', facts: { ...ecs('PrePaid', 'PayByBandwidth'), rules: eip }, rules: eip },
  ])('$name', ({ facts, rules }) => {
    expect(rulesOf(facts)).toEqual(rules);
  });

  it.each([
    { name: 'ECS pay-as-you-go', facts: ecs('PostPaid', 'PayByBandwidth'), range: { min: 0, max: 100 }, budget: false },
    { name: 'ECS subscription pay-by-traffic', facts: ecs('PrePaid', 'PayByTraffic'), range: { min: 0, max: 100 }, budget: false },
    {
      name: 'an EIP, whatever charge types it reports',
      facts: { ...ecs('PrePaid', 'PayByBandwidth'), rules: eip },
      range: { min: 1, max: 200 },
      budget: false,
    },
    { name: 'a package', facts: { ...ecs('PostPaid', 'PayByBandwidth'), rules: pkg }, range: { min: 2, max: 1000 }, budget: false },
  ])('$name: range and downgrade budget', ({ facts, range, budget }) => {
    expect(apiRange(facts)).toEqual(range);
    expect(downgradeBudgetApplies(facts)).toBe(budget);
  });

  it.each([
    { name: 'a pay-as-you-go ECS instance without an IP leaving 0 Mbps', facts: { instanceChargeType: 'PostPaid', hasPublicIp: false }, needs: true },
    { name: 'an EIP leaving 0 Mbps (it is the IP)', facts: { instanceChargeType: 'PostPaid', hasPublicIp: false, rules: eip }, needs: false },
    {
      name: 'facts whose rules allocate an IP, as ECS rules do',
      facts: { instanceChargeType: 'PostPaid', hasPublicIp: false, rules: { ...eip, allocatesPublicIp: true } },
      needs: true,
    },
  ] as const)('$name needs a public IP: $needs', ({ facts, needs }) => {
    expect(needsPublicIpAllocation(facts, 0, 5)).toBe(needs);
  });

  it.each([
    { name: 'ECS at the target', facts: { ...ecs('PostPaid', 'PayByBandwidth'), bandwidthOut: 20, status: 'Running' }, shows: true },
    {
      name: 'ECS at the target while Starting (synchronous: the bandwidth is in force)',
      facts: { ...ecs('PostPaid', 'PayByBandwidth'), bandwidthOut: 20, status: 'Starting' },
      shows: true,
    },
    { name: 'ECS elsewhere', facts: { ...ecs('PostPaid', 'PayByBandwidth'), bandwidthOut: 10, status: 'Running' }, shows: false },
    {
      name: 'a package at the target and Available',
      facts: { ...ecs('PostPaid', 'PayByBandwidth'), rules: pkg, bandwidthOut: 20, status: 'Available' },
      shows: true,
    },
    {
      name: 'a package at the target still Modifying',
      facts: { ...ecs('PostPaid', 'PayByBandwidth'), rules: pkg, bandwidthOut: 20, status: 'Modifying' },
      shows: false,
    },
    { name: 'a package Available elsewhere', facts: { ...ecs('PostPaid', 'PayByBandwidth'), rules: pkg, bandwidthOut: 10, status: 'Available' }, shows: false },
  ])('$name shows a change to 20 Mbps as done: $shows', ({ facts, shows }) => {
    expect(showsTarget(facts, 20)).toBe(shows);
  });
});
