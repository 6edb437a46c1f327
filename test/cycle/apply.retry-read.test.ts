// retryRead (src/cycle/apply.ts): a DescribeInstances read with the order path's back-off. What is
// retried and what is not, how long each wait is, and where the attempt and time bounds end.
import { describe, expect, it } from 'vitest';
import { retryRead } from '../../src/cycle/apply';
import { CloudApiError, type CloudErrorCategory } from '../../src/errors';
import { fakeWorld } from '../fakes/cycle-deps';

const RETRY = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 8000, maxElapsedMs: 20_000 };

const cloud = (code: string, category: CloudErrorCategory = 'retryable') => new CloudApiError(`DescribeInstances failed: ${code}`, code, category);

/** A read that throws each of `failures` in turn, then answers 'facts'. */
function reading(...failures: unknown[]) {
  const world = fakeWorld([]);
  let calls = 0;
  const read = async () => {
    const failure = failures[calls++];
    if (failure !== undefined) throw failure;
    return 'facts';
  };
  return { world, read, calls: () => calls };
}

describe('retryRead', () => {
  // random() is 0.5 in the fake world: each wait is half the back-off cap, 500, 1000, 2000 ms…
  it.each([
    { name: 'answers at once when the read succeeds', failures: 0, retry: RETRY, calls: 1, sleeps: [] as number[], answer: true },
    { name: 'reads again after one transient answer', failures: 1, retry: RETRY, calls: 2, sleeps: [500], answer: true },
    { name: 'doubles the wait up to the last allowed attempt', failures: 3, retry: RETRY, calls: 4, sleeps: [500, 1000, 2000], answer: true },
    { name: 'gives up after maxAttempts calls, with the last answer', failures: 4, retry: RETRY, calls: 4, sleeps: [500, 1000, 2000], answer: false },
    { name: 'caps each wait at maxDelayMs', failures: 3, retry: { ...RETRY, maxDelayMs: 1500 }, calls: 4, sleeps: [500, 750, 750], answer: true },
    {
      name: 'retries when the wait ends exactly at the time bound',
      failures: 3,
      retry: { ...RETRY, maxElapsedMs: 1500 },
      calls: 3,
      sleeps: [500, 1000],
      answer: false,
    },
    {
      name: 'stops when the wait would end a millisecond past it',
      failures: 3,
      retry: { ...RETRY, maxElapsedMs: 1499 },
      calls: 2,
      sleeps: [500],
      answer: false,
    },
  ])('$name', async ({ failures, retry, calls: expected, sleeps, answer }) => {
    const { world, read, calls } = reading(...Array.from({ length: failures }, () => cloud('Throttling.User')));
    const result = retryRead(world.deps, retry, read);
    if (answer) await expect(result).resolves.toBe('facts');
    else await expect(result).rejects.toThrow(/Throttling\.User/);
    expect(calls()).toBe(expected);
    expect(world.sleeps).toEqual(sleeps);
  });

  it.each([
    { name: 'a refusal', error: cloud('Forbidden.RAM', 'needsHuman') },
    { name: 'a rejected request', error: cloud('InvalidParameter', 'rejected') },
    { name: 'an error no adapter translated', error: new TypeError('boom') },
  ])('passes $name through without reading again', async ({ error }) => {
    const { world, read, calls } = reading(error);
    await expect(retryRead(world.deps, RETRY, read)).rejects.toBe(error);
    expect(calls()).toBe(1);
    expect(world.sleeps).toEqual([]);
  });

  it('logs each retry with its code, attempt and wait', async () => {
    const { world, read } = reading(cloud('Throttling.User'), cloud('InternalError'));
    await retryRead(world.deps, RETRY, read);
    expect(world.logs.filter((l) => l.msg === 'read retry')).toEqual([
      { level: 'info', msg: 'read retry', code: 'Throttling.User', attempt: 1, delayMs: 500 },
      { level: 'info', msg: 'read retry', code: 'InternalError', attempt: 2, delayMs: 1000 },
    ]);
  });

  it('waits a random share of the back-off cap, rounded down', async () => {
    const { world, read } = reading(cloud('Throttling.User'), cloud('Throttling.User'));
    await retryRead({ ...world.deps, random: () => 0.3333 }, RETRY, read);
    expect(world.sleeps).toEqual([333, 666]);
  });
});
