/**
 * The same traffic in two captures (mptcpanalyzer's map_mptcp_connection
 * and print_owds): each capture is analyzed as usual, a tap hands every
 * subflow packet here, and packets are paired across the captures.
 *
 * - A subflow is known in both captures by what MPTCP makes end to end and
 *   no NAT rewrites: the initial subflow by its connection's server token
 *   (from the server's key), a join by the token its MP_JOIN SYN names and
 *   the SYN's random nonce. Packets that come before their subflow is known
 *   (the handshake's SYN) wait for it.
 * - A packet is known by its subflow, direction, raw sequence and
 *   acknowledgment numbers, payload length, flags, TSval and IPv4 ID
 *   (Linux's per-packet counter): a retransmission differs from the
 *   original by its TSval or ID. Packets identical in every field (a RST
 *   sent twice) are kept apart and pair in order, first with first.
 * - The captures are read in step by time, so memory holds only the
 *   packets of the last HORIZON seconds: a packet of one capture not met in
 *   the other within it is unmatched (lost between the capture points, or
 *   missed by the other capture).
 *
 * Records live in typed arrays (a pool with a free list), not objects.
 */
import type { Connection, Subflow, SubflowKind } from '../connection.js';
import type { Dir } from '../model.js';
import { FINISHED_FLOWS_KEPT } from '../finished-flows.js';

export type Side = 0 | 1;

/** Seconds a packet waits for its twin in the other capture (after the clocks are aligned): more than any one-way delay between two capture points. */
export const HORIZON = 5;

/** Entries (two numbers a packet) a handle's waiting list reaches before its first pruning. */
const MIN_WAITING_LIMIT = 256;

/** Slot states. */
const FREE = 0;
/** Its subflow is not identified yet. */
const WAITING = 1;
/** In the table, waiting for its twin. */
const LISTED = 2;

/**
 * A subflow as one capture sees it: what the rows and the summary read of
 * it, copied when it is first seen, and the subflow itself only while its
 * connection is tracked (MPTCP names it over several packets). Once the
 * connection is finished (Matcher.finished), nothing here keeps its state alive:
 * 100 k short connections compared held 3.1 GB.
 */
export class SubflowHandle {
  /** Global subflow number (the same subflow in both captures), -1 until identified. */
  gid = -1;
  /** Slots (and their generations) of packets that came before the subflow was identified. */
  waiting: number[] = [];
  /** The length of `waiting` at which the entries of packets already gone (unmatched after HORIZON) are dropped: a subflow MPTCP never names (a capture started after the handshake) would keep one per packet. */
  waitingLimit = MIN_WAITING_LIMIT;
  sub: Subflow | null;
  readonly connId: number;
  readonly index: number;
  readonly kind: SubflowKind;
  readonly aIsClient: boolean;
  /** Its first packet's time by its capture's clock (see Matcher.clock): NaN before it. */
  first = NaN;
  /** The flow's capture interface and endpoints (A: its first packet's sender). */
  readonly iface: number;
  readonly textA: string;
  readonly textB: string;
  readonly portA: number;
  readonly portB: number;

  constructor(
    readonly side: Side,
    sub: Subflow,
  ) {
    this.sub = sub;
    this.connId = sub.conn.id;
    this.index = sub.index;
    this.kind = sub.kind;
    this.aIsClient = sub.aIsClient;
    const f = sub.flow;
    this.iface = f.iface;
    this.textA = f.textA;
    this.textB = f.textB;
    this.portA = f.portA;
    this.portB = f.portB;
  }
}

/** A connection as one capture sees it: its number, and its server token (read live while it is tracked). */
export class ConnRef {
  private serverToken = -1;
  constructor(
    readonly id: number,
    private conn: Connection | null,
  ) {}

  /** The server's token, or -1 while unknown. */
  get token(): number {
    return this.conn === null ? this.serverToken : this.conn.dirs[1].token;
  }

  /** The connection is finished: keep its token, let its state go. */
  release(): void {
    if (this.conn === null) return;
    this.serverToken = this.conn.dirs[1].token;
    this.conn = null;
  }
}

/** A subflow known in both captures (or in one so far). */
export interface GlobalSubflow {
  gid: number;
  /** Global connection number. */
  gconn: number;
  handles: [SubflowHandle | null, SubflowHandle | null];
}

export interface GlobalConnection {
  gconn: number;
  conns: [ConnRef | null, ConnRef | null];
}

/** What the matcher finds, as it finds it. */
export interface MatchSink {
  /** The same packet in capture 0 (slot a) and capture 1 (slot b). */
  matched(m: Matcher, a: number, b: number): void;
  /** A packet met in one capture only. */
  unmatched(m: Matcher, r: number): void;
}

const NO_CHAIN = -1;

export class Matcher {
  // The records: one slot per packet in flight.
  side = new Uint8Array(0);
  state = new Uint8Array(0);
  gen = new Int32Array(0);
  t = new Float64Array(0);
  frame = new Float64Array(0);
  handle = new Int32Array(0);
  dir = new Uint8Array(0);
  seq = new Float64Array(0);
  rel = new Float64Array(0);
  len = new Int32Array(0);
  ack = new Float64Array(0);
  ts = new Float64Array(0);
  ipId = new Int32Array(0);
  flags = new Int32Array(0);
  ttl = new Uint8Array(0);
  dsn = new Float64Array(0);
  private next = new Int32Array(0);
  private key = new Float64Array(0);
  private free: number[] = [];
  private used = 0;

  /** Per side: the slots in arrival order (slot and generation), for expiry. */
  private readonly fifo: [Int32Array, Int32Array][] = [
    [new Int32Array(1024), new Int32Array(1024)],
    [new Int32Array(1024), new Int32Array(1024)],
  ];
  private readonly fifoHead = [0, 0];
  private readonly fifoSize = [0, 0];

  private readonly table = new Map<number, number>();
  readonly handles: SubflowHandle[] = [];
  private readonly handleOf: [Map<Subflow, number>, Map<Subflow, number>] = [new Map(), new Map()];
  /** Per side: the handles of the subflows finished last (see rememberFinished), by finishedKey; a ring of their keys and handles. */
  private readonly finishedHandles: [Map<number, number>, Map<number, number>] = [new Map(), new Map()];
  private readonly finishedKeys: [Float64Array, Float64Array] = [new Float64Array(FINISHED_FLOWS_KEPT).fill(-1), new Float64Array(FINISHED_FLOWS_KEPT).fill(-1)];
  private readonly finishedHandleAt: [Int32Array, Int32Array] = [new Int32Array(FINISHED_FLOWS_KEPT), new Int32Array(FINISHED_FLOWS_KEPT)];
  private readonly finishedNext: [number, number] = [0, 0];
  readonly subflows: GlobalSubflow[] = [];
  readonly connections: GlobalConnection[] = [];
  private readonly gidOf = new Map<string, number>();
  private readonly gconnOf = new Map<string, number>();
  private readonly gconnByConn: [Map<number, number>, Map<number, number>] = [new Map(), new Map()];
  /** Each capture's last slot, for the DSN its segment hook reports after the packet hook. */
  private readonly lastSlot: [number, number] = [-1, -1];
  /** Each capture's whole second of its first packet (its analysis times count from it). */
  readonly baseSec: [number, number] = [-1, -1];
  /** Capture 1's clock minus capture 0's, as the first pair showed it (delay included): the captures are read in step on it. */
  lockOffset = NaN;
  /** Per side: the time the reading has reached (aligned to capture 0's clock, for reading in step). */
  readonly now: [number, number] = [-Infinity, -Infinity];
  /** Per side: its first and last packet, by its own clock (see clock()). */
  readonly first: [number, number] = [Infinity, Infinity];
  readonly last: [number, number] = [-Infinity, -Infinity];
  /** Per side and capture interface: the first and last subflow packet, by the capture's clock. */
  readonly ifaceFirst: [number[], number[]] = [[], []];
  readonly ifaceLast: [number[], number[]] = [[], []];

  constructor(private readonly sink: MatchSink) {}

  /** A capture-`side` time, seconds since capture 0's first whole second, moved by the lock offset for capture 1. */
  aligned(side: Side, t: number): number {
    const shift = this.baseSec[side] - this.baseSec[0];
    return side === 0 ? t : t + shift - (Number.isNaN(this.lockOffset) ? 0 : this.lockOffset);
  }

  /** A capture-`side` time by its own clock, in seconds since capture 0's first whole second. */
  clock(side: Side, t: number): number {
    return t + this.baseSec[side] - this.baseSec[0];
  }

  /** One subflow packet of capture `side`, of the subflow with handle `h` (handleFor, finishedHandle); returns its slot. */
  add(side: Side, h: number, t: number, frame: number, dir: Dir, seq: number, rel: number, len: number, ack: number, tsVal: number, ipId: number, flags: number, ttl: number): number {
    const s = this.alloc();
    this.side[s] = side;
    this.t[s] = t;
    this.frame[s] = frame;
    this.dir[s] = dir;
    this.seq[s] = seq;
    this.rel[s] = rel;
    this.len[s] = len;
    this.ack[s] = ack;
    this.ts[s] = tsVal;
    this.ipId[s] = ipId;
    this.flags[s] = flags;
    this.ttl[s] = ttl;
    this.dsn[s] = NaN;
    this.handle[s] = h;
    this.lastSlot[side] = s;
    this.pushFifo(side, s);
    const hd = this.handles[h]!;
    // A capture merged from several interfaces (one per path) ends at different times on each.
    const own = this.clock(side, t);
    if (Number.isNaN(hd.first)) hd.first = own;
    const i = hd.iface;
    const first = this.ifaceFirst[side];
    const last = this.ifaceLast[side];
    if (!(own >= first[i]!)) first[i] = own;
    if (!(own <= last[i]!)) last[i] = own;
    if (hd.gid < 0 && !this.identify(hd)) {
      this.state[s] = WAITING;
      hd.waiting.push(s, this.gen[s]!);
      if (hd.waiting.length >= hd.waitingLimit) this.pruneWaiting(hd);
    } else this.list(s);
    return s;
  }

  /** The DSN of the first payload byte of capture `side`'s packet `frame`, when its mapping placed it. */
  setDsn(side: Side, frame: number, dsn: number): void {
    const s = this.lastSlot[side];
    if (s >= 0 && this.frame[s] === frame && this.state[s] !== FREE && Number.isNaN(this.dsn[s]!)) this.dsn[s] = dsn;
  }

  /** Capture `side` has been read up to time t (its own clock): the other capture's packets older than HORIZON found no twin. */
  advance(side: Side, t: number): void {
    const now = this.aligned(side, t);
    this.now[side] = now;
    const own = this.clock(side, t);
    if (own < this.first[side]) this.first[side] = own;
    if (own > this.last[side]) this.last[side] = own;
    this.expire(side === 0 ? 1 : 0, now - HORIZON);
  }

  /** Both captures are read: whatever waits has no twin. */
  finish(): void {
    this.expire(0, Infinity);
    this.expire(1, Infinity);
  }

  /** The global connection of capture `side`'s connection number `conn`, or -1. */
  globalConnection(side: Side, conn: number): number {
    return this.gconnByConn[side].get(conn) ?? -1;
  }

  /** The subflow of a slot as its capture knows it, and the global subflow and connection. */
  subflowOf(s: number): SubflowHandle {
    return this.handles[this.handle[s]!]!;
  }
  globalOf(s: number): GlobalSubflow | undefined {
    const gid = this.handles[this.handle[s]!]!.gid;
    return gid < 0 ? undefined : this.subflows[gid];
  }

  /**
   * The handle of a subflow of capture `side` whose connection `conn` was
   * finished (subflow `index`), for a packet that came after: paired as
   * any other, so that a FIN sent again, seen late at one capture point and
   * in time at the other, is not counted lost. Undefined when the subflow
   * is no longer remembered (more than FINISHED_FLOWS_KEPT finished since).
   */
  finishedHandle(side: Side, conn: number, index: number): number | undefined {
    return this.finishedHandles[side].get(finishedKey(conn, index));
  }

  /** The handle of a tracked subflow of capture `side`, made at its first packet. */
  handleFor(side: Side, sub: Subflow): number {
    let h = this.handleOf[side].get(sub);
    if (h === undefined) {
      h = this.handles.length;
      this.handles.push(new SubflowHandle(side, sub));
      this.handleOf[side].set(sub, h);
    }
    return h;
  }

  /** Capture `side`'s connection `c` is finished: its subflows and itself are kept as numbers from now on. */
  finished(side: Side, c: Connection): void {
    for (const sub of c.subflows) {
      const h = this.handleOf[side].get(sub);
      if (h === undefined) continue;
      this.handles[h]!.sub = null;
      this.handleOf[side].delete(sub);
      this.rememberFinished(side, finishedKey(c.id, sub.index), h);
    }
    const g = this.gconnByConn[side].get(c.id);
    if (g !== undefined) this.connections[g]!.conns[side]?.release();
  }

  /** Keeps the last FINISHED_FLOWS_KEPT finished subflows' handles by connection and subflow number, as the analysis keeps their flows for late packets. */
  private rememberFinished(side: Side, key: number, h: number): void {
    const keys = this.finishedKeys[side];
    const i = this.finishedNext[side];
    const old = keys[i]!;
    if (old >= 0 && this.finishedHandles[side].get(old) === this.finishedHandleAt[side][i]) this.finishedHandles[side].delete(old);
    keys[i] = key;
    this.finishedHandleAt[side][i] = h;
    this.finishedHandles[side].set(key, h);
    this.finishedNext[side] = (i + 1) % keys.length;
  }

  /** Drops the waiting entries whose packets are gone; the next pruning comes when the list has doubled, so that it costs O(1) a packet. */
  private pruneWaiting(hd: SubflowHandle): void {
    const w = hd.waiting;
    let n = 0;
    for (let i = 0; i < w.length; i += 2) {
      const s = w[i]!;
      if (this.gen[s] === w[i + 1] && this.state[s] === WAITING) {
        w[n++] = s;
        w[n++] = w[i + 1]!;
      }
    }
    w.length = n;
    hd.waitingLimit = Math.max(MIN_WAITING_LIMIT, n * 2);
  }

  /** Gives the handle its global subflow once MPTCP names it; lists the packets that waited. */
  private identify(hd: SubflowHandle): boolean {
    if (hd.sub === null) return false;
    const id = identity(hd.sub);
    if (id === null) return false;
    let gid = this.gidOf.get(id.subflow);
    if (gid === undefined) {
      gid = this.subflows.length;
      let gconn = this.gconnOf.get(id.connection);
      if (gconn === undefined) {
        gconn = this.connections.length;
        this.connections.push({ gconn, conns: [null, null] });
        this.gconnOf.set(id.connection, gconn);
      }
      this.subflows.push({ gid, gconn, handles: [null, null] });
      this.gidOf.set(id.subflow, gid);
    }
    const g = this.subflows[gid]!;
    // A second subflow of one capture with the same identity (a token reused later in a long capture) starts afresh.
    if (g.handles[hd.side] !== null && g.handles[hd.side] !== hd) {
      this.gidOf.delete(id.subflow);
      return this.identify(hd);
    }
    g.handles[hd.side] = hd;
    const gc = this.connections[g.gconn]!;
    if (gc.conns[hd.side] === null) {
      gc.conns[hd.side] = new ConnRef(hd.connId, hd.sub.conn);
      this.gconnByConn[hd.side].set(hd.connId, g.gconn);
    }
    hd.gid = gid;
    const w = hd.waiting;
    for (let i = 0; i < w.length; i += 2) {
      const s = w[i]!;
      if (this.gen[s] === w[i + 1] && this.state[s] === WAITING) this.list(s);
    }
    hd.waiting = [];
    return true;
  }

  /** Pairs slot s with its twin from the other capture, or lists it to wait for one. */
  private list(s: number): void {
    const gid = this.handles[this.handle[s]!]!.gid;
    const k = hashKey(gid * 2 + this.dir[s]!, this.seq[s]!, this.len[s]!, this.ack[s]!, this.ts[s]!);
    this.key[s] = k;
    let p = this.table.get(k);
    let prev = NO_CHAIN;
    while (p !== undefined && p !== NO_CHAIN) {
      // The oldest twin from the other capture: identical packets (a RST sent twice, a retransmission within the same TSval tick without IP IDs) pair in order.
      if (this.side[p] !== this.side[s] && this.same(p, s, gid)) {
        this.unlink(k, prev, p);
        const a = this.side[s] === 0 ? s : p;
        const b = a === s ? p : s;
        if (Number.isNaN(this.lockOffset)) this.lockOffset = this.t[b]! + this.baseSec[1] - this.baseSec[0] - this.t[a]!;
        this.sink.matched(this, a, b);
        this.release(a);
        this.release(b);
        return;
      }
      prev = p;
      p = this.next[p]!;
    }
    this.state[s] = LISTED;
    this.next[s] = NO_CHAIN;
    if (prev === NO_CHAIN) this.table.set(k, s);
    else this.next[prev] = s;
  }

  private same(p: number, s: number, gid: number): boolean {
    return (
      this.handles[this.handle[p]!]!.gid === gid &&
      this.dir[p] === this.dir[s] &&
      this.seq[p] === this.seq[s] &&
      this.len[p] === this.len[s] &&
      this.ack[p] === this.ack[s] &&
      this.ts[p] === this.ts[s] &&
      this.ipId[p] === this.ipId[s] &&
      this.flags[p] === this.flags[s]
    );
  }

  private unlink(k: number, prev: number, p: number): void {
    const n = this.next[p]!;
    if (prev === NO_CHAIN) {
      if (n === NO_CHAIN) this.table.delete(k);
      else this.table.set(k, n);
    } else this.next[prev] = n;
  }

  /** Unmatched: capture `side`'s packets older than `before` (aligned). */
  private expire(side: Side, before: number): void {
    const [slots, gens] = this.fifo[side]!;
    const cap = slots.length;
    while (this.fifoSize[side]! > 0) {
      const i = this.fifoHead[side]!;
      const s = slots[i]!;
      if (this.gen[s] === gens[i] && this.state[s] !== FREE) {
        if (this.aligned(side, this.t[s]!) >= before) break;
        if (this.state[s] === LISTED) this.remove(s);
        this.sink.unmatched(this, s);
        this.release(s);
      }
      this.fifoHead[side] = (i + 1) % cap;
      this.fifoSize[side]!--;
    }
  }

  private remove(s: number): void {
    const k = this.key[s]!;
    let prev = NO_CHAIN;
    let p = this.table.get(k);
    while (p !== undefined && p !== NO_CHAIN) {
      if (p === s) {
        this.unlink(k, prev, p);
        return;
      }
      prev = p;
      p = this.next[p]!;
    }
  }

  private pushFifo(side: Side, s: number): void {
    let [slots, gens] = this.fifo[side]!;
    if (this.fifoSize[side] === slots.length) {
      const n = slots.length * 2;
      const ns = new Int32Array(n);
      const ng = new Int32Array(n);
      for (let i = 0; i < slots.length; i++) {
        const j = (this.fifoHead[side]! + i) % slots.length;
        ns[i] = slots[j]!;
        ng[i] = gens[j]!;
      }
      this.fifo[side] = [ns, ng];
      this.fifoHead[side] = 0;
      [slots, gens] = [ns, ng];
    }
    const i = (this.fifoHead[side]! + this.fifoSize[side]!) % slots.length;
    slots[i] = s;
    gens[i] = this.gen[s]!;
    this.fifoSize[side]!++;
  }

  private alloc(): number {
    const f = this.free.pop();
    if (f !== undefined) return f;
    if (this.used === this.state.length) this.grow();
    return this.used++;
  }

  private release(s: number): void {
    this.state[s] = FREE;
    this.gen[s]!++;
    this.free.push(s);
  }

  /** Slots in use at most so far (memory: about 100 bytes each). */
  get capacity(): number {
    return this.state.length;
  }

  private grow(): void {
    const n = Math.max(1024, this.state.length * 2);
    const g = <T extends Uint8Array | Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.side = g(this.side, (m) => new Uint8Array(m));
    this.state = g(this.state, (m) => new Uint8Array(m));
    this.gen = g(this.gen, (m) => new Int32Array(m));
    this.t = g(this.t, (m) => new Float64Array(m));
    this.frame = g(this.frame, (m) => new Float64Array(m));
    this.handle = g(this.handle, (m) => new Int32Array(m));
    this.dir = g(this.dir, (m) => new Uint8Array(m));
    this.seq = g(this.seq, (m) => new Float64Array(m));
    this.rel = g(this.rel, (m) => new Float64Array(m));
    this.len = g(this.len, (m) => new Int32Array(m));
    this.ack = g(this.ack, (m) => new Float64Array(m));
    this.ts = g(this.ts, (m) => new Float64Array(m));
    this.ipId = g(this.ipId, (m) => new Int32Array(m));
    this.flags = g(this.flags, (m) => new Int32Array(m));
    this.ttl = g(this.ttl, (m) => new Uint8Array(m));
    this.dsn = g(this.dsn, (m) => new Float64Array(m));
    this.next = g(this.next, (m) => new Int32Array(m));
    this.key = g(this.key, (m) => new Float64Array(m));
  }
}

/**
 * What names a subflow in both captures, or null while MPTCP has not
 * said it yet: the connection by its server token, the initial subflow as
 * such, a join by its token and SYN nonce.
 */
export function identity(sub: Subflow): { connection: string; subflow: string } | null {
  const c = sub.conn;
  const server = c.dirs[1].token;
  if (sub.kind === 'initial') {
    if (server < 0) return null;
    return { connection: `t${server}`, subflow: `t${server}:i` };
  }
  if (sub.token < 0 || sub.synTime !== sub.synTime) return null;
  // A join names the token of the side it joins: the server's for the client's joins.
  const conn = server >= 0 ? `t${server}` : sub.initiatorIsClient ? `t${sub.token}` : null;
  if (conn === null) return null;
  return { connection: conn, subflow: `${conn}:j${sub.token}:${sub.nonceInit}` };
}

/** A finished subflow's connection and subflow numbers as one number (a connection has fewer than 2^21 subflows). */
function finishedKey(conn: number, index: number): number {
  return conn * 2097152 + index;
}

/** A number naming a packet's fields (exact fields are compared on a hit): the subflow direction in the high bits, a 32-bit mix of the rest below. */
function hashKey(gdir: number, seq: number, len: number, ack: number, ts: number): number {
  let h = Math.imul(seq | 0, 0x9e3779b1);
  h = Math.imul(h ^ len, 0x85ebca77);
  h = Math.imul(h ^ (ack | 0), 0xc2b2ae3d);
  h = Math.imul(h ^ (ts | 0), 0x27d4eb2f);
  h ^= h >>> 15;
  return gdir * 4294967296 + (h >>> 0);
}
