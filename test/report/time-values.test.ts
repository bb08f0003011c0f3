/** The numbers a Parquet table stores are those its CSV twin's text reads as: TimeValues against TimeBase's text. */
import { describe, expect, it } from 'vitest';
import { epochUnits } from '../../src/report/parquet.js';
import { roundedTo, TimeBase, TimeValues } from '../../src/report/time.js';

/** Capture-like values (µs and ns ticks) from a fixed sequence, and the edges. */
function values(): number[] {
  const out = [0, 1e-6, 0.000123456, 1.5, 2.5e-7, -0.0000004, -3.25, 12345.678901234, 1e17, 547.1004995, 0.0000005, 0.1 + 0.2, -0.0000000001];
  let s = 12345;
  const next = (): number => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let k = 0; k < 2000; k++) out.push(Math.round(next() * 1e13) / 1e9, Math.round(next() * 1e10) / 1e6);
  return out;
}

describe('roundedTo', () => {
  it('is Number(toFixed): capture ticks, negatives, exact halves, huge values, -0', () => {
    for (const d of [0, 1, 3, 6, 9]) for (const x of values()) expect(Object.is(roundedTo(x, d), Number(x.toFixed(d))), `${x} ${d}`).toBe(true);
  });
});

describe('TimeValues', () => {
  const times = [0, 0.011105, 0.9999999996, 1.0000000004, 59.999999, 3600.123456789, 0.0111049999, 86399.9999995, 12.5];

  it('epoch times as whole microseconds, as the text TimeBase writes reads (digits 0, 3 and 6, rounding carried into the next second)', () => {
    for (const digits of [0, 3, 6]) {
      const tb = new TimeBase(1795371243, digits, 0.011105);
      const tv = new TimeValues(tb, 6);
      for (const t of times) expect(tv.format(t), `${digits} ${t}`).toBe(epochUnits(tb.format(t), 6));
    }
    expect(new TimeValues(new TimeBase(1795371243, 6), 6).format(0.011105)).toBe(1795371243011105);
  });

  it('nanosecond epoch times stay the text (a double cannot hold them)', () => {
    const tb = new TimeBase(1795371252, 9);
    expect(new TimeValues(tb, 9).format(0.06721684)).toBe('1795371252.067216840');
    expect(new TimeValues(new TimeBase(1795371252, 6), 9).format(0.5)).toBe('1795371252.500000');
  });

  it('seconds since the first packet and durations as the numbers their text reads as', () => {
    for (const digits of [0, 6, 9]) {
      const tb = new TimeBase(1795371243, digits, 0.011105);
      const tv = new TimeValues(tb, 6);
      for (const t of [...times, ...values().slice(0, 500)]) {
        expect(Object.is(tv.since(t), Number(tb.since(t))), `since ${digits} ${t}`).toBe(true);
        expect(Object.is(tv.duration(t), Number(tb.duration(t))), `duration ${digits} ${t}`).toBe(true);
      }
    }
  });
});
