/**
 * One table as an Apache Parquet file (`--format parquet`), streamed: rows
 * are gathered into columns and written a row group at a time, so memory
 * holds one group, never the table. Cells come from the same column
 * declarations as the CSV files (`Column.get`), so a Parquet file and the
 * CSV file of the same run hold the same values; only their types are
 * richer:
 *
 * - integer: INT64 (a relative DSN, `u64`: UINT_64, as the CSV prints it)
 * - number, seconds: DOUBLE
 * - time: TIMESTAMP, UTC wall-clock time with no zone in the type, in
 *   microseconds, or in nanoseconds when the capture's clock is finer
 * - bool: BOOLEAN; text, hex: STRING
 *
 * Every column is OPTIONAL: an empty CSV cell is a null. hyparquet-writer
 * (pure JS, small) does the encoding; see docs/outputs.md for why it and
 * not parquet-wasm.
 */
import * as fs from 'node:fs';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { cannotWrite } from '../errors.js';
import { cellReader, type Cell, type CellReader, type Column } from './columns.js';
import { openOutput, writeFully } from './out-file.js';
import { TimeValues, type TimeBase } from './time.js';

/** Rows per row group: a group's columns are what memory holds (a few MB for packets.parquet). */
export const ROW_GROUP = 1 << 14;
/** Bytes of encoded output gathered before one file write. */
const WRITE_AT = 1 << 20;

type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];
type Value = bigint | number | boolean | string | null;

/** A ByteWriter whose bytes go to a file descriptor as they pile up: the file is never held whole. */
class FdWriter extends ByteWriter {
  failed: Error | null = null;

  constructor(private readonly fd: number) {
    super(WRITE_AT + (WRITE_AT >> 2));
  }

  override ensure(size: number): void {
    if (this.index > WRITE_AT) this.flush();
    super.ensure(size);
  }

  flush(): void {
    if (this.index === 0 || this.failed !== null) {
      this.index = 0;
      return;
    }
    try {
      writeFully(this.fd, new Uint8Array(this.buffer, 0, this.index));
    } catch (e) {
      this.failed = e as Error;
    }
    this.index = 0;
  }

  override finish(): void {
    this.flush();
  }
}

/** How a column's cells become Parquet values. */
type Kind = 'int' | 'u64' | 'double' | 'bool' | 'string' | 'time';

function kindOf(c: Column<never>): Kind {
  switch (c.type) {
    case 'integer':
      return c.u64 === true ? 'u64' : 'int';
    case 'number':
    case 'seconds':
      return 'double';
    case 'bool':
      return 'bool';
    case 'time':
      return 'time';
    default:
      return 'string';
  }
}

/**
 * Epoch time as an integer count of 10^-digits seconds (digits 6 or 9),
 * from the text TimeBase.format wrote (exact: never a double of the whole
 * epoch time). Microseconds since the epoch fit a double exactly (under
 * 2^53 until the year 2255): a number; nanoseconds do not: a bigint.
 */
export function epochUnits(text: string, digits: 6 | 9): number | bigint {
  const dot = text.indexOf('.');
  const sec = dot < 0 ? text : text.slice(0, dot);
  let frac = dot < 0 ? '' : text.slice(dot + 1, dot + 1 + digits);
  if (frac.length < digits) frac = frac.padEnd(digits, '0');
  return digits === 6 ? Number(sec) * 1e6 + Number(frac) : BigInt(sec + frac);
}

function element(c: Column<never>, kind: Kind, timeDigits: number): SchemaElement {
  const base = { name: c.name, repetition_type: 'OPTIONAL' as const };
  switch (kind) {
    case 'int':
      return { ...base, type: 'INT64' };
    case 'u64':
      // The converted type alone: hyparquet-writer's INTEGER logical type is one DuckDB cannot parse (its Thrift says "Invalid data").
      return { ...base, type: 'INT64', converted_type: 'UINT_64' };
    case 'double':
      return { ...base, type: 'DOUBLE' };
    case 'bool':
      return { ...base, type: 'BOOLEAN' };
    case 'time':
      // Not marked as adjusted to UTC (though they are UTC): DuckDB reads a UTC-adjusted nanosecond time as microseconds; one convention for both units.
      return { ...base, type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: timeDigits === 6 ? 'MICROS' : 'NANOS' } };
    default:
      return { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8' };
  }
}

/** Integers and timestamps delta-encoded (frames, times and DSNs mostly climb: a few bits each); the rest as the writer picks (dictionaries for tokens). */
const DELTA = new Set<Kind>(['int', 'u64', 'time']);

export interface ParquetOptions {
  /** The digits of the times in the rows (compare: the finer of two captures); default the time base's. */
  digits?: () => number;
  /** The file's `created_by`. */
  createdBy?: string;
  /** Rows per row group (default ROW_GROUP). */
  rowGroup?: number;
}

/**
 * One column's values for the row group being gathered. Numbers go into a
 * Float64Array while every value of the group is one: no boxed number per
 * cell, and no array regrown (and copied) from empty for every group. The
 * first value that is not a number (a null, a bigint, text, a boolean)
 * moves the group's values to a plain array, which hyparquet-writer takes
 * as well; the next group starts over with numbers.
 */
class ColumnValues {
  private numbers: Float64Array;
  private list: Value[] = [];
  private plain: boolean;
  /** Values in `numbers` (while not plain). */
  private n = 0;

  /** `numeric`: whether the column's values are numbers (else always the plain array). */
  constructor(
    private readonly numeric: boolean,
    private readonly capacity: number,
  ) {
    this.numbers = new Float64Array(numeric ? Math.min(capacity, 1024) : 0);
    this.plain = !numeric;
  }

  push(v: Value): void {
    if (!this.plain) {
      if (typeof v === 'number') {
        if (this.n === this.numbers.length) this.grow();
        this.numbers[this.n++] = v;
        return;
      }
      for (let i = 0; i < this.n; i++) this.list.push(this.numbers[i]!);
      this.plain = true;
    }
    this.list.push(v);
  }

  private grow(): void {
    const next = new Float64Array(Math.min(this.numbers.length * 2, this.capacity));
    next.set(this.numbers);
    this.numbers = next;
  }

  /** The group's values, valid until clear(). */
  data(): Float64Array | Value[] {
    if (this.plain) return this.list;
    return this.n === this.numbers.length ? this.numbers : this.numbers.subarray(0, this.n);
  }

  clear(): void {
    this.list.length = 0;
    this.plain = !this.numeric;
    this.n = 0;
  }
}

export class ParquetFile<R> {
  private readonly fd: number;
  private readonly writer: FdWriter;
  private parquet: ParquetWriter | null = null;
  private readonly kinds: Kind[];
  /** The row group's values, a column each (set with the schema). */
  private values: ColumnValues[] = [];
  /** The current row's cells (reused), read by a function made for the table (see columns.ts). */
  private readonly cells: Cell[];
  private readonly readCells: CellReader<R>;
  /** Digits of the timestamps: 6 (µs) or 9 (ns). */
  private timeDigits: 6 | 9 = 6;
  /** What the getters read times through: numbers, not the CSV's text (set with the schema). */
  private times: TimeValues | null = null;
  private pending = 0;
  rows = 0;

  constructor(
    readonly path: string,
    readonly finalPath: string,
    private readonly columns: readonly Column<R>[],
    private readonly time: TimeBase,
    private readonly opts: ParquetOptions = {},
  ) {
    this.fd = openOutput(path, finalPath);
    this.writer = new FdWriter(this.fd);
    this.kinds = columns.map((c) => kindOf(c as Column<never>));
    this.cells = columns.map(() => null);
    this.readCells = cellReader(columns);
  }

  add(r: R): void {
    if (this.parquet === null) this.open();
    const cells = this.cells;
    this.readCells(r, this.times!, cells);
    const values = this.values;
    for (let i = 0; i < cells.length; i++) values[i]!.push(this.value(this.kinds[i]!, cells[i]!));
    this.rows++;
    if (++this.pending === (this.opts.rowGroup ?? ROW_GROUP)) this.writeGroup();
  }

  private value(kind: Kind, v: Cell): Value {
    // An empty cell is unknown or not applicable (docs/outputs.md), whatever the column's getter returned for it.
    if (v === null || v === '') return null;
    switch (kind) {
      case 'int':
      case 'u64':
        // A number while it is exact (the writer packs int32-sized values without BigInt); past 2^53 the getter gives text.
        return typeof v === 'number' ? v : BigInt(v as string);
      case 'double':
        return typeof v === 'number' ? v : Number(v);
      case 'time':
        // Microseconds come as numbers (TimeValues); nanoseconds as the CSV's text.
        return typeof v === 'number' ? v : epochUnits(String(v), this.timeDigits);
      default:
        return v;
    }
  }

  /** The schema, settled at the first row: by then the capture's clock (µs or ns) is known. */
  private open(): ParquetWriter {
    if (this.parquet === null) {
      this.timeDigits = (this.opts.digits?.() ?? this.time.digits) > 6 ? 9 : 6;
      this.times = new TimeValues(this.time, this.timeDigits);
      // Nanosecond times are bigints: a plain array from the start.
      const numeric = (k: Kind): boolean => k === 'int' || k === 'u64' || k === 'double' || (k === 'time' && this.timeDigits === 6);
      this.values = this.kinds.map((k) => new ColumnValues(numeric(k), this.opts.rowGroup ?? ROW_GROUP));
      const schema: SchemaElement[] = [{ name: 'schema', num_children: this.columns.length }, ...this.columns.map((c, i) => element(c as Column<never>, this.kinds[i]!, this.timeDigits))];
      this.parquet = new ParquetWriter({ writer: this.writer, schema, codec: 'SNAPPY', createdBy: this.opts.createdBy ?? 'mptrace' });
    }
    return this.parquet;
  }

  private writeGroup(): void {
    const p = this.open();
    if (this.pending > 0) {
      p.write({
        columnData: this.columns.map((c, i) => ({ name: c.name, data: this.values[i]!.data(), ...(DELTA.has(this.kinds[i]!) ? { encoding: 'DELTA_BINARY_PACKED' as const } : {}) })),
        rowGroupSize: this.pending,
      });
      for (const v of this.values) v.clear();
      this.pending = 0;
    }
    this.check();
  }

  /** Writes are synchronous: nothing waits in a stream. */
  readonly needsDrain = false;

  async drain(): Promise<void> {
    this.check();
  }

  async close(): Promise<void> {
    try {
      this.writeGroup();
      this.parquet!.finish();
      this.check();
    } finally {
      fs.closeSync(this.fd);
    }
  }

  private check(): void {
    if (this.writer.failed) throw cannotWrite(this.finalPath, this.writer.failed);
  }
}
