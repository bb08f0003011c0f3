/**
 * The detector `compare` adds to each capture's analysis: every subflow
 * packet's wire facts to the matcher, and the DSN its mapping gave it.
 */
import { TCP_ACK } from '../../decode/packet.js';
import type { Detector, SegmentFacts, SubflowPacket } from '../detect/detector.js';
import type { Matcher, Side } from './matcher.js';

export class WireTap implements Detector {
  readonly name = 'wire-tap';

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
  }
}
