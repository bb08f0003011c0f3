/** Output details a user relies on, on the bundled handover capture (nanosecond pcap, Linux cooked v2). */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { parseCsv } from '../helpers/csv.js';
import { ROOT } from '../helpers/shared.js';

describe('times and structured events', () => {
  let out = '';
  beforeAll(() => {
    out = join(mkdtempSync(join(tmpdir(), 'mptrace-out-')), 'o');
    expect(runCli(['analyze', join(ROOT, 'fixtures', 'lab', 'handover.client.pcap'), '-q', '--no-plots', '-o', out]).code).toBe(0);
  });
  const csv = (name: string): Array<Record<string, string>> => parseCsv(readFileSync(join(out, name), 'utf8'));

  it('first_packet keeps its fraction (tshark: frame.time_epoch 1795371252.067216840)', () => {
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { input: { first_packet: string } };
    expect(s.input.first_packet).toBe('1795371252.067216840');
  });

  it('t counts from the first packet in every file with times', () => {
    expect(csv('connections.csv').map((r) => [r.t, r.duration])).toEqual([['0.000000000', '7.755564374']]);
    expect(csv('subflows.csv').map((r) => r.t)).toEqual(['0.000000000', '0.000867629']);
    expect(csv('handovers.csv').map((r) => [r.time, r.t])).toEqual([['1795371253.570850413', '1.503633573']]);
    const hole = csv('holes.csv')[0]!;
    expect([hole.opened_time, hole.t]).toEqual(['1795371254.029976094', '1.962759254']);
  });

  it('events carry side, address id, DSN and reason in columns of their own', () => {
    const rows = csv('events.csv').map((r) => [r.event, r.subflow, r.side, r.addr_id, r.dsn, r.reason]);
    expect(rows).toEqual([
      ['mp_capable', '0', 'client', '', '', ''],
      ['join', '1', 'client', '1', '', ''],
      ['handover', '1', 'server', '', '', ''],
      ['data_fin', '1', 'server', '', '12000001', ''],
      ['data_fin', '0', 'client', '', '17', ''],
      ['subflow_fin', '1', 'server', '', '', ''],
      ['subflow_fin', '0', 'client', '', '', ''],
      ['subflow_fin', '1', 'client', '', '', ''],
    ]);
  });

  it('a reset with MP_TCPRST: its reason in the reason column', () => {
    const o = join(mkdtempSync(join(tmpdir(), 'mptrace-out-')), 'o');
    expect(runCli(['analyze', join(ROOT, 'fixtures', 'public', 'mptcp-tcprst.pcap'), '-q', '--no-plots', '-o', o]).code).toBe(0);
    const rows = parseCsv(readFileSync(join(o, 'events.csv'), 'utf8')).filter((r) => r.event === 'mp_tcprst');
    expect(rows.map((r) => [r.side, r.reason, r.detail])).toEqual([
      ['client', 'unspecified', 'reason 0 (unspecified) from client'],
      ['client', 'mptcp-specific', 'reason 1 (mptcp-specific) transient from client'],
    ]);
  });
});

describe('CSV quoting', () => {
  it('quotes a cell holding a comma (RFC 4180, as csv-stringify does) and nothing else', () => {
    const o = join(mkdtempSync(join(tmpdir(), 'mptrace-out-')), 'o');
    expect(runCli(['analyze', join(ROOT, 'fixtures', 'public', 'mptcp-aa-v1.pcap'), '-q', '--no-plots', '-o', o]).code).toBe(0);
    const lines = readFileSync(join(o, 'events.csv'), 'utf8').split('\n');
    const quoted = lines.filter((l) => l.includes('"'));
    expect(quoted).toEqual(['1582742665.046726,9.097234,13,0,0,add_addr,server,1,,,"id 1 192.168.136.225 from server; hmac ok (leftmost 64 bits, as Linux before 5.10)"']);
    expect(lines.filter((l) => l.startsWith('1582742665.046726,9.097234,13,'))).toEqual(quoted);
  });
});
