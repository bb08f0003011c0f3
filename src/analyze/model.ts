/**
 * What the analysis hands to its consumers (report writers, plots):
 * rows of the per-event files, and finished connections. No bytes, no
 * files: times are seconds relative to `TimeBase.baseSec`, DSNs relative.
 */
import type { ConnectionRecord } from './record.js';

export const EVENT_NAMES = [
  'mp_capable',
  'join',
  'join_failed',
  'add_addr',
  'remove_addr',
  'mp_prio',
  'mp_fail',
  'mp_fastclose',
  'mp_tcprst',
  'infinite_mapping',
  'fallback',
  'checksum_failure',
  'data_fin',
  'subflow_fin',
  'subflow_rst',
  'handover',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

export const FALLBACK_KINDS = [
  'synack-without-mp-capable',
  'ack-without-mp-capable',
  'syn-retry-without-mp-capable',
  'no-dss',
  'infinite-mapping',
  'mp-fail',
  'checksum-failure',
] as const;
export type FallbackKind = (typeof FALLBACK_KINDS)[number];

/** How a subflow ended: FIN, reset (with MP_TCPRST or plain), its 4-tuple taken by a new SYN, forgotten over the flow limit, or still open. */
export const SUBFLOW_CLOSES = ['fin', 'rst', 'mp_tcprst', 'replaced', 'evicted', 'open'] as const;
export type SubflowClose = (typeof SUBFLOW_CLOSES)[number];

/** How a connection ended (ANALYSIS.md): the first that applies. */
export const CONNECTION_CLOSES = ['mp_fastclose', 'data_fin', 'mp_tcprst', 'rst', 'fin', 'open'] as const;
export type ConnectionClose = (typeof CONNECTION_CLOSES)[number];

/** Why a join did not become a working subflow (subflows.csv's failed, events.csv's reason). */
export type JoinFailure = 'SYN never answered' | 'answered without MP_JOIN' | 'answered without MP_JOIN, then reset' | 'reset' | `reset (mp_tcprst ${string})` | 'HMAC mismatch';

/** Direction within a connection: from its client, or from its server. */
export type Dir = 0 | 1;
export const C2S: Dir = 0;
export const S2C: Dir = 1;

export function otherDir(d: Dir): Dir {
  return d === 0 ? 1 : 0;
}
export const DIR_NAMES = ['c2s', 's2c'] as const;

/** One TCP packet (packets.csv). Reused for every packet: copy what you keep. */
export class PacketRow {
  frame = 0;
  time = 0;
  flow = 0;
  /** Connection and subflow numbers, or -1. */
  conn = -1;
  subflow = -1;
  /** C2S / S2C (for a flow outside any connection: from its initiator or not). */
  dir = 0;
  /** Relative sequence number, as Wireshark's tcp.seq. */
  seq = 0;
  len = 0;
  flags = 0;
  /** Relative DSN of the first payload byte, or NaN. */
  dsn = NaN;
  /** Relative data ACK, or NaN. */
  dataAck = NaN;
  /** MPTCP option subtypes, space separated. */
  mptcp = '';
  /** Frames this segment reinjects, space separated. */
  reinjectionOf = '';
  retransmission = false;
}

/** The structured part of an event, beside its free-text detail (events.csv columns). */
export interface EventFields {
  /** The side that sent the option or segment. */
  side?: 'client' | 'server';
  addrId?: number;
  /** Relative DSN (DATA_FIN, MP_FAIL, infinite mapping, checksum failure). */
  dsn?: number;
  /** MP_TCPRST reason name, fallback kind, why a join failed. */
  reason?: string;
}

export interface EventRow extends EventFields {
  time: number;
  frame: number;
  conn: number;
  /** -1 for a connection-level event. */
  subflow: number;
  event: EventName;
  detail: string;
}

export interface ReinjectionRow {
  conn: number;
  dir: number;
  frame: number;
  time: number;
  subflow: number;
  dsnStart: number;
  dsnEnd: number;
  bytes: number;
  originalFrame: number;
  originalSubflow: number;
  originalTime: number;
  delay: number;
  redundant: boolean;
}

export interface HoleRow {
  conn: number;
  dir: number;
  dsnStart: number;
  dsnEnd: number;
  openedFrame: number;
  openedTime: number;
  /** -1 / NaN while still open at the end of the capture. */
  closedFrame: number;
  closedTime: number;
  filledBySubflow: number;
  filledByReinjection: boolean;
}

export interface HandoverRow {
  conn: number;
  dir: number;
  time: number;
  frame: number;
  fromSubflow: number;
  toSubflow: number;
  /** Longest time without new in-order data around the switch. */
  stall: number;
  /** When that stall began (its last in-order advance before the gap). */
  stallFrom: number;
  trigger: string;
}

/**
 * A table of rows the analysis streams (a CSV file, a JSON array, a
 * plot's marks): the object is its identity, `R` its row type. Declared
 * beside the row type by what reports it; its columns live in
 * src/report/tables.ts.
 */
export class Table<R> {
  declare readonly rowType: R;
  constructor(
    readonly name: string,
    /** The row's connection, and its time (a hole's: when it opened), for choosing rows (--conn, --since). */
    readonly connOf: (r: R) => number,
    readonly timeOf: (r: R) => number,
    /**
     * Rows of this table come one per ACK (RTT samples, flight size): one
     * object refilled for each, as the packet rows are, so a sink reads it
     * during the call and keeps none of it.
     */
    readonly reused = false,
  ) {}
}

export const EVENTS = new Table<EventRow>('events', (r) => r.conn, (r) => r.time);
export const REINJECTIONS = new Table<ReinjectionRow>('reinjections', (r) => r.conn, (r) => r.time);
export const HOLES = new Table<HoleRow>('holes', (r) => r.conn, (r) => r.openedTime);
export const HANDOVERS = new Table<HandoverRow>('handovers', (r) => r.conn, (r) => r.time);

/** Consumers of the analysis (Wireshark's taps): each call must be cheap. */
export interface AnalysisSink {
  /** Every TCP packet; only called when the sink asks for packets. */
  packet?(row: PacketRow): void;
  /** A row of one of the tables (events, reinjections, holes, handovers, a detector's own); the row is the sink's to keep, unless its table is `reused`. */
  row<R>(table: Table<R>, row: R): void;
  /** A connection that will change no more (closed and idle, evicted, or at the end), frozen. */
  connection(conn: ConnectionRecord): void;
  /**
   * The bytes a direction holds out of order changed (the receiver's
   * out-of-order queue as the capture point sees it): the series plots
   * draw. Called on every change; a consumer decimates.
   */
  ofo?(conn: number, dir: number, time: number, bytes: number): void;
  /** Every data range a segment carried (for plots): DSNs [start, end), how many of its bytes were new to the connection, and whether it was a reinjection. */
  segment?(conn: number, dir: number, subflow: number, time: number, dsnStart: number, dsnEnd: number, fresh: number, reinjection: boolean): void;
  /**
   * A data ACK that differs from the one before it (relative), for the
   * direction whose data it acknowledges (for plots, which draw it as a
   * step line: repeats, most ACKs, would draw nothing new); and when the
   * connection ends, before `connection`, the last one again at the time
   * it was last seen, where the line ends.
   */
  dataAck?(conn: number, dir: number, time: number, ack: number): void;
}
