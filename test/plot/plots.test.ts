import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/cli/analyze.js';
import { MAX_PLOTTED_CONNECTIONS, MAX_PLOTTED_SUBFLOWS, NumberRuns } from '../../src/plot/collector.js';
import { Decimated } from '../../src/plot/decimate.js';
import { Recent, Zoom, zoomSpan } from '../../src/plot/zoom.js';
import { columns, PLOT_WIDTH } from '../../src/plot/render.js';
import { mp } from '../helpers/build.js';

/** Values counted in all of a series' buckets. */
function counted(d: Decimated): number {
  let n = 0;
  for (let k = 0; k < d.buckets; k++) n += d.count(k);
  return n;
}
import { runCli } from '../helpers/cli.js';
import { Conversation, joinMac, keyInfo } from '../helpers/conversation.js';
import { HAVE_TRACES, ROOT, TRACES } from '../helpers/shared.js';
import { expectGolden } from '../helpers/golden.js';
import { checkSvg, eventMarks, timeTicks } from '../helpers/svg.js';

const HANDOVER = join(ROOT, 'fixtures', 'lab', 'handover.client.pcap');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'mptrace-plot-'));

describe('plots of the handover capture', async () => {
  const out = join(tmp(), 'out');
  const r = await analyze(HANDOVER, { out });
  const svg = (name: string): string => readFileSync(join(out, 'plots', name), 'utf8');

  it('writes the DSN, goodput and OFO plots of the download, the handover close up and the timeline; not the 16-byte request', () => {
    const files = ['conn-0-s2c-dsn.svg', 'conn-0-s2c-flight.svg', 'conn-0-s2c-goodput.svg', 'conn-0-s2c-handover-0.svg', 'conn-0-s2c-ofo.svg', 'conn-0-s2c-rtt.svg', 'conn-0-timeline.svg'];
    expect(readdirSync(join(out, 'plots')).sort()).toEqual(files);
    expect(r.summary.plots!.connections_not_plotted).toEqual([]);
    // In summary.json, per connection: each direction's plots, the close ups, the timeline.
    expect(r.summary.plots!.files).toEqual(['s2c-dsn', 's2c-goodput', 's2c-ofo', 's2c-rtt', 's2c-flight', 's2c-handover-0', 'timeline'].map((f) => `plots/conn-0-${f}.svg`));
    expect(r.summary.plots!.directions_not_plotted).toEqual([{ conn: 0, dir: 'c2s', unique_bytes: 16, reason: 'fewer than 4096 unique bytes' }]);
  });

  it('every plot is well-formed SVG, 960x540, drawn with a few hundred elements at most', () => {
    for (const f of r.summary.plots!.files) {
      const text = readFileSync(join(out, f), 'utf8');
      expect(text.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="960"'), f).toBe(true);
      const check = checkSvg(text);
      expect(check, f).not.toHaveProperty('error');
      expect((check as { elements: number }).elements, f).toBeLessThan(600);
      expect(text.length, f).toBeLessThan(80_000);
    }
  });

  it('the s2c DSN plot marks the handover to subflow 1 where handovers.csv puts it (1.5036 s after the first data)', () => {
    const text = svg('conn-0-s2c-dsn.svg');
    const ticks = timeTicks(text);
    expect(ticks.map(([v]) => v).slice(0, 8)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const perSecond = ticks[1]![1] - ticks[0]![1];
    const mark = eventMarks(text).find((e) => e.label === 'handover → 1');
    expect(mark).toBeDefined();
    // The handover row's time minus the connection's first data (the plot's time 0, printed under the title).
    const t0 = Number(/time 0 = the connection's first data, ([\d.]+)/.exec(text)![1]);
    expect(t0).toBeCloseTo(1795371252.06721684, 6);
    expect(mark!.x / perSecond).toBeCloseTo(1795371253.570850413 - t0, 2);
    expect(text).toContain('subflow 1 (join, backup)');
  });

  it('the close up spans the handover from 0.25 s + the stall before to 0.5 s + twice the stall after, and shades its 8 holes', () => {
    const text = svg('conn-0-s2c-handover-0.svg');
    expect(text).toContain('connection 0 s2c: handover 0, subflow 0 → 1, close up');
    const ticks = timeTicks(text);
    const perSecond = (ticks.at(-1)![1] - ticks[0]![1]) / (ticks.at(-1)![0] - ticks[0]![0]);
    // Time at the left edge (x = 0) and at the right edge (x = PLOT_WIDTH) of the plot.
    const left = ticks[0]![0] - ticks[0]![1] / perSecond;
    const right = left + PLOT_WIDTH / perSecond;
    const t = 1795371253.570850413 - 1795371252.06721684;
    const stall = 0.201482281;
    expect(left).toBeCloseTo(t - 0.25 - stall, 2);
    expect(right).toBeCloseTo(t + 0.5 + 2 * stall, 2);
    expect(eventMarks(text).map((e) => e.label)).toEqual(['handover → 1']);
    // holes.csv: 8 holes of 1420 bytes opened 1.963 s to 1.971 s after time 0, each filled 37.5 ms later.
    expect(text.match(/<rect class="hole"/g)).toHaveLength(8);
  });

  it('the README shows the close up and the timeline exactly as mptrace draws them (docs/img, UPDATE_GOLDEN=1 to refresh)', () => {
    expectGolden(join(ROOT, 'docs', 'img', 'handover-close-up.svg'), svg('conn-0-s2c-handover-0.svg'));
    expectGolden(join(ROOT, 'docs', 'img', 'handover-timeline.svg'), svg('conn-0-timeline.svg'));
  });

  it('the timeline shows subflow 1 as a backup and the handover s2c 0→1', () => {
    const text = svg('conn-0-timeline.svg');
    expect(text).toContain('handover s2c 0→1');
    expect(text).toContain('subflow 1');
    expect(text).toContain('subflow 1: 10.2.1.1:53593 ↔ 10.1.2.1:5201 (join, backup, close fin)');
  });
});

describe('plot outputs', () => {
  it('--no-plots writes none and summary.json says plots: null', () => {
    const out = join(tmp(), 'out');
    const r = runCli(['analyze', HANDOVER, '--no-plots', '-q', '-o', out]);
    expect(r.code).toBe(0);
    expect(existsSync(join(out, 'plots'))).toBe(false);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).plots).toBeNull();
  });

  it('a second run into the same directory removes the outputs the first wrote and it did not; other files stay', async () => {
    const out = join(tmp(), 'out');
    await analyze(HANDOVER, { out, packets: true });
    writeFileSync(join(out, 'notes.txt'), 'mine');
    // A short c2s-only transfer (TFO data on the SYN): four plots, none of them s2c (no RTT sample: the SYN/ACK covers the SYN, not its data).
    const r = await analyze(join(ROOT, 'fixtures', 'public', 'ptcpdump-tfo.pcap'), { out });
    expect(readdirSync(out).sort()).toEqual(['connections.csv', 'events.csv', 'flight.csv', 'handovers.csv', 'holes.csv', 'notes.txt', 'plots', 'reinjections.csv', 'report.html', 'rtt.csv', 'subflows.csv', 'summary.json']);
    expect(r.summary.plots!.files).toEqual(['plots/conn-0-c2s-dsn.svg', 'plots/conn-0-c2s-goodput.svg', 'plots/conn-0-c2s-flight.svg', 'plots/conn-0-timeline.svg']);
    expect(readdirSync(join(out, 'plots')).sort().map((f) => `plots/${f}`)).toEqual([...r.summary.plots!.files].sort());
  });

  it(`plots the first ${MAX_PLOTTED_CONNECTIONS} connections with data and counts the others`, async () => {
    const packets: Conversation['packets'] = [];
    const n = MAX_PLOTTED_CONNECTIONS + 4;
    for (let i = 0; i < n; i++) {
      const key = 0x0102030405060700n + BigInt(i);
      const c = new Conversation(['10.0.0.1', 40000 + i], ['10.0.0.2', 80], { packets });
      c.send('c', 'S', [mp.capable({ version: 1 })], 0, { t: 1_700_000_000 + i });
      c.send('s', 'SA', [mp.capable({ version: 1, senderKey: 0x11n + BigInt(i) })]);
      c.send('c', 'A', [mp.capable({ version: 1, senderKey: key, receiverKey: 0x11n + BigInt(i) })]);
      const idsn = keyInfo(1, key).idsn;
      c.send('c', 'PA', [mp.dss({ dsn: idsn + 1n, ssn: 1, len: 100 })], 100);
    }
    const dir = tmp();
    writeFileSync(join(dir, 'many.pcap'), new Conversation(['0.0.0.0', 0], ['0.0.0.0', 0], { packets }).pcap());
    const r = await analyze(join(dir, 'many.pcap'), { out: join(dir, 'out') });
    expect(r.summary.totals.connections).toBe(n);
    expect(r.summary.plots!.connections_not_plotted).toEqual([16, 17, 18, 19]);
    const timelines = r.summary.plots!.files.filter((f) => f.endsWith('timeline.svg'));
    expect(timelines).toHaveLength(MAX_PLOTTED_CONNECTIONS);
    expect(timelines.at(-1)).toBe(`plots/conn-${MAX_PLOTTED_CONNECTIONS - 1}-timeline.svg`);
  });
});

describe('a connection with 40 subflows', async () => {
  const KC = 0x0102030405060708n;
  const KS = 0x1112131415161718n;
  const c = new Conversation(['10.0.0.1', 40000], ['10.0.0.2', 80]);
  c.send('c', 'S', [mp.capable({ version: 1 })], 0, { t: 1_700_000_000 });
  c.send('s', 'SA', [mp.capable({ version: 1, senderKey: KS })]);
  c.send('c', 'A', [mp.capable({ version: 1, senderKey: KC, receiverKey: KS })]);
  const idsn = keyInfo(1, KC).idsn;
  let rel = 1;
  for (let i = 1; i < 40; i++) {
    const j = new Conversation([`10.0.${i}.1`, 41000 + i], ['10.0.0.2', 80], { packets: c.packets });
    j.send('c', 'S', [mp.joinSyn({ addrId: i, token: keyInfo(1, KS).token, nonce: i })]);
    j.send('s', 'SA', [mp.joinSynAck({ addrId: 0, hmac: joinMac(1, KS, KC, 1000 + i, i), nonce: 1000 + i })]);
    j.send('c', 'A', [mp.joinAck(joinMac(1, KC, KS, i, 1000 + i))]);
    j.send('c', 'PA', [mp.dss({ dsn: idsn + BigInt(rel), ssn: 1, len: 1000 })], 1000);
    rel += 1000;
  }
  const dir = tmp();
  writeFileSync(join(dir, 'subflows.pcap'), c.pcap());
  const r = await analyze(join(dir, 'subflows.pcap'), { out: join(dir, 'out') });
  const svg = (name: string): string => readFileSync(join(dir, 'out', 'plots', name), 'utf8');

  it(`draws the first ${MAX_PLOTTED_SUBFLOWS} subflows with data in their own colours and the others together`, () => {
    expect(r.summary.connections[0]!.subflows).toHaveLength(40);
    const text = svg('conn-0-c2s-dsn.svg');
    // Subflows 1 to 7 carried data (subflow 0 none): series 0 to 7 (0 empty), then one for subflows 8 to 39.
    expect(text).toContain('subflow 7 (join)');
    expect(text).toContain('subflows 8 to 39');
    expect(text).not.toContain('subflow 8 (join)');
  });

  it('the timeline has 32 rows and says how many subflows it leaves out', () => {
    const text = svg('conn-0-timeline.svg');
    expect(text).toContain('subflow 31:');
    expect(text).not.toContain('subflow 32:');
    expect(text).toContain('8 more subflows not shown (subflows.csv has them)');
  });
});

describe.skipIf(!HAVE_TRACES)('the data ACK line of a connection that fell back', () => {
  it('ends where the last data ACK was seen (the fallback), not at the connection end 1.7 s later', async () => {
    const out = join(tmp(), 'out');
    await analyze(join(TRACES, 'lab', 'fallback-middlebox.client.pcap'), { out });
    const text = readFileSync(join(out, 'plots', 'conn-0-s2c-dsn.svg'), 'utf8');
    const fallback = eventMarks(text).find((e) => e.label === 'fallback (0)')!;
    const ack = /class="ack" d="([^"]*)"/.exec(text)![1]!;
    const lastX = Number(/L([\d.]+),[\d.]+$/.exec(ack)![1]);
    // The mark is at 118.9 px, the subflow FIN at the plot's right edge (847.3 px).
    expect(fallback.x).toBeCloseTo(118.9, 1);
    expect(lastX).toBeGreaterThanOrEqual(fallback.x);
    expect(lastX - fallback.x).toBeLessThan(5);
  });
});

describe('Decimated', () => {
  it('a bucket of distant DSN ranges is two marks at its extremes, never one stroke across the DSNs between', () => {
    const d = new Decimated(1024, 0.01);
    // client_2's case: a few reinjections near 640 kB and new data near 1.85 MB in one bucket.
    d.addSpan(0.001, 640_000, 641_400);
    d.addSpan(0.002, 1_850_000, 1_851_400);
    // The next bucket: contiguous new data.
    for (let i = 0; i < 10; i++) d.addSpan(0.0115 + i * 0.0001, 1_851_400 + i * 1400, 1_852_800 + i * 1400);
    const y = (v: number): number => 500 - v / 4000;
    const path = columns(d, (t) => t * 1000, y, true);
    expect(path).toBe('M6,340v-2M6,37.1v2M16,37.1V33.6');
  });

  it('a million points fold into at most 1024 buckets, keeping every extreme, the total and the order', () => {
    const d = new Decimated();
    let total = 0;
    for (let i = 0; i < 1_000_000; i++) {
      const t = i * 0.001;
      const v = i % 1000 === 500 ? -i : i;
      d.add(t, v);
      total += v;
    }
    expect(d.used).toBeLessThanOrEqual(1024);
    expect(d.width).toBe(0.001 * 1024);
    let sum = 0;
    let count = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let k = 0; k < d.used; k++) {
      sum += d.sum(k);
      count += d.count(k);
      min = Math.min(min, d.min(k));
      max = Math.max(max, d.max(k));
    }
    expect(count).toBe(1_000_000);
    expect(sum).toBe(total);
    expect(min).toBe(-999_500);
    expect(max).toBe(999_999);
    expect(d.last(d.used - 1)).toBe(999_999);
  });

  it('buckets made as time needs them hold what buckets made at once would, through growth, jumps and coarsening', () => {
    // A model with every bucket from the start: [min, max, sum, last, count] per bucket, coarsened in pairs.
    const n = 64;
    let width = 0.001;
    let model: number[][] = Array.from({ length: n }, () => [0, 0, 0, 0, 0]);
    const d = new Decimated(n, width);
    let x = 7;
    const rnd = (): number => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
    let t = 0;
    let t0 = NaN;
    for (let i = 0; i < 5000; i++) {
      // Mostly small steps, sometimes a jump far ahead (past the buckets made so far, or past all of them), sometimes back in time.
      const r = rnd();
      t = r < 0.02 ? t + rnd() * 0.5 : r < 0.04 ? Math.max(0, t - rnd() * 0.01) : t + rnd() * 0.0004;
      const v = Math.floor(rnd() * 1000) - 500;
      d.add(t, v);
      if (Number.isNaN(t0)) t0 = t;
      const at = (): number => Math.max(0, Math.floor((t - t0) / width));
      let k = at();
      while (k >= n) {
        model = Array.from({ length: n }, (_, w) => {
          const a = model[2 * w];
          const b = model[2 * w + 1];
          if (a === undefined || a[4] === 0) return b === undefined ? [0, 0, 0, 0, 0] : [...b];
          if (b === undefined || b[4] === 0) return [...a];
          return [Math.min(a[0]!, b[0]!), Math.max(a[1]!, b[1]!), a[2]! + b[2]!, b[3]!, a[4]! + b[4]!];
        });
        width *= 2;
        k = at();
      }
      const m = model[k]!;
      if (m[4] === 0) [m[0], m[1]] = [v, v];
      else [m[0], m[1]] = [Math.min(m[0]!, v), Math.max(m[1]!, v)];
      m[2]! += v;
      m[3] = v;
      m[4]! += 1;
    }
    expect(d.width).toBe(width);
    expect(d.width).toBeGreaterThan(0.001 * 64);
    for (let k = 0; k < n; k++) {
      const m = model[k]!;
      expect([d.count(k), d.sum(k)], `bucket ${k}`).toEqual([m[4], m[2]]);
      if (m[4]! > 0) expect([d.min(k), d.max(k), d.last(k)], `bucket ${k}`).toEqual([m[0], m[1], m[3]]);
    }
    // Past the buckets: empty.
    expect([d.count(n), d.sum(n + 5), d.fresh(2 * n)]).toEqual([0, 0, 0]);
  });
});

describe('handover close ups', () => {
  const handover = { conn: 0, dir: 1, time: 15, frame: 1, fromSubflow: 0, toSubflow: 3, stall: 0.5, stallFrom: 14.4, trigger: '' };

  it('span the stall: 0.25 s + stall before, 0.5 s + twice the stall after, at most 10 s and 20 s', () => {
    expect(zoomSpan(15, 0.5)).toEqual({ from: 14.25, to: 16.5 });
    expect(zoomSpan(100, 30)).toEqual({ from: 90, to: 120 });
  });

  it('replay what the direction still remembers, and say from when when the rest was overwritten', () => {
    const r = new Recent();
    // 20,000 segments 1 ms apart (0 to 19.999 s), the last thousand reinjections on subflow 3; data ACKs every 10 ms.
    for (let i = 0; i < 20_000; i++) {
      r.segment(i / 1000, i * 100, i * 100 + 100, i >= 19_000 ? 3 : 0, i >= 19_000);
      if (i % 10 === 0) r.ack(i / 1000, i * 100);
    }
    // 22,000 entries in all: the oldest 5,616 are gone, the oldest kept is segment 5,105 (t = 5.105 s).
    const z = new Zoom(handover, 0, 1, 25);
    r.replay(z.from, z);
    expect(z.keptFrom).toBe(5.105);
    expect(z.dsn).toHaveLength(4);
    // One count per segment replayed.
    expect(counted(z.dsn[0]!)).toBe(19_000 - 5_105);
    expect(counted(z.dsn[3]!)).toBe(1000);
    expect(z.reinjections).toHaveLength(1000);
    expect(z.reinjectionsLeftOut).toBe(500);
    expect([z.reinjections[0], z.reinjections[1]]).toEqual([19, 1_900_000]);
    // A later span is all there: nothing overwritten.
    const late = new Zoom(handover, 1, 14.25, 16.5);
    r.replay(late.from, late);
    expect(late.keptFrom).toBe(14.25);
    // 225 ACKs in the span, and the one in force at its start (14.24 s), drawn at 14.25 s with the ACK of 14.25 s in the first bucket: the step line starts at the edge.
    expect(counted(late.acks)).toBe(226);
    expect([late.acks.min(0), late.acks.max(0)]).toEqual([1_424_000, 1_425_000]);
  });
});

describe('connections left without plots', () => {
  it('are kept as runs and given back ascending, each once as pushed, whatever the order', () => {
    const runs = new NumberRuns();
    for (const n of [16, 17, 18, 19, 20, 25, 21, 22, 26, 3, 1_000_000, 23]) runs.push(n);
    expect(runs.sorted()).toEqual([3, 16, 17, 18, 19, 20, 21, 22, 23, 25, 26, 1_000_000]);
    const many = new NumberRuns();
    for (let n = 16; n < 100_016; n++) many.push(n);
    const all = many.sorted();
    expect(all).toHaveLength(100_000);
    expect([all[0], all[99_999]]).toEqual([16, 100_015]);
    expect(new NumberRuns().sorted()).toEqual([]);
  });
});
