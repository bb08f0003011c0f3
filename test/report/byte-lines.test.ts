/** The byte writer prints what the string path prints (TimeBase.format, toFixed), byte for byte, on the values captures give and on the edges. */
import { describe, expect, it } from 'vitest';
import { ByteLines } from '../../src/report/byte-lines.js';
import { byteLine } from '../helpers/csv.js';
import { TimeBase } from '../../src/report/time.js';
import type { Cell } from '../../src/report/columns.js';
import { stringify } from 'csv-stringify/sync';


describe('ByteLines', () => {
  it('fixed equals toFixed: capture ticks, negatives, exact halves (left to toFixed), huge values', () => {
    const values = [0, 1e-6, 0.000123456, 1.5, 2.5e-7, -0.0000004, -3.25, 12345.678901234, 1e17, 547.1004995, 0.0000005, 0.1 + 0.2];
    for (let k = 0; k < 2000; k++) values.push(Math.round(Math.random() * 1e13) / 1e9, Math.round(Math.random() * 1e10) / 1e6);
    for (const d of [0, 1, 3, 6, 9])
      for (const x of values) expect(byteLine((w) => w.fixed(x, d)), `${x} ${d}`).toBe(x.toFixed(d));
  });

  it('epoch and since equal TimeBase.format and since, also where rounding carries into the next second', () => {
    for (const digits of [0, 6, 9]) {
      const tb = new TimeBase(1795371243, digits, 0.011105);
      for (const t of [0, 0.011105, 0.9999999996, 1.0000000004, 59.999999, 3600.123456789, 0.0111049999])
        expect(byteLine((w) => {
          w.epoch(tb, t);
          w.since(tb, t);
        })).toBe(`${tb.format(t)},${tb.since(t)}`);
    }
  });

  it('integers, tokens and empty cells, comma separated; a line cut by a flush goes on in the next chunk', () => {
    expect(byteLine((w) => {
      w.int(0);
      w.int(-42);
      w.int(9007199254740991);
      w.empty();
      w.text('s2c');
    })).toBe('0,-42,9007199254740991,,s2c');
    const chunks: Buffer[] = [];
    const w = new ByteLines((c) => chunks.push(Buffer.from(c)));
    for (let i = 0; i < 40000; i++) {
      w.int(i);
      w.text('fd00:1:2::1');
      w.end();
    }
    w.flush();
    expect(chunks.length).toBeGreaterThan(1);
    const lines = Buffer.concat(chunks).toString('latin1').split('\n');
    expect(lines[39999]).toBe('39999,fd00:1:2::1');
    expect(lines.every((l, i) => i === 40000 || l === `${i},fd00:1:2::1`)).toBe(true);
  });

  it('integers around every digit count and the int32 edge, and epoch times through one writer as seconds change and come back', () => {
    const ints = [9, 10, 99, 100, 999, 1000, 99999, 100000, 999999999, 1e9, 2147483647, 2147483648, 4294967295, 4294967296, 1e15, -2147483648, -7];
    expect(byteLine((w) => ints.forEach((n) => w.int(n)))).toBe(ints.map(String).join(','));
    const tb = new TimeBase(1795371243, 6, 0);
    const times = [0.5, 0.75, 1.25, 1.9999999996, 2, 0.1, 99999.000001, 0.2];
    expect(byteLine((w) => times.forEach((t) => w.epoch(tb, t)))).toBe(times.map((t) => tb.format(t)).join(','));
  });

  it('any cell is what csv-stringify writes for its text (quoting a lone CR too): null, booleans, numbers of every kind, text with commas, quotes, line ends and non-ASCII, and text longer than the buffer', () => {
    let x = 3;
    const rnd = (): number => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
    const alphabet = ['a', 'Z', '0', ' ', ',', '"', '\n', '\r', ';', 'é', '↔', '😀', '\u0000', "'", '='];
    const text = (n: number): string => Array.from({ length: n }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
    const cells: Cell[] = [null, true, false, 0, -0, 7, -42, 2 ** 53 - 1, 2 ** 53, 2 ** 64, 1e21, 1.5e-7, -0.1, 0.1 + 0.2, NaN, Infinity, -Infinity, '', ' ', '"', '""', ',', '\r\n', 'plain'];
    for (let i = 0; i < 3000; i++) cells.push(text(Math.floor(rnd() * 12)));
    cells.push(text(200_000), `"${text(300_000)}`);
    const chunks: Buffer[] = [];
    const w = new ByteLines((c) => chunks.push(Buffer.from(c)));
    // Rows of five cells, as the tables write them.
    const rows: Cell[][] = [];
    for (let i = 0; i < cells.length; i += 5) rows.push(cells.slice(i, i + 5));
    for (const row of rows) {
      for (const c of row) w.cell(c);
      w.end();
    }
    w.flush();
    const asText = (c: Cell): string | number => (c === null ? '' : typeof c === 'boolean' ? String(c) : c);
    // csv-stringify leaves a lone CR unquoted once the record delimiter is set; mptrace quotes it, as RFC 4180 readers (Python's csv, pandas) need.
    expect(Buffer.concat(chunks).toString('utf8')).toBe(stringify(rows.map((r) => r.map(asText)), { record_delimiter: 'unix', quote_record_delimiter: true }));
    expect(stringify([['a\rb']], { record_delimiter: 'unix' })).toBe('a\rb\n');
  });
});
