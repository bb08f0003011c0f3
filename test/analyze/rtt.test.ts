/**
 * MPTCP-level RTT (detect/rtt.ts) against a recomputation from packets.csv
 * alone: every data segment and every DATA_ACK the capture holds, replayed
 * with Karn's rule written out again here.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeCapture, type Analysis } from '../helpers/analyze.js';
import { HAVE_TRACES, ROOT, TRACES } from '../helpers/shared.js';

interface Sample {
  dir: string;
  frame: number;
  segmentFrame: number;
  rtt: number;
}

/** Data sent for the first time → the first DATA_ACK covering it; one sample per ACK (the newest range covered), none from ranges carried twice. */
function recompute(a: Analysis): Sample[] {
  const out: Sample[] = [];
  const state = new Map<string, { covered: Array<[number, number]>; top: number; inflight: Array<{ s: number; e: number; t: number; frame: number; ok: boolean }> }>();
  const of = (dir: string) => {
    let s = state.get(dir);
    if (!s) state.set(dir, (s = { covered: [], top: -Infinity, inflight: [] }));
    return s;
  };
  for (const p of a.packets) {
    if (p.conn === '') continue;
    const t = Number(p.time.slice(p.time.indexOf('.') - 3)); // seconds within the capture's last 1000 s: exact enough for µs
    if (p.dsn !== '' && Number(p.len) > 0) {
      const s = of(p.dir);
      const ds = Number(p.dsn);
      const de = ds + Number(p.len);
      let seen = 0;
      for (const [x, y] of s.covered) seen += Math.max(0, Math.min(y, de) - Math.max(x, ds));
      const ok = seen === 0 && p.retransmission === 'false';
      if (!ok) for (const r of s.inflight) if (r.e > ds && r.s < de) r.ok = false;
      if (de > s.top) {
        s.inflight.push({ s: Math.max(ds, s.top), e: de, t, frame: Number(p.frame), ok });
        s.top = de;
      }
      s.covered.push([ds, de]);
      if (s.covered.length > 64) {
        s.covered.sort((x, y) => x[0] - y[0]);
        const merged: Array<[number, number]> = [];
        for (const r of s.covered) {
          const last = merged[merged.length - 1];
          if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
          else merged.push([r[0], r[1]]);
        }
        s.covered = merged;
      }
    }
    if (p.data_ack !== '') {
      const dir = p.dir === 'c2s' ? 's2c' : 'c2s';
      const s = of(dir);
      const ack = Number(p.data_ack);
      let newest: (typeof s.inflight)[0] | undefined;
      while (s.inflight.length > 0 && s.inflight[0]!.e <= ack) newest = s.inflight.shift();
      if (newest?.ok && newest.e === ack) out.push({ dir, frame: Number(p.frame), segmentFrame: newest.frame, rtt: t - newest.t });
    }
  }
  return out;
}

function samples(a: Analysis): Sample[] {
  return a.rtt.filter((r) => r.level === 'mptcp').map((r) => ({ dir: r.dir, frame: Number(r.frame), segmentFrame: Number(r.segment_frame), rtt: Number(r.rtt) }));
}

function expectSame(got: Sample[], want: Sample[]): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    expect([got[i]!.dir, got[i]!.frame, got[i]!.segmentFrame]).toEqual([want[i]!.dir, want[i]!.frame, want[i]!.segmentFrame]);
    expect(Math.abs(got[i]!.rtt - want[i]!.rtt)).toBeLessThan(2e-6);
  }
}

describe('MPTCP-level RTT on the bundled handover capture (client side)', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await analyzeCapture(join(ROOT, 'fixtures', 'lab', 'handover.client.pcap'));
  });

  it('every sample is the one packets.csv gives', () => {
    expectSame(samples(a), recompute(a));
  });

  it('at the client, s2c samples are the client\'s ACK delay; c2s ones its RTT', () => {
    const c = a.summary.connections[0]!;
    expect(c.vantage).toBe('client');
    expect(c.s2c.mptcp_rtt).toMatchObject({ samples: 4390, measures: 'ack-delay', min: 0.000001641, max: 0.037594886 });
    expect(c.c2s.mptcp_rtt).toMatchObject({ samples: 1, measures: 'rtt', min: 0.000008933 });
    expect(a.connections[0]!.s2c_mptcp_rtt_median).toBe('0.000005656');
  });
});

describe.skipIf(!HAVE_TRACES)('MPTCP-level RTT at the sender (server side of the lab downloads)', () => {
  for (const name of ['handover', 'lossy']) {
    it(`${name}.pcapng: every sample is the one packets.csv gives`, async () => {
      const a = await analyzeCapture(join(TRACES, 'lab', `${name}.pcapng`));
      expect(a.summary.connections[0]!.s2c.mptcp_rtt!.measures).toBe('rtt');
      expectSame(samples(a), recompute(a));
    });
  }
});
