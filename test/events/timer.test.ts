import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors';
import { decodeTimerEvent, MAX_SHARDS } from '../../src/events';

const timerEvent = (payload: unknown, overrides: Record<string, unknown> = {}) =>
  Buffer.from(JSON.stringify({ triggerTime: '2018-02-09T05:49:00Z', triggerName: 'tick', payload, ...overrides }));

describe('decodeTimerEvent', () => {
  const valid = [
    { name: 'the documented event with a plain label payload', event: timerEvent('awesome-fc'), payload: 'awesome-fc', shard: { shard: 0, of: 1 } },
    { name: 'an event without payload', event: timerEvent(undefined), payload: '', shard: { shard: 0, of: 1 } },
    { name: 'a shard assignment as JSON text', event: timerEvent('{"shard": 2, "of": 4}'), payload: '{"shard": 2, "of": 4}', shard: { shard: 2, of: 4 } },
    {
      name: 'a shard assignment as an object (manual invoke)',
      event: timerEvent({ shard: 0, of: 2 }),
      payload: '{"shard":0,"of":2}',
      shard: { shard: 0, of: 2 },
    },
    { name: 'the largest shard count', event: timerEvent(`{"shard":${MAX_SHARDS - 1},"of":${MAX_SHARDS}}`), shard: { shard: MAX_SHARDS - 1, of: MAX_SHARDS } },
  ];

  it.each(valid)('decodes $name', ({ event, payload, shard }) => {
    const decoded = decodeTimerEvent(event);

    expect(decoded).toMatchObject({ triggerTime: Date.UTC(2018, 1, 9, 5, 49), triggerName: 'tick', shard });
    if (payload !== undefined) expect(decoded.payload).toBe(payload);
  });

  const malformed = [
    { name: 'a shard equal to the shard count', event: timerEvent('{"shard":4,"of":4}'), mentions: 'payload.shard' },
    { name: 'a negative shard', event: timerEvent('{"shard":-1,"of":4}'), mentions: 'payload.shard' },
    { name: 'more than the maximum shards', event: timerEvent(`{"shard":0,"of":${MAX_SHARDS + 1}}`), mentions: 'payload.of' },
    { name: 'zero shards', event: timerEvent('{"shard":0,"of":0}'), mentions: 'payload.of' },
    { name: 'a fractional shard', event: timerEvent('{"shard":0.5,"of":2}'), mentions: 'payload.shard' },
    { name: 'a truncated JSON payload', event: timerEvent('{"shard":1,"of":4'), mentions: 'payload: not JSON' },
    { name: 'an unknown key in the payload', event: timerEvent('{"shard":0,"of":2,"shards":3}'), mentions: 'payload: Unrecognized key: "shards"' },
    { name: 'a JSON array payload', event: timerEvent('[0,2]'), mentions: 'payload: Invalid input: expected object' },
    { name: 'a triggerTime that is not a date', event: timerEvent('x', { triggerTime: 'yesterday' }), mentions: 'triggerTime' },
    { name: 'no triggerName', event: timerEvent('x', { triggerName: undefined }), mentions: 'triggerName' },
    { name: 'not JSON at all', event: Buffer.from('tick'), mentions: 'not JSON' },
  ];

  it.each(malformed)('rejects $name with a ValidationError naming it', ({ event, mentions }) => {
    expect(() => decodeTimerEvent(event)).toThrow(ValidationError);
    expect(() => decodeTimerEvent(event)).toThrow(mentions);
  });

  it('accepts every valid assignment and keeps it (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX_SHARDS }).chain((of) => fc.tuple(fc.integer({ min: 0, max: of - 1 }), fc.constant(of))),
        ([shard, of]) => {
          expect(decodeTimerEvent(timerEvent(JSON.stringify({ shard, of }))).shard).toEqual({ shard, of });
        },
      ),
    );
  });
});
