import type { Frame } from '../decode/frame.js';
import { formatIp } from '../decode/ipaddr.js';
import * as M from '../decode/mptcp.js';
import { S_TCP, S_TCP_BROKEN, TCP_ACK, type DecodedPacket } from '../decode/packet.js';
import {
  BASE_IDSN,
  BASE_OBSERVED,
  BASE_UNSET,
  Connection,
  ISN_INFERRED,
  ISN_NONE,
  ISN_SYN,
  Subflow,
  type MetaDir,
  type SubflowDir,
} from './connection.js';
import { addAddrHmac, deriveFromKey, joinHmac, keyBytes } from './crypto.js';
import { LatePacket, SubflowPacket, MappingFacts, SegmentFacts, type Detector, type EmitEvent, type SubflowEvent } from './detect/detector.js';
import { ChecksumDetector } from './detect/checksum.js';
import { FallbackDetector } from './detect/fallback.js';
import { JoinFailureDetector } from './detect/join-failure.js';
import { HandoverDetector } from './detect/handover.js';
import { HoleDetector } from './detect/holes.js';
import { ReinjectionDetector } from './detect/reinjection.js';
import { SubflowRttDetector } from './detect/subflow-rtt.js';
import { FlightDetector } from './detect/flight.js';
import { MptcpRttDetector } from './detect/rtt.js';
import type { FinishedOwner, Flow, FlowDir, LateDsn } from './flow.js';
import { C2S, EVENTS, S2C, otherDir, PacketRow, type AnalysisSink, type Dir, type EventFields, type EventName, type EventRow, type SubflowClose } from './model.js';
import { add64, relDsn, seqDiff, u64String, widen32 } from './numbers.js';
import { freezeConnection, type UnknownCause } from './record.js';
import { TcpTracker, type TcpFacts } from './tcp-tracker.js';
import { COPY_WINDOW } from './copies.js';

/**
 * What a first pass learned that the second must use from the start: the
 * final relative-DSN base of each connection direction (the lowest DSN
 * is only known at the end) and the ISN inferred for subflows whose SYN
 * was not captured. Keyed by connection and flow numbers, which both
 * passes assign identically.
 */
export interface Hints {
  /** conn id → [c2s, s2c] absolute base (hi, lo) and mode. */
  bases: Map<number, Array<{ mode: number; hi: number; lo: number } | null>>;
  /** flow id → [A→B, B→A] inferred ISN (or null). */
  isns: Map<number, Array<number | null>>;
}

/** Limits that keep memory bounded whatever the input (documented in docs/robustness.md). */
export interface Limits {
  /** Flows tracked at once; past it, the least recently active are forgotten. */
  maxFlows: number;
  /** Connections tracked at once; past it, the least recently active are finished early. */
  maxConnections: number;
  /** Connections tracked at which those over are first finished at once (OVER_BUSY; Infinity: as the others are, when closed and idle, over the connection limit (first), or at the end). */
  overBusy: number;
}

export interface AnalyzerOptions {
  hints?: Hints;
  /** Fill and hand out a PacketRow for every TCP packet. */
  packets?: boolean;
  limits?: Partial<Limits>;
  /** The side the capture was taken nearest to, when the user says so (else inferred per connection). */
  vantage?: 'client' | 'server';
  /** More detectors, after the built-in ones (`compare` taps every packet this way). */
  detectors?: readonly Detector[];
}

/** The built-in detectors that see every segment, in the order they do. */
interface SegmentHooks {
  checksum: ChecksumDetector;
  reinjection: ReinjectionDetector;
  hole: HoleDetector;
  handover: HandoverDetector;
  mptcpRtt: MptcpRttDetector;
  flight: FlightDetector;
}

/** Counters for the summary. */
export class AnalysisStats {
  /** TCP packets analyzed. */
  tcpPackets = 0;
  /** TCP packets whose header could not be analyzed (cut by the snaplen, broken). */
  tcpUnanalyzable = 0;
  flows = 0;
  flowsEvicted = 0;
  connectionsEvictedEarly = 0;
  /** Connections finished before the end because they had closed and stayed idle (CLOSED_IDLE_SECONDS, or CLOSED_BUSY_IDLE_SECONDS when many are tracked), or were over in a busy capture (OVER_BUSY). */
  connectionsFinishedClosed = 0;
  /** Packets of a flow whose connection had already been finished (FinishedFlows): in packets.csv, in none of the connection's figures. */
  packetsAfterFinish = 0;
  /** Packets that repeat one captured just before (tcpdump -i any on a forwarding host, captures merged from two points: see CopyFilter), counted as retransmissions like any. */
  packetCopies = 0;
  tokenCollisions = 0;
  /** Subflow packets whose MPTCP options were cut by the snaplen. */
  optionsCut = 0;
  unmappedSegments = 0;
  /** Options ignored as malformed (decode anomaly counts have the detail). */
  malformedOptions = 0;
}

/**
 * The packet being analyzed as the MPTCP tracker's steps read it (gopacket's
 * reused context): the frame, its decoding, its time, and what the TCP
 * tracker found. One object, refilled per packet, instead of parameter lists.
 */
class PacketContext {
  f!: Frame;
  p!: DecodedPacket;
  /** Seconds since the first packet's whole second. */
  t = 0;

  constructor(readonly tcp: TcpFacts) {}
}

const JOINED: SubflowEvent = { kind: 'joined' };
const TO_BACKUP: SubflowEvent = { kind: 'priority', backup: true };
const TO_REGULAR: SubflowEvent = { kind: 'priority', backup: false };
const DOWN_FIN: SubflowEvent = { kind: 'down', how: 'FIN' };
const DOWN_RST: SubflowEvent = { kind: 'down', how: 'RST' };

/**
 * A connection that has closed (DATA_FIN both ways, MP_FASTCLOSE, or every
 * subflow closed) and then stayed silent this long is finished at once, so
 * its record streams out and its state is freed before the capture ends:
 * Linux's TIME_WAIT (2 MSL, 60 s), after which its peers forget it too.
 */
export const CLOSED_IDLE_SECONDS = 60;
/**
 * With this many connections tracked, one closed at the MPTCP level
 * (DATA_FIN both ways, or MP_FASTCLOSE) and silent for
 * CLOSED_BUSY_IDLE_SECONDS is finished without waiting out TIME_WAIT: a
 * capture of many short connections (a busy server: a thousand a second
 * keep 60,000 in TIME_WAIT) then holds the state of those open and of the
 * last second's closed ones, not of the last minute's (about 8 kB each).
 * A later packet of one starts a new flow, as after the 60 s. Not one
 * whose subflows all closed without a DATA_FIN: a phone that lost its
 * Wi-Fi subflow may join on cellular seconds later (break before make).
 */
export const CLOSED_BUSY = 1024;
/** Silence after which a closed connection may be finished when CLOSED_BUSY are tracked: several times a retransmitted FIN's first timeout. */
export const CLOSED_BUSY_IDLE_SECONDS = 1;
/**
 * Once this many connections are tracked (a busy capture, as CLOSED_BUSY),
 * one that is over (closed at the MPTCP level, and every subflow reset or
 * its FINs acknowledged both ways) is finished without waiting: then, and
 * from then on each time OVER_TRACKED are tracked. Nothing more is due on
 * it: only a FIN retransmitted because the last ACK was lost past the
 * capture point, or a stray reset, may follow, and FinishedFlows gives such
 * a packet its flow back (counted in `packetsAfterFinish`, in none of the
 * connection's figures: the price of not waiting). A thousand short
 * connections a second then hold the state of those still open and of at
 * most OVER_TRACKED more, not of the last second's thousand; a capture that
 * never tracks CLOSED_BUSY at once is not affected.
 */
export const OVER_BUSY = CLOSED_BUSY;
/** Connections tracked at which the next look for those over is made, once the first was (see OVER_BUSY). */
export const OVER_TRACKED = 128;

export const DEFAULT_LIMITS: Limits = { maxFlows: 100_000, maxConnections: 10_000, overBusy: OVER_BUSY };
/** How often, in capture time, the connections are looked over for closed and idle ones. */
const SWEEP_EVERY_SECONDS = 5;

/** Silence before a retransmission that makes it a timeout (Linux's minimum RTO). */
const RTO_MIN = 0.2;

/**
 * Turns decoded packets into flows, subflows and connections, and every
 * data segment into its place in the data sequence. One call per packet,
 * allocation-free on the common path (DSS data and acks); everything it
 * finds goes to the sink as it happens.
 */
export class Analyzer {
  readonly stats = new AnalysisStats();
  readonly warnings: string[] = [];
  /** The first packet's whole second: times in the model are seconds after it. */
  baseSec = -1;
  /** True when this pass met something (a lower DSN, a better ISN) a second pass must apply from the start. */
  needsSecondPass = false;
  private readonly tcp: TcpTracker;
  private nextConn = 0;
  /** Connections not yet finished, in creation order. */
  private readonly active: Connection[] = [];
  private readonly tokens = new Map<number, Connection>();
  private readonly row = new PacketRow();
  private readonly wantPackets: boolean;
  private readonly limits: Limits;
  private readonly hints: Hints | undefined;
  private readonly vantage: 'client' | 'server' | undefined;
  /** Connection directions whose DSN figures are unknown, by cause (for the end-of-run warnings). */
  readonly unknownDirs: Record<UnknownCause, number> = { 'options-cut': 0, unmapped: 0, 'mid-connection': 0 };
  /** The detectors, in the order their hooks run (a later one may read what an earlier one found). */
  private readonly detectors: readonly Detector[];
  private readonly reinjection: ReinjectionDetector;
  private readonly subflowRtt: SubflowRttDetector;
  // The detectors that have each hook, so the per-packet loops skip the others.
  private readonly onDataPacket: Detector[];
  /** The built-in detectors with a segment hook, called one by one (see segment's call); then those given in the options that have one. */
  private readonly onSegmentBuiltIn: SegmentHooks;
  private readonly onSegment: Detector[];
  private readonly onMapping: Detector[];
  private readonly onDataAck: Detector[];
  private readonly onSubflowEvent: Detector[];
  private readonly onTcpPacket: Detector[];
  private readonly onBarePacket: Detector[];
  private readonly onLatePacket: Detector[];
  private readonly onEvent: Detector[];
  private readonly sp = new SubflowPacket();
  private readonly lp = new LatePacket();
  /** The packet being analyzed, as every step of the MPTCP tracker reads it. */
  private readonly cur: PacketContext;
  /** The segment and the mapping handed to the detectors: one object each, refilled. */
  private readonly seg = new SegmentFacts();
  private readonly map = new MappingFacts();
  private readonly subtypeNames = new Map<number, string>();


  constructor(
    private readonly sink: AnalysisSink,
    opts: AnalyzerOptions = {},
  ) {
    this.wantPackets = opts.packets === true && sink.packet !== undefined;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.nextOverLook = this.limits.overBusy;
    this.hints = opts.hints;
    this.vantage = opts.vantage;
    this.tcp = new TcpTracker(
      this.limits.maxFlows,
      this.stats,
      (flow, why) => {
        if (flow.sub !== null && flow.sub.close === null) this.subflowClosed(flow.sub, why, flow.lastTime);
      },
      () => this.warnings.push(`more than ${this.limits.maxFlows} TCP flows at once: the least recently active ones are forgotten (a later packet of one starts a new flow)`),
    );
    this.cur = new PacketContext(this.tcp.facts);
    this.reinjection = new ReinjectionDetector(sink, this.wantPackets);
    this.subflowRtt = new SubflowRttDetector(sink);
    const emit: EmitEvent = (e, c) => this.emit(e, c);
    const builtIn: SegmentHooks = {
      checksum: new ChecksumDetector(emit),
      reinjection: this.reinjection,
      hole: new HoleDetector(sink),
      handover: new HandoverDetector(sink, emit),
      mptcpRtt: new MptcpRttDetector(sink),
      flight: new FlightDetector(sink),
    };
    this.onSegmentBuiltIn = builtIn;
    const builtIns: Detector[] = [
      new FallbackDetector(emit),
      // Before the handover detector: its finish reports joins that never worked before the last handover rows.
      new JoinFailureDetector(emit),
      // First to see each segment: a checksum failure is reported before what the segment's DSNs show.
      builtIn.checksum,
      this.reinjection,
      builtIn.hole,
      builtIn.handover,
      builtIn.mptcpRtt,
      this.subflowRtt,
      builtIn.flight,
    ];
    const given = opts.detectors ?? [];
    this.detectors = [...builtIns, ...given];
    this.onDataPacket = this.detectors.filter((d) => d.dataPacket !== undefined);
    this.onSegment = given.filter((d) => d.segment !== undefined);
    // A built-in detector given a segment hook later must be called in segment's list too.
    const direct = new Set<Detector>(Object.values(builtIn));
    const missed = builtIns.find((d) => d.segment !== undefined && !direct.has(d));
    if (missed !== undefined) throw new Error(`the ${missed.name} detector's segment hook is not called: add it to SegmentHooks`);
    this.onMapping = this.detectors.filter((d) => d.mapping !== undefined);
    this.onDataAck = this.detectors.filter((d) => d.dataAck !== undefined);
    this.onSubflowEvent = this.detectors.filter((d) => d.subflowEvent !== undefined);
    this.onTcpPacket = this.detectors.filter((d) => d.tcpPacket !== undefined);
    this.onBarePacket = this.detectors.filter((d) => d.barePacket !== undefined);
    this.onLatePacket = this.detectors.filter((d) => d.latePacket !== undefined);
    this.onEvent = this.detectors.filter((d) => d.event !== undefined);
  }

  private subflowEvent(c: Connection, sub: Subflow, e: SubflowEvent, t: number, frame = 0): void {
    for (const d of this.onSubflowEvent) d.subflowEvent!(c, sub, e, t, frame);
  }

  /** Seconds since `baseSec` of a frame's timestamp. */
  timeOf(f: Frame): number {
    return f.tsSec - this.baseSec + f.tsNsec * 1e-9;
  }

  packet(f: Frame, p: DecodedPacket): void {
    if (this.baseSec < 0) this.baseSec = f.tsSec;
    const t = this.timeOf(f);
    if (p.status !== S_TCP) {
      if (p.status === S_TCP_BROKEN) this.stats.tcpUnanalyzable++;
      return;
    }
    this.stats.tcpPackets++;
    if (t >= this.nextSweep) this.sweep(t);
    const tcp = this.tcp.track(f, p, t);
    const x = this.cur;
    x.f = f;
    x.p = p;
    x.t = t;
    const { flow, fromA, fd, rel, len, fin, rst, retransmission: retrans, prevSend } = tcp;
    const flags = p.flags;
    const row = this.row;
    if (this.wantPackets) {
      row.frame = f.index;
      row.time = t;
      row.flow = flow.id;
      row.seq = rel;
      row.len = len;
      row.flags = flags;
      row.dsn = NaN;
      row.dataAck = NaN;
      row.mptcp = p.mptcpCount === 0 ? '' : this.subtypeList(p);
      row.reinjectionOf = '';
      this.reinjection.frames = '';
      row.retransmission = retrans;
    }
    // A flow of a connection already finished (FinishedFlows): its options are not read, lest they make a connection anew.
    const late = flow.finishedAs;
    const cut = p.mptcpCount > 0 && late === null ? this.options() : p.optionsTruncated;
    const sub = flow.sub;
    if (sub !== null) {
      const conn = sub.conn;
      if (t > conn.end) conn.end = t;
      sub.end = t;
      const dir = sub.dirOf(fromA);
      let ack = NaN;
      let quieter = rst;
      if ((flags & TCP_ACK) !== 0) {
        const od = flow.dirs[fromA ? 1 : 0];
        if (od.baseSet) {
          ack = od.relAck(p.ack);
          if (od.fin && !od.finAcked && ack >= od.maxEnd) quieter = od.finAcked = true;
          // The subflow ACK releases the other direction's mappings it has passed.
          const osd = sub.dirs[otherDir(dir)];
          if (osd.isnMode !== ISN_NONE) osd.maps.prune(ack + seqDiff(od.base, osd.isn));
        }
      }
      const b = this.sp;
      b.frame = f.index;
      b.t = t;
      b.conn = conn;
      b.sub = sub;
      b.dir = dir;
      b.tcp = tcp;
      b.packet = p;
      b.ack = ack;
      for (const d of this.onTcpPacket) d.tcpPacket!(b);
      if (p.mptcpCount === 0) for (const d of this.onBarePacket) d.barePacket!(b);
      if (len > 0) {
        if (cut) conn.dirs[dir].cutPackets++;
        // A retransmission after a silence of at least the minimum RTO (200 ms in Linux,
        // RFC 6298's lower bound is 1 s) is a retransmission timeout, not a fast retransmit.
        if (retrans && t - prevSend >= RTO_MIN) this.subflowEvent(conn, sub, { kind: 'timeout', dir }, t);
        this.data(sub, dir);
      }
      if (fin && !fd.fin) {
        fd.fin = true;
        this.event(t, f.index, conn, sub.index, 'subflow_fin', dir === C2S ? 'from client' : 'from server', { side: dir === C2S ? 'client' : 'server' });
        this.subflowClosed(sub, 'fin', t);
      }
      if (rst) this.subflowReset(sub, dir);
      if (quieter && !conn.over && conn.isOver()) conn.over = true;
      if (this.wantPackets) {
        row.conn = conn.id;
        row.subflow = sub.index;
        row.dir = dir;
      }
    } else {
      if (fin) fd.fin = true;
      if (rst) fd.rst = true;
      const dir: Dir = fromA === (late === null || late.aIsClient) ? C2S : S2C;
      // A late packet is shown as its subflow's, counted, in none of the connection's figures.
      if (late !== null) {
        this.stats.packetsAfterFinish++;
        if (this.onLatePacket.length > 0) this.late(late, dir, tcp, p, f.index, t);
      }
      if (this.wantPackets) {
        row.conn = late === null ? -1 : late.conn;
        row.subflow = late === null ? -1 : late.subflow;
        row.dir = dir;
        if (late !== null && p.mptcpCount > 0) this.lateDss(late, dir);
      }
    }
    if (this.wantPackets) {
      row.reinjectionOf = this.reinjection.frames;
      this.sink.packet!(row);
    }
  }

  /** Hands a late packet to the detectors that want one. */
  private late(late: FinishedOwner, dir: Dir, tcp: TcpFacts, p: DecodedPacket, frame: number, t: number): void {
    const x = this.lp;
    x.frame = frame;
    x.t = t;
    x.conn = late.conn;
    x.subflow = late.subflow;
    x.dir = dir;
    x.tcp = tcp;
    x.packet = p;
    for (const d of this.onLatePacket) d.latePacket!(x);
  }

  /** Capture time of the next look for closed and idle connections. */
  private nextSweep = 0;

  /** Finishes the connections that closed and stayed silent CLOSED_IDLE_SECONDS before `t`. */
  private sweep(t: number): void {
    this.nextSweep = t + SWEEP_EVERY_SECONDS;
    this.finishClosed(t, CLOSED_IDLE_SECONDS);
  }

  /** Finishes the connections that closed (`mptcpLevel`: by DATA_FIN or MP_FASTCLOSE) and stayed silent more than `idle` seconds before `t`. */
  private finishClosed(t: number, idle: number, mptcpLevel = false): void {
    this.finishWhere((c) => t - c.end > idle && (mptcpLevel ? c.closedByMptcp() : c.howClosed() !== 'open'), idle < CLOSED_IDLE_SECONDS);
  }

  /** Finishes the connections that are over (see OVER_BUSY). */
  private finishOver(): void {
    this.finishWhere((c) => c.over, true);
  }

  /**
   * Finishes the tracked connections `done` picks and forgets their flows:
   * `beforeTimeWait`, kept as FinishedFlows until TIME_WAIT's end, so that
   * a late packet of one finds its flow again; else forgotten, a later
   * packet starting a new flow, as it would for their peers.
   */
  private finishWhere(done: (c: Connection) => boolean, beforeTimeWait: boolean): void {
    let kept = 0;
    for (const c of this.active) {
      if (done(c)) {
        this.finalize(c);
        for (const s of c.subflows) {
          if (s.flow.evicted) continue;
          if (beforeTimeWait) this.tcp.bury(s.flow, finishedOwner(c, s), c.end + CLOSED_IDLE_SECONDS);
          else this.tcp.forget(s.flow);
        }
        this.stats.connectionsFinishedClosed++;
      } else this.active[kept++] = c;
    }
    this.active.length = kept;
  }

  /** Ends the run: every connection still open is finished and handed to the sink. */
  finish(): void {
    for (const c of this.active) this.finalize(c);
    this.active.length = 0;
    const late = this.stats.packetsAfterFinish;
    if (late > 0) this.warnings.push(`${late} packet${late === 1 ? '' : 's'} came after ${late === 1 ? 'its' : 'their'} connection had closed and been finished (a FIN sent again after a last ACK lost past the capture point, a stray reset): in packets.csv as ${late === 1 ? 'its' : 'their'} subflow's, in none of the connection's figures`);
    const copies = this.stats.packetCopies;
    if (copies > 0) this.warnings.push(`at least ${copies} packet${copies === 1 ? ' is a copy' : 's are copies'} of one captured less than ${COPY_WINDOW} s before (same flow, direction, sequence and acknowledgment numbers, length, flags, window, TCP checksum, timestamps and IP ID): the capture holds the same packets twice (tcpdump -i any on a host that forwards them, or captures merged from two points), and the retransmission figures count each copy as a retransmission`);
    // The flows hold every connection's state through their subflows: let it go before the summary is built (1,000 short connections: 10 MB).
    this.tcp.clear();
    this.warnUnknowns();
  }

  /** One warning per cause of unknown figures, saying what to do about it. */
  private warnUnknowns(): void {
    const u = this.unknownDirs;
    const dirs = (n: number): string => `${n} connection direction${n === 1 ? '' : 's'}`;
    if (u['options-cut'] > 0) {
      const share = this.stats.tcpPackets > 0 ? ` (${Math.round((100 * this.stats.optionsCut) / this.stats.tcpPackets)}% of TCP packets)` : '';
      this.warnings.push(`MPTCP options cut by the snaplen on ${this.stats.optionsCut} packets${share}: DSN figures (unique, reinjected, holes) unknown for ${dirs(u['options-cut'])}; capture with a snaplen of at least 128 (tcpdump -s 128)`);
    }
    if (u.unmapped > 0) this.warnings.push(`data without a DSS mapping (options stripped, or the keys never seen): DSN figures unknown for ${dirs(u.unmapped)}`);
    if (u['mid-connection'] > 0) this.warnings.push(`capture starts mid-connection (no MP_CAPABLE handshake): DSN figures unknown for ${dirs(u['mid-connection'])}; start the capture before the connection`);
    const cut = this.subflowRtt.cutAcks;
    if (cut > 0) this.warnings.push(`TCP options cut by the snaplen on ${cut} ACK${cut === 1 ? '' : 's'} of new data: no subflow RTT sample from ${cut === 1 ? 'it' : 'them'} (SACK blocks unknown); capture with a snaplen of at least 128 (tcpdump -s 128)`);
  }

  /** What a second pass needs to know (see Hints); meaningful after finish(). */
  hintsForSecondPass(): Hints {
    return { bases: this.baseHints, isns: this.isnHints };
  }

  /** Final relative-DSN bases, recorded as connections finish. */
  private readonly baseHints = new Map<number, Array<{ mode: number; hi: number; lo: number } | null>>();

  /**
   * Records a finished connection's final bases when a second pass would
   * need them (an observed base, or a key learned after data): an observed
   * base that moved needs a second pass.
   */
  private recordBases(c: Connection): void {
    if (c.dirs.every((m) => m.baseMode !== BASE_OBSERVED) && !this.needsSecondPass) return;
    const out: Array<{ mode: number; hi: number; lo: number } | null> = [];
    for (const m of c.dirs) {
      if (m.baseMode === BASE_IDSN) {
        out.push({ mode: BASE_IDSN, hi: m.baseHi, lo: m.baseLo });
        continue;
      }
      // The lowest data-sequence number seen, in a DSN or in a data ACK (a capture that
      // starts mid-connection sees ACKs for data sent before it): it becomes relative 1.
      const low = Math.min(m.minDsn, m.minAck);
      if (m.baseMode === BASE_UNSET || !Number.isFinite(low)) {
        out.push(null);
        continue;
      }
      const [hi, lo] = add64(m.baseHi, m.baseLo, low - 1);
      if (low !== 1 && !this.hints) this.needsSecondPass = true;
      out.push({ mode: BASE_OBSERVED, hi, lo });
    }
    this.baseHints.set(c.id, out);
  }

  /** ISNs inferred for flows without a captured SYN, by flow id. */
  private readonly isnHints = new Map<number, Array<number | null>>();

  // ---- flows ----

  // ---- connections ----

  /** Tracked connections at which closed ones are next looked for (see CLOSED_BUSY). */
  private nextClosedLook = CLOSED_BUSY;
  /** Tracked connections at which those over are next looked for (see OVER_BUSY). */
  private nextOverLook: number;

  private newConnection(flow: Flow, aIsClient: boolean, frame: number, t: number): Connection {
    if (this.active.length >= this.nextOverLook) {
      this.finishOver();
      // A look is O(tracked): the next once an eighth more are tracked, so each new connection pays O(1).
      this.nextOverLook = Math.max(OVER_TRACKED, this.active.length + (this.active.length >> 3));
    }
    if (this.active.length >= this.nextClosedLook) {
      this.finishClosed(t, CLOSED_BUSY_IDLE_SECONDS, true);
      // The next look once a quarter of CLOSED_BUSY more are tracked: a look is O(tracked), so each new connection pays O(1).
      this.nextClosedLook = Math.max(CLOSED_BUSY, this.active.length + (CLOSED_BUSY >> 2));
    }
    if (this.active.length >= this.limits.maxConnections) {
      // Those over go first, without the warning: finishing them loses nothing.
      this.finishOver();
      if (this.active.length >= this.limits.maxConnections) this.evictConnections();
    }
    const c = new Connection(this.nextConn++, frame, t);
    c.clientAddr = aIsClient ? flow.textA : flow.textB;
    c.clientPort = aIsClient ? flow.portA : flow.portB;
    c.serverAddr = aIsClient ? flow.textB : flow.textA;
    c.serverPort = aIsClient ? flow.portB : flow.portA;
    const sub = new Subflow(c, 0, flow, 'initial', aIsClient, t);
    flow.sub = sub;
    c.addSubflow(sub);
    this.active.push(c);
    const h = this.hints?.bases.get(c.id);
    if (h !== undefined) {
      for (let d = 0; d < 2; d++) {
        const x = h[d];
        if (x) {
          c.dirs[d]!.baseMode = x.mode;
          c.dirs[d]!.baseHi = x.hi;
          c.dirs[d]!.baseLo = x.lo;
        }
      }
    }
    return c;
  }

  /** Over the connection limit: finish early the sixteenth of the connections least recently active (their rows are written now). */
  private evictConnections(): void {
    const want = Math.max(1, this.limits.maxConnections >> 4);
    const byActivity = [...this.active].sort((x, y) => x.end - y.end || x.id - y.id);
    const gone = new Set(byActivity.slice(0, want));
    for (const c of gone) {
      this.finalize(c);
      // Its flows go too: nothing may keep a finished connection's state alive.
      for (const s of c.subflows) if (!s.flow.evicted) this.tcp.forget(s.flow);
    }
    let kept = 0;
    for (const c of this.active) if (!gone.has(c)) this.active[kept++] = c;
    this.active.length = kept;
    if (this.stats.connectionsEvictedEarly === 0) {
      this.warnings.push(`more than ${this.limits.maxConnections} MPTCP connections at once: the least recently active ones are finished early (their rows come out of order)`);
    }
    this.stats.connectionsEvictedEarly += gone.size;
  }

  private registerToken(token: number, c: Connection): void {
    const had = this.tokens.get(token);
    if (had !== undefined && had !== c) {
      this.stats.tokenCollisions++;
      if (this.stats.tokenCollisions <= 5) this.warnings.push(`token 0x${hex32(token)} of connection ${c.id} is already connection ${had.id}'s: joins naming it go to connection ${had.id}`);
      return;
    }
    this.tokens.set(token, c);
  }

  /** The key of the side sending `dir`'s data (the client's for c2s): its token, and the direction's IDSN. */
  private setKey(c: Connection, dir: Dir, hi: number, lo: number, frame: number, t: number): void {
    const m = c.dirs[dir];
    const side = dir === C2S ? 'client' : 'server';
    if (m.keyKnown) {
      if (m.keyHi !== hi || m.keyLo !== lo) this.event(t, frame, c, -1, 'mp_capable', `${side} key changed: echoed key does not match the one first sent`, { side, reason: 'key changed' });
      return;
    }
    const version = c.version === 0 ? 0 : 1;
    const d = deriveFromKey(version, hi, lo);
    m.keyKnown = true;
    m.keyHi = hi;
    m.keyLo = lo;
    m.token = d.token;
    this.registerToken(d.token, c);
    if (m.baseMode === BASE_UNSET) m.setIdsn(d.idsnHi, d.idsnLo);
    else if (m.baseMode !== BASE_IDSN || m.baseHi !== d.idsnHi || m.baseLo !== d.idsnLo) {
      // Data came before the key (or a hint disagrees): a second pass uses the IDSN throughout.
      if (!this.hints) this.needsSecondPass = true;
      if (m.baseMode === BASE_OBSERVED && !this.hints) {
        m.baseMode = BASE_IDSN; // the end-of-pass hint will carry the IDSN
        m.baseHi = d.idsnHi;
        m.baseLo = d.idsnLo;
      }
    }
  }

  // ---- MPTCP options ----

  /** Handles every MPTCP option of a packet; returns true when the snaplen cut its options. */
  private options(): boolean {
    const { f, p, t } = this.cur;
    const { flow, fromA } = this.cur.tcp;
    let cut = false;
    for (let i = 0; i < p.mptcpCount; i++) {
      const m = p.mptcp[i]!;
      if (m.truncated) cut = true;
      if (m.malformed) {
        this.stats.malformedOptions++;
        continue;
      }
      switch (m.subtype) {
        case M.MP_CAPABLE:
          this.capable(m);
          break;
        case M.MP_JOIN:
          if (!m.truncated) this.join(m);
          break;
        case M.MP_DSS:
          if (!m.truncated) this.dss(m);
          break;
        default:
          if (!m.truncated) {
            const sub = flow.sub ?? this.unannouncedSubflow(flow, f.index, t);
            this.signal(m, sub, sub.dirOf(fromA));
          }
      }
    }
    if (cut) this.stats.optionsCut++;
    return cut || p.optionsTruncated;
  }

  /**
   * packets.csv's dsn and data_ack for a late packet (FinishedFlows), from
   * its DSS option and what its connection left: as `dss` and `data` would
   * give them, but for data whose mapping is not in the packet itself (the
   * subflow's mapping table is gone). Nothing else is read or changed.
   */
  private lateDss(late: FinishedOwner, dir: Dir): void {
    const { p } = this.cur;
    const { flow, fromA, rel } = this.cur.tcp;
    const row = this.row;
    for (let i = 0; i < p.mptcpCount; i++) {
      const m = p.mptcp[i]!;
      if (m.subtype !== M.MP_DSS || m.truncated || m.malformed) continue;
      const o = late.dsn[otherDir(dir)];
      if (m.hasAck && o.mode !== BASE_UNSET) {
        o.lastAck = relDsn(m.ackHi, m.ackLo, m.ack64, o.hi, o.lo, Number.isNaN(o.lastAck) ? o.lastDsn : o.lastAck);
        row.dataAck = o.lastAck;
      }
      const d = late.dsn[dir];
      if (!m.hasMap || d.mode === BASE_UNSET) continue;
      const dsn = (d.lastDsn = relDsn(m.dsnHi, m.dsnLo, m.dsn64, d.hi, d.lo, d.lastDsn));
      if (p.payloadLen === 0) {
        if (m.dataFin && m.dataLen > 0) row.dsn = dsn + m.dataLen - 1;
        continue;
      }
      const isn = late.isn[dir];
      if (Number.isNaN(isn)) continue;
      const here = rel + seqDiff(flow.dirs[fromA ? 0 : 1].base, isn);
      const ssn = widen32(m.ssn, here);
      if (here >= ssn && (m.dataLen === 0 || here < ssn + m.dataLen)) row.dsn = dsn + (here - ssn);
    }
  }

  private capable(m: M.MptcpOption): void {
    const { f, p, t } = this.cur;
    const { flow, fromA, syn, ack } = this.cur.tcp;
    let sub = flow.sub;
    if (syn && !ack) {
      if (sub === null) {
        const c = this.newConnection(flow, fromA, f.index, t);
        c.version = m.version;
        c.handshake = 'partial';
        sub = c.subflows[0]!;
        this.event(t, f.index, c, 0, 'mp_capable', `SYN v${m.version} flags 0x${hex8(m.capFlags)}`, { side: 'client' });
      }
      const c = sub.conn;
      c.synCount++;
      if (!m.truncated) {
        c.dirs[C2S].synFlags = m.capFlags;
        if (m.hasSenderKey) this.setKey(c, C2S, m.senderKeyHi, m.senderKeyLo, f.index, t);
      }
      return;
    }
    if (syn) {
      if (sub === null) {
        const c = this.newConnection(flow, !fromA, f.index, t);
        c.version = m.version;
        c.handshake = 'partial';
        sub = c.subflows[0]!;
        this.event(t, f.index, c, 0, 'mp_capable', `SYN/ACK v${m.version} (SYN not captured)`, { side: 'server' });
      }
      const c = sub.conn;
      if (sub.kind !== 'initial') return;
      c.sawSynAck = true;
      c.version = m.version;
      if (m.truncated) return;
      c.dirs[S2C].synFlags = m.capFlags;
      if (m.hasSenderKey) this.setKey(c, S2C, m.senderKeyHi, m.senderKeyLo, f.index, t);
      return;
    }
    if (sub === null) {
      const c = this.newConnection(flow, fromA, f.index, t);
      c.version = m.version;
      c.handshake = 'partial';
      sub = c.subflows[0]!;
      this.event(t, f.index, c, 0, 'mp_capable', `ACK v${m.version} (SYN and SYN/ACK not captured)`, { side: 'client' });
    }
    const c = sub.conn;
    if (sub.kind !== 'initial' || sub.dirOf(fromA) !== C2S || m.truncated) return;
    if (!c.sawAck) {
      c.sawAck = true;
      c.dirs[C2S].ackFlags = m.capFlags;
      if (c.synCount > 0 && c.sawSynAck) c.handshake = 'full';
    }
    if (m.hasSenderKey) this.setKey(c, C2S, m.senderKeyHi, m.senderKeyLo, f.index, t);
    if (m.hasReceiverKey) this.setKey(c, S2C, m.receiverKeyHi, m.receiverKeyLo, f.index, t);
    if (m.dataLen > 0 && p.payloadLen > 0) {
      // RFC 8684 §3.1: the first data's MP_CAPABLE maps it implicitly from DSN IDSN+1, subflow sequence 1.
      const meta = c.dirs[C2S];
      if (meta.baseMode !== BASE_UNSET) {
        const sd = sub.dirs[C2S];
        this.subflowIsn(sd, flow.dirs[fromA ? 0 : 1], flow, fromA);
        sd.addMapping(1, 1, m.dataLen, f.index);
      }
      const x = this.mappingOf(f.index, t, sub, C2S);
      x.dsn = x.ssn = x.ssn32 = 1;
      x.len = x.payload = m.dataLen;
      x.checksum = m.checksum;
      for (const d of this.onMapping) d.mapping!(x);
    }
  }

  private join(m: M.MptcpOption): void {
    const { f, t } = this.cur;
    const { flow, syn, ack } = this.cur.tcp;
    if (syn && !ack) {
      if (m.length !== 12 || flow.sub !== null) return; // SYN retransmission, or nonsense
      let c = this.tokens.get(m.token);
      let initiatorIsClient = true;
      if (c === undefined) {
        // The connection's handshake was not captured: joins naming this token form one connection.
        c = this.newConnection(flow, true, f.index, t);
        c.dirs[S2C].token = m.token;
        this.registerToken(m.token, c);
        c.subflows.length = 0;
        flow.sub = null;
      } else initiatorIsClient = m.token === c.dirs[S2C].token;
      const sub = new Subflow(c, c.subflows.length, flow, 'join', initiatorIsClient ? true : false, t);
      c.addSubflow(sub);
      flow.sub = sub;
      sub.initiatorIsClient = initiatorIsClient;
      sub.addrId = m.addrId;
      sub.prio[initiatorIsClient ? C2S : S2C] = m.backup;
      sub.token = m.token;
      sub.nonceInit = m.nonce;
      sub.synFrame = f.index;
      sub.synTime = t;
      if (t > c.end) c.end = t;
      this.event(t, f.index, c, sub.index, 'join', `SYN token 0x${hex32(m.token)} addr_id ${m.addrId} backup ${m.backup ? 1 : 0} from ${initiatorIsClient ? 'client' : 'server'}`, { side: initiatorIsClient ? 'client' : 'server', addrId: m.addrId });
      this.subflowEvent(c, sub, JOINED, t);
      return;
    }
    let sub = flow.sub;
    if (syn) {
      if (m.length !== 16) return;
      if (sub === null) {
        // A join whose SYN was not captured: a connection of its own, the SYN/ACK's receiver initiated it.
        const c = this.newConnection(flow, false, f.index, t);
        c.subflows.length = 0;
        sub = new Subflow(c, 0, flow, 'join', false, t);
        c.addSubflow(sub);
        flow.sub = sub;
        this.event(t, f.index, c, 0, 'join', `SYN/ACK addr_id ${m.addrId} backup ${m.backup ? 1 : 0} (SYN not captured)`, { addrId: m.addrId });
      }
      if (sub.kind !== 'join') return;
      sub.synAckSeen = true;
      sub.synAckHadJoin = true;
      sub.peerAddrId = m.addrId;
      sub.prio[sub.initiatorIsClient ? S2C : C2S] = m.backup;
      sub.nonceResp = m.nonce;
      sub.synackHmac = f.data.slice(m.hmacOffset, m.hmacOffset + 8);
      return;
    }
    if (sub === null || sub.kind !== 'join' || m.length !== 24) return;
    sub.ackSeen = true;
    if (sub.ackHmac === null) sub.ackHmac = f.data.slice(m.hmacOffset, m.hmacOffset + 20);
    this.verifyJoin(sub);
  }

  /** Checks both join HMACs once the keys, nonces and HMACs are all known (RFC 8684 §3.2). */
  private verifyJoin(sub: Subflow): void {
    const c = sub.conn;
    const [ci, cr] = sub.initiatorIsClient ? [c.dirs[C2S], c.dirs[S2C]] : [c.dirs[S2C], c.dirs[C2S]];
    if (sub.hmacOk !== null || !ci.keyKnown || !cr.keyKnown || sub.synackHmac === null || sub.ackHmac === null) return;
    const version = c.version === 0 ? 0 : 1;
    const initKey = keyBytes(ci.keyHi, ci.keyLo);
    const respKey = keyBytes(cr.keyHi, cr.keyLo);
    const respMac = joinHmac(version, respKey, initKey, sub.nonceResp, sub.nonceInit).subarray(0, 8);
    const initMac = joinHmac(version, initKey, respKey, sub.nonceInit, sub.nonceResp).subarray(0, 20);
    sub.hmacOk = Buffer.compare(respMac, sub.synackHmac) === 0 && Buffer.compare(initMac, sub.ackHmac) === 0;
  }

  private dss(m: M.MptcpOption): void {
    const { f, p, t } = this.cur;
    const { flow, fromA, rel } = this.cur.tcp;
    const sub = flow.sub ?? this.unannouncedSubflow(flow, f.index, t);
    sub.dssPackets++;
    const c = sub.conn;
    const dir = sub.dirOf(fromA);
    const row = this.row;
    if (m.hasAck) {
      const other = c.dirs[otherDir(dir)];
      if (other.baseMode === BASE_UNSET) {
        // Nothing of that direction seen yet: this ACK is its first byte.
        other.setObserved(m.ack64 ? m.ackHi : 0, m.ackLo, 1, m.ack64);
      }
      const near = Number.isNaN(other.lastAck) ? other.lastDsn : other.lastAck;
      const a = other.rel(m.ackHi, m.ackLo, m.ack64, near);
      const changed = a !== other.lastAck;
      other.lastAck = a;
      other.lastAckTime = t;
      if (a < other.minAck) other.minAck = a;
      if (a > other.maxAck) other.maxAck = a;
      if (this.wantPackets) row.dataAck = a;
      if (changed && this.sink.dataAck !== undefined) this.sink.dataAck(c.id, otherDir(dir), t, a);
      for (const d of this.onDataAck) d.dataAck!(c, otherDir(dir), a, t, f.index);
    }
    if (!m.hasMap) return;
    const meta = c.dirs[dir];
    if (meta.baseMode === BASE_UNSET) {
      meta.setObserved(m.dsn64 ? m.dsnHi : 0, m.dsnLo, 1, m.dsn64);
    }
    const dsn = meta.rel(m.dsnHi, m.dsnLo, m.dsn64, meta.lastDsn);
    meta.lastDsn = dsn;
    if (p.payloadLen > 0 && dsn < meta.minDsn) meta.minDsn = dsn;
    const sd = sub.dirs[dir];
    const fd = flow.dirs[fromA ? 0 : 1];
    if (sd.isnMode === ISN_NONE) this.subflowIsn(sd, fd, flow, fromA);
    if (sd.isnMode === ISN_NONE || (sd.isnMode === ISN_INFERRED && !this.hasIsnHint(flow, fromA))) {
      if (p.payloadLen > 0) this.inferIsn(sd, flow, fromA, (p.seq - m.ssn) >>> 0);
    }
    if (sd.isnMode === ISN_NONE) return;
    // The subflow sequence of this packet, relative to the ISN, unwraps the mapping's 32-bit SSN.
    const here = rel + seqDiff(fd.base, sd.isn);
    const ssn = widen32(m.ssn, here);
    const len = m.dataLen === 0 ? Infinity : m.dataLen;
    const fresh = sd.addMapping(ssn, dsn, len, f.index);
    if (m.dataLen === 0 && fresh) {
      this.event(t, f.index, c, sub.index, 'infinite_mapping', `dsn ${u64String(dsn)} ssn ${ssn}`, { side: dir === C2S ? 'client' : 'server', dsn });
    }
    if (m.dataFin && m.dataLen > 0) {
      const at = dsn + m.dataLen - 1;
      if (Number.isNaN(meta.dataFin)) {
        meta.dataFin = at;
        meta.dataFinTime = t;
        meta.dataFinFrame = f.index;
        this.event(t, f.index, c, sub.index, 'data_fin', `${dir === C2S ? 'from client' : 'from server'} at dsn ${u64String(at)}`, { side: dir === C2S ? 'client' : 'server', dsn: at });
      }
      sd.dataFin = true;
      if (p.payloadLen === 0 && this.wantPackets) row.dsn = at;
    }
    // A repeated mapping (each segment of a mapping may carry it) is news to no detector.
    if (fresh && this.onMapping.length > 0) {
      const x = this.mappingOf(f.index, t, sub, dir);
      x.dsn = dsn;
      x.ssn = ssn;
      x.ssn32 = m.ssn;
      x.len = m.dataLen;
      x.payload = m.dataFin && m.dataLen > 0 ? m.dataLen - 1 : m.dataLen;
      x.checksum = m.checksum;
      for (const d of this.onMapping) d.mapping!(x);
    }
  }

  /** The reused MappingFacts, with where the mapping was seen set; the caller fills in the mapping. */
  private mappingOf(frame: number, t: number, sub: Subflow, dir: Dir): MappingFacts {
    const x = this.map;
    x.frame = frame;
    x.t = t;
    x.conn = sub.conn;
    x.sub = sub;
    x.dir = dir;
    return x;
  }

  /**
   * MPTCP options on a flow whose MP_CAPABLE or MP_JOIN handshake was not
   * captured: the flow becomes a connection of its own (ANALYSIS.md). Its
   * client is the SYN's sender if seen, else the endpoint with the higher port.
   */
  private unannouncedSubflow(flow: Flow, frame: number, t: number): Subflow {
    const aIsClient = flow.dirs[0].synSeen || (!flow.dirs[1].synSeen && flow.portA >= flow.portB);
    return this.newConnection(flow, aIsClient, frame, t).subflows[0]!;
  }

  /** The ISN a subflow direction's DSS sequence numbers count from: its SYN's, a hint, or none yet. */
  private subflowIsn(sd: SubflowDir, fd: FlowDir, flow: Flow, fromA: boolean): void {
    if (fd.synSeen) {
      sd.isn = fd.base;
      sd.isnMode = ISN_SYN;
      return;
    }
    const h = this.hints?.isns.get(flow.id)?.[fromA ? 0 : 1];
    if (h !== undefined && h !== null) {
      sd.isn = h;
      sd.isnMode = ISN_INFERRED;
    }
  }

  private hasIsnHint(flow: Flow, fromA: boolean): boolean {
    const h = this.hints?.isns.get(flow.id)?.[fromA ? 0 : 1];
    return h !== undefined && h !== null;
  }

  /**
   * No SYN captured: a segment carrying a mapping starts at or after the
   * mapping's first byte, so ISN <= seq − ssn. The lowest such bound is the
   * ISN as soon as one mapping's first segment was captured.
   */
  private inferIsn(sd: SubflowDir, flow: Flow, fromA: boolean, candidate: number): void {
    if (sd.isnMode !== ISN_NONE && seqDiff(candidate, sd.isn) >= 0) return;
    if (sd.isnMode !== ISN_NONE) this.needsSecondPass = true;
    sd.isn = candidate;
    sd.isnMode = ISN_INFERRED;
    let h = this.isnHints.get(flow.id);
    if (h === undefined) {
      h = [null, null];
      this.isnHints.set(flow.id, h);
    }
    h[fromA ? 0 : 1] = candidate;
  }

  /** ADD_ADDR, REMOVE_ADDR, MP_PRIO, MP_FAIL, MP_FASTCLOSE, MP_TCPRST. */
  private signal(m: M.MptcpOption, sub: Subflow, dir: Dir): void {
    const { f, t } = this.cur;
    const c = sub.conn;
    const side = dir === C2S ? 'client' : 'server';
    switch (m.subtype) {
      case M.MP_ADD_ADDR: {
        const addr = m.addrOffset >= 0 ? formatIp(f.data, m.addrOffset, m.ipVersion === 4 ? 4 : 16) : '?';
        const text = m.port >= 0 ? (m.ipVersion === 6 ? `[${addr}]:${m.port}` : `${addr}:${m.port}`) : addr;
        if (!m.echo) (c.addresses[dir] ??= new Map()).set(m.addrId, text);
        this.event(t, f.index, c, sub.index, 'add_addr', `${m.echo ? 'echo ' : ''}id ${m.addrId} ${text} from ${side}${this.addAddrHmac(m, c, dir)}`, { side, addrId: m.addrId });
        break;
      }
      case M.MP_REMOVE_ADDR: {
        const ids = Array.from(f.data.subarray(m.idsOffset, m.idsOffset + m.idsCount));
        for (const id of ids) c.addresses[dir]?.delete(id);
        this.event(t, f.index, c, sub.index, 'remove_addr', `ids ${ids.join(' ')} from ${side}`, { side, ...(ids.length === 1 ? { addrId: ids[0]! } : {}) });
        break;
      }
      case M.MP_PRIO:
        sub.prio[dir] = m.backup;
        this.event(t, f.index, c, sub.index, 'mp_prio', `backup ${m.backup ? 1 : 0}${m.addrId >= 0 ? ` addr_id ${m.addrId}` : ''} from ${side}`, { side, ...(m.addrId >= 0 ? { addrId: m.addrId } : {}) });
        this.subflowEvent(c, sub, m.backup ? TO_BACKUP : TO_REGULAR, t);
        break;
      case M.MP_FAIL: {
        const meta = c.dirs[otherDir(dir)];
        const dsn = meta.baseMode === BASE_UNSET ? NaN : meta.rel(m.dsnHi, m.dsnLo, true, meta.lastDsn);
        this.event(t, f.index, c, sub.index, 'mp_fail', `dsn ${Number.isNaN(dsn) ? 'unknown' : u64String(dsn)} from ${side}`, { side, dsn });
        break;
      }
      case M.MP_FASTCLOSE:
        c.fastclose = true;
        this.event(t, f.index, c, sub.index, 'mp_fastclose', `from ${side}`, { side });
        break;
      case M.MP_TCPRST: {
        const why = M.TCPRST_REASONS[m.reason] ?? `reason ${m.reason}`;
        const fl = (m.rstFlags & M.RST_T) !== 0 ? ' transient' : '';
        c.tcprsts++;
        this.event(t, f.index, c, sub.index, 'mp_tcprst', `reason ${m.reason} (${why})${fl} from ${side}`, { side, reason: why });
        if (sub.close === null || sub.close === 'rst') {
          sub.close = 'mp_tcprst';
          sub.closeReason = why;
        }
        break;
      }
      default:
        break;
    }
  }

  /** RFC 8684 §3.4.1: the sender's truncated HMAC over id, address and port, when the keys are known. */
  private addAddrHmac(m: M.MptcpOption, c: Connection, dir: Dir): string {
    const f = this.cur.f;
    if (m.hmacOffset < 0) return '';
    const o = c.dirs[dir];
    const p = c.dirs[otherDir(dir)];
    if (!o.keyKnown || !p.keyKnown) return '; hmac not verifiable (keys unknown)';
    const own = keyBytes(o.keyHi, o.keyLo);
    const peer = keyBytes(p.keyHi, p.keyLo);
    const mac = addAddrHmac(own, peer, m.addrId, f.data.subarray(m.addrOffset, m.addrOffset + (m.ipVersion === 4 ? 4 : 16)), m.port);
    const sent = f.data.subarray(m.hmacOffset, m.hmacOffset + 8);
    if (Buffer.compare(mac.subarray(mac.length - 8), sent) === 0) return '; hmac ok';
    if (Buffer.compare(mac.subarray(0, 8), sent) === 0) return '; hmac ok (leftmost 64 bits, as Linux before 5.10)';
    return '; HMAC MISMATCH';
  }

  // ---- data ----

  /** The payload of the current packet, from `sub` in direction `dir`, placed in the data sequence through the mappings. */
  private data(sub: Subflow, dir: Dir): void {
    const { f, p, t } = this.cur;
    const { fd, len } = this.cur.tcp;
    const pStart = this.cur.tcp.rel + (this.cur.tcp.syn ? 1 : 0);
    const c = sub.conn;
    const meta = c.dirs[dir];
    const sd = sub.dirs[dir];
    sd.lastData = t;
    if (sd.isnMode === ISN_NONE || meta.baseMode === BASE_UNSET) {
      sd.unmappedSegments++;
      meta.unmappedBytes += len;
      this.stats.unmappedSegments++;
      return;
    }
    const shift = seqDiff(fd.base, sd.isn);
    let pos = pStart + shift;
    let left = len;
    let first = NaN;
    const maps = sd.maps;
    // What every mapped range of this packet shares; the loop sets the range's own fields.
    const x = this.seg;
    x.frame = f.index;
    x.t = t;
    x.bytes = f.data;
    x.conn = c;
    x.dir = dir;
    x.sub = sub;
    while (left > 0) {
      const k = maps.find(pos);
      if (k < 0) {
        sd.unmappedSegments++;
        meta.unmappedBytes += left;
        this.stats.unmappedSegments++;
        break;
      }
      const mapStart = maps.ssnAt(k);
      const n = Math.min(left, mapStart + maps.lenAt(k) - pos);
      const ds = maps.dsnAt(k) + (pos - mapStart);
      if (Number.isNaN(first)) first = ds;
      // Bytes this subflow sent before are its own retransmission, never a reinjection.
      const repeated = Math.max(0, Math.min(n, this.tcp.facts.newFrom - (pos - shift)));
      x.at = p.payloadOffset + (len - left);
      x.captured = Math.max(0, Math.min(n, p.payloadCaptured - (len - left)));
      x.ssn = pos;
      this.dataRange(meta, sd, ds, ds + n, ds + repeated);
      pos += n;
      left -= n;
    }
    if (this.wantPackets) this.row.dsn = first;
    for (const d of this.onDataPacket) d.dataPacket!(c, sub, dir, len, t, f.index);
  }

  /** A range [ds, de) of relative DSNs carried by the segment in `seg` (frame, time, subflow and bytes set), the bytes from `firstTx` sent for the first time on the subflow. */
  private dataRange(meta: MetaDir, sd: SubflowDir, ds: number, de: number, firstTx: number): void {
    const x = this.seg;
    const n = de - ds;
    meta.carried += n;
    sd.dsnBytes += n;
    if (Number.isNaN(meta.firstData)) meta.firstData = x.t;
    meta.lastData = x.t;
    if (ds < meta.minDsn) meta.minDsn = ds;
    const det = meta.detectors;
    const fresh = det.covered.add(ds, de);
    det.unique += fresh;
    x.ds = ds;
    x.de = de;
    x.firstTx = firstTx;
    x.fresh = fresh;
    x.reinjected = 0;
    x.advanced = false;
    // One call site per detector, in the detectors' order: a loop over six kinds of receiver is a
    // megamorphic call V8 neither inlines nor caches (2% of the analysis of a bulk download).
    const b = this.onSegmentBuiltIn;
    b.checksum.segment(x);
    b.reinjection.segment(x);
    b.hole.segment(x);
    b.handover.segment(x);
    b.mptcpRtt.segment(x);
    b.flight.segment(x);
    for (const d of this.onSegment) d.segment!(x);
    // Called here, not as one more detector: one call site, one receiver.
    if (this.sink.segment !== undefined) this.sink.segment(x.conn.id, x.dir, x.sub.index, x.t, ds, de, fresh, x.reinjected > 0);
  }

  private subflowReset(sub: Subflow, dir: Dir): void {
    const { f, p, t } = this.cur;
    let reason = '';
    for (let i = 0; i < p.mptcpCount; i++) {
      const m = p.mptcp[i]!;
      if (m.subtype === M.MP_TCPRST && !m.malformed && !m.truncated) reason = M.TCPRST_REASONS[m.reason] ?? `reason ${m.reason}`;
    }
    const flowDir = sub.flow.dirs[sub.aIsClient === (dir === C2S) ? 0 : 1];
    if (flowDir.rst) return;
    flowDir.rst = true;
    sub.conn.subflowRsts++;
    this.event(t, f.index, sub.conn, sub.index, 'subflow_rst', `from ${dir === C2S ? 'client' : 'server'}${reason ? ` (mp_tcprst ${reason})` : ''}`, { side: dir === C2S ? 'client' : 'server', ...(reason ? { reason } : {}) });
    this.subflowClosed(sub, reason ? 'mp_tcprst' : 'rst', t, reason || null);
    this.subflowEvent(sub.conn, sub, reason ? { kind: 'down', how: 'RST', reason } : DOWN_RST, t, f.index);
  }

  private subflowClosed(sub: Subflow, how: SubflowClose, t: number, reason: string | null = null): void {
    if (sub.close === null || (how === 'mp_tcprst' && sub.close === 'fin')) {
      sub.close = how;
      sub.closeReason = reason;
    }
    const c = sub.conn;
    if (how === 'fin') this.subflowEvent(c, sub, DOWN_FIN, t);
  }

  // ---- end of a connection ----

  private finalize(c: Connection): void {
    if (c.finalized) return;
    c.finalized = true;
    for (const { token } of c.dirs) if (token >= 0 && this.tokens.get(token) === c) this.tokens.delete(token);
    for (const sub of c.subflows) {
      this.verifyJoin(sub);
      if (sub.close === null) sub.close = sub.flow.evicted ? 'evicted' : 'open';
    }
    for (const d of this.detectors) d.finish?.(c);
    // The sink had each data ACK that changed; the last one again where it was last seen (a step line ends there).
    if (this.sink.dataAck !== undefined) {
      for (let d = 0; d < 2; d++) {
        const m = c.dirs[d]!;
        if (!Number.isNaN(m.lastAckTime)) this.sink.dataAck(c.id, d, m.lastAckTime, m.lastAck);
      }
    }
    this.recordBases(c);
    c.close = c.howClosed();
    const rec = freezeConnection(c, this.vantage);
    for (const d of rec.dirs) if (d.unknownCause !== null) this.unknownDirs[d.unknownCause]++;
    this.sink.connection(rec);
  }

  // ---- helpers ----

  private event(time: number, frame: number, c: Connection, subflow: number, event: EventName, detail: string, fields: EventFields = {}): void {
    this.emit({ time, frame, conn: c.id, subflow, event, detail, ...fields }, c);
  }

  /** An event to the sink, then to the detectors that read events. */
  private emit(row: EventRow, c: Connection): void {
    this.sink.row(EVENTS, row);
    for (const d of this.onEvent) d.event!(row, c, row.subflow < 0 ? null : (c.subflows[row.subflow] ?? null));
  }

  /** "dss", "mp_join dss"...: cached per combination, so packets.csv allocates no string per row. */
  private subtypeList(p: DecodedPacket): string {
    let key = 0;
    for (let i = 0; i < p.mptcpCount && i < 6; i++) key = key * 17 + (p.mptcp[i]!.subtype + 2);
    let s = this.subtypeNames.get(key);
    if (s === undefined) {
      const names: string[] = [];
      for (let i = 0; i < p.mptcpCount; i++) names.push(M.subtypeName(p.mptcp[i]!.subtype));
      s = names.join(' ');
      this.subtypeNames.set(key, s);
    }
    return s;
  }
}

function hex32(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}

function hex8(v: number): string {
  return v.toString(16).padStart(2, '0');
}

/** What a finished connection leaves beside a subflow's flow for a late packet (FinishedFlows). */
function finishedOwner(c: Connection, s: Subflow): FinishedOwner {
  const dsn = (m: MetaDir): LateDsn => ({ mode: m.baseMode, hi: m.baseHi, lo: m.baseLo, lastDsn: m.lastDsn, lastAck: m.lastAck });
  const isn = (d: SubflowDir): number => (d.isnMode === ISN_NONE ? NaN : d.isn);
  return { conn: c.id, subflow: s.index, aIsClient: s.aIsClient, dsn: [dsn(c.dirs[C2S]), dsn(c.dirs[S2C])], isn: [isn(s.dirs[C2S]), isn(s.dirs[S2C])] };
}
