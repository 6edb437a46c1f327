// The ControlStore (src/ports/control-store.ts) in memory and on Tablestore. Layout: tables.ts
// (bwscaler_control). Rows are read one by one: a row that cannot be read is reported and left out,
// the other controls still apply.
import type { Client, PrimaryKeyInput, Row } from 'tablestore';
import { type Control, type ControlScope, isControl } from '../core/controls';
import { BwscalerError, ValidationError } from '../errors';
import type { ControlStore } from '../ports/control-store';
import { DEFAULT_TABLES } from './tables';
import type { Sdk, TablestoreConfig } from './tablestore-client';
import { openClient, otsError, translateError } from './tablestore-client';

/** The row key of a control: its scope and target, then its kind. */
export function controlKey(scope: ControlScope, target: string): string {
  return `${scope}/${target}`;
}

function checkControl(control: Control): void {
  if (!isControl(control)) {
    const issue = `control: expected a pause or an override with scope, target, reason, by and at, got ${JSON.stringify(control)}`;
    throw new ValidationError(issue, [issue]);
  }
}

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export function createMemoryControlStore(): ControlStore {
  const rows = new Map<string, Control>();
  const id = (kind: string, scope: ControlScope, target: string) => `${controlKey(scope, target)}\u0000${kind}`;
  return {
    async listControls() {
      return [...rows.values()].map(copy);
    },
    async controlsFor(instanceId, policyName) {
      return [id('pause', 'instance', instanceId), id('override', 'instance', instanceId), id('pause', 'policy', policyName)].flatMap((key) => {
        const found = rows.get(key);
        return found ? [copy(found)] : [];
      });
    },
    async putControl(control) {
      checkControl(control);
      rows.set(id(control.kind, control.scope, control.target), copy(control));
    },
    async removeControl(kind, scope, target) {
      const key = id(kind, scope, target);
      const found = rows.get(key);
      rows.delete(key);
      return found;
    },
  } satisfies ControlStore;
}

export interface TablestoreControlConfig extends TablestoreConfig {
  /** Default bwscaler_control. */
  table?: string;
  /** Told about a row that cannot be read; default: one JSON warning line on stderr. */
  onUnreadableRow?: (row: { table: string; key: string; message: string }) => void;
}

export function createTablestoreControlStore(config: TablestoreControlConfig): ControlStore {
  const table = config.table ?? DEFAULT_TABLES.control;
  let connection: Promise<{ sdk: Sdk; client: Client }> | undefined;
  const report =
    config.onUnreadableRow ??
    ((row: { table: string; key: string; message: string }) =>
      process.stderr.write(`${JSON.stringify({ level: 'warn', msg: 'unreadable row skipped', ...row })}\n`));

  async function call<T>(what: string, send: (client: Client, sdk: Sdk) => Promise<T>): Promise<T> {
    connection ??= openClient(config);
    const { client, sdk } = await connection;
    try {
      return await send(client, sdk);
    } catch (error) {
      throw translateError(error, `${what} ${table}`);
    }
  }

  function read(rows: Row[]): Control[] {
    return rows.flatMap((row) => {
      if (!row.attributes?.length) return [];
      const key = (row.primaryKey ?? []).map((cell) => String(cell.value)).join('/');
      const text = row.attributes.find((cell) => cell.columnName === 'control')?.columnValue;
      try {
        const control = JSON.parse(String(text)) as unknown;
        if (!isControl(control)) throw new BwscalerError('not a control');
        return [control];
      } catch (error) {
        report({ table, key, message: `column control: ${(error as Error).message}` });
        return [];
      }
    });
  }

  const primaryKey = (kind: string, scope: ControlScope, target: string): PrimaryKeyInput => [{ target: controlKey(scope, target) }, { kind }];

  return {
    async listControls() {
      return call('GetRange', async (client, sdk) => {
        const rows: Row[] = [];
        let next: PrimaryKeyInput | null = [{ target: sdk.INF_MIN }, { kind: sdk.INF_MIN }];
        while (next) {
          const page = await client.getRange({
            tableName: table,
            direction: sdk.Direction.FORWARD,
            inclusiveStartPrimaryKey: next,
            exclusiveEndPrimaryKey: [{ target: sdk.INF_MAX }, { kind: sdk.INF_MAX }],
            maxVersions: 1,
          });
          rows.push(...page.rows);
          next = page.nextStartPrimaryKey?.map(({ name, value }) => ({ [name]: value })) ?? null;
        }
        return read(rows);
      });
    },

    async controlsFor(instanceId, policyName) {
      const answer = await call('BatchGetRow', (client) =>
        client.batchGetRow({
          tables: [
            {
              tableName: table,
              primaryKey: [
                primaryKey('pause', 'instance', instanceId),
                primaryKey('override', 'instance', instanceId),
                primaryKey('pause', 'policy', policyName),
              ],
              maxVersions: 1,
            },
          ],
        }),
      );
      const results = answer.tables.flat();
      const failed = results.find((result) => !result.isOk);
      // Fail closed: an alarm that cannot see a pause must not act as if there were none.
      if (failed) throw otsError(`BatchGetRow ${table}`, failed.errorCode ?? undefined, failed.errorMessage ?? '');
      return read(results);
    },

    async putControl(control) {
      checkControl(control);
      await call('PutRow', (client, sdk) =>
        client.putRow({
          tableName: table,
          condition: new sdk.Condition(sdk.RowExistenceExpectation.IGNORE, null),
          primaryKey: primaryKey(control.kind, control.scope, control.target),
          attributeColumns: [{ control: JSON.stringify(control) }],
        }),
      );
    },

    async removeControl(kind, scope, target) {
      const { row } = await call('GetRow', (client) => client.getRow({ tableName: table, primaryKey: primaryKey(kind, scope, target), maxVersions: 1 }));
      const [found] = read([row]);
      await call('DeleteRow', (client, sdk) =>
        client.deleteRow({
          tableName: table,
          condition: new sdk.Condition(sdk.RowExistenceExpectation.IGNORE, null),
          primaryKey: primaryKey(kind, scope, target),
        }),
      );
      return found;
    },
  } satisfies ControlStore;
}
