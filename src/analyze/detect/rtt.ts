/**
 * MPTCP-level round-trip time (mptcptrace -r): a DSN range sent for the
 * first time → the first DATA_ACK that covers it. Karn's rule at the data
 * level: a range any of whose bytes were carried before (a reinjection, or
 * a subflow retransmission) gives no sample, and nor do ranges sent before
 * it that the same ACK covers. One sample per DATA_ACK that covers new
 * data: the most recently sent range it covers (as Wireshark's ack_rtt).
 *
 * At the capture point this measures what the data's sender sees only when
 * the capture is taken near the sender; near the receiver it is the
 * receiver's ACK delay (rtt.csv's `measures` says which, from the vantage).
 *
 * State per direction: the ranges in flight (bounded, oldest dropped) and
 * the samples (exact while few, then a log-scale histogram), so memory does
 * not grow with the connection's length.
 */
import type { Connection } from '../connection.js';
import { Table, type AnalysisSink, type Dir } from '../model.js';
import { ConnectionSlot, type Detector, type SegmentFacts } from './detector.js';
import { copyInto, doubles, noDoubles, unrollRing, type Doubles, type Numbers } from '../doubles.js';

/**
 * How a sample was taken: a subflow ACK covering a segment sent once
 * (`ack`), the echo of a segment's TCP timestamp in an ACK whose covered
 * segments were not (`tsecr`), a DATA_ACK covering a range sent once
 * (`data_ack`).
 */
export type RttMethod = 'ack' | 'tsecr' | 'data_ack';

/** One round-trip sample: the ACK (frame, time) that first covered the sampled segment (segmentFrame). */
export interface RttRow {
  conn: number;
  dir: number;
  level: 'mptcp' | 'subflow';
  method: RttMethod;
  /** The subflow that carried the sampled segment. */
  subflow: number;
  frame: number;
  segmentFrame: number;
  rtt: number;
  time: number;
}

/** rtt.csv. */
export const RTT = new Table<RttRow>('rtt', (r) => r.conn, (r) => r.time, true);

/** The one RttRow an RTT detector refills for each sample (RTT is a reused table). */
export function rttRow(): RttRow {
  return { conn: 0, dir: 0, level: 'mptcp', method: 'data_ack', subflow: 0, frame: 0, segmentFrame: 0, rtt: 0, time: 0 };
}

/** Ranges in flight remembered per direction (a window of 64 k segments is more than any path holds). */
export const MAX_IN_FLIGHT = 1 << 16;

/** Samples counted in buckets 2% wide from 1 µs to about 1000 s: percentiles to within 2%. */
const H_MIN = 1e-6;
const H_STEP = Math.log(1.02);
const H_BUCKETS = Math.ceil(Math.log(1e9) / H_STEP) + 1;

/** What a direction's samples say: exact min and max; median and p95 exact up to 256 samples, to within 2% beyond. */
export interface RttStats {
  samples: number;
  min: number;
  median: number;
  p95: number;
  max: number;
}

/**
 * A direction's samples: kept exactly while few (percentiles exact), then
 * counted in a log-scale histogram (percentiles to within 2%), so a
 * connection costs a few bytes per sample up to EXACT_SAMPLES and 4 kB at most.
 */
const EXACT_SAMPLES = 256;
/** Empty buffers shared until a first value is stored (never written: grow() makes new ones). */
const NO_SAMPLES = noDoubles();

export class RttHistogram {
  /** Made with the first sample: a connection without samples costs no buffer. */
  private exact: Doubles | null = NO_SAMPLES;
  private counts: Uint32Array | null = null;
  n = 0;
  min = Infinity;
  max = -Infinity;

  add(x: number): void {
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    if (this.exact !== null) {
      if (this.n < EXACT_SAMPLES) {
        if (this.n === this.exact.length) {
          const e = doubles(Math.max(2, this.n * 2));
          copyInto(e, 0, this.exact, 0, this.n);
          this.exact = e;
        }
        this.exact[this.n++] = x;
        return;
      }
      // Too many to keep: count them from here on.
      const kept = this.exact;
      this.exact = null;
      this.counts = new Uint32Array(H_BUCKETS);
      for (let i = 0; i < this.n; i++) this.counts[bucket(kept[i]!)]!++;
    }
    this.counts![bucket(x)]!++;
    this.n++;
  }

  /** The value below which a share q of the samples lie (nearest rank; from the histogram, the bucket's geometric middle clamped to [min, max]). */
  quantile(q: number, sorted?: Float64Array): number {
    const want = Math.max(1, Math.ceil(q * this.n));
    if (this.exact !== null) return (sorted ?? this.sorted())[want - 1]!;
    let seen = 0;
    for (let b = 0; b < H_BUCKETS; b++) {
      seen += this.counts![b]!;
      if (seen >= want) {
        const mid = b === 0 ? H_MIN : H_MIN * Math.exp((b - 0.5) * H_STEP);
        return Math.min(this.max, Math.max(this.min, mid));
      }
    }
    return this.max;
  }

  /** The exact samples in increasing order (a typed array's native numeric sort: an array's with a comparator took 0.7 µs a sample). */
  private sorted(): Float64Array {
    const s = new Float64Array(this.n);
    copyInto(s, 0, this.exact!, 0, this.n);
    return s.sort();
  }

  stats(): RttStats | null {
    if (this.n === 0) return null;
    // One sort for both percentiles.
    const sorted = this.exact === null ? undefined : this.sorted();
    return { samples: this.n, min: this.min, median: this.quantile(0.5, sorted), p95: this.quantile(0.95, sorted), max: this.max };
  }
}

function bucket(x: number): number {
  return x <= H_MIN ? 0 : Math.min(H_BUCKETS - 1, Math.floor(Math.log(x / H_MIN) / H_STEP) + 1);
}

/** A range's numbers, side by side in one array (one typed array per direction, not six: a short connection's state is mostly their headers). */
const START = 0;
const END = 1;
const TIME = 2;
const FRAME = 3;
const SUB = 4;
const OK = 5;
const STRIDE = 6;

/** Ranges a direction holds in an array of doubles before a Float64Array. */
const SMALL_IN_FLIGHT = 16;

/** Ranges sent and not yet acknowledged, in sending order: start and end DSN, time, frame, subflow, usable (Karn). */
export class InFlight {
  // A shared empty buffer until the first range (grow() replaces it): a short connection costs one buffer.
  private r: Numbers = NO_SAMPLES;
  /** Ranges the buffer holds. */
  private cap = 0;
  private head = 0;
  private size = 0;
  readonly hist = new RttHistogram();
  /** Highest end sent so far. */
  top = -Infinity;

  push(start: number, end: number, time: number, frame: number, sub: number, ok: boolean): void {
    if (this.size === this.cap) {
      if (this.size >= MAX_IN_FLIGHT) {
        this.head = (this.head + 1) % this.size;
        this.size--;
      } else this.grow();
    }
    const i = ((this.head + this.size) % this.cap) * STRIDE;
    const r = this.r;
    r[i + START] = start;
    r[i + END] = end;
    r[i + TIME] = time;
    r[i + FRAME] = frame;
    r[i + SUB] = sub;
    r[i + OK] = ok ? 1 : 0;
    this.size++;
  }

  /** Marks the ranges overlapping [s, e) as ambiguous: their bytes were carried again. */
  taint(s: number, e: number): void {
    const r = this.r;
    for (let n = this.size - 1; n >= 0; n--) {
      const i = ((this.head + n) % this.cap) * STRIDE;
      if (r[i + END]! <= s) break;
      if (r[i + START]! < e) r[i + OK] = 0;
    }
  }

  /**
   * Drops the ranges `ack` covers; returns the index of the newest one
   * covered when `ack` ends exactly there, or -1. An ACK past the end of
   * the newest range covered also covers bytes no range holds (a hole the
   * capture saw filled, below the highest sent) or part of the next range:
   * which segment it answers is not known, and it gives no sample.
   */
  cover(ack: number): number {
    const r = this.r;
    let last = -1;
    while (this.size > 0 && r[this.head * STRIDE + END]! <= ack) {
      last = this.head;
      this.head = (this.head + 1) % this.cap;
      this.size--;
    }
    return last >= 0 && r[last * STRIDE + END] === ack ? last : -1;
  }

  usable(k: number): boolean {
    return this.r[k * STRIDE + OK] === 1;
  }
  sentAt(k: number): number {
    return this.r[k * STRIDE + TIME]!;
  }
  frameAt(k: number): number {
    return this.r[k * STRIDE + FRAME]!;
  }
  subflowAt(k: number): number {
    return this.r[k * STRIDE + SUB]!;
  }

  private grow(): void {
    // From 2 ranges: most subflow directions of short connections never hold more, and a buffer is allocated per direction.
    const cap = Math.max(2, this.cap * 2);
    // An array of doubles while small (see doubles.ts); a Float64Array past that: a large array of
    // doubles sits in V8's heap, whose growth the collector then scales (+9 MB peak RSS on a long download).
    const b = cap <= SMALL_IN_FLIGHT ? doubles(cap * STRIDE) : new Float64Array(cap * STRIDE);
    unrollRing(b, this.r, this.head, this.size, this.cap, STRIDE);
    this.r = b;
    this.cap = cap;
    this.head = 0;
  }
}

/** This detector's per-connection state (one slot for every instance: see ConnectionSlot). */
const SLOT = new ConnectionSlot((): [InFlight | null, InFlight | null] => [null, null]);

export class MptcpRttDetector implements Detector {
  readonly name = 'mptcp-rtt';
  private readonly slot = SLOT;
  private readonly row = rttRow();

  constructor(private readonly sink: AnalysisSink) {}

  private dir(c: Connection, dir: Dir): InFlight {
    const s = this.slot.of(c);
    return (s[dir] ??= new InFlight());
  }

  segment(s: SegmentFacts): void {
    const f = this.dir(s.conn, s.dir);
    const clean = s.fresh === s.de - s.ds && s.firstTx <= s.ds;
    if (!clean) f.taint(s.ds, s.de);
    if (s.de > f.top) {
      f.push(Math.max(s.ds, f.top), s.de, s.t, s.frame, s.sub.index, clean);
      f.top = s.de;
    }
  }

  dataAck(c: Connection, dir: Dir, ack: number, t: number, frame: number): void {
    const s = this.slot.peek(c);
    const f = s?.[dir];
    if (!f) return;
    const k = f.cover(ack);
    if (k < 0 || !f.usable(k)) return;
    const rtt = t - f.sentAt(k);
    f.hist.add(rtt);
    const r = this.row;
    r.conn = c.id;
    r.dir = dir;
    r.level = 'mptcp';
    r.method = 'data_ack';
    r.subflow = f.subflowAt(k);
    r.frame = frame;
    r.segmentFrame = f.frameAt(k);
    r.rtt = rtt;
    r.time = t;
    this.sink.row(RTT, r);
  }

  /** The samples' figures go on the direction, for the connection's record. */
  finish(c: Connection): void {
    const s = this.slot.peek(c);
    if (s !== undefined) for (const d of [0, 1] as const) c.dirs[d].mptcpRtt = s[d]?.hist.stats() ?? null;
    this.slot.clear(c);
  }
}
