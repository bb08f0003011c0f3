/**
 * Sequence-number arithmetic without BigInt. 32-bit TCP sequence numbers
 * and 64-bit DSNs are carried as Numbers: an "extended" value is the
 * 32-bit (or 64-bit) counter unwrapped onto the number line, exact while
 * it stays below 2^53 (8 PB of data per subflow or connection).
 */

export const TWO32 = 4294967296;

/** Signed 32-bit distance from `from` to `to` (both unsigned 32-bit). */
export function seqDiff(to: number, from: number): number {
  return (to - from) | 0;
}

/** The extended value nearest `near` whose low 32 bits are `lo32` (unwraps a 32-bit counter). */
export function widen32(lo32: number, near: number): number {
  // near mod 2^32, non-negative: exact (dividing by a power of two is), and half the time of two `%` on doubles.
  const nearLo = near - Math.floor(near / TWO32) * TWO32;
  return near + ((lo32 - nearLo) | 0);
}

/**
 * (hi:lo − baseHi:baseLo) mod 2^64, read as a signed 64-bit value and
 * returned as a Number: exact for distances below 2^53, which is every
 * DSN a real connection sends relative to its own IDSN.
 */
export function rel64(hi: number, lo: number, baseHi: number, baseLo: number): number {
  let l = lo - baseLo;
  let h = hi - baseHi;
  if (l < 0) {
    l += TWO32;
    h -= 1;
  }
  h = h | 0; // wraps mod 2^32 and reads it as signed
  return h * TWO32 + l;
}

/** A DSN or data ACK relative to a direction's base `baseHi:baseLo`: a 64-bit one exactly, a 32-bit one (its low half) unwrapped nearest `near`. */
export function relDsn(hi: number, lo: number, is64: boolean, baseHi: number, baseLo: number, near: number): number {
  return is64 ? rel64(hi, lo, baseHi, baseLo) : widen32((lo - baseLo) >>> 0, near);
}

/** Low and high 32-bit halves of base + rel (mod 2^64), for showing absolute values. */
export function add64(baseHi: number, baseLo: number, rel: number): [number, number] {
  const relHi = Math.floor(rel / TWO32);
  const relLo = rel - relHi * TWO32;
  let lo = baseLo + relLo;
  let carry = 0;
  if (lo >= TWO32) {
    lo -= TWO32;
    carry = 1;
  }
  return [(baseHi + relHi + carry) >>> 0, lo >>> 0];
}

/** A relative value as the unsigned 64-bit decimal Wireshark shows (negative wraps around 2^64). */
export function u64String(rel: number): string {
  if (rel >= 0 && rel <= Number.MAX_SAFE_INTEGER) return String(rel);
  return BigInt.asUintN(64, BigInt(Math.round(rel))).toString();
}
