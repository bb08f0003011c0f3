import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, type AnalyzeOptions } from '../../src/cli/analyze.js';
import type { Summary } from '../../src/report/summary.js';
import { EVENT_COLUMNS, HANDOVER_COLUMNS, HOLE_COLUMNS, PACKET_COLUMNS, REINJECTION_COLUMNS, RTT_COLUMNS, FLIGHT_COLUMNS, type ColumnName } from '../../src/report/tables.js';
import { parseCsv } from './csv.js';

/** Rows of a CSV file, typed by its columns. */
export type Rows<C extends readonly { name: string }[]> = Array<Record<ColumnName<C>, string>>;

export interface Analysis {
  dir: string;
  summary: Summary;
  /** Columns declared in src/report/columns.ts (a missing name reads as undefined). */
  connections: Array<Record<string, string>>;
  subflows: Array<Record<string, string>>;
  events: Rows<typeof EVENT_COLUMNS>;
  reinjections: Rows<typeof REINJECTION_COLUMNS>;
  holes: Rows<typeof HOLE_COLUMNS>;
  handovers: Rows<typeof HANDOVER_COLUMNS>;
  packets: Rows<typeof PACKET_COLUMNS>;
  rtt: Rows<typeof RTT_COLUMNS>;
  flight: Rows<typeof FLIGHT_COLUMNS>;
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
  const read = <C extends readonly { name: string }[]>(name: string, _cols: C): Rows<C> => parseCsv(readFileSync(join(out, name), 'utf8')) as Rows<C>;
  return {
    dir: out,
    summary: r.summary,
    connections: read('connections.csv', [] as Array<{ name: string }>),
    subflows: read('subflows.csv', [] as Array<{ name: string }>),
    events: read('events.csv', EVENT_COLUMNS),
    reinjections: read('reinjections.csv', REINJECTION_COLUMNS),
    holes: read('holes.csv', HOLE_COLUMNS),
    handovers: read('handovers.csv', HANDOVER_COLUMNS),
    packets: opts.packets === false ? [] : read('packets.csv', PACKET_COLUMNS),
    rtt: read('rtt.csv', RTT_COLUMNS),
    flight: read('flight.csv', FLIGHT_COLUMNS),
    warnings: r.warnings,
  };
}
