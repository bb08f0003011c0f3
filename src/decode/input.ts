import * as fs from 'node:fs';

/** Reads `length` bytes at absolute `position` into `into[at...]`; returns the count read (0 at the end). */
export type ReadAt = (into: Uint8Array, at: number, length: number, position: number) => number;

/**
 * Default read size. 256 kB keeps syscalls out of the per-packet cost (about
 * 500 reads for a 130 MB capture) and stays in the CPU's cache; 8 MB read as
 * fast and cost 7-8 MB more peak RSS (docs/development.md).
 */
export const DEFAULT_CHUNK = 256 << 10;
/** Largest byte range a reader may ask to hold at once (one pcapng block or pcap record). */
export const MAX_RESIDENT = 64 << 20;

/**
 * A window over a file (or a byte array, in tests) read in large chunks
 * into one reused buffer. Readers ask for an absolute byte range with
 * `fill`; the bytes before the range may be discarded, so an index into
 * `buf` is valid only until the next `fill`.
 */
export class ChunkedInput {
  buf: Uint8Array;
  /** A DataView over `buf` (replaced with it when the buffer grows). */
  view: DataView;
  /** Absolute offset of buf[0]. */
  base = 0;
  /** Number of valid bytes in buf. */
  len = 0;

  constructor(
    private readonly readAt: ReadAt,
    /** Total size of the input in bytes. */
    readonly size: number,
    chunkSize = DEFAULT_CHUNK,
    private readonly closeFn: () => void = () => {},
  ) {
    this.buf = new Uint8Array(Math.max(16, Math.min(chunkSize, Math.max(size, 16))));
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  static fromFile(path: string, chunkSize = DEFAULT_CHUNK): ChunkedInput {
    const fd = fs.openSync(path, 'r');
    try {
      const st = fs.fstatSync(fd);
      const readAt: ReadAt = (into, at, length, position) => fs.readSync(fd, into, at, length, position);
      return new ChunkedInput(readAt, st.size, chunkSize, () => fs.closeSync(fd));
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  /** An in-memory input that still arrives `chunkSize` bytes at a time, so tests exercise every boundary. */
  static fromBytes(bytes: Uint8Array, chunkSize = DEFAULT_CHUNK): ChunkedInput {
    const readAt: ReadAt = (into, at, length, position) => {
      const n = Math.max(0, Math.min(length, chunkSize, bytes.length - position));
      into.set(bytes.subarray(position, position + n), at);
      return n;
    };
    return new ChunkedInput(readAt, bytes.length, chunkSize);
  }

  /**
   * Makes bytes [pos, pos + need) resident and returns the index of `pos`
   * in `buf`, or -1 when the input ends before `pos + need`.
   * `need` must already be checked against MAX_RESIDENT by the caller.
   */
  fill(pos: number, need: number): number {
    const i = pos - this.base;
    if (i >= 0 && i + need <= this.len) return i;
    return this.refill(pos, need);
  }

  private refill(pos: number, need: number): number {
    if (pos + need > this.size || need > MAX_RESIDENT) return -1;
    const keepFrom = pos - this.base;
    if (keepFrom >= 0 && keepFrom < this.len) {
      this.buf.copyWithin(0, keepFrom, this.len);
      this.len -= keepFrom;
    } else {
      this.len = 0;
    }
    this.base = pos;
    if (need > this.buf.length) {
      const bigger = new Uint8Array(Math.min(MAX_RESIDENT, Math.max(need, this.buf.length * 2)));
      bigger.set(this.buf.subarray(0, this.len));
      this.buf = bigger;
      this.view = new DataView(bigger.buffer);
    }
    while (this.len < need) {
      const want = Math.min(this.buf.length - this.len, this.size - (this.base + this.len));
      if (want <= 0) return -1;
      const n = this.readAt(this.buf, this.len, want, this.base + this.len);
      if (n <= 0) return -1;
      this.len += n;
    }
    return 0;
  }

  close(): void {
    this.closeFn();
  }
}
