// The product's answer to a refusal, end to end through the tick with fakes: the refused target is
// remembered, not re-sent every tick, the largest target the refusal allows is tried, and people hear
// about it once per episode.
import { describe, expect, it } from 'vitest';
import type { InstanceFacts } from '../../src/core/types';
import { runTick } from '../../src/cycle/tick';
import { CloudApiError } from '../../src/errors';
import type { PolicyDocument } from '../../src/policy/load';
import type { ModifyBandwidthRequest } from '../../src/ports/cloud';
import { fakeWorld, T0 } from '../fakes/cycle-deps';
import { instanceFacts } from '../fakes/instance-api';
import { mbps } from '../fakes/metric-api';
import { policy } from './fixtures';

const MINUTE = 60_000;
const ID = 'i-capped';
const CAP = 15;

/** The instance type's base bandwidth is 15 Mbps: the provider refuses more (the message is "%s" in the doc). */
function capAt(world: ReturnType<typeof fakeWorld>, cap: number, message = 'The specified bandwidth exceeds the base bandwidth of the instance type.') {
  world.ecs.onModify = (request) => {
    if (request.bandwidthOut > cap) {
      throw new CloudApiError(
        `ModifyInstanceNetworkSpec failed: InvalidParameter.BandwidthBiggerThanBaseBandwidth: ${message}`,
        'InvalidParameter.BandwidthBiggerThanBaseBandwidth',
        'rejected',
        'fake-request-id',
      );
    }
  };
}

/** Ticks every 5 minutes for `hours`, demand 20 Mbps (served traffic clipped at the bandwidth). */
async function runFor(world: ReturnType<typeof fakeWorld>, doc: PolicyDocument, hours: number): Promise<void> {
  for (let tick = 0; tick < (hours * 60) / 5; tick++) {
    const instance = world.ecs.instances.get(ID) as InstanceFacts;
    world.metrics.rates.set(ID, mbps(Math.min(20, instance.bandwidthOut), world.clock.now - MINUTE));
    await runTick(world.deps, { doc, shard: 0, of: 1, triggerTime: world.clock.now });
    world.clock.now += 5 * MINUTE;
  }
}

const doc: PolicyDocument = {
  source: 'test',
  policies: [policy({ selector: { regionId: 'cn-hangzhou', instanceIds: [ID] }, bounds: { minOut: 1, maxOut: 20 } })],
};

describe('a BandwidthBiggerThanBaseBandwidth refusal', () => {
  it('is not re-sent every tick: 15 Mbps is tried and applied, the refused target backs off, one notice', async () => {
    // Prepare: 10 Mbps, saturated, the rules want 20; the instance type allows 15.
    const world = fakeWorld([instanceFacts({ instanceId: ID, bandwidthOut: 10 })], { now: T0 });
    capAt(world, CAP);

    // Act: six hours of 5-minute ticks (72 ticks).
    await runFor(world, doc, 6);

    // Assess
    const sent = world.ecs.modifyCalls.map((call) => call.bandwidthOut);
    expect(world.ecs.instances.get(ID)?.bandwidthOut).toBe(CAP);
    expect(sent.slice(0, 2)).toEqual([20, 15]);
    const refused = sent.filter((target) => target > CAP);
    // Back-off 15m, 30m, 1h, 2h, 4h (capped at 6h): a handful of refusals in six hours, not 72.
    expect(refused.length).toBeLessThanOrEqual(6);
    expect(sent.filter((target) => target === 20)).toHaveLength(1);
    const blocked = world.notices.filter((notice) => notice.type === 'blocked');
    expect(blocked).toHaveLength(1);
    expect(blocked[0]).toMatchObject({ reason: 'BANDWIDTH_CAP' });
    const state = await world.store.getState(ID);
    expect(state?.refused).toMatchObject({ code: 'InvalidParameter.BandwidthBiggerThanBaseBandwidth', reason: 'BANDWIDTH_CAP', scope: 'up', target: CAP + 1 });
  });

  it('goes straight to the cap when the message names one', async () => {
    // Prepare
    const world = fakeWorld([instanceFacts({ instanceId: ID, bandwidthOut: 10 })], { now: T0 });
    capAt(world, 12, 'The maximum bandwidth of instance type ecs.t5-lc1m1.small is 12 Mbps.');

    // Act
    await runFor(world, doc, 1);

    // Assess: 20 refused at 0, 12 applied at +5m (the cap, no halving), then 20 only as a probe when
    // each back-off ends: +15m, then +45m (15m, then 30m).
    expect(world.ecs.modifyCalls.map((call) => call.bandwidthOut)).toEqual([20, 12, 20, 20]);
    expect(world.ecs.instances.get(ID)?.bandwidthOut).toBe(12);
    expect(world.notices.filter((notice) => notice.type === 'blocked')).toHaveLength(1);
  });

  it('probes the refused target again once the back-off ends, and forgets the refusal when it goes through', async () => {
    // Prepare: refused at first, then the instance type is changed and 20 is allowed.
    const world = fakeWorld([instanceFacts({ instanceId: ID, bandwidthOut: 10 })], { now: T0 });
    capAt(world, CAP);
    await runFor(world, doc, 0.5);
    world.ecs.onModify = undefined;

    // Act
    await runFor(world, doc, 6);

    // Assess
    expect(world.ecs.instances.get(ID)?.bandwidthOut).toBe(20);
    expect((await world.store.getState(ID))?.refused).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Every refusal the product singles out: code → what is stored, the back-off, one notice per episode,
// and what decide() does with the stored record a minute later and once the back-off is over.

interface RefusalRow {
  name: string;
  code: string;
  message: string;
  category: 'rejected' | 'needsHuman' | 'quota';
  instance?: Partial<InstanceFacts>;
  /** The refused order. */
  from: number;
  target: number;
  outcome: 'blocked' | 'failed';
  notice: 'blocked' | 'needs-a-human';
  stored: 'refused' | 'blocked' | 'quota';
  /** What decide() says a minute later about the same wish (target), and when the back-off is over. */
  meanwhile: { action: 'none' | 'set'; target: number; reason: string };
  /** Absent: covered by the scenarios above (the bisection makes more refusals in the meantime). */
  later?: { action: 'none' | 'set'; target: number };
  /** Which orders the provider refuses; absent: every order. */
  refuses?: (request: ModifyBandwidthRequest) => boolean;
}

const refusalRows: RefusalRow[] = [
  {
    name: 'BandwidthBiggerThanBaseBandwidth tries halfway, then probes the refused target',
    code: 'InvalidParameter.BandwidthBiggerThanBaseBandwidth',
    message: '%s',
    category: 'rejected',
    from: 10,
    target: 20,
    outcome: 'failed',
    notice: 'blocked',
    stored: 'refused',
    meanwhile: { action: 'set', target: 15, reason: 'BANDWIDTH_CAP' },
    refuses: (request) => request.bandwidthOut > 15,
  },
  {
    name: 'DecreasedBandWidthNotAllowed (seed spelling) holds downgrades',
    code: 'DecreasedBandWidthNotAllowed',
    message: 'A higher bandwidth than the current one is required.',
    category: 'rejected',
    from: 20,
    target: 10,
    outcome: 'failed',
    notice: 'blocked',
    stored: 'refused',
    meanwhile: { action: 'none', target: 20, reason: 'DOWNGRADE_REFUSED' },
    later: { action: 'set', target: 10 },
  },
  {
    name: 'DecreasedBandwidthNotAllowed (current spelling) holds downgrades',
    code: 'DecreasedBandwidthNotAllowed',
    message: '%s',
    category: 'rejected',
    from: 20,
    target: 10,
    outcome: 'failed',
    notice: 'blocked',
    stored: 'refused',
    meanwhile: { action: 'none', target: 20, reason: 'DOWNGRADE_REFUSED' },
    later: { action: 'set', target: 10 },
  },
  {
    name: 'OperationDenied after a downgrade holds every change for the billing cycle',
    code: 'OperationDenied',
    message: 'After downgrade, you cannot upgrade or downgrade your instances again in the remaining time of the current billing cycle.',
    category: 'quota',
    instance: { instanceChargeType: 'PrePaid' },
    from: 10,
    target: 20,
    outcome: 'failed',
    notice: 'blocked',
    stored: 'refused',
    meanwhile: { action: 'none', target: 10, reason: 'BILLING_CYCLE_LOCKED' },
    later: { action: 'set', target: 20 },
  },
  {
    name: 'OperationDenied "The current user does not support this operation." is a block for a person',
    code: 'OperationDenied',
    message: 'The current user does not support this operation.',
    category: 'rejected',
    from: 10,
    target: 20,
    outcome: 'blocked',
    notice: 'needs-a-human',
    stored: 'blocked',
    meanwhile: { action: 'none', target: 10, reason: 'NEEDS_HUMAN' },
    later: { action: 'none', target: 10 },
  },
  {
    name: 'InvalidInstance.UnpaidOrder (seed spelling) is a block',
    code: 'InvalidInstance.UnpaidOrder',
    message: 'Unpaid order exists in your account, please complete or cancel the payment in the expense center.',
    category: 'needsHuman',
    from: 10,
    target: 20,
    outcome: 'blocked',
    notice: 'needs-a-human',
    stored: 'blocked',
    meanwhile: { action: 'none', target: 10, reason: 'UNPAID_ORDER' },
    later: { action: 'none', target: 10 },
  },
  {
    name: 'InvalidInstance.UnPaidOrder (current spelling) is a block',
    code: 'InvalidInstance.UnPaidOrder',
    message: 'The specified Instance has unpaid order.',
    category: 'needsHuman',
    from: 10,
    target: 20,
    outcome: 'blocked',
    notice: 'needs-a-human',
    stored: 'blocked',
    meanwhile: { action: 'none', target: 10, reason: 'UNPAID_ORDER' },
    later: { action: 'none', target: 10 },
  },
  {
    name: 'IncorrectInstanceStatus holds every change for the back-off',
    code: 'IncorrectInstanceStatus',
    message: 'Current instance status does not support this operation.',
    category: 'rejected',
    from: 10,
    target: 20,
    outcome: 'failed',
    notice: 'blocked',
    stored: 'refused',
    meanwhile: { action: 'none', target: 10, reason: 'STATUS_UNSUPPORTED' },
    later: { action: 'set', target: 20 },
  },
  {
    name: 'QuotaExceeded.InternetBandwidth blocks upgrades only',
    code: 'QuotaExceeded.InternetBandwidth',
    message: 'The total bandwidth of pay-by-bandwidth instances in the region exceeds the quota.',
    category: 'rejected',
    from: 10,
    target: 20,
    outcome: 'blocked',
    notice: 'needs-a-human',
    stored: 'blocked',
    meanwhile: { action: 'none', target: 10, reason: 'REGIONAL_BANDWIDTH_QUOTA' },
    later: { action: 'none', target: 10 },
  },
  {
    name: 'InstanceDowngrade.QuotaExceed spends the downgrade budget',
    code: 'InstanceDowngrade.QuotaExceed',
    message: 'Quota of instance downgrade is exceed.',
    category: 'quota',
    instance: { instanceChargeType: 'PrePaid', expiredAt: T0 + 90 * 86_400_000 },
    from: 20,
    target: 10,
    outcome: 'blocked',
    notice: 'blocked',
    stored: 'quota',
    meanwhile: { action: 'none', target: 20, reason: 'DOWNGRADE_BUDGET' },
    later: { action: 'none', target: 20 },
  },
  {
    name: 'InvalidInternetMaxBandwidthIn.ValueNotSupported: orders go without inbound',
    code: 'InvalidInternetMaxBandwidthIn.ValueNotSupported',
    message: 'The specified InternetMaxBandwidthIn is beyond the permitted range.',
    category: 'rejected',
    instance: { bandwidthIn: 30 },
    refuses: (request) => request.bandwidthIn !== undefined,
    from: 10,
    target: 20,
    outcome: 'failed',
    notice: 'blocked',
    stored: 'refused',
    meanwhile: { action: 'set', target: 20, reason: 'SATURATED_STEP_UP' },
    later: { action: 'none', target: 20 },
  },
  {
    name: 'an out-of-range outbound value backs off the refused direction',
    code: 'InvalidInternetMaxBandwidthOut.ValueNotSupported',
    message: 'The specified InternetMaxBandwidthOut is beyond the permitted range.',
    category: 'rejected',
    from: 10,
    target: 20,
    outcome: 'failed',
    notice: 'blocked',
    stored: 'refused',
    meanwhile: { action: 'none', target: 10, reason: 'PROVIDER_REFUSED' },
    later: { action: 'set', target: 20 },
  },
];

describe('the answer to each refusal', () => {
  it.each(refusalRows)('$name', async (row) => {
    // Prepare: the provider refuses this code for the instance until told otherwise.
    const world = fakeWorld([instanceFacts({ instanceId: ID, bandwidthOut: row.from, ...row.instance })], { now: T0 });
    const refuse = () => {
      world.ecs.onModify = (request) => {
        if (row.refuses && !row.refuses(request)) return;
        throw new CloudApiError(`ModifyInstanceNetworkSpec failed: ${row.code}: ${row.message}`, row.code, row.category, 'fake-request-id');
      };
    };
    refuse();
    const p = policy({ selector: { regionId: 'cn-hangzhou', instanceIds: [ID] }, bounds: { minOut: 1, maxOut: 20, minIn: 5, maxIn: 20 } });
    // Saturated → the rules double (capped at maxOut 20); or served at 60 % of the target → down to it.
    const served = () => (row.target > row.from ? (world.ecs.instances.get(ID)?.bandwidthOut ?? 0) : row.target * 0.6);
    const tick = async () => {
      world.metrics.rates.set(ID, mbps(served(), world.clock.now));
      const summary = await runTick(world.deps, { doc: { source: 'test', policies: [p] }, shard: 0, of: 1, triggerTime: world.clock.now });
      expect(summary.errors).toEqual([]);
      return summary;
    };
    const lastDecision = () => world.logs.filter((log) => log.msg === 'decision').at(-1) as Record<string, unknown>;

    // Act 1: the refusal.
    const first = await tick();

    // Assess 1: remembered with its code and time, one notice.
    if (row.code.includes('BandwidthIn')) expect(world.ecs.modifyCalls[0]?.bandwidthIn).toBe(20);
    expect(first.byOutcome).toEqual({ [row.outcome]: 1 });
    const state = await world.store.getState(ID);
    if (row.stored === 'refused') expect(state?.refused).toMatchObject({ code: row.code, at: T0, since: T0, count: 1 });
    if (row.stored === 'blocked') expect(state?.blocked).toMatchObject({ code: row.code, since: T0 });
    if (row.stored === 'quota') expect(state?.quotaExhaustedAt).toBe(T0);
    expect(world.notices.map((n) => n.type)).toEqual([row.notice]);
    const calls = world.ecs.modifyCalls.length;

    // Act 2: ticks every 5 minutes within the first back-off (15 min).
    world.clock.now += 5 * MINUTE;
    await tick();
    const meanwhile = lastDecision();
    world.clock.now += 5 * MINUTE;
    await tick();

    // Assess 2: the refused request is not sent again; only what the refusal allows is.
    expect(meanwhile).toMatchObject({ action: row.meanwhile.action, target: row.meanwhile.target, reason: row.meanwhile.reason });
    const since = world.ecs.modifyCalls.slice(calls);
    expect(since.every((call) => !(call.bandwidthOut === row.target && (row.code.includes('BandwidthIn') ? call.bandwidthIn !== undefined : true)))).toBe(true);
    if (row.code.includes('BandwidthIn')) expect(since.map((call) => call.bandwidthIn)).toEqual(since.map(() => undefined));
    expect(world.notices.filter((n) => n.type !== 'applied').map((n) => n.type)).toEqual([row.notice]);

    // Act 3: the back-off is over (and a block's probe interval has not come yet).
    world.ecs.onModify = undefined;
    world.clock.now = T0 + 16 * MINUTE;
    await tick();

    // Assess 3
    if (row.later) expect(lastDecision(), JSON.stringify(lastDecision())).toMatchObject({ action: row.later.action, target: row.later.target });
  });

  it('a block is notified once and lifted by the probe that goes through', async () => {
    // Prepare
    const world = fakeWorld([instanceFacts({ instanceId: ID, bandwidthOut: 10 })], { now: T0 });
    world.ecs.accountBlocks.set(ID, 'InvalidInstance.UnPaidOrder');
    const p = policy({ selector: { regionId: 'cn-hangzhou', instanceIds: [ID] }, bounds: { minOut: 1, maxOut: 20 } });
    const tick = async () => {
      world.metrics.rates.set(ID, mbps(world.ecs.instances.get(ID)?.bandwidthOut ?? 0, world.clock.now));
      await runTick(world.deps, { doc: { source: 'test', policies: [p] }, shard: 0, of: 1, triggerTime: world.clock.now });
      world.clock.now += 5 * MINUTE;
    };

    // Act: three hours blocked (probes every 30 minutes refused), then the order is paid.
    for (let i = 0; i < 36; i++) await tick();
    const probes = world.ecs.modifyCalls.length;
    world.ecs.accountBlocks.delete(ID);
    for (let i = 0; i < 7; i++) await tick();

    // Assess
    expect(probes).toBeGreaterThan(1);
    expect(probes).toBeLessThanOrEqual(7);
    expect(world.notices.filter((n) => n.type === 'needs-a-human')).toHaveLength(1);
    expect(world.ecs.instances.get(ID)?.bandwidthOut).toBe(20);
    expect((await world.store.getState(ID))?.blocked).toBeUndefined();
  });
});
