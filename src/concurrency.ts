/**
 * Maps `items` through `fn` with at most `limit` calls in flight, keeping the input order.
 * The adapters fan out batches (100 instances per DescribeInstances, 50 per DescribeMetricLast);
 * the bound keeps a large fleet from tripping the per-account API rate limit (docs/reference/alibaba-cloud.md §3.5).
 * The first rejection rejects the whole map; calls already started run to completion.
 */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
