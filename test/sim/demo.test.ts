import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODIFY_LOCK_ERROR, MODIFY_LOCK_SECONDS } from '../../local-cloud/ecs';
import type { Invocation } from '../../local-cloud/fc/runner';
import { loadPolicyFile } from '../../src/policy/load';
import { activeWindows } from '../../src/schedule/windows';
import { blockedByReason, type DemoResult, decisionsFromLogs, demoFixture, type LoggedDecision, runDemo } from '../../src/sim/demo';

const MINUTE = 60_000;
const FLEET = ['i-demo-web-1', 'i-demo-web-2', 'i-demo-web-3', 'i-demo-sub-1', 'i-demo-traffic-1', 'i-demo-eip-1', 'i-demo-sub-traffic-1', 'i-demo-forecast-1'];
/** The report's rows: the instances, then the EIP a policy scales and the shared bandwidth package. */
const RESOURCES = [...FLEET, 'eip-demo-1', 'cbwp-demo-1'];

function decision(fields: Partial<LoggedDecision>): LoggedDecision {
  return { at: 0, instanceId: 'i-1', policy: 'p', action: 'none', current: 10, target: 10, proposed: 10, reason: 'WITHIN_TOLERANCE', ...fields };
}

describe('blockedByReason counts the decisions that held back a wanted change', () => {
  it.each([
    { name: 'a hold with nothing wanted is not blocked', decisions: [decision({})], expected: {} },
    { name: 'a hold whose proposal differs counts under its reason', decisions: [decision({ proposed: 20, reason: 'COOLDOWN' })], expected: { COOLDOWN: 1 } },
    {
      name: 'the same reason adds up',
      decisions: [decision({ proposed: 5, reason: 'DOWNGRADE_BUDGET' }), decision({ proposed: 6, reason: 'DOWNGRADE_BUDGET' })],
      expected: { DOWNGRADE_BUDGET: 2 },
    },
    {
      name: 'an applied change is not blocked',
      decisions: [decision({ action: 'set', target: 20, proposed: 20, reason: 'SCALE_UP', outcome: 'applied' })],
      expected: {},
    },
    {
      name: 'an order the provider refused counts under its error code',
      decisions: [
        decision({ action: 'set', target: 20, proposed: 20, reason: 'SCALE_UP', outcome: 'blocked', errorCode: 'InvalidAccountStatus.NotEnoughBalance' }),
      ],
      expected: { 'InvalidAccountStatus.NotEnoughBalance': 1 },
    },
    {
      name: 'a failed order counts under its error code',
      decisions: [
        decision({
          action: 'temporaryUpgrade',
          target: 60,
          proposed: 60,
          reason: 'BOUNDS',
          outcome: 'failed',
          errorCode: 'InvalidAction.WithActiveElasticUpgrade',
        }),
      ],
      expected: { 'InvalidAction.WithActiveElasticUpgrade': 1 },
    },
  ])('$name', ({ decisions, expected }) => {
    expect(blockedByReason(decisions)).toEqual(expected);
  });
});

describe('decisionsFromLogs reads the decision lines the functions print', () => {
  const invocation = (logs: string[]): Invocation => ({ functionName: 'bwscaler-schedule', trigger: 't', at: 1000, ok: true, logs });
  const line = (fields: Record<string, unknown>) =>
    JSON.stringify({
      level: 'info',
      time: '2026-11-02T00:05:00.000Z',
      msg: 'decision',
      instanceId: 'i-1',
      policy: 'web',
      action: 'set',
      current: 10,
      target: 20,
      proposed: 20,
      reason: 'SCALE_UP',
      ...fields,
    });

  it.each([
    {
      name: 'a decision line, stamped with its own time',
      logs: [`${line({})}\n`],
      expected: [{ at: Date.parse('2026-11-02T00:05:00Z'), reason: 'SCALE_UP', target: 20 }],
    },
    { name: 'two lines in one chunk', logs: [`${line({})}\n${line({ target: 30 })}\n`], expected: [{ target: 20 }, { target: 30 }] },
    { name: 'a line without a time takes the invocation time', logs: [line({ time: undefined })], expected: [{ at: 1000 }] },
    { name: 'other messages are skipped', logs: [`${line({ msg: 'tick' })}\n`, 'plain "decision" text\n'], expected: [] },
    { name: 'an unknown action is skipped', logs: [line({ action: 'reboot' })], expected: [] },
  ])('$name', ({ logs, expected }) => {
    const decisions = decisionsFromLogs([invocation(logs)]).get('i-1') ?? [];
    expect(decisions).toHaveLength(expected.length);
    expected.forEach((fields, i) => {
      expect(decisions[i]).toMatchObject(fields);
    });
  });

  it('never throws on arbitrary output', () => {
    fc.assert(
      fc.property(fc.array(fc.string()), (logs) => {
        expect(() => decisionsFromLogs([invocation(logs)])).not.toThrow();
      }),
    );
  });
});

describe('demoFixture', () => {
  it('puts one flash crowd on i-demo-web-1 in the middle of the run and seeds the noise', () => {
    const start = Date.UTC(2026, 10, 2);
    const fixture = demoFixture({ start, days: 7, seed: 3 });
    const web1 = fixture.instances?.find((i) => i.InstanceId === 'i-demo-web-1');
    const demand = web1?.Demand;
    expect(demand?.kind).toBe('diurnal');
    if (demand?.kind !== 'diurnal') return;
    expect(demand.flashCrowds).toHaveLength(1);
    expect(Number(demand.flashCrowds?.[0]?.start)).toBe(Date.UTC(2026, 10, 5, 12, 20));
    expect(demand.seed).toBe(1 + 2000);
    expect(fixture.instances?.map((i) => i.InstanceId)).toEqual(FLEET);
  });

  it('gives the shop an evening rush on every day, inside the evening-peak window (11:00-15:00 UTC)', () => {
    const start = Date.UTC(2026, 10, 2);
    const sub = demoFixture({ start, days: 2, seed: 1 }).instances?.find((i) => i.InstanceId === 'i-demo-sub-1');
    const crowds = sub?.Demand?.kind === 'diurnal' ? (sub.Demand.flashCrowds ?? []) : [];
    expect(crowds).toHaveLength(6);
    for (const crowd of crowds) {
      const hourOfDay = ((Number(crowd.start) - start) % 86_400_000) / 3_600_000;
      expect(hourOfDay).toBeGreaterThanOrEqual(11);
      expect(hourOfDay + crowd.durationSeconds / 3600).toBeLessThanOrEqual(15);
    }
  });
});

// The whole system, built bundles and all: 16 simulated hours (midnight to 16:00 UTC) cover the
// shop's evening peak (19:00-23:00 Beijing = 11:00-15:00 UTC) and the web servers' morning peaks.
describe('runDemo on the local cloud (16 simulated hours)', () => {
  let dir: string;
  let result: DemoResult;
  let html: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bwscaler-demo-'));
    result = await runDemo({ days: 16 / 24, out: join(dir, 'report.html') });
    html = await readFile(result.out, 'utf8');
  }, 180_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('summarises every instance, the EIP and the package, with no function failing', () => {
    expect(result.data.instances.map((i) => i.instanceId)).toEqual(RESOURCES);
    for (const instance of result.data.instances) {
      expect(instance.demandMbps).toHaveLength(16 * 60);
      expect(instance.policy).not.toBe('(not managed)');
      // The EIP-bound neighbour's bandwidth belongs to its EIP, which examples/vpc-policy.yaml manages:
      // the instance itself bills nothing and is never changed (MANAGED_THROUGH_EIP); every other row bills.
      if (instance.instanceId === 'i-demo-eip-1') {
        expect(instance.summary.changes).toBe(0);
        expect(result.orders.filter((o) => o.InstanceId === 'i-demo-eip-1')).toEqual([]);
        // Its traffic is billed on the EIP: no static peak to compare with, so no saving is claimed.
        expect(instance.summary.staticPeakCost).toBe(0);
        expect(instance.decisions.length).toBeGreaterThan(0);
        expect(new Set(instance.decisions.map((d) => d.reason))).toEqual(new Set(['MANAGED_THROUGH_EIP']));
      } else {
        expect(instance.summary.cost).toBeGreaterThan(0);
      }
    }
    expect(result.invocations.failed).toEqual([]);
    expect(result.invocations.schedule).toBe((16 * 60) / 5);
  });

  it.each([
    { id: 'eip-demo-1', action: 'ModifyEipAddressAttribute', billing: 'eip-traffic', policy: 'demo-eip' },
    { id: 'cbwp-demo-1', action: 'ModifyCommonBandwidthPackageSpec', billing: 'cbwp-bandwidth', policy: 'demo-egress' },
  ])('scales $id up and down through $action, priced as $billing', ({ id, action, billing, policy }) => {
    // The emulator's own call log, not the functions' word for it.
    const accepted = result.vpcModifyCalls.filter((call) => call.resourceId === id && call.action === action && call.code === 'OK');
    const row = result.data.instances.find((i) => i.instanceId === id);
    expect(row).toMatchObject({ billing, policy });
    expect(row?.summary.changes).toBe(accepted.length);
    const series = row?.bandwidthMbps ?? [];
    const rises = series.filter((mbps, i) => i > 0 && mbps > (series[i - 1] as number)).length;
    const falls = series.filter((mbps, i) => i > 0 && mbps < (series[i - 1] as number)).length;
    expect(rises).toBeGreaterThan(0);
    expect(falls).toBeGreaterThan(0);
    expect(accepted.length).toBe(rises + falls);
    expect(row?.summary.oracleCost).toBeGreaterThan(0);
  });

  it('logs and draws the forecast of the forecast-only instance beside its bandwidth', () => {
    const row = result.data.instances.find((i) => i.instanceId === 'i-demo-forecast-1');
    expect(row?.policy).toBe('web-forecast');
    // The backfilled history lets it forecast from the first tick; the forecast is what it would set.
    const forecast = row?.forecastMbps ?? [];
    expect(forecast).toHaveLength(16 * 60);
    expect(forecast.every((mbps) => Number.isFinite(mbps) && mbps > 0)).toBe(true);
    // Only an alarm decides without the history (on its one fresh sample): every tick had it.
    const reactive = row?.decisions.filter((d) => d.message.includes('plain reactive rules')) ?? [];
    expect(reactive.filter((d) => !d.message.includes('an alarm decides'))).toEqual([]);
    expect(html).toContain('Forecast');
  });

  it('changes the bandwidth of a pay-as-you-go instance', () => {
    const payg = result.data.instances.filter((i) => i.billing === 'postpaid-bandwidth');
    expect(payg.some((i) => i.summary.changes > 0)).toBe(true);
  });

  it('spends at most the 3 downgrades of the subscription quota', () => {
    const sub = result.data.instances.find((i) => i.instanceId === 'i-demo-sub-1');
    const downgradeOrders = result.orders.filter((o) => o.InstanceId === 'i-demo-sub-1' && o.kind === 'downgrade' && o.status === 'paid');
    expect(sub?.summary.downgrades).toBeLessThanOrEqual(3);
    expect(downgradeOrders.length).toBeLessThanOrEqual(3);
  });

  it("raises the subscription instance to the evening-peak floor during the schedule's window", async () => {
    const doc = await loadPolicyFile(join(__dirname, '../../examples/policy.yaml'));
    const shop = doc.policies.find((p) => p.name === 'shop-subscription');
    const sub = result.data.instances.find((i) => i.instanceId === 'i-demo-sub-1');
    if (!shop || !sub) throw new Error('the example policy or the demo fleet changed: no shop-subscription / i-demo-sub-1');
    const inWindow = sub.bandwidthMbps
      .map((mbps, i) => ({ mbps, at: sub.start + i * MINUTE, windows: activeWindows(shop.schedules, sub.start + i * MINUTE) }))
      .filter((point) => point.windows.length > 0);
    expect(inWindow.length).toBeGreaterThan(0);
    const floor = Math.max(...inWindow.flatMap((point) => point.windows.map((w) => w.floor ?? 0)));
    const windowStart = Math.min(...inWindow.map((point) => point.at));
    // The first tick inside the window acts; allow the lock and one tick of slack.
    const settled = inWindow.filter((point) => point.at >= windowStart + 10 * MINUTE);
    expect(settled.every((point) => point.mbps >= floor)).toBe(true);
    const raised = result.orders.filter(
      (o) => o.InstanceId === 'i-demo-sub-1' && (o.kind === 'temporaryUpgrade' || o.kind === 'upgrade') && o.time >= windowStart,
    );
    expect(raised.length).toBeGreaterThan(0);
  });

  it('never acts inside the 5-minute provider lock', () => {
    for (const id of FLEET) {
      const times = result.orders.filter((o) => o.InstanceId === id && o.status === 'paid' && o.kind !== 'unchanged').map((o) => o.time);
      for (let i = 1; i < times.length; i++)
        expect((times[i] as number) - (times[i - 1] as number), `${id} order ${i}`).toBeGreaterThanOrEqual(MODIFY_LOCK_SECONDS * 1000);
    }
    expect(result.modifyCalls.filter((c) => c.code === MODIFY_LOCK_ERROR.code)).toEqual([]);
  });

  it('writes a report naming every instance, the EIP and the package', () => {
    expect(result.bytes).toBeGreaterThan(0);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    for (const id of RESOURCES) expect(html).toContain(id);
    expect(html).toContain('SYNTHETIC');
  });

  it('shows the CloudMonitor custom metrics and events the functions published', () => {
    const note = result.data.notes?.find((n) => n.startsWith('CloudMonitor custom metrics received:')) ?? '';
    expect(note).toMatch(/bwscaler_current_mbps \d+/);
    expect(note).toMatch(/bwscaler_applied \d+/);
    expect(html).toContain('bwscaler_current_mbps');
  });
});
