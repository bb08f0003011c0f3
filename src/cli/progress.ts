/**
 * A progress line on stderr for a person at a terminal: rewritten in
 * place, at most a few times a second, erased when done.
 */
import type { Writable } from 'node:stream';

export interface ProgressLine {
  /** Bytes read of the current trace. */
  update: (done: number, size: number) => void;
  /** Traces finished of all. */
  traces: (done: number, all: number) => void;
  /** Erases the line (before other output). */
  clear: () => void;
  done: () => void;
}

const EVERY_MS = 200;

export function progressLine(err: Writable): ProgressLine {
  let shown = false;
  let last = 0;
  const show = (text: string): void => {
    const now = Date.now();
    if (now - last < EVERY_MS) return;
    last = now;
    err.write(`\r\x1b[K${text}`);
    shown = true;
  };
  const clear = (): void => {
    if (shown) err.write('\r\x1b[K');
    shown = false;
  };
  return {
    update: (done, size) => show(size > 0 ? `mptrace: ${Math.min(100, (100 * done) / size).toFixed(0)}% (${(done / 1e6).toFixed(0)} of ${(size / 1e6).toFixed(0)} MB)` : `mptrace: ${(done / 1e6).toFixed(0)} MB`),
    traces: (done, all) => show(`mptrace: ${done} of ${all} traces`),
    clear,
    done: clear,
  };
}
