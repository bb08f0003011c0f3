/**
 * A table's file in the format asked for (`--format`): CSV, or Parquet
 * for loading millions of rows into DuckDB, pandas or Spark without
 * parsing text. Both take rows through the same column declarations.
 */
import { lineWriter, type Column, type LineWriter } from './columns.js';
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
 * CSV rows written as bytes (byte-lines.ts): a column writes its cell
 * itself (`put`: the per-packet tables) or through its getter (`cell`:
 * csv-stringify's text, RFC 4180 quoting where a text cell needs it).
 * Lines built as strings and joined took 3 kB of garbage a connection
 * and a tenth of the time of 100 k short connections (events.csv: ten
 * rows each); csv-stringify for every row, 25 kB a connections.csv row.
 */
class CsvTable<R> implements TableWriter<R> {
  private readonly lines: ByteLines;
  private readonly putLine: LineWriter<R>;

  constructor(
    private readonly file: CsvFile,
    columns: readonly Column<R>[],
    private readonly time: TimeBase,
  ) {
    this.lines = file.byteLines();
    this.putLine = lineWriter(columns);
  }

  get rows(): number {
    return this.file.rows;
  }

  add(r: R): void {
    this.file.rows++;
    this.putLine(r, this.time, this.lines);
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

