// Fault injection through setFault, as the local cloud's admin API drives it, and the call log.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { otsError, type SdkClient, TableStore } from './sdk';
import { createTable, type RunningOts, startOts } from './server';

let run: RunningOts;
let client: SdkClient;

beforeAll(async () => {
  run = await startOts();
  client = run.client();
  await createTable(client, 'faulty', [['id', 'STRING']]);
});
afterEach(() => run.ots.setFault(null));
afterAll(() => run.close());

const put = () =>
  client.putRow({
    tableName: 'faulty',
    condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
    primaryKey: [{ id: 'a' }],
    attributeColumns: [{ v: 'x' }],
  });
const get = () => client.getRow({ tableName: 'faulty', primaryKey: [{ id: 'a' }] });
const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => 'OK',
    (e: unknown) => {
      const { status, code } = otsError(e);
      return `${status} ${code}`;
    },
  );

describe('injected faults', () => {
  it.each([
    { name: 'OTSServerBusy on every call', fault: { code: 'OTSServerBusy', rate: 1 }, expected: '503 OTSServerBusy' },
    { name: 'a code with its documented status', fault: { code: 'OTSRowOperationConflict', rate: 1 }, expected: '409 OTSRowOperationConflict' },
    { name: 'an explicit status', fault: { code: 'OTSInternalServerError', rate: 1, status: 502 }, expected: '502 OTSInternalServerError' },
    { name: 'a fault for another operation', fault: { action: 'GetRow', code: 'OTSServerBusy', rate: 1 }, expected: 'OK' },
    { name: 'rate zero', fault: { code: 'OTSServerBusy', rate: 0 }, expected: 'OK' },
  ])('answers PutRow under $name with $expected', async ({ fault, expected }) => {
    run.ots.setFault(fault);

    expect(await outcome(put())).toBe(expected);
  });

  it('fails exactly every second call at rate 0.5', async () => {
    run.ots.setFault({ code: 'OTSServerBusy', rate: 0.5 });

    const results = [];
    for (let i = 0; i < 4; i++) results.push(await outcome(put()));

    expect(results).toEqual(['OK', '503 OTSServerBusy', 'OK', '503 OTSServerBusy']);
  });

  it('holds the request until the client times out, then serves the next one', async () => {
    run.ots.setFault({ action: 'GetRow', code: 'OTSTimeout', rate: 1, timeout: true });
    const impatient = run.client({ httpOptions: { timeout: 200 } });

    const timedOut = await impatient.getRow({ tableName: 'faulty', primaryKey: [{ id: 'a' }] }).then(
      () => 'answered',
      (e: unknown) => (e as Error).message,
    );
    run.ots.setFault(null);

    expect(timedOut).toMatch(/timed out after 200ms/);
    expect(await outcome(get())).toBe('OK');
  });

  it('refuses a rate outside [0, 1]', () => {
    expect(() => run.ots.setFault({ code: 'OTSServerBusy', rate: 2 })).toThrow(/rate must be within \[0, 1\]/);
  });
});

describe('the call log', () => {
  it('records each call with its action, outcome and clock time', async () => {
    const before = run.ots.calls().length;
    run.ots.setFault({ action: 'GetRow', code: 'OTSServerBusy', rate: 1 });

    await outcome(put());
    await outcome(get());
    await outcome(client.describeTable({ tableName: 'missing' }));

    expect(run.ots.calls().slice(before)).toEqual([
      { action: 'PutRow', code: 'OK', time: run.clock.now() },
      { action: 'GetRow', code: 'OTSServerBusy', time: run.clock.now() },
      { action: 'DescribeTable', code: 'OTSObjectNotExist', time: run.clock.now() },
    ]);
  });
});
