/**
 * The files `mptrace compare` streams: owd.csv (a packet seen at both
 * capture points) and lost.csv (seen at the sending end only). Rows carry
 * times of either capture, so each row comes with both captures' time
 * bases.
 */
import type { LostRow, OwdRow, QualifiedReinjection } from '../analyze/compare/pairs.js';
import { DIR_NAMES } from '../analyze/model.js';
import { u64Cell } from './format.js';
import type { Column } from './columns.js';
import { tcpFlags } from './dump.js';
import type { TimeBase } from './time.js';
import { putDsn } from './tables.js';

/** A row and the time bases of capture a (the first named) and b. */
export interface Timed<R> {
  r: R;
  tb: readonly [TimeBase, TimeBase];
}

const CAPTURE = ['a', 'b'] as const;
const dsn = (v: number): number | string | null => (Number.isNaN(v) ? null : u64Cell(v));

export const OWD_COLUMNS = [
  { name: 'conn', type: 'integer', unit: '', description: 'connection number in capture a (summary.json maps it to b)', get: (x) => x.r.conn, put: (x, _t, w) => w.int(x.r.conn) },
  { name: 'subflow', type: 'integer', unit: '', description: 'subflow number in capture a', get: (x) => x.r.subflow, put: (x, _t, w) => w.int(x.r.subflow) },
  { name: 'dir', type: 'text', plain: true, unit: '', description: '`c2s` or `s2c`', get: (x) => DIR_NAMES[x.r.dir], put: (x, _t, w) => w.text(DIR_NAMES[x.r.dir]) },
  { name: 'sent_by', type: 'text', plain: true, unit: '', description: 'the capture nearer the sender (`a` or `b`): where the packet was seen first', get: (x) => CAPTURE[x.r.sentSide], put: (x, _t, w) => w.text(CAPTURE[x.r.sentSide]) },
  { name: 'sent_frame', type: 'integer', unit: '', description: 'the packet in that capture', get: (x) => x.r.sentFrame, put: (x, _t, w) => w.int(x.r.sentFrame) },
  { name: 'received_frame', type: 'integer', unit: '', description: 'the packet in the other capture', get: (x) => x.r.receivedFrame, put: (x, _t, w) => w.int(x.r.receivedFrame) },
  { name: 'dsn', type: 'integer', u64: true, unit: '', description: 'relative DSN of its first payload byte (capture a); empty when unmapped or no payload', get: (x) => dsn(x.r.dsn), put: (x, _t, w) => putDsn(w, x.r.dsn) },
  { name: 'len', type: 'integer', unit: 'B', description: 'payload bytes', get: (x) => x.r.len, put: (x, _t, w) => w.int(x.r.len) },
  { name: 'sent', type: 'time', unit: 's', description: "when the sender's capture saw it (its clock)", get: (x) => x.tb[x.r.sentSide].format(x.r.sent), put: (x, _t, w) => w.epoch(x.tb[x.r.sentSide], x.r.sent) },
  { name: 'received', type: 'time', unit: 's', description: "when the receiver's capture saw it (its clock)", get: (x) => x.tb[1 - x.r.sentSide]!.format(x.r.received), put: (x, _t, w) => w.epoch(x.tb[1 - x.r.sentSide]!, x.r.received) },
  { name: 'owd', type: 'seconds', unit: 's', description: '`received` − `sent` − the clock offset (summary.json `clock`): the one-way delay between the capture points', get: (x) => x.r.owd.toFixed(Math.max(x.tb[0].digits, x.tb[1].digits)), put: (x, _t, w) => w.fixed(x.r.owd, Math.max(x.tb[0].digits, x.tb[1].digits)) },
] as const satisfies readonly Column<Timed<OwdRow>>[];

export const LOST_COLUMNS = [
  { name: 'capture', type: 'text', plain: true, unit: '', description: 'the capture that saw it (`a` or `b`): the one nearer the sender', get: (x) => CAPTURE[x.r.side], put: (x, _t, w) => w.text(CAPTURE[x.r.side]) },
  { name: 'conn', type: 'integer', unit: '', description: 'connection number in that capture', get: (x) => x.r.conn, put: (x, _t, w) => w.int(x.r.conn) },
  { name: 'subflow', type: 'integer', unit: '', description: 'subflow number in that capture', get: (x) => x.r.subflow, put: (x, _t, w) => w.int(x.r.subflow) },
  { name: 'dir', type: 'text', plain: true, unit: '', description: '`c2s` or `s2c`', get: (x) => DIR_NAMES[x.r.dir], put: (x, _t, w) => w.text(DIR_NAMES[x.r.dir]) },
  { name: 'src_addr', type: 'text', plain: true, unit: '', description: 'sender address as that capture saw it', get: (x) => x.r.srcAddr, put: (x, _t, w) => w.text(x.r.srcAddr) },
  { name: 'src_port', type: 'integer', unit: '', description: 'its port', get: (x) => x.r.srcPort, put: (x, _t, w) => w.int(x.r.srcPort) },
  { name: 'dst_addr', type: 'text', plain: true, unit: '', description: 'receiver address', get: (x) => x.r.dstAddr, put: (x, _t, w) => w.text(x.r.dstAddr) },
  { name: 'dst_port', type: 'integer', unit: '', description: 'its port', get: (x) => x.r.dstPort, put: (x, _t, w) => w.int(x.r.dstPort) },
  { name: 'frame', type: 'integer', unit: '', description: 'the packet in that capture', get: (x) => x.r.frame, put: (x, _t, w) => w.int(x.r.frame) },
  { name: 'time', type: 'time', unit: 's', description: 'its time', get: (x) => x.tb[x.r.side].format(x.r.time), put: (x, _t, w) => w.epoch(x.tb[x.r.side], x.r.time) },
  { name: 't', type: 'seconds', unit: 's', description: "`time` in seconds since that capture's first packet", get: (x) => x.tb[x.r.side].since(x.r.time), put: (x, _t, w) => w.since(x.tb[x.r.side], x.r.time) },
  { name: 'seq', type: 'integer', unit: '', description: 'relative sequence number (as Wireshark)', get: (x) => x.r.seq, put: (x, _t, w) => w.int(x.r.seq) },
  { name: 'len', type: 'integer', unit: 'B', description: 'payload bytes (0: a pure ACK, SYN or FIN)', get: (x) => x.r.len, put: (x, _t, w) => w.int(x.r.len) },
  { name: 'flags', type: 'text', plain: true, unit: '', description: "tcpdump's letters", get: (x) => tcpFlags(x.r.flags), put: (x, _t, w) => w.text(tcpFlags(x.r.flags)) },
  { name: 'dsn', type: 'integer', u64: true, unit: '', description: 'relative DSN of its first payload byte; empty when unmapped or no payload', get: (x) => dsn(x.r.dsn), put: (x, _t, w) => putDsn(w, x.r.dsn) },
] as const satisfies readonly Column<Timed<LostRow>>[];

export const QUALIFIED_COLUMNS = [
  { name: 'capture', type: 'text', plain: true, unit: '', description: 'the capture nearer the sender (`a` or `b`), whose numbers and frames the row gives', get: (x) => CAPTURE[x.r.side] },
  { name: 'conn', type: 'integer', unit: '', description: 'connection number in that capture', get: (x) => x.r.row.conn },
  { name: 'dir', type: 'text', plain: true, unit: '', description: '`c2s` or `s2c`', get: (x) => DIR_NAMES[x.r.row.dir as 0 | 1] },
  { name: 'subflow', type: 'integer', unit: '', description: 'the subflow that carried the copy', get: (x) => x.r.row.subflow },
  { name: 'frame', type: 'integer', unit: '', description: 'the copy (the reinjecting segment)', get: (x) => x.r.row.frame },
  { name: 'time', type: 'time', unit: 's', description: 'when it was sent (at that capture)', get: (x) => x.tb[x.r.side].format(x.r.row.time) },
  { name: 'dsn_start', type: 'integer', u64: true, unit: '', description: 'the reinjected DSN range [start, end)', get: (x) => u64Cell(x.r.row.dsnStart) },
  { name: 'dsn_end', type: 'integer', u64: true, unit: '', description: 'its end (exclusive)', get: (x) => u64Cell(x.r.row.dsnEnd) },
  { name: 'original_frame', type: 'integer', unit: '', description: 'the earliest earlier transmission on another subflow', get: (x) => x.r.row.originalFrame },
  { name: 'original_subflow', type: 'integer', unit: '', description: 'its subflow', get: (x) => x.r.row.originalSubflow },
  {
    name: 'qualification',
    type: 'text',
    plain: true,
    unit: '',
    description: '`needed` (the original never reached the other capture), `useful` (the copy got there first), `redundant` (the original did, or the copy was lost), `lost` (neither did), `unknown` (too far apart to tell)',
    get: (x) => x.r.qualification,
  },
  { name: 'copy_arrival', type: 'time', unit: 's', description: "when the copy reached the receiver's capture (its clock); empty when it did not", get: (x) => (Number.isNaN(x.r.copyArrival) ? null : x.tb[1 - x.r.side]!.format(x.r.copyArrival)) },
  { name: 'original_arrival', type: 'time', unit: 's', description: 'when the original did', get: (x) => (Number.isNaN(x.r.originalArrival) ? null : x.tb[1 - x.r.side]!.format(x.r.originalArrival)) },
  {
    name: 'gain',
    type: 'seconds',
    unit: 's',
    description: '`original_arrival` − `copy_arrival`: the time the copy saved (positive, `useful`) or came too late by (negative, `redundant`); empty unless both arrived',
    get: (x) => (Number.isNaN(x.r.copyArrival) || Number.isNaN(x.r.originalArrival) ? null : (x.r.originalArrival - x.r.copyArrival).toFixed(x.tb[1 - x.r.side]!.digits)),
  },
] as const satisfies readonly Column<Timed<QualifiedReinjection>>[];
