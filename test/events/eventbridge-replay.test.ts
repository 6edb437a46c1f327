// The replay window applies to every way an alert arrives: an EventBridge event redelivered hours
// later must not act, whatever its envelope says.
import { describe, expect, it } from 'vitest';
import { CMS_ALERT_EVENT_TYPE } from '../../src/events/alarm';
import { alarmHandler } from '../../src/handlers/alarm';
import type { FcContext } from '../../src/handlers/middleware';
import type { Runtime } from '../../src/handlers/runtime';
import type { PolicyDocument } from '../../src/policy/load';
import { policy } from '../cycle/fixtures';
import { fakeWorld, T0 } from '../fakes/cycle-deps';
import { instanceFacts } from '../fakes/instance-api';

const ID = 'i-replayed';
const HOUR = 3_600_000;

function context(world: ReturnType<typeof fakeWorld>): FcContext {
  const doc: PolicyDocument = { source: 'test', policies: [policy({ selector: { regionId: 'cn-hangzhou', tags: { team: 'web' } } })] };
  const logger = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {}, redact: <T>(value: T) => value };
  const runtime = { config: { replayWindowSeconds: 300, webhookToken: 'x'.repeat(32) }, doc, logger, deps: world.deps, useCredentials: () => {} };
  return { requestId: 'req-1', runtime: runtime as unknown as Runtime };
}

function event(alertAt: number, time?: string): Buffer {
  const data = {
    alertName: 'high',
    alertState: 'ALERT',
    metricName: 'VPC_PublicIP_InternetOutRate_Percent',
    namespace: 'acs_ecs_dashboard',
    curValue: '99',
    instanceId: ID,
    ruleId: 'r1',
    timestamp: String(alertAt),
  };
  return Buffer.from(JSON.stringify({ specversion: '1.0', id: 'evt-1', source: 'acs.cms', type: CMS_ALERT_EVENT_TYPE, ...(time ? { time } : {}), data }));
}

describe('alarmHandler, EventBridge deliveries', () => {
  const rows = [
    { name: 'an ALERT redelivered two hours later', alertAt: T0 - 2 * HOUR, time: undefined },
    { name: 'an envelope time two hours old', alertAt: T0 - 10_000, time: new Date(T0 - 2 * HOUR).toISOString() },
  ];

  it.each(rows)('refuses $name without any order', async ({ alertAt, time }) => {
    // Prepare
    const world = fakeWorld([instanceFacts({ instanceId: ID, bandwidthOut: 20, tags: { team: 'web' } })], { now: T0 });

    // Act
    const result = await alarmHandler(event(alertAt, time), context(world));

    // Assess
    expect(result).toMatchObject({ outcome: 'REFUSED', reason: 'REPLAY_WINDOW' });
    expect(world.ecs.modifyCalls).toEqual([]);
  });

  it('acts on a fresh one', async () => {
    const world = fakeWorld([instanceFacts({ instanceId: ID, bandwidthOut: 20, tags: { team: 'web' } })], { now: T0 });
    const result = await alarmHandler(event(T0 - 10_000, new Date(T0 - 5_000).toISOString()), context(world));
    expect(result).toMatchObject({ outcome: 'applied' });
    expect(world.ecs.modifyCalls).toHaveLength(1);
  });
});
