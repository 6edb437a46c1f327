// How numbers read in decision messages. Operators grep the reason code and read the message, so a
// message carries the numbers that explain it ("served 96.2 Mbps is 96.2% of 100 Mbps (>= 95%)").

/** `96.2 Mbps`, `100 Mbps`: one decimal at most, trailing `.0` dropped. */
export function formatMbps(mbps: number): string {
  return `${trimDecimal(mbps)} Mbps`;
}

/** `96.2%`. */
export function formatPercent(percent: number): string {
  return `${trimDecimal(percent)}%`;
}

/** `10 points`: a difference between two percentages (the target-tracking tolerance). */
export function formatPoints(points: number): string {
  return `${trimDecimal(points)} points`;
}

/** `300 s`: durations stay in the unit the policy uses. */
export function formatSeconds(seconds: number): string {
  return `${trimDecimal(seconds)} s`;
}

// One decimal, truncated rather than rounded, so a value never reads as crossing a threshold it did
// not cross: 94.96 would round to "95%" next to ">= 95%". The 1e-6 slack undoes float noise first
// (29 Mbps of 100 computes as 28.999999999999996%, which must read 29%).
function trimDecimal(value: number): string {
  // Said outright for the reader: the arithmetic below reads NaN and ±Infinity the same way (an equivalent mutant).
  if (!Number.isFinite(value)) return String(value);
  const truncated = Math.trunc(value * 10 + Math.sign(value) * 1e-6) / 10;
  return Number.isInteger(truncated) ? String(truncated) : truncated.toFixed(1);
}
