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
  finFrame = 0;
  /** Time of this direction's previous packet (NaN before the first): a retransmission after a long silence is a timeout. */
  lastSend = NaN;
  /** Smallest and largest TTL / hop limit seen (the capture point's distance from this sender). */
  ttlMin = 256;
  ttlMax = -1;

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
  /** A saw MPTCP options in any packet (the flow is MPTCP or tried to be). */
  mptcpSeen = false;
  lastTime = 0;
  lastFrame = 0;
  /** Next flow in the same hash bucket. */
  chain: Flow | null = null;
  /** Insertion order list for idle eviction. */
  older: Flow | null = null;
  newer: Flow | null = null;
  evicted = false;

  constructor(
    readonly id: number,
    readonly hash: number,
    readonly addrA: Uint8Array,
    readonly portA: number,
    readonly addrB: Uint8Array,
    readonly portB: number,
    readonly firstFrame: number,
    readonly firstTime: number,
  ) {}

  /** Endpoint addresses as text (formatted on demand, not per packet). */
  get textA(): string {
    return formatIp(this.addrA, 0, this.addrA.length);
  }

  get textB(): string {
    return formatIp(this.addrB, 0, this.addrB.length);
  }

  get ended(): boolean {
    const [a, b] = this.dirs;
    return a.rst || b.rst || (a.fin && b.fin);
  }
}

function endpointHash(b: Uint8Array, off: number, len: number, port: number): number {
  let h = 0x811c9dc5 ^ port;
  for (let i = 0; i < len; i += 4) {
    h = Math.imul(h ^ (((b[off + i]! << 24) | (b[off + i + 1]! << 16) | (b[off + i + 2]! << 8) | b[off + i + 3]!) >>> 0), 0x01000193);
    h ^= h >>> 15;
  }
  return h;
}

function sameAddr(b: Uint8Array, off: number, a: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (b[off + i] !== a[i]) return false;
  return true;
}

/**
 * 4-tuples to their current flow, without string keys: a numeric hash of
 * address bytes and ports (symmetric, so both directions find the flow)
 * into a Map of bucket chains. Flows also sit on a list in creation order,
 * for bounded-memory eviction of the oldest idle ones.
 */
export class FlowTable {
  private readonly buckets = new Map<number, Flow>();
  count = 0;
  oldest: Flow | null = null;
  newest: Flow | null = null;
  /** Set by `find`: the packet goes from the flow's A to B. */
  fromA = true;
  /** Set by `find`: the hash of the packet's 4-tuple (for `add`). */
  hash = 0;

  find(b: Uint8Array, p: DecodedPacket): Flow | null {
    const len = p.addrLen;
    const h = (endpointHash(b, p.srcOff, len, p.srcPort) ^ endpointHash(b, p.dstOff, len, p.dstPort)) | 0;
    this.hash = h;
    for (let f = this.buckets.get(h) ?? null; f !== null; f = f.chain) {
      if (f.addrA.length !== len) continue;
      if (f.portA === p.srcPort && f.portB === p.dstPort && sameAddr(b, p.srcOff, f.addrA) && sameAddr(b, p.dstOff, f.addrB)) {
        this.fromA = true;
        return f;
      }
      if (f.portA === p.dstPort && f.portB === p.srcPort && sameAddr(b, p.dstOff, f.addrA) && sameAddr(b, p.srcOff, f.addrB)) {
        this.fromA = false;
        return f;
      }
    }
    return null;
  }

  /** Makes `f` the current flow of its 4-tuple (an older instance must have been removed). */
  add(f: Flow): void {
    f.chain = this.buckets.get(f.hash) ?? null;
    this.buckets.set(f.hash, f);
    f.older = this.newest;
    if (this.newest !== null) this.newest.newer = f;
    this.newest = f;
    if (this.oldest === null) this.oldest = f;
    this.count++;
  }

  /** Forgets `f` entirely (eviction, or after it was replaced and finished). */
  remove(f: Flow): void {
    this.unlinkBucket(f);
    if (f.older !== null) f.older.newer = f.newer;
    else this.oldest = f.newer;
    if (f.newer !== null) f.newer.older = f.older;
    else this.newest = f.older;
    f.older = f.newer = null;
    f.evicted = true;
    this.count--;
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
