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
 * written to the file. (csv-stringify's streaming API costs a stream push
 * per record: batching it is 10x faster on packets.csv, and still streams.)
 *
 * Writes are synchronous, from the buffers the rows were built in: nothing
 * queues in a stream, so memory holds one batch per file whatever the
 * disk's speed, and no buffer is copied or left for the garbage collector
 * (a stream's queue of 256 kB copies kept 80 MB of dead buffers alive on a
 * 10 M-packet capture, freed only when V8's external-memory limit forced a
 * collection). A CLI pass has nothing else to do while the disk writes.
 */
export class CsvFile {
  private readonly fd: number;
  private readonly columns: string[];
  private batch: Array<Array<string | number>> = [];
  /** Lines written with writeLine, not yet written. */
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
    try {
      this.fd = fs.openSync(path, 'w');
    } catch (e) {
      throw new OutputError(finalPath, `cannot write: ${fsReason(e)}`);
    }
  }

  /** Writes bytes or text; a failure is kept and thrown by drain() or close() (the caller asks needsDrain between chunks of packets). */
  private put(data: string | Uint8Array): void {
    if (this.failed !== null) return;
    try {
      if (typeof data === 'string') fs.writeSync(this.fd, data);
      else for (let off = 0; off < data.length; ) off += fs.writeSync(this.fd, data, off, data.length - off);
    } catch (e) {
      this.failed = e as Error;
    }
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
      this.put(stringify([], { header: true, columns: this.columns, record_delimiter: 'unix' }));
      this.header = false;
      this.lines = new ByteLines((chunk) => this.put(chunk));
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
      if (this.header) this.put(stringify([], { header: true, columns: this.columns, record_delimiter: 'unix' }));
      this.header = false;
      this.put(this.text);
      this.text = '';
      return;
    }
    const text = stringify(this.batch, { header: this.header, columns: this.columns, record_delimiter: 'unix' });
    this.header = false;
    this.batch = [];
    this.put(text);
  }

  /** Only a failed write asks the caller to stop: drain() throws it. */
  get needsDrain(): boolean {
    return this.failed !== null;
  }

  async drain(): Promise<void> {
    this.check();
  }

  async close(): Promise<void> {
    try {
      this.check();
      this.lines?.flush();
      this.flush();
      this.check();
    } finally {
      fs.closeSync(this.fd);
    }
  }

  private check(): void {
    if (this.failed) throw new OutputError(this.finalPath, `cannot write: ${fsReason(this.failed)}`);
  }
}
