/**
 * `mptrace compare` on both ends of one lab run (fixtures/lab/lossy*: the
 * server's and the client's capture, and the router's drop counters of
 * that run in lossy.json): what was lost between the captures must be
 * what the router dropped, path by path.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { compare, type CompareResult } from '../../src/cli/compare.js';
import { runCli } from '../helpers/cli.js';
import { parseCsv } from '../helpers/csv.js';
import { HAVE_TRACES, ROOT, TRACES } from '../helpers/shared.js';
import { checkSvg } from '../helpers/svg.js';

const LAB = join(ROOT, 'fixtures', 'lab');
const CLIENT = join(LAB, 'lossy.client.pcap');
const SERVER = join(LAB, 'lossy.pcapng');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'mptrace-compare-'));

/** lost.csv per router egress: rcP towards the client on path P (the client's address names the path), rsP towards the server. */
function lostPerEgress(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of parseCsv(readFileSync(join(dir, 'lost.csv'), 'utf8'))) {
    const client = r.dir === 'c2s' ? r.src_addr! : r.dst_addr!;
    const key = `${r.dir === 'c2s' ? 'rs' : 'rc'}${client.startsWith('10.1.') ? 1 : client.startsWith('10.2.') ? 2 : '?'}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

/** A copy of a classic pcap with every timestamp moved by `seconds` (whole seconds: the record's seconds field). */
function shifted(file: string, seconds: number): string {
  const b = Buffer.from(readFileSync(file));
  const le = b.readUInt32LE(0) === 0xa1b2c3d4 || b.readUInt32LE(0) === 0xa1b23c4d;
  for (let o = 24; o + 16 <= b.length; ) {
    const sec = le ? b.readUInt32LE(o) : b.readUInt32BE(o);
    if (le) b.writeUInt32LE(sec + seconds, o);
    else b.writeUInt32BE(sec + seconds, o);
    o += 16 + (le ? b.readUInt32LE(o + 8) : b.readUInt32BE(o + 8));
  }
  const out = join(tmp(), 'shifted.pcap');
  writeFileSync(out, b);
  return out;
}

/** The first `n` records of a classic pcap: a capture stopped early. */
function firstRecords(file: string, n: number): string {
  const b = readFileSync(file);
  let o = 24;
  for (let i = 0; i < n && o + 16 <= b.length; i++) o += 16 + b.readUInt32LE(o + 8);
  const out = join(tmp(), 'cut.pcap');
  writeFileSync(out, b.subarray(0, o));
  return out;
}

/** A gzipped fixture decompressed to a file (the command line spools one so; compare() reads files). */
function gunzipped(file: string): string {
  const out = join(tmp(), basename(file, '.gz'));
  writeFileSync(out, gunzipSync(readFileSync(file)));
  return out;
}

describe('compare on both ends of the lossy lab run (bundled)', () => {
  let r: CompareResult;
  let dir: string;
  beforeAll(async () => {
    dir = join(tmp(), 'out');
    r = await compare(CLIENT, SERVER, { out: dir });
  });

  it('pairs the connection and its two subflows by token and join nonce, and says which capture is nearer the client', () => {
    const c = r.summary.connections;
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ a: 0, b: 0, server_token: 0x1d2286c0, nearer_client: 'a' });
    expect(c[0]!.subflows.map((s) => [s.a, s.b, s.kind, s.c2s.upstream, s.s2c.upstream])).toEqual([
      [0, 0, 'initial', 'a', 'b'],
      [1, 1, 'join', 'a', 'b'],
    ]);
    expect(r.summary.totals).toEqual({ matched: 10432, lost: 237, only_downstream: 0, outside: 0, unidentified: { a: 0, b: 0 } });
  });

  it('loses exactly what the router dropped on each path and direction (lossy.json router_drops)', () => {
    const truth = (JSON.parse(readFileSync(join(LAB, 'lossy.json'), 'utf8')) as { router_drops: Record<string, number> }).router_drops;
    expect(truth).toEqual({ rc1: 113, rs1: 90, rc2: 34 });
    expect(lostPerEgress(dir)).toEqual(truth);
    // The 3% loss rule takes ACKs towards the server as well as data towards the client.
    const s0 = r.summary.connections[0]!.subflows[0]!;
    expect([s0.c2s.lost, s0.c2s.lost_data, s0.s2c.lost, s0.s2c.lost_data]).toEqual([90, 0, 113, 113]);
  });

  it('one clock (both captures on one host): no one-way delay is negative, and it says which offsets the data allows', () => {
    expect(r.summary.clock).toEqual({ mode: 'one-clock', offset: 0, range: [-0.000004378, 0.000002934] });
    const owd = parseCsv(readFileSync(join(dir, 'owd.csv'), 'utf8'));
    expect(owd).toHaveLength(10432);
    expect(owd.filter((x) => Number(x.owd) < 0)).toEqual([]);
    // The SYN: sent by the client at its capture, seen 36.4 µs later at the server's.
    expect(owd[0]).toMatchObject({ conn: '0', subflow: '0', dir: 'c2s', sent_by: 'a', sent_frame: '1', received_frame: '1', len: '0', owd: '0.000036444' });
    const s2c = r.summary.connections[0]!.subflows[0]!.s2c.owd!;
    expect(s2c).toMatchObject({ samples: 3586, min: 0.000006013, max: 0.038711503 });
  });

  it('head-of-line blocking at the client: 72% of the 8 MB waited for a hole, 163 ms at worst', () => {
    const h = r.summary.connections[0]!.s2c.head_of_line!;
    expect(h).toMatchObject({ bytes: 8000000, delayed_bytes: 5740416, delayed_share: 0.7176, undelivered_bytes: 0 });
    expect(h.worst[0]).toEqual({ dsn_start: 7273241, dsn_end: 7594977, arrived: '1796533840.223360321', delivered: '1796533840.386394061', wait: 0.16303374 });
  });

  it('plots, per direction from the capture nearer the sender: the DSN plot with every lost data packet marked, and the one-way delays', () => {
    expect((r.summary as { plots?: string[] }).plots).toEqual(['plots/conn-0-c2s-dsn.svg', 'plots/conn-0-c2s-owd.svg', 'plots/conn-0-s2c-dsn.svg', 'plots/conn-0-s2c-owd.svg']);
    const dsn = readFileSync(join(dir, 'plots', 'conn-0-s2c-dsn.svg'), 'utf8');
    expect(checkSvg(dsn)).not.toHaveProperty('error');
    // 147 lost data packets towards the client, each a cross (two strokes) in the loss path.
    const lost = /<path class="lost" d="([^"]+)"/.exec(dsn)![1]!;
    expect(lost.match(/M/g)).toHaveLength(2 * 147);
    expect(dsn).toContain('connection 0 s2c (capture b → a): data sequence per subflow, packets lost on the way (red)');
    expect(checkSvg(readFileSync(join(dir, 'plots', 'conn-0-s2c-owd.svg'), 'utf8'))).not.toHaveProperty('error');
  });

  it('the command line writes the files and a summary', () => {
    const out = join(tmp(), 'cli');
    const run = runCli(['compare', CLIENT, SERVER, '-o', out]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('clock: one clock fits (no delay negative; offsets from -0.000004378 to 0.000002934 s fit)');
    expect(run.stdout).toContain('subflow a0 = b0 (initial): c2s 2973 paired, 90 lost');
    expect(run.stdout).toContain('totals: 10432 packets paired, 237 lost between the captures');
    for (const f of ['owd.csv', 'lost.csv', 'reinjections.csv', 'summary.json']) expect(readFileSync(join(out, f), 'utf8').length).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'owd.csv'), 'utf8')).toBe(readFileSync(join(dir, 'owd.csv'), 'utf8'));
  });
});

describe('compare with two clocks', () => {
  it('a client clock 3 s ahead: the offset is estimated from the least delays both ways, within its range, and the losses do not move', async () => {
    const dir = join(tmp(), 'out');
    const r = await compare(shifted(CLIENT, 3), SERVER, { out: dir });
    expect(r.summary.clock.mode).toBe('estimated');
    const [lo, hi] = r.summary.clock.range as [number, number];
    // b's clock minus a's is 3 s less, within the few µs the least delays leave open.
    expect(r.summary.clock.offset).toBeCloseTo(-3, 4);
    expect(lo).toBeLessThanOrEqual(r.summary.clock.offset);
    expect(hi).toBeGreaterThanOrEqual(r.summary.clock.offset);
    expect(lostPerEgress(dir)).toEqual({ rc1: 113, rs1: 90, rc2: 34 });
    const owd = parseCsv(readFileSync(join(dir, 'owd.csv'), 'utf8'));
    expect(owd.filter((x) => Number(x.owd) < -1e-6)).toEqual([]);
    expect(r.summary.warnings.some((w) => w.startsWith("the captures' clocks differ"))).toBe(true);
  });

  it('clocks further apart than a packet waits for its twin (10 s, an hour): read again in step by the subflows both captures name, the same pairs and losses', async () => {
    for (const hours of [10 / 3600, 1]) {
      const dir = join(tmp(), 'out');
      const r = await compare(shifted(CLIENT, Math.round(hours * 3600)), SERVER, { out: dir, plots: false });
      // Both paired nothing and said "one clock" before, with no warning.
      expect(r.summary.totals).toEqual({ matched: 10432, lost: 237, only_downstream: 0, outside: 0, unidentified: { a: 0, b: 0 } });
      expect(r.summary.clock.mode).toBe('estimated');
      expect(r.summary.clock.offset).toBeCloseTo(-hours * 3600, 4);
      expect(lostPerEgress(dir)).toEqual({ rc1: 113, rs1: 90, rc2: 34 });
    }
  });

  it('--same-clock keeps the delays as stamped', async () => {
    const r = await compare(CLIENT, SERVER, { out: join(tmp(), 'out'), sameClock: true });
    expect(r.summary.clock).toMatchObject({ mode: 'same', offset: 0 });
  });
});

describe('compare when a capture stops early', () => {
  it("what the server sent after the client's capture stopped is not counted lost", async () => {
    const dir = join(tmp(), 'out');
    // The client's capture cut at half its packets: the server's later ones never had a chance to be seen.
    const r = await compare(firstRecords(CLIENT, 5000), SERVER, { out: dir });
    // Up to the cut, the losses are among the router's (rc1 113, rs1 90, rc2 34 over the whole run).
    expect(lostPerEgress(dir)).toEqual({ rc1: 50, rs1: 37, rc2: 34 });
    // The server's packets after the cut, and what it received from the client after it: neither lost nor missed.
    expect(r.summary.totals).toEqual({ matched: 4963, lost: 121, only_downstream: 0, outside: 5532, unidentified: { a: 0, b: 0 } });
    expect(r.summary.warnings.some((w) => /5532 packets were sent or seen when the other capture was not running/.test(w))).toBe(true);
  });
});

describe('compare when one capture finished connections before the end (a busy capture)', () => {
  it('a FIN sent again after its connection was finished at one capture point is paired, not counted lost', async () => {
    // Both ends of the short-lossy lab run: 600 short connections, 5% loss on path 1.
    const a = gunzipped(join(LAB, 'short-lossy.pcapng.gz'));
    const b = gunzipped(join(LAB, 'short-lossy.client.pcap.gz'));
    const early = join(tmp(), 'early');
    const atEnd = join(tmp(), 'end');
    // From 128 tracked connections on, those over are finished: 14 of the server's packets come after.
    const e = await compare(a, b, { out: early, sameClock: true, plots: false, limits: { overBusy: 128 } });
    const z = await compare(a, b, { out: atEnd, sameClock: true, plots: false });
    expect(e.summary.captures.a.warnings).toEqual([expect.stringMatching(/^14 packets came after their connection had closed and been finished/)]);
    expect(z.summary.captures.a.warnings).toEqual([]);
    // Without the late packets, 8 of the client's FINs had no twin (counted lost) and 8 of the server's were "seen only downstream".
    expect(e.summary.totals).toEqual({ matched: 17339, lost: 523, only_downstream: 0, outside: 0, unidentified: { a: 0, b: 3 } });
    expect(z.summary.totals).toEqual(e.summary.totals);
    for (const f of ['lost.csv', 'owd.csv']) expect(readFileSync(join(early, f), 'utf8')).toBe(readFileSync(join(atEnd, f), 'utf8'));
    expect(lostPerEgress(early)).toEqual({ rs1: 270, rc1: 253 });
  });
});

describe.skipIf(!HAVE_TRACES)('compare on the shared lab pairs', () => {
  it('lab/many: all 20 connections and 40 subflows paired, by token even though each capture numbers them on its own', async () => {
    const r = await compare(join(TRACES, 'lab', 'many.client.pcap'), join(TRACES, 'lab', 'many.pcapng'), { out: join(tmp(), 'out') });
    expect(r.summary.connections).toHaveLength(20);
    expect(r.summary.connections.flatMap((c) => c.subflows)).toHaveLength(40);
    expect(r.summary.connections.every((c) => c.a !== null && c.b !== null && c.subflows.every((s) => s.a !== null && s.b !== null))).toBe(true);
    expect(r.summary.totals).toMatchObject({ matched: 55346, lost: 7110, only_downstream: 0, unidentified: { a: 0, b: 0 } });
  });

  it('lab/handover: the 15 reinjections onto the backup subflow were all needed (path 1 had gone dark)', async () => {
    const dir = join(tmp(), 'out');
    const r = await compare(join(TRACES, 'lab', 'handover.client.pcap'), join(TRACES, 'lab', 'handover.pcapng'), { out: dir });
    expect(r.summary.connections[0]!.s2c.reinjections).toEqual({ needed: 15, useful: 0, redundant: 0, lost: 0, unknown: 0 });
    const rows = parseCsv(readFileSync(join(dir, 'reinjections.csv'), 'utf8'));
    expect(rows).toHaveLength(15);
    expect(rows.every((x) => x.capture === 'b' && x.subflow === '1' && x.original_subflow === '0' && x.original_arrival === '' && x.copy_arrival !== '')).toBe(true);
  });
});
