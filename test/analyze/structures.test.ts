import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analyze/analyzer.js';
import { ConnectionSlot } from '../../src/analyze/detect/detector.js';
import type { AnalysisSink } from '../../src/analyze/model.js';
import { ChecksumCheck, CSUM_BAD, CSUM_OK, CSUM_UNVERIFIABLE } from '../../src/analyze/checksum.js';
import { HoleTracker, type HoleClosed } from '../../src/analyze/detect/holes.js';
import { CopyFilter } from '../../src/analyze/copies.js';
import { SentLog } from '../../src/analyze/detect/sent-log.js';
import { IntervalSet } from '../../src/analyze/intervals.js';
import { MappingTable } from '../../src/analyze/mapping.js';
import { SortedRecords } from '../../src/analyze/sorted-records.js';
import { add64, rel64, seqDiff, TWO32, u64String, widen32 } from '../../src/analyze/numbers.js';
import { randInt, rng } from '../helpers/random.js';
import { analyzeCapture } from '../helpers/analyze.js';
import { ethernet, ipTcp, pcapFile } from '../helpers/build.js';

describe('sequence arithmetic', () => {
  it('seqDiff is the signed 32-bit distance', () => {
    expect(seqDiff(5, 3)).toBe(2);
    expect(seqDiff(3, 5)).toBe(-2);
    expect(seqDiff(1, 0xffffffff)).toBe(2);
    expect(seqDiff(0xffffffff, 1)).toBe(-2);
  });
  it('widen32 unwraps to the value nearest the reference (property)', () => {
    const r = rng(7);
    for (let i = 0; i < 5000; i++) {
      const near = Math.floor(r() * 2 ** 52);
      const delta = randInt(r, -(2 ** 31) + 1, 2 ** 31 - 1);
      const v = near + delta;
      expect(widen32(((v % TWO32) + TWO32) % TWO32, near)).toBe(v);
    }
  });
  it('rel64 and add64 agree with BigInt arithmetic (property)', () => {
    const r = rng(11);
    const M = (1n << 64n) - 1n;
    for (let i = 0; i < 5000; i++) {
      const base = (BigInt(Math.floor(r() * 2 ** 32)) << 32n) | BigInt(Math.floor(r() * 2 ** 32));
      const rel = BigInt(randInt(r, -(2 ** 40), 2 ** 40));
      const v = (base + rel) & M;
      const [bh, bl] = [Number(base >> 32n), Number(base & 0xffffffffn)];
      expect(rel64(Number(v >> 32n), Number(v & 0xffffffffn), bh, bl)).toBe(Number(rel));
      const [h, l] = add64(bh, bl, Number(rel));
      expect((BigInt(h) << 32n) | BigInt(l)).toBe(v);
    }
  });
  it('u64String shows negative relative values as Wireshark does (mod 2^64)', () => {
    expect(u64String(5)).toBe('5');
    expect(u64String(-1)).toBe('18446744073709551615');
  });
});

describe('IntervalSet', () => {
  it('matches a naive byte map under random adds (property)', () => {
    const r = rng(3);
    for (let round = 0; round < 50; round++) {
      const set = new IntervalSet(1 << 16, 2);
      const bytes = new Uint8Array(4000);
      for (let i = 0; i < 200; i++) {
        const s = randInt(r, 0, 3900);
        const e = s + randInt(r, 1, 99);
        let fresh = 0;
        for (let k = s; k < e; k++) if (!bytes[k]) fresh += bytes[k] = 1;
        expect(set.add(s, e)).toBe(fresh);
        const q0 = randInt(r, 0, 3990);
        const q1 = q0 + randInt(r, 1, 10);
        let cov = 0;
        for (let k = q0; k < q1; k++) cov += bytes[k]!;
        expect(set.covered(q0, q1)).toBe(cov);
      }
      expect(set.total).toBe(bytes.reduce((a, b) => a + b, 0));
      for (let i = 1; i < set.count; i++) expect(set.start(i)).toBeGreaterThan(set.end(i - 1));
    }
  });
  it('at capacity merges neighbours in pairs and counts it', () => {
    const set = new IntervalSet(4);
    for (const x of [0, 10, 20, 30, 40]) set.add(x, x + 1);
    expect(set.count).toBe(3);
    expect(set.merged).toBe(2);
    expect([0, 1, 2].map((i) => [set.start(i), set.end(i)])).toEqual([
      [0, 11],
      [20, 31],
      [40, 41],
    ]);
    expect(set.total).toBe(11 + 11 + 1);
  });
});

describe('MappingTable', () => {
  it('finds the mapping of a subflow sequence, keeps repeats once, inserts late mappings in order', () => {
    const m = new MappingTable(1 << 16, 2);
    expect(m.add(1, 100, 1000, 1)).toBe(true);
    expect(m.add(1, 100, 1000, 2)).toBe(false);
    expect(m.add(2001, 3100, 1000, 3)).toBe(true);
    expect(m.add(1001, 2100, 1000, 4)).toBe(true);
    expect(m.count).toBe(3);
    expect(m.dsnAt(m.find(1500))).toBe(2100);
    expect(m.dsnAt(m.find(999))).toBe(100);
    expect(m.dsnAt(m.find(2001))).toBe(3100);
    expect(m.find(3001)).toBe(-1);
    expect(m.find(0)).toBe(-1);
  });
  it('survives growth and compaction with many mappings and random lookups (property)', () => {
    const r = rng(5);
    const m = new MappingTable(1 << 16, 2);
    for (let i = 0; i < 3000; i++) {
      m.add(1 + i * 100, 1_000_000 + i * 100, 100, i);
      if (i % 700 === 0) m.prune(i * 100 - 60000);
      const k = randInt(r, Math.max(0, i - 300), i);
      const s = 1 + k * 100 + randInt(r, 0, 99);
      const hit = m.find(s);
      expect(hit).toBeGreaterThanOrEqual(0);
      expect(m.dsnAt(hit) + (s - m.ssnAt(hit))).toBe(1_000_000 + (s - 1));
    }
  });
  it('an infinite mapping covers everything after it', () => {
    const m = new MappingTable();
    m.add(1, 1, 100, 1);
    m.add(101, 101, Infinity, 2);
    expect(m.dsnAt(m.find(1e9))).toBe(101);
  });
});

/** SortedRecords with its searches opened to the test, and the live keys read back. */
class Keys extends SortedRecords {
  constructor() {
    super(2, 512, 2);
  }
  insert(k: number): void {
    const i = this.slot(k); // first: it may replace the array
    this.r[i * 2] = k;
  }
  drop(n: number): void {
    this.head = Math.min(this.tail, this.head + n);
  }
  live(): number[] {
    const out: number[] = [];
    for (let i = this.head; i < this.tail; i++) out.push(this.r[i * 2]!);
    return out;
  }
  lower(k: number): number {
    return this.lowerBound(k) - this.head;
  }
  upper(k: number): number {
    return this.upperBound(k) - this.head;
  }
}

describe('FlowTable', () => {
  it('a SYN that reopens a 4-tuple right after its last packet starts one new flow, which its later packets find', async () => {
    const a = { src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 80 };
    const back = { src: a.dst, dst: a.src, sport: a.dport, dport: a.sport };
    const other = { src: '10.0.0.3', dst: '10.0.0.4', sport: 40001, dport: 80 };
    const packets = [
      ipTcp({ ...other, flags: 'S', seq: 7 }),
      ipTcp({ ...a, flags: 'S', seq: 100 }),
      ipTcp({ ...back, flags: 'SA', seq: 900, ack: 101 }),
      ipTcp({ ...a, flags: 'A', seq: 101, ack: 901 }),
      // The same 4-tuple's packet just before, then a SYN with another sequence number: a new instance (Wireshark's rule).
      ipTcp({ ...a, flags: 'S', seq: 5000 }),
      // Another flow in between: the new instance's next packet is then found by its hash, not as the last flow.
      ipTcp({ ...other, flags: 'A', seq: 8, ack: 1 }),
      ipTcp({ ...back, flags: 'SA', seq: 7000, ack: 5001 }),
      ipTcp({ ...a, flags: 'A', seq: 5001, ack: 7001 }),
    ];
    const r = await analyzeCapture(pcapFile(packets.map((d, i) => ({ data: ethernet(d), ts: 1_700_000_000 + i * 0.001 })), { linkType: 1 }));
    expect(r.packets.map((p) => p.flow)).toEqual(['0', '1', '1', '1', '2', '0', '2', '2']);
  });
});

describe('SortedRecords', () => {
  it('lowerBound and upperBound, galloping from the newest, agree with a scan: repeated keys, late inserts, eviction, a moved head (property)', () => {
    const r = rng(11);
    const t = new Keys();
    for (let i = 0; i < 4000; i++) {
      // Mostly climbing keys with repeats, some late ones far back, as DSNs and sequence numbers come.
      const k = randInt(r, 0, 9) < 8 ? i * 3 + randInt(r, -4, 4) : randInt(r, 0, i * 3 + 1);
      t.insert(k);
      if (i % 97 === 0) t.drop(randInt(r, 0, 40));
      const keys = t.live();
      for (const q of [k, k - 1, k + 1, randInt(r, -5, i * 3 + 10), keys[0] ?? 0, (keys[keys.length - 1] ?? 0) + 1]) {
        const lower = keys.findIndex((x) => x >= q);
        const upper = keys.findIndex((x) => x > q);
        expect(t.lower(q), `lowerBound ${q}`).toBe(lower < 0 ? keys.length : lower);
        expect(t.upper(q), `upperBound ${q}`).toBe(upper < 0 ? keys.length : upper);
      }
    }
    expect(t.evicted).toBeGreaterThan(0);
  });
});

describe('SentLog', () => {
  it('reports overlaps with other subflows only, with the earlier frames and byte counts', () => {
    const s = new SentLog(1 << 17, 2);
    s.add(1, 1001, 0, 10, 1.0);
    s.add(1001, 2001, 0, 11, 1.1);
    s.add(2001, 3001, 1, 12, 1.2);
    expect(s.overlaps(501, 1501, 0, 16)).toBe(0);
    expect(s.overlaps(501, 1501, 1, 16)).toBe(1000);
    expect([...s.frames]).toEqual([10, 11]);
    expect([s.firstFrame, s.firstSubflow, s.firstTime]).toEqual([10, 0, 1.0]);
    expect(s.overlaps(2500, 2600, 0, 16)).toBe(100);
    expect(s.firstSubflow).toBe(1);
  });
  it('answers as one list in start order would, with several subflows, late segments, pruning and eviction (property)', () => {
    // The model: every entry in one list sorted by start (then arrival), scanned whole.
    type Entry = { s: number; e: number; sub: number; frame: number; time: number };
    const model: Entry[] = [];
    const cap = 64;
    const log = new SentLog(cap, 2);
    const r = rng(23);
    const next = [0, 0, 0];
    let evicted = 0;
    for (let i = 0; i < 6000; i++) {
      const sub = randInt(r, 0, 2);
      // Each subflow climbs on its own, some behind the others; now and then a segment goes back (a retransmission or a reinjection).
      const back = randInt(r, 0, 9) === 0;
      const s = back ? Math.max(0, next[sub]! - randInt(r, 0, 3000)) : next[sub]! + randInt(r, 0, 2) * 700;
      const e = s + randInt(r, 1, 1400);
      if (!back) next[sub] = Math.max(next[sub]!, e) + 1400 * randInt(r, 0, 2);
      const t = i * 0.001;
      const frame = i + 1;
      // The model's answer.
      let cur = s;
      let bytes = 0;
      let first: Entry | null = null;
      const frames = new Set<number>();
      for (const x of model) {
        if (x.s >= e) break;
        if (x.e <= s || x.sub === sub) continue;
        const lo = Math.max(x.s, cur);
        const hi = Math.min(x.e, e);
        if (hi > lo) {
          bytes += hi - lo;
          cur = hi;
        }
        if (first === null || x.time < first.time || (x.time === first.time && x.frame < first.frame)) first = x;
        frames.add(x.frame);
      }
      expect(log.overlaps(s, e, sub, 16), `segment ${i}`).toBe(bytes);
      if (bytes > 0 || first !== null) {
        expect([log.firstFrame, log.firstSubflow, log.firstTime]).toEqual([first!.frame, first!.sub, first!.time]);
        expect([...log.frames]).toEqual([...frames].sort((a, b) => a - b).slice(0, 16));
      } else expect(log.firstSubflow).toBe(-1);
      if (model.length === cap) {
        model.splice(0, cap >> 3);
        evicted += cap >> 3;
      }
      let at = model.length;
      while (at > 0 && model[at - 1]!.s > s) at--;
      model.splice(at, 0, { s, e, sub, frame, time: t });
      log.add(s, e, sub, frame, t);
      if (i % 5 === 0) {
        const acked = Math.min(...next) - 5000;
        const before = t - 0.02;
        while (model.length > 0 && model[0]!.e <= acked && model[0]!.time < before) model.shift();
        log.prune(acked, before);
      }
      expect(log.count).toBe(model.length);
    }
    expect(log.evicted).toBe(evicted);
    expect(evicted).toBeGreaterThan(0);
  });
  it('forgets what was acknowledged long ago', () => {
    const s = new SentLog();
    s.add(1, 101, 0, 1, 0);
    s.add(101, 201, 0, 2, 5);
    s.prune(150, 3);
    expect(s.count).toBe(1);
  });
});

describe('HoleTracker', () => {
  it('opens a hole above the data seen and closes it when next passes it', () => {
    const h = new HoleTracker();
    const closed: HoleClosed[] = [];
    const cb = (x: HoleClosed): void => void closed.push(x);
    expect(h.segment(1, 101, 1, 0, cb)).toBe(false);
    expect(h.segment(201, 301, 2, 1, cb)).toBe(true);
    expect(h.segment(401, 501, 3, 2, cb)).toBe(true);
    expect(h.ofoBytes).toBe(200);
    expect(h.openCount).toBe(2);
    expect(h.segment(101, 201, 4, 3, cb)).toBe(false);
    expect(closed).toEqual([{ start: 101, end: 201, openedFrame: 2, openedTime: 1 }]);
    expect(h.next).toBe(301);
    expect(h.segment(301, 401, 5, 4, cb)).toBe(false);
    expect(closed.map((c) => c.start)).toEqual([101, 301]);
    expect([h.next, h.ofoBytes, h.maxOfo, h.ofoSegments]).toEqual([501, 0, 200, 2]);
  });
});

describe('HoleTracker with many holes', () => {
  it('3,000 holes open, then closed in order as their gaps fill (the queue compacted on the way); the oldest dropped past maxOpen; drain hands out the rest once', () => {
    const h = new HoleTracker();
    const closed: HoleClosed[] = [];
    const cb = (x: HoleClosed): void => void closed.push(x);
    // Every other 100 bytes arrive first: a hole below each.
    for (let i = 0; i < 3000; i++) h.segment(101 + i * 200, 201 + i * 200, i, i, cb);
    expect(h.openCount).toBe(3000);
    for (let i = 0; i < 3000; i++) {
      h.segment(1 + i * 200, 101 + i * 200, 10000 + i, 10000 + i, cb);
      expect(h.openCount).toBe(2999 - i);
    }
    expect(closed.map((x) => x.start)).toEqual(Array.from({ length: 3000 }, (_, i) => 1 + i * 200));
    expect(closed[2999]).toEqual({ start: 599801, end: 599901, openedFrame: 2999, openedTime: 2999 });
    expect(h.next).toBe(600001);
    const few = new HoleTracker(3);
    for (let i = 0; i < 5; i++) few.segment(101 + i * 200, 201 + i * 200, i, i, cb);
    expect([few.openCount, few.dropped]).toEqual([3, 2]);
    const left: number[] = [];
    few.drain((x) => left.push(x.openedFrame));
    expect(left).toEqual([2, 3, 4]);
    few.drain((x) => left.push(x.openedFrame));
    expect([left.length, few.openCount]).toEqual([3, 0]);
  });
});

describe('CopyFilter', () => {
  it('a packet seen again within a second with every field the same is a copy; a later TSval, another IP ID, another flow or direction, or a second later is not', () => {
    const f = new CopyFilter();
    // flow, fromA, seq, ack, len, flags, window, checksum, IP ID, TSval, TSecr, time
    expect(f.seen(3, true, 1000, 2000, 1448, 0x18, 501, 0xbeef, 77, 900, 800, 10)).toBe(false);
    expect(f.seen(3, true, 1000, 2000, 1448, 0x18, 501, 0xbeef, 77, 900, 800, 10.0001)).toBe(true);
    // A retransmission: a new TSval (the checksum captured at the sender may not show it), or a new IP ID.
    expect(f.seen(3, true, 1000, 2000, 1448, 0x18, 501, 0xbeef, 77, 927, 800, 10.2)).toBe(false);
    expect(f.seen(3, true, 1000, 2000, 1448, 0x18, 501, 0xbeef, 78, 927, 800, 10.2)).toBe(false);
    expect(f.seen(4, true, 1000, 2000, 1448, 0x18, 501, 0xbeef, 78, 927, 800, 10.2)).toBe(false);
    expect(f.seen(4, false, 1000, 2000, 1448, 0x18, 501, 0xbeef, 78, 927, 800, 10.2)).toBe(false);
    expect(f.seen(4, false, 1000, 2000, 1448, 0x18, 501, 0xbeef, 78, 927, 800, 11.5)).toBe(false);
    // Sequence numbers above 2^31 (stored as 32-bit integers).
    expect(f.seen(5, true, 4_000_000_000, 2000, 1448, 0x18, 501, 0xbeef, 1, 1, 1, 20)).toBe(false);
    expect(f.seen(5, true, 4_000_000_000, 2000, 1448, 0x18, 501, 0xbeef, 1, 1, 1, 20.5)).toBe(true);
  });
});

describe('DSS checksum', () => {
  it('is verified across segments and against the pseudo-header', () => {
    const data = Uint8Array.from([1, 2, 3, 4, 5, 6, 7]);
    const ref = new ChecksumCheck();
    // The sum computed here in one go; fed in two parts it must agree.
    let acc = 0x0000 + 0x0001 + 0x0000 + 0x0002 + 0 + 5 + 7;
    for (let i = 0; i + 1 < data.length; i += 2) acc += (data[i]! << 8) | data[i + 1]!;
    acc += data[6]! << 8;
    while (acc > 0xffff) acc = (acc & 0xffff) + (acc >>> 16);
    const sum = ~acc & 0xffff;
    ref.start(1, 2, 5, 5, 7, 7, sum, 1, 1);
    expect(ref.feed(data, 0, 3, 3, 5)).toBeNaN();
    expect(ref.feed(data, 3, 4, 4, 8)).toBe(CSUM_OK);
    const bad = new ChecksumCheck();
    bad.start(1, 2, 5, 5, 7, 7, sum ^ 1, 1, 1);
    expect(bad.feed(data, 0, 7, 7, 5)).toBe(CSUM_BAD);
    const cut = new ChecksumCheck();
    cut.start(1, 2, 5, 5, 7, 7, sum, 1, 1);
    expect(cut.feed(data, 0, 7, 4, 5)).toBe(CSUM_UNVERIFIABLE);
  });
});

describe('ConnectionSlot', () => {
  it('is taken once per detector module: analyses run one after another in a process do not widen every connection', () => {
    const sink = { connection: () => {}, subflow: () => {}, event: () => {} } as unknown as AnalysisSink;
    new Analyzer(sink);
    const count = ConnectionSlot.count;
    // MPTCP RTT, flight, handover and subflow RTT keep per-connection state.
    expect(count).toBe(4);
    for (let i = 0; i < 5; i++) new Analyzer(sink);
    expect(ConnectionSlot.count).toBe(count);
  });
});
