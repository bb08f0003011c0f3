/**
 * `mptrace compare A B`: the same traffic captured at two points (both
 * ends of the wire, say), read in step by time. Each capture is analyzed
 * as `analyze` would; a tap pairs their packets (analyze/compare). Writes
 * owd.csv, lost.csv, reinjections.csv, summary.json and plots/ into DIR.
 *
 * The clocks: a first pass measures the one-way delays with no correction.
 * When they are non-negative both ways, one clock fits (as on one host) and
 * the pass's outputs stand (so does --same-clock); otherwise the offset
 * between the clocks is estimated from the least delays both ways, and a
 * second pass writes the corrected delays. Clocks so far apart that nothing
 * paired are first brought within reach by the subflows both captures name
 * (clockGap), and read again in step by that.
 */
import { basename } from 'node:path';
import { Analyzer, type Limits } from '../analyze/analyzer.js';
import { HORIZON, Matcher, type Side } from '../analyze/compare/matcher.js';
import { Pairs, type LostRow, type OwdRow, type QualifiedReinjection } from '../analyze/compare/pairs.js';
import { WireTap } from '../analyze/compare/wire-tap.js';
import { MAX_HELD, type HolFacts } from '../analyze/compare/hol.js';
import { REINJECTIONS, type AnalysisSink, type ReinjectionRow, type Table } from '../analyze/model.js';
import { openCapture } from '../decode/capture.js';
import { Diagnostics } from '../decode/diagnostics.js';
import { Frame } from '../decode/frame.js';
import { DecodedPacket, decodePacket } from '../decode/packet.js';
import type { CaptureReader } from '../decode/reader.js';
import { LOST_COLUMNS, OWD_COLUMNS, QUALIFIED_COLUMNS, type Timed } from '../report/compare-tables.js';
import { jsonPieces } from '../report/json-pieces.js';
import { OutputDir } from '../report/outdir.js';
import { DETAILED_CONNECTIONS, SUBFLOWS_SHOWN } from '../report/format.js';
import { loadFormat, openTable, tableFileNames, type TableFormat, type TableWriter } from '../report/table-writer.js';
import { TimeBase } from '../report/time.js';
import { PlotCollector, MAX_PLOTTED_CONNECTIONS } from '../plot/collector.js';
import { STYLES } from '../plot/style.js';
import { tee } from './tee.js';
import { capYoungGeneration, YOUNG_CHECK_MASK } from './heap.js';

export interface CompareOptions {
  out?: string;
  /** Both captures were stamped by one clock: no offset is estimated. */
  sameClock?: boolean;
  version?: string;
  /** The captures as the user named them (summary.json), when the files read are spooled copies. */
  names?: [string, string];
  /** Write plots/ (default: yes): per direction, the sender's capture's DSN plot with the losses marked, and the one-way delays. */
  plots?: boolean;
  /** The tables as CSV (default) or Parquet files. */
  format?: TableFormat;
  /** Each capture's analysis limits (the tests' way to finish connections early, as a busy capture does). */
  limits?: Partial<Limits>;
}

/** The files compare writes, in either format (what an earlier run left under these names is removed). */
const OUTPUTS = [...tableFileNames(['owd', 'lost', 'reinjections']), 'summary.json'];

/** Packets read between two drains of the output files. */
const CHUNK = 1 << 14;

/** One capture being read. */
class Source {
  readonly diag: Diagnostics;
  readonly reader: CaptureReader;
  readonly frame = new Frame();
  readonly packet = new DecodedPacket();
  readonly time = new TimeBase(-1, 6);
  /** Connections finished (counted: each record was kept only for its count, 3.4 kB a connection). */
  connections = 0;
  analyzer!: Analyzer;
  tap!: WireTap;
  plots: PlotCollector | null = null;
  /** A frame is read and waiting to be analyzed. */
  ready = false;
  frames = 0;

  constructor(readonly file: string) {
    this.diag = new Diagnostics(file);
    this.reader = openCapture(file, this.diag);
  }

  /** Reads the next frame; false at the end. */
  pull(): boolean {
    this.ready = this.reader.next(this.frame);
    if (this.ready && this.time.baseSec < 0) {
      this.time.baseSec = this.frame.tsSec;
      this.time.first = this.frame.tsNsec * 1e-9;
      this.time.digits = this.reader.digits();
    }
    return this.ready;
  }

  /** The waiting frame's analysis time. */
  get t(): number {
    return this.frame.tsSec - this.time.baseSec + this.frame.tsNsec * 1e-9;
  }
}

export interface ClockFacts {
  /** `same`: told so; `one-clock`: the delays with no correction are non-negative both ways, as one clock gives; `estimated`: they are not. */
  mode: 'same' | 'one-clock' | 'estimated';
  /** Capture b's clock minus capture a's, taken off every delay (seconds). */
  offset: number;
  /** The offsets the data allows: every delay non-negative (null: a direction had no packet seen at both ends). */
  range: [number | null, number | null];
}

export interface CompareResult {
  outDir: string;
  summary: CompareSummary;
}

export type CompareSummary = ReturnType<typeof summarize>;

export async function compare(a: string, b: string, opts: CompareOptions = {}): Promise<CompareResult> {
  const outPath = opts.out ?? `${basename(a)}-vs-${basename(b)}.mptrace`;
  const format = opts.format ?? 'csv';
  await loadFormat(format);
  let offset = 0;
  // The clocks' gap found when a pass paired nothing: from then on the captures are read in step by the offset, not by the first pair.
  let coarse: number | null = null;
  let estimated = false;
  for (;;) {
    const r = await comparePass(a, b, outPath, offset, coarse === null ? NaN : offset, opts.plots !== false, format, opts.version ?? '', opts.limits);
    const [m01, m10] = r.pairs.minDelta;
    // One clock gives no negative delay either way; the offsets that keep every delay non-negative are [−m10, m01].
    const range: ClockFacts['range'] = [Number.isFinite(m10) ? -m10 : null, Number.isFinite(m01) ? m01 : null];
    // Within the coarser capture's timestamp resolution (a µs capture truncates): a delay of −1 µs is still one clock.
    const tol = 10 ** -Math.min(r.sources[0].time.digits, r.sources[1].time.digits);
    const fits = (range[0] === null || range[0] <= tol) && (range[1] === null || range[1] >= -tol);
    if (!opts.sameClock && coarse === null && !estimated && range[0] === null && range[1] === null) {
      // Nothing paired: clocks further apart than a packet waits for its twin (HORIZON) keep every pair apart. The
      // subflows both captures name give the difference to within a one-way delay: read again in step by it.
      const c = clockGap(r.matcher);
      if (c !== null && Math.abs(c) > HORIZON / 2) {
        coarse = offset = c;
        r.out.abort();
        await r.close();
        continue;
      }
    }
    if (!opts.sameClock && !estimated && !fits && range[0] !== null && range[1] !== null) {
      // Two clocks: the middle of what the least delays allow (equal least delays both ways); within half the width of the truth.
      offset = (range[0] + range[1]) / 2;
      estimated = true;
      r.out.abort();
      await r.close();
      continue;
    }
    const clock: ClockFacts = { mode: opts.sameClock ? 'same' : estimated ? 'estimated' : 'one-clock', offset, range };
    const summary = summarize(opts.version ?? '', r, clock, opts.names ?? [a, b]);
    if (opts.plots !== false) (summary as { plots?: string[] }).plots = await writePlots(r);
    // In pieces: 100 k connections make 153 MB of it, which as one string and its buffer took 300 MB more.
    r.out.writePieces('summary.json', jsonPieces(summary));
    await r.close();
    r.out.commit((name) => OUTPUTS.includes(name) || /^plots\/conn-\d+-(c2s|s2c)-(dsn|owd)\.svg$/.test(name));
    return { outDir: r.out.path, summary };
  }
}

interface PassOutput {
  out: OutputDir;
  sources: [Source, Source];
  matcher: Matcher;
  pairs: Pairs;
  owdFile: TableWriter<Timed<OwdRow>>;
  lostFile: TableWriter<Timed<LostRow>>;
  close(): Promise<void>;
}

/**
 * Capture b's clock minus a's as the subflows both captures name show it:
 * the median over them of the difference between their first packets (a
 * one-way delay off the truth, either way), or null when none is named in
 * both.
 */
function clockGap(m: Matcher): number | null {
  const gaps: number[] = [];
  for (const g of m.subflows) {
    const [h0, h1] = g.handles;
    if (h0 !== null && h1 !== null && Number.isFinite(h0.first) && Number.isFinite(h1.first)) gaps.push(h1.first - h0.first);
  }
  if (gaps.length === 0) return null;
  gaps.sort((x, y) => x - y);
  return gaps[gaps.length >> 1]!;
}

async function comparePass(a: string, b: string, outPath: string, offset: number, lock: number, plots: boolean, format: TableFormat, version: string, limits: Partial<Limits> | undefined): Promise<PassOutput> {
  const sources: [Source, Source] = [new Source(a), new Source(b)];
  const out = new OutputDir(outPath);
  const tb = [sources[0].time, sources[1].time] as const;
  // Rows hold times of both captures: Parquet's timestamps take the finer clock's digits.
  const digits = (): number => Math.max(tb[0].digits, tb[1].digits);
  const owdFile = openTable(out, 'owd', OWD_COLUMNS, tb[0], format, version, digits);
  const lostFile = openTable(out, 'lost', LOST_COLUMNS, tb[0], format, version, digits);
  const reinjFile = openTable(out, 'reinjections', QUALIFIED_COLUMNS, tb[0], format, version, digits);
  const owdLine: Timed<OwdRow> = { r: null as unknown as OwdRow, tb };
  const lostLine: Timed<LostRow> = { r: null as unknown as LostRow, tb };
  const reinjLine: Timed<QualifiedReinjection> = { r: null as unknown as QualifiedReinjection, tb };
  const pairs = new Pairs(
    {
      owd: (r) => {
        sources[r.sentSide].plots?.owd(r.sentConn, r.dir, r.sentSubflow, r.sent, r.owd);
        owdLine.r = r;
        owdFile.add(owdLine);
      },
      lost: (r) => {
        if (r.len > 0 && !Number.isNaN(r.dsn)) sources[r.side].plots?.lost(r.conn, r.dir, r.time, r.dsn);
        lostLine.r = r;
        lostFile.add(lostLine);
      },
      reinjection: (r) => {
        reinjLine.r = r;
        reinjFile.add(reinjLine);
      },
    },
    offset,
  );
  const matcher = new Matcher(pairs);
  if (!Number.isNaN(lock)) matcher.lockOffset = lock;
  pairs.gconnDirOf = (side, conn, dir) => {
    const g = matcher.globalConnection(side, conn);
    return g < 0 ? -1 : g * 2 + dir;
  };
  for (const side of [0, 1] as const) {
    const s = sources[side];
    const sink: AnalysisSink = {
      row: <R>(table: Table<R>, r: R) => {
        if (table === (REINJECTIONS as Table<unknown>)) pairs.reinjection(side, r as ReinjectionRow);
      },
      connection: () => {
        s.connections++;
      },
    };
    s.tap = new WireTap(matcher, side);
    if (plots) s.plots = new PlotCollector({ limit: MAX_PLOTTED_CONNECTIONS }, s.time);
    s.analyzer = new Analyzer(tee(sink, s.plots), { detectors: [s.tap], ...(limits ? { limits } : {}) });
    s.pull();
    matcher.baseSec[side] = s.time.baseSec;
  }
  const close = async (): Promise<void> => {
    for (const s of sources) s.reader.close();
    await owdFile.close();
    await lostFile.close();
    await reinjFile.close();
  };
  try {
    let n = 0;
    for (;;) {
      const [s0, s1] = sources;
      let side: Side;
      if (s0.ready && s1.ready) side = matcher.aligned(0, s0.t) <= matcher.aligned(1, s1.t) ? 0 : 1;
      else if (s0.ready) side = 0;
      else if (s1.ready) side = 1;
      else break;
      const s = sources[side];
      const t = s.t;
      decodePacket(s.frame, s.packet);
      s.frames++;
      s.analyzer.packet(s.frame, s.packet);
      matcher.advance(side, t);
      s.pull();
      if ((n & YOUNG_CHECK_MASK) === 0) capYoungGeneration();
      if (++n === CHUNK) {
        n = 0;
        pairs.settle();
        if (owdFile.needsDrain) await owdFile.drain();
        if (lostFile.needsDrain) await lostFile.drain();
      }
    }
    for (const s of sources) s.analyzer.finish();
    matcher.finish();
    pairs.finish();
  } catch (e) {
    out.abort();
    await close();
    throw e;
  }
  return { out, sources, matcher, pairs, owdFile, lostFile, close };
}

const CAPTURE = ['a', 'b'] as const;

/**
 * Per connection direction (capture a's numbers), from the capture nearer
 * the data's sender: its DSN plot with what was lost before the other
 * capture marked, and the one-way delays per subflow.
 */
async function writePlots(r: PassOutput): Promise<string[]> {
  const { renderCompared } = await import('../plot/render.js');
  const written: string[] = [];
  for (const g of r.matcher.connections) {
    const aId = g.conns[0]?.id;
    if (aId === undefined) continue;
    for (const d of [0, 1] as const) {
      const up = r.pairs.upstreamOf(g.gconn, d);
      const conn = up < 0 ? null : g.conns[up];
      const src = up < 0 ? null : r.sources[up]!;
      const f = conn && src?.plots?.finished.find((x) => x.c.id === conn.id);
      if (!f || !src) continue;
      const o = { style: STYLES.screen, timeBase: 'connection' as const, time: src.time, iface: () => '' };
      const who = `connection ${aId} ${d === 0 ? 'c2s' : 's2c'} (capture ${CAPTURE[up]!} → ${CAPTURE[1 - up]!})`;
      for (const file of renderCompared(f.c, f.p, o, d, `conn-${aId}-${d === 0 ? 'c2s' : 's2c'}`, who)) {
        if (written.length === 0) r.out.subdir('plots');
        r.out.write(`plots/${file.name}`, file.svg);
        written.push(`plots/${file.name}`);
      }
    }
  }
  return written;
}

/** Head-of-line blocking of a direction, times as the receiver's capture gives them. */
function holSummary(h: HolFacts, tb: TimeBase) {
  return {
    bytes: h.bytes,
    delayed_bytes: h.delayedBytes,
    delayed_share: h.bytes > 0 ? Number((h.delayedBytes / h.bytes).toFixed(4)) : 0,
    mean_delay_per_byte: Number(h.meanByByte.toFixed(9)),
    undelivered_bytes: h.undelivered,
    delayed_segments: h.delay === null ? null : { count: h.delay.samples, min: Number(h.delay.min.toFixed(9)), median: Number(h.delay.median.toFixed(9)), p95: Number(h.delay.p95.toFixed(9)), max: Number(h.delay.max.toFixed(9)) },
    worst: h.worst.map((b) => ({ dsn_start: b.dsnStart, dsn_end: b.dsnEnd, arrived: tb.format(b.arrived), delivered: tb.format(b.delivered), wait: Number((b.delivered - b.arrived).toFixed(9)) })),
  };
}
const r9 = (x: number): number => Number(x.toFixed(9));

function summarize(version: string, r: PassOutput, clock: ClockFacts, names: [string, string]) {
  const { matcher: m, pairs, sources } = r;
  const dirFacts = (gid: number, gconn: number, d: 0 | 1) => {
    const c = pairs.counts[gid * 2 + d];
    const up = pairs.upstreamOf(gconn, d);
    const owd = pairs.owdStats(gid * 2 + d);
    return {
      upstream: up < 0 ? null : CAPTURE[up],
      matched: c?.matched ?? 0,
      lost: c?.lost ?? 0,
      lost_data: c?.lostData ?? 0,
      only_downstream: c?.onlyDownstream ?? 0,
      unpaired: c?.unpaired ?? 0,
      outside: c?.outside ?? 0,
      owd: owd === null ? null : { samples: owd.samples, min: r9(owd.min), median: r9(owd.median), p95: r9(owd.p95), max: r9(owd.max) },
    };
  };
  // A connection's subflows, found once: a filter of every subflow per connection was quadratic (100 k short connections: most of 53 s).
  const subflowsOf = new Map<number, typeof m.subflows>();
  for (const s of m.subflows) {
    const list = subflowsOf.get(s.gconn);
    if (list === undefined) subflowsOf.set(s.gconn, [s]);
    else list.push(s);
  }
  // Connection directions whose head-of-line blocking is unknown (see MAX_HELD).
  let holUnknown = 0;
  const connections = m.connections.map((g) => {
    const up = [pairs.upstreamOf(g.gconn, 0), pairs.upstreamOf(g.gconn, 1)];
    const dirLevel = (d: 0 | 1) => {
      const down = up[d]! < 0 ? -1 : 1 - up[d]!;
      const conn = down < 0 ? null : g.conns[down];
      const hol = conn ? sources[down]!.tap.holOf(conn.id, d) : undefined;
      if (hol?.overflowed) holUnknown++;
      return { reinjections: pairs.qualified[g.gconn * 2 + d] ?? null, head_of_line: hol === undefined || hol.overflowed ? null : holSummary(hol, sources[down]!.time) };
    };
    return {
      a: g.conns[0]?.id ?? null,
      b: g.conns[1]?.id ?? null,
      server_token: g.conns[0]?.token ?? g.conns[1]?.token ?? null,
      // The capture upstream of the client's data is the one nearer the client.
      nearer_client: up[0]! < 0 ? (up[1]! < 0 ? null : CAPTURE[1 - up[1]!]) : CAPTURE[up[0]!],
      subflows: (subflowsOf.get(g.gconn) ?? []).map((s) => ({
        a: s.handles[0]?.index ?? null,
        b: s.handles[1]?.index ?? null,
        kind: (s.handles[0] ?? s.handles[1])!.kind,
        c2s: dirFacts(s.gid, g.gconn, 0),
        s2c: dirFacts(s.gid, g.gconn, 1),
      })),
      c2s: dirLevel(0),
      s2c: dirLevel(1),
    };
  });
  let matched = 0;
  let lost = 0;
  let onlyDownstream = 0;
  let outside = 0;
  for (const c of pairs.counts) {
    if (c === undefined) continue;
    matched += c.matched;
    lost += c.lost;
    onlyDownstream += c.onlyDownstream;
    outside += c.outside;
  }
  const capture = (s: Source, name: string) => ({
    file: name,
    format: s.reader.describe(),
    frames: s.frames,
    first_packet: s.time.baseSec < 0 ? null : s.time.format(s.time.first),
    connections: s.connections,
    warnings: [...s.diag.warnings, ...s.analyzer.warnings],
  });
  const warnings: string[] = [];
  if (onlyDownstream > 0) warnings.push(`${onlyDownstream} packets were seen only by the capture nearer their receiver: the sender's capture missed them (its tcpdump dropped them, or they took another way), they are not losses`);
  for (const side of [0, 1] as const) {
    if (pairs.unidentified[side] > 0) warnings.push(`${pairs.unidentified[side]} packets of capture ${CAPTURE[side]} belong to subflows MPTCP never named in it (no key, token or join nonce seen): not paired`);
  }
  if (holUnknown > 0) warnings.push(`head-of-line blocking unknown for ${holUnknown} connection direction${holUnknown === 1 ? '' : 's'}: more than ${MAX_HELD} segments arrived above a hole that never filled at the receiver's capture (bytes it did not see: another path, or dropped by its tcpdump)`);
  if (outside > 0) warnings.push(`${outside} packets were sent or seen when the other capture was not running (it started later or stopped earlier, judged at the one-way delays seen): neither paired nor counted lost`);
  if (connections.length === 0) warnings.push('no MPTCP connection was identified in either capture: nothing to pair (compare pairs MPTCP subflows by their tokens)');
  const alone = connections.filter((c) => c.a === null || c.b === null).length;
  if (alone > 0) warnings.push(`${alone} connection${alone === 1 ? ' is' : 's are'} in one capture only`);
  if (clock.mode === 'estimated') {
    const half = clock.range[0] !== null && clock.range[1] !== null ? (clock.range[1] - clock.range[0]) / 2 : NaN;
    warnings.push(`the captures' clocks differ (a delay came out negative): capture b's is taken as ${clock.offset.toFixed(6)} s ahead of a's, the middle of what the least delays both ways allow (±${half.toFixed(6)} s); one-way delays are corrected by it`);
  }
  return {
    mptrace: version,
    captures: { a: capture(sources[0], names[0]), b: capture(sources[1], names[1]) },
    clock: { ...clock, offset: r9(clock.offset), range: clock.range.map((x) => (x === null ? null : r9(x))) },
    totals: {
      matched,
      lost,
      only_downstream: onlyDownstream,
      outside,
      unidentified: { a: pairs.unidentified[0], b: pairs.unidentified[1] },
    },
    connections,
    warnings,
  };
}

const ms = (x: number): string => (x < 1e-3 ? `${(x * 1e6).toFixed(1)} µs` : x < 1 ? `${(x * 1e3).toFixed(2)} ms` : `${x.toFixed(3)} s`);

/** Connections the terminal lists (a line each past DETAILED_CONNECTIONS); summary.json has them all. */
const COMPARE_LISTED = 1000;

/** The terminal summary: the clock, each connection's pairing, per subflow direction what was paired and lost (a line per connection past a screenful). */
export function compareText(r: CompareResult): string {
  const s = r.summary;
  const lines = [`a: ${s.captures.a.file} (${s.captures.a.frames} frames), b: ${s.captures.b.file} (${s.captures.b.frames} frames)`];
  const [lo, hi] = s.clock.range;
  const fits = `offsets from ${lo === null ? '-∞' : lo} to ${hi === null ? '+∞' : hi} s fit`;
  lines.push(s.clock.mode === 'same' ? 'clock: one clock (--same-clock)' : s.clock.mode === 'one-clock' ? `clock: one clock fits (no delay negative; ${fits})` : `clock: b is ${s.clock.offset} s ahead of a (estimated; ${fits})`);
  const compact = s.connections.length > DETAILED_CONNECTIONS;
  for (const c of s.connections.slice(0, COMPARE_LISTED)) {
    const head = `connection a${c.a ?? '-'} = b${c.b ?? '-'} (server token ${c.server_token === null ? '?' : c.server_token.toString(16).padStart(8, '0')})`;
    if (compact) {
      // A 100 k-connection comparison printed 200 k lines.
      let paired = 0;
      let lost = 0;
      for (const f of c.subflows) {
        paired += f.c2s.matched + f.s2c.matched;
        lost += f.c2s.lost + f.s2c.lost;
      }
      lines.push(`${head}: ${c.subflows.length} subflow${c.subflows.length === 1 ? '' : 's'}, ${paired} paired, ${lost} lost${c.nearer_client ? `; capture ${c.nearer_client} nearer the client` : ''}`);
      continue;
    }
    lines.push(`${head}${c.nearer_client ? `: capture ${c.nearer_client} is nearer the client` : ''}`);
    for (const f of c.subflows.slice(0, SUBFLOWS_SHOWN)) {
      const d = (name: string, x: (typeof f)['c2s']): string => `${name} ${x.matched} paired, ${x.lost} lost${x.owd ? `, owd median ${ms(x.owd.median)} (max ${ms(x.owd.max)})` : ''}`;
      lines.push(`  subflow a${f.a ?? '-'} = b${f.b ?? '-'} (${f.kind}): ${d('c2s', f.c2s)}; ${d('s2c', f.s2c)}`);
    }
    if (c.subflows.length > SUBFLOWS_SHOWN) lines.push(`  (${c.subflows.length - SUBFLOWS_SHOWN} more subflows in summary.json)`);
  }
  if (s.connections.length > COMPARE_LISTED) lines.push(`(${s.connections.length - COMPARE_LISTED} more connections in summary.json)`);
  const t = s.totals;
  lines.push('', `totals: ${t.matched} packets paired, ${t.lost} lost between the captures, ${t.only_downstream} seen by the receiver's capture only`, `written to ${r.outDir}/`);
  return `${lines.join('\n')}\n`;
}

