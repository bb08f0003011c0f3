import { describe, expect, it } from 'vitest';
import { openInput } from '../../src/decode/capture.js';
import { Diagnostics } from '../../src/decode/diagnostics.js';
import { Frame } from '../../src/decode/frame.js';
import { ChunkedInput } from '../../src/decode/input.js';
import { DecodedPacket, decodePacket } from '../../src/decode/packet.js';
import { FINISHED_FLOWS_KEPT } from '../../src/analyze/finished-flows.js';
import type { FinishedOwner } from '../../src/analyze/flow.js';
import { TcpTracker } from '../../src/analyze/tcp-tracker.js';
import { ethernet, ipTcp, pcapFile, type TcpSpec } from '../helpers/build.js';

/** One packet, read and decoded as the analysis reads it (its own Frame and DecodedPacket). */
function packet(spec: TcpSpec): { f: Frame; p: DecodedPacket } {
  const r = openInput(ChunkedInput.fromBytes(pcapFile([{ data: ethernet(ipTcp(spec)) }], { linkType: 1 }), 1 << 16), 'test', new Diagnostics('test'));
  const f = new Frame();
  const p = new DecodedPacket();
  expect(r.next(f)).toBe(true);
  decodePacket(f, p);
  return { f, p };
}

function tracker(): { tcp: TcpTracker; counts: { flows: number; flowsEvicted: number; packetCopies: number } } {
  const counts = { flows: 0, flowsEvicted: 0, packetCopies: 0 };
  return { tcp: new TcpTracker(1 << 20, counts, () => {}, () => {}), counts };
}

/** The subflow `subflow` of connection `conn`, its DSN state as a finished connection leaves it (any numbers: kept and given back as they are). */
function owner(conn: number, subflow: number): FinishedOwner {
  return {
    conn,
    subflow,
    aIsClient: true,
    dsn: [
      { mode: 1, hi: 0x12345678, lo: 0x9abcdef0, lastDsn: 3000 + conn, lastAck: NaN },
      { mode: 2, hi: 0, lo: 7, lastDsn: 0, lastAck: 101 },
    ],
    isn: [5000, NaN],
  };
}

const A = '2001:db8::1';
const B = '2001:db8::2';

describe('finished flows', () => {
  it('a late packet of a buried flow gets its number, direction, sequence state and owner back; a SYN does not', () => {
    const { tcp, counts } = tracker();
    const track = (spec: TcpSpec, t: number) => {
      const { f, p } = packet(spec);
      return tcp.track(f, p, t);
    };
    track({ src: B, dst: A, sport: 80, dport: 40000, seq: 5000, flags: 'S' }, 0);
    const syn = track({ src: A, dst: B, sport: 40000, dport: 80, seq: 9, flags: 'SA', ack: 5001 }, 0.01);
    const flow = syn.flow;
    expect(flow.id).toBe(0);
    track({ src: B, dst: A, sport: 80, dport: 40000, seq: 5001, ack: 10, flags: 'PA', payload: 100 }, 0.02);
    track({ src: B, dst: A, sport: 80, dport: 40000, seq: 5101, ack: 10, flags: 'FA' }, 0.03);
    flow.dirs[0].fin = true;
    tcp.bury(flow, owner(7, 2), 60.03);
    // Another flow in between: the tracker's last-flow shortcut must not find the buried one.
    track({ src: A, dst: B, sport: 40001, dport: 80, seq: 1, flags: 'S' }, 0.1);
    expect(counts.flows).toBe(2);

    const late = track({ src: B, dst: A, sport: 80, dport: 40000, seq: 5101, ack: 10, flags: 'FA' }, 0.3);
    expect(late.flow).not.toBe(flow);
    expect(late.flow.id).toBe(0);
    expect(late.fromA).toBe(true);
    expect(late.rel).toBe(101);
    expect(late.retransmission).toBe(true);
    expect(late.flow.finishedAs).toEqual(owner(7, 2));
    expect(late.flow.dirs[0].fin).toBe(true);
    expect(counts.flows).toBe(2);
    // The other way, to the same flow again (now in the flow table).
    const back = track({ src: A, dst: B, sport: 40000, dport: 80, seq: 10, ack: 5102, flags: 'A' }, 0.31);
    expect(back.flow).toBe(late.flow);
    expect(back.fromA).toBe(false);
    expect(back.rel).toBe(1);

    // A SYN on a buried 4-tuple is a new instance.
    const { tcp: tcp2, counts: counts2 } = tracker();
    const s = packet({ src: B, dst: A, sport: 80, dport: 40000, seq: 5000, flags: 'S' });
    const first = tcp2.track(s.f, s.p, 0).flow;
    tcp2.bury(first, owner(0, 0), 60);
    const again = packet({ src: B, dst: A, sport: 80, dport: 40000, seq: 777, flags: 'S' });
    const renewed = tcp2.track(again.f, again.p, 1).flow;
    expect(renewed.id).toBe(1);
    expect(renewed.finishedAs).toBe(null);
    expect(counts2.flows).toBe(2);
  });

  it('is kept until its time, and for the last FINISHED_FLOWS_KEPT flows only', () => {
    const { tcp } = tracker();
    const open = (port: number, t: number) => {
      const { f, p } = packet({ src: '10.0.0.1', dst: '10.0.0.2', sport: port, dport: 80, seq: 1, flags: 'S' });
      return tcp.track(f, p, t).flow;
    };
    const late = (port: number, t: number) => {
      const { f, p } = packet({ src: '10.0.0.2', dst: '10.0.0.1', sport: 80, dport: port, seq: 1, ack: 2, flags: 'RA' });
      return tcp.track(f, p, t).flow;
    };
    // Until its time only.
    tcp.bury(open(1000, 0), owner(0, 0), 60);
    tcp.bury(open(1001, 0), owner(1, 0), 60);
    expect(late(1000, 60).id).toBe(0);
    const past = late(1001, 60.001);
    expect(past.id).toBe(2);
    expect(past.finishedAs).toBe(null);
    // The ring: of FINISHED_FLOWS_KEPT + 1 more flows buried, the first is forgotten, the second kept.
    const ids: number[] = [];
    for (let i = 0; i <= FINISHED_FLOWS_KEPT; i++) {
      const f = open(2000 + i, 1);
      ids.push(f.id);
      tcp.bury(f, owner(i, 0), 100);
    }
    const forgotten = late(2000, 2);
    expect(forgotten.finishedAs).toBe(null);
    expect(forgotten.id).toBe(ids[FINISHED_FLOWS_KEPT]! + 1);
    const kept = late(2001, 2);
    expect(kept.id).toBe(ids[1]);
    expect(kept.finishedAs?.conn).toBe(1);
    expect(late(2000 + FINISHED_FLOWS_KEPT, 2).finishedAs?.conn).toBe(FINISHED_FLOWS_KEPT);
  });
});
