// Function Compute timer trigger: {"triggerTime":"2018-02-09T05:49:00Z","triggerName":"t","payload":"…"}
// (docs/reference/alibaba-cloud.md §5.4). The payload is the configured string; bwscaler reads it as an optional shard
// assignment `{"shard": i, "of": n}` so that several timers can split a large fleet.
import * as z from 'zod';
import { ValidationError } from '../errors';
import { parseJson, validate } from './validate';

export interface ShardAssignment {
  shard: number;
  of: number;
}

export interface TimerEvent {
  /** Epoch milliseconds. */
  triggerTime: number;
  triggerName: string;
  /** The configured payload as text ('' when none). */
  payload: string;
  /** `{shard: 0, of: 1}` (the whole fleet) unless the payload assigns a shard. */
  shard: ShardAssignment;
}

/** Upper bound on shards: far beyond any fleet one account's API rate limits allow to scale. */
export const MAX_SHARDS = 1024;

const timerEventSchema = z.object({
  triggerTime: z.iso.datetime({ offset: true }),
  triggerName: z.string().min(1),
  // Configured as a string; an object is accepted for hand-made invocations (`s invoke`).
  payload: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
});

const shardSchema = z
  .strictObject({
    shard: z.number().int().min(0),
    of: z.number().int().min(1).max(MAX_SHARDS),
  })
  .refine((s) => s.shard < s.of, { message: 'expected 0 <= shard < of', path: ['shard'] });

export function decodeTimerEvent(event: Buffer | string): TimerEvent {
  const parsed = validate(timerEventSchema, parseJson(event, 'timer event'), 'timer event');
  const payload = parsed.payload ?? '';
  return {
    triggerTime: Date.parse(parsed.triggerTime),
    triggerName: parsed.triggerName,
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    shard: shardOfPayload(payload),
  };
}

/**
 * A payload that looks like JSON must be a valid shard assignment: silently reading a mistyped
 * `{"shard":1,"of":4` as "no shard" would make every timer scale the whole fleet. Any other text
 * (a label such as "awesome-fc") means the whole fleet.
 */
function shardOfPayload(payload: string | Record<string, unknown>): ShardAssignment {
  if (typeof payload === 'string') {
    const text = payload.trim();
    if (!text.startsWith('{') && !text.startsWith('[')) return { shard: 0, of: 1 };
    return validate(shardSchema, parseJson(text, 'timer event.payload'), 'timer event.payload');
  }
  if (Array.isArray(payload)) throw new ValidationError('timer event.payload: expected an object', ['timer event.payload: expected an object']);
  return validate(shardSchema, payload, 'timer event.payload');
}
