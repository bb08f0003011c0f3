/**
 * DSS mappings of one subflow direction: subflow sequence space → data
 * sequence space, sorted by subflow sequence. A mapping is kept until the
 * subflow's own ACK has passed its end (a retransmission may need it
 * long after it was sent: Wireshark keeps every mapping for the same
 * reason); Linux repeats one mapping on every segment of a burst, and a
 * repeat is not stored twice. Bounded: past `capacity` mappings the lowest
 * are forgotten (counted).
 */
/** Acknowledged mappings kept for late retransmissions. */
const KEEP_ACKED = 512;

export class MappingTable {
  private ssn: Float64Array;
  private dsn: Float64Array;
  /** Data-level length (Infinity for an infinite mapping). */
  private len: Float64Array;
  private frame: Float64Array;
  /** Entries live in [head, tail). */
  private head = 0;
  private tail = 0;
  /** Mappings forgotten to stay within capacity. */
  evicted = 0;
  /** Index of the last lookup's hit: the next segment usually falls in it again. */
  private last = -1;

  constructor(
    private readonly capacity = 1 << 16,
    initial = 16,
  ) {
    this.ssn = new Float64Array(initial);
    this.dsn = new Float64Array(initial);
    this.len = new Float64Array(initial);
    this.frame = new Float64Array(initial);
  }

  get count(): number {
    return this.tail - this.head;
  }

  /** Records a mapping; returns false when the same mapping is already held. */
  add(ssn: number, dsn: number, len: number, frame: number): boolean {
    // The common case: the newest mapping repeated, or a new one after it.
    let inOrder = true;
    if (this.tail > this.head) {
      const k = this.tail - 1;
      if (this.ssn[k] === ssn && this.dsn[k] === dsn && this.len[k] === len) return false;
      if (this.ssn[k]! > ssn) {
        inOrder = false;
        for (let j = this.upperBound(ssn) - 1; j >= this.head && this.ssn[j] === ssn; j--) if (this.dsn[j] === dsn && this.len[j] === len) return false;
      }
    }
    if (this.count === this.capacity) {
      this.head++;
      this.evicted++;
    }
    if (this.tail === this.ssn.length) this.makeRoom();
    const i = inOrder ? this.tail : Math.max(this.head, this.upperBound(ssn));
    if (i < this.tail) {
      this.ssn.copyWithin(i + 1, i, this.tail);
      this.dsn.copyWithin(i + 1, i, this.tail);
      this.len.copyWithin(i + 1, i, this.tail);
      this.frame.copyWithin(i + 1, i, this.tail);
    }
    this.ssn[i] = ssn;
    this.dsn[i] = dsn;
    this.len[i] = len;
    this.frame[i] = frame;
    this.tail++;
    this.last = -1;
    return true;
  }

  /** Index of the newest-sent mapping holding subflow sequence `s`, or -1. */
  find(s: number): number {
    const l = this.last;
    if (l >= this.head && l < this.tail && s >= this.ssn[l]! && s < this.ssn[l]! + this.len[l]!) {
      // Prefer a later mapping that also holds s (a re-mapping of the same bytes).
      if (l + 1 >= this.tail || this.ssn[l + 1]! > s) return l;
    }
    // The last mapping starting at or before s, then back while earlier ones may still hold it.
    for (let k = this.upperBound(s) - 1; k >= this.head; k--) {
      if (s < this.ssn[k]! + this.len[k]!) {
        this.last = k;
        return k;
      }
      if (this.len[k] !== Infinity && this.ssn[k]! + 65536 < s) break;
    }
    return -1;
  }

  /**
   * Forgets mappings that end at or below subflow sequence `acked` (the
   * subflow ACK passed them), but keeps the newest KEEP_ACKED of those: a
   * capture near the receiver sees the ACK before the sender does, and the
   * sender may still retransmit what it covered.
   */
  prune(acked: number): void {
    while (this.tail - this.head > KEEP_ACKED && this.ssn[this.head]! + this.len[this.head]! <= acked) this.head++;
  }

  ssnAt(k: number): number {
    return this.ssn[k]!;
  }

  dsnAt(k: number): number {
    return this.dsn[k]!;
  }

  lenAt(k: number): number {
    return this.len[k]!;
  }

  frameAt(k: number): number {
    return this.frame[k]!;
  }

  /** First index whose ssn is > s. */
  private upperBound(s: number): number {
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (this.ssn[m]! <= s) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  /** Moves the live entries to the front, growing the arrays when they are mostly full. */
  private makeRoom(): void {
    const n = this.count;
    if (n * 2 > this.ssn.length) {
      const size = Math.min(this.capacity + 1, this.ssn.length * 2);
      const grow = (a: Float64Array): Float64Array => {
        const b = new Float64Array(size);
        b.set(a.subarray(this.head, this.tail));
        return b;
      };
      this.ssn = grow(this.ssn);
      this.dsn = grow(this.dsn);
      this.len = grow(this.len);
      this.frame = grow(this.frame);
    } else {
      this.ssn.copyWithin(0, this.head, this.tail);
      this.dsn.copyWithin(0, this.head, this.tail);
      this.len.copyWithin(0, this.head, this.tail);
      this.frame.copyWithin(0, this.head, this.tail);
    }
    this.head = 0;
    this.tail = n;
    this.last = -1;
  }
}
