/**
 * A log-linear latency histogram in nanoseconds: 64 sub-buckets per power of two, so every
 * percentile is within 1.6% of the true value, in constant memory however many samples arrive.
 * Exact below 128 ns; min, max and the sum are kept exactly.
 */

const SUB_BITS = 6;
const SUB = 1 << SUB_BITS; // 64 sub-buckets per octave
const LINEAR = SUB * 2; // values below 128 ns get a bucket each
const OCTAVES = 40; // up to 2^46 ns ≈ 19.5 hours: far past any bench

/** Percentile summary in milliseconds, as reported. */
export interface Summary {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** Index of the bucket holding `ns` (a non-negative integer). */
export function bucketOf(ns: number): number {
  if (ns < LINEAR) return ns;
  let shift = Math.floor(Math.log2(ns)) - SUB_BITS;
  let mant = Math.floor(ns / 2 ** shift);
  // log2 may round across a power of two; move the mantissa back into [64, 128).
  if (mant < SUB) mant = Math.floor(ns / 2 ** --shift);
  else if (mant >= LINEAR) mant = Math.floor(ns / 2 ** ++shift);
  return LINEAR + (shift - 1) * SUB + (mant - SUB);
}

/** The smallest value (ns) that falls in bucket `i`. */
export function bucketLow(i: number): number {
  if (i < LINEAR) return i;
  const shift = Math.floor((i - LINEAR) / SUB) + 1;
  return (SUB + ((i - LINEAR) % SUB)) * 2 ** shift;
}

/** The width of bucket `i` in ns. */
function bucketWidth(i: number): number {
  return i < LINEAR ? 1 : 2 ** (Math.floor((i - LINEAR) / SUB) + 1);
}

/** A latency histogram: record nanoseconds, read percentiles. */
export class Histogram {
  readonly counts = new Float64Array(LINEAR + OCTAVES * SUB);
  count = 0;
  sum = 0;
  min = Infinity;
  max = 0;

  /** Records one sample in nanoseconds (negative values count as 0). */
  record(ns: number): void {
    const v = ns > 0 ? Math.round(ns) : 0;
    const i = Math.min(bucketOf(v), this.counts.length - 1);
    this.counts[i]++;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** Adds every sample of `other` to this histogram. */
  merge(other: Histogram): void {
    for (let i = 0; i < other.counts.length; i++) this.counts[i] += other.counts[i];
    this.count += other.count;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  /** The q-quantile (0 < q ≤ 1) in ns: the middle of the bucket holding the rank, clamped to [min, max]. */
  percentile(q: number): number {
    if (this.count === 0) return 0;
    if (q >= 1) return this.max;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i];
      if (seen >= rank) {
        const mid = bucketLow(i) + (bucketWidth(i) - 1) / 2;
        return Math.min(this.max, Math.max(this.min, mid));
      }
    }
    return this.max;
  }

  /** Count, mean and percentiles in milliseconds. */
  summary(): Summary {
    const ms = (ns: number) => Math.round(ns) / 1e6;
    if (this.count === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
    return {
      count: this.count,
      min: ms(this.min),
      mean: ms(this.sum / this.count),
      p50: ms(this.percentile(0.5)),
      p90: ms(this.percentile(0.9)),
      p99: ms(this.percentile(0.99)),
      max: ms(this.max),
    };
  }
}
