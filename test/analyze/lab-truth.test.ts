import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCapture, type Analysis } from '../helpers/analyze.js';
import { HAVE_TRACES, TRACES } from '../helpers/shared.js';

/**
 * Ground truth of the lab captures (../shared/traces/lab/NAME.json: what the
 * lab did, when, and the kernels' MPTCP counters), from both vantage points:
 * NAME.pcapng at the server, NAME.client.pcap at the client.
 */
interface LabJson {
  start_epoch: number;
  events: Array<{ t: number; event: string }>;
  kernel_mptcp_counters: { client: Record<string, number>; server: Record<string, number> };
}

const cache = new Map<string, Promise<Analysis>>();
function lab(name: string): Promise<Analysis> {
  let p = cache.get(name);
  if (p === undefined) cache.set(name, (p = analyzeCapture(join(TRACES, 'lab', name))));
  return p;
}
function truth(scenario: string): LabJson {
  return JSON.parse(readFileSync(join(TRACES, 'lab', `${scenario}.json`), 'utf8')) as LabJson;
}
const events = (a: Analysis, name: string) => a.events.filter((e) => e.event === name);
const VANTAGES = ['pcapng', 'client.pcap'] as const;

describe.skipIf(!HAVE_TRACES)('lab ground truth', () => {
  for (const v of VANTAGES) {
    describe(v, () => {
      it('fallback-server: the SYN/ACK has no MP_CAPABLE', async () => {
        const a = await lab(`fallback-server.${v}`);
        expect(a.connections).toHaveLength(1);
        expect(a.connections[0]!.fallback).toBe('synack-without-mp-capable');
        expect(events(a, 'fallback').map((e) => e.detail)).toEqual(['synack-without-mp-capable']);
        expect(truth('fallback-server').kernel_mptcp_counters.client.MPTcpExtMPCapableFallbackSYNACK).toBe(1);
      });

      it('fallback-middlebox: data without DSS after the handshake (kernel DssFallback)', async () => {
        const a = await lab(`fallback-middlebox.${v}`);
        expect(truth('fallback-middlebox').kernel_mptcp_counters.client.MPTcpExtDssFallback).toBe(1);
        const c = a.connections[0]!;
        expect(c.fallback).toBe('no-dss');
        expect(c.handshake).toBe('full');
        const fb = events(a, 'fallback')[0]!;
        const handshakeDone = Number(a.packets.find((p) => p.mptcp.includes('mp_capable') && p.flags === '.')!.time);
        expect(Number(fb.time)).toBeGreaterThan(handshakeDone);
      });

      it('strip-midway: subflows reset with MP_TCPRST, no fallback', async () => {
        const a = await lab(`strip-midway.${v}`);
        expect(truth('strip-midway').kernel_mptcp_counters.client.MPTcpExtMPRstTx).toBe(2);
        expect(events(a, 'mp_tcprst')).toHaveLength(2);
        expect(a.connections[0]).toMatchObject({ fallback: '', close: 'mp_tcprst' });
        expect(a.subflows.map((s) => s.close)).toEqual(['mp_tcprst', 'mp_tcprst']);
        expect(a.subflows.every((s) => s.close_reason !== '')).toBe(true);
      });

      it('fastclose: MP_FASTCLOSE closes the connection', async () => {
        const a = await lab(`fastclose.${v}`);
        expect(events(a, 'mp_fastclose').length).toBeGreaterThanOrEqual(1);
        expect(a.connections[0]!.close).toBe('mp_fastclose');
      });

      it('add-addr: ADD_ADDR (HMAC verified), its echo, and REMOVE_ADDR', async () => {
        const a = await lab(`add-addr.${v}`);
        expect(events(a, 'add_addr').map((e) => e.detail)).toEqual(['id 1 10.2.2.1 from server; hmac ok', 'echo id 1 10.2.2.1 from client']);
        expect(events(a, 'remove_addr').map((e) => e.detail)).toEqual(['ids 1 from server']);
      });

      it('checksum: DSS checksums negotiated, every captured mapping verifies, none fails', async () => {
        const a = await lab(`checksum.${v}`);
        const c = a.summary.connections[0]!;
        expect(c.checksum).toBe(true);
        expect(c.checksums.failed).toBe(0);
        expect(c.checksums.verified_ok).toBeGreaterThanOrEqual(1);
        expect(events(a, 'checksum_failure')).toEqual([]);
      });

      for (const [scenario, trigger] of [
        ['handover', 'loss path1 100%'],
        ['wifi-return', 'endpoint path1 added'],
      ] as const) {
        it(`${scenario}: one handover, server to client, within seconds of "${trigger}"`, async () => {
          const a = await lab(`${scenario}.${v}`);
          const j = truth(scenario);
          const at = j.start_epoch + j.events.find((e) => e.event === trigger)!.t;
          expect(a.handovers).toHaveLength(1);
          const h = a.handovers[0]!;
          expect(h).toMatchObject({ dir: 's2c', from_subflow: '0', to_subflow: '1' });
          expect(Number(h.time) - at).toBeGreaterThan(0);
          expect(Number(h.time) - at).toBeLessThan(3);
          expect(Number(h.stall)).toBeLessThan(1);
        });
      }

      for (const scenario of ['basic', 'download', 'interactive', 'lossy', 'ipv6']) {
        it(`${scenario}: two subflows sharing the data is no handover`, async () => {
          const a = await lab(`${scenario}.${v}`);
          expect(a.handovers).toEqual([]);
          expect(a.subflows.length).toBe(2);
        });
      }
    });
  }

  it('join-stripped (client side): the join is answered without MP_JOIN and reset', async () => {
    const a = await lab('join-stripped.client.pcap');
    expect(truth('join-stripped').kernel_mptcp_counters.client.MPTcpExtMPJoinSynTx).toBe(1);
    expect(events(a, 'join_failed').map((e) => e.detail)).toEqual(['answered without MP_JOIN']);
    expect(a.subflows[1]).toMatchObject({ kind: 'join', failed: 'answered without MP_JOIN' });
    expect(events(a, 'mp_tcprst')).toHaveLength(1);
  });

  it('handover (server side): the trigger is the retransmission timeout on the dark path, and the backup flag', async () => {
    const a = await lab('handover.pcapng');
    expect(a.handovers[0]!.trigger).toBe('retransmission timeout on subflow 0; subflow 1 is a backup (MP_JOIN)');
    expect(a.subflows[1]).toMatchObject({ backup: 'true' });
  });

  it('wifi-return: the trigger is the new join', async () => {
    const a = await lab('wifi-return.client.pcap');
    expect(a.handovers[0]!.trigger).toBe('new join (subflow 1)');
  });

  for (const scenario of ['download', 'lossy', 'ipv6']) {
    it(`${scenario} (client = receiver): out-of-order segments in the range of the kernel's OFOQueue`, async () => {
      const a = await lab(`${scenario}.client.pcap`);
      const c = a.summary.connections[0]!;
      expect(c.vantage).toBe('client');
      const ofo = truth(scenario).kernel_mptcp_counters.client.MPTcpExtOFOQueue!;
      // The kernel counts skbs entering the MPTCP out-of-order queue; back-to-back segments
      // of one subflow are often coalesced into one skb first, so the capture counts more.
      expect(c.s2c.out_of_order_segments).toBeGreaterThanOrEqual(ofo);
      expect(c.s2c.out_of_order_segments).toBeLessThanOrEqual(2 * ofo);
    });
  }

  it('vantage: the server capture is nearest the server', async () => {
    expect((await lab('download.pcapng')).summary.connections[0]!.vantage).toBe('server');
  });
});
