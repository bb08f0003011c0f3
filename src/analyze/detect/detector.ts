/**
 * The detector interface: a detection is one module with hooks, like
 * tcptrace's and mptcptrace's modules, fed finished facts like Wireshark's
 * taps. The MPTCP tracker (analyzer.ts) calls every registered detector's
 * hooks in registration order; a detector keeps its state in its slot of the
 * connection (per connection) or of the meta direction (per direction), never
 * in a map keyed by connection, and reports through the sink.
 *
 * Adding a detection: one file implementing Detector, one line in
 * `Analyzer`'s detector list, and its columns in src/report.
 */
import type { DecodedPacket } from '../../decode/packet.js';
import type { Connection, Subflow } from '../connection.js';
import type { Dir, EventRow } from '../model.js';
import type { TcpFacts } from '../tcp-tracker.js';

/**
 * One data segment's place in the data sequence: a relative DSN range of
 * one connection direction carried by one subflow. One object, reused for
 * every segment: read it in the hook, never keep it. Detectors earlier in
 * the list fill the fields marked "set by" for the later ones.
 */
export class SegmentFacts {
  frame = 0;
  t = 0;
  /** The frame's bytes, where the range's first payload byte is in them, and how many of the range's bytes the capture holds. */
  bytes!: Uint8Array;
  at = 0;
  captured = 0;
  /** Subflow sequence of the range's first byte, relative to the subflow's ISN (the space DSS mappings use). */
  ssn = 0;
  conn!: Connection;
  dir: Dir = 0;
  sub!: Subflow;
  /** Relative DSN range [ds, de). */
  ds = 0;
  de = 0;
  /** From here on the range's bytes are sent for the first time on this subflow (before: its own retransmission). */
  firstTx = 0;
  /** Bytes of the range new to the connection direction. */
  fresh = 0;
  /** Set by the reinjection detector: bytes of the range other subflows had sent before. */
  reinjected = 0;
  /** Set by the hole detector: the in-order point moved forward. */
  advanced = false;
}

/** A DSS mapping new to its subflow direction (or MP_CAPABLE's implicit one), as a packet announced it. One object, refilled. */
export class MappingFacts {
  frame = 0;
  t = 0;
  conn!: Connection;
  sub!: Subflow;
  dir: Dir = 0;
  /** Relative DSN, and subflow sequence relative to the ISN, of the mapping's first byte; the option's 32-bit subflow sequence. */
  dsn = 0;
  ssn = 0;
  ssn32 = 0;
  /** Data-level length (0: an infinite mapping), and how many of its units are bytes (a DATA_FIN takes the last unit). */
  len = 0;
  payload = 0;
  /** The DSS checksum field, or -1 when absent. */
  checksum = -1;
}

/**
 * How a detector reports an event: to the sink's events table and to the
 * other detectors' event hooks (the fallback detector reads checksum
 * failures this way).
 */
export type EmitEvent = (e: EventRow, c: Connection) => void;

/** A packet of a subflow, as the TCP tracker saw it. One object, refilled. */
export class SubflowPacket {
  frame = 0;
  t = 0;
  conn!: Connection;
  sub!: Subflow;
  /** The direction it was sent in. */
  dir: Dir = 0;
  tcp!: TcpFacts;
  packet!: DecodedPacket;
  /** Its acknowledgment number relative to the other direction's base (Wireshark's tcp.ack), unwrapped; NaN without the ACK flag or before the other direction's first packet. */
  ack = NaN;
}

/**
 * A packet of a subflow whose connection was already finished (see
 * FinishedFlows: a FIN sent again after the last ACK was lost, a stray
 * reset). It is in none of the connection's figures; a tap that pairs every
 * packet on the wire still needs it. Its connection and subflow are numbers:
 * their state is gone. One object, refilled.
 */
export class LatePacket {
  frame = 0;
  t = 0;
  conn = 0;
  subflow = 0;
  dir: Dir = 0;
  tcp!: TcpFacts;
  packet!: DecodedPacket;
}

/** Something that happened to a subflow, for detectors that explain what they see (handover triggers, failed joins). */
export type SubflowEvent =
  | { kind: 'joined' }
  | { kind: 'priority'; backup: boolean }
  /** FIN or RST; `reason` is the MP_TCPRST reason name carried by the reset, if any. */
  | { kind: 'down'; how: 'FIN' | 'RST'; reason?: string }
  /** A retransmission after at least the minimum RTO of silence, in direction `dir`. */
  | { kind: 'timeout'; dir: Dir };

export interface Detector {
  readonly name: string;
  /** A data packet of a subflow whose bytes were placed in the data sequence (`bytes` of payload). */
  dataPacket?(c: Connection, sub: Subflow, dir: Dir, bytes: number, t: number, frame: number): void;
  /** A mapping announced on a subflow direction for the first time. */
  mapping?(m: MappingFacts): void;
  /** Each mapped DSN range of a data packet, in capture order. */
  segment?(s: SegmentFacts): void;
  /** A DATA_ACK acknowledging `ack` (relative) of direction `dir`. */
  dataAck?(c: Connection, dir: Dir, ack: number, t: number, frame: number): void;
  /** Every packet of a subflow, before the MPTCP tracker reads its options (RTT and flight size read sequence and ACK numbers here). */
  tcpPacket?(x: SubflowPacket): void;
  /** A packet of a subflow of a connection already finished. */
  latePacket?(x: LatePacket): void;
  /** A subflow packet without MPTCP options (fallback and failed joins show in these). */
  barePacket?(x: SubflowPacket): void;
  /** An event the MPTCP tracker reported (an option seen, a mapping, a checksum), after it went to the sink. */
  event?(e: EventRow, c: Connection, sub: Subflow | null): void;
  subflowEvent?(c: Connection, sub: Subflow, e: SubflowEvent, t: number, frame: number): void;
  /** The connection is being frozen: report what is still open, drop the state. */
  finish?(c: Connection): void;
}

/**
 * A detector's per-connection state, in the connection's slot for it.
 * Made once per detector module (a module-level constant), not per
 * detector instance: the index is the slot's place in every connection's
 * slots array, and an index taken per instance would grow with every
 * analysis a process runs (check over a directory, a --jobs worker, the
 * tests), each connection's array with it.
 */
export class ConnectionSlot<S> {
  private static next = 0;
  private readonly index = ConnectionSlot.next++;

  /** Slots made so far: the length a new connection's slots array starts at. */
  static get count(): number {
    return ConnectionSlot.next;
  }

  constructor(private readonly make: () => S) {}

  of(c: Connection): S {
    return (c.slots[this.index] ??= this.make()) as S;
  }

  peek(c: Connection): S | undefined {
    return c.slots[this.index] as S | undefined;
  }

  clear(c: Connection): void {
    c.slots[this.index] = undefined;
  }
}
