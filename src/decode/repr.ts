import { hex, u32be, u64Big } from './bytes.js';
import type { Frame } from './frame.js';
import { formatIp } from './ipaddr.js';
import * as M from './mptcp.js';
import {
  OPT_EOL,
  OPT_MPTCP,
  OPT_MSS,
  OPT_SACK,
  OPT_SACK_PERM,
  OPT_TFO,
  OPT_TIMESTAMP,
  OPT_WSCALE,
  OPT_EXP1,
  OPT_EXP2,
  type DecodedPacket,
} from './packet.js';

/**
 * Owned, plain representations of decoded options and packets (smoltcp's
 * `Repr` next to its `Packet` views): they copy what they need out of the
 * buffer, so they outlive it. For the dump and for tests; the analysis
 * reads the reused views directly.
 */
interface Common {
  /** Option length byte. */
  length: number;
  malformed: boolean;
  /** Present only when the snaplen cut the option: then only the subtype is known. */
  truncated?: true;
}

export type MptcpRepr = Common &
  (
    | {
        subtype: 'mp_capable';
        version: number;
        flags: number;
        senderKey?: bigint;
        receiverKey?: bigint;
        dataLen?: number;
        checksum?: number;
      }
    | {
        subtype: 'mp_join';
        phase: 'syn' | 'synack' | 'ack' | 'unknown';
        backup?: boolean;
        addrId?: number;
        token?: number;
        nonce?: number;
        hmac?: string;
      }
    | {
        subtype: 'dss';
        flags: number;
        dataAck?: bigint;
        ack64?: boolean;
        dsn?: bigint;
        dsn64?: boolean;
        ssn?: number;
        dataLen?: number;
        checksum?: number;
        dataFin: boolean;
      }
    | {
        subtype: 'add_addr';
        layout: 'rfc6824' | 'rfc8684';
        echo: boolean;
        addrId?: number;
        ipVersion: number;
        address?: string;
        port?: number;
        hmac?: string;
      }
    | { subtype: 'remove_addr'; addrIds: number[] }
    | { subtype: 'mp_prio'; backup: boolean; addrId?: number }
    | { subtype: 'mp_fail'; dsn?: bigint }
    | { subtype: 'mp_fastclose'; receiverKey?: bigint }
    | { subtype: 'mp_tcprst'; flags: number; reason?: number }
    | { subtype: 'unknown'; code: number; raw: string }
  );

export function mptcpRepr(b: Uint8Array, m: M.MptcpOption): MptcpRepr {
  const c = { length: m.length, malformed: m.malformed, ...(m.truncated ? { truncated: true as const } : {}) };
  if (m.truncated) return truncatedRepr(c, m);
  switch (m.subtype) {
    case M.MP_CAPABLE:
      return {
        ...c,
        subtype: 'mp_capable',
        version: m.version,
        flags: m.capFlags,
        ...(m.hasSenderKey ? { senderKey: u64Big(m.senderKeyHi, m.senderKeyLo) } : {}),
        ...(m.hasReceiverKey ? { receiverKey: u64Big(m.receiverKeyHi, m.receiverKeyLo) } : {}),
        ...(m.dataLen >= 0 ? { dataLen: m.dataLen } : {}),
        ...(m.checksum >= 0 ? { checksum: m.checksum } : {}),
      };
    case M.MP_JOIN: {
      const phase = m.length === 12 ? 'syn' : m.length === 16 ? 'synack' : m.length === 24 ? 'ack' : 'unknown';
      return {
        ...c,
        subtype: 'mp_join',
        phase,
        ...(phase === 'syn' || phase === 'synack' ? { backup: m.backup, addrId: m.addrId, nonce: m.nonce } : {}),
        ...(phase === 'syn' ? { token: m.token } : {}),
        ...(m.hmacOffset >= 0 ? { hmac: hex(b, m.hmacOffset, m.hmacLen) } : {}),
      };
    }
    case M.MP_DSS:
      return {
        ...c,
        subtype: 'dss',
        flags: m.dssFlags,
        ...(m.hasAck ? { dataAck: u64Big(m.ackHi, m.ackLo), ack64: m.ack64 } : {}),
        ...(m.hasMap ? { dsn: u64Big(m.dsnHi, m.dsnLo), dsn64: m.dsn64, ssn: m.ssn, dataLen: m.dataLen } : {}),
        ...(m.checksum >= 0 ? { checksum: m.checksum } : {}),
        dataFin: m.dataFin,
      };
    case M.MP_ADD_ADDR:
      return {
        ...c,
        subtype: 'add_addr',
        layout: m.addAddrV0 ? 'rfc6824' : 'rfc8684',
        echo: m.echo,
        addrId: m.addrId,
        ipVersion: m.ipVersion,
        ...(m.addrOffset >= 0 ? { address: formatIp(b, m.addrOffset, m.ipVersion === 4 ? 4 : 16) } : {}),
        ...(m.port >= 0 ? { port: m.port } : {}),
        ...(m.hmacOffset >= 0 ? { hmac: hex(b, m.hmacOffset, m.hmacLen) } : {}),
      };
    case M.MP_REMOVE_ADDR:
      return { ...c, subtype: 'remove_addr', addrIds: m.idsOffset >= 0 ? Array.from(b.subarray(m.idsOffset, m.idsOffset + m.idsCount)) : [] };
    case M.MP_PRIO:
      return { ...c, subtype: 'mp_prio', backup: m.backup, ...(m.addrId >= 0 ? { addrId: m.addrId } : {}) };
    case M.MP_FAIL:
      return { ...c, subtype: 'mp_fail', ...(m.dsn64 ? { dsn: u64Big(m.dsnHi, m.dsnLo) } : {}) };
    case M.MP_FASTCLOSE:
      return { ...c, subtype: 'mp_fastclose', ...(m.hasReceiverKey ? { receiverKey: u64Big(m.receiverKeyHi, m.receiverKeyLo) } : {}) };
    case M.MP_TCPRST:
      return { ...c, subtype: 'mp_tcprst', flags: m.rstFlags, ...(m.reason >= 0 ? { reason: m.reason } : {}) };
    default:
      return { ...c, subtype: 'unknown', code: m.subtype, raw: hex(b, m.offset, m.length) };
  }
}

function truncatedRepr(c: Common, m: M.MptcpOption): MptcpRepr {
  switch (m.subtype) {
    case M.MP_CAPABLE:
      return { ...c, subtype: 'mp_capable', version: m.version, flags: 0 };
    case M.MP_JOIN:
      return { ...c, subtype: 'mp_join', phase: 'unknown' };
    case M.MP_DSS:
      return { ...c, subtype: 'dss', flags: 0, dataFin: false };
    case M.MP_ADD_ADDR:
      return { ...c, subtype: 'add_addr', layout: 'rfc8684', echo: false, ipVersion: 0 };
    case M.MP_REMOVE_ADDR:
      return { ...c, subtype: 'remove_addr', addrIds: [] };
    case M.MP_PRIO:
      return { ...c, subtype: 'mp_prio', backup: false };
    case M.MP_FAIL:
      return { ...c, subtype: 'mp_fail' };
    case M.MP_FASTCLOSE:
      return { ...c, subtype: 'mp_fastclose' };
    case M.MP_TCPRST:
      return { ...c, subtype: 'mp_tcprst', flags: 0 };
    default:
      return { ...c, subtype: 'unknown', code: m.subtype, raw: '' };
  }
}

export type TcpOptionRepr =
  | { kind: 'eol' }
  | { kind: 'nop' }
  | { kind: 'mss'; value: number }
  | { kind: 'wscale'; value: number }
  | { kind: 'sack_perm' }
  | { kind: 'sack'; blocks: Array<[number, number]> }
  | { kind: 'timestamp'; value: number; echo: number }
  | { kind: 'tfo'; cookie: string }
  | { kind: 'mptcp'; option: MptcpRepr }
  | { kind: 'other'; code: number; raw: string };

export interface PacketRepr {
  frame: number;
  sec: number;
  nsec: number;
  ipVersion: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  /** Payload bytes on the wire, and how many were captured. */
  payloadLen: number;
  payloadCaptured: number;
  options: TcpOptionRepr[];
  optionsTruncated: boolean;
  tunnels: number;
}

/** A packet's owned representation; `p` must hold a decoded TCP packet of `f`. */
export function packetRepr(f: Frame, p: DecodedPacket): PacketRepr {
  const b = f.data;
  const options: TcpOptionRepr[] = [];
  let mp = 0;
  let at = p.tcpOffset + 20;
  for (let i = 0; i < p.optCount; i++) {
    const kind = p.optKinds[i]!;
    const o = p.tcpOffset + p.optOffsets[i]!;
    const len = p.optLens[i]!;
    for (; at < o; at++) options.push({ kind: 'nop' });
    at = o + len;
    switch (kind) {
      case OPT_EOL:
        options.push({ kind: 'eol' });
        break;
      case OPT_MSS:
        options.push(len === 4 ? { kind: 'mss', value: (b[o + 2]! << 8) | b[o + 3]! } : other(b, o, len));
        break;
      case OPT_WSCALE:
        options.push(len === 3 ? { kind: 'wscale', value: b[o + 2]! } : other(b, o, len));
        break;
      case OPT_SACK_PERM:
        options.push({ kind: 'sack_perm' });
        break;
      case OPT_SACK: {
        const blocks: Array<[number, number]> = [];
        for (let k = 0; k + 8 <= len - 2; k += 8) blocks.push([u32be(b, o + 2 + k), u32be(b, o + 6 + k)]);
        options.push({ kind: 'sack', blocks });
        break;
      }
      case OPT_TIMESTAMP:
        options.push(len === 10 ? { kind: 'timestamp', value: u32be(b, o + 2), echo: u32be(b, o + 6) } : other(b, o, len));
        break;
      case OPT_TFO:
        options.push({ kind: 'tfo', cookie: hex(b, o + 2, len - 2) });
        break;
      case OPT_EXP1:
      case OPT_EXP2:
        if (len >= 4 && b[o + 2] === 0xf9 && b[o + 3] === 0x89) options.push({ kind: 'tfo', cookie: hex(b, o + 4, len - 4) });
        else options.push(other(b, o, len));
        break;
      case OPT_MPTCP: {
        const m = p.mptcp[mp++];
        options.push(m ? { kind: 'mptcp', option: mptcpRepr(b, m) } : other(b, o, len));
        break;
      }
      default:
        options.push(other(b, o, len));
    }
  }
  // Trailing NOPs, up to where the walk stopped.
  for (const stop = p.tcpOffset + p.optStop; at < stop; at++) options.push({ kind: 'nop' });
  return {
    frame: f.index,
    sec: f.tsSec,
    nsec: f.tsNsec,
    ipVersion: p.ipVersion,
    src: formatIp(b, p.srcOff, p.addrLen),
    dst: formatIp(b, p.dstOff, p.addrLen),
    srcPort: p.srcPort,
    dstPort: p.dstPort,
    seq: p.seq,
    ack: p.ack,
    flags: p.flags,
    window: p.window,
    payloadLen: p.payloadLen,
    payloadCaptured: p.payloadCaptured,
    options,
    optionsTruncated: p.optionsTruncated,
    tunnels: p.tunnels,
  };
}

function other(b: Uint8Array, o: number, len: number): TcpOptionRepr {
  return { kind: 'other', code: b[o]!, raw: hex(b, o + 2, Math.max(0, len - 2)) };
}
