/**
 * The matcher's memory of finished subflows, for packets that come after
 * their connection was finished (WireTap.latePacket): the last
 * FINISHED_FLOWS_KEPT, as the analysis keeps their flows.
 */
import { describe, expect, it } from 'vitest';
import { Connection, Subflow } from '../../src/analyze/connection.js';
import { Matcher } from '../../src/analyze/compare/matcher.js';
import { FINISHED_FLOWS_KEPT } from '../../src/analyze/finished-flows.js';
import { Flow } from '../../src/analyze/flow.js';

/** Connection `id` with `n` subflows, each having sent one packet to capture `side`. */
function connectionSeen(m: Matcher, side: 0 | 1, id: number, n: number): Connection {
  const c = new Connection(id, 1, 0);
  for (let i = 0; i < n; i++) {
    const flow = new Flow(id * 8 + i, 0, false, 0x0a010101, 0, 0, 0, 40000 + i, 0x0a010201, 0, 0, 0, 5201, 1, 0);
    const s = new Subflow(c, i, flow, i === 0 ? 'initial' : 'join', true, 0);
    c.subflows.push(s);
    m.add(side, m.handleFor(side, s), 0, 1, 0, 1000, 0, 0, -1, -1, 0, 0x02, 64);
  }
  return c;
}

/** A late packet of capture `side`'s finished connection `conn`, subflow `index`, as the wire tap hands it on: its slot, or -1 when the subflow is not remembered. */
function late(m: Matcher, side: 0 | 1, conn: number, index: number): number {
  const h = m.finishedHandle(side, conn, index);
  return h === undefined ? -1 : m.add(side, h, 1, 2, 0, 1001, 1, 0, 5, -1, 0, 0x11, 64);
}

describe('Matcher: finished subflows for late packets', () => {
  it("finds a finished subflow's handle by connection and subflow number, on its capture's side only", () => {
    const m = new Matcher({ matched: () => {}, unmatched: () => {} });
    const c = connectionSeen(m, 0, 7, 3);
    expect(late(m, 0, 7, 1)).toBe(-1);
    m.finished(0, c);
    const s = late(m, 0, 7, 2);
    expect(s).toBeGreaterThanOrEqual(0);
    expect(m.subflowOf(s)).toMatchObject({ connId: 7, index: 2, kind: 'join', sub: null });
    expect(late(m, 1, 7, 2)).toBe(-1);
    expect(late(m, 0, 7, 3)).toBe(-1);
  });

  it(`remembers the last ${FINISHED_FLOWS_KEPT} finished subflows`, () => {
    const m = new Matcher({ matched: () => {}, unmatched: () => {} });
    const per = 4;
    const conns = FINISHED_FLOWS_KEPT / per + 1;
    for (let id = 0; id < conns; id++) m.finished(0, connectionSeen(m, 0, id, per));
    // The first connection's subflows were pushed out by the last one's.
    for (let i = 0; i < per; i++) expect(late(m, 0, 0, i)).toBe(-1);
    for (let i = 0; i < per; i++) expect(late(m, 0, 1, i)).toBeGreaterThanOrEqual(0);
    expect(m.subflowOf(late(m, 0, conns - 1, per - 1))).toMatchObject({ connId: conns - 1, index: per - 1 });
  });

  it('a subflow MPTCP never names keeps no entry for packets already gone (a capture started after the handshake)', () => {
    let unmatched = 0;
    const m = new Matcher({ matched: () => {}, unmatched: () => void unmatched++ });
    // No key seen: the initial subflow has no server token, so it is never identified.
    const c = new Connection(1, 1, 0);
    const flow = new Flow(1, 0, false, 0x0a010101, 0, 0, 0, 40000, 0x0a010201, 0, 0, 0, 5201, 1, 0);
    const s = new Subflow(c, 0, flow, 'initial', true, 0);
    c.addSubflow(s);
    m.baseSec[0] = m.baseSec[1] = 0;
    let longest = 0;
    for (let i = 0; i < 100_000; i++) {
      const t = i * 0.001;
      m.add(0, m.handleFor(0, s), t, i + 1, 0, i * 1000, i * 1000, 1000, -1, -1, i & 0xffff, 0x10, 64);
      // The other capture reads along: what is older than the horizon found no twin.
      m.advance(1, t);
      longest = Math.max(longest, m.subflowOf(0).waiting.length);
    }
    // 5 s of packets at one a millisecond wait at once (two numbers each); 100,000 were kept before.
    expect(unmatched).toBeGreaterThan(94_000);
    expect(longest).toBeLessThan(4 * 5_001 * 2);
    expect(m.subflowOf(0).waiting.length).toBeLessThanOrEqual(2 * 2 * 5_001);
  });
});
