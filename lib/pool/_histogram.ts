// A fixed-size log-linear histogram of durations, for the pool's run-time
// and wait-time percentiles: 448 counters whatever the number of samples, and
// recording is a few integer operations. Values are kept in microseconds:
// exact below 32 µs, then 16 buckets per power of two (at most ~3% off) up
// to 2^31 µs (about 36 minutes; longer values count as that).

import type { PoolTimes } from "./_options.ts";

const LINEAR = 32;
const SUB_BITS = 4;
const SUB = 1 << SUB_BITS;
const MAX_US = 2 ** 31 - 1;
const BUCKETS = LINEAR + (31 - 5) * SUB;

function bucketOf(us: number): number {
  if (us < LINEAR) return us;
  const e = 31 - Math.clz32(us);
  return LINEAR + (e - 5) * SUB + ((us >>> (e - SUB_BITS)) & (SUB - 1));
}

// The middle of a bucket, in microseconds.
function valueOf(bucket: number): number {
  if (bucket < LINEAR) return bucket;
  const e = ((bucket - LINEAR) >> SUB_BITS) + 5;
  const width = 1 << (e - SUB_BITS);
  const low = (1 << e) + ((bucket - LINEAR) & (SUB - 1)) * width;
  return low + width / 2;
}

/** Durations in milliseconds, summarised by count, mean, max and percentiles. */
export class Histogram {
  #counts = new Float64Array(BUCKETS);
  #count = 0;
  #sum = 0;
  #max = 0;

  /** Records `count` samples of `ms` milliseconds each. */
  record(ms: number, count = 1): void {
    if (!(ms >= 0)) return;
    const us = ms * 1000;
    this.#counts[bucketOf(us < MAX_US ? us | 0 : MAX_US)] += count;
    this.#count += count;
    this.#sum += ms * count;
    if (ms > this.#max) this.#max = ms;
  }

  /** The sum of every sample, in milliseconds. */
  get sum(): number {
    return this.#sum;
  }

  /** The value below which a fraction `q` of the samples fall (0 if none). */
  percentile(q: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.#count));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.#counts[b];
      if (seen >= rank) return Math.min(valueOf(b) / 1000, this.#max);
    }
    return this.#max;
  }

  /** The snapshot `Pool.stats` shows. */
  summary(): PoolTimes {
    return {
      count: this.#count,
      mean: this.#count ? this.#sum / this.#count : 0,
      p50: this.percentile(0.5),
      p90: this.percentile(0.9),
      p99: this.percentile(0.99),
      max: this.#max,
    };
  }
}
