import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest global setup: the run's temporary files (outputs, written
 * captures, spawned CLIs' and browsers' own) go under one directory of
 * its own, removed when the run ends, so that `npm test` leaves nothing
 * in the system's temp directory. os.tmpdir() reads TMPDIR at each call,
 * and the test workers and the processes they spawn inherit it.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'mptrace-vitest-'));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
