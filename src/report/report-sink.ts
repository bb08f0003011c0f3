import type { ConnectionRecord } from '../analyze/record.js';
import { EVENTS, type AnalysisSink, type EventRow, type PacketRow, type Table } from '../analyze/model.js';
import { CsvFile } from './csv.js';
import type { ByteLines } from './byte-lines.js';
import { cellText, CONNECTION_COLUMNS, isPlain, plainLine, SUBFLOW_COLUMNS, type Column } from './columns.js';
import type { OutputDir } from './outdir.js';
import { connectionSummary, type ConnectionSummary } from './summary.js';
import { PACKET_COLUMNS, TABLE_FILES, type TableFile } from './tables.js';
import type { TimeBase } from './time.js';

/** Connections, and events per connection, report.html lists (events.csv has every one). */
export const REPORT_CONNECTIONS = 256;
const REPORT_EVENTS = 60;

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
  /** The file of each streamed table. */
  private readonly tables = new Map<Table<unknown>, { spec: TableFile<never>; file: CsvFile; plain: boolean; lines: ByteLines | null }>();
  readonly summaries: ConnectionSummary[] = [];
  /** Connections beyond SUMMARY_DETAIL_LIMIT (counted, not detailed). */
  summariesDropped = 0;
  totals = { connections: 0, subflows: 0, reinjections: 0, holes: 0, events: 0, handovers: 0, fallbacks: 0 };

  constructor(
    out: OutputDir,
    private readonly time: TimeBase,
    opts: { packets: boolean },
  ) {
    const csv = (name: string, cols: readonly Column<never>[]): CsvFile => {
      const f = new CsvFile(out.file(name), `${out.path}/${name}`, cols.map((c) => c.name));
      this.files.push(f);
      return f;
    };
    this.connections = csv('connections.csv', CONNECTION_COLUMNS as readonly Column<never>[]);
    this.subflows = csv('subflows.csv', SUBFLOW_COLUMNS as readonly Column<never>[]);
    for (const spec of TABLE_FILES) {
      const file = csv(spec.file, spec.columns);
      this.tables.set(spec.table as unknown as Table<unknown>, { spec, file, plain: spec.columns.every(isPlain), lines: spec.columns.every((c) => c.put !== undefined) ? file.byteLines() : null });
    }
    if (opts.packets) {
      const packets = csv('packets.csv', PACKET_COLUMNS as readonly Column<never>[]);
      const cols = PACKET_COLUMNS as readonly Column<PacketRow>[];
      const lines = packets.byteLines();
      this.packet = (r: PacketRow): void => putLine(cols, r, this.time, lines);
    }
  }

  get needsDrain(): boolean {
    for (const f of this.files) if (f.needsDrain) return true;
    return false;
  }

  async drain(): Promise<void> {
    for (const f of this.files) if (f.needsDrain) await f.drain();
  }

  /** The first events of the first connections, for report.html (events.csv has them all). */
  readonly events = new Map<number, { rows: EventRow[]; more: number }>();

  private keepEvent(e: EventRow): void {
    let k = this.events.get(e.conn);
    if (k === undefined) {
      if (this.events.size >= REPORT_CONNECTIONS) return;
      k = { rows: [], more: 0 };
      this.events.set(e.conn, k);
    }
    if (k.rows.length < REPORT_EVENTS) k.rows.push(e);
    else k.more++;
  }

  async close(): Promise<void> {
    for (const f of this.files) await f.close();
  }

  row<R>(table: Table<R>, r: R): void {
    const w = this.tables.get(table as Table<unknown>);
    if (w === undefined) return;
    const total = w.spec.total;
    if (total !== undefined) this.totals[total]++;
    if (table === (EVENTS as Table<unknown>)) {
      const e = r as EventRow;
      if (e.event === 'fallback') this.totals.fallbacks++;
      this.keepEvent(e);
    }
    const cols = w.spec.columns as readonly Column<R>[];
    if (w.lines !== null) putLine(cols, r, this.time, w.lines);
    else if (w.plain) w.file.writeLine(plainLine(cols, r, this.time));
    else w.file.write(row(cols, r, this.time));
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

/** A line of a table whose every column writes bytes. */
export function putLine<R>(cols: readonly Column<R>[], r: R, t: TimeBase, w: ByteLines): void {
  for (let i = 0; i < cols.length; i++) cols[i]!.put!(r, t, w);
  w.end();
}

function row<R>(cols: readonly Column<R>[], r: R, t: TimeBase): Array<string | number> {
  return cols.map((c) => cellText(c.get(r, t)));
}
