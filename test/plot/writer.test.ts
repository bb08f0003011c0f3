/**
 * Plots are rendered as each connection finishes, between chunks of
 * packets (src/cli/plot-writer.ts), so `--plots all` keeps only the
 * connections in flight; when they are rendered must not change a byte.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/cli/analyze.js';
import { mp } from '../helpers/build.js';
import { Conversation, keyInfo } from '../helpers/conversation.js';

const M64 = (1n << 64n) - 1n;

/** Three closed v1 connections of 8 kB each way, 100 s apart (longer than a closed connection is kept). */
function threeConnections(): Uint8Array {
  const packets: Conversation['packets'] = [];
  for (let k = 0; k < 3; k++) {
    const kc = 0x1000n + BigInt(k);
    const ks = 0x2000n + BigInt(k);
    const c = new Conversation(['10.0.0.1', 40000 + k], ['10.0.0.2', 80], { packets });
    const t0 = 1_700_000_000 + 100 * k;
    c.send('c', 'S', [mp.capable({})], 0, { t: t0 });
    c.send('s', 'SA', [mp.capable({ senderKey: ks })]);
    c.send('c', 'A', [mp.capable({ senderKey: kc, receiverKey: ks })]);
    const dc = keyInfo(1, kc).idsn;
    const ds = keyInfo(1, ks).idsn;
    for (let i = 0; i < 8; i++) {
      c.send('c', 'PA', [mp.dss({ dsn: (dc + 1n + 1000n * BigInt(i)) & M64, ssn: 1 + 1000 * i, len: 1000, ack: ds + 1n })], 1000);
      c.send('s', 'PA', [mp.dss({ dsn: (ds + 1n + 1000n * BigInt(i)) & M64, ssn: 1 + 1000 * i, len: 1000, ack: (dc + 1001n + 1000n * BigInt(i)) & M64 })], 1000);
    }
    c.send('c', 'FA', [mp.dss({ dsn: (dc + 8001n) & M64, ssn: 0, len: 1, fin: true, ack: ds + 8001n })]);
    c.send('s', 'FA', [mp.dss({ dsn: (ds + 8001n) & M64, ssn: 0, len: 1, fin: true, ack: dc + 8002n })]);
    c.send('c', 'A', [mp.dss({ ack: ds + 8002n })]);
  }
  return new Conversation(['0.0.0.0', 0], ['0.0.0.0', 0], { packets }).pcap();
}

describe('plots rendered as connections finish', () => {
  it('connection 0 is drawn while connection 2 is still to come, and the outputs equal a run drawn at the end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mptrace-writer-'));
    const input = join(dir, 'three.pcap');
    writeFileSync(input, threeConnections());
    const often = join(dir, 'often');
    const drawnSoFar: number[] = [];
    await analyze(input, { out: often, plotLimit: Infinity, chunkPackets: 4, progress: () => drawnSoFar.push(readdirSync(often).filter((f) => f.startsWith('.plots_conn-0-')).length) });
    // 22 packets per connection; the first packet of connection 1 (packet 23, 100 s on) finishes connection 0, in the sixth chunk of 4.
    expect(drawnSoFar).toEqual([0, 0, 0, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]);
    const once = join(dir, 'once');
    const r = await analyze(input, { out: once, plotLimit: Infinity });
    expect(r.summary.plots!.files).toEqual([0, 1, 2].flatMap((i) => ['c2s-dsn', 'c2s-goodput', 'c2s-rtt', 'c2s-flight', 's2c-dsn', 's2c-goodput', 's2c-rtt', 's2c-flight', 'timeline'].map((k) => `plots/conn-${i}-${k}.svg`)));
    for (const f of [...readdirSync(join(once, 'plots')).map((f) => `plots/${f}`), 'summary.json']) expect(readFileSync(join(often, f), 'utf8'), f).toBe(readFileSync(join(once, f), 'utf8'));
  });
});
