/**
 * The detector `compare` adds to each capture's analysis: every subflow
 * packet's wire facts to the matcher, and the DSN its mapping gave it.
 */
import { TCP_ACK } from '../../decode/packet.js';
import type { Connection } from '../connection.js';
import type { Detector, SegmentFacts, SubflowPacket } from '../detect/detector.js';
import { HolTracker } from './hol.js';
import type { Matcher, Side } from './matcher.js';

export class WireTap implements Detector {
  readonly name = 'wire-tap';
  /** Head-of-line blocking per connection direction as this capture saw the data arrive (read for the capture nearer the receiver). */
  private readonly hol = new Map<Connection, [HolTracker, HolTracker]>();

  constructor(
    private readonly m: Matcher,
    private readonly side: Side,
  ) {}

  tcpPacket(x: SubflowPacket): void {
    const p = x.packet;
    this.m.add(this.side, x.t, x.frame, x.sub, x.dir, p.seq, x.tcp.rel, x.tcp.len, (p.flags & TCP_ACK) !== 0 ? p.ack : -1, p.hasTimestamp ? p.tsVal : -1, p.ipId, p.flags, p.ttl);
  }

  segment(s: SegmentFacts): void {
    this.m.setDsn(this.side, s.frame, s.ds);
    let h = this.hol.get(s.conn);
    if (h === undefined) this.hol.set(s.conn, (h = [new HolTracker(), new HolTracker()]));
    h[s.dir].add(s.ds, s.de, s.t);
  }

  holOf(c: Connection, dir: 0 | 1): HolTracker | undefined {
    return this.hol.get(c)?.[dir];
  }
}
