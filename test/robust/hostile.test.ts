import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { ROOT } from '../helpers/shared.js';
import { closingConnections, holes, synFlood, tinyConnections } from '../helpers/hostile.js';

/**
 * Hostile traffic in bounded memory and linear time (docs/robustness.md):
 * each capture is analyzed by a child mptrace whose V8 heap is capped at
 * HEAP_MB (past it, V8 aborts the process) and whose peak RSS is reported.
 */
const HEAP_MB = 256;
const RSS_MB = 450;

function run(path: string, out: string, command = ['analyze', path, '-q', '-o', out]) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '-r', join(ROOT, 'test', 'helpers', 'maxrss.cjs'), BIN, ...command], { encoding: 'utf8', timeout: 120_000 });
  const seconds = (performance.now() - t0) / 1000;
  const rss = Number(/MAXRSS_KB (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024;
  const summary = r.status === 0 && command[0] === 'analyze' ? JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) : null;
  if (process.env.MPTRACE_REPORT) console.log(`hostile: ${seconds.toFixed(1)} s, ${rss.toFixed(0)} MB`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, seconds, rss, summary };
}

describe('hostile traffic', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mptrace-hostile-'));

  it('a million SYNs from random addresses and ports: flows evicted, memory bounded', () => {
    const path = join(dir, 'syn.pcap');
    expect(synFlood(path, 1_000_000)).toBe(1_000_000);
    const r = run(path, join(dir, 'syn.out'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.rss).toBeLessThan(RSS_MB);
    expect(r.seconds).toBeLessThan(60);
    expect(r.summary.analysis).toMatchObject({ flows: 1_000_000, flows_evicted: 900_000 });
    expect(r.stderr).toMatch(/more than 100000 TCP flows at once/);
  });

  it('a hundred thousand short MPTCP connections: connections finished early, memory bounded', () => {
    const path = join(dir, 'tiny.pcap');
    tinyConnections(path, 100_000);
    const r = run(path, join(dir, 'tiny.out'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.rss).toBeLessThan(RSS_MB);
    expect(r.seconds).toBeLessThan(90);
    expect(r.summary.totals.connections).toBe(100_000);
    expect(r.summary.analysis.connections_finished_early).toBeGreaterThan(80_000);
    expect(r.summary.connections).toHaveLength(1000);
    expect(r.summary.connections_not_detailed).toBe(99_000);
  });

  it('check over a hundred thousand short connections: every limit counted, memory bounded', () => {
    // 500 k outcomes (two limits per direction, one per connection): their spread into one array overflowed the
    // stack (exit 70), and every outcome and connection's metrics kept took 513 MB (docs/check.md).
    const path = join(dir, 'closing.pcap');
    closingConnections(path, 100_000);
    const r = run(path, '', ['check', path, '--max-holes', '0', '--max-reinjected', '1%', '--no-reset']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('mptrace check: passed: 1 trace, 100000 connections, 500001 checks; 0 failed, 0 unknown, 0 regressed, 0 warnings, 0 improved\n');
    expect(r.rss).toBeLessThan(RSS_MB);
  });

  it('compare of 10,000 short connections with themselves: each let go once finished', () => {
    // Every record and every Connection behind the matcher and the wire tap were kept: 379 MB, past this heap.
    const path = join(dir, 'closing10k.pcap');
    closingConnections(path, 10_000);
    const r = run(path, '', ['compare', path, path, '-o', join(dir, 'compare.out')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.rss).toBeLessThan(RSS_MB);
    const s = JSON.parse(readFileSync(join(dir, 'compare.out', 'summary.json'), 'utf8'));
    expect(s.connections).toHaveLength(10_000);
    expect(s.totals).toMatchObject({ matched: 80_000, lost: 0 });
    // The terminal: a line for each of the first 1,000 connections (it printed 20,000 lines, a connection and its subflow each).
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1006);
    expect(lines[2]).toMatch(/^connection a0 = b0 \(server token [0-9a-f]{8}\): 1 subflow, 8 paired, 0 lost; capture a nearer the client$/);
    expect(lines[1002]).toBe('(9000 more connections in summary.json)');
    expect(lines[1004]).toBe("totals: 80000 packets paired, 0 lost between the captures, 0 seen by the receiver's capture only");
  });

  it('tokens that collide: counted, the first owner keeps the token', () => {
    const path = join(dir, 'coll.pcap');
    tinyConnections(path, 20_000, true);
    const r = run(path, join(dir, 'coll.out'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.rss).toBeLessThan(RSS_MB);
    // (Connection 1 is the first join, whose token names no connection.) Both tokens of every
    // later connection collide with the owner's, except when
    // the owner has been finished early (over the 10000-connection limit): the next takes
    // the tokens over. That happened twice here.
    expect(r.summary.analysis.token_collisions).toBe(2 * 19_999 - 4);
    expect(r.stderr).toMatch(/token 0x[0-9a-f]{8} of connection 2 is already connection 0's/);
  });

  it('a connection with a million holes: the open holes are bounded, time stays linear', () => {
    const path = join(dir, 'holes.pcap');
    holes(path, 1_000_000);
    const r = run(path, join(dir, 'holes.out'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.rss).toBeLessThan(RSS_MB);
    expect(r.seconds).toBeLessThan(30);
    const c = r.summary.connections[0];
    // No handshake: the DSN figures are unknown (data before the capture is not seen), the rows are still written.
    expect(c.c2s).toMatchObject({ unique_bytes: null, unknown_cause: 'mid-connection', payload_bytes: 100_000_000 });
    // 32768 holes kept open at once (older ones are forgotten), all reported open at the end.
    expect(r.summary.totals.holes).toBe(32_768);
  });
});
