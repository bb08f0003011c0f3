/** connections.csv and subflows.csv: a column that writes its own bytes writes what its getter's cell is, on every connection of the bundled captures. */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConnectionRecord } from '../../src/analyze/record.js';
import { runPasses } from '../../src/cli/analyze.js';
import { byteLine } from '../helpers/csv.js';
import { CONNECTION_COLUMNS, SUBFLOW_COLUMNS, isPlain, type Column } from '../../src/report/columns.js';
import type { TimeBase } from '../../src/report/time.js';
import { ROOT } from '../helpers/shared.js';


const captures = ['lab', 'public'].flatMap((d) => readdirSync(join(ROOT, 'fixtures', d)).filter((f) => /\.pcap(ng)?(\.gz)?$/.test(f)).map((f) => join(ROOT, 'fixtures', d, f)));

describe('connections.csv and subflows.csv cells written as bytes', () => {
  it('are their getters\' cells, on every connection of the bundled captures (keys and none, fallbacks, µs and ns clocks)', async () => {
    expect(captures.length).toBeGreaterThan(10);
    let checked = 0;
    const puts = <R>(cols: readonly Column<R>[]) => cols.filter((c) => c.put !== undefined);
    expect(puts(CONNECTION_COLUMNS).map((c) => c.name)).toEqual(['client_key', 'server_key', 'client_token', 'server_token', 'start', 'end', 't', 'duration', 'fallback_time']);
    expect(puts(SUBFLOW_COLUMNS).map((c) => c.name)).toEqual(['start', 'end', 't', 'duration']);
    const kinds = new Set<string>();
    const digits = new Set<number>();
    for (const given of captures) {
      // The short-connection fixtures are gzipped (the CLI decompresses them before reading).
      const capture = given.endsWith('.gz') ? join(mkdtempSync(join(tmpdir(), 'mptrace-columns-')), 'c.pcap') : given;
      if (capture !== given) writeFileSync(capture, gunzipSync(readFileSync(given)));
      const records: ConnectionRecord[] = [];
      let time: TimeBase | null = null;
      await runPasses(capture, {}, (t) => {
        time = t;
        return { sink: { connection: (c: ConnectionRecord) => records.push(c), row: () => {} }, needsDrain: false, drain: async () => {}, discard: async () => {} };
      });
      const t = time!;
      digits.add(t.digits);
      const same = <R>(cols: readonly Column<R>[], r: R): void => {
        for (const c of puts(cols)) {
          const bytes = byteLine((w) => c.put!(r, t, w));
          expect(bytes, `${given} ${c.name}`).toBe(byteLine((w) => w.cell(c.get(r, t), isPlain(c as Column<never>))));
          kinds.add(`${c.name}:${bytes === '' ? 'empty' : 'set'}`);
          checked++;
        }
      };
      for (const r of records) {
        same(CONNECTION_COLUMNS, r);
        for (const s of r.subflows) same(SUBFLOW_COLUMNS, { conn: r.id, s });
      }
    }
    expect(checked).toBeGreaterThan(1000);
    expect([...digits].sort()).toEqual([6, 9]);
    // Each column both set and empty where it can be.
    for (const k of ['client_key:set', 'client_key:empty', 'server_token:set', 'server_token:empty', 'fallback_time:set', 'fallback_time:empty']) expect(kinds).toContain(k);
  });
});
