import type { EventRow, HandoverRow, HoleRow } from '../analyze/model.js';
import { Decimated } from './decimate.js';

/**
 * The time a zoom spans around a handover at time t with stall s: from
 * t - (0.25 + s) to t + (0.5 + 2 s), at most 10 s before and 20 s after.
 * The stall sets the scale: a switch that stalled 200 ms is drawn over a
 * second or so, one after a 10 s timeout over half a minute.
 */
export function zoomSpan(t: number, stall: number): { from: number; to: number } {
  return { from: t - Math.min(10, 0.25 + stall), to: t + Math.min(20, 0.5 + 2 * stall) };
}
/** Time buckets across a zoom (a few milliseconds each: single packets show). */
const ZOOM_BUCKETS = 1024;
/** Marks kept per zoom. */
const MAX_MARKS = 500;
const MAX_HOLES = 300;
const MAX_EVENTS = 40;
/** Runs of segments and data ACKs a direction remembers (512 kB; a power of two). */
const RECENT = 16384;
/** Tag of a data ACK in Recent; a segment's tag is its subflow, plus REINJECTED for a reinjection. */
const ACK = -1;
const REINJECTED = 1 << 12;

/**
 * The last RECENT segments and data ACKs of a direction of a connection
 * with several subflows: a handover is known only once the new subflow
 * has held the data for a while, and its zoom must start before it began.
 */
export class Recent {
  /** Entry i at e[4 i ...]: time, a (DSN start or ACK), b (DSN end), tag; side by side, one cache line per two entries. */
  private readonly e = new Float64Array(RECENT * 4);
  private n = 0;

  segment(t: number, dsnStart: number, dsnEnd: number, subflow: number, reinjection: boolean): void {
    this.put(t, dsnStart, dsnEnd, subflow + (reinjection ? REINJECTED : 0));
  }

  ack(t: number, ack: number): void {
    this.put(t, ack, 0, ACK);
  }

  private put(t: number, a: number, b: number, tag: number): void {
    const k = (this.n++ & (RECENT - 1)) * 4;
    const e = this.e;
    e[k] = t;
    e[k + 1] = a;
    e[k + 2] = b;
    e[k + 3] = tag;
  }

  /**
   * Hands the entries from time `from` on to the zoom, oldest first, after
   * the data ACK in force at `from` (only new ACK values are kept); the
   * zoom learns how far back they reach.
   */
  replay(from: number, z: Zoom): void {
    const e = this.e;
    const at = (i: number): number => (i & (RECENT - 1)) * 4;
    const first = Math.max(0, this.n - RECENT);
    if (this.n > RECENT && e[at(first)]! > from) z.keptFrom = e[at(first)]!;
    // Up to `from`: only the data ACK in force there, drawn at the zoom's edge.
    let i = first;
    let before = NaN;
    for (; i < this.n && e[at(i)]! < from; i++) if (e[at(i) + 3] === ACK) before = e[at(i) + 1]!;
    if (!Number.isNaN(before)) z.ack(from, before);
    // From there (a later entry a little earlier in time, as captures have, is left out by the zoom's span).
    for (; i < this.n; i++) {
      const k = at(i);
      const tag = e[k + 3]!;
      if (tag === ACK) z.ack(e[k]!, e[k + 1]!);
      else z.segment(e[k]!, e[k + 1]!, e[k + 2]!, tag & (REINJECTED - 1), tag >= REINJECTED);
    }
  }
}

/**
 * One handover seen close up: the direction's segments, data ACKs,
 * reinjections, holes and events from a little before the switch to a
 * little after, in buckets of a few milliseconds.
 */
export class Zoom {
  readonly dsn: Decimated[] = [];
  readonly acks: Decimated;
  readonly reinjections: number[] = [];
  reinjectionsLeftOut = 0;
  readonly holes: HoleRow[] = [];
  holesLeftOut = 0;
  readonly events: EventRow[] = [];
  /** Later than `from` when the direction's recent segments did not reach back so far (a fast link). */
  keptFrom: number;

  constructor(
    readonly handover: HandoverRow,
    /** The connection's handover number (0 for its first), naming the file. */
    readonly number: number,
    readonly from: number,
    readonly to: number,
  ) {
    this.keptFrom = from;
    this.acks = this.decimated();
  }

  private decimated(): Decimated {
    const d = new Decimated(ZOOM_BUCKETS, (this.to - this.from) / ZOOM_BUCKETS);
    d.start(this.from);
    return d;
  }

  covers(t: number): boolean {
    return t >= this.from && t < this.to;
  }

  segment(t: number, dsnStart: number, dsnEnd: number, subflow: number, reinjection: boolean): void {
    if (!this.covers(t)) return;
    while (this.dsn.length <= subflow) this.dsn.push(this.decimated());
    const s = this.dsn[subflow]!;
    s.addSpan(t, dsnStart, dsnEnd);
    if (!reinjection) return;
    if (this.reinjections.length < 2 * MAX_MARKS) this.reinjections.push(t, dsnStart);
    else this.reinjectionsLeftOut++;
  }

  ack(t: number, ack: number): void {
    if (this.covers(t)) this.acks.add(t, ack);
  }

  /** The data ACK `ack` held until t: drawn at t, or in the last bucket when t is past the zoom. */
  ackUntil(t: number, ack: number): void {
    this.ack(Math.min(t, this.from + (ZOOM_BUCKETS - 0.5) * this.acks.width), ack);
  }

  hole(h: HoleRow): void {
    if (h.openedTime >= this.to || (!Number.isNaN(h.closedTime) && h.closedTime < this.from)) return;
    if (this.holes.length < MAX_HOLES) this.holes.push(h);
    else this.holesLeftOut++;
  }

  event(e: EventRow): void {
    if (this.covers(e.time) && this.events.length < MAX_EVENTS) this.events.push(e);
  }
}
