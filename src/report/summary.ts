import type { RttStats } from '../analyze/detect/rtt.js';
import type { ConnectionRecord, RttMeasures, SubflowRecord } from '../analyze/record.js';
import { key, token } from './format.js';
import { JsonText, jsonPieces } from './json-pieces.js';
import type { ReportSink } from './report-sink.js';
import type { TimeBase } from './time.js';

/** The input as the decode layer saw it (assembled by the command). */
export interface InputFacts {
  file: string;
  format: string;
  interfaces: Array<{ interface: number; link_type: number; link_type_name: string; snaplen: number; resolution: string; frames: number; name?: string }>;
  frames: number;
  tcp_packets: number;
  mptcp_packets: number;
  not_tcp: number;
  ip_fragments: number;
  tunnelled: number;
  snapped_frames: number;
  unknown_link_types: Record<string, number>;
  truncated: Record<string, number>;
  malformed: Record<string, number>;
  first_packet: string | null;
  damaged: boolean;
  warnings: string[];
  warnings_total: number;
}

/** The analysis's own counters (assembled by the command). */
export interface AnalysisFacts {
  passes: number;
  flows: number;
  tcp_packets_not_analyzable: number;
  flows_evicted: number;
  connections_finished_early: number;
  connections_finished_closed: number;
  packets_after_finish: number;
  token_collisions: number;
  packets_with_cut_mptcp_options: number;
  malformed_mptcp_options: number;
  unmapped_segments: number;
}

/** The plots written (null with --no-plots). */
export interface PlotFacts {
  files: string[];
  /** The look (screen, paper, paper-wide) and the axes' time 0 (connection or capture). */
  style: string;
  time_base: string;
  /** Connections with data (and chosen by --conn, if given) left without plots by the limit (--plots), by number. */
  connections_not_plotted: number[];
  /** Directions of plotted connections drawn without DSN, goodput and out-of-order plots (too little data). */
  directions_not_plotted: Array<{ conn: number; dir: 'c2s' | 's2c'; unique_bytes: number; reason: string }>;
}

export type Summary = ReturnType<typeof buildSummary>;

/** summary.json: the input, the analysis counters, the totals, the connections in detail. */
export function buildSummary(version: string, input: InputFacts, analysis: AnalysisFacts, sink: ReportSink, plots: PlotFacts | null, selection: { conns: number[] | null; since: number | null; until: number | null } | null, connections: ConnectionSummary[]) {
  return {
    mptrace: version,
    input,
    analysis,
    selection,
    totals: { ...sink.totals },
    connections,
    connections_not_detailed: sink.summariesDropped,
    plots,
  };
}

/**
 * Writes summary.json's text with `write` and returns the summary. The
 * detailed connections, kept by the sink as compact JSON, are written
 * indented as they are, and only then parsed into the summary's objects,
 * each text let go once parsed: a join flood's one connection (9 MB of
 * text, 18 MB of objects) is never text and objects at once, nor objects
 * stringified again.
 */
export function writeSummary(write: (pieces: Iterable<string>) => void, version: string, input: InputFacts, analysis: AnalysisFacts, sink: ReportSink, plots: PlotFacts | null, selection: { conns: number[] | null; since: number | null; until: number | null } | null = null): Summary {
  const texts = sink.takeSummaries();
  const summary = buildSummary(version, input, analysis, sink, plots, selection, []);
  write(jsonPieces({ ...summary, connections: texts.map((text) => new JsonText(text)) }));
  for (let i = 0; i < texts.length; i++) {
    summary.connections.push(JSON.parse(texts[i]!) as ConnectionSummary);
    texts[i] = '';
  }
  return summary;
}

/**
 * summary.json's text, exactly as `JSON.stringify(summary, null, 2)` and
 * a line end, in pieces: a value holding a long array (the connections, a
 * connection's subflows) is taken apart, the rest stringified whole, so
 * the file (17 MB for one connection of 9,295 subflows) is never one
 * string, nor one buffer.
 */
export function summaryJson(summary: Summary): Generator<string> {
  return jsonPieces(summary);
}

export type ConnectionSummary = ReturnType<typeof connectionSummary>;

function flagsText(f: number | null): string | null {
  return f === null ? null : `0x${f.toString(16).padStart(2, '0')}`;
}

function hex32(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}

/** Rounds a figure that may be unknown. */
function roundOrNull(x: number | null, digits: number): number | null {
  return x === null ? null : round(x, digits);
}

function rttSummary(r: RttStats | null, measures: RttMeasures | null, t: TimeBase) {
  return r === null ? null : { samples: r.samples, min: round(r.min, t.digits), median: round(r.median, t.digits), p95: round(r.p95, t.digits), max: round(r.max, t.digits), measures };
}

function subflowSummary(s: SubflowRecord, t: TimeBase) {
  const dir = (d: 0 | 1) => {
    const x = s.dirs[d];
    return {
      payload_bytes: x.payloadBytes,
      packets: x.packets,
      retransmitted_packets: x.retransmittedPackets,
      retransmitted_bytes: x.retransmittedBytes,
      dsn_bytes: x.dsnBytes,
      reinjected_bytes: x.reinjectedBytes,
      reinjected_away_bytes: x.reinjectedAwayBytes,
      rtt: rttSummary(x.rtt, x.rttMeasures, t),
    };
  };
  return {
    subflow: s.index,
    flow: s.flow,
    kind: s.kind,
    client: { addr: s.clientAddr, port: s.clientPort },
    server: { addr: s.serverAddr, port: s.serverPort },
    interface: s.iface,
    addr_id: s.addrId,
    peer_addr_id: s.peerAddrId,
    backup: s.backup,
    backup_by: { client: s.backupByClient, server: s.backupByServer },
    hmac_ok: s.hmacOk,
    ...(s.kind === 'join' ? { token: s.token === null ? null : token(s.token), nonces: { initiator: hex32(s.nonceInit), responder: hex32(s.nonceResp) }, initiator: s.initiatorIsClient ? 'client' : 'server' } : {}),
    isn: { c2s: s.dirs[0].isn, s2c: s.dirs[1].isn },
    start: t.format(s.start),
    end: t.format(s.end),
    close: s.close,
    close_reason: s.closeReason,
    failed: s.failed,
    fallback: s.fallback,
    c2s: dir(0),
    s2c: dir(1),
  };
}

/**
 * A connection's summary as compact JSON: `JSON.stringify(connectionSummary(c, t))`,
 * its subflows stringified one at a time, so that a connection of
 * thousands of subflows (a flood of joins) never has all their summaries
 * as objects at once.
 */
export function connectionSummaryText(c: ConnectionRecord, t: TimeBase): string {
  const text = JSON.stringify(summaryOf(c, t, []));
  // The only key named so in a connection's summary (quotes inside text values are escaped).
  const at = text.indexOf('"subflows":[]') + '"subflows":['.length;
  let subflows = '';
  for (let i = 0; i < c.subflows.length; i++) subflows += `${i === 0 ? '' : ','}${JSON.stringify(subflowSummary(c.subflows[i]!, t))}`;
  return `${text.slice(0, at)}${subflows}${text.slice(at)}`;
}

export function connectionSummary(c: ConnectionRecord, t: TimeBase) {
  return summaryOf(
    c,
    t,
    c.subflows.map((s) => subflowSummary(s, t)),
  );
}

/** A connection's summary with the subflows' given. */
function summaryOf(c: ConnectionRecord, t: TimeBase, subflows: Array<ReturnType<typeof subflowSummary>>) {
  const dir = (d: 0 | 1) => {
    const m = c.dirs[d];
    return {
      unknown: m.unknown,
      unknown_cause: m.unknownCause,
      unique_bytes: m.uniqueBytes,
      payload_bytes: m.payloadBytes,
      retransmitted_bytes: m.retransmittedBytes,
      carried_bytes: m.carriedBytes,
      reinjected_bytes: m.reinjectedBytes,
      reinjected_segments: m.reinjectedSegments,
      redundant_reinjections: m.redundantReinjections,
      reinjection_ratio: roundOrNull(m.reinjectionRatio, 6),
      unmapped_bytes: m.unmappedBytes,
      cut_packets: m.cutPackets,
      holes:
        m.holes === null
          ? null
          : { count: m.holes, open_at_end: m.holesOpenAtEnd, total_duration: roundOrNull(m.holeTotalDuration, t.digits), max_duration: roundOrNull(m.holeMaxDuration, t.digits) },
      out_of_order_segments: m.outOfOrderSegments,
      max_ofo_bytes: m.maxOfoBytes,
      handover_stall_max: round(m.handoverStallMax, t.digits),
      goodput_bps: m.goodput === null ? null : Math.round(m.goodput),
      first_data: m.firstData === null ? null : t.format(m.firstData),
      last_data: m.lastData === null ? null : t.format(m.lastData),
      data_fin: m.dataFin === null ? null : { dsn: m.dataFin.dsn, frame: m.dataFin.frame, time: t.format(m.dataFin.time) },
      per_subflow: m.perSubflow.map((p) => ({ subflow: p.subflow, dsn_bytes: p.dsnBytes, share: round(p.share, 4) })),
      mptcp_rtt: rttSummary(m.mptcpRtt, m.rttMeasures, t),
    };
  };
  return {
    conn: c.id,
    version: c.version,
    client: { addr: c.clientAddr, port: c.clientPort, key: c.clientKey ? key(c.clientKey.hi, c.clientKey.lo) : null, token: c.clientToken === null ? null : token(c.clientToken) },
    server: { addr: c.serverAddr, port: c.serverPort, key: c.serverKey ? key(c.serverKey.hi, c.serverKey.lo) : null, token: c.serverToken === null ? null : token(c.serverToken) },
    checksum: c.checksum,
    mp_capable_flags: { syn: flagsText(c.mpCapableFlags.syn), synack: flagsText(c.mpCapableFlags.synack), ack: flagsText(c.mpCapableFlags.ack) },
    checksums: { verified_ok: c.checksums.verifiedOk, failed: c.checksums.failed, unverifiable: c.checksums.unverifiable },
    handshake: c.handshake,
    dsn_base: c.dsnBase,
    first_frame: c.firstFrame,
    start: t.format(c.start),
    end: t.format(c.end),
    duration: round(c.end - c.start, t.digits),
    vantage: c.vantage,
    vantage_source: c.vantageSource,
    fallback: c.fallback === null ? null : { kind: c.fallback.kind, time: t.format(c.fallback.time), frame: c.fallback.frame },
    close: c.close,
    resets: { mp_tcprst: c.resets.mpTcprst, subflow_rst: c.resets.subflowRst, mp_fastclose: c.resets.fastclose },
    join_failures: c.joinFailures,
    addresses: { client: Object.fromEntries(c.addresses.client), server: Object.fromEntries(c.addresses.server) },
    subflows,
    c2s: dir(0),
    s2c: dir(1),
    handovers: c.handoverRows.map((h) => ({ dir: h.dir === 0 ? 'c2s' : 's2c', time: t.format(h.time), frame: h.frame, from_subflow: h.fromSubflow, to_subflow: h.toSubflow, stall: round(h.stall, t.digits), stall_start: t.format(h.stallFrom), trigger: h.trigger || null })),
  };
}
