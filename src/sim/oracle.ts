// The hindsight-optimal bandwidth plan: what perfect foresight would pay for the same demand under the
// same constraints (whole Mbps, bounds, the provider's 5-minute lock, the subscription downgrade quota),
// serving all demand that fits under the upper bound.
import { type Billing, DEFAULT_PRICES, hourlyBandwidthCost, type PriceTable } from './cost';

export interface OracleOptions {
  billing: Billing;
  minMbps: number;
  maxMbps: number;
  /** Bandwidth before the first interval (a downgrade from it spends quota). */
  initialMbps: number;
  /** Subscription downgrades allowed over the trace; undefined = unlimited (pay-as-you-go). */
  downgradeQuota?: number;
  /** The provider lock after each change; changes happen only on boundaries this far apart. */
  lockSeconds?: number;
  prices?: PriceTable;
}

export interface OraclePlan {
  /** Bandwidth per demand interval. */
  planMbps: number[];
}

/**
 * Solves the plan by dynamic programming over blocks of one lock period.
 *
 * Changing only on block boundaries respects the 5-minute lock; for traces coarser than the lock
 * (5-minute CloudMonitor data) a block is one sample and nothing is lost. For finer traces the block
 * grid is a restriction, so the oracle may be slightly pessimistic there.
 *
 * Without a quota the minimum feasible bandwidth in every block is optimal (cost grows with bandwidth
 * and changes are free). With a quota, the state is (level, downgrades used) and a transition to a
 * lower level spends one downgrade; prefix/suffix minima keep each block O(levels × quota).
 */
export function oraclePlan(demandMbps: readonly number[], stepSeconds: number, options: OracleOptions): OraclePlan {
  const prices = options.prices ?? DEFAULT_PRICES;
  const lockSeconds = options.lockSeconds ?? 300;
  const perBlock = Math.max(1, Math.ceil(lockSeconds / stepSeconds));
  const blocks = Math.ceil(demandMbps.length / perBlock);
  const min = options.minMbps;
  const max = options.maxMbps;

  const need: number[] = new Array(blocks);
  for (let b = 0; b < blocks; b++) {
    let peak = 0;
    for (let i = b * perBlock; i < Math.min(demandMbps.length, (b + 1) * perBlock); i++) {
      peak = Math.max(peak, demandMbps[i] as number);
    }
    // Whole Mbps; a hair of tolerance so 20.0000000001 from float rescaling does not cost 21.
    need[b] = Math.min(max, Math.max(min, Math.ceil(peak - 1e-9)));
  }

  const expand = (blockLevels: number[]): OraclePlan => {
    const planMbps: number[] = new Array(demandMbps.length);
    for (let i = 0; i < demandMbps.length; i++) planMbps[i] = blockLevels[Math.floor(i / perBlock)] as number;
    return { planMbps };
  };

  if (options.billing === 'traffic' || options.downgradeQuota === undefined) return expand(need);

  const quota = options.downgradeQuota;
  const levels = max - min + 1;
  const K = quota + 1;
  const blockHours = (perBlock * stepSeconds) / 3600;
  const rate = new Float64Array(levels);
  for (let l = 0; l < levels; l++) rate[l] = hourlyBandwidthCost(options.billing, min + l, prices) * blockHours;

  // parent[b][k*levels + l] = level index in block b-1 (or -1 for the initial state).
  const parents: Int16Array[] = [];
  let prev = new Float64Array(levels * K).fill(Number.POSITIVE_INFINITY);
  const initial = Math.min(max, Math.max(min, options.initialMbps)) - min;
  const start = options.initialMbps < min || options.initialMbps > max ? -1 : initial;

  for (let b = 0; b < blocks; b++) {
    const cur = new Float64Array(levels * K).fill(Number.POSITIVE_INFINITY);
    const parent = new Int16Array(levels * K).fill(-1);
    const floor = (need[b] as number) - min;
    if (b === 0) {
      for (let l = floor; l < levels; l++) {
        // From the initial bandwidth: going below it is a downgrade (unless it was out of bounds).
        const k = start >= 0 && l < start ? 1 : 0;
        if (k < K) {
          cur[k * levels + l] = rate[l] as number;
          parent[k * levels + l] = start;
        }
      }
    } else {
      for (let k = 0; k < K; k++) {
        // prefix minimum over levels <= l with the same k (staying or upgrading).
        let bestSame = Number.POSITIVE_INFINITY;
        let bestSameAt = -1;
        const prefix = new Float64Array(levels);
        const prefixAt = new Int16Array(levels);
        for (let l = 0; l < levels; l++) {
          const v = prev[k * levels + l] as number;
          if (v < bestSame) {
            bestSame = v;
            bestSameAt = l;
          }
          prefix[l] = bestSame;
          prefixAt[l] = bestSameAt;
        }
        // suffix minimum over levels > l with k-1 (a downgrade into l).
        const suffix = new Float64Array(levels + 1).fill(Number.POSITIVE_INFINITY);
        const suffixAt = new Int16Array(levels + 1).fill(-1);
        if (k > 0) {
          for (let l = levels - 1; l >= 0; l--) {
            const v = prev[(k - 1) * levels + l] as number;
            const better = v < (suffix[l + 1] as number);
            suffix[l] = better ? v : (suffix[l + 1] as number);
            suffixAt[l] = better ? l : (suffixAt[l + 1] as number);
          }
        }
        for (let l = floor; l < levels; l++) {
          const same = prefix[l] as number;
          const down = suffix[l + 1] as number;
          const idx = k * levels + l;
          if (same <= down) {
            cur[idx] = same + (rate[l] as number);
            parent[idx] = prefixAt[l] as number;
          } else {
            cur[idx] = down + (rate[l] as number);
            parent[idx] = suffixAt[l + 1] as number;
          }
        }
      }
    }
    parents.push(parent);
    prev = cur;
  }

  let best = Number.POSITIVE_INFINITY;
  let bestIdx = -1;
  for (let i = 0; i < prev.length; i++) {
    if ((prev[i] as number) < best) {
      best = prev[i] as number;
      bestIdx = i;
    }
  }
  const blockLevels: number[] = new Array(blocks);
  let k = Math.floor(bestIdx / levels);
  let l = bestIdx % levels;
  for (let b = blocks - 1; b >= 0; b--) {
    blockLevels[b] = min + l;
    const p = (parents[b] as Int16Array)[k * levels + l] as number;
    if (b > 0 && p > l) k -= 1;
    l = p;
  }
  return expand(blockLevels);
}
