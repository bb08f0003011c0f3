import * as fs from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { fsReason, OutputError } from '../errors.js';
import { ByteLines } from './byte-lines.js';

/** Rows turned into CSV text at once: one csv-stringify call and one file write per batch. */
const BATCH = 2048;
/** Text of plain lines collected before one file write. */
const PLAIN_BATCH = 1 << 16;

/**
 * One CSV file, streamed: rows are collected in small batches, each batch
 * serialised by csv-stringify (RFC 4180 quoting, a header row first) and
 * written to a file stream. Writing never blocks the analysis; the caller
 * awaits `drain()` between chunks of packets, so memory stays bounded when
 * the disk is slower than the analysis. (csv-stringify's streaming API
 * costs a stream push per record: batching it is 10x faster on
 * packets.csv, and still streams.)
 */
export class CsvFile {
  private readonly out: fs.WriteStream;
  private readonly columns: string[];
  private batch: Array<Array<string | number>> = [];
  /** Lines written with writeLine, not yet handed to the stream. */
  private text = '';
  private header = true;
  private failed: Error | null = null;
  rows = 0;

  constructor(
    readonly path: string,
    readonly finalPath: string,
    columns: readonly string[],
  ) {
    this.columns = [...columns];
    this.out = fs.createWriteStream(path);
    this.out.on('error', (e) => (this.failed ??= e));
  }

  write(row: Array<string | number>): void {
    this.rows++;
    this.batch.push(row);
    if (this.batch.length === BATCH) this.flush();
  }

  private lines: ByteLines | null = null;

  /** Lines written as bytes (byte-lines.ts), after the header. A file takes byte lines, lines or rows: one kind. */
  byteLines(): ByteLines {
    if (this.lines === null) {
      this.out.write(stringify([], { header: true, columns: this.columns, record_delimiter: 'unix' }));
      this.header = false;
      this.lines = new ByteLines((chunk) => this.out.write(chunk));
    }
    return this.lines;
  }

  /** A line that needs no quoting (see columns.ts `plainLine`), without its line end. A file takes lines or rows, not both. */
  writeLine(line: string): void {
    this.rows++;
    this.text += `${line}\n`;
    if (this.text.length >= PLAIN_BATCH) this.flush();
  }

  private flush(): void {
    if (this.batch.length === 0 && this.text === '' && !this.header) return;
    if (this.text !== '') {
      // Plain lines: the header as csv-stringify writes it, then the text as it is.
      if (this.header) this.out.write(stringify([], { header: true, columns: this.columns, record_delimiter: 'unix' }));
      this.header = false;
      this.out.write(this.text);
      this.text = '';
      return;
    }
    const text = stringify(this.batch, { header: this.header, columns: this.columns, record_delimiter: 'unix' });
    this.header = false;
    this.batch = [];
    this.out.write(text);
  }

  /** The file stream holds more than its high-water mark (or failed): wait before writing on. */
  get needsDrain(): boolean {
    return this.out.writableNeedDrain || this.failed !== null;
  }

  async drain(): Promise<void> {
    this.check();
    // Asked now, not remembered from a write: a 'drain' that already fired must not be awaited.
    if (this.out.writableNeedDrain) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.out.off('drain', done);
          this.out.off('error', done);
          resolve();
        };
        this.out.once('drain', done);
        this.out.once('error', done);
      });
    }
    this.check();
  }

  async close(): Promise<void> {
    this.check();
    this.lines?.flush();
    this.flush();
    await new Promise<void>((resolve) => {
      this.out.once('finish', resolve);
      this.out.once('error', () => resolve());
      this.out.end();
    });
    this.check();
  }

  private check(): void {
    if (this.failed) throw new OutputError(this.finalPath, `cannot write: ${fsReason(this.failed)}`);
  }
}
