import { ISN_INFERRED, type Connection, type Subflow } from '../analyze/connection.js';
import type { HandoverRow } from '../analyze/model.js';
import { boolText, key, token } from './format.js';
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
  token_collisions: number;
  packets_with_cut_mptcp_options: number;
  malformed_mptcp_options: number;
  unmapped_segments: number;
}

/** The plots written (null with --no-plots). */
export interface PlotFacts {
  files: string[];
  connections_not_plotted: number;
}

export type Summary = ReturnType<typeof buildSummary>;

/** summary.json: the input, the analysis counters, the totals, the connections in detail. */
export function buildSummary(version: string, input: InputFacts, analysis: AnalysisFacts, sink: ReportSink, plots: PlotFacts | null) {
  return {
    mptrace: version,
    input,
    analysis,
    totals: { ...sink.totals },
    connections: sink.summaries,
    connections_not_detailed: sink.summariesDropped,
    plots,
  };
}

/** Hole figures gathered per connection direction from the hole rows. */
export interface DirAggregates {
  holes: number;
  holesOpen: number;
  holeTime: number;
  holeMax: number;
}

export type ConnectionSummary = ReturnType<typeof connectionSummary>;

const INITIAL_TTLS = new Set([32, 64, 128, 255]);
/** How much faster one side must answer in the handshake for timing to tell the vantage point. */
const TIMING_RATIO = 4;

export type Vantage = 'client' | 'server' | 'between' | 'unknown';

/**
 * Which end the capture is nearest to. TTLs first: a host's own packets
 * leave with an initial TTL (64, 128, 255...), the peer's arrive with it
 * decremented by each router on the way. When TTLs do not tell (no router,
 * or a capture between routers), the handshake's timing does: the side
 * near the capture point answers at once, the far side a round trip later.
 */
export function vantageOf(c: Connection): { vantage: Vantage; source: 'ttl' | 'timing' | 'none' } {
  let client = 0;
  let server = 0;
  let between = 0;
  for (const s of c.subflows) {
    const cd = s.flow.dirs[s.aIsClient ? 0 : 1];
    const sd = s.flow.dirs[s.aIsClient ? 1 : 0];
    if (cd.ttlMax < 0 || sd.ttlMax < 0) continue;
    const cInit = INITIAL_TTLS.has(cd.ttlMax);
    const sInit = INITIAL_TTLS.has(sd.ttlMax);
    if (cInit && !sInit) client++;
    else if (sInit && !cInit) server++;
    else if (!cInit && !sInit) between++;
  }
  if (client > server && client >= between) return { vantage: 'client', source: 'ttl' };
  if (server > client && server >= between) return { vantage: 'server', source: 'ttl' };
  // Timing: SYN → SYN/ACK is the server's answer, SYN/ACK → ACK the client's.
  for (const s of c.subflows) {
    const f = s.flow;
    const serverAnswer = f.synAckTime - f.synTime;
    const clientAnswer = f.ackTime - f.synAckTime;
    if (!(serverAnswer >= 0 && clientAnswer >= 0)) continue;
    const nearSyn = s.aIsClient ? 'client' : 'server';
    const nearOther = s.aIsClient ? 'server' : 'client';
    if (clientAnswer * TIMING_RATIO < serverAnswer) return { vantage: nearSyn, source: 'timing' };
    if (serverAnswer * TIMING_RATIO < clientAnswer) return { vantage: nearOther, source: 'timing' };
  }
  if (between > 0) return { vantage: 'between', source: 'ttl' };
  return { vantage: 'unknown', source: 'none' };
}

function flagsText(f: number): string | null {
  return f < 0 ? null : `0x${f.toString(16).padStart(2, '0')}`;
}

function hex32(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
}

/** A subflow direction's ISN: from its SYN, or inferred from the DSS mappings when the SYN was not captured. */
function isnOf(s: Subflow, d: 0 | 1): { value: number; source: 'syn' | 'inferred' } | null {
  const fd = s.flow.dirs[d === 0 ? (s.aIsClient ? 0 : 1) : s.aIsClient ? 1 : 0];
  if (fd.synSeen) return { value: fd.base, source: 'syn' };
  const sd = s.dirs[d];
  return sd.isnMode === ISN_INFERRED ? { value: sd.isn, source: 'inferred' } : null;
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}

function subflowSummary(s: Subflow, t: TimeBase) {
  const f = s.flow;
  const cd = f.dirs[s.aIsClient ? 0 : 1];
  const sd = f.dirs[s.aIsClient ? 1 : 0];
  const [ca, cp, sa, sp] = s.aIsClient ? [f.textA, f.portA, f.textB, f.portB] : [f.textB, f.portB, f.textA, f.portA];
  return {
    subflow: s.index,
    flow: f.id,
    kind: s.kind,
    client: { addr: ca, port: cp },
    server: { addr: sa, port: sp },
    addr_id: s.kind === 'initial' ? 0 : s.addrId < 0 ? null : s.addrId,
    peer_addr_id: s.peerAddrId < 0 ? null : s.peerAddrId,
    backup: s.prio[0] || s.prio[1],
    backup_by: { client: s.prio[0], server: s.prio[1] },
    hmac_ok: s.hmacOk,
    ...(s.kind === 'join' ? { token: s.token < 0 ? null : token(s.token), nonces: { initiator: hex32(s.nonceInit), responder: hex32(s.nonceResp) }, initiator: s.initiatorIsClient ? 'client' : 'server' } : {}),
    isn: { c2s: isnOf(s, 0), s2c: isnOf(s, 1) },
    start: t.format(f.firstTime),
    end: t.format(Math.max(s.end, f.lastTime)),
    close: s.close,
    failed: s.failed || null,
    fallback: s.fallback || null,
    c2s: { bytes: cd.payload - cd.retransBytes, packets: cd.packets, retransmitted_packets: cd.retransPackets, retransmitted_bytes: cd.retransBytes, dsn_bytes: s.dirs[0].dsnBytes, reinjected_bytes: s.dirs[0].reinjected, reinjected_away_bytes: s.dirs[0].reinjectedAway },
    s2c: { bytes: sd.payload - sd.retransBytes, packets: sd.packets, retransmitted_packets: sd.retransPackets, retransmitted_bytes: sd.retransBytes, dsn_bytes: s.dirs[1].dsnBytes, reinjected_bytes: s.dirs[1].reinjected, reinjected_away_bytes: s.dirs[1].reinjectedAway },
  };
}

export function connectionSummary(c: Connection, agg: [DirAggregates, DirAggregates], handovers: HandoverRow[], t: TimeBase, vantage: 'client' | 'server' | undefined) {
  const dir = (d: 0 | 1) => {
    const m = c.dirs[d];
    const a = agg[d];
    const unique = m.uniqueBytes;
    return {
      bytes: unique,
      carried_bytes: m.carried,
      reinjected_bytes: m.reinjectedBytes,
      reinjected_segments: m.reinjectedSegments,
      redundant_reinjections: m.redundantReinjections,
      reinjection_ratio: unique > 0 ? round(m.reinjectedBytes / unique, 6) : 0,
      unmapped_bytes: m.unmappedBytes,
      holes: { count: a.holes, open_at_end: a.holesOpen, total_duration: round(a.holeTime, t.digits), max_duration: round(a.holeMax, t.digits) },
      out_of_order_segments: m.ofoSegments,
      max_ofo_bytes: m.maxOfo,
      first_data: Number.isNaN(m.firstData) ? null : t.format(m.firstData),
      last_data: Number.isNaN(m.lastData) ? null : t.format(m.lastData),
      data_fin: Number.isNaN(m.dataFin) ? null : { dsn: m.dataFin, frame: m.dataFinFrame, time: t.format(m.dataFinTime) },
      per_subflow: c.subflows.map((s) => ({ subflow: s.index, dsn_bytes: s.dirs[d].dsnBytes, share: m.carried > 0 ? round(s.dirs[d].dsnBytes / m.carried, 4) : 0 })),
    };
  };
  return {
    conn: c.id,
    version: c.version < 0 ? null : c.version,
    client: { addr: c.clientAddr, port: c.clientPort, key: c.clientKeyKnown ? key(c.clientKeyHi, c.clientKeyLo) : null, token: c.clientToken < 0 ? null : token(c.clientToken) },
    server: { addr: c.serverAddr, port: c.serverPort, key: c.serverKeyKnown ? key(c.serverKeyHi, c.serverKeyLo) : null, token: c.serverToken < 0 ? null : token(c.serverToken) },
    checksum: boolText(c.checksum) || null,
    mp_capable_flags: { syn: flagsText(c.flagsSyn), synack: flagsText(c.flagsSynAck), ack: flagsText(c.flagsAck) },
    checksums: { verified_ok: c.checksumsOk, failed: c.checksumsBad, unverifiable: c.checksumsUnverified },
    handshake: c.handshake,
    dsn_base: c.dsnBase || null,
    first_frame: c.firstFrame,
    start: t.format(c.start),
    end: t.format(c.end),
    duration: round(c.end - c.start, t.digits),
    ...(vantage ? { vantage, vantage_source: 'option' } : ((v) => ({ vantage: v.vantage, vantage_source: v.source }))(vantageOf(c))),
    fallback: c.fallback === '' ? null : { kind: c.fallback, time: t.format(c.fallbackTime), frame: c.fallbackFrame },
    close: c.close,
    addresses: { client: Object.fromEntries(c.addresses[0] ?? []), server: Object.fromEntries(c.addresses[1] ?? []) },
    subflows: c.subflows.map((s) => subflowSummary(s, t)),
    c2s: dir(0),
    s2c: dir(1),
    handovers: handovers.map((h) => ({ dir: h.dir === 0 ? 'c2s' : 's2c', time: t.format(h.time), frame: h.frame, from: h.fromSubflow, to: h.toSubflow, stall: round(h.stall, t.digits), trigger: h.trigger || null })),
  };
}
