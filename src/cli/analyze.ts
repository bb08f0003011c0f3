import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { Analyzer, type Hints, type Limits } from '../analyze/analyzer.js';
import type { AnalysisSink } from '../analyze/model.js';
import type { ConnectionRecord } from '../analyze/record.js';
import { ANOMALY_NAMES, isTruncation } from '../decode/anomaly.js';
import { openCapture } from '../decode/capture.js';
import { Diagnostics } from '../decode/diagnostics.js';
import { Frame } from '../decode/frame.js';
import { linkTypeName } from '../decode/linktype.js';
import { DecodedPacket, decodePacket, DecodeStats } from '../decode/packet.js';
import type { CaptureReader } from '../decode/reader.js';
import { CaptureError } from '../errors.js';
import { OutputDir } from '../report/outdir.js';
import { ReportSink } from '../report/report-sink.js';
import { writeSummary, type AnalysisFacts, type InputFacts, type Summary } from '../report/summary.js';
import { TABLE_FILES } from '../report/tables.js';
import { loadFormat, tableFileName, tableFileNames, type TableFormat } from '../report/table-writer.js';
import { TimeBase, type Selection } from '../report/time.js';
import type { RenderOptions } from '../plot/render.js';
import { PlotWriter } from './plot-writer.js';
import { PlotCollector } from '../plot/collector.js';
import { STYLES, type StyleName } from '../plot/style.js';
import { selectingSink, selects } from './select.js';
import { tee } from './tee.js';
import { capYoungGeneration, YOUNG_CHECK_MASK } from './heap.js';

export interface AnalyzeOptions extends PassOptions {
  /** Output directory (default: ./<trace file name>.mptrace). */
  out?: string;
  /** Write plots/*.svg (default: yes). */
  plots?: boolean;
  /** Connections plotted at most: the first N by number (default 16; Infinity: all). */
  plotLimit?: number;
  /** Plot look (default screen) and the axes' time 0 (default: each connection's first data). */
  style?: StyleName;
  timeBase?: 'connection' | 'capture';
  /** Only these connections and this time window (seconds since the capture's first packet), in every output. */
  select?: Selection;
  version?: string;
  /** The trace as the user named it (summary.json), when the file read is a spooled copy. */
  name?: string;
  /** Every finished connection's record, as it is written (for `check -o`). */
  onRecord?: (r: ConnectionRecord) => void;
}

export interface AnalyzeResult {
  outDir: string;
  summary: Summary;
  warnings: string[];
  warningCount: number;
}


/** The tables `analyze` writes, without their extension. */
const TABLES = ['connections', 'subflows', ...TABLE_FILES.map((f) => f.name)];
/** Every name `analyze` writes, relative to the output directory, in either format: what an earlier run left under these names is removed. */
const OUTPUT_NAMES = new Set(tableFileNames([...TABLES, 'packets']));
const isOutputName = (name: string): boolean => OUTPUT_NAMES.has(name) || name === 'summary.json' || name === 'report.html' || /^plots\/conn-\d+-[a-z0-9-]+\.svg$/.test(name);

/** Packets between two checks of the output streams' backpressure (and of progress). */
const CHUNK_PACKETS = 1 << 16;

/** What one pass writes to: the analysis sink and how to wait for, or throw away, its output. */
export interface PassSink {
  readonly sink: AnalysisSink;
  readonly needsDrain: boolean;
  drain(): Promise<void>;
  /** The pass is repeated: throw its output away. */
  discard(): Promise<void>;
}

export interface PassOptions {
  packets?: boolean;
  /** The tables as CSV (default) or Parquet files. */
  format?: TableFormat;
  vantage?: 'client' | 'server';
  chunkSize?: number;
  /** Packets analysed between two drains of the outputs (default 65536; smaller in tests, to drain often). */
  chunkPackets?: number;
  limits?: Partial<Limits>;
  /** Called between chunks of packets with the bytes read so far and the input's size. */
  progress?: (done: number, size: number) => void;
}

/** The analyzer's counters and warnings, once it is done. */
export type AnalyzerOutcome = Pick<Analyzer, 'stats' | 'warnings'>;

export interface PassResult<S extends PassSink> {
  out: S;
  pass: number;
  /** What is read of the analyzer after the run: not the analyzer, whose scratch state points at the last packet's connection (a join flood's 9,295 subflows, 17 MB, kept through the summary). */
  analyzer: AnalyzerOutcome;
  reader: CaptureReader;
  stats: DecodeStats;
  diag: Diagnostics;
  time: TimeBase;
}

/**
 * Reads the capture once, or twice when the first pass learns a
 * relative-DSN base or an ISN only at the end, into the sink `make`
 * builds for each pass. A bad input throws before `make` is called.
 */
export async function runPasses<S extends PassSink>(trace: string, opts: PassOptions, make: (time: TimeBase, reader: CaptureReader) => S): Promise<PassResult<S>> {
  const open = (): { diag: Diagnostics; reader: CaptureReader } => {
    const diag = new Diagnostics(trace);
    return { diag, reader: openCapture(trace, diag, opts.chunkSize === undefined ? {} : { chunkSize: opts.chunkSize }) };
  };
  // Open the capture first: a bad input must not leave an empty output directory behind.
  let input: { diag: Diagnostics; reader: CaptureReader } | null = open();
  let hints: Hints | undefined;
  let size = 0;
  const chunkPackets = opts.chunkPackets ?? CHUNK_PACKETS;
  try {
    size = statSync(trace).size;
  } catch {
    // Only for progress.
  }
  for (let pass = 1; ; pass++) {
    const { diag, reader } = input ?? open();
    input = null;
    try {
      const time = new TimeBase(-1, 6);
      const out = make(time, reader);
      const analyzer = new Analyzer(out.sink, { packets: opts.packets === true, ...(hints ? { hints } : {}), ...(opts.limits ? { limits: opts.limits } : {}), ...(opts.vantage ? { vantage: opts.vantage } : {}) });
      const stats = new DecodeStats();
      const f = new Frame();
      const p = new DecodedPacket();
      let more = true;
      while (more) {
        for (let i = 0; i < chunkPackets; i++) {
          if (!reader.next(f)) {
            more = false;
            break;
          }
          if (time.baseSec < 0) {
            time.baseSec = f.tsSec;
            time.first = f.tsNsec * 1e-9;
            time.digits = reader.digits();
          }
          decodePacket(f, p);
          stats.count(f, p);
          analyzer.packet(f, p);
          if ((i & YOUNG_CHECK_MASK) === 0) capYoungGeneration();
        }
        if (out.needsDrain) await out.drain();
        if (opts.progress) opts.progress(reader.position(), size);
      }
      if (stats.frames === 0 && reader.damaged) throw new CaptureError(trace, undefined, 'no complete packet could be read');
      stats.warnUnknownLinks(diag);
      analyzer.finish();
      if (hints === undefined && analyzer.needsSecondPass) {
        // Relative DSNs (lowest DSN seen) or a subflow's ISN were only known at the end: do it again with them.
        hints = analyzer.hintsForSecondPass();
        await out.discard();
        continue;
      }
      return { out, pass, analyzer: { stats: analyzer.stats, warnings: analyzer.warnings }, reader, stats, diag, time };
    } finally {
      reader.close();
    }
  }
}

/**
 * `mptrace analyze`: streams every output file through the pass runner,
 * and moves them into place when all went well.
 */
export async function analyze(trace: string, opts: AnalyzeOptions = {}): Promise<AnalyzeResult> {
  const outPath = opts.out ?? `${basename(trace)}.mptrace`;
  const format = opts.format ?? 'csv';
  await loadFormat(format);
  // Made when the first pass starts: a bad input leaves no empty output directory behind.
  let dir: OutputDir | null = null;
  try {
    const r = await runPasses(trace, opts, (time, reader) => {
      const out = (dir ??= new OutputDir(outPath));
      const report = new ReportSink(out, time, { packets: opts.packets === true, format, version: opts.version ?? '' });
      const sel = opts.select ?? {};
      const plots = opts.plots === false ? null : new PlotWriter(out, new PlotCollector({ ...sel, ...(opts.plotLimit !== undefined ? { limit: opts.plotLimit } : {}) }, time), () => renderOptions(opts, time, reader));
      return {
        report,
        plots,
        sink: tee(selects(sel) ? selectingSink(report, sel, time) : report, plots?.plots ?? null, opts.onRecord),
        get needsDrain() {
          return report.needsDrain || plots?.needsDrain === true;
        },
        drain: async () => {
          await report.drain();
          await plots?.drain();
        },
        discard: async () => {
          await report.close();
          out.abort();
        },
      };
    });
    const { report, plots } = r.out;
    const out = dir!;
    await plots?.drain();
    const plotFacts = plots?.facts() ?? null;
    const sel = opts.select;
    const selection = sel === undefined || !selects(sel) ? null : { conns: sel.conns === undefined ? null : [...sel.conns], since: sel.since ?? null, until: sel.until ?? null };
    const summary = writeSummary((pieces) => out.writePieces('summary.json', pieces), opts.version ?? '', inputFacts(opts.name ?? trace, r.reader, r.stats, r.diag, r.analyzer, r.time), { passes: r.pass, ...analysisFacts(r.analyzer) }, report, plotFacts, selection);
    // The page: loaded only here (its template is of no use to a run without outputs).
    const { reportHtml } = await import('../report/html.js');
    const files = [...TABLES, ...(opts.packets === true ? ['packets'] : [])].map((t) => tableFileName(t, format));
    out.write('report.html', reportHtml({ summary, files: [...files, 'summary.json'], events: report.events, time: r.time, format }));
    await report.close();
    out.commit(isOutputName);
    return { outDir: out.path, summary, warnings: summary.input.warnings, warningCount: r.diag.count + r.analyzer.warnings.length };
  } catch (e) {
    (dir as OutputDir | null)?.abort();
    throw e;
  }
}

/** What summary.json says of the input: the decode layer's facts. */
function inputFacts(trace: string, reader: CaptureReader, stats: DecodeStats, diag: Diagnostics, analyzer: AnalyzerOutcome, time: TimeBase): InputFacts {
  const malformed: Record<string, number> = {};
  const truncated: Record<string, number> = {};
  stats.anomalies.forEach((n, k) => {
    if (k === 0 || n === 0) return;
    (isTruncation(k) ? truncated : malformed)[ANOMALY_NAMES[k]!] = n;
  });
  return {
    file: trace,
    format: reader.describe(),
    interfaces: reader.interfaces().map((i, k) => ({ interface: k, link_type: i.linkType, link_type_name: linkTypeName(i.linkType), snaplen: i.snaplen, resolution: i.resolution, frames: stats.ifaceFrames[k] ?? 0, ...(i.name ? { name: i.name } : {}) })),
    frames: stats.frames,
    tcp_packets: stats.tcp,
    mptcp_packets: stats.mptcp,
    not_tcp: stats.notTcp,
    ip_fragments: stats.fragments,
    tunnelled: stats.tunnelled,
    snapped_frames: stats.snapped,
    unknown_link_types: Object.fromEntries([...stats.unknownLinks].map(([lt, n]) => [String(lt), n])),
    truncated,
    malformed,
    first_packet: time.baseSec < 0 ? null : time.format(time.first),
    damaged: reader.damaged,
    warnings: [...diag.warnings, ...analyzer.warnings],
    warnings_total: diag.count + analyzer.warnings.length,
  };
}

/** How plots look and what their time axes count from; interfaces named as pcapng names them, numbered when a capture has several. */
function renderOptions(opts: AnalyzeOptions, time: TimeBase, reader: CaptureReader): RenderOptions {
  const sel = opts.select ?? {};
  return {
    style: STYLES[opts.style ?? 'screen'],
    timeBase: opts.timeBase ?? 'connection',
    time,
    // tcpdump's 'any' names no interface. Asked at each render: pcapng may describe an interface late in the file.
    iface: (i) => {
      const ifaces = reader.interfaces();
      const name = ifaces[i]?.name ?? '';
      return name !== '' && name !== 'any' ? name : ifaces.length > 1 ? `interface ${i}` : '';
    },
    ...(sel.since !== undefined ? { since: time.first + sel.since } : {}),
    ...(sel.until !== undefined ? { until: time.first + sel.until } : {}),
  };
}

function analysisFacts(analyzer: AnalyzerOutcome): Omit<AnalysisFacts, 'passes'> {
  const a = analyzer.stats;
  return {
    flows: a.flows,
    tcp_packets_not_analyzable: a.tcpUnanalyzable,
    flows_evicted: a.flowsEvicted,
    connections_finished_early: a.connectionsEvictedEarly,
    connections_finished_closed: a.connectionsFinishedClosed,
    packets_after_finish: a.packetsAfterFinish,
    token_collisions: a.tokenCollisions,
    packets_with_cut_mptcp_options: a.optionsCut,
    malformed_mptcp_options: a.malformedOptions,
    unmapped_segments: a.unmappedSegments,
  };
}


