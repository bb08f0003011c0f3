/**
 * A set of disjoint half-open ranges [start, end) of Numbers, kept sorted
 * in typed arrays. Built for data that arrives mostly in order: appending
 * at the end or merging into the last range is O(1); an insertion in the
 * middle shifts only the ranges after it. Memory follows the number of
 * gaps, not of bytes; past `capacity` ranges the two closest ones are
 * merged (the set then over-approximates, and `merged` counts it).
 */
export class IntervalSet {
  private starts: Float64Array;
  private ends: Float64Array;
  count = 0;
  /** Sum of the lengths of the ranges. */
  total = 0;
  /** Times the capacity forced two ranges together. */
  merged = 0;

  constructor(
    private readonly capacity = 1 << 16,
    initial = 8,
  ) {
    this.starts = new Float64Array(initial);
    this.ends = new Float64Array(initial);
  }

  start(i: number): number {
    return this.starts[i]!;
  }

  end(i: number): number {
    return this.ends[i]!;
  }

  /** Highest end, or -Infinity when empty. */
  max(): number {
    return this.count === 0 ? -Infinity : this.ends[this.count - 1]!;
  }

  min(): number {
    return this.count === 0 ? Infinity : this.starts[0]!;
  }

  /** Bytes of [s, e) already in the set. */
  covered(s: number, e: number): number {
    let n = 0;
    for (let i = this.firstEndingAfter(s); i < this.count; i++) {
      const a = this.starts[i]!;
      if (a >= e) break;
      const b = this.ends[i]!;
      n += (b < e ? b : e) - (a > s ? a : s);
    }
    return n;
  }

  /** Adds [s, e); returns how many of its bytes were new. */
  add(s: number, e: number): number {
    if (e <= s) return 0;
    const n = this.count;
    // Fast paths: beyond the last range, or extending it.
    if (n === 0 || s > this.ends[n - 1]!) {
      this.push(s, e);
      this.total += e - s;
      return e - s;
    }
    if (s >= this.starts[n - 1]!) {
      const last = this.ends[n - 1]!;
      if (e <= last) return 0;
      this.ends[n - 1] = e;
      this.total += e - last;
      return e - last;
    }
    // General case: ranges i..j-1 touch or overlap [s, e); they become one.
    const i = this.firstEndingAtOrAfter(s);
    let j = i;
    while (j < n && this.starts[j]! <= e) j++;
    if (j === i) {
      if (this.count === this.capacity) {
        this.squeeze();
        return this.add(s, e);
      }
      this.grow();
      this.starts.copyWithin(i + 1, i, this.count);
      this.ends.copyWithin(i + 1, i, this.count);
      this.starts[i] = s;
      this.ends[i] = e;
      this.count++;
      this.total += e - s;
      return e - s;
    }
    const had = this.covered(s, e);
    const ns = Math.min(s, this.starts[i]!);
    const ne = Math.max(e, this.ends[j - 1]!);
    this.total -= this.sumRange(i, j);
    this.starts[i] = ns;
    this.ends[i] = ne;
    this.removeRange(i + 1, j);
    this.total += ne - ns;
    return e - s - had;
  }

  /** Removes everything below `x` (ranges are cut at x). */
  dropBelow(x: number): void {
    let k = 0;
    while (k < this.count && this.ends[k]! <= x) {
      this.total -= this.ends[k]! - this.starts[k]!;
      k++;
    }
    if (k > 0) this.removeRange(0, k);
    if (this.count > 0 && this.starts[0]! < x) {
      this.total -= x - this.starts[0]!;
      this.starts[0] = x;
    }
  }

  /** Removes and returns the first range if it starts at or below `x` (for in-order consumption). */
  shiftIfStartsAtOrBelow(x: number): number {
    if (this.count === 0 || this.starts[0]! > x) return NaN;
    const e = this.ends[0]!;
    this.total -= e - this.starts[0]!;
    this.removeRange(0, 1);
    return e;
  }

  clear(): void {
    this.count = 0;
    this.total = 0;
  }

  private sumRange(i: number, j: number): number {
    let t = 0;
    for (let k = i; k < j; k++) t += this.ends[k]! - this.starts[k]!;
    return t;
  }

  /** First index whose end is >= s (ranges that touch s merge with it). */
  private firstEndingAtOrAfter(s: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ends[mid]! < s) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private firstEndingAfter(s: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ends[mid]! <= s) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private push(s: number, e: number): void {
    if (this.count === this.capacity) this.squeeze();
    this.grow();
    this.starts[this.count] = s;
    this.ends[this.count] = e;
    this.count++;
  }

  private removeRange(i: number, j: number): void {
    this.starts.copyWithin(i, j, this.count);
    this.ends.copyWithin(i, j, this.count);
    this.count -= j - i;
  }

  private grow(): void {
    if (this.count < this.starts.length) return;
    const size = Math.min(this.capacity, this.starts.length * 2);
    const s = new Float64Array(size);
    const e = new Float64Array(size);
    s.set(this.starts);
    e.set(this.ends);
    this.starts = s;
    this.ends = e;
  }

  /** At capacity: merge the pair of neighbours with the smallest gap between them. */
  private squeeze(): void {
    let best = 0;
    let gap = Infinity;
    for (let k = 0; k + 1 < this.count; k++) {
      const g = this.starts[k + 1]! - this.ends[k]!;
      if (g < gap) {
        gap = g;
        best = k;
      }
    }
    this.total += gap;
    this.ends[best] = this.ends[best + 1]!;
    this.removeRange(best + 1, best + 2);
    this.merged++;
  }
}
