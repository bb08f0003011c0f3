import * as fs from 'node:fs';
import { u32le } from './bytes.js';
import { CaptureError, fsReason } from '../errors.js';
import { Diagnostics } from './diagnostics.js';
import { ChunkedInput, DEFAULT_CHUNK } from './input.js';
import { PcapReader, pcapMagic } from './pcap.js';
import { PCAPNG_SHB, PcapngReader } from './pcapng.js';
import type { CaptureReader } from './reader.js';

export interface OpenOptions {
  chunkSize?: number;
}

/** Magics of things users hand us by mistake, so the error can say what the file is. */
const NOT_CAPTURES: Array<[number[], string]> = [
  [[0x1f, 0x8b], 'a gzip-compressed file: decompress it first (gunzip)'],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'an xz-compressed file: decompress it first (xz -d)'],
  [[0x28, 0xb5, 0x2f, 0xfd], 'a zstd-compressed file: decompress it first (zstd -d)'],
  [[0x42, 0x5a, 0x68], 'a bzip2-compressed file: decompress it first (bunzip2)'],
  [[0x50, 0x4b, 0x03, 0x04], 'a zip archive: extract the capture first'],
];

/** Opens a capture file, choosing the reader by the file's magic, never its name. */
export function openCapture(path: string, diag: Diagnostics, opts: OpenOptions = {}): CaptureReader {
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch (e) {
    throw new CaptureError(path, undefined, fsReason(e));
  }
  if (st.isDirectory()) throw new CaptureError(path, undefined, 'is a directory, not a capture file');
  if (!st.isFile()) throw new CaptureError(path, undefined, 'is not a regular file');
  if (st.size === 0) throw new CaptureError(path, undefined, 'is empty, not a capture file');
  let input: ChunkedInput;
  try {
    input = ChunkedInput.fromFile(path, opts.chunkSize ?? DEFAULT_CHUNK);
  } catch (e) {
    throw new CaptureError(path, undefined, fsReason(e));
  }
  return openInput(input, path, diag);
}

/** Opens an already-windowed input (a file or, in tests, bytes). */
export function openInput(input: ChunkedInput, name: string, diag: Diagnostics): CaptureReader {
  try {
    const head = input.fill(0, Math.min(8, input.size));
    const b = input.buf.subarray(head, head + Math.min(8, input.size));
    if (input.size >= 4 && u32le(b, 0) === PCAPNG_SHB) {
      if (input.size < 28) throw new CaptureError(name, 0, 'file ends inside the pcapng section header');
      try {
        return new PcapngReader(input, diag);
      } catch (e) {
        if (e instanceof CaptureError) throw e;
        throw new CaptureError(name, 0, (e as Error).message);
      }
    }
    if (input.size >= 4 && pcapMagic(b)) {
      if (input.size < 24) throw new CaptureError(name, 0, 'file ends inside the pcap file header');
      return new PcapReader(input, diag);
    }
    for (const [magic, what] of NOT_CAPTURES) {
      if (magic.every((x, k) => b[k] === x)) throw new CaptureError(name, undefined, `is ${what}`);
    }
    const shown = Array.from(b.subarray(0, 4), (x) => x.toString(16).padStart(2, '0')).join(' ');
    throw new CaptureError(name, 0, `not a capture file: no pcap or pcapng magic (starts with ${shown})`);
  } catch (e) {
    input.close();
    throw e;
  }
}
