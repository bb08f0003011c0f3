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
const W = 4; // ssn, dsn, len, frame
const SSN = 0;
const DSN = 1;
const LEN = 2;
const FRAME = 3;
const NONE = new Float64Array(0);

export class MappingTable {
  /** Entries of W numbers: subflow sequence (relative to the ISN, unwrapped), relative DSN, data-level length (Infinity: infinite mapping), first frame. */
  private m: Float64Array = NONE;
  /** Entries live in [head, tail). */
  private head = 0;
  private tail = 0;
  /** Mappings forgotten to stay within capacity. */
  evicted = 0;
  /** Index of the last lookup's hit: the next segment usually falls in it again. */
  private last = -1;

  constructor(
    private readonly capacity = 1 << 16,
    private readonly initial = 4,
  ) {}

  get count(): number {
    return this.tail - this.head;
  }

  /** Records a mapping; returns false when the same mapping is already held. */
  add(ssn: number, dsn: number, len: number, frame: number): boolean {
    const m = this.m;
    // The common case: the newest mapping repeated, or a new one after it.
    let inOrder = true;
    if (this.tail > this.head) {
      const k = (this.tail - 1) * W;
      if (m[k + SSN] === ssn && m[k + DSN] === dsn && m[k + LEN] === len) return false;
      if (m[k + SSN]! > ssn) {
        inOrder = false;
        for (let j = this.upperBound(ssn) - 1; j >= this.head && m[j * W + SSN] === ssn; j--) if (m[j * W + DSN] === dsn && m[j * W + LEN] === len) return false;
      }
    }
    if (this.count === this.capacity) {
      // Forget an eighth at once, so that making room stays O(1) amortised.
      const k = this.capacity >> 3 || 1;
      this.head += k;
      this.evicted += k;
    }
    if (this.tail * W === this.m.length) this.makeRoom();
    const x = this.m;
    const i = inOrder ? this.tail : Math.max(this.head, this.upperBound(ssn));
    if (i < this.tail) x.copyWithin((i + 1) * W, i * W, this.tail * W);
    x[i * W + SSN] = ssn;
    x[i * W + DSN] = dsn;
    x[i * W + LEN] = len;
    x[i * W + FRAME] = frame;
    this.tail++;
    this.last = -1;
    return true;
  }

  /** Index of the newest-sent mapping holding subflow sequence `s`, or -1. */
  find(s: number): number {
    const m = this.m;
    const l = this.last;
    if (l >= this.head && l < this.tail && s >= m[l * W + SSN]! && s < m[l * W + SSN]! + m[l * W + LEN]!) {
      // Prefer a later mapping that also holds s (a re-mapping of the same bytes).
      if (l + 1 >= this.tail || m[(l + 1) * W + SSN]! > s) return l;
    }
    // The last mapping starting at or before s, then back while earlier ones may still hold it.
    for (let k = this.upperBound(s) - 1; k >= this.head; k--) {
      const a = m[k * W + SSN]!;
      const len = m[k * W + LEN]!;
      if (s < a + len) {
        this.last = k;
        return k;
      }
      if (len !== Infinity && a + 65536 < s) break;
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
    const m = this.m;
    while (this.tail - this.head > KEEP_ACKED && m[this.head * W + SSN]! + m[this.head * W + LEN]! <= acked) this.head++;
  }

  ssnAt(k: number): number {
    return this.m[k * W + SSN]!;
  }

  dsnAt(k: number): number {
    return this.m[k * W + DSN]!;
  }

  lenAt(k: number): number {
    return this.m[k * W + LEN]!;
  }

  frameAt(k: number): number {
    return this.m[k * W + FRAME]!;
  }

  /** First index whose ssn is > s. */
  private upperBound(s: number): number {
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.m[mid * W + SSN]! <= s) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Moves the live entries to the front, growing the array when it is mostly full. */
  private makeRoom(): void {
    const n = this.count;
    const slots = this.m.length / W;
    if (n * 2 >= slots && slots < this.capacity) {
      const grown = new Float64Array(W * Math.min(this.capacity, Math.max(this.initial, slots * 2)));
      grown.set(this.m.subarray(this.head * W, this.tail * W));
      this.m = grown;
    } else this.m.copyWithin(0, this.head * W, this.tail * W);
    this.head = 0;
    this.tail = n;
    this.last = -1;
  }
}
