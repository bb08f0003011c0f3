/**
 * A table's file in the format asked for (`--format`): CSV, or Parquet
 * for loading millions of rows into DuckDB, pandas or Spark without
 * parsing text. Both take rows through the same column declarations.
 */
import { cellReader, cellText, isPlain, lineWriter, type Cell, type CellReader, type Column, type LineWriter } from './columns.js';
import { stringify } from 'csv-stringify/sync';
import { CsvFile } from './csv.js';
import type { ByteLines } from './byte-lines.js';
import type { OutputDir } from './outdir.js';
import type { TimeBase } from './time.js';

export type TableFormat = 'csv' | 'parquet';
export const TABLE_FORMATS: readonly TableFormat[] = ['csv', 'parquet'];

export interface TableWriter<R> {
  add(r: R): void;
  readonly rows: number;
  /** Output is waiting to be written: await drain() before adding more. */
  readonly needsDrain: boolean;
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** `events` → `events.csv` or `events.parquet`. */
export function tableFileName(name: string, format: TableFormat): string {
  return `${name}.${format}`;
}

/** The tables' file names in every format: what an earlier run may have left, whichever format it wrote. */
export function tableFileNames(names: readonly string[]): string[] {
  return names.flatMap((t) => TABLE_FORMATS.map((f) => tableFileName(t, f)));
}

/** The Parquet writer's module, loaded by `loadFormat` only when asked for: a CSV run does not pay for its import. */
let parquet: typeof import('./parquet.js') | null = null;

/** Loads what writing `format` needs; before the first `openTable` of that format. */
export async function loadFormat(format: TableFormat): Promise<void> {
  if (format === 'parquet') parquet ??= await import('./parquet.js');
}

/**
 * Opens table `name` in `out` (`loadFormat(format)` first). `digits`: the digits of the rows' times
 * when they are not the time base's (compare: rows of two captures).
 */
export function openTable<R>(out: OutputDir, name: string, columns: readonly Column<R>[], time: TimeBase, format: TableFormat, version: string, digits?: () => number): TableWriter<R> {
  const file = tableFileName(name, format);
  if (format === 'parquet') {
    if (parquet === null) throw new Error('openTable: loadFormat("parquet") was not awaited');
    return new parquet.ParquetFile(out.file(file), `${out.path}/${file}`, columns, time, { createdBy: `mptrace ${version}`.trimEnd(), ...(digits ? { digits } : {}) });
  }
  return new CsvTable(new CsvFile(out.file(file), `${out.path}/${file}`, columns.map((c) => c.name)), columns, time);
}

/**
 * CSV rows the cheapest way their columns allow: straight as bytes when
 * every column can write itself (`put`); otherwise as a joined line, and
 * through csv-stringify (RFC 4180 quoting) for a row with a text cell
 * that holds a comma, a quote or a line end. (csv-stringify
 * for every row allocated 25 kB per connections.csv row: 10,000 short
 * connections made 250 MB of garbage.)
 */
class CsvTable<R> implements TableWriter<R> {
  private readonly lines: ByteLines | null;
  private readonly putLine: LineWriter<R> | null;
  /** Columns whose text may need quoting. */
  private readonly free: boolean[];
  /** The current row's cells (reused), and what reads them: for a table written as text lines only. */
  private readonly cells: Cell[];
  private readonly readCells: CellReader<R> | null;

  constructor(
    private readonly file: CsvFile,
    columns: readonly Column<R>[],
    private readonly time: TimeBase,
  ) {
    this.lines = columns.every((c) => c.put !== undefined) ? file.byteLines() : null;
    this.putLine = this.lines === null ? null : lineWriter(columns);
    this.readCells = this.lines === null ? cellReader(columns) : null;
    this.cells = columns.map(() => null);
    this.free = columns.map((c) => !isPlain(c as Column<never>));
  }

  get rows(): number {
    return this.file.rows;
  }

  add(r: R): void {
    if (this.lines !== null) {
      this.file.rows++;
      this.putLine!(r, this.time, this.lines);
    } else this.file.writeLine(this.line(r));
  }

  /** The row's line, through csv-stringify when a text cell needs quoting. */
  private line(r: R): string {
    const cells = this.cells;
    this.readCells!(r, this.time, cells);
    let quote = false;
    for (let i = 0; i < cells.length; i++) {
      const v = cellText(cells[i]!);
      cells[i] = v;
      if (this.free[i] === true && typeof v === 'string' && NEEDS_QUOTES.test(v)) quote = true;
    }
    return quote ? stringify([cells], { record_delimiter: 'unix' }).slice(0, -1) : cells.join(',');
  }

  get needsDrain(): boolean {
    return this.file.needsDrain;
  }

  drain(): Promise<void> {
    return this.file.drain();
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

/** What makes csv-stringify quote a cell (its delimiter, quote, record delimiter), and a carriage return to be safe. */
const NEEDS_QUOTES = /[",\n\r]/;
