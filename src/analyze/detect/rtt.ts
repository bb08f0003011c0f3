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
export const RTT = new Table<RttRow>('rtt', (r) => r.conn, (r) => r.time);

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
const NO_SAMPLES = new Float64Array(0);
const NO_SUBFLOWS = new Int32Array(0);
const NO_FLAGS = new Uint8Array(0);

export class RttHistogram {
  /** Made with the first sample: a connection without samples costs no buffer. */
  private exact: Float64Array | null = NO_SAMPLES;
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
          const e = new Float64Array(Math.max(8, this.n * 2));
          e.set(this.exact);
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
  quantile(q: number): number {
    const want = Math.max(1, Math.ceil(q * this.n));
    if (this.exact !== null) return Float64Array.from(this.exact.subarray(0, this.n)).sort()[want - 1]!;
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

  stats(): RttStats | null {
    if (this.n === 0) return null;
    return { samples: this.n, min: this.min, median: this.quantile(0.5), p95: this.quantile(0.95), max: this.max };
  }
}

function bucket(x: number): number {
  return x <= H_MIN ? 0 : Math.min(H_BUCKETS - 1, Math.floor(Math.log(x / H_MIN) / H_STEP) + 1);
}

/** Ranges sent and not yet acknowledged, in sending order: start and end DSN, time, frame, subflow, usable (Karn). */
export class InFlight {
  // Shared empty buffers until the first range (grow() replaces them): a short connection costs no buffers.
  private start = NO_SAMPLES;
  private end = NO_SAMPLES;
  private time = NO_SAMPLES;
  private frame = NO_SAMPLES;
  private sub = NO_SUBFLOWS;
  private ok = NO_FLAGS;
  private head = 0;
  private size = 0;
  readonly hist = new RttHistogram();
  /** Highest end sent so far. */
  top = -Infinity;

  push(start: number, end: number, time: number, frame: number, sub: number, ok: boolean): void {
    if (this.size === this.end.length) {
      if (this.size >= MAX_IN_FLIGHT) {
        this.head = (this.head + 1) % this.size;
        this.size--;
      } else this.grow();
    }
    const k = (this.head + this.size) % this.end.length;
    this.start[k] = start;
    this.end[k] = end;
    this.time[k] = time;
    this.frame[k] = frame;
    this.sub[k] = sub;
    this.ok[k] = ok ? 1 : 0;
    this.size++;
  }

  /** Marks the ranges overlapping [s, e) as ambiguous: their bytes were carried again. */
  taint(s: number, e: number): void {
    for (let i = this.size - 1; i >= 0; i--) {
      const k = (this.head + i) % this.end.length;
      if (this.end[k]! <= s) break;
      if (this.start[k]! < e) this.ok[k] = 0;
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
    let last = -1;
    while (this.size > 0 && this.end[this.head]! <= ack) {
      last = this.head;
      this.head = (this.head + 1) % this.end.length;
      this.size--;
    }
    return last >= 0 && this.end[last] === ack ? last : -1;
  }

  usable(k: number): boolean {
    return this.ok[k] === 1;
  }
  sentAt(k: number): number {
    return this.time[k]!;
  }
  frameAt(k: number): number {
    return this.frame[k]!;
  }
  subflowAt(k: number): number {
    return this.sub[k]!;
  }

  private grow(): void {
    const n = Math.max(8, this.end.length * 2);
    const re = <T extends Float64Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      for (let i = 0; i < this.size; i++) b[i] = a[(this.head + i) % a.length]!;
      return b;
    };
    this.start = re(this.start, (m) => new Float64Array(m));
    this.end = re(this.end, (m) => new Float64Array(m));
    this.time = re(this.time, (m) => new Float64Array(m));
    this.frame = re(this.frame, (m) => new Float64Array(m));
    this.sub = re(this.sub, (m) => new Int32Array(m));
    this.ok = re(this.ok, (m) => new Uint8Array(m));
    this.head = 0;
  }
}

export class MptcpRttDetector implements Detector {
  readonly name = 'mptcp-rtt';
  private readonly slot = new ConnectionSlot((): [InFlight | null, InFlight | null] => [null, null]);

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
    this.sink.row(RTT, { conn: c.id, dir, level: 'mptcp', method: 'data_ack', subflow: f.subflowAt(k), frame, segmentFrame: f.frameAt(k), rtt, time: t });
  }

  /** The samples' figures go on the direction, for the connection's record. */
  finish(c: Connection): void {
    const s = this.slot.peek(c);
    if (s !== undefined) for (const d of [0, 1] as const) c.dirs[d].mptcpRtt = s[d]?.hist.stats() ?? null;
    this.slot.clear(c);
  }
}
