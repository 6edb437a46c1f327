// Every code the provider module maps, one row each: a mapping lost to a typo would otherwise send an
// unpaid order or a regional quota to NEEDS_HUMAN, or read a financial lock as a security one.
import { describe, expect, it } from 'vitest';
import { blockedReason, downgradeBudgetApplies, inboundRange, isDowngrade, lockReason, needsPublicIpAllocation } from '../../src/core/provider';

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
    ['CHANGE_NOT_VISIBLE', 'NEEDS_HUMAN'],
    ['', 'NEEDS_HUMAN'],
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
