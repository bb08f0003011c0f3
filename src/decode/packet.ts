import * as A from './anomaly.js';
import { u32le } from './bytes.js';
import type { Diagnostics } from './diagnostics.js';
import type { Frame } from './frame.js';
import * as L from './linktype.js';
import { decodeDss, decodeMptcpOption, MP_DSS, MptcpOption, truncatedMptcpOption } from './mptcp.js';

/** What became of a frame. */
export const S_TCP = 0;
/** Not TCP (another protocol, ARP, non-IP, an ICMP error...). */
export const S_NOT_TCP = 1;
/** TCP over IP whose TCP header is cut or broken: counted as TCP, not analyzable. */
export const S_TCP_BROKEN = 2;
/** An IP fragment that does not hold the TCP header. */
export const S_FRAGMENT = 3;
/** A link type we do not decode. */
export const S_UNKNOWN_LINK = 4;
/** The link or IP layer is cut or broken before a transport could be seen. */
export const S_BROKEN = 5;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;
export const TCP_AE = 0x100;

export const OPT_EOL = 0;
export const OPT_NOP = 1;
export const OPT_MSS = 2;
export const OPT_WSCALE = 3;
export const OPT_SACK_PERM = 4;
export const OPT_SACK = 5;
export const OPT_TIMESTAMP = 8;
export const OPT_MD5 = 19;
export const OPT_UTO = 28;
export const OPT_AO = 29;
export const OPT_MPTCP = 30;
export const OPT_TFO = 34;
export const OPT_EXP1 = 253;
export const OPT_EXP2 = 254;

/** TCP options in one header: at most 40 bytes, so at most 40 options. */
const MAX_OPTIONS = 40;
/** MPTCP options kept per packet (more is an anomaly: real stacks send one or two). */
export const MAX_MPTCP = 8;
const MAX_TUNNEL_DEPTH = 4;
const GTPU_PORT = 2152;

/**
 * The decoded layers of one frame, reused for every packet (gopacket's
 * DecodingLayerParser idea): decoding writes fields in place and
 * allocates nothing. Offsets index the frame's buffer and share its
 * lifetime (until the reader's next `next()`).
 */
export class DecodedPacket {
  status = S_NOT_TCP;
  /** The first anomaly met (anomaly.ts), A_NONE when clean. */
  anomaly = A.A_NONE;

  ipVersion = 0;
  ipOffset = 0;
  srcOff = 0;
  dstOff = 0;
  /** 4 or 16. */
  addrLen = 0;
  /** TTL or hop limit of the innermost IP header. */
  ttl = 0;
  /** IPv4 identification of the innermost header (a sender's per-packet counter on Linux), or -1 for IPv6. */
  ipId = -1;
  /** A fragment (the first one, holding the TCP header, when status is S_TCP). */
  fragment = false;
  /** Encapsulations crossed to reach the TCP packet (GTP-U, IP in IP). */
  tunnels = 0;

  tcpOffset = 0;
  srcPort = 0;
  dstPort = 0;
  seq = 0;
  ack = 0;
  /** TCP header length in bytes (data offset * 4). */
  hdrLen = 0;
  flags = 0;
  window = 0;
  tcpChecksum = 0;
  urgent = 0;
  /** Payload bytes as the IP header declares them (what was on the wire). */
  payloadLen = 0;
  /** Index of the first payload byte, and how many payload bytes were captured. */
  payloadOffset = 0;
  payloadCaptured = 0;

  /** The option list was cut by the snaplen (what was there is decoded). */
  optionsTruncated = false;
  optCount = 0;
  /** Offset from the TCP header where the option walk stopped (the header's end unless cut or malformed). */
  optStop = 0;
  /**
   * Kind, offset (from the TCP header) and length of each option but NOP,
   * in order, for the dump: the bytes between two listed options are NOPs.
   */
  readonly optKinds = new Uint8Array(MAX_OPTIONS);
  readonly optOffsets = new Uint16Array(MAX_OPTIONS);
  readonly optLens = new Uint8Array(MAX_OPTIONS);
  mss = -1;
  wscale = -1;
  sackPerm = false;
  hasTimestamp = false;
  tsVal = 0;
  tsEcr = 0;
  sackCount = 0;
  readonly sackLeft = new Uint32Array(4);
  readonly sackRight = new Uint32Array(4);
  /** TFO cookie length (0 = cookie request), or -1 without the option. */
  tfoCookieLen = -1;
  tfoOffset = 0;

  mptcpCount = 0;
  readonly mptcp: MptcpOption[] = Array.from({ length: MAX_MPTCP }, () => new MptcpOption());
  /** An MPTCP option in this packet is malformed. */
  mptcpMalformed = false;
}

/** Per-run decode counters; anomalies are counted per kind. */
export class DecodeStats {
  frames = 0;
  tcp = 0;
  /** TCP packets carrying at least one MPTCP option. */
  mptcp = 0;
  notTcp = 0;
  fragments = 0;
  tunnelled = 0;
  /** Frames whose captured length is below their wire length. */
  snapped = 0;
  readonly anomalies = new Float64Array(A.ANOMALY_COUNT);
  /** Frames per link type we cannot decode. */
  readonly unknownLinks = new Map<number, number>();
  /** Frames per interface (index = frame.iface), for the summary. */
  readonly ifaceFrames: number[] = [];

  count(f: Frame, p: DecodedPacket): void {
    this.frames++;
    this.ifaceFrames[f.iface] = (this.ifaceFrames[f.iface] ?? 0) + 1;
    if (f.caplen < f.origLen) this.snapped++;
    if (p.anomaly !== A.A_NONE) this.anomalies[p.anomaly]!++;
    if (p.tunnels !== 0) this.tunnelled++;
    switch (p.status) {
      case S_TCP:
        this.tcp++;
        if (p.mptcpCount !== 0) this.mptcp++;
        break;
      case S_TCP_BROKEN:
        this.tcp++;
        break;
      case S_FRAGMENT:
        this.fragments++;
        this.notTcp++;
        break;
      case S_UNKNOWN_LINK:
        this.unknownLinks.set(f.linkType, (this.unknownLinks.get(f.linkType) ?? 0) + 1);
        this.notTcp++;
        break;
      default:
        this.notTcp++;
    }
    if (p.fragment && p.status === S_TCP) this.fragments++;
  }

  /** A link type mptrace does not decode is reported once, with how many frames it cost. */
  warnUnknownLinks(diag: Diagnostics): void {
    for (const [lt, n] of this.unknownLinks) diag.warn(undefined, `${n} frame${n === 1 ? '' : 's'} of link type ${lt} (${L.linkTypeName(lt)}) not decoded`);
  }
}

/**
 * Decodes `f` down to the MPTCP options into `p`. Never throws and never
 * reads past the captured bytes; returns `p.status`.
 */
export function decodePacket(f: Frame, p: DecodedPacket): number {
  p.anomaly = A.A_NONE;
  p.fragment = false;
  p.tunnels = 0;
  p.optionsTruncated = false;
  p.mptcpCount = 0;
  p.mptcpMalformed = false;
  const b = f.data;
  const dv = f.view;
  const start = f.offset;
  const end = start + f.caplen;
  // Bytes of the frame on the wire past `end` that the snaplen removed.
  const wireEnd = start + f.origLen;
  let off: number;
  let proto: number; // ethertype-style: 0x0800 / 0x86dd, or 0 when unknown
  switch (f.linkType) {
    case L.LINKTYPE_ETHERNET:
      if (end - start < 14) return brokenLink(p);
      off = start + 12;
      proto = dv.getUint16(off);
      off += 2;
      return ether(b, dv, off, end, wireEnd, proto, p);
    case L.LINKTYPE_LINUX_SLL:
      if (end - start < 16) return brokenLink(p);
      return ether(b, dv, start + 16, end, wireEnd, dv.getUint16(start + 14), p);
    case L.LINKTYPE_LINUX_SLL2:
      if (end - start < 20) return brokenLink(p);
      return ether(b, dv, start + 20, end, wireEnd, dv.getUint16(start), p);
    case L.LINKTYPE_RAW:
    case L.LINKTYPE_RAW_OLD:
    case L.LINKTYPE_RAW_OPENBSD:
    case L.LINKTYPE_IPV4:
    case L.LINKTYPE_IPV6:
      return ipByVersion(b, dv, start, end, wireEnd, p);
    case L.LINKTYPE_NULL: {
      if (end - start < 4) return brokenLink(p);
      // The address family is in the capturing host's byte order.
      let af = u32le(b, start);
      if (af > 0xffff) af = dv.getUint32(start);
      return loopback(b, dv, start + 4, end, wireEnd, af, p);
    }
    case L.LINKTYPE_LOOP:
      if (end - start < 4) return brokenLink(p);
      return loopback(b, dv, start + 4, end, wireEnd, dv.getUint32(start), p);
    case L.LINKTYPE_PPP:
    case L.LINKTYPE_PPP_HDLC:
      return ppp(b, dv, start, end, wireEnd, p);
    case L.LINKTYPE_C_HDLC:
      if (end - start < 4) return brokenLink(p);
      return ether(b, dv, start + 4, end, wireEnd, dv.getUint16(start + 2), p);
    case L.LINKTYPE_PPP_ETHER:
      if (end - start < 8) return brokenLink(p);
      return pppProto(b, dv, start + 6, end, wireEnd, p);
    default:
      p.status = S_UNKNOWN_LINK;
      return S_UNKNOWN_LINK;
  }
}

function brokenLink(p: DecodedPacket): number {
  p.anomaly = A.A_LINK_TRUNCATED;
  p.status = S_BROKEN;
  return S_BROKEN;
}

/** Ethertype dispatch, through VLAN tags (stacked), MPLS labels and PPPoE. */
function ether(b: Uint8Array, dv: DataView, off: number, end: number, wireEnd: number, proto: number, p: DecodedPacket): number {
  for (;;) {
    switch (proto) {
      case L.ETHERTYPE_IPV4:
        return ipv4(b, dv, off, end, wireEnd, p);
      case L.ETHERTYPE_IPV6:
        return ipv6(b, dv, off, end, wireEnd, p);
      case L.ETHERTYPE_VLAN:
      case L.ETHERTYPE_QINQ:
      case L.ETHERTYPE_QINQ_OLD1:
      case L.ETHERTYPE_QINQ_OLD2:
        if (end - off < 4) return brokenLink(p);
        proto = dv.getUint16(off + 2);
        off += 4;
        continue;
      case L.ETHERTYPE_MPLS:
      case L.ETHERTYPE_MPLS_MC:
        // Labels until bottom-of-stack; the payload's version nibble says which IP.
        for (;;) {
          if (end - off < 4) return brokenLink(p);
          const bos = (b[off + 2]! & 1) !== 0;
          off += 4;
          if (bos) break;
        }
        return ipByVersion(b, dv, off, end, wireEnd, p);
      case L.ETHERTYPE_PPPOE_SESSION:
        if (end - off < 8) return brokenLink(p);
        return pppProto(b, dv, off + 6, end, wireEnd, p);
      default:
        p.status = S_NOT_TCP;
        return S_NOT_TCP;
    }
  }
}

function loopback(b: Uint8Array, dv: DataView, off: number, end: number, wireEnd: number, af: number, p: DecodedPacket): number {
  if (af === 2) return ipv4(b, dv, off, end, wireEnd, p);
  // AF_INET6 is 10 on Linux, 24 on NetBSD/OpenBSD, 28 on FreeBSD, 30 on macOS.
  if (af === 10 || af === 24 || af === 28 || af === 30) return ipv6(b, dv, off, end, wireEnd, p);
  p.status = S_NOT_TCP;
  return S_NOT_TCP;
}

function ppp(b: Uint8Array, dv: DataView, off: number, end: number, wireEnd: number, p: DecodedPacket): number {
  if (end - off < 2) return brokenLink(p);
  if (b[off] === 0xff && b[off + 1] === 0x03) off += 2; // HDLC address and control
  else if (b[off] === 0x0f || b[off] === 0x8f) {
    // Cisco HDLC framing inside LINKTYPE_PPP_HDLC: an ethertype follows.
    if (end - off < 4) return brokenLink(p);
    return ether(b, dv, off + 4, end, wireEnd, dv.getUint16(off + 2), p);
  }
  return pppProto(b, dv, off, end, wireEnd, p);
}

function pppProto(b: Uint8Array, dv: DataView, off: number, end: number, wireEnd: number, p: DecodedPacket): number {
  if (end - off < 1) return brokenLink(p);
  let proto: number;
  // Protocol-field compression: an odd first byte is a one-byte protocol.
  if (b[off]! & 1) {
    proto = b[off]!;
    off += 1;
  } else {
    if (end - off < 2) return brokenLink(p);
    proto = dv.getUint16(off);
    off += 2;
  }
  if (proto === L.PPP_IPV4) return ipv4(b, dv, off, end, wireEnd, p);
  if (proto === L.PPP_IPV6) return ipv6(b, dv, off, end, wireEnd, p);
  p.status = S_NOT_TCP;
  return S_NOT_TCP;
}

function ipByVersion(b: Uint8Array, dv: DataView, off: number, end: number, wireEnd: number, p: DecodedPacket): number {
  if (end - off < 1) {
    p.anomaly = A.A_IP_TRUNCATED;
    p.status = S_BROKEN;
    return S_BROKEN;
  }
  const v = b[off]! >> 4;
  if (v === 4) return ipv4(b, dv, off, end, wireEnd, p);
  if (v === 6) return ipv6(b, dv, off, end, wireEnd, p);
  p.anomaly = A.A_IP_VERSION;
  p.status = S_BROKEN;
  return S_BROKEN;
}

function ipv4(b: Uint8Array, dv: DataView, off: number, end: number, wireEnd: number, p: DecodedPacket): number {
  if (end - off < 20) {
    p.anomaly = A.A_IP_TRUNCATED;
    p.status = S_BROKEN;
    return S_BROKEN;
  }
  const vihl = b[off]!;
  if (vihl >> 4 !== 4) {
    p.anomaly = A.A_IP_VERSION;
    p.status = S_BROKEN;
    return S_BROKEN;
  }
  const ihl = (vihl & 0x0f) << 2;
  if (ihl < 20) {
    p.anomaly = A.A_IPV4_HEADER_LENGTH;
    p.status = S_BROKEN;
    return S_BROKEN;
  }
  if (off + ihl > end) {
    p.anomaly = A.A_IP_TRUNCATED;
    p.status = S_BROKEN;
    return S_BROKEN;
  }
  let total = dv.getUint16(off + 2);
  const onWire = wireEnd - off;
  if (total === 0) total = onWire; // TSO/GSO segments captured before segmentation
  else if (total < ihl) {
    p.anomaly = A.A_IP_TOTAL_LENGTH;
    p.status = S_BROKEN;
    return S_BROKEN;
  } else if (total > onWire) {
    p.anomaly = A.A_IP_TOTAL_LENGTH;
    total = onWire;
  }
  const frag = dv.getUint16(off + 6);
  const proto = b[off + 9]!;
  p.ipVersion = 4;
  p.ipOffset = off;
  p.srcOff = off + 12;
  p.dstOff = off + 16;
  p.addrLen = 4;
  p.ttl = b[off + 8]!;
  p.ipId = dv.getUint16(off + 4);
  if ((frag & 0x3fff) !== 0) {
    p.fragment = true;
    if ((frag & 0x1fff) !== 0) {
      p.status = S_FRAGMENT;
      return S_FRAGMENT;
    }
  }
  const dEnd = off + total;
  return transport(b, dv, off + ihl, end < dEnd ? end : dEnd, dEnd, proto, p);
}

function ipv6(b: Uint8Array, dv: DataView, off: number, end: number, wireEnd: number, p: DecodedPacket): number {
  if (end - off < 40) {
    p.anomaly = A.A_IP_TRUNCATED;
    p.status = S_BROKEN;
    return S_BROKEN;
  }
  if (b[off]! >> 4 !== 6) {
    p.anomaly = A.A_IP_VERSION;
    p.status = S_BROKEN;
    return S_BROKEN;
  }
  let plen = dv.getUint16(off + 4);
  const onWire = wireEnd - off - 40;
  if (plen === 0) plen = onWire; // jumbogram or unsegmented GSO
  else if (plen > onWire) {
    p.anomaly = A.A_IP_TOTAL_LENGTH;
    plen = onWire;
  }
  p.ipVersion = 6;
  p.ipOffset = off;
  p.srcOff = off + 8;
  p.dstOff = off + 24;
  p.addrLen = 16;
  p.ttl = b[off + 7]!;
  p.ipId = -1;
  const dEnd = off + 40 + plen;
  const cEnd = end < dEnd ? end : dEnd;
  let nh = b[off + 6]!;
  let o = off + 40;
  for (let n = 0; ; n++) {
    switch (nh) {
      case 0: // hop-by-hop
      case 43: // routing
      case 60: // destination options
      case 135: // mobility
      case 139: // HIP
      case 140: // shim6
        if (n >= 16 || o + 8 > cEnd) return v6Ext(p, o + 8 > cEnd && cEnd < dEnd);
        nh = b[o]!;
        o += (b[o + 1]! + 1) << 3;
        continue;
      case 44: {
        // fragment
        if (n >= 16 || o + 8 > cEnd) return v6Ext(p, o + 8 > cEnd && cEnd < dEnd);
        const fo = dv.getUint16(o + 2);
        p.fragment = true;
        nh = b[o]!;
        o += 8;
        if (fo >> 3 !== 0) {
          p.status = S_FRAGMENT;
          return S_FRAGMENT;
        }
        continue;
      }
      case 51: // authentication header
        if (n >= 16 || o + 8 > cEnd) return v6Ext(p, o + 8 > cEnd && cEnd < dEnd);
        nh = b[o]!;
        o += (b[o + 1]! + 2) << 2;
        continue;
      default:
        if (o > dEnd) return v6Ext(p, false);
        return transport(b, dv, o, cEnd, dEnd, nh, p);
    }
  }
}

function v6Ext(p: DecodedPacket, truncated: boolean): number {
  p.anomaly = truncated ? A.A_IP_TRUNCATED : A.A_IPV6_EXTENSION;
  p.status = S_BROKEN;
  return S_BROKEN;
}

/** Transport dispatch: TCP, tunnels (IP in IP, GTP-U over UDP). `end` is captured, `dEnd` declared. */
function transport(b: Uint8Array, dv: DataView, off: number, end: number, dEnd: number, proto: number, p: DecodedPacket): number {
  if (proto === 6) return tcp(b, dv, off, end, dEnd, p);
  if (proto === 4 || proto === 41) {
    if (p.tunnels >= MAX_TUNNEL_DEPTH) return tooDeep(p);
    p.tunnels++;
    return proto === 4 ? ipv4(b, dv, off, end, dEnd, p) : ipv6(b, dv, off, end, dEnd, p);
  }
  if (proto === 17 && end - off >= 8) {
    const sp = dv.getUint16(off);
    const dp = dv.getUint16(off + 2);
    if (sp === GTPU_PORT || dp === GTPU_PORT) return gtpu(b, dv, off + 8, end, dEnd, p);
  }
  p.status = S_NOT_TCP;
  return S_NOT_TCP;
}

function tooDeep(p: DecodedPacket): number {
  p.anomaly = A.A_TUNNEL_DEPTH;
  p.status = S_BROKEN;
  return S_BROKEN;
}

/** GTPv1-U (3GPP TS 29.281): mobile operators capture user traffic this way. */
function gtpu(b: Uint8Array, dv: DataView, off: number, end: number, dEnd: number, p: DecodedPacket): number {
  if (end - off < 8) {
    p.status = S_NOT_TCP;
    return S_NOT_TCP;
  }
  const fl = b[off]!;
  // Version 1, protocol type GTP, message type T-PDU: anything else is signalling.
  if (fl >> 5 !== 1 || (fl & 0x10) === 0 || b[off + 1] !== 0xff) {
    p.status = S_NOT_TCP;
    return S_NOT_TCP;
  }
  let o = off + 8;
  if (fl & 0x07) {
    if (end - o < 4) return badGtp(p);
    let next = b[o + 3]!;
    o += 4;
    while (next !== 0) {
      if (end - o < 4) return badGtp(p);
      const n = b[o]! << 2;
      if (n === 0 || o + n > end) return badGtp(p);
      next = b[o + n - 1]!;
      o += n;
    }
  }
  if (p.tunnels >= MAX_TUNNEL_DEPTH) return tooDeep(p);
  p.tunnels++;
  if (end - o < 1) return badGtp(p);
  const v = b[o]! >> 4;
  if (v === 4) return ipv4(b, dv, o, end, dEnd, p);
  if (v === 6) return ipv6(b, dv, o, end, dEnd, p);
  p.status = S_NOT_TCP;
  return S_NOT_TCP;
}

function badGtp(p: DecodedPacket): number {
  p.anomaly = A.A_GTP_HEADER;
  p.status = S_BROKEN;
  return S_BROKEN;
}

function tcp(b: Uint8Array, dv: DataView, off: number, end: number, dEnd: number, p: DecodedPacket): number {
  p.tcpOffset = off;
  if (end - off < 20) {
    // Still TCP (Wireshark counts it), but nothing we can analyze.
    p.anomaly = dEnd - off < 20 ? A.A_TCP_DATA_OFFSET : A.A_TCP_TRUNCATED;
    p.status = S_TCP_BROKEN;
    return S_TCP_BROKEN;
  }
  p.srcPort = dv.getUint16(off);
  p.dstPort = dv.getUint16(off + 2);
  p.seq = dv.getUint32(off + 4);
  p.ack = dv.getUint32(off + 8);
  const doff = (b[off + 12]! >> 4) << 2;
  p.hdrLen = doff;
  p.flags = ((b[off + 12]! & 1) << 8) | b[off + 13]!;
  p.window = dv.getUint16(off + 14);
  p.tcpChecksum = dv.getUint16(off + 16);
  p.urgent = dv.getUint16(off + 18);
  if (doff < 20 || off + doff > dEnd) {
    p.anomaly = A.A_TCP_DATA_OFFSET;
    p.status = S_TCP_BROKEN;
    return S_TCP_BROKEN;
  }
  const pay = off + doff;
  p.payloadOffset = pay;
  p.payloadLen = dEnd - pay;
  p.payloadCaptured = end > pay ? end - pay : 0;
  p.status = S_TCP;
  options(b, dv, off + 20, pay, end, p);
  return S_TCP;
}

/** Walks the option list [o, hEnd); `cEnd` is where the captured bytes stop. */
function options(b: Uint8Array, dv: DataView, o: number, hEnd: number, cEnd: number, p: DecodedPacket): void {
  p.mss = -1;
  p.wscale = -1;
  p.sackPerm = false;
  p.hasTimestamp = false;
  p.sackCount = 0;
  p.tfoCookieLen = -1;
  const kinds = p.optKinds;
  const offs = p.optOffsets;
  const lens = p.optLens;
  const base = p.tcpOffset;
  const lim = hEnd < cEnd ? hEnd : cEnd;
  let n = 0;
  while (o < lim) {
    const kind = b[o]!;
    // NOPs are not listed: the bytes between listed options are all NOPs.
    if (kind === OPT_NOP) {
      o++;
      continue;
    }
    kinds[n] = kind;
    offs[n] = o - base;
    if (kind === OPT_EOL) {
      lens[n++] = 1;
      p.optCount = n;
      p.optStop = o + 1 - base;
      return;
    }
    if (o + 1 >= lim) break;
    const len = b[o + 1]!;
    if (len < 2 || o + len > hEnd) {
      p.optCount = n;
      p.optStop = o - base;
      anomaly(p, A.A_TCP_OPTION_LENGTH);
      return;
    }
    if (o + len > lim) {
      // Cut by the snaplen. An MPTCP option whose subtype byte survives is still
      // worth knowing about (a SYN with MP_CAPABLE is an MPTCP SYN): keep it, flagged.
      if (kind === OPT_MPTCP && o + 3 <= lim && p.mptcpCount < MAX_MPTCP) {
        lens[n++] = lim - o;
        truncatedMptcpOption(b, o, len, p.mptcp[p.mptcpCount++]!);
      }
      break;
    }
    lens[n++] = len;
    if (kind === OPT_TIMESTAMP) {
      if (len === 10) {
        p.hasTimestamp = true;
        p.tsVal = dv.getUint32(o + 2);
        p.tsEcr = dv.getUint32(o + 6);
      } else anomaly(p, A.A_TCP_OPTION_LENGTH);
    } else if (kind === OPT_MPTCP) {
      if (p.mptcpCount === MAX_MPTCP) anomaly(p, A.A_MPTCP_TOO_MANY);
      else {
        const m = p.mptcp[p.mptcpCount++]!;
        if (len >= 3 && b[o + 2]! >> 4 === MP_DSS ? !decodeDss(b, dv, o, len, m) : !decodeMptcpOption(b, dv, o, len, m)) {
          p.mptcpMalformed = true;
          anomaly(p, A.A_MPTCP_OPTION_LENGTH);
        } else if (m.subtype > 8 && m.subtype !== 15) anomaly(p, A.A_MPTCP_UNKNOWN_SUBTYPE);
      }
    } else otherOption(b, dv, o, len, kind, p);
    o += len;
  }
  p.optCount = n;
  p.optStop = o - base;
  // The loop stopped at the captured end before the header's end: the snaplen cut the options.
  if (o < hEnd) {
    p.optionsTruncated = true;
    anomaly(p, A.A_TCP_OPTIONS_TRUNCATED);
  }
}

function otherOption(b: Uint8Array, dv: DataView, o: number, len: number, kind: number, p: DecodedPacket): void {
  switch (kind) {
    case OPT_MSS:
      if (len === 4) p.mss = dv.getUint16(o + 2);
      else anomaly(p, A.A_TCP_OPTION_LENGTH);
      break;
    case OPT_WSCALE:
      if (len === 3) p.wscale = b[o + 2]!;
      else anomaly(p, A.A_TCP_OPTION_LENGTH);
      break;
    case OPT_SACK_PERM:
      p.sackPerm = true;
      if (len !== 2) anomaly(p, A.A_TCP_OPTION_LENGTH);
      break;
    case OPT_SACK: {
      if ((len - 2) % 8 !== 0) anomaly(p, A.A_TCP_OPTION_LENGTH);
      const n = Math.min(4, (len - 2) >> 3);
      for (let k = 0; k < n; k++) {
        p.sackLeft[k] = dv.getUint32(o + 2 + 8 * k);
        p.sackRight[k] = dv.getUint32(o + 6 + 8 * k);
      }
      p.sackCount = n;
      break;
    }
    case OPT_TFO:
      p.tfoCookieLen = len - 2;
      p.tfoOffset = o + 2;
      break;
    case OPT_EXP2:
    case OPT_EXP1:
      // Experimental TFO (RFC 7413 §4.1.1): magic 0xF989 before the cookie.
      if (len >= 4 && dv.getUint16(o + 2) === 0xf989) {
        p.tfoCookieLen = len - 4;
        p.tfoOffset = o + 4;
      }
      break;
    default:
      break;
  }
}

function anomaly(p: DecodedPacket, a: number): void {
  if (p.anomaly === A.A_NONE) p.anomaly = a;
}

