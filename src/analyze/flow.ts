import { formatIp } from '../decode/ipaddr.js';
import type { DecodedPacket } from '../decode/packet.js';
import { seqDiff } from './numbers.js';
import type { Subflow } from './connection.js';

/**
 * One direction of a TCP connection instance: where its sequence space
 * starts and how far it has been sent, unwrapped past 2^32.
 */
export class FlowDir {
  /** Packets and payload bytes (including retransmissions). */
  packets = 0;
  payload = 0;
  /** Payload bytes that repeated sequence space already sent, and the packets that did. */
  retransBytes = 0;
  retransPackets = 0;
  /** Wireshark's relative sequence base: the SYN's sequence number, or the first one seen minus 1. */
  base = 0;
  baseSet = false;
  synSeen = false;
  /** Last raw sequence number seen and its unwrapped value (relative to `base`). */
  lastRaw = 0;
  lastRel = 0;
  /** Highest unwrapped end of sequence space sent (relative), or -1. */
  maxEnd = -1;
  fin = false;
  rst = false;
  /** The other direction acknowledged this one's FIN (set for MPTCP subflows, which the MPTCP tracker follows). */
  finAcked = false;
  /** Time of this direction's previous packet (NaN before the first): a retransmission after a long silence is a timeout. */
  lastSend = NaN;
  /** Largest TTL / hop limit seen (the capture point's distance from this sender: see vantage). */
  ttlMax = -1;

  /** An acknowledgment number of the other direction, relative to this direction's `base` and unwrapped near its last sequence number. */
  relAck(ack: number): number {
    return this.lastRel + seqDiff(ack, this.lastRaw);
  }

  /** Sequence number relative to `base`, unwrapped; sets the base on first use. */
  relSeq(seq: number, syn: boolean): number {
    if (!this.baseSet || (syn && !this.synSeen)) {
      this.base = syn ? seq : (seq - 1) >>> 0;
      this.baseSet = true;
      this.lastRaw = seq;
      this.lastRel = syn ? 0 : 1;
      if (syn) this.synSeen = true;
      return this.lastRel;
    }
    const rel = this.lastRel + seqDiff(seq, this.lastRaw);
    this.lastRaw = seq;
    this.lastRel = rel;
    return rel;
  }
}

/** A TCP connection instance (4-tuple + SYN), numbered like Wireshark's tcp.stream. */
export class Flow {
  /** Endpoint A sent the first packet (or the SYN); `dirs[0]` is A → B. */
  readonly dirs: [FlowDir, FlowDir] = [new FlowDir(), new FlowDir()];
  /** The MPTCP subflow this flow is, once MPTCP options tie it to a connection. */
  sub: Subflow | null = null;
  lastTime = 0;
  lastFrame = 0;
  /** Handshake times (NaN until seen): SYN, SYN/ACK, and A's first ACK after it. The capture sits near the side that answers fast. */
  synTime = NaN;
  synAckTime = NaN;
  ackTime = NaN;
  /** Next flow in the same hash bucket. */
  chain: Flow | null = null;
  /** Neighbours on the table's least-recently-used list. */
  older: Flow | null = null;
  newer: Flow | null = null;
  evicted = false;
  /** The capture interface of the flow's first packet (pcapng's interface index; 0 for pcap). */
  iface = 0;
  /** A flow of a connection already finished, found again by a late packet (see FinishedFlows): whose it was. */
  finishedAs: FinishedOwner | null = null;

  constructor(
    readonly id: number,
    readonly hash: number,
    /** Addresses as 32-bit words (IPv4: the first only), kept as numbers: no buffer per flow. */
    readonly v6: boolean,
    readonly a0: number,
    readonly a1: number,
    readonly a2: number,
    readonly a3: number,
    readonly portA: number,
    readonly b0: number,
    readonly b1: number,
    readonly b2: number,
    readonly b3: number,
    readonly portB: number,
    readonly firstFrame: number,
    readonly firstTime: number,
  ) {}

  /** Endpoint addresses as text: formatted when first asked (a record asks a dozen times), never per packet. */
  private textOfA: string | null = null;
  private textOfB: string | null = null;

  get textA(): string {
    return (this.textOfA ??= wordsText(this.v6, this.a0, this.a1, this.a2, this.a3));
  }

  get textB(): string {
    return (this.textOfB ??= wordsText(this.v6, this.b0, this.b1, this.b2, this.b3));
  }

  get ended(): boolean {
    const [a, b] = this.dirs;
    return a.rst || b.rst || (a.fin && b.fin);
  }

  /** Nothing more is due on it: reset, or both FINs acknowledged (only a FIN retransmitted after a lost last ACK may follow, as TIME_WAIT expects). */
  get quiet(): boolean {
    const [a, b] = this.dirs;
    return a.rst || b.rst || (a.finAcked && b.finAcked);
  }
}

/** The subflow a flow was, kept beside a finished connection's flow (see FinishedFlows). */
export interface FinishedOwner {
  conn: number;
  subflow: number;
  aIsClient: boolean;
  /** Per connection direction (c2s, s2c): how its DSNs were made relative, for a late packet's DSS option. */
  dsn: [LateDsn, LateDsn];
  /** Per subflow direction: the raw ISN its mappings' SSNs count from, NaN if it was never known. */
  isn: [number, number];
}

/** A finished connection direction's relative-DSN base (`mode` as MetaDir's baseMode) and its last DSN and data ACK, which unwrap 32-bit ones. */
export interface LateDsn {
  mode: number;
  hi: number;
  lo: number;
  lastDsn: number;
  lastAck: number;
}

function wordsText(v6: boolean, w0: number, w1: number, w2: number, w3: number): string {
  if (!v6) return `${w0 >>> 24}.${(w0 >>> 16) & 0xff}.${(w0 >>> 8) & 0xff}.${w0 & 0xff}`;
  const b = new Uint8Array(16);
  const words = [w0, w1, w2, w3];
  for (let i = 0; i < 4; i++) {
    b[i * 4] = words[i]! >>> 24;
    b[i * 4 + 1] = (words[i]! >>> 16) & 0xff;
    b[i * 4 + 2] = (words[i]! >>> 8) & 0xff;
    b[i * 4 + 3] = words[i]! & 0xff;
  }
  return formatIp(b, 0, v6 ? 16 : 4);
}

/** Four address bytes as a signed 32-bit word: a small integer to V8 (an unsigned one above 2^31 would be a double, boxed in every Flow). */
function word(b: Uint8Array, o: number): number {
  return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
}

function endpointHash(b: Uint8Array, off: number, len: number, port: number): number {
  let h = 0x811c9dc5 ^ port;
  for (let i = 0; i < len; i += 4) {
    h = Math.imul(h ^ word(b, off + i), 0x01000193);
    h ^= h >>> 15;
  }
  return h;
}

/** The packet's 4-tuple hashed the same both ways (A → B and B → A). */
export function tupleHash(b: Uint8Array, p: DecodedPacket): number {
  const len = p.addrLen;
  return (endpointHash(b, p.srcOff, len, p.srcPort) ^ endpointHash(b, p.dstOff, len, p.dstPort)) | 0;
}

/** Is the address at b[off] (4 or 16 bytes) the one held as words? */
export function sameAddr(b: Uint8Array, off: number, v6: boolean, w0: number, w1: number, w2: number, w3: number): boolean {
  if (word(b, off) !== w0) return false;
  return !v6 || (word(b, off + 4) === w1 && word(b, off + 8) === w2 && word(b, off + 12) === w3);
}

/**
 * 4-tuples to their current flow, without string keys: a numeric hash of
 * address bytes and ports (symmetric, so both directions find the flow)
 * into a Map of bucket chains. Flows also sit on a least-recently-used
 * list, so that bounded memory forgets the flows idle the longest.
 */
export class FlowTable {
  private readonly buckets = new Map<number, Flow>();
  count = 0;
  /** Least and most recently used. */
  oldest: Flow | null = null;
  newest: Flow | null = null;
  /** Set by `find`: the packet goes from the flow's A to B. */
  fromA = true;
  /** The flow `find` returned last: a packet's most likely flow is the one before it (a burst, or its ACKs). */
  private last: Flow | null = null;

  /** The current flow of the packet's 4-tuple (marked as just used), or null. */
  find(b: Uint8Array, p: DecodedPacket): Flow | null {
    const len = p.addrLen;
    const v6 = len === 16;
    const l = this.last;
    if (l !== null && !l.evicted && this.holds(l, b, p, v6)) {
      this.touch(l);
      return l;
    }
    for (let f = this.buckets.get(tupleHash(b, p)) ?? null; f !== null; f = f.chain) {
      if (this.holds(f, b, p, v6)) {
        this.touch(f);
        this.last = f;
        return f;
      }
    }
    return null;
  }

  /** Is `f` the packet's 4-tuple, either way? Sets `fromA`. */
  private holds(f: Flow, b: Uint8Array, p: DecodedPacket, v6: boolean): boolean {
    if (f.v6 !== v6) return false;
    if (f.portA === p.srcPort && f.portB === p.dstPort && sameAddr(b, p.srcOff, v6, f.a0, f.a1, f.a2, f.a3) && sameAddr(b, p.dstOff, v6, f.b0, f.b1, f.b2, f.b3)) {
      this.fromA = true;
      return true;
    }
    if (f.portA === p.dstPort && f.portB === p.srcPort && sameAddr(b, p.dstOff, v6, f.a0, f.a1, f.a2, f.a3) && sameAddr(b, p.srcOff, v6, f.b0, f.b1, f.b2, f.b3)) {
      this.fromA = false;
      return true;
    }
    return false;
  }

  /** A new flow for the packet's 4-tuple, A being its sender (call after `find` returned null or the old instance was removed). */
  create(b: Uint8Array, p: DecodedPacket, id: number, frame: number, t: number): Flow {
    const v6 = p.addrLen === 16;
    const s = p.srcOff;
    const d = p.dstOff;
    // Hashed again, not taken from `find`: it may have answered from `last` without hashing, then the tracker removed that flow (a new SYN took its 4-tuple).
    const f = new Flow(
      id,
      tupleHash(b, p),
      v6,
      word(b, s),
      v6 ? word(b, s + 4) : 0,
      v6 ? word(b, s + 8) : 0,
      v6 ? word(b, s + 12) : 0,
      p.srcPort,
      word(b, d),
      v6 ? word(b, d + 4) : 0,
      v6 ? word(b, d + 8) : 0,
      v6 ? word(b, d + 12) : 0,
      p.dstPort,
      frame,
      t,
    );
    this.insert(f);
    return f;
  }

  /** Puts a flow made elsewhere (one found again among the finished) in the table, as just used. */
  insert(f: Flow): void {
    f.chain = this.buckets.get(f.hash) ?? null;
    this.buckets.set(f.hash, f);
    this.append(f);
    this.count++;
    this.last = f;
  }

  /** Forgets every flow, and unlinks them: one still referenced (the last packet's) would hold all the others. */
  clear(): void {
    for (let f = this.oldest; f !== null; ) {
      const next = f.newer;
      f.older = f.newer = f.chain = null;
      f = next;
    }
    this.buckets.clear();
    this.last = null;
    this.count = 0;
    this.oldest = this.newest = null;
  }

  /** Forgets `f` entirely (eviction, or a new SYN took its 4-tuple). */
  remove(f: Flow): void {
    this.unlinkBucket(f);
    this.unlinkList(f);
    f.evicted = true;
    this.count--;
  }

  private touch(f: Flow): void {
    if (f === this.newest) return;
    this.unlinkList(f);
    this.append(f);
  }

  private append(f: Flow): void {
    f.older = this.newest;
    f.newer = null;
    if (this.newest !== null) this.newest.newer = f;
    this.newest = f;
    if (this.oldest === null) this.oldest = f;
  }

  private unlinkList(f: Flow): void {
    if (f.older !== null) f.older.newer = f.newer;
    else if (this.oldest === f) this.oldest = f.newer;
    if (f.newer !== null) f.newer.older = f.older;
    else if (this.newest === f) this.newest = f.older;
    f.older = f.newer = null;
  }

  private unlinkBucket(f: Flow): void {
    let prev: Flow | null = null;
    for (let g = this.buckets.get(f.hash) ?? null; g !== null; prev = g, g = g.chain) {
      if (g !== f) continue;
      if (prev === null) {
        if (g.chain === null) this.buckets.delete(f.hash);
        else this.buckets.set(f.hash, g.chain);
      } else prev.chain = g.chain;
      f.chain = null;
      return;
    }
  }
}
