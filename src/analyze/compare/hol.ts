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

  /** DSNs [ds, de) arrived at time t. */
  add(ds: number, de: number, t: number): void {
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
    let i = this.start.length;
    while (i > this.head && this.start[i - 1]! > ds) i--;
    if (i > this.head && this.start[i - 1] === ds && this.end[i - 1]! >= de) return;
    this.start.splice(i, 0, ds);
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
    return { bytes: this.bytes, delayedBytes: this.delayedBytes, delay: this.hist.stats(), meanByByte: this.bytes > 0 ? this.delaySum / this.bytes : 0, worst: [...this.worst] };
  }
}
