// One row in a Tablestore range read is that row's problem only: a state or history row the store
// cannot read (not JSON, no version, not a ScalingState) is reported and left out, and every other
// row of the read is returned. The rows are written with the SDK itself, as a bug, a manual edit or
// an older version could have left them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTick } from '../../src/cycle/tick';
import { emptyState, shardOf } from '../../src/ports/state-store';
import { ensureTables, STATE_PARTITIONS } from '../../src/state/tables';
import { createTablestoreStore, type UnreadableRow } from '../../src/state/tablestore';
import { openClient } from '../../src/state/tablestore-client';
import { fakeWorld } from '../fakes/cycle-deps';
import { makeInstance, makePolicy } from '../fixtures/policies';
import { type OtsCloud, startOtsCloud } from './local-cloud';

let local: OtsCloud;
let n = 0;

beforeAll(async () => {
  local = await startOtsCloud();
});
afterAll(async () => {
  await local?.close();
});

async function freshTables() {
  n += 1;
  const tables = { state: `u${n}_state`, history: `u${n}_history`, events: `u${n}_events` };
  await ensureTables(local.config(), { tables });
  const skipped: UnreadableRow[] = [];
  const store = createTablestoreStore(local.config({ tables, onUnreadableRow: (row) => skipped.push(row) }));
  const { sdk, client } = await openClient(local.config());
  return { tables, store, skipped, sdk, client };
}

describe('a range read with one unreadable row', () => {
  const corruptions = [
    {
      name: 'a state that is not JSON',
      columns: (long: (n: number) => unknown) => [{ version: long(3) }, { state: '{"recommendations": [' }],
      mentions: 'not valid JSON',
    },
    { name: 'a state without a version', columns: () => [{ state: JSON.stringify({ recommendations: [], downgrades: [] }) }], mentions: 'column version' },
    {
      name: 'a state that is not a ScalingState',
      columns: (long: (n: number) => unknown) => [{ version: long(2) }, { state: '"hello"' }],
      mentions: 'recommendations',
    },
  ];

  it.each(corruptions)('listStates skips $name, reports it by key, and returns the rest', async ({ columns, mentions }) => {
    // Prepare
    const { tables, store, skipped, sdk, client } = await freshTables();
    await store.putState({ ...emptyState('i-good-1'), lastTarget: 10 }, 0);
    await store.putState({ ...emptyState('i-good-2'), lastTarget: 20 }, 0);
    await client.putRow({
      tableName: tables.state,
      condition: new sdk.Condition(sdk.RowExistenceExpectation.IGNORE, null),
      primaryKey: [{ shard: sdk.Long.fromNumber(shardOf('i-bad', STATE_PARTITIONS)) }, { instanceId: 'i-bad' }],
      attributeColumns: columns((value: number) => sdk.Long.fromNumber(value)) as never,
    });

    // Act
    const states = await store.listStates(0, 1);

    // Assess
    expect(states.map((state) => state.instanceId)).toEqual(['i-good-1', 'i-good-2']);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.table).toBe(tables.state);
    expect(skipped[0]?.key).toContain('i-bad');
    expect(skipped[0]?.message).toContain(mentions);
  });

  it('queryHistory skips a history row that is not JSON and returns the rest', async () => {
    // Prepare
    const { tables, store, skipped, sdk, client } = await freshTables();
    const at = local.cloud.clock.now();
    await store.appendHistory([
      {
        instanceId: 'i-1',
        at,
        decisionId: 'd-1',
        source: 'tick',
        outcome: 'none',
        decision: { action: 'none', current: 10, target: 10, reason: 'AT_TARGET' },
      } as never,
      {
        instanceId: 'i-1',
        at: at + 2,
        decisionId: 'd-3',
        source: 'tick',
        outcome: 'none',
        decision: { action: 'none', current: 10, target: 10, reason: 'AT_TARGET' },
      } as never,
    ]);
    await client.putRow({
      tableName: tables.history,
      condition: new sdk.Condition(sdk.RowExistenceExpectation.IGNORE, null),
      primaryKey: [{ instanceId: 'i-1' }, { at: sdk.Long.fromNumber(at + 1) }, { entry: 'd-2:none' }],
      attributeColumns: [{ record: 'not json' }],
    });

    // Act
    const history = await store.queryHistory('i-1', at, at + 10);

    // Assess
    expect(history.map((record) => record.decisionId)).toEqual(['d-1', 'd-3']);
    expect(skipped).toEqual([expect.objectContaining({ table: tables.history, key: expect.stringContaining('d-2:none') })]);
  });

  it('leaves the instance of an unreadable state row unchanged in a tick, while the others change', async () => {
    // Prepare: an override asks for 30 Mbps everywhere; i-bad's state row is not JSON.
    const { tables, store, skipped, sdk, client } = await freshTables();
    await client.putRow({
      tableName: tables.state,
      condition: new sdk.Condition(sdk.RowExistenceExpectation.IGNORE, null),
      primaryKey: [{ shard: sdk.Long.fromNumber(shardOf('i-bad', STATE_PARTITIONS)) }, { instanceId: 'i-bad' }],
      attributeColumns: [{ version: sdk.Long.fromNumber(7) }, { state: 'garbage' }],
    });
    const now = local.cloud.clock.now();
    const world = fakeWorld([makeInstance({ instanceId: 'i-good' }), makeInstance({ instanceId: 'i-bad' })], { now });
    world.deps.store = store;
    const policy = makePolicy({
      selector: { regionId: 'cn-hangzhou', instanceIds: ['i-good', 'i-bad'] },
      override: { bandwidth: 30, until: now + 3_600_000, reason: 'test' },
    });

    // Act
    const summary = await runTick(world.deps, { doc: { source: 'test', policies: [policy] }, shard: 0, of: 1, triggerTime: now });

    // Assess: the intent for i-bad is written as "never written", which the existing row refuses.
    expect(world.ecs.modifyCalls.map((call) => call.instanceId)).toEqual(['i-good']);
    expect(summary.byOutcome).toMatchObject({ placed: 1, conflict: 1 });
    expect(skipped.map((row) => row.key)).toEqual([expect.stringContaining('i-bad')]);
  });
});
