/** Numbers kept per bucket, side by side (one cache line): min, max, sum, last, count, fresh. */
const MIN = 0;
const MAX = 1;
const SUM = 2;
const LAST = 3;
const COUNT = 4;
const FRESH = 5;
const STRIDE = 6;
/** Buckets allocated at first; short series never need more. */
const FIRST_CAPACITY = 8;

/**
 * A time series thinned as it grows (plots draw a few points per pixel
 * column, whatever the trace length): values fall into at most `buckets`
 * time buckets, each keeping the min, max, sum and last value; when time
 * runs past the last bucket, neighbouring buckets merge in pairs and the
 * width doubles. Memory is bounded by `buckets`, and grows to it only as
 * time needs buckets (a connection of a millisecond, plotted, keeps a few,
 * not 1,024: 16 plotted short connections held 8 MB). Times are seconds
 * relative to the analysis's base. A bucket's numbers sit together in one
 * array: an update touches one cache line, not five (the plot taps run
 * per packet).
 */
export class Decimated {
  t0 = NaN;
  width: number;
  /** Buckets in use (the last one holding the latest time). */
  used = 0;
  /** Buckets' numbers, for the buckets allocated so far (`capacity`, at most `buckets`); the rest read as empty. */
  private b: Float64Array;
  private capacity: number;

  constructor(
    readonly buckets = 1024,
    width = 0.001,
  ) {
    this.width = width;
    this.capacity = Math.min(buckets, FIRST_CAPACITY);
    this.b = new Float64Array(this.capacity * STRIDE);
  }

  /** Field `f` of bucket k: 0 past the buckets allocated, as for an empty bucket. */
  private read(k: number, f: number): number {
    return k < this.capacity ? this.b[k * STRIDE + f]! : 0;
  }

  min(k: number): number {
    return this.read(k, MIN);
  }

  max(k: number): number {
    return this.read(k, MAX);
  }

  sum(k: number): number {
    return this.read(k, SUM);
  }

  last(k: number): number {
    return this.read(k, LAST);
  }

  /** Values added to bucket k (0: empty). */
  count(k: number): number {
    return this.read(k, COUNT);
  }

  /** The second sum of addSpan: the bytes new to the connection among a segment's DSNs (goodput), so one bucket lookup serves a subflow's DSN plot and its goodput. */
  fresh(k: number): number {
    return this.read(k, FRESH);
  }

  /** Starts the buckets at `t0` (to align several series), if not started. */
  start(t0: number): void {
    if (Number.isNaN(this.t0)) this.t0 = t0;
  }

  /** Adds a value at time t: min, max and last keep it, sum adds it. */
  add(t: number, v: number): void {
    const i = this.extend(t, v, v);
    this.b[i + SUM]! += v;
  }

  /** Adds levels seen at time t (a step line's least, most and latest; sum is left alone). */
  addLevels(t: number, lo: number, hi: number, last: number): void {
    const i = this.extend(t, lo, hi);
    this.b[i + LAST] = last;
  }

  /**
   * Adds a range [lo, hi) at time t (a segment's DSNs): min and max keep
   * its ends, sum adds its length, so a bucket's sum against max − min
   * tells a continuous stretch from distant ranges (drawn apart); fresh
   * adds the bytes of it new to the connection.
   */
  addSpan(t: number, lo: number, hi: number, fresh = 0): void {
    const i = this.extend(t, lo, hi);
    this.b[i + SUM]! += hi - lo;
    this.b[i + FRESH]! += fresh;
  }

  /** Counts a value in the bucket of time t, widening [min, max] to [lo, hi] and setting last to hi; returns where the bucket's numbers start. */
  private extend(t: number, lo: number, hi: number): number {
    const i = this.bucket(t) * STRIDE;
    // After bucket(): it may have allocated a larger array.
    const b = this.b;
    if (b[i + COUNT] === 0) {
      b[i + MIN] = lo;
      b[i + MAX] = hi;
    } else {
      if (lo < b[i + MIN]!) b[i + MIN] = lo;
      if (hi > b[i + MAX]!) b[i + MAX] = hi;
    }
    b[i + LAST] = hi;
    b[i + COUNT]! += 1;
    return i;
  }

  /** The bucket of time t, coarsening first when t is past the last one. */
  private bucket(t: number): number {
    if (Number.isNaN(this.t0)) this.t0 = t;
    let k = Math.floor((t - this.t0) / this.width);
    if (k < 0) k = 0;
    while (k >= this.buckets) {
      this.coarsen();
      k = Math.floor((t - this.t0) / this.width);
    }
    if (k >= this.capacity) this.grow(k);
    if (k + 1 > this.used) this.used = k + 1;
    return k;
  }

  /** Allocates buckets up to k at least: doubling, up to `buckets`. */
  private grow(k: number): void {
    let c = this.capacity * 2;
    while (c <= k) c *= 2;
    c = Math.min(c, this.buckets);
    const b = new Float64Array(c * STRIDE);
    b.set(this.b);
    this.b = b;
    this.capacity = c;
  }

  /** Time at the start of bucket k. */
  time(k: number): number {
    return this.t0 + k * this.width;
  }

  /** Widens to `width` (a power-of-two multiple of the current one), e.g. to share an axis. */
  widenTo(width: number): void {
    while (this.width < width * 0.999) this.coarsen();
  }

  /** Merges buckets in pairs: bucket w takes 2w and 2w + 1 (min of mins, max of maxes, the later last, sums added). */
  private coarsen(): void {
    const b = this.b;
    // Buckets past the allocated ones are empty, as are their pairs.
    const n = this.capacity;
    for (let w = 0, r = 0; r < n; w++, r += 2) {
      const i = r * STRIDE;
      const j = i + STRIDE;
      const o = w * STRIDE;
      const a = b[i + COUNT]!;
      const c = r + 1 < n ? b[j + COUNT]! : 0;
      if (a > 0 && c > 0) {
        b[o + MIN] = Math.min(b[i + MIN]!, b[j + MIN]!);
        b[o + MAX] = Math.max(b[i + MAX]!, b[j + MAX]!);
        b[o + LAST] = b[j + LAST]!;
      } else if (c > 0) {
        b[o + MIN] = b[j + MIN]!;
        b[o + MAX] = b[j + MAX]!;
        b[o + LAST] = b[j + LAST]!;
      } else {
        b[o + MIN] = b[i + MIN]!;
        b[o + MAX] = b[i + MAX]!;
        b[o + LAST] = b[i + LAST]!;
      }
      b[o + SUM] = b[i + SUM]! + (c > 0 ? b[j + SUM]! : 0);
      b[o + FRESH] = b[i + FRESH]! + (c > 0 ? b[j + FRESH]! : 0);
      b[o + COUNT] = a + c;
    }
    b.fill(0, Math.ceil(n / 2) * STRIDE);
    this.used = Math.ceil(this.used / 2);
    this.width *= 2;
  }
}
