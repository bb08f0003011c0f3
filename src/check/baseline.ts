/**
 * Baseline files (Zeek btest's idea): each trace's metrics, recorded by
 * --update-baseline and compared on later runs. JSON with a stable key
 * order (traces sorted by name, metrics in METRICS order) so that a
 * baseline diffs cleanly in review.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { OutputError, UsageError, fsReason } from '../errors.js';
import type { BaselineEntry } from './evaluate.js';

export const BASELINE_FORMAT = 1;

export interface BaselineFile {
  format: number;
  mptrace: string;
  traces: Record<string, BaselineEntry>;
}

/** Reads a baseline; a missing file is an empty baseline (every trace then lacks an entry). */
export function readBaseline(path: string): BaselineFile {
  if (!existsSync(path)) return { format: BASELINE_FORMAT, mptrace: '', traces: {} };
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`${path}: not a baseline file: ${(e as Error).message}`);
  }
  const b = data as Partial<BaselineFile>;
  if (typeof b !== 'object' || b === null || b.format !== BASELINE_FORMAT || typeof b.traces !== 'object' || b.traces === null) {
    throw new UsageError(`${path}: not a baseline file of this mptrace (expected "format": ${BASELINE_FORMAT} and "traces")`);
  }
  return b as BaselineFile;
}

/** Writes a baseline atomically, traces sorted by name. */
export function writeBaseline(path: string, b: BaselineFile): void {
  const traces: Record<string, BaselineEntry> = {};
  for (const k of Object.keys(b.traces).sort()) traces[k] = b.traces[k]!;
  const text = `${JSON.stringify({ format: b.format, mptrace: b.mptrace, traces }, null, 2)}\n`;
  const tmp = `${path}.partial-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    throw new OutputError(path, `cannot write the baseline: ${fsReason(e)}`);
  }
}
