import type { Connection } from '../connection.js';
import { IntervalSet } from '../intervals.js';
import { HOLES, type AnalysisSink } from '../model.js';
import type { Detector, SegmentFacts } from './detector.js';

/**
 * Holes in one connection direction's data sequence, as the capture point
 * sees them (ANALYSIS.md): `next` is the lowest DSN not yet received in
 * order; data above it is held out of order; a segment starting above all
 * data seen opens a hole, which closes when `next` passes its end.
 * State is bounded by the holes open, not by the bytes.
 */
export interface HoleClosed {
  start: number;
  end: number;
  openedFrame: number;
  openedTime: number;
}

/** Numbers per open hole in HoleTracker's queue. */
const HOLE = 4;

export class HoleTracker {
  next = 1;
  /** Data above `next`, held out of order. */
  readonly ofo = new IntervalSet(1 << 15);
  /** Open holes in DSN order, from hole `head` on (a queue without O(n) shifts): start, end, frame and time of each, side by side; made when the first opens and let go when none is open (most directions never have one, and 10,000 may be open at once). */
  private h: number[] | null = null;
  private head = 0;
  /** Segments that arrived above `next` (MPTCP-level out of order). */
  ofoSegments = 0;
  /** Largest number of bytes held out of order at once. */
  maxOfo = 0;
  /** Holes dropped because too many were open at once (the oldest go, unreported). */
  dropped = 0;

  constructor(private readonly maxOpen = 1 << 15) {}

  get ofoBytes(): number {
    return this.ofo.total;
  }

  get openCount(): number {
    return this.h === null ? 0 : this.h.length / HOLE - this.head;
  }

  /**
   * A data segment [s, e). Calls `closed` for every hole that `next`
   * passes; returns true when the segment arrived out of order.
   */
  segment(s: number, e: number, frame: number, time: number, closed: (h: HoleClosed) => void): boolean {
    if (e <= this.next) return false;
    let outOfOrder = false;
    if (s > this.next) {
      outOfOrder = true;
      this.ofoSegments++;
      const top = this.ofo.count > 0 ? Math.max(this.ofo.max(), this.next) : this.next;
      if (s > top) this.open(top, s, frame, time);
      this.ofo.add(s, e);
    } else {
      this.next = e;
      // Absorb what was held and is now contiguous.
      for (let x = this.ofo.shiftIfStartsAtOrBelow(this.next); !Number.isNaN(x); x = this.ofo.shiftIfStartsAtOrBelow(this.next)) {
        if (x > this.next) this.next = x;
      }
      const h = this.h;
      if (h !== null) {
        while (this.head * HOLE < h.length && h[this.head * HOLE + 1]! <= this.next) {
          const k = this.head++ * HOLE;
          closed({ start: h[k]!, end: h[k + 1]!, openedFrame: h[k + 2]!, openedTime: h[k + 3]! });
        }
        this.compact();
      }
    }
    const held = this.ofo.total;
    if (held > this.maxOfo) this.maxOfo = held;
    return outOfOrder;
  }

  private open(start: number, end: number, frame: number, time: number): void {
    if (this.openCount >= this.maxOpen) {
      this.head++;
      this.dropped++;
    }
    const h = (this.h ??= []);
    h.push(start, end, frame, time);
    this.compact();
  }

  private compact(): void {
    const h = this.h!;
    if (this.head * HOLE === h.length) {
      this.h = null;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 * HOLE > h.length) {
      this.h = h.slice(this.head * HOLE);
      this.head = 0;
    }
  }

  /** Hands out the holes still open and forgets them. */
  drain(each: (h: HoleClosed) => void): void {
    const h = this.h;
    if (h === null) return;
    for (let k = this.head * HOLE; k < h.length; k += HOLE) each({ start: h[k]!, end: h[k + 1]!, openedFrame: h[k + 2]!, openedTime: h[k + 3]! });
    this.h = null;
    this.head = 0;
  }
}

/**
 * The hole detector: feeds each segment to its direction's HoleTracker,
 * reports holes as they close (and those still open when the connection
 * is frozen), counts them on the direction, and tells later detectors
 * whether the in-order point moved.
 */
export class HoleDetector implements Detector {
  readonly name = 'holes';
  // The segment being processed, read by the close callback (one callback, no closure per packet).
  private cur: SegmentFacts | null = null;
  private readonly onClosed = (h: HoleClosed): void => {
    const s = this.cur!;
    s.conn.dirs[s.dir].countHole(s.t - h.openedTime);
    this.sink.row(HOLES, {
      conn: s.conn.id,
      dir: s.dir,
      dsnStart: h.start,
      dsnEnd: h.end,
      openedFrame: h.openedFrame,
      openedTime: h.openedTime,
      closedFrame: s.frame,
      closedTime: s.t,
      filledBySubflow: s.sub.index,
      filledByReinjection: s.reinjected > 0,
    });
  };

  constructor(private readonly sink: AnalysisSink) {}

  segment(s: SegmentFacts): void {
    const holes = s.conn.dirs[s.dir].detectors.holes;
    const before = holes.next;
    const held = holes.ofoBytes;
    this.cur = s;
    holes.segment(s.ds, s.de, s.frame, s.t, this.onClosed);
    s.advanced = holes.next > before;
    if (holes.ofoBytes !== held && this.sink.ofo !== undefined) this.sink.ofo(s.conn.id, s.dir, s.t, holes.ofoBytes);
  }

  /** Holes still open: rows with an empty close. */
  finish(c: Connection): void {
    c.dirs.forEach((m, d) => {
      if (m.carried === 0) return;
      m.detectors.holes.drain((h) => {
        m.countHole(NaN);
        this.sink.row(HOLES, {
          conn: c.id,
          dir: d,
          dsnStart: h.start,
          dsnEnd: h.end,
          openedFrame: h.openedFrame,
          openedTime: h.openedTime,
          closedFrame: -1,
          closedTime: NaN,
          filledBySubflow: -1,
          filledByReinjection: false,
        });
      });
    });
  }
}
