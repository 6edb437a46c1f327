// The trigger decoders never crash: every input is decoded into a sane value or refused with a
// ValidationError that names the input (`alarm callback…`, `timer event.payload.shard: …`).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CMS_ALERT_EVENT_TYPE, decodeEventBridgeAlert, decodeFcHttpEvent, decodeTimerEvent, parseCloudMonitorCallback } from '../../src/events';
import { acceptedOrRefused, FUZZ_RUNS, mutationsOf } from './support';

const CALLBACK = {
  alertName: 'bwscaler-web',
  alertState: 'ALERT',
  curValue: '96.5',
  dimensions: '{userId=1234567890123456, instanceId=i-fuzz-1}',
  expression: '$Average>=95',
  metricName: 'VPC_PublicIP_InternetOutRate_Percent',
  namespace: 'acs_ecs_dashboard',
  ruleId: 'rule-1',
  timestamp: '1793491200',
  userId: '1234567890123456',
};
const HTTP_EVENT = {
  version: 'v1',
  rawPath: '/',
  body: 'alertState=ALERT',
  isBase64Encoded: false,
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  queryParameters: { token: 't' },
  requestContext: { http: { method: 'POST', path: '/' } },
};
const CLOUD_EVENT = { specversion: '1.0', id: 'e-1', source: 'acs.cms', type: CMS_ALERT_EVENT_TYPE, data: CALLBACK };
const TIMER_EVENT = { triggerTime: '2026-11-02T00:05:00Z', triggerName: 'fleet-tick', payload: '{"shard":0,"of":1}' };

const form = (fields: unknown) =>
  fields && typeof fields === 'object' && !Array.isArray(fields)
    ? new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')])).toString()
    : String(fields);
const contentTypes = fc.constantFrom('application/x-www-form-urlencoded; charset=UTF-8', 'application/json', 'text/plain', undefined, '');
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
);

describe('fuzzing the trigger decoders', () => {
  it('a CloudMonitor callback (form or JSON) is decoded into finite values or refused by name', () => {
    const bodies = fc.oneof(
      mutationsOf(CALLBACK).map(form),
      mutationsOf(CALLBACK).map((v) => JSON.stringify(v)),
      text,
    );
    fc.assert(
      fc.property(bodies, contentTypes, (body, contentType) => {
        const callback = acceptedOrRefused(() => parseCloudMonitorCallback(body, contentType), 'alarm callback');
        if (!callback) return;
        expect(callback.instanceId).toMatch(/^[\w.-]+$/);
        expect(Number.isFinite(callback.curValue)).toBe(true);
        expect(Number.isFinite(callback.timestamp)).toBe(true);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('an EventBridge event is decoded or refused by name', () => {
    const events = fc.oneof(
      mutationsOf(CLOUD_EVENT),
      mutationsOf({ ...CLOUD_EVENT, data: form(CALLBACK) }),
      mutationsOf(CALLBACK).map((data) => ({ ...CLOUD_EVENT, data })),
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(events, (event) => {
        const callback = acceptedOrRefused(() => decodeEventBridgeAlert(event), 'EventBridge event');
        if (callback) expect(Number.isFinite(callback.curValue) && Number.isFinite(callback.timestamp)).toBe(true);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('an HTTP-trigger envelope is decoded or refused by name', () => {
    const envelopes = fc.oneof(
      mutationsOf(HTTP_EVENT).map((v) => JSON.stringify(v)),
      text,
    );
    fc.assert(
      fc.property(envelopes, (event) => {
        const request = acceptedOrRefused(() => decodeFcHttpEvent(Buffer.from(event)), 'HTTP trigger event');
        if (request) expect(typeof request.body).toBe('string');
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('a timer event is decoded into a valid shard or refused by name', () => {
    const events = fc.oneof(
      mutationsOf(TIMER_EVENT).map((v) => JSON.stringify(v)),
      mutationsOf({ shard: 1, of: 4 }).map((payload) => JSON.stringify({ ...TIMER_EVENT, payload: JSON.stringify(payload) })),
      text,
    );
    fc.assert(
      fc.property(events, (event) => {
        const timer = acceptedOrRefused(() => decodeTimerEvent(event), 'timer event');
        if (!timer) return;
        expect(Number.isFinite(timer.triggerTime)).toBe(true);
        expect(timer.shard.shard).toBeGreaterThanOrEqual(0);
        expect(timer.shard.shard).toBeLessThan(timer.shard.of);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
