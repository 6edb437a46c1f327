import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePolicyDocument } from '../../src/policy/load';
import { reportData, runBacktest } from '../../src/sim/backtest';
import type { Billing } from '../../src/sim/cost';
import { ROOT, syntheticTrace } from './support';

/** Five-minute points: 5 Mbps all day, 30 Mbps for an hour from 10:00 UTC. */
const day = () => Array.from({ length: 288 }, (_, i) => (i >= 24 && i < 36 ? 30 : 5));
/** Four days with a burst each, inside one billing month (the trace starts 2026-03-02). */
const BURSTS = [day(), day(), day(), day()].flat();

const policy = (mode: 'auto' | 'always' | 'never') => `
version: 1
policies:
  - name: shop
    instances: { region: cn-hangzhou, ids: [i-shop-1] }
    bounds: { minOut: 10, maxOut: 60 }
    targetTracking: { target: 70, tolerance: 10 }
    saturation:
      threshold: 95
      adjust: x2
      temporaryUpgrade: { mode: ${mode}, duration: 3h, minimum: 40 }
    scaleDown: { cooldown: 15m, stabilization: 30m, minHold: 1h }
    downgradeBudget: { quota: 3, reserve: 1 }
`;

const backtest = (mode: 'auto' | 'always' | 'never', billing: Billing = 'prepaid-bandwidth') =>
  runBacktest({ trace: syntheticTrace(BURSTS), billing, policyText: policy(mode), policySource: 'test.yaml', policyName: 'shop' });

describe('the backtest of a subscription instance with saturation.temporaryUpgrade', () => {
  it('upgrades permanently while the budget can pay it back, then temporarily, and never breaks a provider rule', async () => {
    // Act
    const { summary, run } = await backtest('auto');

    // Assess: two ordinary downgrades; the first burst spends one, the next three are temporary.
    const acted = run.decisions.filter((d) => d.action !== 'none').map((d) => `${d.action} ${d.from}→${d.to} ${d.upgradeChoice ?? d.reason}`);
    expect(acted).toEqual([
      'set 10→20 PERMANENT_BUDGET_AMPLE',
      'set 20→40 PERMANENT_BUDGET_AMPLE',
      'set 40→10 BOUNDS',
      'temporaryUpgrade 10→40 TEMPORARY_BUDGET_SCARCE',
      'temporaryUpgrade 10→40 TEMPORARY_BUDGET_SCARCE',
      'temporaryUpgrade 10→40 TEMPORARY_BUDGET_SCARCE',
    ]);
    expect(run.errors).toEqual([]);
    expect(summary.temporaryUpgrades).toMatchObject({ count: 3, quotaDowngrades: 1, permanentQuotaDowngrades: 2, budgetHolds: 0 });
  }, 60_000);

  it('counts what the temporary upgrades saved against permanent upgrades paid back with downgrades', async () => {
    const { summary } = await backtest('auto');
    const permanent = await backtest('never');

    // The permanent replay spends both ordinary downgrades on the first two bursts and is stuck high
    // after the third, held by the downgrade budget for the rest of the trace.
    const figures = summary.temporaryUpgrades;
    expect(figures?.permanentCost).toBeCloseTo(permanent.summary.cost, 9);
    expect(figures?.saved).toBeCloseTo(permanent.summary.cost - summary.cost, 9);
    expect(figures?.saved).toBeGreaterThan(0);
    expect(figures?.permanentBudgetHolds).toBeGreaterThan(0);
    expect(permanent.summary.temporaryUpgrades).toBeUndefined();
  }, 60_000);

  it('shows the comparison in the report', async () => {
    const result = await backtest('always');

    const notes = reportData(result).notes ?? [];

    expect(notes.some((note) => /^4 temporary upgrades \(0 permanent\) saved [\d.]+ CNY against permanent upgrades paid back with downgrades/.test(note))).toBe(
      true,
    );
  }, 60_000);

  it('leaves a pay-as-you-go instance alone: its downgrades are free, so there is nothing to compare', async () => {
    const { summary, run } = await backtest('always', 'postpaid-bandwidth');

    expect(summary.temporaryUpgrades).toBeUndefined();
    expect(run.decisions.some((d) => d.action === 'temporaryUpgrade')).toBe(false);
  }, 60_000);
});

describe('examples/subscription-burst-policy.yaml', () => {
  it('is valid and turns the temporary upgrades on in auto mode', () => {
    const doc = parsePolicyDocument(readFileSync(join(ROOT, 'examples/subscription-burst-policy.yaml'), 'utf8'), 'examples/subscription-burst-policy.yaml');

    expect(doc.policies[0]?.saturation.temporaryUpgrade).toEqual({ mode: 'auto', durationSeconds: 10_800, minimumMbps: 100, spareDowngrades: 1 });
  });
});
