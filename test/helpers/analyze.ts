import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, type AnalyzeOptions, type Summary } from '../../src/cli/analyze.js';
import { parseCsv } from './csv.js';

export type Rows = Array<Record<string, string>>;

export interface Analysis {
  dir: string;
  summary: Summary;
  connections: Rows;
  subflows: Rows;
  events: Rows;
  reinjections: Rows;
  holes: Rows;
  handovers: Rows;
  packets: Rows;
  warnings: string[];
}

/** Runs `mptrace analyze --packets` on a file (or bytes, written to a temp file) and reads every output back. */
export async function analyzeCapture(input: string | Uint8Array, opts: AnalyzeOptions = {}): Promise<Analysis> {
  const dir = mkdtempSync(join(tmpdir(), 'mptrace-test-'));
  let path: string;
  if (typeof input === 'string') path = input;
  else {
    path = join(dir, 'input.pcap');
    writeFileSync(path, input);
  }
  const out = join(dir, 'out');
  const r = await analyze(path, { packets: true, ...opts, out });
  const read = (name: string): Rows => parseCsv(readFileSync(join(out, name), 'utf8'));
  return {
    dir: out,
    summary: r.summary,
    connections: read('connections.csv'),
    subflows: read('subflows.csv'),
    events: read('events.csv'),
    reinjections: read('reinjections.csv'),
    holes: read('holes.csv'),
    handovers: read('handovers.csv'),
    packets: opts.packets === false ? [] : read('packets.csv'),
    warnings: r.warnings,
  };
}
