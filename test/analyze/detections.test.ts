import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { be16, be32, be64, concat, ethernet, ipTcp, mp, pcapFile, payloadOf, tcpOpt } from '../helpers/build.js';
import { analyzeCapture } from '../helpers/analyze.js';
import { Conversation, joinMac, keyInfo } from '../helpers/conversation.js';

/**
 * Each detection of ANALYSIS.md on a synthetic capture built to show it
 * (the lab captures show the others: test/analyze/lab-truth.test.ts).
 */
const KC = 0x0102030405060708n;
const KS = 0x1112131415161718n;
const M64 = (1n << 64n) - 1n;
const idsnC = keyInfo(1, KC).idsn;
const idsnS = keyInfo(1, KS).idsn;
const dsnC = (rel: number | bigint): bigint => (idsnC + BigInt(rel)) & M64;
const ackC = (rel: number | bigint): bigint => (idsnC + BigInt(rel)) & M64;
const T0 = 1_700_000_000;

function connection(o: { flags?: number; thirdAck?: boolean } = {}): Conversation {
  const c = new Conversation(['10.0.0.1', 40000], ['10.0.0.2', 80]);
  c.send('c', 'S', [mp.capable({ version: 1, flags: o.flags ?? 0x01 })], 0, { t: T0 });
  c.send('s', 'SA', [mp.capable({ version: 1, flags: o.flags ?? 0x01, senderKey: KS })]);
  if (o.thirdAck !== false) c.send('c', 'A', [mp.capable({ version: 1, flags: o.flags ?? 0x01, senderKey: KC, receiverKey: KS })]);
  return c;
}

/** A second subflow from the client's other address, HMACs right. */
function join(c: Conversation, o: { backup?: boolean } = {}): Conversation {
  const j = new Conversation(['10.0.1.1', 40001], ['10.0.0.2', 80], { packets: c.packets });
  j.send('c', 'S', [mp.joinSyn({ addrId: 1, token: keyInfo(1, KS).token, nonce: 11, backup: o.backup ?? false })]);
  j.send('s', 'SA', [mp.joinSynAck({ addrId: 0, hmac: joinMac(1, KS, KC, 22, 11), nonce: 22 })]);
  j.send('c', 'A', [mp.joinAck(joinMac(1, KC, KS, 11, 22))]);
  j.send('s', 'A', [mp.dss({ ack: ackC(1) })]);
  return j;
}

/** Client data on a subflow: `len` bytes at relative DSN `rel`, subflow sequence `ssn`. */
function data(x: Conversation, rel: number, ssn: number, len: number, o: { t?: number; fin?: boolean } = {}): number {
  return x.send('c', 'A', [mp.dss({ ack: idsnS + 1n, dsn: dsnC(rel), ssn, len: len + (o.fin ? 1 : 0), fin: o.fin ?? false })], len, { seq: (x.isnC + ssn) >>> 0, ...(o.t === undefined ? {} : { t: o.t }) });
}

const kinds = (a: Awaited<ReturnType<typeof analyzeCapture>>) => a.events.map((e) => e.event);

describe('fallbacks', () => {
  it('ack-without-mp-capable: the third ACK drops MP_CAPABLE', async () => {
    const c = connection({ thirdAck: false });
    c.send('c', 'A', []);
    c.send('c', 'PA', [], 100);
    const a = await analyzeCapture(c.pcap());
    expect(a.connections[0]).toMatchObject({ fallback: 'ack-without-mp-capable', fallback_time: '1700000000.002000' });
  });

  it('syn-retry-without-mp-capable: the client retries its SYN without MPTCP', async () => {
    const c = new Conversation(['10.0.0.1', 40000], ['10.0.0.2', 80]);
    const isn = c.seq('c');
    c.send('c', 'S', [mp.capable({ version: 1 })], 0, { t: T0 });
    c.send('c', 'S', [mp.capable({ version: 1 })], 0, { seq: isn, t: T0 + 1 });
    c.send('c', 'S', [tcpOpt.mss(1460)], 0, { seq: isn, t: T0 + 3 });
    c.send('s', 'SA', []);
    const a = await analyzeCapture(c.pcap());
    expect(a.connections).toHaveLength(1);
    expect(a.connections[0]).toMatchObject({ fallback: 'syn-retry-without-mp-capable', fallback_time: '1700000003.000000' });
    expect(a.subflows).toHaveLength(1);
  });

  it('infinite-mapping: a DSS with data-level length 0, then data mapped through it', async () => {
    const c = connection();
    data(c, 1, 1, 100);
    const fin = c.send('c', 'A', [mp.dss({ ack: idsnS + 1n, dsn: dsnC(101), ssn: 101, len: 0 })], 100);
    const after = c.send('c', 'A', [], 100);
    const a = await analyzeCapture(c.pcap());
    expect(kinds(a)).toContain('infinite_mapping');
    expect(a.connections[0]!.fallback).toBe('infinite-mapping');
    expect([fin, after].map((f) => a.packets.find((p) => p.frame === String(f))!.dsn)).toEqual(['101', '201']);
    expect(a.connections[0]!.c2s_unique_bytes).toBe('300');
  });

  it('mp-fail: the receiver sends MP_FAIL', async () => {
    const c = connection();
    data(c, 1, 1, 100);
    c.send('s', 'A', [mp.fail(dsnC(1))]);
    const a = await analyzeCapture(c.pcap());
    expect(a.events.find((e) => e.event === 'mp_fail')!.detail).toBe('dsn 1 from server');
    expect(a.connections[0]!.fallback).toBe('mp-fail');
  });
});

/** RFC 8684 §3.3.1 checksum, computed here independently: pseudo-header (DSN, SSN, length, 0) + data. */
function dssChecksum(dsn: bigint, ssn: number, len: number, payload: Uint8Array): number {
  const bytes = concat(be64(dsn), be32(ssn), be16(len), be16(0), payload, payload.length % 2 ? Uint8Array.of(0) : new Uint8Array(0));
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

describe('DSS checksums', () => {
  it('a right checksum verifies, a wrong one is a checksum_failure and a fallback', async () => {
    const c = connection({ flags: 0x81 });
    const body = payloadOf(101);
    const good = dssChecksum(dsnC(1), 1, 101, body);
    c.send('c', 'A', [mp.dss({ ack: idsnS + 1n, dsn: dsnC(1), ssn: 1, len: 101, checksum: good })], 101);
    c.send('c', 'A', [mp.dss({ ack: idsnS + 1n, dsn: dsnC(102), ssn: 102, len: 101, checksum: good })], 101);
    const a = await analyzeCapture(c.pcap());
    expect(a.summary.connections[0]!.checksums).toEqual({ verified_ok: 1, failed: 1, unverifiable: 0 });
    expect(a.connections[0]).toMatchObject({ checksum: 'true' });
    expect(a.connections[0]!.fallback).toBe('checksum-failure');
    expect(kinds(a)).toContain('checksum_failure');
  });
});

describe('join failures', () => {
  it('a join SYN never answered', async () => {
    const c = connection();
    const j = new Conversation(['10.0.1.1', 40001], ['10.0.0.2', 80], { packets: c.packets });
    j.send('c', 'S', [mp.joinSyn({ addrId: 1, token: keyInfo(1, KS).token, nonce: 1 })]);
    const a = await analyzeCapture(c.pcap());
    expect(a.events.filter((e) => e.event === 'join_failed').map((e) => e.detail)).toEqual(['SYN never answered']);
  });
  it('a join answered without MP_JOIN, then reset with MP_TCPRST', async () => {
    const c = connection();
    const j = new Conversation(['10.0.1.1', 40001], ['10.0.0.2', 80], { packets: c.packets });
    j.send('c', 'S', [mp.joinSyn({ addrId: 1, token: keyInfo(1, KS).token, nonce: 1 })]);
    j.send('s', 'SA', []);
    j.send('c', 'R', [mp.tcprst(0, 6)]);
    const a = await analyzeCapture(c.pcap());
    expect(a.subflows[1]).toMatchObject({ failed: 'answered without MP_JOIN', close: 'mp_tcprst', close_reason: 'middlebox-interference' });
    expect(a.events.find((e) => e.event === 'mp_tcprst')!.detail).toBe('reason 6 (middlebox-interference) from client');
  });
  it('a join reset before it completes names the MP_TCPRST reason', async () => {
    const c = connection();
    const j = new Conversation(['10.0.1.1', 40001], ['10.0.0.2', 80], { packets: c.packets });
    j.send('c', 'S', [mp.joinSyn({ addrId: 1, token: keyInfo(1, KS).token, nonce: 1 })]);
    j.send('s', 'R', [mp.tcprst(0, 2)]);
    const a = await analyzeCapture(c.pcap());
    expect(a.subflows[1]!.failed).toBe('reset (mp_tcprst lack-of-resources)');
  });
});

describe('reinjections', () => {
  it('partial overlaps count, redundant when a data ACK already covered the range', async () => {
    const c = connection();
    const j = join(c);
    const o1 = data(c, 1, 1, 1000);
    c.send('s', 'A', [mp.dss({ ack: ackC(1001) })]);
    const r1 = data(j, 1, 1, 500); // already acknowledged: redundant
    const o2 = data(j, 1001, 501, 1000);
    const r2 = data(c, 1501, 1001, 1000); // half new, half a reinjection of o2
    const a = await analyzeCapture(c.pcap());
    expect(a.reinjections.map((r) => [r.frame, r.subflow, r.dsn_start, r.dsn_end, r.bytes, r.original_frame, r.original_subflow, r.redundant])).toEqual([
      [String(r1), '1', '1', '501', '500', String(o1), '0', 'true'],
      [String(r2), '0', '1501', '2501', '500', String(o2), '1', 'false'],
    ]);
    expect(a.packets.find((p) => p.frame === String(r2))!.reinjection_of).toBe(String(o2));
    const s = a.summary.connections[0]!;
    expect(s.c2s).toMatchObject({ unique_bytes: 2500, reinjected_bytes: 1000, redundant_reinjections: 1, reinjection_ratio: 0.4 });
    expect(s.subflows.map((x) => [x.c2s.reinjected_bytes, x.c2s.reinjected_away_bytes])).toEqual([
      [500, 500],
      [500, 500],
    ]);
  });

  it('a DATA_FIN repeated on two subflows without payload is no reinjection', async () => {
    const c = connection();
    const j = join(c);
    data(c, 1, 1, 100);
    data(c, 101, 101, 0, { fin: true });
    data(j, 101, 1, 0, { fin: true });
    c.send('s', 'A', [mp.dss({ ack: ackC(102), dsn: idsnS + 1n, ssn: 1, len: 1, fin: true })]);
    const a = await analyzeCapture(c.pcap());
    expect(a.reinjections).toEqual([]);
    expect(a.events.filter((e) => e.event === 'data_fin').map((e) => e.detail)).toEqual(['from client at dsn 101', 'from server at dsn 1']);
    expect(a.connections[0]!.close).toBe('data_fin');
  });

  it('a reinjection that fills a hole is recorded as its filler', async () => {
    const c = connection();
    const j = join(c);
    data(c, 1, 1, 100);
    data(c, 201, 201, 100); // subflow 0's bytes for DSN 101..200 are lost before the capture point
    const fill = data(j, 101, 1, 100);
    const a = await analyzeCapture(c.pcap());
    expect(a.holes).toEqual([
      expect.objectContaining({ dsn_start: '101', dsn_end: '201', bytes: '100', closed_frame: String(fill), filled_by_subflow: '1', filled_by_reinjection: 'false' }),
    ]);
  });
});

describe('handovers and their triggers', () => {
  /** Subflow 0 carries 1.0 s of data, then subflow 1 does, 10 segments of 1000 bytes every 0.1 s. */
  function switched(between: (c: Conversation, j: Conversation, t: number) => void) {
    const c = connection();
    const j = join(c, { backup: true });
    let rel = 1;
    for (let i = 1; i <= 10; i++) for (let k = 0; k < 10; k++, rel += 1000) data(c, rel, rel, 1000, { t: T0 + i / 10 + k / 1000 });
    between(c, j, T0 + 1.1);
    const moved = rel;
    for (let i = 0; i < 10; i++) for (let k = 0; k < 10; k++, rel += 1000) data(j, rel, rel - moved + 1, 1000, { t: T0 + 1.15 + i / 10 + k / 1000 });
    return c.pcap();
  }
  it('after MP_PRIO marks the old subflow a backup', async () => {
    const a = await analyzeCapture(switched((c, _j, t) => void c.send('c', 'A', [mp.prio(true)], 0, { t })));
    expect(a.handovers).toHaveLength(1);
    expect(a.handovers[0]).toMatchObject({ dir: 'c2s', from_subflow: '0', to_subflow: '1' });
    expect(a.handovers[0]!.trigger).toBe('MP_PRIO made subflow 0 a backup; subflow 0 silent for 0.141 s before');
    expect(a.events.find((e) => e.event === 'mp_prio')!.detail).toBe('backup 1 from client');
  });
  it('after the old subflow is reset', async () => {
    const a = await analyzeCapture(switched((c, _j, t) => void c.send('s', 'R', [], 0, { t })));
    expect(a.handovers[0]!.trigger).toBe('RST on subflow 0; subflow 0 silent for 0.141 s before');
    expect(a.handovers[0]!.stall).toBe('0.141000');
  });
});

describe('other events', () => {
  it('MP_FASTCLOSE closes the connection', async () => {
    const c = connection();
    data(c, 1, 1, 10);
    c.send('c', 'A', [mp.fastclose(KS)]);
    c.send('s', 'R', []);
    const a = await analyzeCapture(c.pcap());
    expect(kinds(a)).toEqual(['mp_capable', 'mp_fastclose', 'subflow_rst']);
    expect(a.connections[0]!.close).toBe('mp_fastclose');
  });
  it('a link type mptrace does not decode is counted and reported once', async () => {
    const pkt = ethernet(ipTcp({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 2 }));
    const a = await analyzeCapture(pcapFile([{ data: pkt }, { data: pkt }], { linkType: 147 }));
    expect(a.warnings).toEqual(['2 frames of link type 147 (unknown link type 147) not decoded'].map((w) => expect.stringContaining(w)));
    expect(a.summary.input.unknown_link_types).toEqual({ '147': 2 });
  });
  it('the keys give the tokens and IDSNs of RFC 8684 (SHA-256), checked independently', () => {
    const d = createHash('sha256').update(be64(KC)).digest();
    expect(keyInfo(1, KC)).toEqual({ token: d.readUInt32BE(0), idsn: d.readBigUInt64BE(24) });
  });
});
