import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnalysisSink, Table } from '../../src/analyze/model.js';
import type { ConnectionRecord } from '../../src/analyze/record.js';
import { runPasses, type PassOptions } from '../../src/cli/analyze.js';

/** What the analysis handed its sink, in order: typed, in process, no files. */
export interface Recording {
  records: ConnectionRecord[];
  /** Rows by table name (events, holes, rtt...). */
  rows: Map<string, unknown[]>;
  /** Every call in order: `connection N` or the table's name with the row's connection. */
  log: string[];
  passes: number;
  warnings: string[];
}

/** A sink that keeps everything (Wireshark's tap for tests). */
export class RecordingSink implements AnalysisSink {
  readonly records: ConnectionRecord[] = [];
  readonly rows = new Map<string, unknown[]>();
  readonly log: string[] = [];

  row<R>(table: Table<R>, r: R): void {
    let list = this.rows.get(table.name);
    if (list === undefined) this.rows.set(table.name, (list = []));
    // A reused table's row is refilled for the next one: keep a copy.
    list.push(table.reused ? { ...r } : r);
    const conn = (r as { conn?: number }).conn;
    this.log.push(`${table.name} ${conn ?? ''}`.trim());
  }

  connection(c: ConnectionRecord): void {
    this.records.push(c);
    this.log.push(`connection ${c.id}`);
  }
}

/** Runs the analysis on a file (or bytes, written to a temp file) into a RecordingSink; the last pass's sink is returned. */
export async function record(input: string | Uint8Array, opts: PassOptions = {}): Promise<Recording> {
  let path: string;
  if (typeof input === 'string') path = input;
  else {
    path = join(mkdtempSync(join(tmpdir(), 'mptrace-rec-')), 'input.pcap');
    writeFileSync(path, input);
  }
  const r = await runPasses(path, opts, () => {
    const sink = new RecordingSink();
    return { sink, needsDrain: false, drain: async () => {}, discard: async () => {} };
  });
  const sink = r.out.sink as RecordingSink;
  return { records: sink.records, rows: sink.rows, log: sink.log, passes: r.pass, warnings: [...r.diag.warnings, ...r.analyzer.warnings] };
}
