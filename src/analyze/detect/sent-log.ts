/**
 * What each subflow sent of one connection direction's data sequence:
 * one entry per data segment (DSN range, subflow, frame, time), sorted by
 * start, in a deque (forgetting the oldest costs nothing). A reinjection
 * is a segment overlapping an earlier entry of another subflow. Overlap
 * searches look back as far as the longest entry (at most a 64 KiB
 * segment; usually one MSS, so one or two entries). Bounded: past
 * `capacity` entries, the lowest DSNs are forgotten (counted).
 */
export class SentLog {
  private start: Float64Array;
  private end: Float64Array;
  private subflow: Int32Array;
  private frame: Float64Array;
  private time: Float64Array;
  /** Live entries are [head, tail). */
  private head = 0;
  private tail = 0;
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
    private readonly capacity = 1 << 15,
    initial = 16,
  ) {
    this.start = new Float64Array(initial);
    this.end = new Float64Array(initial);
    this.subflow = new Int32Array(initial);
    this.frame = new Float64Array(initial);
    this.time = new Float64Array(initial);
  }

  get count(): number {
    return this.tail - this.head;
  }

  /**
   * Looks for [s, e) in what other subflows than `sub` sent earlier; sets
   * the result fields and returns `otherBytes`. `maxFrames` bounds the list.
   */
  overlaps(s: number, e: number, sub: number, maxFrames: number): number {
    this.frames.length = 0;
    this.firstSubflow = -1;
    this.otherBytes = 0;
    let cur = s;
    let firstT = Infinity;
    for (let i = this.lowerBound(s - this.span); i < this.tail; i++) {
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
      const ti = this.time[i]!;
      if (ti < firstT || (ti === firstT && fr < this.firstFrame)) {
        firstT = ti;
        this.firstFrame = fr;
        this.firstSubflow = this.subflow[i]!;
        this.firstTime = ti;
      }
      if (!this.frames.includes(fr)) this.frames.push(fr);
    }
    if (this.frames.length > 1) this.frames.sort((x, y) => x - y);
    if (this.frames.length > maxFrames) this.frames.length = maxFrames;
    return this.otherBytes;
  }

  add(s: number, e: number, sub: number, frame: number, time: number): void {
    if (this.count === this.capacity) {
      this.head++;
      this.evicted++;
    }
    if (this.tail === this.start.length) this.makeRoom();
    const i = this.tail > this.head && this.start[this.tail - 1]! > s ? this.upperBound(s) : this.tail;
    if (i < this.tail) {
      this.start.copyWithin(i + 1, i, this.tail);
      this.end.copyWithin(i + 1, i, this.tail);
      this.subflow.copyWithin(i + 1, i, this.tail);
      this.frame.copyWithin(i + 1, i, this.tail);
      this.time.copyWithin(i + 1, i, this.tail);
    }
    this.start[i] = s;
    this.end[i] = e;
    if (e - s > this.span) this.span = e - s;
    this.subflow[i] = sub;
    this.frame[i] = frame;
    this.time[i] = time;
    this.tail++;
  }

  /** Forgets entries that end at or below `dsn` and were sent before `before` (acknowledged long ago). */
  prune(dsn: number, before: number): void {
    while (this.head < this.tail && this.end[this.head]! <= dsn && this.time[this.head]! < before) this.head++;
  }

  /** First index with start >= x. */
  private lowerBound(x: number): number {
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (this.start[m]! < x) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  /** First index with start > x. */
  private upperBound(x: number): number {
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (this.start[m]! <= x) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  /** Moves the live entries to the front, growing the arrays when they are mostly full. */
  private makeRoom(): void {
    const n = this.count;
    const size = n * 2 > this.start.length ? Math.min(this.capacity + 1, this.start.length * 2) : this.start.length;
    const move = <T extends Float64Array | Int32Array>(a: T, fresh: T): T => {
      if (fresh === a) a.copyWithin(0, this.head, this.tail);
      else fresh.set(a.subarray(this.head, this.tail));
      return fresh;
    };
    const same = size === this.start.length;
    this.start = move(this.start, same ? this.start : new Float64Array(size));
    this.end = move(this.end, same ? this.end : new Float64Array(size));
    this.subflow = move(this.subflow, same ? this.subflow : new Int32Array(size));
    this.frame = move(this.frame, same ? this.frame : new Float64Array(size));
    this.time = move(this.time, same ? this.time : new Float64Array(size));
    this.head = 0;
    this.tail = n;
  }
}
