/**
 * Subflow round-trip time (tcptrace's RTT module, Wireshark's
 * tcp.analysis.ack_rtt): a segment of sequence space (SYN and FIN count,
 * as they take a sequence number) sent for the first time → the first ACK
 * of the other direction that covers it. One sample per ACK that moves the
 * cumulative ACK forward:
 *
 * - `ack`: the ACK ends exactly where a segment the capture saw sent
 *   once ends, and no SACK block covered that segment before (Karn's rule:
 *   a retransmitted segment, or one a SACK already acknowledged, gives no
 *   sample; nor does an ACK that also covers bytes the capture saw only
 *   later, filling a hole);
 * - `tsecr`: otherwise, when timestamps are on, the ACK's TSecr echoes a
 *   TSval this direction sent: the time since the first segment that
 *   carried it (RFC 7323's RTTM, which stays right across retransmissions).
 *
 * Near the receiver of the data this is the receiver's ACK delay (the
 * subflow's `rtt.measures` says which, from the vantage). State per subflow
 * direction: the segments in flight (bounded), the last distinct TSvals
 * sent (bounded), the samples' histogram.
 */
import type { Connection } from '../connection.js';
import { TCP_ACK, TCP_FIN, TCP_SYN } from '../../decode/packet.js';
import type { AnalysisSink } from '../model.js';
import { ConnectionSlot, type Detector, type SubflowPacket } from './detector.js';
import { InFlight, RTT, rttRow } from './rtt.js';
import { doubles, noDoubles, unrollRing } from '../doubles.js';

/** Distinct TSvals remembered per direction: at Linux's 1 kHz timestamp clock, a second of sending. */
const MAX_TSVALS = 1024;
const NO_VALUES = noDoubles();

/** The TSvals a direction sent, in sending order, each with the first segment that carried it: (TSval, time, frame) side by side in one array. */
class TsSent {
  private r = NO_VALUES;
  private cap = 0;
  private head = 0;
  private size = 0;
  private last = -1;

  add(tsVal: number, t: number, frame: number): void {
    if (tsVal === this.last) return;
    this.last = tsVal;
    if (this.size === this.cap) {
      if (this.size >= MAX_TSVALS) {
        this.head = (this.head + 1) % this.size;
        this.size--;
      } else this.grow();
    }
    const i = ((this.head + this.size) % this.cap) * 3;
    this.r[i] = tsVal;
    this.r[i + 1] = t;
    this.r[i + 2] = frame;
    this.size++;
  }

  /** The slot of `tsVal`, searched from the newest (an echo is of a recent value), or -1. */
  find(tsVal: number): number {
    for (let n = this.size - 1; n >= 0; n--) {
      const k = (this.head + n) % this.cap;
      if (this.r[k * 3] === tsVal) return k;
    }
    return -1;
  }

  timeAt(k: number): number {
    return this.r[k * 3 + 1]!;
  }
  frameAt(k: number): number {
    return this.r[k * 3 + 2]!;
  }

  private grow(): void {
    const cap = Math.max(2, this.cap * 2);
    const b = doubles(cap * 3);
    unrollRing(b, this.r, this.head, this.size, this.cap, 3);
    this.r = b;
    this.cap = cap;
    this.head = 0;
  }
}

/** One subflow direction's data as its sender put it on the wire, and the other side's ACKs of it. */
class SubflowRttDir {
  readonly flight = new InFlight();
  /** Highest relative ACK of this direction's sequence space seen. */
  acked = -Infinity;
  readonly ts = new TsSent();
}

/** This detector's per-connection state (one slot for every instance: see ConnectionSlot). Sized for one subflow: an empty array's first write takes room for 17. */
const SLOT = new ConnectionSlot((): Array<SubflowRttDir | undefined> => new Array<SubflowRttDir | undefined>(2));

export class SubflowRttDetector implements Detector {
  readonly name = 'subflow-rtt';
  /** Per connection: subflow index × 2 + direction. */
  private readonly slot = SLOT;
  private readonly row = rttRow();
  /** ACKs of new data that gave no sample because the snaplen cut their options (for the run's warning). */
  cutAcks = 0;

  constructor(private readonly sink: AnalysisSink) {}

  tcpPacket(x: SubflowPacket): void {
    const p = x.packet;
    const tcp = x.tcp;
    const dirs = this.slot.of(x.conn);
    const base = x.sub.index * 2;
    const flags = p.flags;
    const consumed = tcp.len + ((flags & TCP_SYN) !== 0 ? 1 : 0) + ((flags & TCP_FIN) !== 0 ? 1 : 0);
    if (consumed > 0) {
      const s = (dirs[base + x.dir] ??= new SubflowRttDir());
      const f = s.flight;
      const start = tcp.rel;
      const end = start + consumed;
      const clean = start >= tcp.newFrom;
      if (!clean) f.taint(start, end);
      if (end > f.top) {
        f.push(Math.max(start, f.top), end, x.t, x.frame, x.sub.index, clean);
        f.top = end;
      }
      if (p.hasTimestamp) s.ts.add(p.tsVal, x.t, x.frame);
    }
    if ((flags & TCP_ACK) === 0 || Number.isNaN(x.ack)) return;
    const r = dirs[base + 1 - x.dir];
    if (r === undefined) return;
    if (p.sackCount > 0) this.sacked(x, r);
    if (x.ack <= r.acked) return;
    r.acked = x.ack;
    const f = r.flight;
    const k = f.cover(x.ack);
    // Options cut by the snaplen may have held SACK blocks: whether the segment was acknowledged before is not known.
    if (p.optionsTruncated) {
      this.cutAcks++;
      return;
    }
    let sent: number;
    let segmentFrame: number;
    let method: 'ack' | 'tsecr';
    if (k >= 0 && f.usable(k)) {
      sent = f.sentAt(k);
      segmentFrame = f.frameAt(k);
      method = 'ack';
    } else {
      const j = p.hasTimestamp ? r.ts.find(p.tsEcr) : -1;
      if (j < 0) return;
      sent = r.ts.timeAt(j);
      segmentFrame = r.ts.frameAt(j);
      method = 'tsecr';
    }
    const rtt = x.t - sent;
    f.hist.add(rtt);
    const row = this.row;
    row.conn = x.conn.id;
    row.dir = 1 - x.dir;
    row.level = 'subflow';
    row.method = method;
    row.subflow = x.sub.index;
    row.frame = x.frame;
    row.segmentFrame = segmentFrame;
    row.rtt = rtt;
    row.time = x.t;
    this.sink.row(RTT, row);
  }

  /** Segments a SACK block covers were acknowledged by it: the cumulative ACK that covers them later is not their first. */
  private sacked(x: SubflowPacket, r: SubflowRttDir): void {
    const p = x.packet;
    const od = x.tcp.flow.dirs[x.tcp.fromA ? 1 : 0];
    for (let i = 0; i < p.sackCount; i++) r.flight.taint(od.relAck(p.sackLeft[i]!), od.relAck(p.sackRight[i]!));
  }

  /** The samples' figures go on the subflow directions, for the connection's record. */
  finish(c: Connection): void {
    const dirs = this.slot.peek(c);
    if (dirs !== undefined) {
      for (const s of c.subflows) for (const d of [0, 1] as const) s.dirs[d].rtt = dirs[s.index * 2 + d]?.flight.hist.stats() ?? null;
    }
    this.slot.clear(c);
  }
}
