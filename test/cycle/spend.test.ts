// The tick measures a pay-by-traffic instance's spend from CloudMonitor and stores the running totals,
// so the next invocation (a cold start, or after a crash) continues from the last counted minute.
import { describe, expect, it } from 'vitest';
import type { Policy } from '../../src/core/types';
import { runTick } from '../../src/cycle/tick';
import { CloudApiError } from '../../src/errors';
import { fakeWorld, T0 } from '../fakes/cycle-deps';
import { instanceFacts } from '../fakes/instance-api';
import { mbps, minutesAt } from '../fakes/metric-api';
import { policy } from './fixtures';

const MINUTE = 60_000;
/** T0 (12:00 UTC) is 20:00 in UTC+8: the billing day began at 16:00 UTC the day before. */
const BILLING_DAY = T0 - 20 * 3_600_000;

const guarded: Policy = policy({ selector: { regionId: 'cn-hangzhou', instanceIds: ['i-traffic'] }, spendGuard: { pricePerGb: 0.8, budgetCnyPerHour: 10 } });
const tick = (world: ReturnType<typeof fakeWorld>, at: number) =>
  runTick(world.deps, { doc: { source: 'test', policies: [guarded] }, shard: 0, of: 1, triggerTime: at });

describe('spend measured by the tick', () => {
  it('counts the billing day on a cold start, stores it, and measures only new minutes afterwards', async () => {
    // Prepare: 80 Mbps all day (600 MB a minute = 0.48 CNY), CloudMonitor one minute behind.
    const instance = instanceFacts({ instanceId: 'i-traffic', internetChargeType: 'PayByTraffic', bandwidthOut: 80 });
    const world = fakeWorld([instance]);
    world.metrics.traffic.set('i-traffic', minutesAt(80, BILLING_DAY, T0 - MINUTE));
    world.metrics.rates.set('i-traffic', mbps(70, T0 - MINUTE));

    // Act
    await tick(world, T0);
    const first = (await world.store.getState('i-traffic')).spend;
    world.clock.now = T0 + MINUTE;
    world.metrics.traffic.set('i-traffic', minutesAt(80, BILLING_DAY, T0));
    await tick(world, T0 + MINUTE);
    const second = (await world.store.getState('i-traffic')).spend;

    // Assess
    expect(world.metrics.trafficCalls).toEqual([
      { instanceId: 'i-traffic', startMs: BILLING_DAY, endMs: T0 },
      { instanceId: 'i-traffic', startMs: T0 - MINUTE, endMs: T0 + MINUTE },
    ]);
    expect(first).toMatchObject({ hourStart: T0, dayStart: BILLING_DAY, lastSampleAt: T0 - MINUTE, hourCny: 0 });
    expect(first?.dayCny).toBeCloseTo(0.48 * (20 * 60 - 1), 6);
    expect(second?.hourCny).toBeCloseTo(0, 6);
    expect(second?.dayCny).toBeCloseTo(0.48 * 20 * 60, 6);
    expect(second?.lastSampleAt).toBe(T0);
  });

  it('keeps the stored totals when CloudMonitor fails, and records the error', async () => {
    const instance = instanceFacts({ instanceId: 'i-traffic', internetChargeType: 'PayByTraffic', bandwidthOut: 80 });
    const world = fakeWorld([instance]);
    world.metrics.nextTrafficError = new CloudApiError('DescribeMetricList failed: Throttling', 'Throttling', 'retryable');

    const summary = await tick(world, T0);

    expect(summary.errors).toEqual([expect.objectContaining({ instanceId: 'i-traffic', stage: 'spend' })]);
    expect((await world.store.getState('i-traffic')).spend).toBeUndefined();
  });
});
