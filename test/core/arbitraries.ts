// fast-check arbitraries for decide()'s inputs. `healthy` variants leave out everything that stops a
// decision outright (pause, blocks, pending changes, locks, EIPs, odd states), for properties about
// what the rules and guards do once a decision can act.
import fc from 'fast-check';
import type { ActiveWindow, Adjustment, Behavior, DecideInput, InstanceFacts, Policy, ScalingState, Signal } from '../../src/core/types';
import { HOUR, MINUTE, makePolicy, T0 } from '../fixtures/policies';

const DAY = 24 * HOUR;

/** "now" anywhere in the two months after T0, to cross month boundaries. */
export const nowArb = fc.integer({ min: T0, max: T0 + 60 * DAY });

export const adjustmentArb: fc.Arbitrary<Adjustment> = fc.oneof(
  fc.record({ type: fc.constant('add' as const), mbps: fc.integer({ min: -50, max: 50 }) }),
  fc.record({ type: fc.constant('multiply' as const), factor: fc.double({ min: 0.1, max: 3, noNaN: true }) }),
  fc.record({ type: fc.constant('set' as const), mbps: fc.integer({ min: 0, max: 300 }) }),
);

const upAdjustmentArb: fc.Arbitrary<Adjustment> = fc.oneof(
  fc.record({ type: fc.constant('add' as const), mbps: fc.integer({ min: 1, max: 50 }) }),
  fc.record({ type: fc.constant('multiply' as const), factor: fc.double({ min: 1.1, max: 3, noNaN: true }) }),
);

const behaviorArb: fc.Arbitrary<Behavior> = fc.record(
  {
    scaleUpCooldownSeconds: fc.integer({ min: 0, max: 1800 }),
    scaleDownCooldownSeconds: fc.integer({ min: 0, max: 3600 }),
    scaleDownStabilizationSeconds: fc.integer({ min: 0, max: 1800 }),
    maxStepUpMbps: fc.integer({ min: 1, max: 100 }),
    maxStepUpPercent: fc.integer({ min: 1, max: 200 }),
    maxStepDownMbps: fc.integer({ min: 1, max: 100 }),
    maxStepDownPercent: fc.integer({ min: 1, max: 100 }),
    warmupSeconds: fc.integer({ min: 0, max: 900 }),
    minHoldBeforeDowngradeSeconds: fc.integer({ min: 0, max: 7200 }),
    projectedCheck: fc.boolean(),
  },
  {
    requiredKeys: [
      'scaleUpCooldownSeconds',
      'scaleDownCooldownSeconds',
      'scaleDownStabilizationSeconds',
      'warmupSeconds',
      'minHoldBeforeDowngradeSeconds',
      'projectedCheck',
    ],
  },
);

// Bounds always intersect the API range (minOut <= 50 < 100) and leave room for 1 Mbps, as the policy
// parser requires; what decide() does with contradictory bounds is not a property of decide().
const boundsArb = fc
  .tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 300 }))
  .map(([a, b]) => ({ minOut: Math.min(a, b), maxOut: Math.max(a, b, 1) }));

const stepRuleArb = fc
  .tuple(fc.integer({ min: 0, max: 150 }), fc.integer({ min: 1, max: 60 }), adjustmentArb)
  .map(([from, width, adjust]) => ({ from, to: from + width, adjust }));

export function policyArb(nowRange: fc.Arbitrary<number> = fc.constant(T0)): fc.Arbitrary<Policy> {
  return fc
    .record({
      mode: fc.constantFrom('enforce' as const, 'enforce' as const, 'observe' as const),
      bounds: boundsArb,
      targetTracking: fc.option(fc.record({ targetUtilization: fc.integer({ min: 20, max: 80 }), tolerance: fc.integer({ min: 0, max: 15 }) }), {
        nil: undefined,
      }),
      stepRules: fc.array(stepRuleArb, { maxLength: 3 }),
      saturation: fc.record({ thresholdPercent: fc.integer({ min: 80, max: 100 }), adjust: upAdjustmentArb }),
      behavior: behaviorArb,
      downgradeBudget: fc
        .tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }), fc.boolean())
        .map(([quota, reserve, monthlyReset]) => ({ quota, reserve: Math.min(reserve, quota), monthlyReset })),
      spendGuard: fc.option(
        fc.record({
          pricePerGb: fc.double({ min: 0.1, max: 2, noNaN: true }),
          budgetCnyPerHour: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: undefined }),
          budgetCnyPerDay: fc.option(fc.double({ min: 0, max: 1000, noNaN: true }), { nil: undefined }),
        }),
        { nil: undefined },
      ),
      override: fc.option(
        fc.record({
          bandwidth: fc.integer({ min: 0, max: 300 }),
          until: nowRange.chain((now) => fc.integer({ min: now - HOUR, max: now + HOUR })),
          reason: fc.constant('operator'),
        }),
        { nil: undefined, freq: 4 },
      ),
      allowZero: fc.boolean(),
    })
    .map((fields) => makePolicy(fields));
}

export function instanceArb(options: { healthy?: boolean } = {}): fc.Arbitrary<InstanceFacts> {
  const healthy = options.healthy ?? false;
  return fc
    .record({
      instanceChargeType: fc.constantFrom('PrePaid' as const, 'PostPaid' as const),
      internetChargeType: fc.constantFrom('PayByBandwidth' as const, 'PayByTraffic' as const),
      networkType: fc.constantFrom('vpc' as const, 'vpc' as const, 'classic' as const),
      status: healthy ? fc.constantFrom('Running', 'Stopped') : fc.constantFrom('Running', 'Running', 'Stopped', 'Starting'),
      bandwidthOut: fc.integer({ min: 0, max: 200 }),
      hasPublicIp: fc.boolean(),
      eipBound: healthy ? fc.constant(false) : fc.constantFrom(false, false, false, false, true),
      operationLocks: healthy ? fc.constant<string[]>([]) : fc.constantFrom<string[]>([], [], [], ['security'], ['financial']),
    })
    .map((fields) => ({
      instanceId: 'i-prop',
      regionId: 'cn-hangzhou',
      bandwidthIn: 10,
      tags: {},
      ...fields,
      // Expiry far ahead: a past expiry is a hard stop with its own table row.
      expiredAt: fields.instanceChargeType === 'PrePaid' ? T0 + 400 * DAY : undefined,
    }));
}

export function stateArb(now: number, options: { healthy?: boolean } = {}): fc.Arbitrary<ScalingState> {
  const healthy = options.healthy ?? false;
  const past = (span: number) => fc.option(fc.integer({ min: now - span, max: now }), { nil: undefined });
  return fc
    .record({
      lastChangeAt: past(2 * HOUR),
      lastScaleUpAt: past(2 * HOUR),
      lastScaleDownAt: past(2 * HOUR),
      recommendations: fc.array(fc.record({ at: fc.integer({ min: now - HOUR, max: now }), mbps: fc.integer({ min: 0, max: 300 }) }), {
        maxLength: 8,
      }),
      downgrades: fc.array(fc.record({ at: fc.integer({ min: now - 60 * DAY, max: now }), from: fc.constant(20), to: fc.constant(10) }), { maxLength: 5 }),
      quotaExhaustedAt: fc.option(fc.integer({ min: now - 60 * DAY, max: now }), { nil: undefined, freq: 5 }),
      temporaryUpgrade: fc.option(fc.record({ until: fc.integer({ min: now - HOUR, max: now + 4 * HOUR }), base: fc.constant(10), target: fc.constant(50) }), {
        nil: undefined,
        freq: 5,
      }),
      blocked: healthy
        ? fc.constant(undefined)
        : fc.option(fc.record({ code: fc.constant('Account.Arrearage'), since: fc.constant(now), message: fc.constant('x') }), {
            nil: undefined,
            freq: 8,
          }),
    })
    .map((fields) => ({ instanceId: 'i-prop', version: 3, ...fields }));
}

export function signalArb(now: number): fc.Arbitrary<Signal> {
  const sample = fc.record({ at: fc.integer({ min: now - 10 * MINUTE, max: now }), outBps: fc.integer({ min: 0, max: 250_000_000 }) });
  return fc.oneof(
    fc.record({ kind: fc.constant('tick' as const), sample: fc.option(sample, { nil: undefined, freq: 6 }) }),
    fc.record({
      kind: fc.constant('alarm' as const),
      alertState: fc.constantFrom('ALERT' as const, 'OK' as const, 'INSUFFICIENT_DATA' as const),
      metricName: fc.constant('InternetOutRate'),
      sample,
      eventId: fc.constant('e-prop'),
    }),
  );
}

export function windowsArb(now: number): fc.Arbitrary<ActiveWindow[]> {
  const mbps = fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined });
  return fc.array(
    fc.record({
      name: fc.constantFrom('peak', 'night', 'sale'),
      start: fc.integer({ min: now - 4 * HOUR, max: now }),
      end: fc.integer({ min: now + 1, max: now + 6 * HOUR }),
      floor: mbps,
      ceiling: mbps,
      exact: fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined, freq: 3 }),
      temporaryUpgrade: fc.boolean(),
    }),
    { maxLength: 2 },
  );
}

/** A whole decide() input; `healthy` leaves out every hard stop. */
export function inputArb(options: { healthy?: boolean } = {}): fc.Arbitrary<DecideInput> {
  return nowArb.chain((now) =>
    fc.record({
      now: fc.constant(now),
      policy: policyArb(fc.constant(now)),
      instance: instanceArb(options),
      state: stateArb(now, options),
      signal: signalArb(now),
      activeWindows: windowsArb(now),
    }),
  );
}
