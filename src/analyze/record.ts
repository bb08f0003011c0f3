/**
 * A finished connection, read-only (Zeek's log record at the finalize hook):
 * every figure the report, the plots and `check` read, computed once from
 * the analysis state when the connection will change no more. Nothing
 * outside src/analyze sees the mutable Connection.
 *
 * Times are seconds after the capture's first whole second (TimeBase),
 * DSNs relative. A figure the capture cannot give is null, and the
 * direction's `unknown` says why (ANALYSIS.md: unknown is not zero).
 */
import { BASE_IDSN, BASE_OBSERVED, BASE_UNSET, ISN_INFERRED, type Connection, type Handshake, type MetaDir, type Subflow, type SubflowKind } from './connection.js';
import { C2S, S2C, type ConnectionClose, type FallbackKind, type HandoverRow, type JoinFailure, type SubflowClose } from './model.js';
import type { RttStats } from './detect/rtt.js';
import { vantageOf, type Vantage } from './vantage.js';

export type DirName = 'c2s' | 's2c';

/** A record's value, read-only all the way down: no sink may change what the others read. */
export type Frozen<T> = T extends ReadonlyMap<infer K, infer V> ? ReadonlyMap<K, Frozen<V>> : T extends object ? { readonly [P in keyof T]: Frozen<T[P]> } : T;

/** Why a direction's DSN figures cannot be computed (see unknownReason). */
export type UnknownCause = 'options-cut' | 'unmapped' | 'mid-connection';

export interface Key {
  hi: number;
  lo: number;
}

interface SubflowDirRecordFields {
  /** Payload bytes without subflow-level retransmissions. */
  payloadBytes: number;
  packets: number;
  retransmittedPackets: number;
  retransmittedBytes: number;
  /** DSN space carried on this subflow (each byte once per transmission here). */
  dsnBytes: number;
  /** Bytes it sent that another subflow had sent before (reinjections by it), and bytes of its own that others re-sent. */
  reinjectedBytes: number;
  reinjectedAwayBytes: number;
  isn: { value: number; source: 'syn' | 'inferred' } | null;
  /** Subflow RTT samples' figures for this direction's data (null: no sample), and what they measure from the capture point. */
  rtt: RttStats | null;
  rttMeasures: RttMeasures | null;
}
export type SubflowDirRecord = Frozen<SubflowDirRecordFields>;

interface SubflowRecordFields {
  index: number;
  /** Wireshark's tcp.stream. */
  flow: number;
  kind: SubflowKind;
  clientAddr: string;
  clientPort: number;
  serverAddr: string;
  serverPort: number;
  /** The capture interface its first packet came in on (an index into summary.json's input.interfaces). */
  iface: number;
  /** Address id of the initiator (0 for the initial subflow), of the responder; null when unseen. */
  addrId: number | null;
  peerAddrId: number | null;
  backup: boolean;
  backupByClient: boolean;
  backupByServer: boolean;
  hmacOk: boolean | null;
  /** Joins only. */
  token: number | null;
  nonceInit: number;
  nonceResp: number;
  initiatorIsClient: boolean;
  start: number;
  end: number;
  close: SubflowClose;
  /** The MP_TCPRST reason when `close` is mp_tcprst. */
  closeReason: string | null;
  failed: JoinFailure | null;
  fallback: FallbackKind | null;
  dirs: readonly [SubflowDirRecordFields, SubflowDirRecordFields];
}
export type SubflowRecord = Frozen<SubflowRecordFields>;

interface DirRecordFields {
  dir: DirName;
  /** Why the DSN figures below are null, in words and as a cause; null when they are known. */
  unknown: string | null;
  unknownCause: UnknownCause | null;
  /** Payload bytes on the subflows (without their retransmissions), and the retransmitted ones: TCP figures, known whenever headers are. */
  payloadBytes: number;
  retransmittedBytes: number;
  /** Data packets whose MPTCP options the snaplen cut. */
  cutPackets: number;
  /** Payload bytes no DSS mapping placed in the data sequence. */
  unmappedBytes: number;
  uniqueBytes: number | null;
  carriedBytes: number | null;
  reinjectedBytes: number | null;
  reinjectedSegments: number | null;
  redundantReinjections: number | null;
  /** reinjected / unique bytes (0 when nothing was carried). */
  reinjectionRatio: number | null;
  holes: number | null;
  holesOpenAtEnd: number | null;
  holeTotalDuration: number | null;
  holeMaxDuration: number | null;
  outOfOrderSegments: number | null;
  maxOfoBytes: number | null;
  /** Longest handover stall of this direction (0 without handovers). */
  handoverStallMax: number;
  /** Unique bytes over the time between first and last data, in bit/s; null when unknown or carried in an instant. */
  goodput: number | null;
  firstData: number | null;
  lastData: number | null;
  dataFin: { dsn: number; frame: number; time: number } | null;
  perSubflow: ReadonlyArray<{ subflow: number; dsnBytes: number; share: number }>;
  /** MPTCP-level RTT samples' figures (null: no sample, or the DSN figures are unknown). */
  mptcpRtt: RttStats | null;
  /**
   * What those samples measure from where the capture was taken: `rtt` near
   * the data's sender, `ack-delay` near its receiver (the receiver's delay in
   * acknowledging), `partial` in between; null when the vantage is unknown.
   */
  rttMeasures: RttMeasures | null;
}
export type DirRecord = Frozen<DirRecordFields>;

export type RttMeasures = 'rtt' | 'ack-delay' | 'partial';

function rttMeasures(vantage: Vantage, d: 0 | 1): RttMeasures | null {
  if (vantage === 'unknown') return null;
  if (vantage === 'between') return 'partial';
  return (vantage === 'client') === (d === 0) ? 'rtt' : 'ack-delay';
}

interface ConnectionRecordFields {
  id: number;
  version: number | null;
  clientAddr: string;
  clientPort: number;
  serverAddr: string;
  serverPort: number;
  clientKey: Key | null;
  serverKey: Key | null;
  clientToken: number | null;
  serverToken: number | null;
  /** DSS checksums negotiated; null when no handshake flags were seen. */
  checksum: boolean | null;
  mpCapableFlags: { syn: number | null; synack: number | null; ack: number | null };
  checksums: { verifiedOk: number; failed: number; unverifiable: number };
  handshake: Handshake;
  /** idsn, observed, mixed; null without data. */
  dsnBase: 'idsn' | 'observed' | 'mixed' | null;
  firstFrame: number;
  start: number;
  end: number;
  vantage: Vantage;
  vantageSource: 'ttl' | 'timing' | 'none' | 'option';
  fallback: { kind: FallbackKind; time: number; frame: number } | null;
  close: ConnectionClose;
  /** MP_TCPRST options, subflow RSTs (per flow direction), MP_FASTCLOSE. */
  resets: { mpTcprst: number; subflowRst: number; fastclose: boolean };
  joinFailures: number;
  addresses: { client: ReadonlyMap<number, string>; server: ReadonlyMap<number, string> };
  subflows: readonly SubflowRecord[];
  dirs: readonly [DirRecord, DirRecord];
  handovers: number;
  /** The first MAX_KEPT_HANDOVERS of them. */
  handoverRows: readonly HandoverRow[];
}
export type ConnectionRecord = Frozen<ConnectionRecordFields>;

/** Freezes a finished connection into its record. `vantage` is the user's word, when given. */
export function freezeConnection(c: Connection, vantage?: 'client' | 'server'): ConnectionRecord {
  const v = vantage ? { vantage, source: 'option' as const } : vantageOf(c);
  const subflows = c.subflows.map((s) => subflowRecord(s, v.vantage));
  const rec: ConnectionRecord = {
    id: c.id,
    version: c.version < 0 ? null : c.version,
    clientAddr: c.clientAddr,
    clientPort: c.clientPort,
    serverAddr: c.serverAddr,
    serverPort: c.serverPort,
    clientKey: keyOf(c.dirs[C2S]),
    serverKey: keyOf(c.dirs[S2C]),
    clientToken: c.dirs[C2S].token < 0 ? null : c.dirs[C2S].token,
    serverToken: c.dirs[S2C].token < 0 ? null : c.dirs[S2C].token,
    checksum: c.checksum ?? null,
    mpCapableFlags: { syn: flags(c.dirs[C2S].synFlags), synack: flags(c.dirs[S2C].synFlags), ack: flags(c.dirs[C2S].ackFlags) },
    checksums: { verifiedOk: c.checksumsOk, failed: c.checksumsBad, unverifiable: c.checksumsUnverified },
    handshake: c.handshake,
    dsnBase: dsnBase(c),
    firstFrame: c.firstFrame,
    start: c.start,
    end: c.end,
    vantage: v.vantage,
    vantageSource: v.source,
    fallback: c.fallback === '' ? null : { kind: c.fallback, time: c.fallbackTime, frame: c.fallbackFrame },
    close: c.close,
    resets: { mpTcprst: c.tcprsts, subflowRst: c.subflowRsts, fastclose: c.fastclose },
    joinFailures: subflows.filter((s) => s.failed !== null).length,
    addresses: { client: new Map(c.addresses[0] ?? []), server: new Map(c.addresses[1] ?? []) },
    subflows,
    dirs: [dirRecord(c, subflows, 0, v.vantage), dirRecord(c, subflows, 1, v.vantage)],
    handovers: c.handovers,
    handoverRows: [...c.handoverRows],
  };
  return FREEZE_RECORDS ? deepFreeze(rec) : rec;
}

/**
 * Whether records are frozen at run time too: under the tests (vitest sets
 * VITEST), so that a sink changing one fails there. Their types are
 * read-only all the way down (Frozen) for every build; walking each record
 * to freeze it took 4% of the time of 100 k short connections.
 */
const FREEZE_RECORDS = process.env.VITEST !== undefined;

function keyOf(m: MetaDir): Key | null {
  return m.keyKnown ? { hi: m.keyHi, lo: m.keyLo } : null;
}

function flags(f: number): number | null {
  return f < 0 ? null : f;
}

function dsnBase(c: Connection): ConnectionRecord['dsnBase'] {
  const modes = c.dirs.map((d) => d.baseMode).filter((m) => m !== BASE_UNSET);
  if (modes.length === 0) return null;
  if (modes.every((m) => m === BASE_IDSN)) return 'idsn';
  if (modes.every((m) => m === BASE_OBSERVED)) return 'observed';
  return 'mixed';
}

function subflowRecord(s: Subflow, vantage: Vantage): SubflowRecord {
  const f = s.flow;
  const a = s.aIsClient;
  return {
    index: s.index,
    flow: f.id,
    kind: s.kind,
    clientAddr: a ? f.textA : f.textB,
    clientPort: a ? f.portA : f.portB,
    serverAddr: a ? f.textB : f.textA,
    serverPort: a ? f.portB : f.portA,
    iface: f.iface,
    addrId: s.kind === 'initial' ? 0 : s.addrId < 0 ? null : s.addrId,
    peerAddrId: s.peerAddrId < 0 ? null : s.peerAddrId,
    backup: s.prio[0] || s.prio[1],
    backupByClient: s.prio[0],
    backupByServer: s.prio[1],
    hmacOk: s.hmacOk,
    token: s.kind === 'join' && s.token >= 0 ? s.token : null,
    nonceInit: s.nonceInit,
    nonceResp: s.nonceResp,
    initiatorIsClient: s.initiatorIsClient,
    start: f.firstTime,
    end: Math.max(s.end, f.lastTime),
    close: s.close ?? 'open',
    closeReason: s.closeReason,
    failed: s.failed,
    fallback: s.fallback === '' ? null : s.fallback,
    dirs: [subflowDir(s, 0, vantage), subflowDir(s, 1, vantage)],
  };
}

function subflowDir(s: Subflow, d: 0 | 1, vantage: Vantage): SubflowDirRecord {
  const fd = s.flow.dirs[(d === 0) === s.aIsClient ? 0 : 1];
  const sd = s.dirs[d];
  return {
    payloadBytes: fd.payload - fd.retransBytes,
    packets: fd.packets,
    retransmittedPackets: fd.retransPackets,
    retransmittedBytes: fd.retransBytes,
    dsnBytes: sd.dsnBytes,
    reinjectedBytes: sd.reinjected,
    reinjectedAwayBytes: sd.reinjectedAway,
    isn: fd.synSeen ? { value: fd.base, source: 'syn' } : sd.isnMode === ISN_INFERRED ? { value: sd.isn, source: 'inferred' } : null,
    rtt: sd.rtt,
    rttMeasures: rttMeasures(vantage, d),
  };
}

/**
 * Why a direction's DSN figures cannot be computed, or null. Data that no
 * DSS mapping placed leaves unique bytes, reinjections and holes unknown;
 * a connection whose handshake was not captured has data sent before the
 * capture began. Data after a fallback is plain TCP: known, not MPTCP.
 */
function unknownReason(c: Connection, d: 0 | 1, payload: number): [UnknownCause, string] | null {
  const m = c.dirs[d];
  if (payload === 0 && m.carried === 0) return null;
  if (c.handshake === 'missing') return ['mid-connection', 'capture starts mid-connection (no MP_CAPABLE handshake): data sent before it is not seen'];
  if (m.unmappedBytes > 0 && m.cutPackets > 0) return ['options-cut', `MPTCP options cut by the snaplen on ${m.cutPackets} data packets: ${m.unmappedBytes} bytes could not be placed in the data sequence`];
  if (m.unmappedBytes > 0 && c.fallback === '') return ['unmapped', `${m.unmappedBytes} bytes carried without a DSS mapping (options stripped, or the keys never seen)`];
  return null;
}

function dirRecord(c: Connection, subflows: readonly SubflowRecord[], d: 0 | 1, vantage: Vantage): DirRecord {
  const m = c.dirs[d];
  let payload = 0;
  let retrans = 0;
  for (const s of subflows) {
    payload += s.dirs[d].payloadBytes;
    retrans += s.dirs[d].retransmittedBytes;
  }
  const why = unknownReason(c, d, payload);
  const unknown = why === null ? null : why[1];
  const known = <T>(x: T): T | null => (unknown === null ? x : null);
  const unique = m.uniqueBytes;
  let stall = 0;
  for (const h of c.handoverRows) if (h.dir === d && h.stall > stall) stall = h.stall;
  const span = m.lastData - m.firstData;
  return {
    dir: d === 0 ? 'c2s' : 's2c',
    unknown,
    unknownCause: why === null ? null : why[0],
    payloadBytes: payload,
    retransmittedBytes: retrans,
    cutPackets: m.cutPackets,
    unmappedBytes: m.unmappedBytes,
    uniqueBytes: known(unique),
    carriedBytes: known(m.carried),
    reinjectedBytes: known(m.reinjectedBytes),
    reinjectedSegments: known(m.reinjectedSegments),
    redundantReinjections: known(m.redundantReinjections),
    reinjectionRatio: known(unique > 0 ? m.reinjectedBytes / unique : 0),
    holes: known(m.holeCount),
    holesOpenAtEnd: known(m.holesOpen),
    holeTotalDuration: known(m.holeTime),
    holeMaxDuration: known(m.holeMax),
    outOfOrderSegments: known(m.ofoSegments),
    maxOfoBytes: known(m.maxOfo),
    handoverStallMax: stall,
    goodput: unknown === null && span > 0 ? (unique * 8) / span : null,
    firstData: Number.isNaN(m.firstData) ? null : m.firstData,
    lastData: Number.isNaN(m.lastData) ? null : m.lastData,
    dataFin: Number.isNaN(m.dataFin) ? null : { dsn: m.dataFin, frame: m.dataFinFrame, time: m.dataFinTime },
    perSubflow: subflows.map((s) => ({ subflow: s.index, dsnBytes: s.dirs[d].dsnBytes, share: m.carried > 0 ? s.dirs[d].dsnBytes / m.carried : 0 })),
    mptcpRtt: known(m.mptcpRtt),
    rttMeasures: rttMeasures(vantage, d),
  };
}

function deepFreeze<T>(x: T): T {
  if (x !== null && typeof x === 'object' && !Object.isFrozen(x) && !(x instanceof Map)) {
    Object.freeze(x);
    // Walked without Object.values: its array per object was a third of what finishing a short connection allocated.
    if (Array.isArray(x)) for (let i = 0; i < x.length; i++) deepFreeze(x[i]);
    else for (const k in x) deepFreeze(x[k]);
  }
  return x;
}
