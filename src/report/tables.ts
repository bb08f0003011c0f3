/**
 * The row tables the analysis streams (events, reinjections, holes,
 * handovers, RTT samples, flight size, packets), one column declaration each: the CSV
 * header, the cell, and the documentation table in docs/outputs.md
 * (generated, checked by a test) all come from here. A detector that
 * reports a new table declares its `Table` beside its row type and its
 * columns here: one entry in TABLE_FILES.
 */
import { DIR_NAMES, EVENTS, HANDOVERS, HOLES, REINJECTIONS, type EventRow, type HandoverRow, type HoleRow, type PacketRow, type ReinjectionRow, type Table } from '../analyze/model.js';
import { RTT, type RttRow } from '../analyze/detect/rtt.js';
import { FLIGHT, type FlightRow } from '../analyze/detect/flight.js';
import { u64Cell } from './format.js';
import type { Column } from './columns.js';
import { tcpFlags } from './dump.js';
import type { ByteLines } from './byte-lines.js';

/** `conn`, `dir` of a row, shared by the per-direction tables. */
function connDir<R extends { conn: number; dir: number }>(what: string): [Column<R> & { name: 'conn' }, Column<R> & { name: 'dir' }] {
  return [
    { name: 'conn', type: 'integer', unit: '', description: 'connection number', get: (r) => r.conn, put: (r, _t, w) => w.int(r.conn) },
    { name: 'dir', type: 'text', plain: true, unit: '', description: `direction (\`c2s\`, \`s2c\`) ${what}`, get: (r) => DIR_NAMES[r.dir as 0 | 1], put: (r, _t, w) => w.text(DIR_NAMES[r.dir as 0 | 1]) },
  ];
}

/** The `t` column of a row with a `time`: seconds since the capture's first packet. */
function sinceStart<R extends { time: number }>(): Column<R> & { name: 't' } {
  return { name: 't', type: 'seconds', unit: 's', description: "`time` in seconds since the capture's first packet", get: (r, t) => t.since(r.time), put: (r, t, w) => w.since(t, r.time) };
}

const dsn = (v: number): number | string | null => (Number.isNaN(v) ? null : u64Cell(v));
/** A relative DSN as bytes: empty when unknown, the unsigned 64-bit value past 2^53. */
export function putDsn(w: ByteLines, v: number): void {
  if (Number.isNaN(v)) return w.empty();
  const c = u64Cell(v);
  if (typeof c === 'number') w.int(c);
  else w.text(c);
}
/** A number that is -1 (or below) for "none": an empty cell. */
function putOptional(w: ByteLines, v: number): void {
  if (v < 0) w.empty();
  else w.int(v);
}

export const EVENT_COLUMNS = [
  { name: 'time', type: 'time', unit: 's', description: 'when', get: (r, t) => t.format(r.time) },
  sinceStart<EventRow>(),
  { name: 'frame', type: 'integer', unit: '', description: 'the frame that showed it', get: (r) => r.frame },
  { name: 'conn', type: 'integer', unit: '', description: 'connection number', get: (r) => r.conn },
  { name: 'subflow', type: 'integer', unit: '', description: 'subflow number; empty for a connection-level event', get: (r) => (r.subflow < 0 ? null : r.subflow) },
  { name: 'event', type: 'text', unit: '', description: 'what happened (the table below)', get: (r) => r.event },
  { name: 'side', type: 'text', unit: '', description: '`client` or `server`: the sender of the option or segment', get: (r) => r.side ?? null },
  { name: 'addr_id', type: 'integer', unit: '', description: 'address id (MP_JOIN, ADD_ADDR, REMOVE_ADDR of one id, MP_PRIO)', get: (r) => r.addrId ?? null },
  { name: 'dsn', type: 'integer', u64: true, unit: '', description: 'relative DSN (DATA_FIN, MP_FAIL, infinite mapping, checksum failure)', get: (r) => (r.dsn === undefined ? null : dsn(r.dsn)) },
  { name: 'reason', type: 'text', unit: '', description: 'MP_TCPRST reason name, fallback kind, why a join failed, a changed key', get: (r) => r.reason ?? null },
  { name: 'detail', type: 'text', unit: '', description: 'the event in words (the table below)', get: (r) => r.detail },
] as const satisfies readonly Column<EventRow>[];

export const REINJECTION_COLUMNS = [
  ...connDir<ReinjectionRow>('of the data'),
  { name: 'frame', type: 'integer', unit: '', description: 'the reinjecting segment', get: (r) => r.frame },
  { name: 'time', type: 'time', unit: 's', description: 'its time', get: (r, t) => t.format(r.time) },
  sinceStart<ReinjectionRow>(),
  { name: 'subflow', type: 'integer', unit: '', description: 'the subflow that carried it', get: (r) => r.subflow },
  { name: 'dsn_start', type: 'integer', u64: true, unit: '', description: 'its relative DSN range [start, end)', get: (r) => u64Cell(r.dsnStart) },
  { name: 'dsn_end', type: 'integer', u64: true, unit: '', description: 'the end of the range (exclusive)', get: (r) => u64Cell(r.dsnEnd) },
  { name: 'bytes', type: 'integer', unit: 'B', description: 'how many of its bytes had been sent before on other subflows', get: (r) => r.bytes },
  { name: 'original_frame', type: 'integer', unit: '', description: 'the earliest earlier transmission on another subflow', get: (r) => r.originalFrame },
  { name: 'original_subflow', type: 'integer', unit: '', description: 'its subflow', get: (r) => r.originalSubflow },
  { name: 'original_time', type: 'time', unit: 's', description: 'its time', get: (r, t) => t.format(r.originalTime) },
  { name: 'delay', type: 'seconds', unit: 's', description: '`time` − `original_time`', get: (r, t) => t.duration(r.delay) },
  { name: 'redundant', type: 'bool', unit: '', description: '`true` when a data ACK seen before the reinjection already covered the whole range', get: (r) => r.redundant },
] as const satisfies readonly Column<ReinjectionRow>[];

/** A hole still open at the end has no close columns. */
const closed = <T>(h: HoleRow, v: T): T | null => (h.closedFrame < 0 ? null : v);

export const HOLE_COLUMNS = [
  ...connDir<HoleRow>('of the data'),
  { name: 'dsn_start', type: 'integer', u64: true, unit: '', description: 'the hole [start, end), relative DSNs', get: (r) => u64Cell(r.dsnStart) },
  { name: 'dsn_end', type: 'integer', u64: true, unit: '', description: 'its end (exclusive)', get: (r) => u64Cell(r.dsnEnd) },
  { name: 'bytes', type: 'integer', unit: 'B', description: 'its size', get: (r) => r.dsnEnd - r.dsnStart },
  { name: 'opened_frame', type: 'integer', unit: '', description: 'the segment that opened it', get: (r) => r.openedFrame },
  { name: 'opened_time', type: 'time', unit: 's', description: 'its time', get: (r, t) => t.format(r.openedTime) },
  { name: 't', type: 'seconds', unit: 's', description: "`opened_time` in seconds since the capture's first packet", get: (r, t) => t.since(r.openedTime) },
  { name: 'closed_frame', type: 'integer', unit: '', description: 'the segment that made `next` pass its end; empty: never', get: (r) => closed(r, r.closedFrame) },
  { name: 'closed_time', type: 'time', unit: 's', description: 'its time', get: (r, t) => closed(r, t.format(r.closedTime)) },
  { name: 'duration', type: 'seconds', unit: 's', description: '`closed_time` − `opened_time`', get: (r, t) => closed(r, t.duration(r.closedTime - r.openedTime)) },
  { name: 'filled_by_subflow', type: 'integer', unit: '', description: 'the subflow of the closing segment', get: (r) => closed(r, r.filledBySubflow) },
  { name: 'filled_by_reinjection', type: 'bool', unit: '', description: 'the closing segment was a reinjection', get: (r) => closed(r, r.filledByReinjection) },
] as const satisfies readonly Column<HoleRow>[];

export const HANDOVER_COLUMNS = [
  ...connDir<HandoverRow>('of the data'),
  { name: 'time', type: 'time', unit: 's', description: 'the new subflow’s first data segment in the window where it took over', get: (r, t) => t.format(r.time) },
  sinceStart<HandoverRow>(),
  { name: 'frame', type: 'integer', unit: '', description: 'that segment', get: (r) => r.frame },
  { name: 'from_subflow', type: 'integer', unit: '', description: 'the old carrier', get: (r) => r.fromSubflow },
  { name: 'to_subflow', type: 'integer', unit: '', description: 'the new carrier', get: (r) => r.toSubflow },
  { name: 'stall', type: 'seconds', unit: 's', description: 'the longest time without new in-order data around the switch', get: (r, t) => t.duration(r.stall) },
  { name: 'stall_start', type: 'seconds', unit: 's', description: "when that stall began (the last in-order advance before it), in seconds since the capture's first packet", get: (r, t) => t.since(r.stallFrom) },
  {
    name: 'trigger',
    type: 'text',
    unit: '',
    description:
      'what visibly led to it, `;`-separated, most telling first: `FIN/RST on subflow N`, `MP_PRIO made subflow N a backup`, `retransmission timeout on subflow N`, `subflow N silent for S s before`, `new join (subflow N)`, `subflow N is a backup (MP_JOIN)`; empty when nothing is visible',
    get: (r) => r.trigger,
  },
] as const satisfies readonly Column<HandoverRow>[];

export const RTT_COLUMNS = [
  ...connDir<RttRow>('of the data sampled'),
  { name: 'level', type: 'text', plain: true, unit: '', description: '`subflow` (a subflow segment and the subflow ACK) or `mptcp` (a DSN range and the DATA_ACK)', get: (r) => r.level, put: (r, _t, w) => w.text(r.level) },
  {
    name: 'method',
    type: 'text',
    plain: true,
    unit: '',
    description:
      "`ack`: the newest segment the ACK covers, sent once and not SACKed before (Karn's rule; as Wireshark's `tcp.analysis.ack_rtt`); `tsecr`: where that rule gives no sample, the first segment that carried the TSval the ACK's TSecr echoes (RFC 7323); `data_ack`: the newest DSN range the DATA_ACK covers, sent once on any subflow",
    get: (r) => r.method,
    put: (r, _t, w) => w.text(r.method),
  },
  { name: 'subflow', type: 'integer', unit: '', description: 'the subflow that carried the sampled segment (for `subflow`, also the one whose ACK it is)', get: (r) => r.subflow, put: (r, _t, w) => w.int(r.subflow) },
  { name: 'frame', type: 'integer', unit: '', description: 'the ACK (or DATA_ACK)', get: (r) => r.frame, put: (r, _t, w) => w.int(r.frame) },
  { name: 'segment_frame', type: 'integer', unit: '', description: 'the sampled segment', get: (r) => r.segmentFrame, put: (r, _t, w) => w.int(r.segmentFrame) },
  { name: 'rtt', type: 'seconds', unit: 's', description: 'from the segment to the ACK, at the capture point', get: (r, t) => t.duration(r.rtt), put: (r, t, w) => w.fixed(r.rtt, t.digits) },
  { name: 'time', type: 'time', unit: 's', description: "the ACK's time", get: (r, t) => t.format(r.time), put: (r, t, w) => w.epoch(t, r.time) },
  sinceStart<RttRow>(),
] as const satisfies readonly Column<RttRow>[];

export const FLIGHT_COLUMNS = [
  ...connDir<FlightRow>('of the data in flight'),
  { name: 'level', type: 'text', plain: true, unit: '', description: '`subflow` (highest subflow sequence sent − highest ACK of it) or `mptcp` (highest DSN sent − highest DATA_ACK)', get: (r) => r.level, put: (r, _t, w) => w.text(r.level) },
  { name: 'subflow', type: 'integer', unit: '', description: 'the subflow; empty at the `mptcp` level', get: (r) => (r.subflow < 0 ? null : r.subflow), put: (r, _t, w) => putOptional(w, r.subflow) },
  { name: 'frame', type: 'integer', unit: '', description: 'the last packet in the 10 ms bin that changed the flight size', get: (r) => r.frame, put: (r, _t, w) => w.int(r.frame) },
  { name: 'time', type: 'time', unit: 's', description: 'its time', get: (r, t) => t.format(r.time), put: (r, t, w) => w.epoch(t, r.time) },
  sinceStart<FlightRow>(),
  { name: 'bytes', type: 'integer', unit: 'B', description: 'bytes in flight after it', get: (r) => r.bytes, put: (r, _t, w) => w.int(r.bytes) },
  { name: 'min_bytes', type: 'integer', unit: 'B', description: 'the least in flight during that bin (10 ms of capture time, from the level it started with)', get: (r) => r.min, put: (r, _t, w) => w.int(r.min) },
  { name: 'max_bytes', type: 'integer', unit: 'B', description: 'the most', get: (r) => r.max, put: (r, _t, w) => w.int(r.max) },
] as const satisfies readonly Column<FlightRow>[];

export const PACKET_COLUMNS = [
  { name: 'frame', type: 'integer', unit: '', description: '1-based frame number in the file', get: (r) => r.frame, put: (r, _t, w) => w.int(r.frame) },
  { name: 'time', type: 'time', unit: 's', description: 'capture time', get: (r, t) => t.format(r.time), put: (r, t, w) => w.epoch(t, r.time) },
  sinceStart<PacketRow>(),
  { name: 'flow', type: 'integer', unit: '', description: "Wireshark's `tcp.stream`", get: (r) => r.flow, put: (r, _t, w) => w.int(r.flow) },
  { name: 'conn', type: 'integer', unit: '', description: 'connection number; empty when the packet belongs to no MPTCP connection', get: (r) => (r.conn < 0 ? null : r.conn), put: (r, _t, w) => putOptional(w, r.conn) },
  { name: 'subflow', type: 'integer', unit: '', description: 'subflow number; empty likewise', get: (r) => (r.subflow < 0 ? null : r.subflow), put: (r, _t, w) => putOptional(w, r.subflow) },
  { name: 'dir', type: 'text', plain: true, unit: '', description: '`c2s`/`s2c` within the connection; for other flows, from the flow’s first sender or not', get: (r) => DIR_NAMES[r.dir as 0 | 1], put: (r, _t, w) => w.text(DIR_NAMES[r.dir as 0 | 1]) },
  { name: 'seq', type: 'integer', unit: '', description: "relative sequence number, as Wireshark's `tcp.seq` (from the SYN, or the first packet minus 1)", get: (r) => r.seq, put: (r, _t, w) => w.int(r.seq) },
  { name: 'len', type: 'integer', unit: 'B', description: 'payload bytes on the wire', get: (r) => r.len, put: (r, _t, w) => w.int(r.len) },
  { name: 'flags', type: 'text', plain: true, unit: '', description: "tcpdump's letters: `S` `F` `P` `R` `U` `W` (CWR) `E` (ECE) `A` (AE), `.` for ACK", get: (r) => tcpFlags(r.flags), put: (r, _t, w) => w.text(tcpFlags(r.flags)) },
  { name: 'dsn', type: 'integer', u64: true, unit: '', description: 'relative DSN of the first payload byte (of the DATA_FIN for a bare DATA_FIN); empty when unmapped', get: (r) => dsn(r.dsn), put: (r, _t, w) => putDsn(w, r.dsn) },
  { name: 'data_ack', type: 'integer', u64: true, unit: '', description: 'relative data ACK carried', get: (r) => dsn(r.dataAck), put: (r, _t, w) => putDsn(w, r.dataAck) },
  { name: 'mptcp', type: 'text', plain: true, unit: '', description: 'MPTCP option subtypes, space separated (`mp_capable`, `mp_join`, `dss`, `add_addr`, `remove_addr`, `mp_prio`, `mp_fail`, `mp_fastclose`, `mp_tcprst`)', get: (r) => r.mptcp, put: (r, _t, w) => w.text(r.mptcp) },
  { name: 'reinjection_of', type: 'text', plain: true, unit: '', description: 'earlier frames (on other subflows) this segment reinjects, space separated', get: (r) => r.reinjectionOf, put: (r, _t, w) => w.text(r.reinjectionOf) },
  { name: 'retransmission', type: 'bool', unit: '', description: 'the segment repeats subflow sequence space already sent on this flow', get: (r) => r.retransmission, put: (r, _t, w) => w.text(r.retransmission ? 'true' : 'false') },
] as const satisfies readonly Column<PacketRow>[];

/** The column names of a declaration, as a type (tests read rows by them). */
export type ColumnName<C extends readonly { name: string }[]> = C[number]['name'];

/** A streamed table: its file, its columns, and the summary total its rows count into. */
export interface TableFile<R> {
  table: Table<R>;
  /** The file's name without its extension (`events`: events.csv or events.parquet). */
  name: string;
  columns: readonly Column<R>[];
  /** What one row is, for the docs' list of files. */
  total?: 'events' | 'reinjections' | 'holes' | 'handovers';
}

function file<R>(table: Table<R>, name: string, columns: readonly Column<R>[], total?: TableFile<R>['total']): TableFile<R> {
  return total === undefined ? { table, name, columns } : { table, name, columns, total };
}

/** Every table the analysis streams through `AnalysisSink.row`, in the order their files are made. */
export const TABLE_FILES: readonly TableFile<never>[] = [
  file(EVENTS, 'events', EVENT_COLUMNS, 'events'),
  file(REINJECTIONS, 'reinjections', REINJECTION_COLUMNS, 'reinjections'),
  file(HOLES, 'holes', HOLE_COLUMNS, 'holes'),
  file(HANDOVERS, 'handovers', HANDOVER_COLUMNS, 'handovers'),
  file(RTT, 'rtt', RTT_COLUMNS),
  file(FLIGHT, 'flight', FLIGHT_COLUMNS),
] as unknown as readonly TableFile<never>[];
