/**
 * The detector `compare` adds to each capture's analysis: every subflow
 * packet's wire facts to the matcher, and the DSN its mapping gave it.
 */
import { TCP_ACK } from '../../decode/packet.js';
import type { Connection } from '../connection.js';
import type { Detector, LatePacket, SegmentFacts, SubflowPacket } from '../detect/detector.js';
import { HolTracker, type HolFacts } from './hol.js';
import type { Matcher, Side } from './matcher.js';

export class WireTap implements Detector {
  readonly name = 'wire-tap';
  /** Head-of-line blocking per tracked connection (by number) and direction, as this capture saw the data arrive (read for the capture nearer the receiver). */
  private readonly hol = new Map<number, [HolTracker, HolTracker]>();
  /** The same figures of the connections finished: their trackers are let go. */
  private readonly holDone = new Map<number, [HolFacts, HolFacts]>();

  constructor(
    private readonly m: Matcher,
    private readonly side: Side,
  ) {}

  tcpPacket(x: SubflowPacket): void {
    this.pair(this.m.handleFor(this.side, x.sub), x);
  }

  /** A packet of a subflow whose connection this capture's analysis already finished: the other capture may have it in time. */
  latePacket(x: LatePacket): void {
    const h = this.m.finishedHandle(this.side, x.conn, x.subflow);
    if (h !== undefined) this.pair(h, x);
  }

  /** The packet's wire facts to the matcher, as the subflow with handle `h`'s. */
  private pair(h: number, x: SubflowPacket | LatePacket): void {
    const p = x.packet;
    this.m.add(this.side, h, x.t, x.frame, x.dir, p.seq, x.tcp.rel, x.tcp.len, (p.flags & TCP_ACK) !== 0 ? p.ack : -1, p.hasTimestamp ? p.tsVal : -1, p.ipId, p.flags, p.ttl);
  }

  segment(s: SegmentFacts): void {
    this.m.setDsn(this.side, s.frame, s.ds);
    let h = this.hol.get(s.conn.id);
    if (h === undefined) this.hol.set(s.conn.id, (h = [new HolTracker(), new HolTracker()]));
    h[s.dir].add(s.ds, s.de, s.t);
  }

  /** A connection is finished: what compare reports of it is kept as figures, and nothing keeps its state alive. */
  finish(c: Connection): void {
    const h = this.hol.get(c.id);
    if (h !== undefined) {
      this.holDone.set(c.id, [h[0].facts(), h[1].facts()]);
      this.hol.delete(c.id);
    }
    this.m.finished(this.side, c);
  }

  /** Connection `conn`'s head-of-line blocking in direction `dir`, if it carried data (once finished: every connection is by the summary). */
  holOf(conn: number, dir: 0 | 1): HolFacts | undefined {
    return this.holDone.get(conn)?.[dir];
  }
}
