/**
 * An output file written synchronously (CSV and Parquet tables): opened
 * with the error a user reads, and written to the last byte.
 */
import * as fs from 'node:fs';
import { cannotWrite } from '../errors.js';

/** Opens `path` (the temporary name) for writing; a failure names `finalPath`. */
export function openOutput(path: string, finalPath: string): number {
  try {
    return fs.openSync(path, 'w');
  } catch (e) {
    throw cannotWrite(finalPath, e);
  }
}

/** Text up to this many bytes is encoded into one reused buffer; longer text (rare) into a buffer of its own. */
const ENCODE_REUSED = 1 << 20;
let encoded = Buffer.allocUnsafe(0);

/**
 * Writes all of `data` (a write may take fewer bytes than given). Text is
 * encoded into a buffer kept for the next write: a new buffer per write
 * lives outside V8's heap until a collection happens to free it (summary.json
 * of a join flood, 17 MB in 64 kB writes, left 10 MB of them behind).
 */
export function writeFully(fd: number, data: string | Uint8Array): void {
  let bytes = data as Uint8Array;
  if (typeof data === 'string') {
    // A UTF-16 code unit is at most 3 bytes of UTF-8 (a surrogate pair, two units, is 4).
    const most = 3 * data.length;
    if (most > ENCODE_REUSED) bytes = Buffer.from(data);
    else {
      if (most > encoded.length) encoded = Buffer.allocUnsafe(Math.min(ENCODE_REUSED, Math.max(most, 2 * encoded.length, 1 << 16)));
      bytes = encoded.subarray(0, encoded.write(data, 'utf8'));
    }
  }
  for (let off = 0; off < bytes.length; ) off += fs.writeSync(fd, bytes, off, bytes.length - off);
}
