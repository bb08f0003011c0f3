/**
 * Subflow RTT (detect/subflow-rtt.ts) against Wireshark's
 * tcp.analysis.ack_rtt (stored answers in test/truth/tshark, so this runs
 * without tshark and, on the bundled capture, without ../shared).
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeCapture, type Analysis } from '../helpers/analyze.js';
import { compareRtt } from '../helpers/ack-rtt.js';
import { HAVE_TRACES, ROOT, TRACES, truthRows } from '../helpers/shared.js';

describe('subflow RTT on the bundled handover capture (client side)', () => {
  let a: Analysis;
  beforeAll(async () => {
    // The same bytes as ../shared/traces/lab/handover.client.pcap, whose tshark answers are stored.
    a = await analyzeCapture(join(ROOT, 'fixtures', 'lab', 'handover.client.pcap'));
  });

  it("every `ack` sample is Wireshark's ack_rtt of the same ACK, from the same segment", () => {
    const r = compareRtt(truthRows('lab/handover.client.pcap'), a);
    expect(r.bad).toEqual([]);
    expect(r.same).toBe(4390);
    expect(a.rtt.filter((x) => x.level === 'subflow' && x.method === 'ack').length).toBe(4390);
    // After the handover's losses, 8 ACKs whose newest covered segment was repeated take the timestamp echo.
    expect(r.tsecr).toBe(8);
  });

  it('subflows.csv and summary.json give each direction its figures, labelled by what they measure at the client', () => {
    const s1 = a.summary.connections[0]!.subflows[1]!;
    expect(s1.s2c.rtt).toEqual({ samples: 2492, min: 0.000001967, median: 0.000007173, p95: 0.000041796, max: 0.001228877, measures: 'ack-delay' });
    expect(s1.c2s.rtt).toMatchObject({ samples: 2, min: 0.000010526, max: 0.000031933, measures: 'rtt' });
    const row = a.subflows.find((r) => r.subflow === '1')!;
    expect([row.s2c_rtt_samples, row.s2c_rtt_min, row.s2c_rtt_median, row.s2c_rtt_p95, row.s2c_rtt_max]).toEqual(['2492', '0.000001967', '0.000007173', '0.000041796', '0.001228877']);
  });
});

describe.skipIf(!HAVE_TRACES)('subflow RTT where Karn\'s rule and Wireshark part', () => {
  it('lab/lossy.pcapng frame 668: the segment it covers last was SACKed at frame 588, so the sample is the TSecr echo of the retransmission (frame 459)', async () => {
    const a = await analyzeCapture(join(TRACES, 'lab', 'lossy.pcapng'), { plots: false });
    const ours = a.rtt.find((r) => r.level === 'subflow' && r.frame === '668')!;
    expect(ours).toMatchObject({ dir: 's2c', method: 'tsecr', subflow: '0', segment_frame: '459', rtt: '0.021519' });
    // Wireshark measures from frame 323, whose bytes frame 588's SACK block had acknowledged 20 ms before: the wait for the repair is in its figure.
    const t = truthRows('lab/lossy.pcapng').find((r) => r.frame === 668)!;
    expect([t.acksFrame, t.ackRtt]).toEqual(['323', '0.038225000']);
  });

  it('lab/many.client.pcap frame 43993: an ACK past a hole the capture saw filled gives no `ack` sample from the segment before the hole', async () => {
    const a = await analyzeCapture(join(TRACES, 'lab', 'many.client.pcap'), { plots: false });
    const ours = a.rtt.find((r) => r.level === 'subflow' && r.frame === '43993')!;
    // ACK 407997 of tcp.stream 10 (the client's). Before the hole fix: 33.8 ms from frame 42838, whose bytes end at 406577.
    // Bytes 406577..407997 came in frame 43719, below the highest sequence seen; the ACK waited for the hole at 392377
    // (filled by frames 43988 and 43992) and echoes 43988's TSval: the client's ACK delay after the fill.
    expect(ours).toMatchObject({ dir: 's2c', method: 'tsecr', segment_frame: '43988', rtt: '0.000122849' });
    // Wireshark measures from 43719: 7.9 ms, most of it the wait for the hole.
    const t = truthRows('lab/many.client.pcap').find((r) => r.frame === 43993)!;
    expect([t.acksFrame, t.ackRtt]).toEqual(['43719', '0.007919505']);
  });

  it('options cut by the snaplen: no sample, and a warning that says why', async () => {
    const a = await analyzeCapture(join(TRACES, 'lab', 'derived', 'add-addr.snap74.pcapng'), { plots: false });
    expect(a.rtt.filter((r) => r.level === 'subflow' && r.frame !== '')).toHaveLength(0);
    expect(a.warnings.some((w) => /TCP options cut by the snaplen on \d+ ACKs of new data: no subflow RTT sample/.test(w))).toBe(true);
  });
});
