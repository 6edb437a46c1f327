// Min/max bucketing: a 51-day trace at 5-minute steps has 14,772 points, far more than a chart has
// pixels. Averaging would shave off the spikes the report exists to show (a 5-minute saturation is
// what costs dropped traffic), so each bucket keeps its minimum and its maximum instead.

export interface SamplePoint {
  /** Position in the original series, so the caller maps it to time exactly. */
  index: number;
  value: number;
}

/**
 * Splits `values` into `buckets` contiguous runs of near-equal length and keeps, from each, the
 * minimum and the maximum in their original order (one point when they coincide). The result has at
 * most `2 × buckets` points, strictly increasing indices, and always contains the global extremes.
 */
export function downsampleMinMax(values: readonly number[], buckets: number): SamplePoint[] {
  if (!Number.isInteger(buckets) || buckets < 1) {
    throw new RangeError(`downsampleMinMax: buckets must be a positive integer, got ${buckets}`);
  }
  if (values.length <= buckets * 2) return values.map((value, index) => ({ index, value }));
  const points: SamplePoint[] = [];
  for (let bucket = 0; bucket < buckets; bucket++) {
    const from = Math.floor((bucket * values.length) / buckets);
    const to = Math.floor(((bucket + 1) * values.length) / buckets);
    let minIndex = from;
    let maxIndex = from;
    for (let i = from + 1; i < to; i++) {
      const value = values[i] as number;
      if (value < (values[minIndex] as number)) minIndex = i;
      if (value > (values[maxIndex] as number)) maxIndex = i;
    }
    const first = Math.min(minIndex, maxIndex);
    const last = Math.max(minIndex, maxIndex);
    points.push({ index: first, value: values[first] as number });
    if (last !== first) points.push({ index: last, value: values[last] as number });
  }
  return points;
}
