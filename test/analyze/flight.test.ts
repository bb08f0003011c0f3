/**
 * Flight size (detect/flight.ts) at the MPTCP level against a recomputation
 * from packets.csv alone: highest DSN sent − highest DATA_ACK, after every
 * packet, gathered per 10 ms as flight.csv gathers it.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeCapture, type Analysis } from '../helpers/analyze.js';
import { HAVE_TRACES, ROOT, TRACES } from '../helpers/shared.js';

interface Row {
  frame: number;
  bytes: number;
  min: number;
  max: number;
}

/** flight.csv's MPTCP-level rows of a connection direction, recomputed: one per 10 ms (from the capture's first whole second) in which the level changed. */
function recompute(a: Analysis, conn: string, dir: string): Row[] {
  const first = a.packets[0]!.time;
  const base = Number(first.slice(0, first.indexOf('.')));
  const rows: Row[] = [];
  let top = NaN;
  let acked = NaN;
  let value = 0;
  let bin = -1;
  let cur: Row | null = null;
  for (const p of a.packets) {
    if (p.conn !== conn) continue;
    // A row's bin is one in which the highest DSN sent or the highest DATA_ACK moved.
    let moved = false;
    if (p.dir === dir && p.dsn !== '' && Number(p.len) > 0) {
      const s = Number(p.dsn);
      const e = s + Number(p.len);
      if (Number.isNaN(top)) [top, acked, moved] = [e, s, true];
      else if (e > top) [top, moved] = [e, true];
    } else if (p.dir !== dir && p.data_ack !== '' && !Number.isNaN(top) && Number(p.data_ack) > acked) [acked, moved] = [Number(p.data_ack), true];
    if (!moved) continue;
    // The 10 ms bin, exactly, from the digits: whole seconds since the first packet's, then the first two decimals.
    const dot = p.time.indexOf('.');
    const b = (Number(p.time.slice(0, dot)) - base) * 100 + Number(p.time.slice(dot + 1, dot + 3));
    if (cur === null || b !== bin) {
      if (cur !== null) rows.push(cur);
      bin = b;
      cur = { frame: 0, bytes: value, min: value, max: value };
    }
    value = Math.max(0, top - acked);
    cur.frame = Number(p.frame);
    cur.bytes = value;
    cur.min = Math.min(cur.min, value);
    cur.max = Math.max(cur.max, value);
  }
  if (cur !== null) rows.push(cur);
  return rows;
}

function ours(a: Analysis, conn: string, dir: string): Row[] {
  return a.flight
    .filter((r) => r.conn === conn && r.dir === dir && r.level === 'mptcp')
    .map((r) => ({ frame: Number(r.frame), bytes: Number(r.bytes), min: Number(r.min_bytes), max: Number(r.max_bytes) }));
}

describe('flight size on the bundled handover capture (client side)', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await analyzeCapture(join(ROOT, 'fixtures', 'lab', 'handover.client.pcap'));
  });

  it('every MPTCP-level row is the one packets.csv gives', () => {
    const want = recompute(a, '0', 's2c');
    expect(want.length).toBeGreaterThan(100);
    expect(ours(a, '0', 's2c')).toEqual(want);
  });
});

describe.skipIf(!HAVE_TRACES)('flight size at the sender (server side of the lab downloads)', () => {
  for (const name of ['lossy', 'handover']) {
    it(`${name}.pcapng: every MPTCP-level row is the one packets.csv gives`, async () => {
      const a = await analyzeCapture(join(TRACES, 'lab', `${name}.pcapng`), { plots: false });
      const want = recompute(a, '0', 's2c');
      expect(want.length).toBeGreaterThan(100);
      expect(ours(a, '0', 's2c')).toEqual(want);
    });
  }
});
