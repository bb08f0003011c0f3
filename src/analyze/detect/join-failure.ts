/**
 * Joins that did not become working subflows (ANALYSIS.md): the SYN never
 * answered, answered without MP_JOIN (a middlebox stripped it, or the peer
 * refused), reset before the third ACK, or HMACs that do not verify. The
 * first reason found is the subflow's.
 */
import type { Connection, Subflow } from '../connection.js';
import type { JoinFailure } from '../model.js';
import type { SubflowPacket, Detector, EmitEvent, SubflowEvent } from './detector.js';

export class JoinFailureDetector implements Detector {
  readonly name = 'join-failure';

  constructor(private readonly emit: EmitEvent) {}

  barePacket(x: SubflowPacket): void {
    const { sub, tcp } = x;
    if (sub.kind === 'join' && tcp.syn && !tcp.synOnly && !sub.synAckSeen) {
      sub.synAckSeen = true;
      sub.synAckHadJoin = false;
      this.failed(sub, 'answered without MP_JOIN', x.frame, x.t);
    }
  }

  subflowEvent(_c: Connection, sub: Subflow, e: SubflowEvent, t: number, frame: number): void {
    if (e.kind !== 'down' || e.how !== 'RST' || sub.kind !== 'join' || sub.ackSeen) return;
    this.failed(sub, e.reason ? `reset (mp_tcprst ${e.reason})` : sub.synAckSeen && !sub.synAckHadJoin ? 'answered without MP_JOIN, then reset' : 'reset', frame, t);
  }

  finish(c: Connection): void {
    for (const sub of c.subflows) {
      if (sub.kind === 'join' && sub.synFrame > 0 && !sub.synAckSeen) this.failed(sub, 'SYN never answered', sub.synFrame, sub.synTime);
      if (sub.hmacOk === false) this.failed(sub, 'HMAC mismatch', sub.synFrame, sub.synTime);
    }
  }

  private failed(sub: Subflow, why: JoinFailure, frame: number, t: number): void {
    if (sub.failed !== null) return;
    sub.failed = why;
    this.emit({ time: t, frame, conn: sub.conn.id, subflow: sub.index, event: 'join_failed', detail: why, reason: why }, sub.conn);
  }
}
