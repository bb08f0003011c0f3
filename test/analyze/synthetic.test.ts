import { describe, expect, it } from 'vitest';
import { mp, tcpOpt } from '../helpers/build.js';
import { analyzeCapture } from '../helpers/analyze.js';
import { Conversation, joinMac, keyInfo } from '../helpers/conversation.js';

const KC = 0x1111222233334444n;
const KS = 0x5555666677778888n;
const M64 = (1n << 64n) - 1n;

/** A v1 handshake (SYN, SYN/ACK, third ACK) on a new conversation. */
function handshake(c: Conversation, o: { thirdAck?: boolean; flags?: number } = {}): void {
  c.send('c', 'S', [tcpOpt.mss(1460), mp.capable({ version: 1, flags: o.flags ?? 0x01 })]);
  c.send('s', 'SA', [mp.capable({ version: 1, flags: o.flags ?? 0x01, senderKey: KS })]);
  if (o.thirdAck !== false) c.send('c', 'A', [mp.capable({ version: 1, flags: o.flags ?? 0x01, senderKey: KC, receiverKey: KS })]);
}

const idsnC = keyInfo(1, KC).idsn;
const idsnS = keyInfo(1, KS).idsn;
const dsnC = (rel: bigint): bigint => (idsnC + rel) & M64;

function packet(a: Awaited<ReturnType<typeof analyzeCapture>>, frame: number): Record<string, string> {
  return a.packets.find((p) => p.frame === String(frame))!;
}

describe('DSN timeline on synthetic captures', () => {
  it('v1 with the third ACK lost: keys and the implicit mapping come with the first data', async () => {
    const c = new Conversation(['10.0.0.1', 40000], ['10.0.0.2', 80]);
    handshake(c, { thirdAck: false });
    const f1 = c.send('c', 'PA', [mp.capable({ version: 1, senderKey: KC, receiverKey: KS, dataLen: 100 })], 100);
    const f2 = c.send('c', 'PA', [mp.dss({ ack: idsnS + 1n, dsn: dsnC(101n), ssn: 101, len: 50 })], 50);
    const a = await analyzeCapture(c.pcap());
    expect(a.connections).toHaveLength(1);
    expect(a.connections[0]).toMatchObject({ client_key: '0x1111222233334444', server_key: '0x5555666677778888', handshake: 'full', dsn_base: 'idsn', c2s_unique_bytes: '150' });
    expect(a.connections[0]!.client_token).toBe(`0x${keyInfo(1, KC).token.toString(16).padStart(8, '0')}`);
    expect(packet(a, f1).dsn).toBe('1');
    expect(packet(a, f2)).toMatchObject({ dsn: '101', data_ack: '1' });
  });

  it('a mapping spanning many segments, and segments covered by an earlier mapping', async () => {
    const c = new Conversation(['10.0.0.1', 40001], ['10.0.0.2', 80]);
    handshake(c);
    const frames = [c.send('c', 'A', [mp.dss({ dsn: dsnC(1n), ssn: 1, len: 4000 })], 1000)];
    for (let i = 0; i < 3; i++) frames.push(c.send('c', 'A', [], 1000));
    // A repeat of the same mapping on a later segment (what Linux does) changes nothing.
    const a = await analyzeCapture(c.pcap());
    expect(frames.map((f) => packet(a, f).dsn)).toEqual(['1', '1001', '2001', '3001']);
    expect(a.connections[0]!.c2s_unique_bytes).toBe('4000');
    expect(a.summary.connections[0]!.c2s.unmapped_bytes).toBe(0);
  });

  it('a segment straddling two mappings maps each part through its own', async () => {
    const c = new Conversation(['10.0.0.1', 40002], ['10.0.0.2', 80]);
    handshake(c);
    const isn = c.seq('c') - 1;
    c.send('c', 'A', [mp.dss({ dsn: dsnC(1n), ssn: 1, len: 1000 })], 1000);
    // The second mapping puts subflow bytes 1001.. at DSN 5001 (DSN space skipped: a hole).
    c.send('c', 'A', [mp.dss({ dsn: dsnC(5001n), ssn: 1001, len: 1000 })], 1000);
    const straddle = c.send('c', 'A', [], 1000, { seq: isn + 501 });
    const a = await analyzeCapture(c.pcap());
    expect(packet(a, straddle)).toMatchObject({ dsn: '501', retransmission: 'true' });
    // 1000 + 1000 unique bytes; the straddling one adds none.
    expect(a.connections[0]!.c2s_unique_bytes).toBe('2000');
    expect(a.holes).toHaveLength(1);
    expect(a.holes[0]).toMatchObject({ dsn_start: '1001', dsn_end: '5001', bytes: '4000', closed_frame: '' });
  });

  it('32-bit DSNs and data ACKs are widened across 2^32', async () => {
    const c = new Conversation(['10.0.0.1', 40003], ['10.0.0.2', 80]);
    handshake(c);
    const rels = [1n, 0x7ffffff0n, 0xffffff00n, 0x100000100n];
    const frames: number[] = [];
    const acks: number[] = [];
    rels.forEach((r, i) => {
      frames.push(c.send('c', 'A', [mp.dss({ dsn: dsnC(r), dsn64: false, ssn: 1 + 10 * i, len: 10 })], 10));
      acks.push(c.send('s', 'A', [mp.dss({ ack: dsnC(r + 10n), ack64: false })]));
    });
    const a = await analyzeCapture(c.pcap());
    expect(frames.map((f) => packet(a, f).dsn)).toEqual(['1', '2147483632', '4294967040', '4294967552']);
    expect(acks.map((f) => packet(a, f).data_ack)).toEqual(['11', '2147483642', '4294967050', '4294967562']);
  });

  it('64-bit DSNs that wrap past 2^64 (no handshake: relative to the lowest DSN seen)', async () => {
    const c = new Conversation(['10.0.0.1', 40004], ['10.0.0.2', 80], { isnC: 7000 });
    const base = 0xfffffffffffffe00n;
    const f1 = c.send('c', 'A', [mp.dss({ dsn: base, ssn: 1, len: 256 })], 256, { seq: 7001 });
    const f2 = c.send('c', 'A', [mp.dss({ dsn: (base + 256n) & M64, ssn: 257, len: 512 })], 512, { seq: 7257 });
    const f3 = c.send('c', 'A', [mp.dss({ dsn: (base + 768n) & M64, ssn: 769, len: 512 })], 512, { seq: 7769 });
    const a = await analyzeCapture(c.pcap());
    expect(a.connections[0]).toMatchObject({ handshake: 'missing', dsn_base: 'observed', c2s_unique_bytes: '', c2s_unknown: 'mid-connection' });
    expect([f1, f2, f3].map((f) => packet(a, f).dsn)).toEqual(['1', '257', '769']);
  });

  it('a capture that starts mid-mapping finds the ISN and the lowest DSN in a second pass', async () => {
    const c = new Conversation(['10.0.0.1', 40005], ['10.0.0.2', 80]);
    const isn = 900000;
    const d0 = 0x0123456789abcdefn;
    // First segment seen is the second of its mapping; the mapping's first segment comes later (reordered).
    const f1 = c.send('c', 'A', [mp.dss({ dsn: d0, ssn: 1, len: 2000 })], 1000, { seq: isn + 1001 });
    const f2 = c.send('c', 'A', [mp.dss({ dsn: d0, ssn: 1, len: 2000 })], 1000, { seq: isn + 1 });
    const a = await analyzeCapture(c.pcap());
    expect(a.summary.analysis.passes).toBe(2);
    expect([packet(a, f1).dsn, packet(a, f2).dsn]).toEqual(['1001', '1']);
  });
});

describe('joins', () => {
  function joined(hmacWrong: boolean) {
    const c = new Conversation(['10.0.0.1', 40010], ['10.0.0.2', 80]);
    handshake(c);
    const j = new Conversation(['10.0.1.1', 40011], ['10.0.0.2', 80], { packets: c.packets });
    const rc = 0x01020304;
    const rs = 0x0a0b0c0d;
    j.send('c', 'S', [mp.joinSyn({ addrId: 1, token: keyInfo(1, KS).token, nonce: rc, backup: true })]);
    j.send('s', 'SA', [mp.joinSynAck({ addrId: 0, hmac: joinMac(1, KS, KC, rs, rc), nonce: rs })]);
    const mac = joinMac(1, KC, KS, rc, rs);
    if (hmacWrong) mac[3]! ^= 0x40;
    j.send('c', 'A', [mp.joinAck(mac)]);
    j.send('s', 'A', [mp.dss({ ack: idsnC + 1n })]);
    return c.pcap();
  }

  it('a join is attached by the token of the side it is sent to, and its HMACs verify', async () => {
    const a = await analyzeCapture(joined(false));
    expect(a.subflows.map((s) => [s.subflow, s.flow, s.kind, s.addr_id, s.backup, s.hmac_ok])).toEqual([
      ['0', '0', 'initial', '0', 'false', ''],
      ['1', '1', 'join', '1', 'true', 'true'],
    ]);
    expect(a.events.filter((e) => e.event === 'join_failed')).toEqual([]);
  });

  it('a join whose HMAC is wrong: hmac_ok false and a join_failed event', async () => {
    const a = await analyzeCapture(joined(true));
    expect(a.subflows[1]).toMatchObject({ kind: 'join', hmac_ok: 'false', failed: 'HMAC mismatch' });
    expect(a.events.filter((e) => e.event === 'join_failed').map((e) => e.detail)).toEqual(['HMAC mismatch']);
  });
});
