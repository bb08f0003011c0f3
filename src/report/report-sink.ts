import type { ConnectionRecord } from '../analyze/record.js';
import { EVENTS, type AnalysisSink, type EventRow, type PacketRow, type Table } from '../analyze/model.js';
import { CONNECTION_COLUMNS, SUBFLOW_COLUMNS, type Column, type SubflowRow } from './columns.js';
import type { OutputDir } from './outdir.js';
import { connectionSummaryText } from './summary.js';
import { PACKET_COLUMNS, TABLE_FILES, type TableFile } from './tables.js';
import { openTable, type TableFormat, type TableWriter } from './table-writer.js';
import type { TimeBase } from './time.js';

/** Connections, and events per connection, report.html lists (events.csv has every one). */
export const REPORT_CONNECTIONS = 256;
const REPORT_EVENTS = 60;

/** Detailed per-connection entries kept for summary.json (beyond it, only totals). */
export const SUMMARY_DETAIL_LIMIT = 1000;

/**
 * Writes the analysis as it streams: one file per table (CSV or Parquet,
 * table-writer.ts), rows formatted by the column declarations (relative
 * times to epoch, relative DSNs as unsigned decimals). Keeps per-connection aggregates only until the connection
 * is finished, and a compact summary of each for summary.json.
 */
export class ReportSink implements AnalysisSink {
  readonly packet?: (row: PacketRow) => void;
  private readonly files: TableWriter<never>[] = [];
  private readonly connections: TableWriter<ConnectionRecord>;
  private readonly subflows: TableWriter<SubflowRow>;
  /** The file of each streamed table. */
  private readonly tables = new Map<Table<unknown>, { spec: TableFile<never>; file: TableWriter<unknown> }>();
  /**
   * The detailed connections' summaries, as compact JSON until the end:
   * a fraction of the heap the objects took (1,000 short connections: 3
   * MB of text), held all through a run.
   */
  private readonly summaryTexts: string[] = [];
  /** The connection number of each of summaryTexts. */
  private readonly summaryConns: number[] = [];
  /** Connections beyond SUMMARY_DETAIL_LIMIT (counted, not detailed). */
  summariesDropped = 0;
  totals = { connections: 0, subflows: 0, reinjections: 0, holes: 0, events: 0, handovers: 0, fallbacks: 0 };

  constructor(
    out: OutputDir,
    private readonly time: TimeBase,
    opts: { packets: boolean; format: TableFormat; version: string },
  ) {
    const open = <R>(name: string, cols: readonly Column<R>[]): TableWriter<R> => {
      const f = openTable(out, name, cols, time, opts.format, opts.version);
      this.files.push(f as TableWriter<never>);
      return f;
    };
    this.connections = open('connections', CONNECTION_COLUMNS);
    this.subflows = open('subflows', SUBFLOW_COLUMNS);
    for (const spec of TABLE_FILES) this.tables.set(spec.table as unknown as Table<unknown>, { spec, file: open(spec.name, spec.columns as readonly Column<unknown>[]) });
    if (opts.packets) {
      const packets = open('packets', PACKET_COLUMNS as readonly Column<PacketRow>[]);
      this.packet = (r: PacketRow): void => packets.add(r);
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
    w.file.add(r);
  }

  /** The detailed connections' summaries as compact JSON, by connection number (summary.json's order), handed over: the sink keeps none. */
  takeSummaries(): string[] {
    const conns = this.summaryConns;
    const order = conns.map((_, i) => i).sort((a, b) => conns[a]! - conns[b]!);
    const texts = order.map((i) => this.summaryTexts[i]!);
    this.summaryTexts.length = 0;
    this.summaryConns.length = 0;
    return texts;
  }

  connection(c: ConnectionRecord): void {
    const t = this.time;
    this.totals.connections++;
    this.totals.subflows += c.subflows.length;
    this.connections.add(c);
    for (const s of c.subflows) this.subflows.add({ conn: c.id, s });
    if (this.summaryTexts.length < SUMMARY_DETAIL_LIMIT) {
      this.summaryTexts.push(connectionSummaryText(c, t));
      this.summaryConns.push(c.id);
    } else this.summariesDropped++;
  }
}
