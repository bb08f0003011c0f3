import * as fs from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { cannotWrite } from '../errors.js';
import { ByteLines } from './byte-lines.js';
import { openOutput, writeFully } from './out-file.js';

/**
 * One CSV file, streamed: a header row (as csv-stringify writes it), then
 * lines as bytes (byte-lines.ts), gathered and written in batches.
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
  private header = true;
  private failed: Error | null = null;
  rows = 0;

  constructor(
    readonly path: string,
    readonly finalPath: string,
    columns: readonly string[],
  ) {
    this.columns = [...columns];
    this.fd = openOutput(path, finalPath);
  }

  /** Writes bytes or text (the header); a failure is kept and thrown by drain() or close() (the caller asks needsDrain between chunks of packets). */
  private put(data: string | Uint8Array): void {
    if (this.failed !== null) return;
    try {
      writeFully(this.fd, data);
    } catch (e) {
      this.failed = e as Error;
    }
  }

  private lines: ByteLines | null = null;

  /** The file's lines, written as bytes (byte-lines.ts) after the header. */
  byteLines(): ByteLines {
    if (this.lines === null) {
      this.writeHeader();
      this.lines = new ByteLines((chunk) => this.put(chunk));
    }
    return this.lines;
  }

  /** The header row as csv-stringify writes it, once, before the first line. */
  private writeHeader(): void {
    if (!this.header) return;
    this.put(stringify([], { header: true, columns: this.columns, record_delimiter: 'unix' }));
    this.header = false;
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
      // A table without rows is its header.
      this.byteLines().flush();
      this.check();
    } finally {
      fs.closeSync(this.fd);
    }
  }

  private check(): void {
    if (this.failed) throw cannotWrite(this.finalPath, this.failed);
  }
}
