import { mkdtempSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dump } from '../../src/cli/dump.js';
import { expectGolden } from '../helpers/golden.js';
import { runCli, StringSink } from '../helpers/cli.js';
import { ROOT } from '../helpers/shared.js';

const FIX = join(ROOT, 'fixtures', 'public');

describe('mptrace dump: golden output on the bundled public captures', () => {
  for (const name of readdirSync(FIX).filter((f) => f.endsWith('.pcap')).sort()) {
    it(name, async () => {
      const out = new StringSink();
      const diag = await dump(join(FIX, name), out);
      expect(diag.warnings).toEqual([]);
      expectGolden(join(ROOT, 'test', 'golden', 'dump', `${name}.txt`), out.text);
    });
  }
  it('the same lines whatever the read size', async () => {
    const a = new StringSink();
    const b = new StringSink();
    await dump(join(FIX, 'mptcp-v0.pcap'), a);
    await dump(join(FIX, 'mptcp-v0.pcap'), b, { chunkSize: 97 });
    expect(b.text).toBe(a.text);
  });
});

describe('mptrace dump through the CLI', () => {
  it('--count stops after N TCP packets', () => {
    const r = runCli(['dump', join(FIX, 'mptcp-fclose.pcap'), '--count', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean).map((l) => l.split(' ')[0])).toEqual(['3', '4']);
  });
  it('a file that is not a capture: exit 2, one line', () => {
    const r = runCli(['dump', join(ROOT, 'package.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`mptrace: ${join(ROOT, 'package.json')}: byte 0: not a capture file: no pcap or pcapng magic (starts with 7b 0a 20 20)\n`);
  });
  it('missing file, directory, empty file: exit 2, one line each', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mptrace-'));
    const empty = join(dir, 'empty.pcap');
    writeFileSync(empty, '');
    mkdirSync(join(dir, 'sub'));
    for (const [path, what] of [
      [join(dir, 'nope.pcap'), 'no such file'],
      [join(dir, 'sub'), 'is a directory, not a capture file'],
      [empty, 'is empty, not a capture file'],
    ] as const) {
      const r = runCli(['dump', path]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`mptrace: ${path}: ${what}\n`);
    }
  });
  it('usage errors exit 64 and say what is wrong', () => {
    const r = runCli(['dump']);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/^mptrace: Not enough non-option arguments/);
    expect(runCli(['frobnicate', 'x']).code).toBe(64);
    expect(runCli(['dump', 'x', '--count', 'many']).code).toBe(64);
  });
  it('--version and --help', () => {
    const v = runCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const h = runCli(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('mptrace dump <trace>');
  });
});
