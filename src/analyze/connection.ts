import { ConnectionSlot } from './detect/detector.js';
import { HoleTracker } from './detect/holes.js';
import type { RttStats } from './detect/rtt.js';
import { SentLog } from './detect/sent-log.js';
import type { Flow } from './flow.js';
import { IntervalSet } from './intervals.js';
import { MappingTable } from './mapping.js';
import type { ConnectionClose, Dir, FallbackKind, HandoverRow, JoinFailure, SubflowClose } from './model.js';
import type { ChecksumCheck } from './checksum.js';
import { relDsn } from './numbers.js';

/** How a direction's DSNs are made relative (ANALYSIS.md "Relative DSN"). */
export const BASE_UNSET = 0;
/** DSN − IDSN of the sender (its key was seen). */
export const BASE_IDSN = 1;
/** DSN − (lowest DSN seen − 1): the key was never seen. */
export const BASE_OBSERVED = 2;

/**
 * One direction of a connection's data sequence (Wireshark's meta flow):
 * its base, what was delivered, what the receiver acknowledged, and the
 * detectors' state. Bounded by data in flight, not by the trace.
 */
export class MetaDir {
  /** The sending side's key, from which this direction's IDSN and the side's token derive. */
  keyKnown = false;
  keyHi = 0;
  keyLo = 0;
  /** The sending side's token (uint32), or -1 while unknown. */
  token = -1;
  /** MP_CAPABLE flags of the side's SYN (the client's) or SYN/ACK (the server's), and of its third ACK (the client's only); -1: not seen. */
  synFlags = -1;
  ackFlags = -1;
  baseMode = BASE_UNSET;
  baseHi = 0;
  baseLo = 0;
  /** The base's high 32 bits are real (an IDSN, or set from a 64-bit DSN): absolute DSNs can be rebuilt. */
  baseExact = false;
  /** Last relative DSN and data ACK, to widen 32-bit ones. */
  lastDsn = 0;
  lastAck = NaN;
  /** When the last data ACK for this direction's data was seen (NaN: none). */
  lastAckTime = NaN;
  /** Lowest relative DSN of any data segment, and of any data ACK (for the observed base). */
  minDsn = Infinity;
  minAck = Infinity;
  /** Highest relative data ACK for this direction's data. */
  maxAck = -Infinity;
  firstData = NaN;
  lastData = NaN;
  dataFin = NaN;
  dataFinTime = NaN;
  dataFinFrame = 0;
  /** The data-level detectors, made when the first data of this direction arrives. */
  private det: Detectors | null = null;
  reinjectedBytes = 0;
  reinjectedSegments = 0;
  redundantReinjections = 0;
  /** Payload bytes on subflows that no mapping covered. */
  unmappedBytes = 0;
  /** Bytes of DSN space carried, counting repeats (for the share per subflow). */
  carried = 0;
  /** Data packets of this direction whose TCP options the snaplen cut (their DSS may be lost). */
  cutPackets = 0;
  /** MPTCP-level RTT figures, set when the connection is finished (detect/rtt.ts). */
  mptcpRtt: RttStats | null = null;
  /** Holes (holes.csv rows): how many, still open at the end, total and longest duration of the closed ones. */
  holeCount = 0;
  holesOpen = 0;
  holeTime = 0;
  holeMax = 0;

  /** Counts a hole row: closed after `duration` seconds, or still open at the end (NaN). */
  countHole(duration: number): void {
    this.holeCount++;
    if (Number.isNaN(duration)) this.holesOpen++;
    else {
      this.holeTime += duration;
      if (duration > this.holeMax) this.holeMax = duration;
    }
  }

  /** Sets the base from the sender's IDSN. */
  setIdsn(hi: number, lo: number): void {
    this.baseMode = BASE_IDSN;
    this.baseHi = hi;
    this.baseLo = lo;
    this.baseExact = true;
  }

  /** Sets an observed base so that absolute `hi:lo` (a 64-bit value if `exact`) becomes relative `rel`. */
  setObserved(hi: number, lo: number, rel: number, exact: boolean): void {
    this.baseMode = BASE_OBSERVED;
    this.baseExact = exact;
    let l = lo - (rel % 4294967296);
    let h = hi - Math.floor(rel / 4294967296);
    if (l < 0) {
      l += 4294967296;
      h -= 1;
    }
    this.baseHi = h >>> 0;
    this.baseLo = l >>> 0;
  }

  /** Relative value of a DSN or data ACK of this direction; `near` unwraps 32-bit ones. */
  rel(hi: number, lo: number, is64: boolean, near: number): number {
    return relDsn(hi, lo, is64, this.baseHi, this.baseLo, near);
  }

  /** DSN space carried, what each subflow sent, and the holes (made on first use). */
  get detectors(): Detectors {
    return (this.det ??= new Detectors());
  }

  /** Unique bytes of DSN space carried by data segments. */
  get uniqueBytes(): number {
    return this.det === null ? 0 : this.det.unique;
  }

  get maxOfo(): number {
    return this.det === null ? 0 : this.det.holes.maxOfo;
  }

  get ofoSegments(): number {
    return this.det === null ? 0 : this.det.holes.ofoSegments;
  }
}

/** Per-direction data-level state: coverage (unique bytes), the sent log (reinjections), the holes. */
export class Detectors {
  readonly covered = new IntervalSet(1 << 15);
  /**
   * Bytes new to `covered` when they arrived. Exact until `covered` is at
   * capacity and merges ranges; after that, data landing in a merged gap
   * is not counted again (never double-counted).
   */
  unique = 0;
  readonly sent = new SentLog();
  readonly holes = new HoleTracker();
}

/** One direction of one subflow: its mappings and how its subflow sequence maps to them. */
export class SubflowDir {
  /** Its mappings: one shared empty table, never written, until the first is added (most joins of a busy capture never carry data). */
  maps: MappingTable = NO_MAPPINGS;
  /** ISN used for DSS subflow sequence numbers: from the SYN, or inferred from mappings (ISN_INFERRED). */
  isn = 0;
  isnMode = 0;
  /** Bytes of DSN space this subflow carried (each byte once per transmission on this subflow). */
  dsnBytes = 0;
  /** Bytes it sent that other subflows had sent before (reinjected by it), and bytes of its own that others re-sent. */
  reinjected = 0;
  reinjectedAway = 0;
  /** Segments with payload and no mapping covering them. */
  unmappedSegments = 0;
  dataFin = false;
  lastData = NaN;
  /** Subflow RTT figures of this direction's data, set when the connection is finished (detect/subflow-rtt.ts). */
  rtt: RttStats | null = null;
  /** The checksum detector's: the DSS checksum being summed over the current mapping (made when checksums appear). */
  csum: ChecksumCheck | null = null;

  /** Records a mapping (see MappingTable.add); false when the same one is already held. */
  addMapping(ssn: number, dsn: number, len: number, frame: number): boolean {
    if (this.maps === NO_MAPPINGS) this.maps = new MappingTable();
    return this.maps.add(ssn, dsn, len, frame);
  }
}

/** The table of every subflow direction without mappings: empty, read only. */
const NO_MAPPINGS = new MappingTable(0, 0);

export const ISN_NONE = 0;
export const ISN_SYN = 1;
export const ISN_INFERRED = 2;

export type SubflowKind = 'initial' | 'join';

/** A TCP flow that belongs to an MPTCP connection. */
export class Subflow {
  /** c2s, s2c. */
  readonly dirs: [SubflowDir, SubflowDir] = [new SubflowDir(), new SubflowDir()];
  /** Address ids of the MP_JOIN SYN (initiator) and SYN/ACK (responder). */
  addrId = -1;
  peerAddrId = -1;
  /** Backup flags as last set by MP_JOIN or MP_PRIO, per side that set them (index 0: the client). */
  readonly prio: [boolean, boolean] = [false, false];
  token = -1;
  nonceInit = 0;
  nonceResp = 0;
  synackHmac: Uint8Array | null = null;
  ackHmac: Uint8Array | null = null;
  /** true / false once verified, null when it cannot be. */
  hmacOk: boolean | null = null;
  /** The join's initiator is the connection's client. */
  initiatorIsClient = true;
  synFrame = 0;
  synTime = NaN;
  synAckSeen = false;
  synAckHadJoin = false;
  ackSeen = false;
  /** Last packet and how the subflow ended (null while open). */
  end = NaN;
  close: SubflowClose | null = null;
  /** The MP_TCPRST reason name when close is mp_tcprst. */
  closeReason: string | null = null;
  failed: JoinFailure | null = null;
  /** Data-level fallback on this subflow. */
  fallback: FallbackKind | '' = '';
  /** Packets with payload seen without any DSS (for no-dss detection). */
  bareDataPackets = 0;
  dssPackets = 0;

  constructor(
    readonly conn: Connection,
    readonly index: number,
    readonly flow: Flow,
    readonly kind: SubflowKind,
    /** The flow's endpoint A is the connection's client side. */
    readonly aIsClient: boolean,
    readonly start: number,
  ) {}

  /** Connection direction (C2S/S2C) of a packet going from the flow's A (`fromA`) or B. */
  dirOf(fromA: boolean): Dir {
    return fromA === this.aIsClient ? 0 : 1;
  }
}

export type Handshake = 'full' | 'partial' | 'missing';

/** Handovers kept per connection for its record (the CSV has them all). */
export const MAX_KEPT_HANDOVERS = 256;

/** One MPTCP connection. */
export class Connection {
  version = -1;
  clientAddr = '';
  clientPort = 0;
  serverAddr = '';
  serverPort = 0;
  /** MP_CAPABLE SYNs seen (retransmissions included). */
  synCount = 0;
  sawSynAck = false;
  sawAck = false;
  handshake: Handshake = 'missing';
  /** Its subflows by index (see addSubflow). */
  subflows: Subflow[] = [];
  /** c2s, s2c: each side's key, token and flags, and its data's sequence. */
  readonly dirs: [MetaDir, MetaDir] = [new MetaDir(), new MetaDir()];
  /** Detectors' per-connection state, one slot each (detect/detector.ts). */
  readonly slots: unknown[] = new Array<unknown>(ConnectionSlot.count).fill(undefined);
  end: number;
  fallback: FallbackKind | '' = '';
  fallbackTime = NaN;
  fallbackFrame = 0;
  /** How the connection ended (set when it is finished: see howClosed). */
  close: ConnectionClose = 'open';
  /** MP_FASTCLOSE seen; MP_TCPRST options and subflow RSTs (one per flow direction) seen. */
  fastclose = false;
  tcprsts = 0;
  subflowRsts = 0;
  /** ADD_ADDR / REMOVE_ADDR announcements: address id → text, per announcing side (made on first use). */
  readonly addresses: [Map<number, string> | null, Map<number, string> | null] = [null, null];
  handovers = 0;
  /** The first MAX_KEPT_HANDOVERS handovers, for the connection's record. */
  readonly handoverRows: HandoverRow[] = [];
  finalized = false;
  /** Nothing more is due on it (see isOver): set once seen. */
  over = false;
  /** DSS checksums: verified good, verified bad, not verifiable (payload not captured). */
  checksumsOk = 0;
  checksumsBad = 0;
  checksumsUnverified = 0;

  constructor(
    readonly id: number,
    readonly firstFrame: number,
    readonly start: number,
  ) {
    this.end = start;
  }

  /** Adds the next subflow: the first as an array of one (an empty array's first push makes room for 17: 136 bytes, and 10,000 connections may be open at once). */
  addSubflow(s: Subflow): void {
    if (this.subflows.length === 0) this.subflows = [s];
    else this.subflows.push(s);
  }

  /** How DSNs are made relative: idsn, observed, mixed (one direction each), or '' (no data). */
  get dsnBase(): string {
    const modes = this.dirs.map((d) => d.baseMode).filter((m) => m !== BASE_UNSET);
    if (modes.length === 0) return '';
    if (modes.every((m) => m === BASE_IDSN)) return 'idsn';
    if (modes.every((m) => m === BASE_OBSERVED)) return 'observed';
    return 'mixed';
  }

  /** Closed at the MPTCP level: MP_FASTCLOSE, or DATA_FIN both ways (no subflow may join it again). */
  closedByMptcp(): boolean {
    return this.fastclose || (!Number.isNaN(this.dirs[0].dataFin) && !Number.isNaN(this.dirs[1].dataFin));
  }

  /** Closed at the MPTCP level, and every subflow reset or its FINs acknowledged both ways (or forgotten). */
  isOver(): boolean {
    if (!this.closedByMptcp()) return false;
    for (const s of this.subflows) if (!s.flow.evicted && !s.flow.quiet) return false;
    return true;
  }

  /** How the connection ended, from what the capture shows (set when it is finished). */
  howClosed(): ConnectionClose {
    if (this.fastclose) return 'mp_fastclose';
    if (this.closedByMptcp()) return 'data_fin';
    // Without an array per call: the connection limit's look at closed connections asks every tracked one.
    if (this.subflows.length === 0) return 'open';
    let how: ConnectionClose = 'fin';
    for (const s of this.subflows) {
      const x = s.close;
      if (x === 'open' || x === null || x === 'evicted') return 'open';
      if (x === 'mp_tcprst') how = 'mp_tcprst';
      else if (x === 'rst' && how === 'fin') how = 'rst';
    }
    return how;
  }

  /**
   * DSS checksums are in use if either side set the A flag in the
   * handshake (RFC 6824 §3.1, RFC 8684 §3.1); undefined if no flags were seen.
   */
  get checksum(): boolean | undefined {
    // The A flag is bit 0x80 of the MP_CAPABLE flags; a negative value: not seen.
    let seen = false;
    for (const d of this.dirs) {
      if (d.synFlags >= 0 || d.ackFlags >= 0) seen = true;
      if ((d.synFlags >= 0 && (d.synFlags & 0x80) !== 0) || (d.ackFlags >= 0 && (d.ackFlags & 0x80) !== 0)) return true;
    }
    return seen ? false : undefined;
  }
}
