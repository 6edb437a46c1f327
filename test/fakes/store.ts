// Wraps a StateStore to count round trips per operation and to inject one-shot failures, e.g. a
// commit that never arrives (the function crashed between the ECS call and the commit).
import type { StateStore } from '../../src/ports/state-store';

export type StoreOperation = keyof StateStore;

export interface CountingStore extends StateStore {
  readonly calls: Record<StoreOperation, number>;
  /** Round trips of every kind. */
  total(): number;
  /** The next call of `operation` throws `error` instead of reaching the store. */
  failNext(operation: StoreOperation, error: Error): void;
}

const OPERATIONS: StoreOperation[] = ['getState', 'listStates', 'putState', 'commit', 'appendHistory', 'queryHistory', 'markEventHandled'];

export function countingStore(inner: StateStore): CountingStore {
  const calls = Object.fromEntries(OPERATIONS.map((op) => [op, 0])) as Record<StoreOperation, number>;
  const failures = new Map<StoreOperation, Error[]>();
  const wrapper = {
    calls,
    total: () => Object.values(calls).reduce((sum, n) => sum + n, 0),
    failNext(operation: StoreOperation, error: Error) {
      failures.set(operation, [...(failures.get(operation) ?? []), error]);
    },
  } as CountingStore;
  for (const operation of OPERATIONS) {
    (wrapper as unknown as Record<string, unknown>)[operation] = async (...args: unknown[]) => {
      calls[operation]++;
      const failure = failures.get(operation)?.shift();
      if (failure) throw failure;
      return (inner[operation] as (...a: unknown[]) => Promise<unknown>).apply(inner, args);
    };
  }
  return wrapper;
}
