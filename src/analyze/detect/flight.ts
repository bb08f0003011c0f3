/**
 * Flight size (mptcptrace -F): bytes sent and not yet acknowledged, as the
 * capture point sees them, per subflow direction (highest sequence sent −
 * highest ACK of the other side) and per connection direction (highest DSN
 * sent − highest DATA_ACK). Near the data's sender it is the sender's
 * flight; near the receiver, what is on the way back as ACKs is counted
 * too little.
 *
 * A level that changes with every packet: flight.csv gets one row per
 * series per 10 ms in which it changed (the level after the last change,
 * and the least and most it held in those 10 ms), so a million-packet
 * trace writes tens of thousands of rows, not millions (a row per
 * millisecond cost a 1 GB download 0.8 s and 400 k rows).
 */
import type { Connection } from '../connection.js';
import { TCP_ACK, TCP_FIN, TCP_SYN } from '../../decode/packet.js';
import { Table, type AnalysisSink, type Dir } from '../model.js';
import { ConnectionSlot, type Detector, type SegmentFacts, type SubflowPacket } from './detector.js';

export interface FlightRow {
  conn: number;
  dir: number;
  level: 'subflow' | 'mptcp';
  /** -1 at the MPTCP level. */
  subflow: number;
  /** The last change in the bin, its frame, and the bytes in flight after it. */
  time: number;
  frame: number;
  bytes: number;
  /** The least and most in flight during the bin (from the level it started with). */
  min: number;
  max: number;
}

/** flight.csv. */
export const FLIGHT = new Table<FlightRow>('flight', (r) => r.conn, (r) => r.time, true);

/** Width of a row's time bin (s): 10 ms. */
export const FLIGHT_BIN = 1e-2;

/** One series: what was sent and acknowledged, and the bin being gathered. */
class FlightSeries {
  /** Highest end sent, and highest acknowledged (NaN until the first data: the first byte sent counts as acknowledged up to it). */
  top = NaN;
  acked = NaN;
  value = 0;
  bin = -1;
  min = 0;
  max = 0;
  time = 0;
  frame = 0;
  pending = false;

  constructor(
    readonly dir: Dir,
    readonly level: 'subflow' | 'mptcp',
    readonly subflow: number,
  ) {}

  sent(start: number, end: number): boolean {
    if (Number.isNaN(this.top)) {
      this.top = end;
      this.acked = start;
      return true;
    }
    if (end <= this.top) return false;
    this.top = end;
    return true;
  }

  ack(a: number): boolean {
    if (Number.isNaN(this.top) || a <= this.acked) return false;
    this.acked = a;
    return true;
  }
}

/** This detector's per-connection state (one slot for every instance: see ConnectionSlot). Sized for the MPTCP level and one subflow: an empty array written at index 3 would take room for 22. */
const SLOT = new ConnectionSlot((): Array<FlightSeries | undefined> => new Array<FlightSeries | undefined>(4));

export class FlightDetector implements Detector {
  readonly name = 'flight';
  /** Per connection: the MPTCP level's two series, then subflow index × 2 + direction + 2. */
  private readonly slot = SLOT;
  /** The row refilled for each bin (FLIGHT is a reused table). */
  private readonly row: FlightRow = { conn: 0, dir: 0, level: 'subflow', subflow: 0, time: 0, frame: 0, bytes: 0, min: 0, max: 0 };

  constructor(private readonly sink: AnalysisSink) {}

  tcpPacket(x: SubflowPacket): void {
    const p = x.packet;
    const flags = p.flags;
    const tcp = x.tcp;
    const all = this.slot.of(x.conn);
    const base = 2 + x.sub.index * 2;
    const consumed = tcp.len + ((flags & TCP_SYN) !== 0 ? 1 : 0) + ((flags & TCP_FIN) !== 0 ? 1 : 0);
    if (consumed > 0) {
      const s = (all[base + x.dir] ??= new FlightSeries(x.dir, 'subflow', x.sub.index));
      if (s.sent(tcp.rel, tcp.rel + consumed)) this.update(x.conn, s, x.t, x.frame);
    }
    if ((flags & TCP_ACK) === 0 || Number.isNaN(x.ack)) return;
    const r = all[base + 1 - x.dir];
    if (r !== undefined && r.ack(x.ack)) this.update(x.conn, r, x.t, x.frame);
  }

  segment(s: SegmentFacts): void {
    const all = this.slot.of(s.conn);
    const m = (all[s.dir] ??= new FlightSeries(s.dir, 'mptcp', -1));
    if (m.sent(s.ds, s.de)) this.update(s.conn, m, s.t, s.frame);
  }

  dataAck(c: Connection, dir: Dir, ack: number, t: number, frame: number): void {
    const m = this.slot.peek(c)?.[dir];
    if (m !== undefined && m.ack(ack)) this.update(c, m, t, frame);
  }

  private update(c: Connection, s: FlightSeries, t: number, frame: number): void {
    const v = Math.max(0, s.top - s.acked);
    // A tenth of a nanosecond up: a time on a bin's edge (µs and ns clocks have many) falls in the bin it starts, not below it by a rounding error.
    const bin = Math.floor(t / FLIGHT_BIN + 1e-7);
    if (bin !== s.bin) {
      if (s.pending) this.emit(c, s);
      s.bin = bin;
      s.min = s.max = s.value;
    }
    s.value = v;
    if (v < s.min) s.min = v;
    if (v > s.max) s.max = v;
    s.time = t;
    s.frame = frame;
    s.pending = true;
  }

  private emit(c: Connection, s: FlightSeries): void {
    s.pending = false;
    const r = this.row;
    r.conn = c.id;
    r.dir = s.dir;
    r.level = s.level;
    r.subflow = s.subflow;
    r.time = s.time;
    r.frame = s.frame;
    r.bytes = s.value;
    r.min = s.min;
    r.max = s.max;
    this.sink.row(FLIGHT, r);
  }

  finish(c: Connection): void {
    const all = this.slot.peek(c);
    if (all !== undefined) for (const s of all) if (s?.pending) this.emit(c, s);
    this.slot.clear(c);
  }
}
