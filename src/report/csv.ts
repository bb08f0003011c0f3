import * as fs from 'node:fs';
import { stringify, type Stringifier } from 'csv-stringify';
import { OutputError } from '../errors.js';
import { fsReason } from './outdir.js';

/**
 * One CSV file, streamed: rows go through csv-stringify (RFC 4180 quoting,
 * a header row) into a file stream. Writing never blocks the analysis;
 * the caller awaits `drain()` between chunks of packets so memory stays
 * bounded when the disk is slower than the analysis.
 */
export class CsvFile {
  private readonly csv: Stringifier;
  private readonly out: fs.WriteStream;
  private failed: Error | null = null;
  rows = 0;

  constructor(
    readonly path: string,
    readonly finalPath: string,
    columns: readonly string[],
  ) {
    this.csv = stringify({ header: true, columns: columns as string[], eof: true, record_delimiter: 'unix' });
    this.out = fs.createWriteStream(path);
    this.out.on('error', (e) => (this.failed ??= e));
    this.csv.on('error', (e) => (this.failed ??= e));
    this.csv.pipe(this.out);
  }

  write(row: Array<string | number>): void {
    this.rows++;
    this.csv.write(row);
  }

  /** The stringifier holds more than its high-water mark (or the file failed): wait before writing on. */
  get needsDrain(): boolean {
    return this.csv.writableNeedDrain || this.failed !== null;
  }

  async drain(): Promise<void> {
    this.check();
    // Asked now, not remembered from the write: a 'drain' that already fired must not be awaited.
    if (this.csv.writableNeedDrain) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.csv.off('drain', done);
          this.out.off('error', done);
          resolve();
        };
        this.csv.once('drain', done);
        this.out.once('error', done);
      });
    }
    this.check();
  }

  async close(): Promise<void> {
    this.check();
    this.csv.end();
    await new Promise<void>((resolve, reject) => {
      this.out.on('finish', resolve);
      this.out.on('close', resolve);
      this.out.on('error', reject);
    }).catch((e: unknown) => {
      this.failed ??= e as Error;
    });
    this.check();
  }

  private check(): void {
    if (this.failed) throw new OutputError(this.finalPath, `cannot write: ${fsReason(this.failed)}`);
  }
}
