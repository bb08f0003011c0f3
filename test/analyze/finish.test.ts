import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closingConnections } from '../helpers/hostile.js';
import { mp } from '../helpers/build.js';
import { analyzeCapture } from '../helpers/analyze.js';
import { Conversation, joinMac, keyInfo } from '../helpers/conversation.js';
import { record } from '../helpers/recording.js';

const M64 = (1n << 64n) - 1n;
const T0 = 1_700_000_000;

/**
 * Connection 0 runs from T0 to T0 + `end`; connection 1 opens at T0 + 1
 * and closes (DATA_FIN both ways, then FIN both ways) at T0 + 2.
 */
function twoConnections(end: number): Uint8Array {
  const keys = [
    [0x1111222233334444n, 0x5555666677778888n],
    [0x0101010102020202n, 0x0303030304040404n],
  ] as const;
  const a = new Conversation(['10.0.0.1', 40020], ['10.0.0.2', 80]);
  const b = new Conversation(['10.0.0.1', 40021], ['10.0.0.2', 80], { packets: a.packets });
  const idsn = keys.map(([kc, ks]) => [keyInfo(1, kc).idsn, keyInfo(1, ks).idsn] as const);
  const open = (c: Conversation, k: number, t: number): void => {
    const [kc, ks] = keys[k]!;
    c.send('c', 'S', [mp.capable({ version: 1 })], 0, { t });
    c.send('s', 'SA', [mp.capable({ version: 1, senderKey: ks })], 0, { t: t + 0.01 });
    c.send('c', 'A', [mp.capable({ version: 1, senderKey: kc, receiverKey: ks })], 0, { t: t + 0.02 });
  };
  const dsn = (k: number, rel: bigint): bigint => (idsn[k]![0] + rel) & M64;
  open(a, 0, T0);
  a.send('c', 'PA', [mp.dss({ ack: idsn[0]![1] + 1n, dsn: dsn(0, 1n), ssn: 1, len: 100 })], 100, { t: T0 + 0.5 });
  open(b, 1, T0 + 1);
  b.send('c', 'PA', [mp.dss({ ack: idsn[1]![1] + 1n, dsn: dsn(1, 1n), ssn: 1, len: 10 })], 10, { t: T0 + 1.5 });
  b.send('c', 'A', [mp.dss({ ack: idsn[1]![1] + 1n, dsn: dsn(1, 11n), ssn: 0, len: 1, fin: true })], 0, { t: T0 + 2 });
  b.send('s', 'A', [mp.dss({ ack: dsn(1, 12n), dsn: idsn[1]![1] + 1n, ssn: 0, len: 1, fin: true })], 0, { t: T0 + 2.01 });
  b.send('c', 'FA', [mp.dss({ ack: idsn[1]![1] + 2n })], 0, { t: T0 + 2.02 });
  b.send('s', 'FA', [mp.dss({ ack: dsn(1, 12n) })], 0, { t: T0 + 2.03 });
  a.send('c', 'PA', [mp.dss({ ack: idsn[0]![1] + 1n, dsn: dsn(0, 101n), ssn: 101, len: 100 })], 100, { t: T0 + end / 2 });
  a.send('c', 'A', [mp.dss({ ack: idsn[0]![1] + 1n, dsn: dsn(0, 201n), ssn: 0, len: 1, fin: true })], 0, { t: T0 + end });
  return a.pcap();
}

describe('connections finish when closed and idle', () => {
  it('a connection closed and silent for more than 60 s is frozen and written while others go on', async () => {
    const cap = twoConnections(200);
    const r = await record(cap);
    expect(r.records.map((c) => [c.id, c.close])).toEqual([
      [1, 'data_fin'],
      [0, 'open'],
    ]);
    // Connection 1's record came out before connection 0's DATA_FIN (at T0 + 200) was seen.
    const last0 = r.log.lastIndexOf('events 0');
    expect(r.log.indexOf('connection 1')).toBeLessThan(last0);
    expect(r.records[0]!.dirs[0].uniqueBytes).toBe(10);

    const a = await analyzeCapture(cap);
    expect(a.connections.map((c) => c.conn)).toEqual(['1', '0']);
    expect(a.summary.connections.map((c) => c.conn)).toEqual([0, 1]);
    expect(a.summary.analysis.connections_finished_closed).toBe(1);
  });

  it('one closed but silent for less than 60 s is finished at the end, in order', async () => {
    const r = await record(twoConnections(50));
    expect(r.records.map((c) => [c.id, c.close])).toEqual([
      [0, 'open'],
      [1, 'data_fin'],
    ]);
  });
});

describe('many closed connections', () => {
  const capture = (name: string, count: number, opts?: Parameters<typeof closingConnections>[2]): { path: string; packets: number } => {
    const path = join(mkdtempSync(join(tmpdir(), 'mptrace-closing-')), `${name}.pcap`);
    return { path, packets: closingConnections(path, count, opts) };
  };

  it('are finished once over (DATA_FIN and FINs acknowledged both ways) when 1,024 are tracked, then whenever 128 are, without the early-finish warning', async () => {
    // A new connection every ms, each over within 0.35 ms.
    const { path, packets } = capture('over', 1300);
    expect(packets).toBe(10_400);
    const a = await analyzeCapture(path);
    // The first look, when the 1,025th is opened, finds the 1,024 tracked over; the next two, at the 1,153rd and the
    // 1,281st, 128 each; the last 20 are finished at the end.
    expect(a.summary.analysis.connections_finished_closed).toBe(1280);
    expect(a.summary.analysis.connections_finished_early).toBe(0);
    expect(a.summary.analysis.packets_after_finish).toBe(0);
    expect(a.warnings).toEqual([]);
    expect(a.connections.map((c) => Number(c.conn))).toEqual(Array.from({ length: 1300 }, (_, i) => i));
    expect(a.connections.every((c) => c.close === 'data_fin' && c.c2s_unique_bytes === '100' && c.s2c_unique_bytes === '1000')).toBe(true);
    expect(a.subflows.every((s) => s.close === 'fin' && s.c2s_packets === '5' && s.s2c_packets === '3')).toBe(true);
  });

  it('a capture that never tracks 1,024 at once has them finished at the end, in order', async () => {
    const a = await analyzeCapture(capture('few', 1023).path);
    expect(a.summary.analysis.connections_finished_closed).toBe(0);
    expect(a.connections.map((c) => Number(c.conn))).toEqual(Array.from({ length: 1023 }, (_, i) => i));
  });

  it('closed at the MPTCP level with a FIN never acknowledged: finished after 1 s of silence once 1,024 are tracked', async () => {
    const { path, packets } = capture('unacked', 1300, { lastAck: false });
    expect(packets).toBe(9100);
    const a = await analyzeCapture(path);
    // None is over. At the 1,024th (t = 1.024 s) the 24 closed before 0.024 s go; the next look, at 1,256 tracked
    // (the 1,280th, t = 1.28 s), takes the 256 closed before 0.28 s; the rest are finished at the end.
    expect(a.summary.analysis.connections_finished_closed).toBe(280);
    expect(a.summary.analysis.connections_finished_early).toBe(0);
    expect(a.warnings.filter((w) => w.includes('finished early'))).toEqual([]);
    expect(a.connections.map((c) => Number(c.conn))).toEqual(Array.from({ length: 1300 }, (_, i) => i));
    expect(a.connections.every((c) => c.close === 'data_fin')).toBe(true);
  });

  it("a FIN sent again after its connection was finished is that flow's packet, not a new flow or connection", async () => {
    // Connection 1,000's server FIN again 200 ms later: connection 1,000 was finished at the first look (1,024 tracked).
    const { path, packets } = capture('late', 1300, { resendFin: 1000 });
    expect(packets).toBe(10_401);
    const a = await analyzeCapture(path);
    expect(a.summary.analysis.connections_finished_closed).toBe(1280);
    expect(a.summary.analysis.flows).toBe(1300);
    expect(a.summary.analysis.packets_after_finish).toBe(1);
    expect(a.warnings).toEqual([
      "1 packet came after its connection had closed and been finished (a FIN sent again after a last ACK lost past the capture point, a stray reset): in packets.csv as its subflow's, in none of the connection's figures",
    ]);
    expect(a.connections.length).toBe(1300);
    // Written before connection 1,200's SYN (frame 9,602): the 1,200 connections before it are 9,600 frames.
    const late = a.packets.find((r) => r.frame === '9601')!;
    expect(late).toMatchObject({ flow: '1000', conn: '1000', subflow: '0', dir: 's2c', seq: '1001', len: '0', flags: 'F.', retransmission: 'true' });
    // Its DSS option read again with the bases the connection left: the DATA_FIN after the answer's 1,000 bytes, the data ACK after the request's 100 and the client's DATA_FIN, as on the FIN it repeats.
    const first = a.packets.find((r) => r.conn === '1000' && r.dir === 's2c' && r.flags === 'F.')!;
    expect(first.frame).not.toBe('9601');
    expect(late).toMatchObject({ dsn: '1001', data_ack: '102', mptcp: first.mptcp });
    expect(first).toMatchObject({ dsn: '1001', data_ack: '102' });
    expect(a.packets.find((r) => r.frame === '9602')).toMatchObject({ flow: '1200', conn: '1200' });
    // Connection 1,000's own figures are as the capture showed them before it was finished.
    expect(a.subflows.find((s) => s.conn === '1000')).toMatchObject({ s2c_packets: '3', close: 'fin' });
  });

  it('a late copy of a data segment gets its DSN from the mapping it carries', async () => {
    const { path, packets } = capture('late-data', 1300, { resendFin: 1000, resendAnswer: true });
    expect(packets).toBe(10_402);
    const a = await analyzeCapture(path);
    expect(a.summary.analysis.packets_after_finish).toBe(2);
    const [answer, fin] = [a.packets.find((r) => r.frame === '9601')!, a.packets.find((r) => r.frame === '9602')!];
    expect(answer).toMatchObject({ conn: '1000', dir: 's2c', seq: '1', len: '1000', dsn: '1', data_ack: '101', retransmission: 'true' });
    expect(fin).toMatchObject({ conn: '1000', dir: 's2c', seq: '1001', len: '0', dsn: '1001', data_ack: '102', retransmission: 'true' });
    // As the first copy was, before the connection was finished.
    expect(a.packets.find((r) => r.conn === '1000' && r.len === '1000')).toMatchObject({ seq: '1', dsn: '1', data_ack: '101', retransmission: 'false' });
  });

  it('keep one whose subflows closed without a DATA_FIN: a join seconds later still finds it (break before make)', async () => {
    const M64 = (1n << 64n) - 1n;
    const kc = 0x0a0b0c0d01020304n;
    const ks = 0x1122334455667788n;
    const server = keyInfo(1, ks);
    const client = keyInfo(1, kc);
    const phone = new Conversation(['10.0.0.1', 40000], ['10.9.9.9', 443]);
    const packets = phone.packets;
    phone.send('c', 'S', [mp.capable({ version: 1 })], 0, { t: T0 });
    phone.send('s', 'SA', [mp.capable({ version: 1, senderKey: ks })], 0, { t: T0 + 0.001 });
    phone.send('c', 'A', [mp.capable({ version: 1, senderKey: kc, receiverKey: ks })], 0, { t: T0 + 0.002 });
    phone.send('c', 'PA', [mp.dss({ ack: (server.idsn + 1n) & M64, dsn: (client.idsn + 1n) & M64, ssn: 1, len: 10 })], 10, { t: T0 + 0.003 });
    // The Wi-Fi subflow goes (FIN both ways, no DATA_FIN): the connection lives on.
    phone.send('c', 'FA', [mp.dss({ ack: (server.idsn + 1n) & M64 })], 0, { t: T0 + 0.004 });
    phone.send('s', 'FA', [mp.dss({ ack: (client.idsn + 11n) & M64 })], 0, { t: T0 + 0.005 });
    // 1,100 short connections, one every 2 ms, each closed by DATA_FIN both ways.
    for (let i = 0; i < 1100; i++) {
      const t = T0 + 0.01 + i * 0.002;
      const k = [BigInt(i + 1) << 8n, (BigInt(i + 1) << 8n) | 1n] as const;
      const [ic, is] = [keyInfo(1, k[0]).idsn, keyInfo(1, k[1]).idsn];
      const c = new Conversation(['10.1.0.1', 1024 + i], ['10.9.9.9', 80], { packets });
      c.send('c', 'S', [mp.capable({ version: 1 })], 0, { t });
      c.send('s', 'SA', [mp.capable({ version: 1, senderKey: k[1] })], 0, { t: t + 0.0001 });
      c.send('c', 'A', [mp.capable({ version: 1, senderKey: k[0], receiverKey: k[1] })], 0, { t: t + 0.0002 });
      c.send('c', 'FA', [mp.dss({ ack: (is + 1n) & M64, dsn: (ic + 1n) & M64, ssn: 0, len: 1, fin: true })], 0, { t: t + 0.0003 });
      c.send('s', 'FA', [mp.dss({ ack: (ic + 2n) & M64, dsn: (is + 1n) & M64, ssn: 0, len: 1, fin: true })], 0, { t: t + 0.0004 });
      c.send('c', 'A', [mp.dss({ ack: (is + 2n) & M64 })], 0, { t: t + 0.0005 });
    }
    // 2.3 s after the Wi-Fi subflow went, the phone joins on cellular.
    const cell = new Conversation(['10.2.0.1', 40001], ['10.9.9.9', 443], { packets });
    const tj = T0 + 2.3;
    cell.send('c', 'S', [mp.joinSyn({ addrId: 2, token: server.token, nonce: 7 })], 0, { t: tj });
    cell.send('s', 'SA', [mp.joinSynAck({ addrId: 0, hmac: joinMac(1, ks, kc, 9, 7), nonce: 9 })], 0, { t: tj + 0.01 });
    cell.send('c', 'A', [mp.joinAck(joinMac(1, kc, ks, 7, 9))], 0, { t: tj + 0.02 });
    cell.send('c', 'PA', [mp.dss({ ack: (server.idsn + 1n) & M64, dsn: (client.idsn + 11n) & M64, ssn: 1, len: 10 })], 10, { t: tj + 0.03 });
    const a = await analyzeCapture(phone.pcap());
    const first = a.connections.find((c) => c.conn === '0')!;
    expect(first.subflows).toBe('2');
    expect(first.c2s_unique_bytes).toBe('20');
    // The short ones are over: the look at 1,024 tracked (the phone and short ones 0..1,022) finishes the 1,023, not
    // the phone's (no DATA_FIN); 77 more come, too few for the next look at 128, and are finished at the end.
    expect(a.summary.analysis.connections_finished_closed).toBe(1023);
    expect(a.connections.length).toBe(1101);
  });
});

