// functions/schedule: one timer tick evaluates schedules and target tracking for every managed
// instance of its shard (the payload may assign one: {"shard": i, "of": n}).
import { runTick, type TickSummary } from '../cycle/tick';
import { decodeTimerEvent } from '../events';
import type { FcContext } from './middleware';

export async function scheduleHandler(event: Buffer, context: FcContext): Promise<TickSummary> {
  const rt = context.runtime;
  if (!rt) throw new Error('scheduleHandler: the runtime middleware did not run');
  const timer = decodeTimerEvent(event);
  const budget = rt.config.maxOrdersPerTick === undefined ? {} : { budget: { maxEcsWrites: rt.config.maxOrdersPerTick } };
  const summary = await runTick(rt.deps, {
    doc: rt.doc,
    shard: timer.shard.shard,
    of: timer.shard.of,
    triggerTime: timer.triggerTime,
    ...budget,
    ...(rt.retry && { retry: rt.retry }),
  });
  await rt.telemetry?.flush(); // after every decision is written; never throws, bounded by its deadline
  rt.logger.info('tick done', { requestId: context.requestId, trigger: timer.triggerName, ...summary, errors: summary.errors.length });
  // The summary is the invocation's result, outside the logger: its error texts (an SDK's message can
  // quote a signed request) are redacted the same way.
  return rt.logger.redact(summary);
}
