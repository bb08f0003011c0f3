/**
 * What each subflow sent of one connection direction's data sequence:
 * one entry per data segment (DSN range, subflow, frame, time), sorted by
 * start, in a deque over one typed array (allocated on first use;
 * forgetting the oldest costs nothing). A reinjection is a segment
 * overlapping an earlier entry of another subflow. Overlap searches look
 * back as far as the longest entry (at most a 64 KiB segment; usually one
 * MSS, so one or two entries). Bounded: past `capacity` entries, the
 * lowest DSNs are forgotten (counted).
 */
const W = 5; // start, end, subflow, frame, time
const START = 0;
const END = 1;
const SUB = 2;
const FRAME = 3;
const TIME = 4;
const NONE = new Float64Array(0);

export class SentLog {
  private e: Float64Array = NONE;
  /** Live entries are [head, tail). */
  private head = 0;
  private tail = 0;
  /** Longest entry so far: how far back an overlap can start. */
  private span = 0;
  /** Highest end of any entry ever added: data beyond it is new (the common case, answered at once). */
  private maxEnd = -Infinity;
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
    private readonly initial = 8,
  ) {}

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
    if (s >= this.maxEnd) return 0;
    const x = this.e;
    let cur = s;
    let firstT = Infinity;
    for (let i = this.lowerBound(s - this.span); i < this.tail; i++) {
      const o = i * W;
      const a = x[o + START]!;
      if (a >= e) break;
      const b = x[o + END]!;
      if (b <= s || x[o + SUB] === sub) continue;
      const lo = a > cur ? a : cur;
      const hi = b < e ? b : e;
      if (hi > lo) {
        this.otherBytes += hi - lo;
        cur = hi;
      }
      const fr = x[o + FRAME]!;
      const ti = x[o + TIME]!;
      if (ti < firstT || (ti === firstT && fr < this.firstFrame)) {
        firstT = ti;
        this.firstFrame = fr;
        this.firstSubflow = x[o + SUB]!;
        this.firstTime = ti;
      }
      if (!this.frames.includes(fr)) this.frames.push(fr);
    }
    if (this.frames.length > 1) this.frames.sort((p, q) => p - q);
    if (this.frames.length > maxFrames) this.frames.length = maxFrames;
    return this.otherBytes;
  }

  add(s: number, e: number, sub: number, frame: number, time: number): void {
    if (this.count === this.capacity) {
      // Forget an eighth at once, so that making room stays O(1) amortised.
      const k = this.capacity >> 3 || 1;
      this.head += k;
      this.evicted += k;
    }
    if (this.tail * W === this.e.length) this.makeRoom();
    const x = this.e;
    const i = this.tail > this.head && x[(this.tail - 1) * W + START]! > s ? this.upperBound(s) : this.tail;
    if (i < this.tail) x.copyWithin((i + 1) * W, i * W, this.tail * W);
    const o = i * W;
    x[o + START] = s;
    x[o + END] = e;
    x[o + SUB] = sub;
    x[o + FRAME] = frame;
    x[o + TIME] = time;
    if (e - s > this.span) this.span = e - s;
    if (e > this.maxEnd) this.maxEnd = e;
    this.tail++;
  }

  /** Forgets entries that end at or below `dsn` and were sent before `before` (acknowledged long ago). */
  prune(dsn: number, before: number): void {
    const x = this.e;
    while (this.head < this.tail && x[this.head * W + END]! <= dsn && x[this.head * W + TIME]! < before) this.head++;
  }

  /** First index with start >= v. */
  private lowerBound(v: number): number {
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (this.e[m * W + START]! < v) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  /** First index with start > v. */
  private upperBound(v: number): number {
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (this.e[m * W + START]! <= v) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  /** Moves the live entries to the front, growing the array when it is mostly full. */
  private makeRoom(): void {
    const n = this.count;
    const slots = this.e.length / W;
    if (n * 2 >= slots && slots < this.capacity) {
      const grown = new Float64Array(W * Math.min(this.capacity, Math.max(this.initial, slots * 2)));
      grown.set(this.e.subarray(this.head * W, this.tail * W));
      this.e = grown;
    } else this.e.copyWithin(0, this.head * W, this.tail * W);
    this.head = 0;
    this.tail = n;
  }
}
