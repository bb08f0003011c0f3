/**
 * Small numeric buffers of per-connection state (in-flight ranges, TSvals,
 * RTT samples, handover counts) as plain arrays of
 * doubles, not Float64Arrays. V8 gives every typed array an ArrayBuffer
 * and, past 64 bytes, a store allocated apart with its own bookkeeping:
 * 400 to 650 bytes of memory for 6 to 12 numbers, where an array of
 * doubles takes 230 to 260 (peak RSS over 100 k of each). An open short
 * connection holds about nine such buffers, and 10,000 may be open at
 * once. Arrays made here hold doubles only (stored unboxed) and no holes,
 * so indexed reads and writes cost about what a typed array's do; callers keep every index
 * below the length (an array would grow where a typed array drops the
 * write).
 */
export type Doubles = number[];

/**
 * `n` numbers, all `fill`. Filled with NaN first, so that the array is one
 * of doubles even when `fill` is a small integer (which would make it an
 * array of small integers, converted at the first fraction written). Made
 * by `new Array(n)` and the native fill: V8 marks such arrays HOLEY (none
 * of these has a hole: reads cost one compare more), and Array.from with
 * a callback, which gives packed ones, took 7 µs a buffer.
 */
export function doubles(n: number, fill = 0): Doubles {
  const a = new Array<number>(n).fill(NaN);
  return Number.isNaN(fill) ? a : a.fill(fill);
}

/** An empty array of doubles, shared as the buffer of what has stored nothing yet: never written (growing replaces it). Of the same kind as doubles() makes, so that the code reading both sees one. */
export function noDoubles(): Doubles {
  const a = doubles(1, NaN);
  a.pop();
  return a;
}

/** Numbers held in an array of doubles while few, or a Float64Array (a large array of doubles sits in V8's heap). */
export type Numbers = Doubles | Float64Array;

/** Copies src[from, to) into dst from index `at`. */
export function copyInto(dst: Numbers, at: number, src: Numbers, from: number, to: number): void {
  for (let i = from; i < to; i++) dst[at + i - from] = src[i]!;
}

/** The `size` records of `stride` numbers that a ring of `cap` records holds from record `head` on, copied to the start of dst in order (a ring buffer growing). */
export function unrollRing(dst: Numbers, src: Numbers, head: number, size: number, cap: number, stride: number): void {
  for (let n = 0; n < size; n++) {
    const from = ((head + n) % cap) * stride;
    copyInto(dst, n * stride, src, from, from + stride);
  }
}
