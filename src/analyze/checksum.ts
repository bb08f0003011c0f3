/**
 * DSS checksum (RFC 8684 §3.3.1, RFC 6824 §3.3): the ones' complement
 * sum over a pseudo-header (64-bit DSN, 32-bit relative subflow sequence,
 * data-level length, zero) and every payload byte the mapping covers.
 * A mapping often spans many segments, so the sum is kept across
 * segments of a subflow direction and checked when its last byte arrives;
 * a byte missing from the capture (snaplen, loss, reordering) makes the
 * mapping unverifiable.
 */
export const CSUM_UNVERIFIABLE = 0;
export const CSUM_OK = 1;
export const CSUM_BAD = -1;

export class ChecksumCheck {
  /** A mapping is being summed. */
  active = false;
  /** Subflow sequence (relative) of the next byte expected, and of the mapping's end. */
  private pos = 0;
  private end = 0;
  private acc = 0;
  /** Bytes summed so far is odd: the next byte is a low byte. */
  private odd = false;
  expected = 0;
  frame = 0;
  dsn = 0;
  ssn = 0;
  len = 0;

  /**
   * Starts a mapping; `dsnHi:dsnLo` is its absolute 64-bit DSN, `ssn32` the
   * option's value, `len` its data-level length, of which `payload` bytes
   * are data (a DATA_FIN takes the last unit of the length, not a byte).
   * Returns a result at once when there is no data to wait for, else NaN.
   */
  start(dsnHi: number, dsnLo: number, ssnRel: number, ssn32: number, len: number, payload: number, expected: number, frame: number, dsnRel: number): number {
    this.active = true;
    this.pos = ssnRel;
    this.end = ssnRel + payload;
    this.acc = (dsnHi >>> 16) + (dsnHi & 0xffff) + (dsnLo >>> 16) + (dsnLo & 0xffff) + (ssn32 >>> 16) + (ssn32 & 0xffff) + len;
    this.odd = false;
    this.expected = expected;
    this.frame = frame;
    this.dsn = dsnRel;
    this.ssn = ssnRel;
    this.len = len;
    return payload === 0 ? this.result() : NaN;
  }

  /**
   * Payload bytes b[off, off+n) at subflow sequence `at`. Returns CSUM_OK or
   * CSUM_BAD when the mapping completes, CSUM_UNVERIFIABLE when a byte is
   * missing (the check is dropped), or NaN while it goes on.
   */
  feed(b: Uint8Array, off: number, n: number, captured: number, at: number): number {
    if (!this.active) return NaN;
    if (at + n <= this.pos) return NaN; // a retransmission of bytes already summed
    if (at !== this.pos || captured < n) {
      this.active = false;
      return CSUM_UNVERIFIABLE;
    }
    const take = Math.min(n, this.end - at);
    let acc = this.acc;
    let i = off;
    const stop = off + take;
    if (this.odd && i < stop) acc += b[i++]!;
    for (; i + 1 < stop; i += 2) acc += (b[i]! << 8) | b[i + 1]!;
    let odd = this.odd !== ((take & 1) === 1);
    if (i < stop) acc += b[i]! << 8;
    this.acc = acc;
    this.odd = odd;
    this.pos = at + take;
    if (this.pos < this.end) return NaN;
    return this.result();
  }

  private result(): number {
    this.active = false;
    let acc = this.acc;
    while (acc > 0xffff) acc = (acc & 0xffff) + Math.floor(acc / 65536);
    const sum = ~acc & 0xffff;
    return sum === this.expected || (sum === 0 && this.expected === 0xffff) || (sum === 0xffff && this.expected === 0) ? CSUM_OK : CSUM_BAD;
  }
}
