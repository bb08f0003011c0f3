/** The byte writer prints what the string path prints (TimeBase.format, toFixed), byte for byte, on the values captures give and on the edges. */
import { describe, expect, it } from 'vitest';
import { ByteLines } from '../../src/report/byte-lines.js';
import { TimeBase } from '../../src/report/time.js';

function line(write: (w: ByteLines) => void): string {
  const chunks: Buffer[] = [];
  const w = new ByteLines((c) => chunks.push(Buffer.from(c)));
  write(w);
  w.end();
  w.flush();
  return Buffer.concat(chunks).toString('latin1').replace(/\n$/, '');
}

describe('ByteLines', () => {
  it('fixed equals toFixed: capture ticks, negatives, exact halves (left to toFixed), huge values', () => {
    const values = [0, 1e-6, 0.000123456, 1.5, 2.5e-7, -0.0000004, -3.25, 12345.678901234, 1e17, 547.1004995, 0.0000005, 0.1 + 0.2];
    for (let k = 0; k < 2000; k++) values.push(Math.round(Math.random() * 1e13) / 1e9, Math.round(Math.random() * 1e10) / 1e6);
    for (const d of [0, 1, 3, 6, 9])
      for (const x of values) expect(line((w) => w.fixed(x, d)), `${x} ${d}`).toBe(x.toFixed(d));
  });

  it('epoch and since equal TimeBase.format and since, also where rounding carries into the next second', () => {
    for (const digits of [0, 6, 9]) {
      const tb = new TimeBase(1795371243, digits, 0.011105);
      for (const t of [0, 0.011105, 0.9999999996, 1.0000000004, 59.999999, 3600.123456789, 0.0111049999])
        expect(line((w) => {
          w.epoch(tb, t);
          w.since(tb, t);
        })).toBe(`${tb.format(t)},${tb.since(t)}`);
    }
  });

  it('integers, tokens and empty cells, comma separated; a line cut by a flush goes on in the next chunk', () => {
    expect(line((w) => {
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
    expect(line((w) => ints.forEach((n) => w.int(n)))).toBe(ints.map(String).join(','));
    const tb = new TimeBase(1795371243, 6, 0);
    const times = [0.5, 0.75, 1.25, 1.9999999996, 2, 0.1, 99999.000001, 0.2];
    expect(line((w) => times.forEach((t) => w.epoch(tb, t)))).toBe(times.map((t) => tb.format(t)).join(','));
  });
});
