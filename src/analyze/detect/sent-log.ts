/**
 * What each subflow sent of one connection direction's data sequence:
 * one entry per data segment (DSN range, subflow, frame, time), sorted by
 * start. A reinjection is a segment overlapping an earlier entry of
 * another subflow. Overlap searches look back as far as the longest entry
 * (at most a 64 KiB segment; usually one MSS, so one or two entries).
 * Bounded: past `capacity` entries, the lowest DSNs are forgotten.
 */
export class SentLog {
  private start: Float64Array;
  private end: Float64Array;
  private subflow: Int32Array;
  private frame: Float64Array;
  private time: Float64Array;
  count = 0;
  /** Longest entry so far: how far back an overlap can start. */
  private span = 0;
  /** Entries forgotten to stay within capacity. */
  evicted = 0;

  // Results of the last `overlaps` call.
  /** Earlier frames of other subflows that hold part of the range, in frame order. */
  readonly frames: number[] = [];
  firstFrame = 0;
  firstSubflow = -1;
  firstTime = 0;
  /** Bytes of the range already sent on other subflows. */
  otherBytes = 0;

  constructor(
    private readonly capacity = 1 << 17,
    initial = 256,
  ) {
    this.start = new Float64Array(initial);
    this.end = new Float64Array(initial);
    this.subflow = new Int32Array(initial);
    this.frame = new Float64Array(initial);
    this.time = new Float64Array(initial);
  }

  /**
   * Looks for [s, e) in what other subflows than `sub` sent earlier; sets
   * the result fields and returns `otherBytes`. `maxFrames` bounds the list.
   */
  overlaps(s: number, e: number, sub: number, maxFrames: number): number {
    this.frames.length = 0;
    this.firstSubflow = -1;
    this.otherBytes = 0;
    let i = this.lowerBound(s - this.span);
    let cur = s;
    let firstT = Infinity;
    for (; i < this.count; i++) {
      const a = this.start[i]!;
      if (a >= e) break;
      const b = this.end[i]!;
      if (b <= s || this.subflow[i] === sub) continue;
      const lo = a > cur ? a : cur;
      const hi = b < e ? b : e;
      if (hi > lo) {
        this.otherBytes += hi - lo;
        cur = hi;
      }
      const fr = this.frame[i]!;
      if (this.time[i]! < firstT || (this.time[i] === firstT && fr < this.firstFrame)) {
        firstT = this.time[i]!;
        this.firstFrame = fr;
        this.firstSubflow = this.subflow[i]!;
        this.firstTime = firstT;
      }
      if (!this.frames.includes(fr)) this.frames.push(fr);
    }
    if (this.frames.length > 1) this.frames.sort((x, y) => x - y);
    if (this.frames.length > maxFrames) this.frames.length = maxFrames;
    return this.otherBytes;
  }

  add(s: number, e: number, sub: number, frame: number, time: number): void {
    if (this.count === this.capacity) this.forgetLowest(this.capacity >> 3);
    if (this.count === this.start.length) this.grow();
    let i = this.count;
    if (i > 0 && this.start[i - 1]! > s) i = this.upperBound(s);
    if (i < this.count) {
      this.start.copyWithin(i + 1, i, this.count);
      this.end.copyWithin(i + 1, i, this.count);
      this.subflow.copyWithin(i + 1, i, this.count);
      this.frame.copyWithin(i + 1, i, this.count);
      this.time.copyWithin(i + 1, i, this.count);
    }
    this.start[i] = s;
    this.end[i] = e;
    if (e - s > this.span) this.span = e - s;
    this.subflow[i] = sub;
    this.frame[i] = frame;
    this.time[i] = time;
    this.count++;
  }

  /** Forgets entries that end at or below `dsn` and were sent before `before` (acknowledged long ago). */
  prune(dsn: number, before: number): void {
    let k = 0;
    while (k < this.count && this.end[k]! <= dsn && this.time[k]! < before) k++;
    if (k > 0) this.drop(k);
  }

  private forgetLowest(n: number): void {
    this.evicted += n;
    this.drop(n);
  }

  private drop(k: number): void {
    this.start.copyWithin(0, k, this.count);
    this.end.copyWithin(0, k, this.count);
    this.subflow.copyWithin(0, k, this.count);
    this.frame.copyWithin(0, k, this.count);
    this.time.copyWithin(0, k, this.count);
    this.count -= k;
  }

  /** First index with start >= x. */
  private lowerBound(x: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (this.start[m]! < x) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  /** First index with start > x. */
  private upperBound(x: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (this.start[m]! <= x) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  private grow(): void {
    const n = Math.min(this.capacity, this.start.length * 2);
    const g = <T extends Float64Array | Int32Array>(a: T, m: T): T => {
      m.set(a);
      return m;
    };
    this.start = g(this.start, new Float64Array(n));
    this.end = g(this.end, new Float64Array(n));
    this.subflow = g(this.subflow, new Int32Array(n));
    this.frame = g(this.frame, new Float64Array(n));
    this.time = g(this.time, new Float64Array(n));
  }
}
