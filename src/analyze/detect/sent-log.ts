import { SortedRecords } from '../sorted-records.js';

/**
 * What each subflow sent of one connection direction's data sequence:
 * one entry per data segment (DSN range, subflow, frame, time), sorted by
 * start (a SortedRecords table). A reinjection is a segment
 * overlapping an earlier entry of another subflow. Overlap searches look
 * back as far as the longest entry (at most a 64 KiB segment; usually one
 * MSS, so one or two entries).
 */
const W = 5; // start, end, subflow, frame, time
const START = 0;
const END = 1;
const SUB = 2;
const FRAME = 3;
const TIME = 4;

export class SentLog extends SortedRecords {
  /** Longest entry so far: how far back an overlap can start. */
  private span = 0;
  /** Highest end of any entry ever added: data beyond it is new (the common case, answered at once). */
  private maxEnd = -Infinity;

  // Results of the last `overlaps` call.
  /** Earlier frames of other subflows that hold part of the range, in frame order. */
  readonly frames: number[] = [];
  firstFrame = 0;
  firstSubflow = -1;
  firstTime = 0;
  /** Bytes of the range already sent on other subflows. */
  otherBytes = 0;

  constructor(capacity = 1 << 15, initial = 2) {
    super(W, capacity, initial);
  }

  /**
   * Looks for [s, e) in what other subflows than `sub` sent earlier; sets
   * the result fields and returns `otherBytes`. `maxFrames` bounds the list.
   */
  overlaps(s: number, e: number, sub: number, maxFrames: number): number {
    this.firstSubflow = -1;
    this.otherBytes = 0;
    // Most calls are for new data: answered before anything else (setting an array's length is a call into the runtime).
    if (s >= this.maxEnd) {
      if (this.frames.length !== 0) this.frames.length = 0;
      return 0;
    }
    this.frames.length = 0;
    const x = this.r;
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
    const o = this.slot(s) * W;
    const x = this.r;
    x[o + START] = s;
    x[o + END] = e;
    x[o + SUB] = sub;
    x[o + FRAME] = frame;
    x[o + TIME] = time;
    if (e - s > this.span) this.span = e - s;
    if (e > this.maxEnd) this.maxEnd = e;
  }

  /** Forgets entries that end at or below `dsn` and were sent before `before` (acknowledged long ago). */
  prune(dsn: number, before: number): void {
    const x = this.r;
    while (this.head < this.tail && x[this.head * W + END]! <= dsn && x[this.head * W + TIME]! < before) this.head++;
  }
}
