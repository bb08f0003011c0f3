/**
 * Head-of-line blocking at the receiver: each DSN byte from its arrival
 * (at the capture nearer the receiver) to its in-order delivery, when the
 * bytes before it have all arrived. Bytes that arrive in order wait 0;
 * bytes that arrive above a hole wait until it fills. State: the bytes
 * held out of order, with their arrival times (bounded by the window).
 */
import { RttHistogram, type RttStats } from '../detect/rtt.js';

/** Longest waits kept per direction: stretches of bytes held behind one hole, delivered together when it filled. */
const WORST = 5;

/**
 * Segments held above a hole at most (24 MB of 1,448-byte segments, more
 * than a Linux receive buffer holds). Past it the hole is taken never to
 * fill at this capture point (its bytes went a path the capture does not
 * see, or the capture dropped them), and the direction's blocking is
 * unknown: holding on would grow with every packet after the hole.
 */
export const MAX_HELD = 1 << 14;

export interface Blocked {
  dsnStart: number;
  dsnEnd: number;
  arrived: number;
  delivered: number;
}

export interface HolFacts {
  bytes: number;
  delayedBytes: number;
  /** Per segment that waited: its wait (seconds). */
  delay: RttStats | null;
  /** Mean wait over all bytes (in-order ones at 0). */
  meanByByte: number;
  worst: Blocked[];
  /** Bytes still held above a hole when the capture ended (never delivered in order at this capture point). */
  undelivered: number;
  /** More than MAX_HELD segments were held behind a hole: the figures above are unknown. */
  overflowed: boolean;
}

export class HolTracker {
  private next = NaN;
  private start: number[] = [];
  private end: number[] = [];
  private time: number[] = [];
  private head = 0;
  bytes = 0;
  delayedBytes = 0;
  private delaySum = 0;
  private readonly hist = new RttHistogram();
  readonly worst: Blocked[] = [];
  /** See MAX_HELD: set once, and nothing more is tracked. */
  overflowed = false;

  /** DSNs [ds, de) arrived at time t. */
  add(ds: number, de: number, t: number): void {
    if (this.overflowed) return;
    if (Number.isNaN(this.next)) this.next = ds;
    if (de <= this.next) return;
    if (ds > this.next) {
      this.hold(ds, de, t);
      return;
    }
    this.bytes += de - this.next;
    this.next = de;
    // What waited behind the hole this segment filled: one stretch, delivered now.
    const from = this.next;
    let arrived = Infinity;
    while (this.head < this.start.length && this.start[this.head]! <= this.next) {
      const k = this.head++;
      const b = this.end[k]! - Math.max(this.start[k]!, this.next);
      if (b > 0) {
        const wait = t - this.time[k]!;
        this.bytes += b;
        this.delayedBytes += b;
        this.delaySum += wait * b;
        this.hist.add(wait);
        if (this.time[k]! < arrived) arrived = this.time[k]!;
        this.next = this.end[k]!;
      }
    }
    if (arrived !== Infinity) this.remember({ dsnStart: from, dsnEnd: this.next, arrived, delivered: t });
    if (this.head > 1024 && this.head * 2 > this.start.length) {
      this.start = this.start.slice(this.head);
      this.end = this.end.slice(this.head);
      this.time = this.time.slice(this.head);
      this.head = 0;
    }
  }

  /** Held above a hole, in DSN order (a repeat of held bytes keeps its first arrival). */
  private hold(ds: number, de: number, t: number): void {
    const st = this.start;
    // After the held segments that start at or below ds: most arrive above all of them (appended), the rest are found by bisection.
    let i = st.length;
    if (i > this.head && st[i - 1]! > ds) {
      let lo = this.head;
      while (lo < i) {
        const m = (lo + i) >>> 1;
        if (st[m]! <= ds) lo = m + 1;
        else i = m;
      }
    }
    if (i > this.head && st[i - 1] === ds && this.end[i - 1]! >= de) return;
    if (st.length - this.head >= MAX_HELD) {
      this.overflowed = true;
      this.start = [];
      this.end = [];
      this.time = [];
      this.head = 0;
      return;
    }
    if (i === st.length) {
      st.push(ds);
      this.end.push(de);
      this.time.push(t);
      return;
    }
    st.splice(i, 0, ds);
    this.end.splice(i, 0, de);
    this.time.splice(i, 0, t);
  }

  private remember(b: Blocked): void {
    const w = this.worst;
    const wait = b.delivered - b.arrived;
    if (w.length === WORST && wait <= w[WORST - 1]!.delivered - w[WORST - 1]!.arrived) return;
    w.push(b);
    w.sort((x, y) => y.delivered - y.arrived - (x.delivered - x.arrived) || x.dsnStart - y.dsnStart);
    if (w.length > WORST) w.length = WORST;
  }

  facts(): HolFacts {
    return { bytes: this.bytes, delayedBytes: this.delayedBytes, delay: this.hist.stats(), meanByByte: this.bytes > 0 ? this.delaySum / this.bytes : 0, worst: [...this.worst], undelivered: this.held(), overflowed: this.overflowed };
  }

  /** Bytes held above the hole, each counted once (held segments may overlap). */
  private held(): number {
    let n = 0;
    let top = this.next;
    for (let k = this.head; k < this.start.length; k++) {
      const a = Math.max(this.start[k]!, top);
      const b = this.end[k]!;
      if (b > a) {
        n += b - a;
        top = b;
      }
    }
    return n;
  }
}
