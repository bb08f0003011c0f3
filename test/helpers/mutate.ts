import { randInt } from './random.js';

/** Kinds of damage a capture file suffers in the wild (crashed writers, full disks, fuzzers). */
export const MUTATIONS = ['bitflips', 'zero-range', 'length-field', 'duplicate-range', 'truncate', 'garbage-range'] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** A damaged copy of `src`, the damage chosen by `r`; also says what was done. */
export function mutate(src: Uint8Array, r: () => number, kind?: Mutation): { bytes: Uint8Array; what: string } {
  const k = kind ?? MUTATIONS[randInt(r, 0, MUTATIONS.length - 1)]!;
  const b = Uint8Array.from(src);
  const n = b.length;
  switch (k) {
    case 'bitflips': {
      const flips = randInt(r, 1, 64);
      for (let i = 0; i < flips; i++) b[randInt(r, 0, n - 1)]! ^= 1 << randInt(r, 0, 7);
      return { bytes: b, what: `${flips} bit flips` };
    }
    case 'zero-range': {
      const at = randInt(r, 0, n - 1);
      const len = randInt(r, 1, 2000);
      b.fill(0, at, Math.min(n, at + len));
      return { bytes: b, what: `zeroed ${len} bytes at ${at}` };
    }
    case 'garbage-range': {
      const at = randInt(r, 0, n - 1);
      const len = randInt(r, 1, 500);
      for (let i = at; i < Math.min(n, at + len); i++) b[i] = randInt(r, 0, 255);
      return { bytes: b, what: `random bytes over ${len} at ${at}` };
    }
    case 'length-field': {
      // Block and record lengths sit at 4-aligned offsets in pcapng and at record offsets in pcap:
      // overwrite a few aligned words with values from tiny to absurd.
      const hits = randInt(r, 1, 4);
      const values = [0, 1, 3, 7, 11, 12, 13, 31, 65535, 0x7fffffff, 0xffffffff, randInt(r, 0, 0xffffffff)];
      for (let i = 0; i < hits; i++) {
        const at = randInt(r, 0, Math.max(0, (n >> 2) - 1)) << 2;
        const v = values[randInt(r, 0, values.length - 1)]!;
        for (let j = 0; j < 4 && at + j < n; j++) b[at + j] = (v >>> (8 * j)) & 0xff;
      }
      return { bytes: b, what: `${hits} length-like words overwritten` };
    }
    case 'duplicate-range': {
      const from = randInt(r, 0, n - 1);
      const len = randInt(r, 1, 4000);
      const to = randInt(r, 0, n);
      const piece = src.subarray(from, Math.min(n, from + len));
      const out = new Uint8Array(n + piece.length);
      out.set(src.subarray(0, to), 0);
      out.set(piece, to);
      out.set(src.subarray(to), to + piece.length);
      return { bytes: out, what: `${piece.length} bytes from ${from} copied in at ${to}` };
    }
    case 'truncate': {
      const at = randInt(r, 0, n - 1);
      return { bytes: src.slice(0, at), what: `cut at ${at}` };
    }
  }
}
