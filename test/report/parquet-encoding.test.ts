/**
 * The encodings hyparquet-writer takes through patches/ (numbers where it
 * made a BigInt per value, a Float64Array per column), read back by DuckDB:
 * every path a value can take (INT64 deltas as int32 numbers, as safe
 * numbers of every bit width, as BigInts past the safe bounds; timestamps
 * as numbers, delta- and dictionary-encoded; nulls; NaN and -0) must give
 * back the exact values and min/max/null statistics.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import type { Column } from '../../src/report/columns.js';
import { ParquetFile } from '../../src/report/parquet.js';
import { TimeBase } from '../../src/report/time.js';
import { query, readParquet } from '../helpers/duckdb.js';
import { rng } from '../helpers/random.js';

const tmp = (): string => join(mkdtempSync(join(tmpdir(), 'mptrace-pqe-')), 'o.parquet');

type V = number | bigint | null;

/** Each column's values written with DELTA_BINARY_PACKED as INT64 and read back by DuckDB, as text. */
async function roundTrip(columns: Record<string, V[]>, opts: { delta?: boolean; timestamp?: boolean } = {}): Promise<Record<string, Array<string | null>>> {
  const names = Object.keys(columns);
  const path = tmp();
  const type = opts.timestamp === true ? { type: 'INT64' as const, logical_type: { type: 'TIMESTAMP' as const, isAdjustedToUTC: false, unit: 'MICROS' as const } } : { type: 'INT64' as const };
  const buf = parquetWriteBuffer({
    schema: [{ name: 'schema', num_children: names.length }, ...names.map((name) => ({ name, repetition_type: 'OPTIONAL' as const, ...type }))],
    columnData: names.map((name) => ({ name, data: columns[name]!, ...(opts.delta !== false ? { encoding: 'DELTA_BINARY_PACKED' as const } : {}) })),
  });
  writeFileSync(path, new Uint8Array(buf));
  const t = await readParquet(path);
  const out: Record<string, Array<string | null>> = {};
  names.forEach((n, k) => (out[n] = t.rows.map((r) => (r[k] === null ? null : String(r[k])))));
  return out;
}

const text = (vs: V[]): Array<string | null> => vs.map((v) => (v === null ? null : BigInt(v).toString()));

describe('INT64 delta encoding, every path', () => {
  it('int32 numbers with deltas of 26 to 33 bits (the wide int32 packing)', async () => {
    const r = rng(1);
    // Alternating near the int32 extremes gives 33-bit deltas; scaled noise gives every width from 26 up.
    const values: V[] = [];
    for (let i = 0; i < 3000; i++) {
      // A width per miniblock (32 values): each is packed at its own width.
      const width = 25 + (Math.floor(i / 32) % 9);
      values.push(Math.floor((r() - 0.5) * 2 ** width) | 0);
    }
    values.push(-(2 ** 31), 2 ** 31 - 1, -(2 ** 31), 2 ** 31 - 1);
    expect((await roundTrip({ a: values })).a).toEqual(text(values));
  });

  it('safe numbers past int32: times in microseconds, 32-bit sequence numbers, deltas of every width up to 52 bits', async () => {
    const r = rng(2);
    const times: V[] = [];
    let t = 1_796_533_839_029_553;
    for (let i = 0; i < 5000; i++) times.push((t += Math.floor(r() * 2 ** (Math.floor(i / 32) % 40))));
    const seqs: V[] = [];
    for (let i = 0; i < 5000; i++) seqs.push(Math.floor(r() * 2 ** 32));
    const wide: V[] = [];
    for (let i = 0; i < 6000; i++) wide.push(Math.floor((r() - 0.5) * 2 ** (32 + (Math.floor(i / 32) % 19))));
    // The bound itself: deltas of exactly ±2^51 stay on the number path.
    wide.push(0, 2 ** 51, 0, -(2 ** 51), 2 ** 50, -(2 ** 50));
    const got = await roundTrip({ times, seqs });
    expect(got.times).toEqual(text(times));
    expect(got.seqs).toEqual(text(seqs));
    expect((await roundTrip({ wide })).wide).toEqual(text(wide));
  });

  it('past the safe bounds: deltas over 2^51, values at ±(2^53 - 1), bigints to ±2^63 (the BigInt path)', async () => {
    // Deltas within ±2^53 whose adjusted delta (3 * 2^52 - 1) no double holds.
    const odd: V[] = [0, Number.MAX_SAFE_INTEGER, 2 ** 52 - 1];
    expect((await roundTrip({ odd })).odd).toEqual(text(odd));
    const big: V[] = [0, 2 ** 52, -(2 ** 52), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1, 2 ** 51 + 1, -1];
    expect((await roundTrip({ big })).big).toEqual(text(big));
    // Exact doubles past 2^53, a small delta apart.
    const beyond: V[] = [2 ** 60, 2 ** 60 + 256, 2 ** 60 - 1024];
    expect((await roundTrip({ beyond })).beyond).toEqual(text(beyond));
    // A fraction is no INT64: refused, as the unpatched writer does.
    await expect(roundTrip({ f: [1, 1.5] })).rejects.toThrow(RangeError);
    await expect(roundTrip({ f: [1.5, 2] })).rejects.toThrow(RangeError);
    // INT64's bounds for numbers: 2^63 is out, the largest double below it is in.
    await expect(roundTrip({ f: [0, 2 ** 63] })).rejects.toThrow('out of range');
    expect((await roundTrip({ top: [-(2 ** 63), 2 ** 63 - 1024] })).top).toEqual(['-9223372036854775808', '9223372036854774784']);
    const bigints: V[] = [0n, 2n ** 63n - 1n, -(2n ** 63n), 5n, 2n ** 53n + 1n, -(2n ** 60n)];
    expect((await roundTrip({ bigints })).bigints).toEqual(text(bigints));
  });

  it('nulls among numbers, and a column of nulls', async () => {
    const r = rng(3);
    const values: V[] = [];
    for (let i = 0; i < 2000; i++) values.push(r() < 0.2 ? null : 1_700_000_000_000_000 + i * 997);
    const got = await roundTrip({ v: values, none: values.map(() => null) });
    expect(got.v).toEqual(text(values));
    expect(got.none).toEqual(values.map(() => null));
  });

  it('timestamps as numbers, delta-encoded and dictionary-encoded (PLAIN dictionary pages of numbers)', async () => {
    const values: V[] = [];
    for (let i = 0; i < 3000; i++) values.push(1_796_533_839_000_000 + (i % 7) * 125);
    const want = text(values);
    expect((await roundTrip({ t: values }, { timestamp: true })).t).toEqual(want);
    expect((await roundTrip({ t: values }, { timestamp: true, delta: false })).t).toEqual(want);
    const path = tmp();
    writeFileSync(
      path,
      new Uint8Array(
        parquetWriteBuffer({
          schema: [{ name: 'schema', num_children: 1 }, { name: 't', repetition_type: 'OPTIONAL', type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' } }],
          columnData: [{ name: 't', data: values }],
        }),
      ),
    );
    const enc = await query(`SELECT encodings FROM parquet_metadata('${path}')`);
    expect(String(enc[0]!.encodings)).toContain('RLE_DICTIONARY');
  });
});

describe('ParquetFile column values', () => {
  interface Row {
    n: number | null;
    x: number | null;
    at: number;
    big: string | number;
  }
  const columns: Column<Row>[] = [
    { name: 'n', type: 'integer', unit: '', description: '', get: (r) => r.n },
    { name: 'x', type: 'number', unit: '', description: '', get: (r) => r.x },
    { name: 'at', type: 'time', unit: 's', description: '', get: (r, t) => t.format(r.at) },
    { name: 'big', type: 'integer', unit: '', description: '', u64: true, get: (r) => r.big },
  ];

  it('numbers, a null or a bigint arriving mid-group, NaN and -0: values and each row group’s statistics', async () => {
    const path = tmp();
    const group = 1500;
    const f = new ParquetFile(path, path, columns, new TimeBase(1_700_000_000, 6), { rowGroup: group });
    const rows: Row[] = [];
    const r = rng(4);
    for (let i = 0; i < 4 * group + 321; i++) {
      const g = Math.floor(i / group);
      rows.push({
        // Group 1 meets its first null half-way through; group 2 none; the others now and then.
        n: (g === 1 && i % group === 700) || (g !== 2 && g !== 1 && r() < 0.01) ? null : Math.floor((r() - 0.5) * 2 ** 40),
        x: i === 10 ? Number.NaN : i === 11 ? -0 : r() * 1000 - 500,
        at: i * 0.000731,
        // A value past 2^53 (text) half-way through group 3.
        big: g === 3 && i % group === 750 ? '18446744073709551615' : i * 1460,
      });
    }
    for (const row of rows) f.add(row);
    await f.close();

    const t = await readParquet(path);
    expect(t.rows.length).toBe(rows.length);
    rows.forEach((row, i) => {
      const got = t.rows[i]!;
      const want = [row.n === null ? null : String(row.n), row.x, String(1_700_000_000_000_000 + Math.round(row.at * 1e6)), String(row.big)];
      if (!Object.is(got[1], want[1]) || got[0] !== want[0] || got[3] !== want[3]) expect({ i, got }).toEqual({ i, got: want });
    });

    const stats = await query(
      `SELECT row_group_id AS g, path_in_schema AS c, stats_min_value AS lo, stats_max_value AS hi, stats_null_count AS nulls FROM parquet_metadata('${path}') WHERE path_in_schema IN ('n', 'big') ORDER BY g, c`,
    );
    for (const s of stats) {
      const g = Number(s.g);
      const part = rows.slice(g * group, (g + 1) * group);
      const vals = part.map((p) => (s.c === 'n' ? p.n : p.big)).filter((v) => v !== null).map((v) => BigInt(v!));
      const lo = vals.reduce((a, b) => (b < a ? b : a));
      const hi = vals.reduce((a, b) => (b > a ? b : a));
      expect({ g, c: s.c, lo: String(s.lo), hi: String(s.hi), nulls: Number(s.nulls) }).toEqual({ g, c: s.c, lo: String(lo), hi: String(hi), nulls: part.length - vals.length });
    }
    expect(stats.length).toBe(10);
  });
});
