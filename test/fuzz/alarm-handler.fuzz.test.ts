// The BUILT alarm function under fuzzed invocations (HTTP-trigger envelopes with fuzzed bodies,
// headers and tokens, CloudEvents, raw bytes): it always answers, never with a 5xx, refuses bad input
// with a 4xx that says what was wrong, and makes no write call (checked on the emulators' own logs).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CMS_ALERT_EVENT_TYPE } from '../../src/events';
import { alarmCallback, type System, startSystem, WEBHOOK_TOKEN } from '../../src/sim/system';
import { FUZZ_RUNS, mutationsOf } from './support';

const OTS_WRITES = new Set(['PutRow', 'UpdateRow', 'DeleteRow', 'BatchWriteRow']);
// No instance of the demo fleet: even a fully valid callback may look, never write.
const UNKNOWN = 'i-fuzz-unknown';

describe('fuzzing the built alarm function', () => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem();
  }, 120_000);
  afterAll(async () => system?.close());

  function envelope(now: number): Record<string, unknown> {
    const fields = Object.fromEntries(new URLSearchParams(alarmCallback({ instanceId: UNKNOWN, curValue: 99, timestamp: now })));
    return {
      version: 'v1',
      rawPath: '/',
      body: new URLSearchParams(fields).toString(),
      isBase64Encoded: false,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      queryParameters: { token: WEBHOOK_TOKEN },
      requestContext: { accountId: '1234567890', http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' }, requestId: 'r-1' },
    };
  }

  it('answers every invocation with a 4xx (or a no-op outcome), never a 5xx, and writes nothing', async () => {
    const now = system.cloud.clock.now();
    const valid = envelope(now);
    const callbackFields = Object.fromEntries(new URLSearchParams(valid.body as string));
    const events = fc.oneof(
      mutationsOf(valid).map((v) => JSON.stringify(v)),
      mutationsOf(callbackFields).map((fields) => JSON.stringify({ ...valid, body: new URLSearchParams(fields as Record<string, string>).toString() })),
      mutationsOf(callbackFields).map((fields) => JSON.stringify({ ...valid, body: JSON.stringify(fields), headers: { 'Content-Type': 'application/json' } })),
      mutationsOf({ specversion: '1.0', id: 'e-1', source: 'acs.cms', type: CMS_ALERT_EVENT_TYPE, data: callbackFields }).map((v) => JSON.stringify(v)),
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
    );
    const calls = system.cloud.world.calls.length;
    const otsCalls = system.cloud.ots.calls().length;

    await fc.assert(
      fc.asyncProperty(events, async (event) => {
        const invocation = await system.runner.invoke('bwscaler-alarm', Buffer.from(event));
        expect(invocation.ok, invocation.error?.message).toBe(true);
        const result = invocation.result as { statusCode?: number; body?: string; outcome?: string };
        if (typeof result.statusCode === 'number') {
          const body = JSON.parse(result.body ?? '{}') as { error?: string; outcome?: string };
          if (result.statusCode === 200) expect(body.outcome).toMatch(/^(NOT_FOUND|NOT_MANAGED)$/);
          else {
            expect(result.statusCode).toBeGreaterThanOrEqual(400);
            expect(result.statusCode).toBeLessThan(500);
            expect(body.error?.length).toBeGreaterThan(5);
          }
        } else {
          // A valid CloudEvent: answered with the alarm's summary, not an HTTP response.
          expect(result.outcome).toMatch(/^(NOT_FOUND|NOT_MANAGED)$/);
        }
      }),
      { numRuns: FUZZ_RUNS },
    );

    expect(system.cloud.world.calls.slice(calls).filter((c) => c.action === 'ModifyInstanceNetworkSpec')).toEqual([]);
    expect(
      system.cloud.ots
        .calls()
        .slice(otsCalls)
        .filter((c) => OTS_WRITES.has(c.action)),
    ).toEqual([]);
  }, 300_000);
});
