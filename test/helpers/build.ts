/**
 * A test-only capture writer: packets and whole pcap / pcapng files built
 * from short descriptions, for the cases no real capture shows. Not for
 * speed: clarity first, BigInt welcome.
 */

export type Bytes = Uint8Array;

export function concat(...parts: Bytes[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function bytes(...xs: number[]): Bytes {
  return Uint8Array.from(xs);
}

export function be16(v: number): Bytes {
  return bytes((v >>> 8) & 0xff, v & 0xff);
}

export function be32(v: number): Bytes {
  return bytes((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

export function be64(v: bigint): Bytes {
  return concat(be32(Number((v >> 32n) & 0xffffffffn)), be32(Number(v & 0xffffffffn)));
}

export function le16(v: number): Bytes {
  return bytes(v & 0xff, (v >>> 8) & 0xff);
}

export function le32(v: number): Bytes {
  return bytes(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
}

export function fromHex(h: string): Bytes {
  const s = h.replace(/[^0-9a-f]/gi, '');
  return Uint8Array.from(s.match(/../g) ?? [], (x) => parseInt(x, 16));
}

export function ip(addr: string): Bytes {
  if (addr.includes(':')) {
    const [head, tail] = addr.split('::') as [string, string | undefined];
    const hs = head ? head.split(':') : [];
    const ts = tail !== undefined && tail !== '' ? tail.split(':') : [];
    const fill = tail === undefined ? [] : Array(8 - hs.length - ts.length).fill('0');
    return concat(...[...hs, ...fill, ...ts].map((w) => be16(parseInt(w, 16))));
  }
  return Uint8Array.from(addr.split('.').map(Number));
}

// ---- TCP options ----

function opt(kind: number, body: Bytes): Bytes {
  return concat(bytes(kind, body.length + 2), body);
}

export const tcpOpt = {
  nop: () => bytes(1),
  eol: () => bytes(0),
  mss: (v: number) => opt(2, be16(v)),
  wscale: (v: number) => opt(3, bytes(v)),
  sackPerm: () => opt(4, new Uint8Array(0)),
  sack: (blocks: Array<[number, number]>) => opt(5, concat(...blocks.map(([l, r]) => concat(be32(l), be32(r))))),
  timestamp: (val: number, ecr: number) => opt(8, concat(be32(val), be32(ecr))),
  tfo: (cookie: Bytes) => opt(34, cookie),
  raw: (kind: number, body: Bytes) => opt(kind, body),
};

/** MPTCP option: kind 30, length, then `subtype << 4 | nibble`, then the rest. */
export function mptcp(subtype: number, nibble: number, rest: Bytes): Bytes {
  return concat(bytes(30, rest.length + 3, (subtype << 4) | (nibble & 0x0f)), rest);
}

export const mp = {
  capable(o: { version?: number; flags?: number; senderKey?: bigint; receiverKey?: bigint; dataLen?: number; checksum?: number }): Bytes {
    const parts: Bytes[] = [bytes(o.flags ?? 0x01)];
    if (o.senderKey !== undefined) parts.push(be64(o.senderKey));
    if (o.receiverKey !== undefined) parts.push(be64(o.receiverKey));
    if (o.dataLen !== undefined) parts.push(be16(o.dataLen));
    if (o.checksum !== undefined) parts.push(be16(o.checksum));
    return mptcp(0, o.version ?? 1, concat(...parts));
  },
  joinSyn(o: { backup?: boolean; addrId: number; token: number; nonce: number }): Bytes {
    return mptcp(1, o.backup ? 1 : 0, concat(bytes(o.addrId), be32(o.token), be32(o.nonce)));
  },
  joinSynAck(o: { backup?: boolean; addrId: number; hmac: Bytes; nonce: number }): Bytes {
    return mptcp(1, o.backup ? 1 : 0, concat(bytes(o.addrId), o.hmac.subarray(0, 8), be32(o.nonce)));
  },
  joinAck(hmac: Bytes): Bytes {
    return mptcp(1, 0, concat(bytes(0), hmac.subarray(0, 20)));
  },
  dss(o: { ack?: bigint; ack64?: boolean; dsn?: bigint; dsn64?: boolean; ssn?: number; len?: number; checksum?: number; fin?: boolean }): Bytes {
    let flags = 0;
    const parts: Bytes[] = [];
    if (o.ack !== undefined) {
      flags |= 0x01;
      if (o.ack64 !== false) {
        flags |= 0x02;
        parts.push(be64(o.ack));
      } else parts.push(be32(Number(o.ack & 0xffffffffn)));
    }
    if (o.dsn !== undefined) {
      flags |= 0x04;
      if (o.dsn64 !== false) {
        flags |= 0x08;
        parts.push(be64(o.dsn));
      } else parts.push(be32(Number(o.dsn & 0xffffffffn)));
      parts.push(be32(o.ssn ?? 0), be16(o.len ?? 0));
      if (o.checksum !== undefined) parts.push(be16(o.checksum));
    }
    if (o.fin) flags |= 0x10;
    return mptcp(2, 0, concat(bytes(flags), ...parts));
  },
  addAddr(o: { addrId: number; address: string; port?: number; echo?: boolean; hmac?: Bytes; v0?: boolean }): Bytes {
    const a = ip(o.address);
    const port = o.port !== undefined ? be16(o.port) : new Uint8Array(0);
    if (o.v0) return mptcp(3, a.length === 4 ? 4 : 6, concat(bytes(o.addrId), a, port));
    const hmac = o.echo ? new Uint8Array(0) : (o.hmac ?? new Uint8Array(8)).subarray(0, 8);
    return mptcp(3, o.echo ? 1 : 0, concat(bytes(o.addrId), a, port, hmac));
  },
  removeAddr: (ids: number[]) => mptcp(4, 0, Uint8Array.from(ids)),
  prio: (backup: boolean, addrId?: number) => mptcp(5, backup ? 1 : 0, addrId === undefined ? new Uint8Array(0) : bytes(addrId)),
  fail: (dsn: bigint) => mptcp(6, 0, concat(bytes(0), be64(dsn))),
  fastclose: (key: bigint) => mptcp(7, 0, concat(bytes(0), be64(key))),
  tcprst: (flags: number, reason: number) => mptcp(8, flags, bytes(reason)),
};

// ---- TCP / IP ----

export interface TcpSpec {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq?: number;
  ack?: number;
  /** Letters: S F R P A U E C (CWR). */
  flags?: string;
  window?: number;
  options?: Bytes[];
  /** Payload bytes, or a length (filled with a counting pattern). */
  payload?: Bytes | number;
  ttl?: number;
  /** Override the data offset nibble (for malformed headers). */
  dataOffsetWords?: number;
}

function flagBits(s: string): number {
  let f = 0;
  for (const c of s) f |= { F: 1, S: 2, R: 4, P: 8, A: 16, U: 32, E: 64, C: 128 }[c] ?? 0;
  return f;
}

export function payloadOf(p: Bytes | number | undefined): Bytes {
  if (p === undefined) return new Uint8Array(0);
  if (typeof p !== 'number') return p;
  return Uint8Array.from({ length: p }, (_, i) => (i * 7 + 3) & 0xff);
}

export function tcpSegment(t: TcpSpec): Bytes {
  let opts = concat(...(t.options ?? []));
  while (opts.length % 4 !== 0) opts = concat(opts, bytes(1));
  const hdrWords = t.dataOffsetWords ?? 5 + opts.length / 4;
  const hdr = concat(
    be16(t.sport),
    be16(t.dport),
    be32(t.seq ?? 0),
    be32(t.ack ?? 0),
    bytes(hdrWords << 4, flagBits(t.flags ?? 'A')),
    be16(t.window ?? 65535),
    be16(0),
    be16(0),
    opts,
  );
  return concat(hdr, payloadOf(t.payload));
}

/** An IPv4 header around `l4` (total length from the bytes, unless given). */
export function ipv4(src: string, dst: string, proto: number, l4: Bytes, o: { ttl?: number; options?: Bytes; totalLength?: number; frag?: number; id?: number } = {}): Bytes {
  const opts = o.options ?? new Uint8Array(0);
  const ihl = 5 + opts.length / 4;
  const total = o.totalLength ?? ihl * 4 + l4.length;
  return concat(bytes(0x40 | ihl, 0), be16(total), be16(o.id ?? 1), be16(o.frag ?? 0x4000), bytes(o.ttl ?? 64, proto), be16(0), ip(src), ip(dst), opts, l4);
}

/** An IPv6 header (with optional extension headers, each [type, bytes]) around `l4`. */
export function ipv6(src: string, dst: string, proto: number, l4: Bytes, o: { hopLimit?: number; ext?: Array<[number, Bytes]> } = {}): Bytes {
  const ext = o.ext ?? [];
  let body = l4;
  let next = proto;
  for (let i = ext.length - 1; i >= 0; i--) {
    const [type, content] = ext[i]!;
    body = concat(bytes(next), content, body);
    next = type;
  }
  return concat(bytes(0x60, 0, 0, 0), be16(body.length), bytes(next, o.hopLimit ?? 64), ip(src), ip(dst), body);
}

export function ipTcp(t: TcpSpec): Bytes {
  const seg = tcpSegment(t);
  return t.src.includes(':') ? ipv6(t.src, t.dst, 6, seg, { hopLimit: t.ttl ?? 64 }) : ipv4(t.src, t.dst, 6, seg, { ttl: t.ttl ?? 64 });
}

// ---- link layers ----

export function ethernet(l3: Bytes, o: { vlans?: number[]; ethertype?: number } = {}): Bytes {
  const ethertype = o.ethertype ?? ((l3[0]! >> 4) === 6 ? 0x86dd : 0x0800);
  const tags = (o.vlans ?? []).map((v, i, a) => concat(be16(i === 0 && a.length > 1 ? 0x88a8 : 0x8100), be16(v)));
  // With tags, each tag's TPID sits before the tag; the last one is followed by the real ethertype.
  const mac = concat(bytes(2, 0, 0, 0, 0, 1), bytes(2, 0, 0, 0, 0, 2));
  if (tags.length === 0) return concat(mac, be16(ethertype), l3);
  const parts: Bytes[] = [mac];
  for (let i = 0; i < tags.length; i++) parts.push(tags[i]!);
  return concat(...parts, be16(ethertype), l3);
}

export function sll(l3: Bytes): Bytes {
  const proto = (l3[0]! >> 4) === 6 ? 0x86dd : 0x0800;
  return concat(be16(0), be16(1), be16(6), bytes(2, 0, 0, 0, 0, 1, 0, 0), be16(proto), l3);
}

export function sll2(l3: Bytes): Bytes {
  const proto = (l3[0]! >> 4) === 6 ? 0x86dd : 0x0800;
  return concat(be16(proto), be16(0), be32(2), be16(1), bytes(0, 6), bytes(2, 0, 0, 0, 0, 1, 0, 0), l3);
}

// ---- files ----

export interface PacketSpec {
  data: Bytes;
  /** Seconds since the epoch (a float is fine for µs) or [sec, nsec]. */
  ts?: number | [number, number];
  /** Wire length when the capture cut the packet (defaults to data length). */
  origLen?: number;
  /** Captured bytes kept (defaults to all of data): simulates a snaplen. */
  caplen?: number;
  iface?: number;
}

/** A float time is taken to the microsecond (a double near 1.7e9 s holds no finer), a [sec, nsec] pair as it is. */
function secNsec(ts: number | [number, number] | undefined): [number, number] {
  if (ts === undefined) return [1_700_000_000, 0];
  if (Array.isArray(ts)) return ts;
  let sec = Math.floor(ts);
  let us = Math.round((ts - sec) * 1e6);
  if (us === 1e6) {
    sec++;
    us = 0;
  }
  return [sec, us * 1000];
}

export function pcapFile(packets: PacketSpec[], o: { linkType: number; nano?: boolean; bigEndian?: boolean; snaplen?: number }): Bytes {
  const w32 = o.bigEndian ? be32 : le32;
  const w16 = o.bigEndian ? be16 : le16;
  const parts: Bytes[] = [w32(o.nano ? 0xa1b23c4d : 0xa1b2c3d4), w16(2), w16(4), w32(0), w32(0), w32(o.snaplen ?? 262144), w32(o.linkType)];
  for (const p of packets) {
    const [sec, ns] = secNsec(p.ts);
    const cap = p.caplen ?? p.data.length;
    parts.push(w32(sec), w32(o.nano ? ns : Math.floor(ns / 1000)), w32(cap), w32(p.origLen ?? p.data.length), p.data.subarray(0, cap));
  }
  return concat(...parts);
}

export interface IfaceSpec {
  linkType: number;
  snaplen?: number;
  /** if_tsresol byte (default 6: microseconds). */
  tsresol?: number;
  /** if_tsoffset in seconds. */
  tsoffset?: number;
  name?: string;
}

export type BlockSpec =
  | ({ type: 'epb' } & PacketSpec)
  | ({ type: 'pb' } & PacketSpec)
  | { type: 'spb'; data: Bytes; origLen?: number }
  | { type: 'raw'; blockType: number; body: Bytes };

export interface SectionSpec {
  bigEndian?: boolean;
  interfaces: IfaceSpec[];
  blocks: BlockSpec[];
}

function pad4(b: Bytes): Bytes {
  return b.length % 4 === 0 ? b : concat(b, new Uint8Array(4 - (b.length % 4)));
}

export function pcapngFile(sections: SectionSpec[]): Bytes {
  const out: Bytes[] = [];
  for (const s of sections) {
    const w32 = s.bigEndian ? be32 : le32;
    const w16 = s.bigEndian ? be16 : le16;
    const block = (type: number, body: Bytes): Bytes => {
      const b = pad4(body);
      return concat(w32(type), w32(b.length + 12), b, w32(b.length + 12));
    };
    const option = (code: number, v: Bytes): Bytes => concat(w16(code), w16(v.length), pad4(v));
    out.push(block(0x0a0d0d0a, concat(w32(0x1a2b3c4d), w16(1), w16(0), w32(0xffffffff), w32(0xffffffff))));
    for (const i of s.interfaces) {
      const opts: Bytes[] = [];
      if (i.name !== undefined) opts.push(option(2, new TextEncoder().encode(i.name)));
      if (i.tsresol !== undefined) opts.push(option(9, bytes(i.tsresol)));
      if (i.tsoffset !== undefined) {
        const v = BigInt.asUintN(64, BigInt(i.tsoffset));
        opts.push(option(14, s.bigEndian ? be64(v) : concat(le32(Number(v & 0xffffffffn)), le32(Number(v >> 32n)))));
      }
      if (opts.length) opts.push(w32(0));
      out.push(block(1, concat(w16(i.linkType), w16(0), w32(i.snaplen ?? 0), ...opts)));
    }
    for (const b of s.blocks) {
      if (b.type === 'raw') {
        out.push(block(b.blockType, b.body));
        continue;
      }
      if (b.type === 'spb') {
        out.push(block(3, concat(w32(b.origLen ?? b.data.length), b.data)));
        continue;
      }
      const iface = s.interfaces[b.iface ?? 0] ?? { linkType: 1 };
      const ticks = ticksOf(b.ts, iface.tsresol ?? 6, iface.tsoffset ?? 0);
      const hi = Number(ticks >> 32n);
      const lo = Number(ticks & 0xffffffffn);
      const cap = b.caplen ?? b.data.length;
      const head = b.type === 'epb' ? w32(b.iface ?? 0) : concat(w16(b.iface ?? 0), w16(0));
      out.push(block(b.type === 'epb' ? 6 : 2, concat(head, w32(hi), w32(lo), w32(cap), w32(b.origLen ?? b.data.length), b.data.subarray(0, cap))));
    }
  }
  return concat(...out);
}

function ticksOf(ts: number | [number, number] | undefined, tsresol: number, tsoffset: number): bigint {
  const [sec, ns] = secNsec(ts);
  const total = BigInt(sec - tsoffset) * 1_000_000_000n + BigInt(ns);
  if (tsresol & 0x80) return (total << BigInt(tsresol & 0x7f)) / 1_000_000_000n;
  const e = tsresol & 0x7f;
  return e <= 9 ? total / 10n ** BigInt(9 - e) : total * 10n ** BigInt(e - 9);
}
