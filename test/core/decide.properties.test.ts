// Invariants of decide() over generated policies, instances, states, signals and windows.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { downgradesInPeriod, downgradesLeft } from '../../src/core/budget';
import { decide } from '../../src/core/decide';
import { apiRange, downgradeBudgetApplies, PROVIDER_LOCK_SECONDS } from '../../src/core/provider';
import { activeTemporaryUpgrade } from '../../src/core/temporary-upgrade';
import type { DecideInput, Decision, ScalingState } from '../../src/core/types';
import { MINUTE, makeInstance, makePolicy, makeState, sampleOf, T0 } from '../fixtures/policies';
import { inputArb, instanceArb, nowArb, policyArb, signalArb, stateArb, windowsArb } from './arbitraries';

const acts = (d: Decision) => d.action !== 'none' || d.reason === 'OBSERVE_ONLY';

describe('decide: properties', () => {
  it('a target it would set is within the policy bounds and the API range, in whole Mbps', () => {
    let acting = 0;
    fc.assert(
      fc.property(inputArb(), (input) => {
        const decision = decide(input);
        if (!acts(decision)) return;
        acting += 1;
        const { minOut, maxOut } = input.policy.bounds;
        const api = apiRange(input.instance);
        expect(Number.isInteger(decision.target)).toBe(true);
        expect(decision.target).toBeGreaterThanOrEqual(Math.max(minOut, api.min));
        expect(decision.target).toBeLessThanOrEqual(Math.min(maxOut, api.max));
      }),
      { numRuns: 300 },
    );
    expect(acting).toBeGreaterThan(0);
  });

  it('never changes anything within the provider lock', () => {
    const locked = inputArb({ healthy: true }).chain((input) =>
      fc.integer({ min: 0, max: PROVIDER_LOCK_SECONDS * 1000 - 1 }).map((ago) => ({
        ...input,
        state: { ...input.state, lastChangeAt: input.now - ago },
      })),
    );
    fc.assert(
      fc.property(locked, (input) => {
        expect(decide(input).action).toBe('none');
      }),
      { numRuns: 300 },
    );
  });

  it('never downgrades a budgeted instance past its budget (the reserve only for an override)', () => {
    const budgeted = inputArb({ healthy: true }).map((input) => ({
      ...input,
      instance: { ...input.instance, instanceChargeType: 'PrePaid' as const, internetChargeType: 'PayByBandwidth' as const },
    }));
    let downgrading = 0;
    fc.assert(
      fc.property(budgeted, (input) => {
        const decision = decide(input);
        if (decision.action === 'none' || !decision.isDowngrade) return;
        downgrading += 1;
        const { policy, state, now } = input;
        const overriding = policy.override !== undefined && policy.override.until > now;
        expect(downgradesLeft(state, policy, now, overriding)).toBeGreaterThan(0);
        expect(activeTemporaryUpgrade(state, now)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
    expect(downgrading).toBeGreaterThan(0);
  });

  it('never acts in observe mode', () => {
    const observing = inputArb().map((input) => ({ ...input, policy: { ...input.policy, mode: 'observe' as const } }));
    fc.assert(
      fc.property(observing, (input) => {
        const decision = decide(input);
        expect(decision.action).toBe('none');
        expect(decision.allocatePublicIp).toBe(false);
        expect(decision.startTime).toBeUndefined();
      }),
    );
  });

  it('moves nothing inside the target-tracking dead band', () => {
    const deadBand = fc
      .record({
        policy: policyArb(),
        instance: instanceArb({ healthy: true }),
        state: stateArb(T0, { healthy: true }),
        ratio: fc.double({ min: -1, max: 1, noNaN: true }),
        target: fc.integer({ min: 20, max: 90 }),
        tolerance: fc.double({ min: 0.5, max: 15, noNaN: true }),
      })
      .map(({ policy, instance, state, ratio, target, tolerance }) => {
        const current = Math.min(Math.max(instance.bandwidthOut, 1), apiRange(instance).max);
        const utilisation = target + ratio * tolerance * 0.999;
        const input: DecideInput = {
          now: T0,
          policy: {
            ...policy,
            mode: 'enforce',
            override: undefined,
            spendGuard: undefined,
            stepRules: [],
            targetTracking: { targetUtilization: target, tolerance },
            saturation: { ...policy.saturation, thresholdPercent: 1000 },
            bounds: { minOut: 1, maxOut: 300 },
          },
          instance: { ...instance, bandwidthOut: current },
          // Never changed: no warm-up to hide behind.
          state: { ...state, lastChangeAt: undefined },
          signal: { kind: 'tick', sample: sampleOf((current * utilisation) / 100) },
          activeWindows: [],
        };
        return input;
      });
    fc.assert(
      fc.property(deadBand, (input) => {
        const decision = decide(input);
        expect(decision.action).toBe('none');
        expect(decision.reason).toBe('WITHIN_TOLERANCE');
      }),
    );
  });

  it('honours a schedule exact value as soon as the provider lock allows', () => {
    const scheduled = nowArb.chain((now) =>
      fc
        .record({
          policy: policyArb(fc.constant(now)),
          instance: instanceArb({ healthy: true }),
          state: stateArb(now, { healthy: true }),
          signal: signalArb(now),
          windows: windowsArb(now),
          exact: fc.integer({ min: 1, max: 300 }),
          sinceChange: fc.option(fc.integer({ min: PROVIDER_LOCK_SECONDS * 1000, max: 7_200_000 }), { nil: undefined }),
        })
        .map(({ policy, instance, state, signal, windows, exact, sinceChange }) => {
          const { minOut, maxOut } = policy.bounds;
          const reachable = Math.min(Math.max(exact, minOut, 1), maxOut, apiRange(instance).max);
          const input: DecideInput = {
            now,
            policy: { ...policy, mode: 'enforce', override: undefined, spendGuard: undefined },
            instance,
            state: { ...state, lastChangeAt: sinceChange === undefined ? undefined : now - sinceChange },
            signal,
            activeWindows: [
              ...windows.map((w) => ({ ...w, exact: undefined })),
              { name: 'exact', start: now - MINUTE, end: now + MINUTE, exact: reachable, temporaryUpgrade: false },
            ],
          };
          return input;
        }),
    );
    fc.assert(
      fc.property(scheduled, (input) => {
        const { instance, state, policy, now } = input;
        const exact = input.activeWindows.at(-1)?.exact ?? Number.NaN;
        const current = instance.bandwidthOut;
        // What the provider itself forbids is not a schedule's to override.
        // (A running temporary upgrade blocks every change until it reverts; the budget, downgrades.)
        const downgradeForbidden =
          (exact !== current && activeTemporaryUpgrade(state, now) !== undefined) ||
          (exact < current && downgradeBudgetApplies(instance) && downgradesLeft(state, policy, now, false) === 0);
        const classicFromZero = instance.networkType === 'classic' && current === 0 && instance.status !== 'Stopped';
        fc.pre(!downgradeForbidden && !classicFromZero);

        const decision = decide(input);

        expect(decision.target).toBe(exact);
        expect(decision.action === 'none').toBe(exact === current);
      }),
    );
  });
});

describe('decide: a simulated month on a subscription instance', () => {
  // The loop the cycle runs, with the provider's effects applied by hand: each set changes the
  // bandwidth, starts the lock and, when lower, records a downgrade.
  function simulate(
    policy: ReturnType<typeof makePolicy>,
    demandMbps: number[],
    stepsMinutes: number[],
  ): { state: ScalingState; changes: number[]; violations: string[] } {
    let now = T0;
    let bandwidth = 50;
    let state = makeState();
    const changes: number[] = [];
    const violations: string[] = [];
    demandMbps.forEach((demand, i) => {
      now += (stepsMinutes[i] ?? 5) * MINUTE;
      const instance = makeInstance({ instanceChargeType: 'PrePaid', bandwidthOut: bandwidth, expiredAt: now + 365 * 86_400_000 });
      const served = Math.min(demand, bandwidth);
      const decision = decide({ now, policy, instance, state, signal: { kind: 'tick', sample: sampleOf(served, now) }, activeWindows: [] });
      state = { ...state, recommendations: decision.recommendations };
      if (decision.action === 'none') return;
      const previous = changes.at(-1);
      if (previous !== undefined && now - previous < PROVIDER_LOCK_SECONDS * 1000) violations.push(`change ${now - previous} ms after the last`);
      changes.push(now);
      if (decision.isDowngrade) state = { ...state, downgrades: [...state.downgrades, { at: now, from: bandwidth, to: decision.target }] };
      const up = decision.target > bandwidth;
      state = { ...state, lastChangeAt: now, ...(up ? { lastScaleUpAt: now } : { lastScaleDownAt: now }) };
      bandwidth = decision.target;
    });
    return { state, changes, violations };
  }

  it('spends at most quota minus reserve, and never two changes within the lock', () => {
    const scenario = fc.record({
      quota: fc.integer({ min: 0, max: 5 }),
      reserve: fc.integer({ min: 0, max: 2 }),
      monthlyReset: fc.boolean(),
      demand: fc.array(fc.integer({ min: 0, max: 250 }), { minLength: 20, maxLength: 60 }),
      steps: fc.array(fc.integer({ min: 1, max: 720 }), { minLength: 60, maxLength: 60 }),
    });
    fc.assert(
      fc.property(scenario, ({ quota, reserve, monthlyReset, demand, steps }) => {
        const policy = makePolicy({ bounds: { minOut: 1, maxOut: 200 }, downgradeBudget: { quota, reserve, monthlyReset } });
        const { state, violations } = simulate(policy, demand, steps);
        const end = state.lastChangeAt ?? T0;
        expect(violations).toEqual([]);
        expect(downgradesInPeriod(state, policy, end)).toBeLessThanOrEqual(Math.max(0, quota - reserve));
      }),
    );
  });
});
