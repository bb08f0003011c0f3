/**
 * Fallback to plain TCP (ANALYSIS.md, RFC 8684 §3.7): at the handshake (a
 * SYN/ACK or third ACK without MP_CAPABLE, a SYN retried without it), when
 * data flows without DSS, and on an infinite mapping, MP_FAIL or a DSS
 * checksum failure. The first kind found is the connection's; each subflow
 * keeps its own. Reads bare subflow packets (no MPTCP option) and the
 * MPTCP tracker's events.
 */
import { TCP_RST } from '../../decode/packet.js';
import type { Connection, Subflow } from '../connection.js';
import { C2S, type EventRow, type FallbackKind } from '../model.js';
import type { SubflowPacket, Detector, EmitEvent } from './detector.js';

/** Data packets without DSS after which a subflow has fallen back (no-dss). */
const NO_DSS_PACKETS = 3;

const ON_EVENT: Partial<Record<EventRow['event'], FallbackKind>> = {
  infinite_mapping: 'infinite-mapping',
  checksum_failure: 'checksum-failure',
  mp_fail: 'mp-fail',
};

export class FallbackDetector implements Detector {
  readonly name = 'fallback';

  constructor(private readonly emit: EmitEvent) {}

  barePacket(x: SubflowPacket): void {
    const { conn: c, sub, dir, tcp, frame, t } = x;
    if (sub.kind === 'initial') {
      if (tcp.synOnly && c.synCount > 0 && !c.sawSynAck) return this.fallback(c, sub, 'syn-retry-without-mp-capable', frame, t);
      if (tcp.syn && !tcp.synOnly && c.synCount > 0 && !c.sawSynAck && c.fallback === '') return this.fallback(c, sub, 'synack-without-mp-capable', frame, t);
      if (!tcp.syn && dir === C2S && c.sawSynAck && !c.sawAck && c.fallback === '' && (x.packet.flags & TCP_RST) === 0) return this.fallback(c, sub, 'ack-without-mp-capable', frame, t);
    } else if (tcp.syn && !tcp.synOnly && !sub.synAckSeen) return; // a join answered without MP_JOIN: the join failure detector's
    if (tcp.len > 0 && !x.packet.optionsTruncated && !tcp.syn) {
      sub.bareDataPackets++;
      // Data without DSS right after the handshake, on a connection that never had a second
      // subflow carrying data: the peer fell back to TCP (RFC 8684 §3.7), it did not reset.
      if (sub.bareDataPackets === NO_DSS_PACKETS && c.fallback === '' && sub.fallback === '' && (sub.dssPackets === 0 || c.subflows.length === 1)) {
        this.fallback(c, sub, 'no-dss', frame, t);
      }
    }
  }

  event(e: EventRow, c: Connection, sub: Subflow | null): void {
    const kind = ON_EVENT[e.event];
    if (kind !== undefined && sub !== null) this.fallback(c, sub, kind, e.frame, e.time);
  }

  private fallback(c: Connection, sub: Subflow, kind: FallbackKind, frame: number, t: number): void {
    if (sub.fallback === '') sub.fallback = kind;
    if (c.fallback !== '') return;
    c.fallback = kind;
    c.fallbackTime = t;
    c.fallbackFrame = frame;
    this.emit({ time: t, frame, conn: c.id, subflow: sub.index, event: 'fallback', detail: kind, reason: kind }, c);
  }
}
