/**
 * `mptrace compare A B`: the same traffic captured at two points (both
 * ends of the wire, say), read in step by time. Each capture is analyzed
 * as `analyze` would; a tap pairs their packets (analyze/compare). Writes
 * owd.csv, lost.csv and summary.json into DIR.
 *
 * The clocks: a first pass measures the one-way delays with no correction.
 * When they are non-negative both ways, one clock fits (as on one host) and
 * the pass's outputs stand; otherwise (or with --offset-estimate forced by
 * a negative delay) the offset between the clocks is estimated from the
 * least delays both ways, and a second pass writes the corrected delays.
 */
import { basename } from 'node:path';
import { Analyzer } from '../analyze/analyzer.js';
import { Matcher, type Side } from '../analyze/compare/matcher.js';
import { Pairs, type LostRow, type OwdRow } from '../analyze/compare/pairs.js';
import { WireTap } from '../analyze/compare/wire-tap.js';
import type { AnalysisSink } from '../analyze/model.js';
import type { ConnectionRecord } from '../analyze/record.js';
import { openCapture } from '../decode/capture.js';
import { Diagnostics } from '../decode/diagnostics.js';
import { Frame } from '../decode/frame.js';
import { DecodedPacket, decodePacket } from '../decode/packet.js';
import type { CaptureReader } from '../decode/reader.js';
import { plainLine, type Column } from '../report/columns.js';
import { LOST_COLUMNS, OWD_COLUMNS, type Timed } from '../report/compare-tables.js';
import { CsvFile } from '../report/csv.js';
import { OutputDir } from '../report/outdir.js';
import { TimeBase } from '../report/time.js';

export interface CompareOptions {
  out?: string;
  /** Both captures were stamped by one clock: no offset is estimated. */
  sameClock?: boolean;
  version?: string;
}

/** Packets read between two drains of the output files. */
const CHUNK = 1 << 14;

/** One capture being read. */
class Source {
  readonly diag: Diagnostics;
  readonly reader: CaptureReader;
  readonly frame = new Frame();
  readonly packet = new DecodedPacket();
  readonly time = new TimeBase(-1, 6);
  readonly records = new Map<number, ConnectionRecord>();
  analyzer!: Analyzer;
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
  let offset = 0;
  for (let pass = 1; ; pass++) {
    const r = await comparePass(a, b, outPath, offset);
    const [m01, m10] = r.pairs.minDelta;
    // One clock gives no negative delay either way; the offsets that keep every delay non-negative are [−m10, m01].
    const range: ClockFacts['range'] = [Number.isFinite(m10) ? -m10 : null, Number.isFinite(m01) ? m01 : null];
    const fits = (range[0] === null || range[0] <= 0) && (range[1] === null || range[1] >= 0);
    if (pass === 1 && !opts.sameClock && !fits && range[0] !== null && range[1] !== null) {
      // Two clocks: the middle of what the least delays allow (equal least delays both ways); within half the width of the truth.
      offset = (range[0] + range[1]) / 2;
      r.out.abort();
      await r.close();
      continue;
    }
    const clock: ClockFacts = { mode: opts.sameClock ? 'same' : pass === 1 ? 'one-clock' : 'estimated', offset, range: pass === 1 ? range : [range[0] === null ? null : range[0] + offset, range[1] === null ? null : range[1] + offset] };
    const summary = summarize(opts.version ?? '', r, clock);
    r.out.write('summary.json', `${JSON.stringify(summary, null, 2)}\n`);
    await r.close();
    r.out.commit((name) => name === 'owd.csv' || name === 'lost.csv' || name === 'summary.json');
    return { outDir: r.out.path, summary };
  }
}

interface PassOutput {
  out: OutputDir;
  sources: [Source, Source];
  matcher: Matcher;
  pairs: Pairs;
  owdFile: CsvFile;
  lostFile: CsvFile;
  close(): Promise<void>;
}

async function comparePass(a: string, b: string, outPath: string, offset: number): Promise<PassOutput> {
  const sources: [Source, Source] = [new Source(a), new Source(b)];
  const out = new OutputDir(outPath);
  const tb = [sources[0].time, sources[1].time] as const;
  const owdFile = new CsvFile(out.file('owd.csv'), `${out.path}/owd.csv`, OWD_COLUMNS.map((c) => c.name));
  const lostFile = new CsvFile(out.file('lost.csv'), `${out.path}/lost.csv`, LOST_COLUMNS.map((c) => c.name));
  const owdLine: Timed<OwdRow> = { r: null as unknown as OwdRow, tb };
  const lostLine: Timed<LostRow> = { r: null as unknown as LostRow, tb };
  const pairs = new Pairs(
    {
      owd: (r) => {
        owdLine.r = r;
        owdFile.writeLine(plainLine(OWD_COLUMNS as readonly Column<Timed<OwdRow>>[], owdLine, tb[0]));
      },
      lost: (r) => {
        lostLine.r = r;
        lostFile.writeLine(plainLine(LOST_COLUMNS as readonly Column<Timed<LostRow>>[], lostLine, tb[0]));
      },
    },
    offset,
  );
  const matcher = new Matcher(pairs);
  for (const side of [0, 1] as const) {
    const s = sources[side];
    const sink: AnalysisSink = { row: () => {}, connection: (c) => s.records.set(c.id, c) };
    s.analyzer = new Analyzer(sink, { detectors: [new WireTap(matcher, side)] });
    s.pull();
    matcher.baseSec[side] = s.time.baseSec;
  }
  const close = async (): Promise<void> => {
    for (const s of sources) s.reader.close();
    await owdFile.close();
    await lostFile.close();
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
      if (++n === CHUNK) {
        n = 0;
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
const r9 = (x: number): number => Number(x.toFixed(9));

function summarize(version: string, r: PassOutput, clock: ClockFacts) {
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
      owd: owd === null ? null : { samples: owd.samples, min: r9(owd.min), median: r9(owd.median), p95: r9(owd.p95), max: r9(owd.max) },
    };
  };
  const connections = m.connections.map((g) => {
    const up = [pairs.upstreamOf(g.gconn, 0), pairs.upstreamOf(g.gconn, 1)];
    return {
      a: g.conns[0]?.id ?? null,
      b: g.conns[1]?.id ?? null,
      server_token: g.conns[0]?.dirs[1].token ?? g.conns[1]?.dirs[1].token ?? null,
      // The capture upstream of the client's data is the one nearer the client.
      nearer_client: up[0]! < 0 ? (up[1]! < 0 ? null : CAPTURE[1 - up[1]!]) : CAPTURE[up[0]!],
      subflows: m.subflows
        .filter((s) => s.gconn === g.gconn)
        .map((s) => ({
          a: s.handles[0]?.sub.index ?? null,
          b: s.handles[1]?.sub.index ?? null,
          kind: (s.handles[0] ?? s.handles[1])!.sub.kind,
          c2s: dirFacts(s.gid, g.gconn, 0),
          s2c: dirFacts(s.gid, g.gconn, 1),
        })),
    };
  });
  let matched = 0;
  let lost = 0;
  let onlyDownstream = 0;
  for (const c of pairs.counts) {
    if (c === undefined) continue;
    matched += c.matched;
    lost += c.lost;
    onlyDownstream += c.onlyDownstream;
  }
  const capture = (s: Source) => ({
    file: s.file,
    format: s.reader.describe(),
    frames: s.frames,
    first_packet: s.time.baseSec < 0 ? null : s.time.format(s.time.first),
    connections: s.records.size,
    warnings: [...s.diag.warnings, ...s.analyzer.warnings],
  });
  return {
    mptrace: version,
    captures: { a: capture(sources[0]), b: capture(sources[1]) },
    clock: { ...clock, offset: r9(clock.offset), range: clock.range.map((x) => (x === null ? null : r9(x))) },
    totals: {
      matched,
      lost,
      only_downstream: onlyDownstream,
      duplicates: { a: pairs.duplicates[0], b: pairs.duplicates[1] },
      unidentified: { a: pairs.unidentified[0], b: pairs.unidentified[1] },
    },
    connections,
  };
}

