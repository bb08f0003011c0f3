/**
 * Absolute times in outputs: seconds since the epoch with the capture's
 * precision (6 digits for µs captures, 9 for ns), formatted exactly from
 * integers, never through a lossy double of the whole epoch time.
 */
export function formatEpoch(sec: number, nsec: number, digits: number): string {
  if (digits <= 0) return String(sec);
  const frac = Math.floor(nsec / 10 ** (9 - digits));
  return `${sec}.${String(frac).padStart(digits, '0')}`;
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/**
 * |x| × 10^digits rounded to an integer, as `x.toFixed(digits)` rounds it,
 * or -1 where the scaled double cannot tell (a value within a millionth
 * of a half: toFixed rounds the exact decimal value, which a capture's
 * clock never puts there), for more than 9e15, for -0 printed as `-0.000`,
 * and for NaN. Shared by the byte writer and the typed (Parquet) values,
 * so both give the numbers the CSV text shows.
 */
export function fixedDigits(x: number, digits: number): number {
  const scale = POW10[digits];
  if (scale === undefined || digits === 0) return -1;
  const scaled = (x < 0 ? -x : x) * scale;
  const n = Math.round(scaled);
  if (n > 9e15 || Math.abs(scaled - Math.floor(scaled) - 0.5) < 1e-6 || (x < 0 && n === 0) || n !== n) return -1;
  return n;
}

/** `Number(x.toFixed(digits))`, without the text where fixedDigits can tell. */
export function roundedTo(x: number, digits: number): number {
  const n = fixedDigits(x, digits);
  if (n < 0) return Number(x.toFixed(digits));
  return (x < 0 ? -n : n) / POW10[digits]!;
}

/**
 * The analysis keeps times as doubles relative to a whole second `baseSec`
 * (the first packet's), which holds nanoseconds exactly for days of capture.
 */
export class TimeBase {
  constructor(
    /** Set from the first packet (before it, -1). */
    public baseSec: number,
    public digits: number,
    /** The first packet's time (relative to baseSec): `t` columns count from it. */
    public first = 0,
  ) {}

  /** Seconds since the capture's first packet, with the capture's precision: what a spreadsheet can hold exactly. */
  since(t: number): string {
    return this.sinceFirst(t).toFixed(this.digits);
  }

  /** Seconds from the capture's first packet to t: a rounding error's negative (under half a nanosecond) is 0. What `since` prints, for every writer of it. */
  sinceFirst(t: number): number {
    const d = t - this.first;
    return d < 0 && d > -5e-10 ? 0 : d;
  }

  /** The nanoseconds of the time `wholeOf` split last. */
  ns = 0;

  /**
   * The whole second (relative to baseSec) of relative time t rounded to
   * the nanosecond, a rounding up to the next second carried into it; the
   * nanoseconds are left in `ns` (two numbers, no object per time). Every
   * writer of epoch times splits them here, so all print the same.
   */
  wholeOf(t: number): number {
    const sec = Math.floor(t);
    const ns = Math.round((t - sec) * 1e9);
    if (ns >= 1e9) {
      this.ns = ns - 1e9;
      return sec + 1;
    }
    this.ns = ns;
    return sec;
  }

  /** The last whole second formatted, as `SECONDS.` (rows come in time order: most share it). */
  private prefixSec = NaN;
  private prefix = '';

  /** Absolute epoch time of relative time `t`, with the capture's precision. */
  format(t: number): string {
    const sec = this.wholeOf(t);
    const ns = this.ns;
    const digits = this.digits;
    if (digits <= 0) return String(this.baseSec + sec);
    const whole = this.baseSec + sec;
    if (whole !== this.prefixSec) {
      this.prefixSec = whole;
      this.prefix = `${whole}.`;
    }
    // The fraction with its leading zeros: one more digit, dropped (as formatEpoch's padStart, without it).
    const scale = POW10[digits]!;
    return this.prefix + String(scale + Math.floor(ns / POW10[9 - digits]!)).slice(1);
  }

  /** A duration in seconds with the capture's precision. */
  duration(d: number): string {
    return d.toFixed(this.digits);
  }
}

/**
 * The times a TimeBase writes as text, as the numbers a typed table
 * (Parquet) stores, with no text in between: an epoch time as an integer
 * count of microseconds (the text's digits, padded), seconds since the
 * capture's first packet and durations as the double the text reads as.
 * A nanosecond epoch time does not fit a double: it stays text, which the
 * writer turns into a 64-bit integer.
 */
export class TimeValues {
  constructor(
    private readonly base: TimeBase,
    /** Digits of the epoch times stored: 6 (µs) or 9 (ns, as text). */
    private readonly units: 6 | 9,
  ) {}

  format(t: number): number | string {
    const b = this.base;
    const digits = b.digits;
    if (this.units !== 6 || digits > 6) return b.format(t);
    // TimeBase.format's arithmetic, kept as integers.
    const sec = b.wholeOf(t);
    const ns = b.ns;
    const frac = digits <= 0 ? 0 : Math.floor(ns / POW10[9 - digits]!) * POW10[6 - digits]!;
    return (b.baseSec + sec) * 1e6 + frac;
  }

  since(t: number): number {
    return roundedTo(this.base.sinceFirst(t), this.base.digits);
  }

  duration(d: number): number {
    return roundedTo(d, this.base.digits);
  }
}

/** What the user asked to see: connections by number (--conn), a time window in seconds since the capture's first packet (--since, --until). */
export interface Selection {
  conns?: readonly number[];
  since?: number;
  until?: number;
}

/**
 * --since/--until against analysis times: the bounds count from the
 * capture's first packet, known only once it is read (`base.first`).
 */
export class TimeWindow {
  readonly since: number;
  readonly until: number;
  /** A window was asked for (a field: asked per packet). */
  readonly bounded: boolean;

  constructor(
    s: Selection,
    private readonly base: { readonly first: number },
  ) {
    this.since = s.since ?? -Infinity;
    this.until = s.until ?? Infinity;
    this.bounded = this.since !== -Infinity || this.until !== Infinity;
  }

  has(t: number): boolean {
    const at = t - this.base.first;
    return at >= this.since && at <= this.until;
  }

  /** t, or the window's end if t is past it. */
  clamp(t: number): number {
    return Math.min(t, this.base.first + this.until);
  }

  /** [from, to] meets the window; `to` NaN: still open at the end. */
  overlaps(from: number, to: number): boolean {
    return from - this.base.first <= this.until && (Number.isNaN(to) || to - this.base.first >= this.since);
  }
}
