/**
 * A set of disjoint half-open ranges [start, end) of Numbers, kept sorted
 * in one typed array (start, end interleaved; allocated on first use, so
 * an empty set costs nothing). Built for data that arrives mostly in
 * order: appending at the end or merging into the last range is O(1); an
 * insertion in the middle shifts only the ranges after it. Memory follows
 * the number of gaps, not of bytes; past `capacity` ranges, neighbours
 * are merged in pairs (the set then over-approximates, and `merged`
 * counts it).
 */
const NONE = new Float64Array(0);

export class IntervalSet {
  /** [start0, end0, start1, end1, ...]: 2 × count used. */
  private r: Float64Array = NONE;
  count = 0;
  /** Sum of the lengths of the ranges. */
  total = 0;
  /** Ranges merged together because of the capacity. */
  merged = 0;

  constructor(
    private readonly capacity = 1 << 16,
    private readonly initial = 4,
  ) {}

  start(i: number): number {
    return this.r[2 * i]!;
  }

  end(i: number): number {
    return this.r[2 * i + 1]!;
  }

  /** Highest end, or -Infinity when empty. */
  max(): number {
    return this.count === 0 ? -Infinity : this.r[2 * this.count - 1]!;
  }

  min(): number {
    return this.count === 0 ? Infinity : this.r[0]!;
  }

  /** Bytes of [s, e) already in the set. */
  covered(s: number, e: number): number {
    const r = this.r;
    let n = 0;
    for (let i = this.firstEndingAfter(s); i < this.count; i++) {
      const a = r[2 * i]!;
      if (a >= e) break;
      const b = r[2 * i + 1]!;
      n += (b < e ? b : e) - (a > s ? a : s);
    }
    return n;
  }

  /** Adds [s, e); returns how many of its bytes were new. */
  add(s: number, e: number): number {
    if (e <= s) return 0;
    const n = this.count;
    const r = this.r;
    // Fast paths: beyond the last range, or extending it.
    if (n === 0 || s > r[2 * n - 1]!) {
      this.insert(n, s, e);
      return e - s;
    }
    if (s >= r[2 * n - 2]!) {
      const last = r[2 * n - 1]!;
      if (e <= last) return 0;
      r[2 * n - 1] = e;
      this.total += e - last;
      return e - last;
    }
    // General case: ranges i..j-1 touch or overlap [s, e); they become one.
    const i = this.firstEndingAtOrAfter(s);
    let j = i;
    while (j < n && r[2 * j]! <= e) j++;
    if (j === i) {
      this.insert(i, s, e);
      return e - s;
    }
    const had = this.covered(s, e);
    const ns = Math.min(s, r[2 * i]!);
    const ne = Math.max(e, r[2 * j - 1]!);
    for (let k = i; k < j; k++) this.total -= r[2 * k + 1]! - r[2 * k]!;
    r[2 * i] = ns;
    r[2 * i + 1] = ne;
    this.removeRange(i + 1, j);
    this.total += ne - ns;
    return e - s - had;
  }

  /** Removes and returns the end of the first range if it starts at or below `x` (in-order consumption), else NaN. */
  shiftIfStartsAtOrBelow(x: number): number {
    if (this.count === 0 || this.r[0]! > x) return NaN;
    const e = this.r[1]!;
    this.total -= e - this.r[0]!;
    this.removeRange(0, 1);
    return e;
  }

  clear(): void {
    this.count = 0;
    this.total = 0;
  }

  /** First index whose end is >= s (ranges that touch s merge with it). */
  private firstEndingAtOrAfter(s: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.r[2 * mid + 1]! < s) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private firstEndingAfter(s: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.r[2 * mid + 1]! <= s) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private insert(i: number, s: number, e: number): void {
    if (this.count === this.capacity) {
      this.squeeze();
      this.add(s, e);
      return;
    }
    if (2 * this.count === this.r.length) {
      const grown = new Float64Array(Math.min(2 * this.capacity, Math.max(2 * this.initial, this.r.length * 2)));
      grown.set(this.r);
      this.r = grown;
    }
    const r = this.r;
    if (i < this.count) r.copyWithin(2 * i + 2, 2 * i, 2 * this.count);
    r[2 * i] = s;
    r[2 * i + 1] = e;
    this.count++;
    this.total += e - s;
  }

  private removeRange(i: number, j: number): void {
    this.r.copyWithin(2 * i, 2 * j, 2 * this.count);
    this.count -= j - i;
  }

  /**
   * At capacity: merge every pair of neighbours, halving the count (one
   * O(n) pass per n/2 additions, so adding stays O(1) amortised). The set
   * then covers the gaps between merged pairs too; `merged` counts them.
   */
  private squeeze(): void {
    const r = this.r;
    let w = 0;
    for (let k = 0; k < this.count; k += 2, w++) {
      const s = r[2 * k]!;
      let e = r[2 * k + 1]!;
      if (k + 1 < this.count) {
        this.total += r[2 * k + 2]! - e;
        e = r[2 * k + 3]!;
        this.merged++;
      }
      r[2 * w] = s;
      r[2 * w + 1] = e;
    }
    this.count = w;
  }
}
