import { SortedRecords } from '../sorted-records.js';

/**
 * What each subflow sent of one connection direction's data sequence: one
 * entry per data segment (DSN range, frame, time), in a table per subflow
 * sorted by start (a SortedRecords lane). A reinjection is a segment
 * overlapping an earlier entry of another subflow. Overlap searches look
 * back as far as the longest entry (at most a 64 KiB segment; usually one
 * MSS, so one or two entries).
 *
 * A table per subflow, because each subflow sends its DSNs in order: its
 * entries are appended. In one table for all, a slower subflow's segments,
 * sent hundreds of segments behind the faster one's, were each inserted by
 * moving every entry after them (on a 1 GB two-subflow download, 184,000
 * inserts moved 17 to 256 entries, 6,000 more). Pruning and the bound keep
 * the one table's order: by start, then by arrival.
 */
const W = 5; // start, end, frame, time, arrival
const START = 0;
const END = 1;
const FRAME = 2;
const TIME = 3;
const ARRIVAL = 4;

/** Where each lane's scan is in `overlaps` (-1: not scanned): scratch shared by every log, as no two searches run at once. */
const CURSORS: number[] = [];

/** One subflow's entries. */
class Lane extends SortedRecords {
  constructor(capacity: number, initial: number) {
    super(W, capacity, initial);
  }

  put(s: number, e: number, frame: number, time: number, arrival: number): void {
    const o = this.slot(s) * W;
    const x = this.r;
    x[o + START] = s;
    x[o + END] = e;
    x[o + FRAME] = frame;
    x[o + TIME] = time;
    x[o + ARRIVAL] = arrival;
  }

  /** First entry that may hold bytes at or after `from`. */
  from(from: number): number {
    return this.lowerBound(from);
  }

  get first(): number {
    return this.head;
  }

  get end(): number {
    return this.tail;
  }

  at(i: number, field: number): number {
    return this.r[i * W + field]!;
  }

  /** The entry first in the one table's order (start, then arrival), among lanes that hold one: its key compared. */
  before(other: Lane): boolean {
    const a = this.r[this.head * W + START]!;
    const b = other.r[other.head * W + START]!;
    return a < b || (a === b && this.r[this.head * W + ARRIVAL]! < other.r[other.head * W + ARRIVAL]!);
  }

  dropFirst(): void {
    this.head++;
  }
}

export class SentLog {
  private lanes: Array<Lane | undefined> = [];
  private total = 0;
  private arrivals = 0;
  /** Entries forgotten to stay within capacity. */
  evicted = 0;
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

  constructor(
    private readonly capacity = 1 << 15,
    private readonly initial = 2,
  ) {}

  get count(): number {
    return this.total;
  }

  /**
   * Looks for [s, e) in what other subflows than `sub` sent earlier; sets
   * the result fields and returns `otherBytes`. `maxFrames` bounds the list.
   */
  overlaps(s: number, e: number, sub: number, maxFrames: number): number {
    this.firstSubflow = -1;
    this.otherBytes = 0;
    // Setting an array's length is a call into the runtime: only when there is a list to clear (after a reinjection).
    if (this.frames.length !== 0) this.frames.length = 0;
    // Most calls are for new data: answered at once.
    if (s >= this.maxEnd) return 0;
    // Bytes already counted reach `cur`; the entries overlapping [s, e) come in start order across the lanes, so their union is counted once.
    let cur = s;
    let firstT = Infinity;
    const lanes = this.lanes;
    const at = CURSORS;
    for (let l = 0; l < lanes.length; l++) at[l] = l === sub || lanes[l] === undefined ? -1 : lanes[l]!.from(s - this.span);
    for (;;) {
      // The lane whose next entry starts first (ties: any; the union, the earliest and the frame list do not depend on it).
      let best = -1;
      let bestStart = e;
      for (let l = 0; l < lanes.length; l++) {
        const i = at[l]!;
        if (i < 0) continue;
        const lane = lanes[l]!;
        if (i >= lane.end) continue;
        const a = lane.at(i, START);
        if (a < bestStart) {
          bestStart = a;
          best = l;
        }
      }
      if (best < 0) break;
      const lane = lanes[best]!;
      const i = at[best]!++;
      const b = lane.at(i, END);
      if (b <= s) continue;
      const lo = bestStart > cur ? bestStart : cur;
      const hi = b < e ? b : e;
      if (hi > lo) {
        this.otherBytes += hi - lo;
        cur = hi;
      }
      const fr = lane.at(i, FRAME);
      const ti = lane.at(i, TIME);
      if (ti < firstT || (ti === firstT && fr < this.firstFrame)) {
        firstT = ti;
        this.firstFrame = fr;
        this.firstSubflow = best;
        this.firstTime = ti;
      }
      if (!this.frames.includes(fr)) this.frames.push(fr);
    }
    if (this.frames.length > 1) this.frames.sort((p, q) => p - q);
    if (this.frames.length > maxFrames) this.frames.length = maxFrames;
    return this.otherBytes;
  }

  add(s: number, e: number, sub: number, frame: number, time: number): void {
    if (this.total === this.capacity) {
      // As one table would: forget the first eighth, in start order.
      const k = this.capacity >> 3 || 1;
      for (let n = 0; n < k; n++) this.leadingLane()!.dropFirst();
      this.total -= k;
      this.evicted += k;
    }
    // An empty array's first push makes room for 17 (136 bytes): most directions have one or two subflows, and 10,000 may be open at once.
    if (this.lanes.length === 0) this.lanes = new Array<Lane | undefined>(sub + 1).fill(undefined);
    while (this.lanes.length <= sub) this.lanes.push(undefined);
    const lane = (this.lanes[sub] ??= new Lane(this.capacity, this.initial));
    lane.put(s, e, frame, time, this.arrivals++);
    this.total++;
    if (e - s > this.span) this.span = e - s;
    if (e > this.maxEnd) this.maxEnd = e;
  }

  /** Forgets entries that end at or below `dsn` and were sent before `before` (acknowledged long ago), from the first in start order, up to the first that must stay. */
  prune(dsn: number, before: number): void {
    for (let lane = this.leadingLane(); lane !== null; lane = this.leadingLane()) {
      const h = lane.first;
      if (lane.at(h, END) > dsn || lane.at(h, TIME) >= before) return;
      lane.dropFirst();
      this.total--;
    }
  }

  /** The lane holding the first entry in start order, or null when there is none. */
  private leadingLane(): Lane | null {
    let best: Lane | null = null;
    for (const lane of this.lanes) if (lane !== undefined && lane.count > 0 && (best === null || lane.before(best))) best = lane;
    return best;
  }
}
