import { copyInto, doubles, noDoubles, type Numbers } from './doubles.js';

/** The shared empty buffer of a table that has stored nothing yet (never written: makeRoom replaces it). */
const NONE = noDoubles();

/** Records a table holds in an array of doubles before a Float64Array (see doubles.ts): a typed array's ArrayBuffer and store cost 260 bytes beside its numbers. */
const SMALL_RECORDS = 16;

/**
 * Records of `width` numbers kept sorted by their first number, in a deque
 * over one buffer allocated on first use (an unused table costs no buffer;
 * an array of doubles while small, a Float64Array past SMALL_RECORDS: a
 * large array of doubles would sit in V8's heap, whose growth the
 * collector scales). Appending in order is O(1), forgetting the lowest is O(1), an
 * out-of-order insert shifts only the records after it. Past `capacity`
 * an eighth of the records is forgotten at once (counted in `evicted`), so
 * that making room stays O(1) amortised. The DSS mapping table and the
 * sent-segment log are both such tables.
 */
export class SortedRecords {
  protected r: Numbers = NONE;
  /** Live records are [head, tail), at r[i * width ...]. */
  protected head = 0;
  protected tail = 0;
  /** Records forgotten to stay within capacity. */
  evicted = 0;

  constructor(
    protected readonly width: number,
    protected readonly capacity: number,
    protected readonly initial: number,
  ) {}

  get count(): number {
    return this.tail - this.head;
  }

  /** Reserves the slot a record keyed `key` goes to (after the records <= key) and returns its index. */
  protected slot(key: number): number {
    const w = this.width;
    if (this.count === this.capacity) {
      const k = this.capacity >> 3 || 1;
      this.head += k;
      this.evicted += k;
    }
    if (this.tail * w === this.r.length) this.makeRoom();
    const i = this.tail > this.head && this.r[(this.tail - 1) * w]! > key ? this.upperBound(key) : this.tail;
    if (i < this.tail) this.r.copyWithin((i + 1) * w, i * w, this.tail * w);
    this.tail++;
    return i;
  }

  /** First index whose key is >= `key`. */
  protected lowerBound(key: number): number {
    const w = this.width;
    const r = this.r;
    // Keys looked up are mostly among the newest records: gallop back from the tail (a few reads in cache), then bisect.
    let hi = this.tail;
    let lo = hi - 1;
    for (let step = 2; lo > this.head && r[lo * w]! >= key; step *= 2) {
      hi = lo;
      lo = hi - step;
    }
    if (lo < this.head) lo = this.head;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (r[m * w]! < key) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  /** First index whose key is > `key` (searched as lowerBound is). */
  protected upperBound(key: number): number {
    const w = this.width;
    const r = this.r;
    let hi = this.tail;
    let lo = hi - 1;
    for (let step = 2; lo > this.head && r[lo * w]! > key; step *= 2) {
      hi = lo;
      lo = hi - step;
    }
    if (lo < this.head) lo = this.head;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (r[m * w]! <= key) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  /** Moves the live records to the front, growing the array when it is half full or more. */
  private makeRoom(): void {
    const w = this.width;
    const n = this.count;
    const slots = this.r.length / w;
    if (n * 2 >= slots && slots < this.capacity) {
      const size = w * Math.min(this.capacity, Math.max(this.initial, slots * 2));
      const grown = size <= w * SMALL_RECORDS ? doubles(size) : new Float64Array(size);
      copyInto(grown, 0, this.r, this.head * w, this.tail * w);
      this.r = grown;
    } else this.r.copyWithin(0, this.head * w, this.tail * w);
    this.head = 0;
    this.tail = n;
  }
}
