// The ControlStore contract, run against the in-memory store and the Tablestore adapter on the local
// Tablestore emulator (as test/state/contract.ts does for the StateStore).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Control } from '../../src/core/controls';
import { ValidationError } from '../../src/errors';
import type { ControlStore } from '../../src/ports/control-store';
import { createMemoryControlStore, createTablestoreControlStore } from '../../src/state/control';
import { ensureTables } from '../../src/state/tables';
import { type OtsCloud, startOtsCloud } from './local-cloud';

const AT = Date.UTC(2026, 11, 6, 12);
const pause = (scope: Control['scope'], target: string, patch: Partial<Control> = {}): Control =>
  ({ kind: 'pause', scope, target, reason: 'incident', by: 'ops', at: AT, ...patch }) as Control;
const override = (target: string, bandwidth: number): Control => ({
  kind: 'override',
  scope: 'instance',
  target,
  bandwidth,
  until: AT + 3_600_000,
  reason: 'launch',
  by: 'ops',
  at: AT,
});

function runControlStoreContract(name: string, open: () => Promise<ControlStore>): void {
  describe(`ControlStore contract: ${name}`, () => {
    it('lists nothing when nothing was set', async () => {
      const store = await open();
      expect(await store.listControls()).toEqual([]);
      expect(await store.controlsFor('i-1', 'web')).toEqual([]);
    });

    it('lists every control and returns an instance its own and its policy controls only', async () => {
      const store = await open();
      const rows = [pause('policy', 'web'), pause('policy', 'batch'), pause('instance', 'i-1', { until: AT + 1 }), override('i-1', 40), override('i-2', 5)];
      for (const row of rows) await store.putControl(row);

      const all = await store.listControls();
      const mine = await store.controlsFor('i-1', 'web');

      expect(all).toHaveLength(5);
      expect(all).toEqual(expect.arrayContaining(rows));
      expect(mine).toHaveLength(3);
      expect(mine).toEqual(expect.arrayContaining([rows[0], rows[2], rows[3]]));
    });

    it('replaces a control of the same scope, target and kind', async () => {
      const store = await open();
      await store.putControl(override('i-1', 40));
      await store.putControl(override('i-1', 60));
      expect((await store.listControls()).map((c) => (c.kind === 'override' ? c.bandwidth : -1))).toEqual([60]);
    });

    it('removes a control and returns what it removed; removing again returns nothing', async () => {
      const store = await open();
      await store.putControl(pause('policy', 'web'));
      await store.putControl(override('i-1', 40));

      expect(await store.removeControl('pause', 'policy', 'web')).toEqual(pause('policy', 'web'));
      expect(await store.removeControl('pause', 'policy', 'web')).toBeUndefined();
      expect(await store.listControls()).toEqual([override('i-1', 40)]);
    });

    it('refuses a malformed control with a ValidationError', async () => {
      const store = await open();
      await expect(store.putControl({ ...override('i-1', 40), until: Number.NaN })).rejects.toThrow(ValidationError);
      await expect(store.putControl(pause('policy', 'web', { reason: '' }))).rejects.toThrow(ValidationError);
    });
  });
}

runControlStoreContract('memory', async () => createMemoryControlStore());

let local: OtsCloud;
let tables = 0;
beforeAll(async () => {
  local = await startOtsCloud();
});
afterAll(async () => local?.close());

runControlStoreContract('Tablestore adapter against the local Tablestore', async () => {
  const n = ++tables;
  const names = { state: `k${n}_state`, history: `k${n}_history`, events: `k${n}_events`, control: `k${n}_control` };
  await ensureTables(local.config(), { tables: names });
  return createTablestoreControlStore({ ...local.config(), table: names.control });
});

describe('the Tablestore control store with an unreadable row', () => {
  it('leaves the row out, reports it, and returns the others', async () => {
    const names = { state: 'ku_state', history: 'ku_history', events: 'ku_events', control: 'ku_control' };
    await ensureTables(local.config(), { tables: names });
    const reported: string[] = [];
    const store = createTablestoreControlStore({ ...local.config(), table: names.control, onUnreadableRow: (row) => reported.push(row.key) });
    await store.putControl(pause('policy', 'web'));
    // A hand-edited row: valid JSON, not a control.
    await store.putControl(pause('instance', 'i-1'));
    const TableStore = (await import('tablestore')).default;
    const client = new TableStore.Client({
      endpoint: local.config().endpoint,
      instancename: local.config().instanceName,
      accessKeyId: local.config().accessKeyId,
      secretAccessKey: local.config().accessKeySecret,
      stsToken: local.config().securityToken,
      maxRetries: 0,
    } as never);
    await client.putRow({
      tableName: names.control,
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
      primaryKey: [{ target: 'instance/i-1' }, { kind: 'pause' }],
      attributeColumns: [{ control: '{"kind":"pause"}' }],
    });

    expect(await store.listControls()).toEqual([pause('policy', 'web')]);
    expect(reported).toEqual(['instance/i-1/pause']);
  });
});
