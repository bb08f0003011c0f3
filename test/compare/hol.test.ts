/**
 * Head-of-line blocking (compare's HolTracker) against its former linear
 * placement and a byte-by-byte model of what stays held, and its bound: a hole that never fills at the capture point (a path
 * the capture does not see) must not make it hold every later segment.
 */
import { describe, expect, it } from 'vitest';
import { HolTracker, MAX_HELD } from '../../src/analyze/compare/hol.js';
import { randInt, rng } from '../helpers/random.js';

/** The held bytes a byte-by-byte model leaves undelivered at the end (every byte from the first segment's start on, delivered once all before it arrived). */
function undelivered(segments: Array<[number, number, number]>): number {
  const first = segments[0]![0];
  const seen = new Set<number>();
  let next = first;
  for (const [ds, de] of segments) {
    for (let b = Math.max(ds, first); b < de; b++) if (b >= next) seen.add(b);
    while (seen.has(next)) seen.delete(next++);
  }
  return seen.size;
}

/** The tracker as it was before bisection and its bound (a linear scan for the place of a held segment), for its figures. */
class LinearHol {
  next = NaN;
  start: number[] = [];
  end: number[] = [];
  time: number[] = [];
  head = 0;
  bytes = 0;
  delayed = 0;
  waits: number[] = [];
  add(ds: number, de: number, t: number): void {
    if (Number.isNaN(this.next)) this.next = ds;
    if (de <= this.next) return;
    if (ds > this.next) {
      let i = this.start.length;
      while (i > this.head && this.start[i - 1]! > ds) i--;
      if (i > this.head && this.start[i - 1] === ds && this.end[i - 1]! >= de) return;
      this.start.splice(i, 0, ds);
      this.end.splice(i, 0, de);
      this.time.splice(i, 0, t);
      return;
    }
    this.bytes += de - this.next;
    this.next = de;
    while (this.head < this.start.length && this.start[this.head]! <= this.next) {
      const k = this.head++;
      const b = this.end[k]! - Math.max(this.start[k]!, this.next);
      if (b > 0) {
        this.bytes += b;
        this.delayed += b;
        this.waits.push(t - this.time[k]!);
        this.next = this.end[k]!;
      }
    }
  }
}

describe('HolTracker', () => {
  it('places held segments by bisection as the linear scan did, and counts the bytes left held once each, on segments arriving out of order, repeated and overlapping (property)', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const r = rng(seed);
      const segs: Array<[number, number, number]> = [];
      let t = 0;
      for (let i = 0; i < 300; i++) {
        // Mostly in order, some late (a hole filled), some early (a hole opened), some repeats.
        const base = randInt(r, 0, 9) < 7 ? i * 10 : randInt(r, 0, i * 10 + 50);
        segs.push([base, base + randInt(r, 1, 25), (t += randInt(r, 0, 3))]);
      }
      segs.unshift([0, 10, 0]);
      const h = new HolTracker();
      for (const [ds, de, at] of segs) h.add(ds, de, at);
      const f = h.facts();
      const ref = new LinearHol();
      for (const [ds, de, at] of segs) ref.add(ds, de, at);
      expect([f.bytes, f.delayedBytes, f.delay?.samples ?? 0, f.delay?.max ?? null], `seed ${seed}`).toEqual([ref.bytes, ref.delayed, ref.waits.length, ref.waits.length > 0 ? Math.max(...ref.waits) : null]);
      expect(f.undelivered, `seed ${seed}`).toBe(undelivered(segs));
      expect(f.overflowed).toBe(false);
    }
  });

  it(`past ${MAX_HELD} segments held behind one hole, it lets them go and says its figures are unknown`, () => {
    const h = new HolTracker();
    h.add(0, 1000, 0);
    // The bytes [1000, 2000) never arrive: everything after them is held.
    for (let i = 0; i < MAX_HELD; i++) h.add(2000 + i * 1000, 3000 + i * 1000, 1 + i);
    expect(h.facts()).toMatchObject({ bytes: 1000, undelivered: MAX_HELD * 1000, overflowed: false });
    h.add(2000 + MAX_HELD * 1000, 3000 + MAX_HELD * 1000, 2 + MAX_HELD);
    expect(h.facts()).toMatchObject({ overflowed: true, undelivered: 0 });
    // The hole filling later changes nothing: the direction stays unknown.
    h.add(1000, 2000, 3 + MAX_HELD);
    expect(h.facts()).toMatchObject({ bytes: 1000, overflowed: true });
  });
});
