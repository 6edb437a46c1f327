// Policies and decisions for the cycle tests. Plain values with the defaults a policy file would get;
// each test overrides what it is about.
import type { Decision, Policy } from '../../src/core/types';

export function policy(overrides: Partial<Policy> = {}): Policy {
  return {
    name: 'web',
    selector: { regionId: 'cn-hangzhou' },
    mode: 'enforce',
    paused: false,
    bounds: { minOut: 1, maxOut: 100 },
    targetTracking: { targetUtilization: 60, tolerance: 0.1 },
    stepRules: [],
    saturation: { thresholdPercent: 95, adjust: { type: 'multiply', factor: 2 } },
    schedules: [],
    behavior: {
      scaleUpCooldownSeconds: 0,
      scaleDownCooldownSeconds: 0,
      scaleDownStabilizationSeconds: 0,
      warmupSeconds: 0,
      minHoldBeforeDowngradeSeconds: 0,
      projectedCheck: false,
    },
    downgradeBudget: { quota: 3, reserve: 0, monthlyReset: false },
    autoPay: true,
    allowZero: false,
    ...overrides,
  };
}

/** An acting decision as decide() would return it. */
export function setDecision(instanceId: string, current: number, target: number, overrides: Partial<Decision> = {}): Decision {
  return {
    instanceId,
    action: 'set',
    current,
    target,
    proposed: target,
    reason: target > current ? 'SCALE_UP' : 'SCALE_DOWN',
    message: `${current} → ${target} Mbps`,
    guards: [],
    isDowngrade: target < current,
    allocatePublicIp: false,
    recommendations: [],
    ...overrides,
  };
}
