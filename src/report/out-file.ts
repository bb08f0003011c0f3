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

/** Writes all of `data` (a write may take fewer bytes than given). */
export function writeFully(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  for (let off = 0; off < bytes.length; ) off += fs.writeSync(fd, bytes, off, bytes.length - off);
}
