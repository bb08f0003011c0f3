/**
 * The flows of connections finished before TIME_WAIT ran out, kept as a
 * few numbers each so that a late packet of one (a FIN retransmitted
 * because the last ACK was lost past the capture point, a stray reset)
 * finds its flow again, with its number and sequence state, instead of
 * starting a new flow, or a new connection "known from DSS only" from the
 * DATA_FIN it repeats. The connection's state is long gone: what is kept
 * is what a packet row needs (its DSS option read again: the connection's
 * relative-DSN bases and the subflow's ISNs).
 */
import type { DecodedPacket } from '../decode/packet.js';
import { Flow, sameAddr, tupleHash, type FinishedOwner, type FlowDir, type LateDsn } from './flow.js';

/** Finished flows kept at most, the oldest forgotten first: 4 seconds of a busy server finishing a thousand connections a second. */
export const FINISHED_FLOWS_KEPT = 4096;

// A record's fields, in one Float64Array: the 4-tuple (addresses as words), the flow's identity, until when it is kept, its owner, each direction's sequence state, then what reads a DSS option again (the connection's relative-DSN bases, the subflow's ISNs).
const HASH = 0;
const V6 = 1;
const A0 = 2;
const PORT_A = 6;
const B0 = 7;
const PORT_B = 11;
const ID = 12;
const FIRST_FRAME = 13;
const FIRST_TIME = 14;
const UNTIL = 15;
const CONN = 16;
const SUBFLOW = 17;
const A_IS_CLIENT = 18;
const DIRS = 19;
// Per direction: base, lastRaw, lastRel, maxEnd, flags.
const DIR_FIELDS = 5;
// Per connection direction (c2s, s2c): LateDsn's mode, hi, lo, lastDsn, lastAck.
const DSN = DIRS + 2 * DIR_FIELDS;
const DSN_FIELDS = 5;
// Per subflow direction: the ISN (NaN if unknown).
const ISN = DSN + 2 * DSN_FIELDS;
const STRIDE = ISN + 2;

const BASE_SET = 1;
const SYN_SEEN = 2;
const FIN = 4;
const RST = 8;
const FIN_ACKED = 16;

export class FinishedFlows {
  /** Records in a ring, grown as needed up to FINISHED_FLOWS_KEPT. */
  private r = new Float64Array(0);
  private capacity = 0;
  /** Records written so far (the next goes to `written % capacity` once full). */
  private written = 0;
  /** 4-tuple hash to the newest record with it: a record whose hash a newer one took is not found again. */
  private readonly byHash = new Map<number, number>();
  /** Set by `revive`: the packet goes from the flow's A to B. */
  fromA = true;

  get size(): number {
    return this.byHash.size;
  }

  /** Keeps `flow`, the subflow `owner` was, until capture time `until`. */
  add(flow: Flow, owner: FinishedOwner, until: number): void {
    const slot = this.nextSlot();
    const r = this.r;
    const o = slot * STRIDE;
    if (this.written > this.capacity) {
      // The ring came round: the record overwritten is forgotten.
      const old = r[o + HASH]!;
      if (this.byHash.get(old) === slot) this.byHash.delete(old);
    }
    r[o + HASH] = flow.hash;
    r[o + V6] = flow.v6 ? 1 : 0;
    r[o + A0] = flow.a0;
    r[o + A0 + 1] = flow.a1;
    r[o + A0 + 2] = flow.a2;
    r[o + A0 + 3] = flow.a3;
    r[o + PORT_A] = flow.portA;
    r[o + B0] = flow.b0;
    r[o + B0 + 1] = flow.b1;
    r[o + B0 + 2] = flow.b2;
    r[o + B0 + 3] = flow.b3;
    r[o + PORT_B] = flow.portB;
    r[o + ID] = flow.id;
    r[o + FIRST_FRAME] = flow.firstFrame;
    r[o + FIRST_TIME] = flow.firstTime;
    r[o + UNTIL] = until;
    r[o + CONN] = owner.conn;
    r[o + SUBFLOW] = owner.subflow;
    r[o + A_IS_CLIENT] = owner.aIsClient ? 1 : 0;
    for (let d = 0; d < 2; d++) {
      const fd = flow.dirs[d]!;
      const q = o + DIRS + d * DIR_FIELDS;
      r[q] = fd.base;
      r[q + 1] = fd.lastRaw;
      r[q + 2] = fd.lastRel;
      r[q + 3] = fd.maxEnd;
      r[q + 4] = (fd.baseSet ? BASE_SET : 0) | (fd.synSeen ? SYN_SEEN : 0) | (fd.fin ? FIN : 0) | (fd.rst ? RST : 0) | (fd.finAcked ? FIN_ACKED : 0);
      // The connection's and the subflow's directions (c2s, s2c), not the flow's.
      const m = owner.dsn[d]!;
      const k = o + DSN + d * DSN_FIELDS;
      r[k] = m.mode;
      r[k + 1] = m.hi;
      r[k + 2] = m.lo;
      r[k + 3] = m.lastDsn;
      r[k + 4] = m.lastAck;
      r[o + ISN + d] = owner.isn[d]!;
    }
    this.byHash.set(flow.hash, slot);
  }

  /**
   * The finished flow of the packet's 4-tuple, made again (its number,
   * endpoints and sequence state; `finishedAs` says whose it was), or null
   * when none is kept for it at time `t`. The record is used up: the flow
   * is the flow table's again.
   */
  revive(b: Uint8Array, p: DecodedPacket, t: number): Flow | null {
    const hash = tupleHash(b, p);
    const slot = this.byHash.get(hash);
    if (slot === undefined) return null;
    const r = this.r;
    const o = slot * STRIDE;
    const v6 = r[o + V6] === 1;
    if (v6 !== (p.addrLen === 16)) return null;
    const pa = r[o + PORT_A]!;
    const pb = r[o + PORT_B]!;
    const srcIsA = (o2: number, o3: number): boolean =>
      sameAddr(b, p.srcOff, v6, r[o2]!, r[o2 + 1]!, r[o2 + 2]!, r[o2 + 3]!) && sameAddr(b, p.dstOff, v6, r[o3]!, r[o3 + 1]!, r[o3 + 2]!, r[o3 + 3]!);
    if (p.srcPort === pa && p.dstPort === pb && srcIsA(o + A0, o + B0)) this.fromA = true;
    else if (p.srcPort === pb && p.dstPort === pa && srcIsA(o + B0, o + A0)) this.fromA = false;
    else return null;
    this.byHash.delete(hash);
    if (t > r[o + UNTIL]!) return null;
    const f = new Flow(r[o + ID]!, hash, v6, r[o + A0]!, r[o + A0 + 1]!, r[o + A0 + 2]!, r[o + A0 + 3]!, pa, r[o + B0]!, r[o + B0 + 1]!, r[o + B0 + 2]!, r[o + B0 + 3]!, pb, r[o + FIRST_FRAME]!, r[o + FIRST_TIME]!);
    for (let d = 0; d < 2; d++) restoreDir(f.dirs[d]!, r, o + DIRS + d * DIR_FIELDS);
    const dsn = (q: number): LateDsn => ({ mode: r[q]!, hi: r[q + 1]!, lo: r[q + 2]!, lastDsn: r[q + 3]!, lastAck: r[q + 4]! });
    f.finishedAs = {
      conn: r[o + CONN]!,
      subflow: r[o + SUBFLOW]!,
      aIsClient: r[o + A_IS_CLIENT] === 1,
      dsn: [dsn(o + DSN), dsn(o + DSN + DSN_FIELDS)],
      isn: [r[o + ISN]!, r[o + ISN + 1]!],
    };
    return f;
  }

  private nextSlot(): number {
    if (this.written >= this.capacity && this.capacity < FINISHED_FLOWS_KEPT) {
      const grown = new Float64Array(Math.min(FINISHED_FLOWS_KEPT, Math.max(64, this.capacity * 2)) * STRIDE);
      grown.set(this.r);
      this.r = grown;
      this.capacity = grown.length / STRIDE;
    }
    return this.written++ % this.capacity;
  }
}

function restoreDir(fd: FlowDir, r: Float64Array, q: number): void {
  const flags = r[q + 4]!;
  fd.base = r[q]!;
  fd.lastRaw = r[q + 1]!;
  fd.lastRel = r[q + 2]!;
  fd.maxEnd = r[q + 3]!;
  fd.baseSet = (flags & BASE_SET) !== 0;
  fd.synSeen = (flags & SYN_SEEN) !== 0;
  fd.fin = (flags & FIN) !== 0;
  fd.rst = (flags & RST) !== 0;
  fd.finAcked = (flags & FIN_ACKED) !== 0;
}
