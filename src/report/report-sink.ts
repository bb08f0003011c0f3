import type { Connection, Subflow } from '../analyze/connection.js';
import { DIR_NAMES, type AnalysisSink, type EventRow, type HandoverRow, type HoleRow, type PacketRow, type ReinjectionRow } from '../analyze/model.js';
import { u64String } from '../analyze/numbers.js';
import { CsvFile } from './csv.js';
import { boolText, key, token } from './format.js';
import { tcpFlags } from './dump.js';
import type { OutputDir } from './outdir.js';
import { connectionSummary, type ConnectionSummary, type DirAggregates } from './summary.js';
import type { TimeBase } from './time.js';

export const CONNECTION_COLUMNS = [
  'conn',
  'version',
  'client_addr',
  'client_port',
  'server_addr',
  'server_port',
  'client_key',
  'server_key',
  'client_token',
  'server_token',
  'checksum',
  'handshake',
  'dsn_base',
  'first_frame',
  'start',
  'end',
  'subflows',
  'c2s_bytes',
  's2c_bytes',
  'fallback',
  'close',
  'c2s_reinjected_bytes',
  's2c_reinjected_bytes',
  'c2s_holes',
  's2c_holes',
  'c2s_max_ofo_bytes',
  's2c_max_ofo_bytes',
  'handovers',
] as const;

export const SUBFLOW_COLUMNS = [
  'conn',
  'subflow',
  'flow',
  'kind',
  'client_addr',
  'client_port',
  'server_addr',
  'server_port',
  'addr_id',
  'backup',
  'hmac_ok',
  'start',
  'end',
  'c2s_bytes',
  's2c_bytes',
  'c2s_packets',
  's2c_packets',
  'close',
  'c2s_retransmitted_bytes',
  's2c_retransmitted_bytes',
  'c2s_reinjected_bytes',
  's2c_reinjected_bytes',
  'fallback',
  'failed',
] as const;

export const PACKET_COLUMNS = ['frame', 'time', 'flow', 'conn', 'subflow', 'dir', 'seq', 'len', 'flags', 'dsn', 'data_ack', 'mptcp', 'reinjection_of', 'retransmission'] as const;
export const EVENT_COLUMNS = ['time', 'frame', 'conn', 'subflow', 'event', 'detail'] as const;
export const REINJECTION_COLUMNS = [
  'conn',
  'dir',
  'frame',
  'time',
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
  'closed_frame',
  'closed_time',
  'duration',
  'filled_by_subflow',
  'filled_by_reinjection',
] as const;
export const HANDOVER_COLUMNS = ['conn', 'dir', 'time', 'frame', 'from_subflow', 'to_subflow', 'stall', 'trigger'] as const;

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
  private readonly aggregates = new Map<number, [DirAggregates, DirAggregates]>();
  private readonly handoverRows = new Map<number, HandoverRow[]>();
  readonly summaries: ConnectionSummary[] = [];
  /** Connections beyond SUMMARY_DETAIL_LIMIT (counted, not detailed). */
  summariesDropped = 0;
  totals = { connections: 0, subflows: 0, reinjections: 0, holes: 0, events: 0, handovers: 0, fallbacks: 0 };

  constructor(
    out: OutputDir,
    private readonly time: TimeBase,
    opts: { packets: boolean; vantage?: 'client' | 'server' },
  ) {
    const csv = (name: string, cols: readonly string[]): CsvFile => {
      const f = new CsvFile(out.file(name), `${out.path}/${name}`, cols);
      this.files.push(f);
      return f;
    };
    this.connections = csv('connections.csv', CONNECTION_COLUMNS);
    this.subflows = csv('subflows.csv', SUBFLOW_COLUMNS);
    this.events = csv('events.csv', EVENT_COLUMNS);
    this.reinjections = csv('reinjections.csv', REINJECTION_COLUMNS);
    this.holes = csv('holes.csv', HOLE_COLUMNS);
    this.handovers = csv('handovers.csv', HANDOVER_COLUMNS);
    if (opts.packets) {
      const packets = csv('packets.csv', PACKET_COLUMNS);
      this.packet = (r: PacketRow): void => this.packetRow(packets, r);
    }
    this.vantage = opts.vantage;
  }

  private readonly vantage: 'client' | 'server' | undefined;

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

  private agg(conn: number, dir: number): DirAggregates {
    let a = this.aggregates.get(conn);
    if (a === undefined) {
      a = [newAggregates(), newAggregates()];
      this.aggregates.set(conn, a);
    }
    return a[dir]!;
  }

  private packetRow(out: CsvFile, r: PacketRow): void {
    const t = this.time;
    out.write([
      r.frame,
      t.format(r.time),
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
    this.events.write([this.time.format(e.time), e.frame, e.conn, e.subflow < 0 ? '' : e.subflow, e.event, e.detail]);
  }

  reinjection(r: ReinjectionRow): void {
    this.totals.reinjections++;
    const t = this.time;
    this.reinjections.write([
      r.conn,
      DIR_NAMES[r.dir]!,
      r.frame,
      t.format(r.time),
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
    const a = this.agg(h.conn, h.dir);
    a.holes++;
    if (open) a.holesOpen++;
    else {
      const d = h.closedTime - h.openedTime;
      a.holeTime += d;
      if (d > a.holeMax) a.holeMax = d;
    }
    this.holes.write([
      h.conn,
      DIR_NAMES[h.dir]!,
      u64String(h.dsnStart),
      u64String(h.dsnEnd),
      h.dsnEnd - h.dsnStart,
      h.openedFrame,
      t.format(h.openedTime),
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
    let list = this.handoverRows.get(h.conn);
    if (list === undefined) this.handoverRows.set(h.conn, (list = []));
    list.push(h);
    this.handovers.write([h.conn, DIR_NAMES[h.dir]!, t.format(h.time), h.frame, h.fromSubflow, h.toSubflow, t.duration(h.stall), h.trigger]);
  }

  connection(c: Connection): void {
    const t = this.time;
    this.totals.connections++;
    this.totals.subflows += c.subflows.length;
    const agg = this.aggregates.get(c.id) ?? [newAggregates(), newAggregates()];
    this.aggregates.delete(c.id);
    const hos = this.handoverRows.get(c.id) ?? [];
    this.handoverRows.delete(c.id);
    const [c2s, s2c] = c.dirs;
    this.connections.write([
      c.id,
      c.version < 0 ? '' : c.version,
      c.clientAddr,
      c.clientPort,
      c.serverAddr,
      c.serverPort,
      c.clientKeyKnown ? key(c.clientKeyHi, c.clientKeyLo) : '',
      c.serverKeyKnown ? key(c.serverKeyHi, c.serverKeyLo) : '',
      c.clientToken < 0 ? '' : token(c.clientToken),
      c.serverToken < 0 ? '' : token(c.serverToken),
      boolText(c.checksum),
      c.handshake,
      c.dsnBase,
      c.firstFrame,
      t.format(c.start),
      t.format(c.end),
      c.subflows.length,
      c2s.uniqueBytes,
      s2c.uniqueBytes,
      c.fallback === '' ? '' : `${c.fallback}@${t.format(c.fallbackTime)}`,
      c.close,
      c2s.reinjectedBytes,
      s2c.reinjectedBytes,
      agg[0].holes,
      agg[1].holes,
      c2s.maxOfo,
      s2c.maxOfo,
      c.handovers,
    ]);
    for (const s of c.subflows) this.subflowRow(s);
    if (this.summaries.length < SUMMARY_DETAIL_LIMIT) this.summaries.push(connectionSummary(c, agg, hos, t, this.vantage));
    else this.summariesDropped++;
  }

  private subflowRow(s: Subflow): void {
    const t = this.time;
    const f = s.flow;
    const [ca, cp, sa, sp] = s.aIsClient ? [f.textA, f.portA, f.textB, f.portB] : [f.textB, f.portB, f.textA, f.portA];
    const cd = f.dirs[s.aIsClient ? 0 : 1];
    const sd = f.dirs[s.aIsClient ? 1 : 0];
    this.subflows.write([
      s.conn.id,
      s.index,
      f.id,
      s.kind,
      ca,
      cp,
      sa,
      sp,
      s.kind === 'initial' ? 0 : s.addrId < 0 ? '' : s.addrId,
      s.prio[0] || s.prio[1] ? 'true' : 'false',
      boolText(s.hmacOk ?? undefined),
      t.format(f.firstTime),
      t.format(Math.max(s.end, f.lastTime)),
      cd.payload - cd.retransBytes,
      sd.payload - sd.retransBytes,
      cd.packets,
      sd.packets,
      s.close,
      cd.retransBytes,
      sd.retransBytes,
      s.dirs[0].reinjected,
      s.dirs[1].reinjected,
      s.fallback,
      s.failed,
    ]);
  }
}

function newAggregates(): DirAggregates {
  return { holes: 0, holesOpen: 0, holeTime: 0, holeMax: 0 };
}
