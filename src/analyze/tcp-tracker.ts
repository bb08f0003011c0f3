/**
 * The first stage of a packet's path: the TCP tracker. Finds or makes the
 * packet's flow (Wireshark's tcp.stream rules), keeps each direction's
 * sequence state, and tells retransmissions (sequence space the direction
 * already sent). It knows nothing of MPTCP: the MPTCP tracker reads its
 * facts from the reused `TcpFacts` it fills.
 */
import type { Frame } from '../decode/frame.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type DecodedPacket } from '../decode/packet.js';
import { CopyFilter } from './copies.js';
import { FinishedFlows } from './finished-flows.js';
import { Flow, FlowTable, type FinishedOwner, type FlowDir } from './flow.js';

/** What the TCP tracker found of the current packet. One object, refilled per packet. */
export class TcpFacts {
  flow!: Flow;
  /** The packet goes from the flow's first endpoint (A) to the other. */
  fromA = true;
  /** The sending direction's state. */
  fd!: FlowDir;
  /** Sequence number relative to the direction's base (Wireshark's tcp.seq). */
  rel = 0;
  len = 0;
  syn = false;
  synOnly = false;
  fin = false;
  rst = false;
  ack = false;
  /** The packet repeats sequence space the direction had already sent. */
  retransmission = false;
  /** When the direction last sent before this packet (RTO detection). */
  prevSend = 0;
  /** Relative sequence number from which the packet's bytes are new on the flow (-Infinity: all of them). */
  newFrom = 0;
}

/** Why a flow stopped getting packets. */
export type FlowGone = 'replaced' | 'evicted';

export class TcpTracker {
  private readonly flows = new FlowTable();
  private readonly finished = new FinishedFlows();
  private nextFlow = 0;
  readonly facts = new TcpFacts();
  private readonly copies = new CopyFilter();

  constructor(
    private readonly maxFlows: number,
    /** Where flows made and flows forgotten over the limit are counted. */
    private readonly counts: { flows: number; flowsEvicted: number; packetCopies: number },
    /** A flow's 4-tuple was taken by a new SYN, or the flow was forgotten over the limit. */
    private readonly gone: (flow: Flow, why: FlowGone) => void,
    /** The first time the limit is reached. */
    private readonly overLimit: () => void,
  ) {}

  /** Tracks one TCP packet; returns the facts (the same object each time). */
  track(f: Frame, p: DecodedPacket, t: number): TcpFacts {
    const x = this.facts;
    const b = f.data;
    const flags = p.flags;
    const syn = (flags & TCP_SYN) !== 0;
    const synOnly = syn && (flags & TCP_ACK) === 0;
    let flow = this.flows.find(b, p);
    let fromA = this.flows.fromA;
    if (flow !== null && synOnly) {
      // Wireshark's rule: a SYN whose sequence number differs from the one this
      // direction started with opens a new instance of the 4-tuple.
      const fd0 = flow.dirs[fromA ? 0 : 1];
      if (fd0.baseSet && fd0.base !== p.seq) {
        this.flows.remove(flow);
        this.gone(flow, 'replaced');
        flow = null;
      }
    }
    if (flow === null) {
      if (this.flows.count >= this.maxFlows) this.evict();
      // A late packet of a finished connection's flow is that flow's, as in Wireshark's tcp.stream; a SYN opens a new instance.
      const late = syn || this.finished.size === 0 ? null : this.finished.revive(b, p, t);
      if (late !== null) {
        flow = late;
        this.flows.insert(flow);
        fromA = this.finished.fromA;
      } else {
        this.counts.flows++;
        flow = this.flows.create(b, p, this.nextFlow++, f.index, t);
        fromA = true;
      }
      flow.iface = f.iface;
    }
    flow.lastTime = t;
    flow.lastFrame = f.index;
    if (syn) {
      if (synOnly) {
        if (fromA && Number.isNaN(flow.synTime)) flow.synTime = t;
      } else if (!fromA && Number.isNaN(flow.synAckTime)) flow.synAckTime = t;
    } else if (fromA && Number.isNaN(flow.ackTime) && !Number.isNaN(flow.synAckTime)) flow.ackTime = t;
    const fd = flow.dirs[fromA ? 0 : 1];
    const rel = fd.relSeq(p.seq, syn);
    const len = p.payloadLen;
    const fin = (flags & TCP_FIN) !== 0;
    let retrans = false;
    const consumed = len + (syn ? 1 : 0) + (fin ? 1 : 0);
    if (consumed > 0 && fd.maxEnd >= 0 && rel < fd.maxEnd) {
      retrans = true;
      fd.retransPackets++;
      const pStart = rel + (syn ? 1 : 0);
      const over = Math.min(pStart + len, fd.maxEnd) - pStart;
      if (over > 0) fd.retransBytes += over;
    }
    x.newFrom = fd.maxEnd < 0 ? -Infinity : fd.maxEnd;
    if (consumed > 0 && rel + consumed > fd.maxEnd) fd.maxEnd = rel + consumed;
    x.prevSend = fd.lastSend;
    fd.lastSend = t;
    fd.packets++;
    fd.payload += len;
    if (p.ttl > fd.ttlMax) fd.ttlMax = p.ttl;
    x.flow = flow;
    x.fromA = fromA;
    x.fd = fd;
    x.rel = rel;
    x.len = len;
    x.syn = syn;
    x.synOnly = synOnly;
    x.fin = fin;
    x.rst = (flags & TCP_RST) !== 0;
    x.ack = (flags & TCP_ACK) !== 0;
    x.retransmission = retrans;
    // A copy (see CopyFilter) is counted, and still analyzed as any packet. Copies matter where they count as retransmissions:
    // packets that take sequence space and can be told from one are remembered, those repeating it looked up.
    const copy =
      consumed > 0 &&
      !syn &&
      (p.ipId > 0 || p.hasTimestamp) &&
      this.copies.seen(flow.id, fromA, p.seq, p.ack, len, flags, p.window, p.tcpChecksum, p.ipId, p.hasTimestamp ? p.tsVal : -1, p.hasTimestamp ? p.tsEcr : -1, t) &&
      retrans;
    if (copy) this.counts.packetCopies++;
    return x;
  }

  /** Forgets every flow (the run is over). */
  clear(): void {
    this.flows.clear();
  }

  /** Forgets a flow (its connection was finished early). */
  forget(flow: Flow): void {
    this.flows.remove(flow);
  }

  /** Forgets a flow of a connection finished before TIME_WAIT ran out, keeping it until capture time `until` for a late packet to find (FinishedFlows). */
  bury(flow: Flow, owner: FinishedOwner, until: number): void {
    this.flows.remove(flow);
    this.finished.add(flow, owner, until);
  }

  /** Over the flow limit: forget the least recently used sixteenth of the flows. */
  private evict(): void {
    const want = Math.max(1, this.maxFlows >> 4);
    let n = 0;
    for (let f = this.flows.oldest; f !== null && n < want; n++) {
      const next = f.newer;
      this.flows.remove(f);
      this.gone(f, 'evicted');
      f = next;
    }
    if (this.counts.flowsEvicted === 0) this.overLimit();
    this.counts.flowsEvicted += n;
  }
}
