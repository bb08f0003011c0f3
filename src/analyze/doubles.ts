/**
 * Numeric buffers of per-connection state (DSS mappings, sent ranges,
 * intervals, TSvals, RTT samples, handover counts) as plain arrays of
 * doubles, not Float64Arrays. V8 gives every typed array an ArrayBuffer
 * and, past 64 bytes, a store allocated apart with its own bookkeeping:
 * 400 to 650 bytes of memory for 6 to 12 numbers, where an array of
 * doubles takes 230 to 260 (peak RSS over 100 k of each). An open short
 * connection holds about nine such buffers, and 10,000 may be open at
 * once. Arrays made here hold doubles only and no holes (V8's
 * PACKED_DOUBLE_ELEMENTS, stored unboxed), so indexed reads and writes in
 * the hot path cost what a typed array's do; callers keep every index
 * below the length (an array would grow where a typed array drops the
 * write).
 */
export type Doubles = number[];

/** `n` numbers, all `fill`: made from NaN first, so that the array is one of doubles even when `fill` is a small integer. */
export function doubles(n: number, fill = 0): Doubles {
  const a = Array.from({ length: n }, () => NaN);
  if (!Number.isNaN(fill)) for (let i = 0; i < n; i++) a[i] = fill;
  return a;
}

/** An empty array of doubles, shared as the buffer of what has stored nothing yet: never written (growing replaces it). */
export function noDoubles(): Doubles {
  const a = [0.5];
  a.pop();
  return a;
}

/** Copies src[from, to) into dst from index `at`. */
export function copyInto(dst: Doubles, at: number, src: Doubles, from: number, to: number): void {
  for (let i = from; i < to; i++) dst[at + i - from] = src[i]!;
}
