// The pure model of the provider's change rules (local-cloud/ecs-rules.ts), which the emulator, the
// backtest's simulated cloud and the test fake share: condition → refusal, without any server.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ChangeContext,
  type ChangeRequest,
  DEFAULT_QUOTA_RULE,
  type InstanceView,
  MODIFY_LOCK_SECONDS,
  outboundRange,
  refusalOf,
  spendDowngrade,
  spendsDowngradeQuota,
} from '../../local-cloud/ecs-rules';

const NOW = Date.UTC(2026, 10, 2);
const view = (overrides: Partial<InstanceView> = {}): InstanceView => ({
  instanceId: 'i-test',
  regionId: 'cn-hangzhou',
  instanceChargeType: 'PostPaid',
  internetChargeType: 'PayByBandwidth',
  networkType: 'vpc',
  status: 'Running',
  out: 10,
  eipBound: false,
  operationLocks: [],
  downgradesUsed: 0,
  ...overrides,
});

describe('refusalOf', () => {
  it.each<{ name: string; instance?: Partial<InstanceView>; request: ChangeRequest; ctx?: Partial<ChangeContext>; code: string | undefined }>([
    { name: 'an ordinary upgrade is accepted', request: { out: 20 }, code: undefined },
    { name: 'inside the lock is Throttling', request: { out: 20 }, ctx: { lastChangeAt: NOW - (MODIFY_LOCK_SECONDS - 1) * 1000 }, code: 'Throttling' },
    { name: 'at the end of the lock is accepted', request: { out: 20 }, ctx: { lastChangeAt: NOW - MODIFY_LOCK_SECONDS * 1000 }, code: undefined },
    {
      name: 'base bandwidth caps an upgrade',
      instance: { baseBandwidthMbps: 15 },
      request: { out: 16 },
      code: 'InvalidParameter.BandwidthBiggerThanBaseBandwidth',
    },
    { name: 'base bandwidth allows its own value', instance: { baseBandwidthMbps: 15 }, request: { out: 15 }, code: undefined },
    {
      name: 'the regional sum counts the others',
      request: { out: 20 },
      ctx: { regionSums: { PayByTraffic: 0, PayByBandwidth: 49_990 } },
      code: 'QuotaExceeded.InternetBandwidth',
    },
    {
      name: 'a spent monthly quota refuses a subscription downgrade',
      instance: { instanceChargeType: 'PrePaid', out: 20, downgradesUsed: 3, downgradePeriod: '2026-11' },
      request: { out: 10 },
      code: 'InstanceDowngrade.QuotaExceed',
    },
    {
      name: 'last month spent quota does not count',
      instance: { instanceChargeType: 'PrePaid', out: 20, downgradesUsed: 3, downgradePeriod: '2026-10' },
      request: { out: 10 },
      code: undefined,
    },
    {
      name: 'a temporary upgrade never spends quota',
      instance: { instanceChargeType: 'PrePaid', out: 20, downgradesUsed: 3 },
      request: { out: 30, temporary: { start: NOW, end: NOW + 3 * 3600_000 } },
      code: undefined,
    },
    { name: 'inbound 10 at Out 10 is accepted', request: { out: 10, in: 10 }, code: undefined },
    { name: 'inbound 11 at Out 10 is refused', request: { out: 10, in: 11 }, code: 'InvalidInternetMaxBandwidthIn.ValueNotSupported' },
    {
      name: 'an EIP-bound instance is refused',
      instance: { eipBound: true, internetChargeType: '', out: 0 },
      request: { out: 5 },
      code: 'InvalidInstance.EipNotSupport',
    },
  ])('$name', ({ instance, request, ctx, code }) => {
    expect(refusalOf(view(instance), request, { now: NOW, ...ctx })?.code).toBe(code);
  });

  it('never accepts a target outside the documented range', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('PrePaid' as const, 'PostPaid' as const),
        fc.constantFrom('PayByBandwidth' as const, 'PayByTraffic' as const),
        fc.integer({ min: -50, max: 400 }),
        (instanceChargeType, internetChargeType, out) => {
          const refused = refusalOf(view({ instanceChargeType, internetChargeType }), { out }, { now: NOW });
          const { min, max } = outboundRange(instanceChargeType, internetChargeType);
          if (out < min || out > max) expect(refused?.code).toBe('InvalidInternetMaxBandwidthOut.ValueNotSupported');
        },
      ),
    );
  });
});

describe('the downgrade ledger', () => {
  it('starts a new period at the first downgrade of a month', () => {
    const ledger = { downgradesUsed: 3, downgradePeriod: '2026-10' };
    spendDowngrade(ledger, NOW, DEFAULT_QUOTA_RULE);
    expect(ledger).toEqual({ downgradesUsed: 1, downgradePeriod: '2026-11' });
  });

  it.each([
    { name: 'subscription pay-by-bandwidth', instanceChargeType: 'PrePaid' as const, internetChargeType: 'PayByBandwidth' as const, spends: true },
    {
      name: 'subscription pay-by-traffic (the harsher reading)',
      instanceChargeType: 'PrePaid' as const,
      internetChargeType: 'PayByTraffic' as const,
      spends: true,
    },
    { name: 'pay-as-you-go', instanceChargeType: 'PostPaid' as const, internetChargeType: 'PayByBandwidth' as const, spends: false },
  ])('a downgrade of $name spends quota: $spends', ({ instanceChargeType, internetChargeType, spends }) => {
    expect(spendsDowngradeQuota({ instanceChargeType, internetChargeType }, 20, 10, DEFAULT_QUOTA_RULE)).toBe(spends);
  });
});
