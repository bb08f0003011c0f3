import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../helpers/analyze.js';
import { ROOT } from '../helpers/shared.js';

/** The bundled lab captures (fixtures/lab), against what their kernels counted. */
const LAB = join(ROOT, 'fixtures', 'lab');
const truth = (name: string) => JSON.parse(readFileSync(join(LAB, `${name}.json`), 'utf8')) as { kernel_mptcp_counters: { client: Record<string, number>; server: Record<string, number> }; start_epoch: number; events: Array<{ t: number; event: string }> };

describe('fixtures/lab/checksum-fail: a middlebox rewrites one byte of a checksummed mapping', () => {
  const k = truth('checksum-fail').kernel_mptcp_counters;
  it('the kernels saw it: a checksum error at the server, MP_FAIL both ways', () => {
    expect(k.server).toMatchObject({ MPTcpExtDataCsumErr: 1, MPTcpExtMPFailTx: 1 });
    expect(k.client).toMatchObject({ MPTcpExtMPFailRx: 1 });
  });
  it('at the server: the checksum fails on the rewritten mapping, the connection falls back, MP_FAIL follows', async () => {
    const a = await analyzeCapture(join(LAB, 'checksum-fail.pcapng'));
    expect(a.events.map((e) => [e.frame, e.event, e.detail])).toEqual([
      ['1', 'mp_capable', 'SYN v1 flags 0x81'],
      ['145', 'checksum_failure', 'mapping of frame 97: dsn 65553 ssn 65553 len 39872 checksum 0xc1d2'],
      ['145', 'fallback', 'checksum-failure'],
      ['146', 'mp_fail', 'dsn 65553 from server'],
      ['264', 'mp_fail', 'dsn 1 from client'],
    ]);
    expect(a.summary.connections[0]!.checksums).toEqual({ verified_ok: 6, failed: 1, unverifiable: 0 });
  });
  it('at the client (before the middlebox): every checksum verifies, then MP_FAIL arrives', async () => {
    const a = await analyzeCapture(join(LAB, 'checksum-fail.client.pcap'));
    expect(a.connections[0]).toMatchObject({ fallback: 'mp-fail', fallback_time: '1795383759.784436548' });
    expect(a.summary.connections[0]!.checksums.failed).toBe(0);
    expect(a.subflows[1]).toMatchObject({ kind: 'join', failed: 'SYN never answered' });
  });
});

describe('fixtures/lab/handover (the README example)', () => {
  it('one handover from subflow 0 to the backup subflow 1, after path 1 went dark', async () => {
    const a = await analyzeCapture(join(LAB, 'handover.client.pcap'));
    const j = truth('handover');
    const dark = j.start_epoch + j.events.find((e) => e.event === 'loss path1 100%')!.t;
    expect(a.handovers).toHaveLength(1);
    expect(a.handovers[0]).toMatchObject({ dir: 's2c', from_subflow: '0', to_subflow: '1', time: '1795371253.570850413', stall: '0.201482281' });
    expect(Number(a.handovers[0]!.time) - dark).toBeCloseTo(0.023, 2);
    expect(a.connections[0]).toMatchObject({ s2c_unique_bytes: '12000000', close: 'data_fin' });
  });
});

describe('fixtures/lab/short-connections: 400 short connections in a row, as Linux closes them', () => {
  // As the command line reads it: decompressed first.
  const CAP = gunzipSync(readFileSync(join(LAB, 'short-connections.client.pcap.gz')));
  const sortedRows = (dir: string, table: string): string[] => readFileSync(join(dir, `${table}.csv`), 'utf8').split('\n').sort();

  it('the kernels saw 400, with 89 joins refused (MP_TCPRST) by the server', () => {
    const k = truth('short-connections').kernel_mptcp_counters;
    expect(k.client).toMatchObject({ MPTcpExtMPCapableSYNTX: 400, MPTcpExtMPJoinSynTx: 400, MPTcpExtMPRstTx: 89 });
    expect(k.server).toMatchObject({ MPTcpExtMPJoinRejected: 89 });
  });

  it('each is finished once over (here from 128 tracked on: the default waits for 1,024), with the rows it would have at the end', async () => {
    const a = await analyzeCapture(CAP, { limits: { overBusy: 128 } });
    // tcpdump left the last 14 connections unwritten when stopped (capture_stats: 11,393 received, 10,975 captured).
    expect(a.summary.totals).toMatchObject({ connections: 386, subflows: 772 });
    expect(a.connections.every((c) => c.close === 'data_fin')).toBe(true);
    expect(a.subflows.filter((s) => s.close === 'mp_tcprst' && s.close_reason === 'administratively-prohibited').length).toBe(88);
    // All but 384 and 385, opened after the last look, and 376, whose close was still under way at that look.
    expect(a.summary.analysis).toMatchObject({ connections_finished_closed: 383, packets_after_finish: 0, connections_finished_early: 0 });
    expect(a.warnings).toEqual([]);
    expect(a.connections.slice(-3).map((c) => c.conn)).toEqual(['376', '384', '385']);

    const atEnd = await analyzeCapture(CAP, { limits: { overBusy: Infinity } });
    expect(atEnd.summary.analysis.connections_finished_closed).toBe(0);
    expect(atEnd.connections.map((c) => c.conn)).toEqual(Array.from({ length: 386 }, (_, i) => String(i)));
    for (const table of ['connections', 'subflows', 'events', 'packets', 'rtt', 'flight', 'holes', 'reinjections', 'handovers']) {
      expect(sortedRows(a.dir, table), table).toEqual(sortedRows(atEnd.dir, table));
    }
  });
});

describe('fixtures/lab/short-lossy: 600 short connections, 5% loss on path 1, at the server', () => {
  const CAP = gunzipSync(readFileSync(join(LAB, 'short-lossy.pcapng.gz')));
  const cols = (dir: string, pick: (c: string[]) => string[]): string[] => readFileSync(join(dir, 'packets.csv'), 'utf8').trimEnd().split('\n').map((l) => pick(l.split(',')).join(','));

  it('a capture that never tracks 1,024 at once finishes none early', async () => {
    const a = await analyzeCapture(CAP, { packets: false });
    expect(a.summary.analysis).toMatchObject({ connections_finished_closed: 0, packets_after_finish: 0 });
    expect(a.connections.length).toBe(598);
  });

  it('finished early (from 128 tracked on), a FIN the client sent again after a lost last ACK keeps its flow (tshark tcp.stream), in none of the figures', async () => {
    expect(truth('short-lossy')).toMatchObject({ router_drops: { rc1: 255, rs1: 272 } });
    const early = await analyzeCapture(CAP, { limits: { overBusy: 128 } });
    const atEnd = await analyzeCapture(CAP, { limits: { overBusy: Infinity } });
    expect(early.summary.analysis).toMatchObject({ connections_finished_closed: 481, packets_after_finish: 14 });
    expect(early.warnings).toEqual([
      "14 packets came after their connection had closed and been finished (a FIN sent again after a last ACK lost past the capture point, a stray reset): in packets.csv as their subflow's, in none of the connection's figures",
    ]);
    expect(atEnd.summary.analysis.packets_after_finish).toBe(0);
    // tshark: frame 4058 is tcp.stream 199, seq 17, a retransmission; 11174 is stream 720.
    // Its DSS read again from what the connection left (FinishedFlows): the data ACK as at the end.
    expect(early.packets.find((r) => r.frame === '4058')).toMatchObject({ flow: '199', conn: '102', subflow: '0', dir: 'c2s', seq: '17', flags: 'F.', data_ack: '3002', retransmission: 'true' });
    expect(atEnd.packets.find((r) => r.frame === '4058')).toMatchObject({ flow: '199', conn: '102', data_ack: '3002' });
    expect(early.packets.find((r) => r.frame === '11174')).toMatchObject({ flow: '720', conn: '361', seq: '17', retransmission: 'true' });
    // packets.csv is the same whether connections are finished early or at the end: every row, late ones included.
    const row = (c: string[]): string[] => c;
    expect(cols(early.dir, row)).toEqual(cols(atEnd.dir, row));
    // What the late packets would have added: seven initial subflows' end, duration and packet counts.
    const key = (s: Record<string, string>): string => `${s.conn}/${s.subflow}`;
    const later = new Map(atEnd.subflows.map((s) => [key(s), s]));
    const changed = early.subflows.filter((s) => JSON.stringify(s) !== JSON.stringify(later.get(key(s))));
    expect(changed.map(key).sort((x, y) => parseInt(x) - parseInt(y))).toEqual(['102/0', '361/0', '445/0', '473/0', '475/0', '481/0', '484/0']);
    for (const s of changed) {
      const t = later.get(key(s))!;
      expect({ ...s, end: t.end, duration: t.duration, c2s_packets: t.c2s_packets, s2c_packets: t.s2c_packets }).toEqual(t);
      expect(Number(t.c2s_packets) - Number(s.c2s_packets)).toBe(1);
    }
  });
});

describe('fixtures/lab/lossy.client.pcap with every packet twice (tcpdump -i any on a host that forwards the traffic)', () => {
  /** The capture with each record written twice. */
  function twice(file: string): Uint8Array {
    const b = readFileSync(file);
    const parts: Uint8Array[] = [b.subarray(0, 24)];
    for (let o = 24; o + 16 <= b.length; ) {
      const end = o + 16 + b.readUInt32LE(o + 8);
      parts.push(b.subarray(o, end), b.subarray(o, end));
      o = end;
    }
    return Buffer.concat(parts);
  }

  it('says how many packets are copies: every data segment and FIN but the SYNs (tshark: 5834 frames with payload or FIN, no SYN), none in the capture as taken', async () => {
    const file = join(LAB, 'lossy.client.pcap');
    const copied = await analyzeCapture(twice(file), { packets: false });
    const once = await analyzeCapture(file, { packets: false });
    const copies = (w: string[]) => w.filter((x) => /copies|a copy/.test(x));
    expect(copies(copied.warnings)).toEqual([
      'at least 5834 packets are copies of one captured less than 1 s before (same flow, direction, sequence and acknowledgment numbers, length, flags, window, TCP checksum, timestamps and IP ID): the capture holds the same packets twice (tcpdump -i any on a host that forwards them, or captures merged from two points), and the retransmission figures count each copy as a retransmission',
    ]);
    expect(copies(once.warnings)).toEqual([]);
    // What the warning is for: each copy is a retransmission to the TCP tracker, as it is to Wireshark.
    expect(copied.subflows.map((s) => s.s2c_retransmitted_bytes)).toEqual(['5113368', '3079804']);
    expect(once.subflows.map((s) => s.s2c_retransmitted_bytes)).toEqual(['155052', '36700']);
  });
});
