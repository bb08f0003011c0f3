import { closeSync, openSync, writeSync } from 'node:fs';
import { concat, ethernet, ipTcp, ipv4, le32, mp, tcpOpt, tcpSegment, type Bytes } from './build.js';
import { joinMac, keyInfo } from './conversation.js';
import { rng } from './random.js';

/**
 * Large hostile captures written fast: a template packet per kind, copied
 * and patched at known offsets (Ethernet 14 + IPv4 20: TCP at 34, options
 * at 54), streamed to a classic pcap file in big pieces.
 */
const TCP = 34;
const OPTS = 54;

class PcapWriter {
  private readonly fd: number;
  private buf = new Uint8Array(1 << 22);
  private len = 0;
  packets = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
    this.put(concat(le32(0xa1b2c3d4), Uint8Array.of(2, 0, 4, 0), le32(0), le32(0), le32(262144), le32(1)));
  }

  private put(b: Bytes): void {
    if (this.len + b.length > this.buf.length) this.flush();
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** Appends a packet made from `template`, patched by `patch` in place; `cut` bytes more were on the wire than captured (a snaplen). */
  packet(template: Bytes, usec: number, patch: (p: Uint8Array) => void, cut = 0): void {
    const need = 16 + template.length;
    if (this.len + need > this.buf.length) this.flush();
    const o = this.len;
    const sec = 1_700_000_000 + Math.floor(usec / 1e6);
    const us = usec % 1e6;
    const b = this.buf;
    const w32 = (at: number, v: number): void => {
      b[at] = v & 0xff;
      b[at + 1] = (v >>> 8) & 0xff;
      b[at + 2] = (v >>> 16) & 0xff;
      b[at + 3] = (v >>> 24) & 0xff;
    };
    w32(o, sec);
    w32(o + 4, us);
    w32(o + 8, template.length);
    w32(o + 12, template.length + cut);
    const p = b.subarray(o + 16, o + need);
    p.set(template);
    patch(p);
    this.len += need;
    this.packets++;
  }

  private flush(): void {
    writeSync(this.fd, this.buf, 0, this.len);
    this.len = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

function be16at(p: Uint8Array, at: number, v: number): void {
  p[at] = (v >>> 8) & 0xff;
  p[at + 1] = v & 0xff;
}

function be32at(p: Uint8Array, at: number, v: number): void {
  p[at] = (v >>> 24) & 0xff;
  p[at + 1] = (v >>> 16) & 0xff;
  p[at + 2] = (v >>> 8) & 0xff;
  p[at + 3] = v & 0xff;
}

/** SYNs from random addresses and ports: every one a new flow. */
export function synFlood(path: string, count: number): number {
  const w = new PcapWriter(path);
  const r = rng(1);
  const tpl = ethernet(ipTcp({ src: '10.0.0.1', dst: '192.0.2.1', sport: 1, dport: 80, flags: 'S', options: [tcpOpt.mss(1460)] }));
  for (let i = 0; i < count; i++) {
    w.packet(tpl, i, (p) => {
      be32at(p, 26, (0x0a000000 | (r() * 0xffffff)) >>> 0);
      be16at(p, TCP, 1024 + Math.floor(r() * 64000));
      be32at(p, TCP + 4, (r() * 0xffffffff) >>> 0);
    });
  }
  w.close();
  return w.packets;
}

/**
 * Short MPTCP v0 connections, one after another: SYN, SYN/ACK, third ACK,
 * one data segment. Keys differ (so do tokens) unless `sameKeys`, when every
 * connection has the same tokens (collisions), and a join names the token.
 */
export function tinyConnections(path: string, count: number, sameKeys = false): number {
  const w = new PcapWriter(path);
  const r = rng(2);
  const c = { src: '10.0.0.1', dst: '192.0.2.1', sport: 1, dport: 80 };
  const s = { src: '192.0.2.1', dst: '10.0.0.1', sport: 80, dport: 1 };
  const syn = ethernet(ipTcp({ ...c, flags: 'S', options: [mp.capable({ version: 0, senderKey: 1n })] }));
  const synack = ethernet(ipTcp({ ...s, flags: 'SA', options: [mp.capable({ version: 0, senderKey: 2n })] }));
  const ack = ethernet(ipTcp({ ...c, flags: 'A', options: [mp.capable({ version: 0, senderKey: 1n, receiverKey: 2n })] }));
  const data = ethernet(ipTcp({ ...c, flags: 'PA', options: [mp.dss({ ack: 1n, dsn: 1n, ssn: 1, len: 100 })], payload: 100 }));
  const join = ethernet(ipTcp({ ...c, flags: 'S', options: [mp.joinSyn({ addrId: 1, token: 0, nonce: 7 })] }));
  // MP_CAPABLE key bytes sit after kind, length, subtype/version, flags: options start with it.
  const keyAt = OPTS + 4;
  let usec = 0;
  for (let i = 0; i < count; i++) {
    const port = 1024 + (i % 60000);
    const addr = (0x0a000000 | (i / 60000 + 1)) >>> 0;
    const kc = sameKeys ? [1, 1] : [(r() * 0xffffffff) >>> 0, i];
    const ks = sameKeys ? [2, 2] : [(r() * 0xffffffff) >>> 0, i];
    const seqC = (r() * 0xffffffff) >>> 0;
    const seqS = (r() * 0xffffffff) >>> 0;
    const ends = (p: Uint8Array, fromClient: boolean): void => {
      be32at(p, fromClient ? 26 : 30, addr);
      be16at(p, fromClient ? TCP : TCP + 2, port);
    };
    w.packet(syn, usec++, (p) => {
      ends(p, true);
      be32at(p, TCP + 4, seqC);
      be32at(p, keyAt, kc[0]!);
      be32at(p, keyAt + 4, kc[1]!);
    });
    w.packet(synack, usec++, (p) => {
      ends(p, false);
      be32at(p, TCP + 4, seqS);
      be32at(p, TCP + 8, seqC + 1);
      be32at(p, keyAt, ks[0]!);
      be32at(p, keyAt + 4, ks[1]!);
    });
    w.packet(ack, usec++, (p) => {
      ends(p, true);
      be32at(p, TCP + 4, seqC + 1);
      be32at(p, TCP + 8, seqS + 1);
      be32at(p, keyAt, kc[0]!);
      be32at(p, keyAt + 4, kc[1]!);
      be32at(p, keyAt + 8, ks[0]!);
      be32at(p, keyAt + 12, ks[1]!);
    });
    w.packet(data, usec++, (p) => {
      ends(p, true);
      be32at(p, TCP + 4, seqC + 1);
      be32at(p, TCP + 8, seqS + 1);
    });
    if (sameKeys && i % 10 === 0) {
      w.packet(join, usec++, (p) => {
        be32at(p, 26, addr ^ 0x00800000);
        be16at(p, TCP, port);
        be32at(p, OPTS + 4, 0x4e3bd2c1);
      });
    }
  }
  w.close();
  return w.packets;
}

/**
 * Short MPTCP v0 connections as a busy server sees them, a new one every
 * millisecond, each closed within it: handshake, a 100-byte request and a
 * 1000-byte answer (headers only), DATA_FIN and FIN both ways, the last
 * ACK. Keys differ, and every DSN and data ACK is the right one for them.
 * `lastAck: false` leaves out the last ACK (the server's FIN is never
 * acknowledged); `resendFin: n` has the server send connection n's FIN
 * again 200 ms later, as after a last ACK lost past the capture point,
 * after its answer too with `resendAnswer` (a copy the network delayed).
 */
export function closingConnections(path: string, count: number, opts: { lastAck?: boolean; resendFin?: number; resendAnswer?: boolean } = {}): number {
  const w = new PcapWriter(path);
  let resend: (() => void) | null = null;
  const r = rng(3);
  const c = { src: '10.0.0.1', dst: '192.0.2.1', sport: 1, dport: 80 };
  const s = { src: '192.0.2.1', dst: '10.0.0.1', sport: 80, dport: 1 };
  const headersOnly = (spec: typeof c, flags: string, options: Bytes[], payload: number): Bytes => {
    const tcp = tcpSegment({ ...spec, flags, options });
    return ethernet(ipv4(spec.src, spec.dst, 6, tcp, { totalLength: 20 + tcp.length + payload }));
  };
  const syn = ethernet(ipTcp({ ...c, flags: 'S', options: [mp.capable({ version: 0, senderKey: 1n })] }));
  const synack = ethernet(ipTcp({ ...s, flags: 'SA', options: [mp.capable({ version: 0, senderKey: 2n })] }));
  const ack = ethernet(ipTcp({ ...c, flags: 'A', options: [mp.capable({ version: 0, senderKey: 1n, receiverKey: 2n })] }));
  const request = headersOnly(c, 'PA', [mp.dss({ ack: 1n, dsn: 1n, ssn: 1, len: 100 })], 100);
  const answer = headersOnly(s, 'PA', [mp.dss({ ack: 1n, dsn: 1n, ssn: 1, len: 1000 })], 1000);
  const finC = ethernet(ipTcp({ ...c, flags: 'FA', options: [mp.dss({ ack: 1n, dsn: 1n, ssn: 0, len: 1, fin: true })] }));
  const finS = ethernet(ipTcp({ ...s, flags: 'FA', options: [mp.dss({ ack: 1n, dsn: 1n, ssn: 0, len: 1, fin: true })] }));
  const last = ethernet(ipTcp({ ...c, flags: 'A', options: [mp.dss({ ack: 1n })] }));
  const keyAt = OPTS + 4;
  const ackAt = OPTS + 4;
  const dsnAt = OPTS + 12;
  const M64 = (1n << 64n) - 1n;
  const put64 = (p: Uint8Array, at: number, v: bigint): void => {
    be32at(p, at, Number((v >> 32n) & 0xffffffffn));
    be32at(p, at + 4, Number(v & 0xffffffffn));
  };
  for (let i = 0; i < count; i++) {
    const port = 1024 + (i % 60000);
    const addr = (0x0a000000 | (i / 60000 + 1)) >>> 0;
    const kc = (BigInt((r() * 0xffffffff) >>> 0) << 32n) | BigInt(i);
    const ks = (BigInt((r() * 0xffffffff) >>> 0) << 32n) | BigInt(i ^ 0x5a5a5a5a);
    const dc = keyInfo(0, kc).idsn;
    const ds = keyInfo(0, ks).idsn;
    const seqC = (r() * 0xffffffff) >>> 0;
    const seqS = (r() * 0xffffffff) >>> 0;
    if (resend !== null && opts.resendFin !== undefined && i === opts.resendFin + 200) {
      resend();
      resend = null;
    }
    let usec = i * 1000;
    const send = (template: Bytes, fromClient: boolean, seq: number, ackNo: number, patch: (p: Uint8Array) => void = () => {}, cut = 0): void => {
      w.packet(template, usec, (p) => {
        be32at(p, fromClient ? 26 : 30, addr);
        be16at(p, fromClient ? TCP : TCP + 2, port);
        be32at(p, TCP + 4, seq >>> 0);
        if (ackNo >= 0) be32at(p, TCP + 8, ackNo >>> 0);
        patch(p);
      }, cut);
      usec += 50;
    };
    const keys = (p: Uint8Array, first: bigint, second?: bigint): void => {
      put64(p, keyAt, first);
      if (second !== undefined) put64(p, keyAt + 8, second);
    };
    const dss = (ackDsn: bigint, dsn?: bigint) => (p: Uint8Array): void => {
      put64(p, ackAt, ackDsn & M64);
      if (dsn !== undefined) put64(p, dsnAt, dsn & M64);
    };
    send(syn, true, seqC, -1, (p) => keys(p, kc));
    send(synack, false, seqS, seqC + 1, (p) => keys(p, ks));
    send(ack, true, seqC + 1, seqS + 1, (p) => keys(p, kc, ks));
    send(request, true, seqC + 1, seqS + 1, dss(ds + 1n, dc + 1n), 100);
    send(answer, false, seqS + 1, seqC + 101, dss(dc + 101n, ds + 1n), 1000);
    send(finC, true, seqC + 101, seqS + 1001, dss(ds + 1001n, dc + 101n));
    send(finS, false, seqS + 1001, seqC + 102, dss(dc + 102n, ds + 1001n));
    if (opts.lastAck !== false) send(last, true, seqC + 102, seqS + 1002, dss(ds + 1002n));
    if (i === opts.resendFin) {
      resend = (): void => {
        usec = (i + 200) * 1000 - 150;
        // Sent again, with the next IPv4 ID, as Linux numbers a connection's packets: not a copy of the first (see CopyFilter).
        const again = (d: (p: Uint8Array) => void) => (p: Uint8Array): void => {
          d(p);
          be16at(p, 18, 2);
        };
        if (opts.resendAnswer === true) send(answer, false, seqS + 1, seqC + 101, again(dss(dc + 101n, ds + 1n)), 1000);
        send(finS, false, seqS + 1001, seqC + 102, again(dss(dc + 102n, ds + 1001n)));
      };
    }
  }
  w.close();
  return w.packets;
}

/** One MPTCP connection (no handshake) whose every data segment skips DSN space: a new hole each. */
export function holes(path: string, count: number): number {
  const w = new PcapWriter(path);
  const tpl = ethernet(ipTcp({ src: '10.0.0.1', dst: '192.0.2.1', sport: 40000, dport: 80, flags: 'A', options: [mp.dss({ dsn: 1000n, ssn: 1, len: 100 })], payload: 100 }));
  // DSS with an 8-byte DSN only: kind, len, subtype, flags, DSN(8), SSN(4), len(2).
  const dsnAt = OPTS + 4;
  for (let i = 0; i < count; i++) {
    w.packet(tpl, i, (p) => {
      be32at(p, TCP + 4, 1 + i * 100);
      const dsn = 1000 + i * 200;
      be32at(p, dsnAt, Math.floor(dsn / 4294967296));
      be32at(p, dsnAt + 4, dsn >>> 0);
      be32at(p, dsnAt + 8, 1 + i * 100);
    });
  }
  w.close();
  return w.packets;
}

/** Payload of each data segment of longConnection: on the wire, not in the capture (headers only, as a snaplen of 96 keeps). */
const MSS = 1400;

/**
 * One MPTCP v1 download of `count` data segments over two subflows, the
 * way the lab's bulk capture looks (headers only): MP_CAPABLE handshake,
 * a join, then segments of 1400 bytes alternating between the subflows,
 * each with its DSS mapping, a DATA_ACK from the client every second
 * segment, and DATA_FIN and FINs at the end. Memory-curve material for
 * `npm run bench`: it must not matter to the analysis how long it runs.
 */
export function longConnection(path: string, count: number): number {
  const w = new PcapWriter(path);
  const keyC = 0x1111222233334444n;
  const keyS = 0x5555666677778888n;
  const { token, idsn } = keyInfo(1, keyS);
  const cli = ['10.0.0.1', '10.0.1.1'];
  const srv = '192.0.2.1';
  const sport = [40000, 40001];
  const up = (i: number): { src: string; dst: string; sport: number; dport: number } => ({ src: cli[i]!, dst: srv, sport: sport[i]!, dport: 80 });
  const down = (i: number): { src: string; dst: string; sport: number; dport: number } => ({ src: srv, dst: cli[i]!, sport: 80, dport: sport[i]! });
  let usec = 0;
  const once = (b: Bytes): void => w.packet(b, usec++, () => {});
  // Handshakes: subflow 0 with MP_CAPABLE (v1: keys from the SYN/ACK on), subflow 1 joining by the server's token.
  once(ethernet(ipTcp({ ...up(0), seq: 0, flags: 'S', options: [mp.capable({})] })));
  once(ethernet(ipTcp({ ...down(0), seq: 0, ack: 1, flags: 'SA', options: [mp.capable({ senderKey: keyS })] })));
  once(ethernet(ipTcp({ ...up(0), seq: 1, ack: 1, flags: 'A', options: [mp.capable({ senderKey: keyC, receiverKey: keyS })] })));
  once(ethernet(ipTcp({ ...up(1), seq: 0, flags: 'S', options: [mp.joinSyn({ addrId: 1, token, nonce: 7 })] })));
  once(ethernet(ipTcp({ ...down(1), seq: 0, ack: 1, flags: 'SA', options: [mp.joinSynAck({ addrId: 0, hmac: joinMac(1, keyS, keyC, 9, 7), nonce: 9 })] })));
  once(ethernet(ipTcp({ ...up(1), seq: 1, ack: 1, flags: 'A', options: [mp.joinAck(joinMac(1, keyC, keyS, 7, 9))] })));
  // Data from the server, headers only: DSS (flags, DATA_ACK 8, DSN 8, SSN 4, length 2) first in the options.
  const data = [0, 1].map((i) => {
    const tcp = tcpSegment({ ...down(i), seq: 1, ack: 1, flags: 'A', options: [mp.dss({ ack: 1n, dsn: idsn + 1n, ssn: 1, len: MSS })] });
    return ethernet(ipv4(srv, cli[i]!, 6, tcp, { totalLength: 20 + tcp.length + MSS }));
  });
  const acks = [0, 1].map((i) => ethernet(ipTcp({ ...up(i), seq: 1, ack: 1, flags: 'A', options: [mp.dss({ ack: idsn + 1n })] })));
  const DSS = OPTS + 4;
  const next = [1, 1];
  // 64-bit DSNs as halves: the IDSN's, plus an offset that a double holds exactly.
  const idsnHi = Number(idsn >> 32n);
  const idsnLo = Number(idsn & 0xffffffffn);
  const put64 = (p: Uint8Array, at: number, offset: number): void => {
    const lo = idsnLo + offset;
    be32at(p, at, (idsnHi + Math.floor(lo / 4294967296)) >>> 0);
    be32at(p, at + 4, lo >>> 0);
  };
  for (let k = 0; k < count; k++) {
    const i = k & 1;
    const dsn = 1 + k * MSS;
    const seq = next[i]!;
    next[i] = seq + MSS;
    w.packet(data[i]!, usec, (p) => {
      be32at(p, TCP + 4, seq >>> 0);
      put64(p, DSS + 8, dsn);
      be32at(p, DSS + 16, seq >>> 0);
    }, MSS);
    usec += 10;
    if (i === 1) {
      w.packet(acks[i]!, usec++, (p) => {
        be32at(p, TCP + 8, next[i]! >>> 0);
        put64(p, DSS, dsn + MSS);
      });
    }
  }
  // The end: DATA_FIN from the server, the client's DATA_ACK of it and FINs on both subflows.
  const fin = idsn + 1n + BigInt(count) * BigInt(MSS);
  once(ethernet(ipTcp({ ...down(0), seq: next[0]!, ack: 1, flags: 'A', options: [mp.dss({ ack: 1n, dsn: fin, ssn: 0, len: 1, fin: true })] })));
  once(ethernet(ipTcp({ ...up(0), seq: 1, ack: next[0]!, flags: 'A', options: [mp.dss({ ack: fin + 1n, dsn: 1n, ssn: 0, len: 1, fin: true })] })));
  for (const i of [0, 1]) {
    once(ethernet(ipTcp({ ...down(i), seq: next[i]!, ack: 1, flags: 'FA', options: [mp.dss({ ack: 2n })] })));
    once(ethernet(ipTcp({ ...up(i), seq: 1, ack: next[i]! + 1, flags: 'FA', options: [mp.dss({ ack: fin + 1n })] })));
  }
  w.close();
  return w.packets;
}
