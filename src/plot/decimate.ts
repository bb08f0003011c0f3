/**
 * A time series thinned as it grows (plots draw a few points per pixel
 * column, whatever the trace length): values fall into at most `buckets`
 * time buckets, each keeping the min, max, sum and last value; when time
 * runs past the last bucket, neighbouring buckets merge in pairs and the
 * width doubles. Fixed memory; times are seconds relative to the
 * analysis's base.
 */
export class Decimated {
  t0 = NaN;
  width: number;
  /** Buckets in use (the last one holding the latest time). */
  used = 0;
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly sum: Float64Array;
  readonly last: Float64Array;
  readonly count: Float64Array;
  /**
   * With `fresh`: a second sum per bucket, taken with addSpan (the bytes
   * new to the connection among a segment's DSNs: goodput), so one bucket
   * lookup serves both a subflow's DSN plot and its goodput.
   */
  readonly fresh: Float64Array | null;

  constructor(
    readonly buckets = 1024,
    width = 0.001,
    fresh = false,
  ) {
    this.width = width;
    this.fresh = fresh ? new Float64Array(buckets) : null;
    this.min = new Float64Array(buckets);
    this.max = new Float64Array(buckets);
    this.sum = new Float64Array(buckets);
    this.last = new Float64Array(buckets);
    this.count = new Float64Array(buckets);
  }

  /** Starts the buckets at `t0` (to align several series), if not started. */
  start(t0: number): void {
    if (Number.isNaN(this.t0)) this.t0 = t0;
  }

  /** Adds a value at time t: min, max and last keep it, sum adds it. */
  add(t: number, v: number): void {
    const k = this.bucket(t);
    this.extend(k, v, v);
    this.sum[k]! += v;
    this.count[k]! += 1;
  }

  /** Adds levels seen at time t (a step line's least, most and latest; sum is left alone). */
  addLevels(t: number, lo: number, hi: number, last: number): void {
    const k = this.bucket(t);
    this.extend(k, lo, hi);
    this.last[k] = last;
    this.count[k]! += 1;
  }

  /**
   * Adds a range [lo, hi) at time t (a segment's DSNs): min and max keep
   * its ends, sum adds its length, so a bucket's sum against max − min
   * tells a continuous stretch from distant ranges (drawn apart).
   */
  addSpan(t: number, lo: number, hi: number, fresh = 0): void {
    const k = this.bucket(t);
    this.extend(k, lo, hi);
    this.sum[k]! += hi - lo;
    this.count[k]! += 1;
    if (this.fresh !== null) this.fresh[k]! += fresh;
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
    if (k + 1 > this.used) this.used = k + 1;
    return k;
  }

  private extend(k: number, lo: number, hi: number): void {
    if (this.count[k] === 0) {
      this.min[k] = lo;
      this.max[k] = hi;
    } else {
      if (lo < this.min[k]!) this.min[k] = lo;
      if (hi > this.max[k]!) this.max[k] = hi;
    }
    this.last[k] = hi;
  }

  /** Time at the start of bucket k. */
  time(k: number): number {
    return this.t0 + k * this.width;
  }

  /** Widens to `width` (a power-of-two multiple of the current one), e.g. to share an axis. */
  widenTo(width: number): void {
    while (this.width < width * 0.999) this.coarsen();
  }

  private coarsen(): void {
    const n = this.buckets;
    for (let w = 0, r = 0; r < n; w++, r += 2) {
      const a = this.count[r]!;
      const b = r + 1 < n ? this.count[r + 1]! : 0;
      if (a > 0 && b > 0) {
        this.min[w] = Math.min(this.min[r]!, this.min[r + 1]!);
        this.max[w] = Math.max(this.max[r]!, this.max[r + 1]!);
        this.last[w] = this.last[r + 1]!;
      } else if (b > 0) {
        this.min[w] = this.min[r + 1]!;
        this.max[w] = this.max[r + 1]!;
        this.last[w] = this.last[r + 1]!;
      } else {
        this.min[w] = this.min[r]!;
        this.max[w] = this.max[r]!;
        this.last[w] = this.last[r]!;
      }
      this.sum[w] = this.sum[r]! + (r + 1 < n ? this.sum[r + 1]! : 0);
      if (this.fresh !== null) this.fresh[w] = this.fresh[r]! + (r + 1 < n ? this.fresh[r + 1]! : 0);
      this.count[w] = a + b;
    }
    const half = n >> 1;
    this.min.fill(0, half);
    this.max.fill(0, half);
    this.sum.fill(0, half);
    this.last.fill(0, half);
    this.count.fill(0, half);
    this.fresh?.fill(0, half);
    this.used = Math.ceil(this.used / 2);
    this.width *= 2;
  }
}
