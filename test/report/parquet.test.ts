/**
 * `--format parquet`: every table read back by DuckDB (an independent
 * reader) holds the CSV file's rows, cell for cell, with typed columns.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Column } from '../../src/report/columns.js';
import { ParquetFile } from '../../src/report/parquet.js';
import { TimeBase } from '../../src/report/time.js';
import { runCli } from '../helpers/cli.js';
import { parseCsv } from '../helpers/csv.js';
import { query, readParquet, type ParquetTable } from '../helpers/duckdb.js';
import { ROOT } from '../helpers/shared.js';

const LOSSY = join(ROOT, 'fixtures', 'lab', 'lossy.pcapng');
const LOSSY_CLIENT = join(ROOT, 'fixtures', 'lab', 'lossy.client.pcap');
const HANDOVER = join(ROOT, 'fixtures', 'lab', 'handover.client.pcap');

const tmp = (): string => join(mkdtempSync(join(tmpdir(), 'mptrace-pq-')), 'o');

function run(args: string[]): void {
  const r = runCli(args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}

/** `1796533839.029553` → `1796533839029553` (digits: 6) : the CSV time as an integer count of 10^-digits s. */
function epochUnits(text: string, digits: number): string {
  const [sec, frac = ''] = text.split('.');
  return BigInt(`${sec}${frac.padEnd(digits, '0').slice(0, digits)}`).toString();
}

/** Asserts that a Parquet table holds exactly the CSV file's header and cells. */
function expectSameTable(pq: ParquetTable, csvText: string): void {
  const header = csvText.slice(0, csvText.indexOf('\n')).split(',');
  expect(pq.columns.map((c) => c.name)).toEqual(header);
  const rows = parseCsv(csvText);
  expect(pq.rows.length).toBe(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const csv = rows[i]!;
    const got = pq.rows[i]!;
    pq.columns.forEach(({ name, type }, k) => {
      const cell = csv[name]!;
      const v = got[k];
      const want = cell === '' ? null : type === 'DOUBLE' ? Number(cell) : type === 'TIMESTAMP' ? epochUnits(cell, 6) : type === 'TIMESTAMP_NS' ? epochUnits(cell, 9) : cell;
      if (v !== want) expect({ row: i + 1, column: name, value: v }).toEqual({ row: i + 1, column: name, value: want });
    });
  }
}

describe('analyze --format parquet', () => {
  let csvOut = '';
  let pqOut = '';
  beforeAll(() => {
    csvOut = tmp();
    pqOut = tmp();
    run(['analyze', LOSSY, '--packets', '--no-plots', '-q', '-o', csvOut]);
    run(['analyze', LOSSY, '--packets', '--no-plots', '-q', '--format', 'parquet', '-o', pqOut]);
  });

  it('writes a Parquet file for every table the CSV run writes, and no CSV', () => {
    const csvs = readdirSync(csvOut).filter((f) => f.endsWith('.csv'));
    expect(csvs).toEqual(['connections.csv', 'events.csv', 'flight.csv', 'handovers.csv', 'holes.csv', 'packets.csv', 'reinjections.csv', 'rtt.csv', 'subflows.csv']);
    expect(readdirSync(pqOut).filter((f) => f.endsWith('.parquet'))).toEqual(csvs.map((f) => f.replace('.csv', '.parquet')));
    expect(readdirSync(pqOut).filter((f) => f.endsWith('.csv'))).toEqual([]);
  });

  it('every table: the CSV header, row count and every cell', async () => {
    const counts: Record<string, number> = {};
    for (const f of readdirSync(csvOut).filter((n) => n.endsWith('.csv'))) {
      const name = f.slice(0, -4);
      const pq = await readParquet(join(pqOut, `${name}.parquet`));
      expectSameTable(pq, readFileSync(join(csvOut, f), 'utf8'));
      counts[name] = pq.rows.length;
    }
    expect(counts).toEqual({ connections: 1, events: 8, flight: 420, handovers: 0, holes: 140, packets: 10579, reinjections: 0, rtt: 2684, subflows: 2 });
  });

  it('typed columns: DSNs unsigned 64-bit, times timestamps, flags booleans, tokens strings', async () => {
    const types = Object.fromEntries((await readParquet(join(pqOut, 'packets.parquet'))).columns.map((c) => [c.name, c.type]));
    expect(types).toMatchObject({ frame: 'BIGINT', time: 'TIMESTAMP', t: 'DOUBLE', seq: 'BIGINT', dsn: 'UBIGINT', data_ack: 'UBIGINT', flags: 'VARCHAR', mptcp: 'VARCHAR', retransmission: 'BOOLEAN' });
    const conn = Object.fromEntries((await readParquet(join(pqOut, 'connections.parquet'))).columns.map((c) => [c.name, c.type]));
    expect(conn).toMatchObject({ start: 'TIMESTAMP', client_key: 'VARCHAR', checksum: 'BOOLEAN', duration: 'DOUBLE' });
  });

  it('a query over packets.parquet gives the summary figures', async () => {
    type Dir = { packets: number; payload_bytes: number; retransmitted_packets: number; retransmitted_bytes: number };
    const summary = JSON.parse(readFileSync(join(pqOut, 'summary.json'), 'utf8')) as { connections: Array<{ subflows: Array<{ c2s: Dir; s2c: Dir }> }> };
    const figures = (subflow: number, dir: 'c2s' | 's2c', d: Dir): Record<string, unknown> => ({ subflow: BigInt(subflow), dir, packets: BigInt(d.packets), payload_bytes: d.payload_bytes, retransmitted_packets: BigInt(d.retransmitted_packets), retransmitted_bytes: d.retransmitted_bytes });
    const want = summary.connections[0]!.subflows.flatMap((s, i) => [figures(i, 'c2s', s.c2s), figures(i, 's2c', s.s2c)]);
    const got = await query(`SELECT subflow, dir, count(*) AS packets, coalesce(sum(len) FILTER (NOT retransmission), 0)::DOUBLE AS payload_bytes,
      count(*) FILTER (retransmission) AS retransmitted_packets, coalesce(sum(len) FILTER (retransmission), 0)::DOUBLE AS retransmitted_bytes
      FROM read_parquet('${join(pqOut, 'packets.parquet')}') WHERE conn = 0 GROUP BY ALL ORDER BY ALL`);
    expect(got).toEqual(want);
    expect(got[1]).toMatchObject({ packets: 3699n, payload_bytes: 4956896, retransmitted_packets: 114n });
  });

  it('the report links the Parquet files', () => {
    expect(readFileSync(join(pqOut, 'report.html'), 'utf8')).toContain('href="packets.parquet"');
  });

  it('switching format leaves no stale file of the other format', () => {
    const out = tmp();
    run(['analyze', LOSSY, '--no-plots', '-q', '-o', out]);
    expect(existsSync(join(out, 'events.csv'))).toBe(true);
    run(['analyze', LOSSY, '--no-plots', '-q', '--format', 'parquet', '-o', out]);
    expect(readdirSync(out).filter((f) => f.endsWith('.csv'))).toEqual([]);
    run(['analyze', LOSSY, '--no-plots', '-q', '-o', out]);
    expect(readdirSync(out).filter((f) => f.endsWith('.parquet'))).toEqual([]);
  });
});

describe('a nanosecond capture', () => {
  it('keeps its nanoseconds: TIMESTAMP_NS, exact (tshark: frame.time_epoch 1795371252.067216840)', async () => {
    const csvOut = tmp();
    const pqOut = tmp();
    run(['analyze', HANDOVER, '--packets', '--no-plots', '-q', '-o', csvOut]);
    run(['analyze', HANDOVER, '--packets', '--no-plots', '-q', '--format', 'parquet', '-o', pqOut]);
    const pq = await readParquet(join(pqOut, 'packets.parquet'));
    expect(pq.columns.find((c) => c.name === 'time')!.type).toBe('TIMESTAMP_NS');
    expect(pq.rows[0]![1]).toBe('1795371252067216840');
    for (const name of ['packets', 'events', 'handovers', 'connections']) expectSameTable(await readParquet(join(pqOut, `${name}.parquet`)), readFileSync(join(csvOut, `${name}.csv`), 'utf8'));
  });
});

describe('compare --format parquet', () => {
  it('owd, lost and reinjections hold the CSV rows', async () => {
    const csvOut = tmp();
    const pqOut = tmp();
    run(['compare', LOSSY_CLIENT, LOSSY, '--no-plots', '-q', '-o', csvOut]);
    run(['compare', LOSSY_CLIENT, LOSSY, '--no-plots', '-q', '--format', 'parquet', '-o', pqOut]);
    const counts: Record<string, number> = {};
    for (const name of ['owd', 'lost', 'reinjections']) {
      const pq = await readParquet(join(pqOut, `${name}.parquet`));
      expectSameTable(pq, readFileSync(join(csvOut, `${name}.csv`), 'utf8'));
      counts[name] = pq.rows.length;
    }
    expect(counts.lost).toBeGreaterThan(0);
    // 237 lost: the router's drops on the three paths (fixtures/lab/lossy.json: 113 + 90 + 34).
    expect(counts).toEqual({ lost: 237, owd: 10432, reinjections: 0 });
  });
});

describe('ParquetFile', () => {
  interface Row {
    i: number;
    dsn: string | number | null;
    at: number;
    label: string | null;
  }
  const columns: Column<Row>[] = [
    { name: 'i', type: 'integer', unit: '', description: '', get: (r) => r.i },
    { name: 'dsn', type: 'integer', unit: '', description: '', u64: true, get: (r) => r.dsn },
    { name: 'at', type: 'time', unit: 's', description: '', get: (r, t) => t.format(r.at) },
    { name: 'label', type: 'text', unit: '', description: '', get: (r) => r.label },
  ];

  it('streams row groups, keeps 64-bit DSNs past 2^53 and nulls', async () => {
    const path = `${tmp()}.parquet`;
    const f = new ParquetFile(path, path, columns, new TimeBase(1_700_000_000, 6), { rowGroup: 1000 });
    const n = 4321;
    for (let i = 0; i < n; i++) f.add({ i, dsn: i === 7 ? '18446744073709551615' : i % 5 === 0 ? null : i * 1460, at: i * 0.000125, label: i % 3 === 0 ? null : `a,"b" ${i}` });
    await f.close();
    expect(f.rows).toBe(n);
    const groups = await query(`SELECT count(DISTINCT row_group_id) AS g FROM parquet_metadata('${path}')`);
    expect(groups).toEqual([{ g: 5n }]);
    const t = await readParquet(path);
    expect(t.columns).toEqual([
      { name: 'i', type: 'BIGINT' },
      { name: 'dsn', type: 'UBIGINT' },
      { name: 'at', type: 'TIMESTAMP' },
      { name: 'label', type: 'VARCHAR' },
    ]);
    expect(t.rows.length).toBe(n);
    expect(t.rows[7]).toEqual(['7', '18446744073709551615', '1700000000000875', `a,"b" 7`]);
    expect(t.rows[4320]).toEqual(['4320', null, '1700000000540000', null]);
    t.rows.forEach((r, i) => expect(r[0]).toBe(String(i)));
  });

  it('a table with no rows is a readable file with its columns', async () => {
    const path = `${tmp()}.parquet`;
    const f = new ParquetFile(path, path, columns, new TimeBase(1_700_000_000, 9));
    await f.close();
    const t = await readParquet(path);
    expect(t.columns.map((c) => c.name)).toEqual(['i', 'dsn', 'at', 'label']);
    expect(t.rows).toEqual([]);
  });
});

describe("the README's Parquet example", () => {
  it('runs as written (the DuckDB query through DuckDB\'s Node API) and gives the summary\'s byte counts', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /```sh\nnpx mptrace analyze (fixtures\/\S+) --packets --format parquet -o (\S+)\nduckdb -c "(.*)"\n```/.exec(readme);
    expect(block).not.toBeNull();
    const [, capture, dir, sql] = block!;
    const out = tmp();
    run(['analyze', join(ROOT, capture!), '--packets', '--format', 'parquet', '--no-plots', '-q', '-o', out]);
    const got = await query(sql!.replace(`'${dir}/`, `'${out}/`));
    // lossy.pcapng: the download's payload (summary.json's s2c payload_bytes) on each subflow.
    expect(got.map((r) => [r.subflow, r.dir, r.packets, r.bytes])).toEqual([
      [0n, 'c2s', 2973n, 16n],
      [0n, 's2c', 3699n, 4956896n],
      [1n, 'c2s', 1618n, 0n],
      [1n, 's2c', 2289n, 3043104n],
    ]);
  });
});
