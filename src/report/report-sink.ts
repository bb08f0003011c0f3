import type { ConnectionRecord } from '../analyze/record.js';
import { DIR_NAMES, type AnalysisSink, type EventRow, type HandoverRow, type HoleRow, type PacketRow, type ReinjectionRow, type RttRow } from '../analyze/model.js';
import { u64String } from '../analyze/numbers.js';
import { CsvFile } from './csv.js';
import { cellText, CONNECTION_COLUMNS, SUBFLOW_COLUMNS, type Column } from './columns.js';
import { tcpFlags } from './dump.js';
import type { OutputDir } from './outdir.js';
import { connectionSummary, type ConnectionSummary } from './summary.js';
import type { TimeBase } from './time.js';

export const PACKET_COLUMNS = ['frame', 'time', 't', 'flow', 'conn', 'subflow', 'dir', 'seq', 'len', 'flags', 'dsn', 'data_ack', 'mptcp', 'reinjection_of', 'retransmission'] as const;
export const EVENT_COLUMNS = ['time', 't', 'frame', 'conn', 'subflow', 'event', 'side', 'addr_id', 'dsn', 'reason', 'detail'] as const;
export const REINJECTION_COLUMNS = [
  'conn',
  'dir',
  'frame',
  'time',
  't',
  'subflow',
  'dsn_start',
  'dsn_end',
  'bytes',
  'original_frame',
  'original_subflow',
  'original_time',
  'delay',
  'redundant',
] as const;
export const HOLE_COLUMNS = [
  'conn',
  'dir',
  'dsn_start',
  'dsn_end',
  'bytes',
  'opened_frame',
  'opened_time',
  't',
  'closed_frame',
  'closed_time',
  'duration',
  'filled_by_subflow',
  'filled_by_reinjection',
] as const;
export const RTT_COLUMNS = ['conn', 'dir', 'level', 'subflow', 'frame', 'segment_frame', 'rtt', 'time', 't'] as const;
export const HANDOVER_COLUMNS = ['conn', 'dir', 'time', 't', 'frame', 'from_subflow', 'to_subflow', 'stall', 'trigger'] as const;

/** Detailed per-connection entries kept for summary.json (beyond it, only totals). */
export const SUMMARY_DETAIL_LIMIT = 1000;

/**
 * Writes the analysis as it streams: one CsvFile per output, rows
 * formatted here (relative times to epoch, relative DSNs as unsigned
 * decimals). Keeps per-connection aggregates only until the connection
 * is finished, and a compact summary of each for summary.json.
 */
export class ReportSink implements AnalysisSink {
  readonly packet?: (row: PacketRow) => void;
  private readonly files: CsvFile[] = [];
  private readonly connections: CsvFile;
  private readonly subflows: CsvFile;
  private readonly events: CsvFile;
  private readonly reinjections: CsvFile;
  private readonly holes: CsvFile;
  private readonly handovers: CsvFile;
  private readonly rtts: CsvFile;
  readonly summaries: ConnectionSummary[] = [];
  /** Connections beyond SUMMARY_DETAIL_LIMIT (counted, not detailed). */
  summariesDropped = 0;
  totals = { connections: 0, subflows: 0, reinjections: 0, holes: 0, events: 0, handovers: 0, fallbacks: 0 };

  constructor(
    out: OutputDir,
    private readonly time: TimeBase,
    opts: { packets: boolean },
  ) {
    const csv = (name: string, cols: readonly string[]): CsvFile => {
      const f = new CsvFile(out.file(name), `${out.path}/${name}`, cols);
      this.files.push(f);
      return f;
    };
    this.connections = csv('connections.csv', CONNECTION_COLUMNS.map((c) => c.name));
    this.subflows = csv('subflows.csv', SUBFLOW_COLUMNS.map((c) => c.name));
    this.events = csv('events.csv', EVENT_COLUMNS);
    this.reinjections = csv('reinjections.csv', REINJECTION_COLUMNS);
    this.holes = csv('holes.csv', HOLE_COLUMNS);
    this.handovers = csv('handovers.csv', HANDOVER_COLUMNS);
    this.rtts = csv('rtt.csv', RTT_COLUMNS);
    if (opts.packets) {
      const packets = csv('packets.csv', PACKET_COLUMNS);
      this.packet = (r: PacketRow): void => this.packetRow(packets, r);
    }
  }

  get needsDrain(): boolean {
    for (const f of this.files) if (f.needsDrain) return true;
    return false;
  }

  async drain(): Promise<void> {
    for (const f of this.files) if (f.needsDrain) await f.drain();
  }

  async close(): Promise<void> {
    for (const f of this.files) await f.close();
  }

  private packetRow(out: CsvFile, r: PacketRow): void {
    const t = this.time;
    out.write([
      r.frame,
      t.format(r.time),
      t.since(r.time),
      r.flow,
      r.conn < 0 ? '' : r.conn,
      r.subflow < 0 ? '' : r.subflow,
      DIR_NAMES[r.dir]!,
      r.seq,
      r.len,
      tcpFlags(r.flags),
      Number.isNaN(r.dsn) ? '' : u64String(r.dsn),
      Number.isNaN(r.dataAck) ? '' : u64String(r.dataAck),
      r.mptcp,
      r.reinjectionOf,
      r.retransmission ? 'true' : 'false',
    ]);
  }

  event(e: EventRow): void {
    this.totals.events++;
    if (e.event === 'fallback') this.totals.fallbacks++;
    const t = this.time;
    this.events.write([t.format(e.time), t.since(e.time), e.frame, e.conn, e.subflow < 0 ? '' : e.subflow, e.event, e.side ?? '', e.addrId ?? '', e.dsn === undefined || Number.isNaN(e.dsn) ? '' : e.dsn, e.reason ?? '', e.detail]);
  }

  reinjection(r: ReinjectionRow): void {
    this.totals.reinjections++;
    const t = this.time;
    this.reinjections.write([
      r.conn,
      DIR_NAMES[r.dir]!,
      r.frame,
      t.format(r.time),
      t.since(r.time),
      r.subflow,
      u64String(r.dsnStart),
      u64String(r.dsnEnd),
      r.bytes,
      r.originalFrame,
      r.originalSubflow,
      t.format(r.originalTime),
      t.duration(r.delay),
      r.redundant ? 'true' : 'false',
    ]);
  }

  hole(h: HoleRow): void {
    this.totals.holes++;
    const t = this.time;
    const open = h.closedFrame < 0;
    this.holes.write([
      h.conn,
      DIR_NAMES[h.dir]!,
      u64String(h.dsnStart),
      u64String(h.dsnEnd),
      h.dsnEnd - h.dsnStart,
      h.openedFrame,
      t.format(h.openedTime),
      t.since(h.openedTime),
      open ? '' : h.closedFrame,
      open ? '' : t.format(h.closedTime),
      open ? '' : t.duration(h.closedTime - h.openedTime),
      open ? '' : h.filledBySubflow,
      open ? '' : h.filledByReinjection ? 'true' : 'false',
    ]);
  }

  handover(h: HandoverRow): void {
    this.totals.handovers++;
    const t = this.time;
    this.handovers.write([h.conn, DIR_NAMES[h.dir]!, t.format(h.time), t.since(h.time), h.frame, h.fromSubflow, h.toSubflow, t.duration(h.stall), h.trigger]);
  }

  rtt(r: RttRow): void {
    const t = this.time;
    this.rtts.write([r.conn, DIR_NAMES[r.dir]!, r.level, r.subflow, r.frame, r.segmentFrame, t.duration(r.rtt), t.format(r.time), t.since(r.time)]);
  }

  connection(c: ConnectionRecord): void {
    const t = this.time;
    this.totals.connections++;
    this.totals.subflows += c.subflows.length;
    this.connections.write(row(CONNECTION_COLUMNS, c, t));
    for (const s of c.subflows) this.subflows.write(row(SUBFLOW_COLUMNS, { conn: c.id, s }, t));
    if (this.summaries.length < SUMMARY_DETAIL_LIMIT) this.summaries.push(connectionSummary(c, t));
    else this.summariesDropped++;
  }
}

function row<R>(cols: readonly Column<R>[], r: R, t: TimeBase): Array<string | number> {
  return cols.map((c) => cellText(c.get(r, t)));
}
