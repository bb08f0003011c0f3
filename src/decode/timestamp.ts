import type { Frame } from './frame.js';

const TWO32 = 4294967296;

/**
 * Turns a pcapng 64-bit tick count into seconds and nanoseconds, exactly
 * (a nanosecond count since 1970 does not fit a double's 53 bits).
 * One per interface: if_tsresol gives ticks per second as 10^v or 2^k,
 * if_tsoffset adds whole seconds.
 */
export class TickClock {
  /** Decimal digits of the fractional second this clock resolves (6 for µs, 9 for ns). */
  readonly digits: number;
  private readonly pow2: boolean;
  private readonly exp: number;
  /** For 10^v, v <= 9: ticks per second and nanoseconds per tick. */
  private readonly perSec: number;
  private readonly nsPerTick: number;

  constructor(
    tsresol = 6,
    private readonly offsetSec = 0,
  ) {
    this.pow2 = (tsresol & 0x80) !== 0;
    this.exp = tsresol & 0x7f;
    if (this.pow2) {
      this.digits = Math.min(9, Math.ceil(this.exp * Math.log10(2)));
      this.perSec = 0;
      this.nsPerTick = 0;
    } else {
      this.digits = Math.min(9, this.exp);
      this.perSec = this.exp <= 9 ? 10 ** this.exp : 0;
      this.nsPerTick = this.exp <= 9 ? 10 ** (9 - this.exp) : 0;
    }
  }

  /** Human description, e.g. "10^-6" or "2^-30". */
  get resolution(): string {
    return this.pow2 ? `2^-${this.exp}` : `10^-${this.exp}`;
  }

  /** The second the previous timestamp fell in, as a tick count and as seconds: most packets share it. */
  private secTicks = -1;
  private secValue = 0;

  set(f: Frame, hi: number, lo: number): void {
    if (!this.pow2 && this.perSec !== 0) {
      const d = this.perSec;
      if (hi < 0x200000) {
        // Fits in 53 bits (every µs timestamp until year 2255).
        const t = hi * TWO32 + lo;
        let into = t - this.secTicks;
        if (into < 0 || into >= d || this.secTicks < 0) {
          const sec = Math.floor(t / d);
          this.secTicks = sec * d;
          this.secValue = sec + this.offsetSec;
          into = t - this.secTicks;
        }
        f.tsSec = this.secValue;
        f.tsNsec = into * this.nsPerTick;
        return;
      }
      // Long division of hi:lo by d in 16-bit steps keeps every partial below 2^53.
      const qHi = Math.floor(hi / d);
      let r = hi - qHi * d;
      let x = r * 65536 + (lo >>> 16);
      const q1 = Math.floor(x / d);
      r = x - q1 * d;
      x = r * 65536 + (lo & 0xffff);
      const q2 = Math.floor(x / d);
      r = x - q2 * d;
      f.tsSec = qHi * TWO32 + q1 * 65536 + q2 + this.offsetSec;
      f.tsNsec = r * this.nsPerTick;
      return;
    }
    this.setSlow(f, hi, lo);
  }

  private setSlow(f: Frame, hi: number, lo: number): void {
    if (this.pow2) {
      const k = this.exp;
      if (k <= 32) {
        const sec = hi * 2 ** (32 - k) + Math.floor(lo / 2 ** k);
        const frac = k === 32 ? lo : lo % 2 ** k;
        f.tsSec = sec + this.offsetSec;
        f.tsNsec = Math.floor((frac / 2 ** k) * 1e9);
      } else {
        const hk = k - 32;
        const sec = Math.floor(hi / 2 ** hk);
        const frac = (hi % 2 ** hk) * TWO32 + lo;
        f.tsSec = sec + this.offsetSec;
        f.tsNsec = Math.floor((frac / 2 ** k) * 1e9);
      }
      return;
    }
    // Finer than a nanosecond (10^-10 and below): rare enough for BigInt.
    const t = (BigInt(hi) << 32n) | BigInt(lo);
    const d = 10n ** BigInt(this.exp);
    f.tsSec = Number(t / d) + this.offsetSec;
    f.tsNsec = Number(((t % d) * 1_000_000_000n) / d);
  }
}
