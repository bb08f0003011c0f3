/**
 * Integer readers over a byte array. Plain indexing beats DataView and
 * Buffer#readUInt32 in V8's optimised code, and these stay monomorphic
 * because every caller passes a Uint8Array (Buffer is one).
 * Callers check bounds first: these read whatever is there.
 */

export function u16be(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

export function u16le(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}

export function u32be(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

export function u32le(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

export function u16(b: Uint8Array, o: number, le: boolean): number {
  return le ? u16le(b, o) : u16be(b, o);
}

export function u32(b: Uint8Array, o: number, le: boolean): number {
  return le ? u32le(b, o) : u32be(b, o);
}

/** Hex of a byte range, for dumps and error messages (allocates: not for the hot path). */
export function hex(b: Uint8Array, o: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += b[o + i]!.toString(16).padStart(2, '0');
  return s;
}

/** A 64-bit value held as two unsigned 32-bit halves, as a BigInt (not for the hot path). */
export function u64Big(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
