import { createHash, createHmac } from 'node:crypto';
import { be64, ethernet, ipTcp, pcapFile, type Bytes, type PacketSpec } from './build.js';

/**
 * Builds one TCP connection's packets in order (sequence numbers kept for
 * you), for synthetic MPTCP traces: `c.send('c', 'PA', [options], 100)`.
 */
export class Conversation {
  readonly packets: PacketSpec[];
  /** Initial sequence numbers (the SYN's): a data byte at subflow sequence n has sequence isn + n. */
  readonly isnC: number;
  readonly isnS: number;
  private nextC: number;
  private nextS: number;

  constructor(
    readonly client: [string, number],
    readonly server: [string, number],
    opts: { isnC?: number; isnS?: number; packets?: PacketSpec[] } = {},
  ) {
    this.isnC = opts.isnC ?? 1000;
    this.isnS = opts.isnS ?? 50000;
    this.nextC = this.isnC;
    this.nextS = this.isnS;
    this.packets = opts.packets ?? [];
  }

  /** Sequence number the side will use next. */
  seq(side: 'c' | 's'): number {
    return side === 'c' ? this.nextC : this.nextS;
  }

  /** Sends a segment; returns its frame number (1-based in the shared packet list). */
  send(side: 'c' | 's', flags: string, options: Bytes[] = [], payload = 0, o: { seq?: number; t?: number } = {}): number {
    const [src, sport] = side === 'c' ? this.client : this.server;
    const [dst, dport] = side === 'c' ? this.server : this.client;
    const seq = o.seq ?? (side === 'c' ? this.nextC : this.nextS);
    const ack = side === 'c' ? this.nextS : this.nextC;
    const data = ethernet(ipTcp({ src, dst, sport, dport, seq: seq >>> 0, ack: ack >>> 0, flags, options, payload }));
    const last = this.packets.at(-1)?.ts;
    const t = o.t ?? (typeof last === 'number' ? last + 0.001 : 1_700_000_000);
    this.packets.push({ data, ts: t });
    const used = payload + (flags.includes('S') ? 1 : 0) + (flags.includes('F') ? 1 : 0);
    // An explicit sequence number (a retransmission, a jump) moves the next one on only if it went further.
    const end = (seq + used) >>> 0;
    const next = side === 'c' ? this.nextC : this.nextS;
    if (o.seq === undefined || ((end - next) | 0) > 0) {
      if (side === 'c') this.nextC = end;
      else this.nextS = end;
    }
    return this.packets.length;
  }

  pcap(): Uint8Array {
    return pcapFile(this.packets, { linkType: 1 });
  }
}

/** Token and IDSN of a key, computed here independently of the code under test. */
export function keyInfo(version: 0 | 1, key: bigint): { token: number; idsn: bigint } {
  const d = createHash(version === 0 ? 'sha1' : 'sha256').update(be64(key)).digest();
  return { token: d.readUInt32BE(0), idsn: d.readBigUInt64BE(d.length - 8) };
}

/** MP_JOIN HMAC (RFC 8684 §3.2): HMAC(key_sender || key_peer, nonce_sender || nonce_peer). */
export function joinMac(version: 0 | 1, keySender: bigint, keyPeer: bigint, nonceSender: number, noncePeer: number): Buffer {
  const msg = Buffer.alloc(8);
  msg.writeUInt32BE(nonceSender, 0);
  msg.writeUInt32BE(noncePeer, 4);
  return createHmac(version === 0 ? 'sha1' : 'sha256', Buffer.concat([be64(keySender), be64(keyPeer)]))
    .update(msg)
    .digest();
}
