/**
 * CSV lines written straight into a reused byte buffer: numbers, times and
 * fixed tokens as ASCII digits, no string per cell or per line; any other
 * cell through `cell` (text as UTF-8, quoted where it must be). Every
 * table's lines: building strings was most of the cost of those with a
 * row per packet or per ACK (a 1 GB download's 384 k RTT rows took 0.7 s
 * as strings), and of 100 k short connections' rows.
 *
 * The text is the same, byte for byte, as the string path's: times as
 * TimeBase.format gives them, durations as toFixed does (a value exactly
 * half way between two printed ones, which a capture's clock never gives,
 * is left to toFixed itself).
 */
import { stringify } from 'csv-stringify/sync';
import type { Cell } from './columns.js';
import { fixedDigits, type TimeBase } from './time.js';

/** What makes a cell quoted: the delimiter, the quote, a line end (csv-stringify's own test, with a lone CR too, which it leaves bare once told the record delimiter and which Python's csv reader takes for a line end). */
const NEEDS_QUOTES = /[",\n\r]/;
/** csv-stringify quotes the text cells that need it (RFC 4180: in quotes, quotes doubled); the rare cell, never a row per packet. */
const QUOTING = { record_delimiter: 'unix', quote_record_delimiter: true } as const;

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
/** Bytes gathered before they go to the file. */
const SIZE = 1 << 18;
/** Room always left for one more cell (a cell is at most a few dozen bytes; text cells are checked). */
const CELL = 64;

export class ByteLines {
  private buf = Buffer.allocUnsafe(SIZE);
  private pos = 0;
  /** Lines begun in this buffer, and cells in the current line (for the commas). */
  private cells = 0;
  /** The last epoch time's whole seconds, and their digits. */
  private wholeSec = NaN;
  private wholeLen = 0;
  private readonly wholeDigits = new Uint8Array(16);

  /** `out` gets a view of the reused buffer: it must be done with the bytes when it returns. */
  constructor(private readonly out: (chunk: Buffer) => void) {}

  /** Next cell: its comma. */
  private sep(): void {
    if (this.pos + CELL > SIZE) this.flush();
    if (this.cells++ > 0) this.buf[this.pos++] = 44;
  }

  /** An empty cell (unknown, or not applicable). */
  empty(): void {
    this.sep();
  }

  /** A non-negative or negative integer (exactly, up to 2^53). */
  int(n: number): void {
    this.sep();
    this.digits(n);
  }

  private digits(n: number): void {
    const b = this.buf;
    if (n < 0) {
      b[this.pos++] = 45;
      n = -n;
    }
    if (n < 10) {
      b[this.pos++] = 48 + n;
      return;
    }
    if (n < 2147483648) {
      // Most cells (frames, lengths, flags, sequence numbers): the length from comparisons, digits by int32 division.
      const len = n < 100 ? 2 : n < 1e3 ? 3 : n < 1e4 ? 4 : n < 1e5 ? 5 : n < 1e6 ? 6 : n < 1e7 ? 7 : n < 1e8 ? 8 : n < 1e9 ? 9 : 10;
      let p = this.pos + len;
      this.pos = p;
      let v = n | 0;
      do {
        const q = (v / 10) | 0;
        b[--p] = 48 + v - q * 10;
        v = q;
      } while (v > 0);
      return;
    }
    let len = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) len++;
    let p = this.pos + len;
    this.pos = p;
    do {
      const q = Math.floor(n / 10);
      b[--p] = 48 + (n - q * 10);
      n = q;
    } while (n > 0);
  }

  /** `count` digits of `n`, zeros first. */
  private padded(n: number, count: number): void {
    const b = this.buf;
    let p = this.pos + count;
    this.pos = p;
    if (n < 2147483648) {
      let v = n | 0;
      for (let i = 0; i < count; i++) {
        const q = (v / 10) | 0;
        b[--p] = 48 + v - q * 10;
        v = q;
      }
      return;
    }
    for (let i = 0; i < count; i++) {
      const q = Math.floor(n / 10);
      b[--p] = 48 + (n - q * 10);
      n = q;
    }
  }

  /** `0x` and 32-bit words as 8 lower-case hex digits each (a token: one word; a key: two), as format.ts's `token` and `key`. */
  hex(a: number, b?: number): void {
    this.sep();
    this.buf[this.pos++] = 48;
    this.buf[this.pos++] = 120;
    this.word(a);
    if (b !== undefined) this.word(b);
  }

  private word(v: number): void {
    const b = this.buf;
    for (let shift = 28; shift >= 0; shift -= 4) {
      const d = (v >>> shift) & 15;
      b[this.pos++] = d < 10 ? 48 + d : 87 + d;
    }
  }

  /** ASCII text that needs no quoting (a token, an address). */
  text(s: string): void {
    this.sep();
    if (this.pos + s.length + 1 > SIZE) this.flush();
    for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i);
  }

  /**
   * Any cell, as csv-stringify writes it: empty for null, `true`/`false`,
   * a number as `'' + n`, text in UTF-8, quoted by csv-stringify when it
   * holds a comma, a quote, a CR or an LF. For columns without
   * a writer of their own; `plain`: a text column whose values never need
   * quoting (see columns.ts), not looked at.
   */
  cell(v: Cell, plain = false): void {
    if (v === null) this.empty();
    else if (typeof v === 'number') {
      if (Number.isSafeInteger(v)) this.int(v);
      else this.text(String(v));
    } else if (typeof v === 'boolean') this.text(v ? 'true' : 'false');
    else this.utf8(plain || !NEEDS_QUOTES.test(v) ? v : stringify([[v]], QUOTING).slice(0, -1));
  }

  /** Text of any characters, as UTF-8: ASCII byte by byte (Buffer's write costs a call into C++ per cell), the rest from the first other character by Buffer's encoder. */
  private utf8(s: string): void {
    this.sep();
    const n = s.length;
    if (this.pos + n * 3 + 1 > SIZE) this.flush();
    if (n * 3 + 1 > SIZE) {
      this.out(Buffer.from(s));
      return;
    }
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.pos = p + b.write(i === 0 ? s : s.slice(i), p);
        return;
      }
      b[p++] = c;
    }
    this.pos = p;
  }

  /** `x.toFixed(digits)`. */
  fixed(x: number, digits: number): void {
    const n = fixedDigits(x, digits);
    if (n < 0) {
      this.text(x.toFixed(digits));
      return;
    }
    this.sep();
    if (x < 0) this.buf[this.pos++] = 45;
    const scale = POW10[digits]!;
    const whole = Math.floor(n / scale);
    this.digits(whole);
    this.buf[this.pos++] = 46;
    this.padded(n - whole * scale, digits);
  }

  /** Epoch seconds of relative time t, as TimeBase.format writes them. */
  epoch(tb: TimeBase, t: number): void {
    const sec = tb.wholeOf(t);
    const ns = tb.ns;
    this.sep();
    // The whole seconds as digits, copied from the last time's when they are the same (rows come in time order).
    const whole = tb.baseSec + sec;
    if (whole === this.wholeSec) {
      const w = this.wholeDigits;
      for (let i = 0; i < this.wholeLen; i++) this.buf[this.pos++] = w[i]!;
    } else {
      const at = this.pos;
      this.digits(whole);
      const len = this.pos - at;
      this.wholeSec = len <= this.wholeDigits.length ? whole : NaN;
      this.wholeLen = len;
      this.buf.copy(this.wholeDigits, 0, at, Math.min(this.pos, at + this.wholeDigits.length));
    }
    const d = tb.digits;
    if (d <= 0) return;
    this.buf[this.pos++] = 46;
    this.padded(Math.floor(ns / POW10[9 - d]!), d);
  }

  /** Seconds since the capture's first packet, as TimeBase.since writes them. */
  since(tb: TimeBase, t: number): void {
    this.fixed(tb.sinceFirst(t), tb.digits);
  }

  /** The line is complete. */
  end(): void {
    this.buf[this.pos++] = 10;
    this.cells = 0;
  }

  /** Hands what is gathered to the file (a copy: the buffer is reused). */
  flush(): void {
    if (this.pos === 0) return;
    // A line cut at a flush continues in the next buffer: only bytes are moved, never the line's cell count.
    // The buffer is reused: `out` writes the bytes before it returns (or copies them).
    this.out(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }
}
