import { SortedRecords } from './sorted-records.js';

/** Acknowledged mappings kept for late retransmissions. */
const KEEP_ACKED = 512;
const W = 4; // ssn, dsn, len, frame
const SSN = 0;
const DSN = 1;
const LEN = 2;
const FRAME = 3;

/**
 * DSS mappings of one subflow direction: subflow sequence space → data
 * sequence space, sorted by subflow sequence. A mapping is kept until the
 * subflow's own ACK has passed its end (a retransmission may need it
 * long after it was sent: Wireshark keeps every mapping for the same
 * reason); Linux repeats one mapping on every segment of a burst, and a
 * repeat is not stored twice. Bounded (see SortedRecords).
 * Entries: subflow sequence (relative to the ISN, unwrapped), relative DSN,
 * data-level length (Infinity: an infinite mapping), first frame.
 */
export class MappingTable extends SortedRecords {
  /** Index of the last lookup's hit: the next segment usually falls in it again. */
  private last = -1;

  constructor(capacity = 1 << 16, initial = 2) {
    super(W, capacity, initial);
  }

  /** Records a mapping; returns false when the same mapping is already held. */
  add(ssn: number, dsn: number, len: number, frame: number): boolean {
    const m = this.r;
    // The common case: the newest mapping repeated (Linux repeats it on every segment of a burst).
    if (this.tail > this.head) {
      const k = (this.tail - 1) * W;
      if (m[k + SSN] === ssn && m[k + DSN] === dsn && m[k + LEN] === len) return false;
      if (m[k + SSN]! > ssn) {
        for (let j = this.upperBound(ssn) - 1; j >= this.head && m[j * W + SSN] === ssn; j--) if (m[j * W + DSN] === dsn && m[j * W + LEN] === len) return false;
      }
    }
    const i = this.slot(ssn) * W;
    const x = this.r;
    x[i + SSN] = ssn;
    x[i + DSN] = dsn;
    x[i + LEN] = len;
    x[i + FRAME] = frame;
    // The segment that brought it is looked up next.
    this.last = i / W;
    return true;
  }

  /** Index of the newest-sent mapping holding subflow sequence `s`, or -1. */
  find(s: number): number {
    const m = this.r;
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
    const m = this.r;
    while (this.tail - this.head > KEEP_ACKED && m[this.head * W + SSN]! + m[this.head * W + LEN]! <= acked) this.head++;
  }

  ssnAt(k: number): number {
    return this.r[k * W + SSN]!;
  }

  dsnAt(k: number): number {
    return this.r[k * W + DSN]!;
  }

  lenAt(k: number): number {
    return this.r[k * W + LEN]!;
  }
}
