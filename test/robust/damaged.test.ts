import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/cli/analyze.js';
import { CaptureError, EXIT_OUTPUT, OutputError } from '../../src/errors.js';
import { be32, concat, ethernet, ipTcp, le32, mp, pcapFile, pcapngFile, type TcpSpec } from '../helpers/build.js';
import { runCli } from '../helpers/cli.js';
import { readBytes } from '../helpers/read.js';
import { ROOT } from '../helpers/shared.js';

const spec: TcpSpec = { src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 2, options: [mp.dss({ ack: 1n })], payload: 30 };
const pkt = ethernet(ipTcp(spec));
const five = Array.from({ length: 5 }, (_, i) => ({ type: 'epb' as const, data: pkt, ts: [1_700_000_000 + i, 0] as [number, number] }));
const ng = pcapngFile([{ interfaces: [{ linkType: 1 }], blocks: five }]);
/** Offset of the EPB holding packet k (0-based) in `ng`: SHB 28, IDB 20, then equal EPBs. */
const epbLen = 32 + pkt.length + ((4 - (pkt.length % 4)) % 4);
const epb = (k: number): number => 48 + k * epbLen;

function setLe32(b: Uint8Array, at: number, v: number): Uint8Array {
  const c = Uint8Array.from(b);
  c.set(le32(v), at);
  return c;
}

describe('corrupt block and record lengths', () => {
  for (const [what, v] of [
    ['not a multiple of 4', epbLen + 2],
    ['shorter than a block header', 8],
    ['longer than the file', 0x7ffffff0],
  ] as const) {
    it(`pcapng block length ${what}: the reader skips to the next valid block and says where`, () => {
      const r = readBytes(setLe32(ng, epb(2) + 4, v));
      expect(r.frames).toHaveLength(4);
      expect(r.damaged).toBe(true);
      expect(r.warnings).toHaveLength(1);
      expect(r.warnings[0]).toMatch(new RegExp(`^test: byte ${epb(2)}: corrupt block \\(.*\\); skipped ${epbLen} bytes to the next valid block at byte ${epb(3)}$`));
    });
  }

  it('pcapng trailer length that disagrees: the block is skipped', () => {
    const r = readBytes(setLe32(ng, epb(1) + epbLen - 4, 12345));
    expect(r.frames.map((f) => f.sec - 1_700_000_000)).toEqual([0, 2, 3, 4]);
  });

  const pc = pcapFile(five.map((b) => ({ data: b.data, ts: b.ts })), { linkType: 1, snaplen: 1000 });
  const rec = (k: number): number => 24 + k * (16 + pkt.length);
  for (const [what, v] of [
    ['absurd', 0x7fffffff],
    ['larger than the snaplen', 5000],
  ] as const) {
    it(`pcap record length ${what}: the reader resynchronises on the next sane record`, () => {
      const r = readBytes(setLe32(pc, rec(1) + 8, v));
      expect(r.frames.map((f) => f.sec - 1_700_000_000)).toEqual([0, 2, 3, 4]);
      expect(r.warnings[0]).toMatch(new RegExp(`^test: byte ${rec(1)}: corrupt packet record \\(.*\\); skipped ${16 + pkt.length} bytes to the next valid record at byte ${rec(2)}$`));
    });
  }

  it('garbage after the last good record: what was read stays, one warning', () => {
    const junk = concat(pc.subarray(0, rec(3)), new Uint8Array(200).fill(0xff));
    const r = readBytes(junk);
    expect(r.frames).toHaveLength(3);
    expect(r.warnings).toHaveLength(1);
  });

  it('a file with a capture header and nothing sensible after it: exit 2 through the CLI', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mptrace-dmg-'));
    const path = join(dir, 'empty-ish.pcapng');
    writeFileSync(path, concat(ng.subarray(0, 48), be32(0xdeadbeef), new Uint8Array(60).fill(7)));
    const r = runCli(['analyze', path, '-o', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(`mptrace: ${path}: no complete packet could be read`);
    expect(existsSync(join(dir, 'out', 'summary.json'))).toBe(false);
  });
});

describe('output directory problems', () => {
  const capture = join(ROOT, 'fixtures', 'public', 'mptcp-v0.pcap');

  it('an output path that is a file: exit 3, one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mptrace-out-'));
    const blocker = join(dir, 'file');
    writeFileSync(blocker, 'x');
    const r = runCli(['analyze', capture, '-o', join(blocker, 'sub')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^mptrace: .*file\/sub: cannot write the output directory: a path component is not a directory\n$/);
  });

  it('a full disk: a clear error, and no half-written file under its final name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mptrace-full-'));
    const out = join(dir, 'out');
    mkdirSync(out);
    // The temporary name the writer will use in this process, pointed at a device that is always full.
    symlinkSync('/dev/full', join(out, `.events.csv.partial-${process.pid}`));
    const err = await analyze(capture, { out }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputError);
    expect((err as OutputError).exitCode).toBe(EXIT_OUTPUT);
    expect((err as Error).message).toMatch(/events\.csv: cannot write: no space left on the device$/);
    expect(readdirSync(out).filter((f) => !f.startsWith('.'))).toEqual([]);
  });

  it('a capture that cannot be read leaves no output directory behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mptrace-noout-'));
    const bad = join(dir, 'bad.pcap');
    writeFileSync(bad, 'not a capture at all');
    await expect(analyze(bad, { out: join(dir, 'out') })).rejects.toBeInstanceOf(CaptureError);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});

describe('every prefix of a capture', () => {
  for (const name of ['mptcp-fclose.pcap', 'mptcp-aa-v1.pcap', 'mptcproxy-sll2.pcap', 'ptcpdump-tfo.pcap', 'mptcp-v1.pcap']) {
    it(`${name}: every cut decodes the complete packets before it, without throwing`, () => {
      const bytes = readFileSync(join(ROOT, 'fixtures', 'public', name));
      const full = readBytes(bytes).frames.length;
      const step = bytes.length > 8000 ? 7 : 1;
      for (let n = 25; n < bytes.length; n += step) {
        const r = readBytes(bytes.subarray(0, n), 256);
        expect(r.frames.length).toBeLessThanOrEqual(full);
        expect(r.warnings.length).toBeLessThanOrEqual(1);
      }
    });
  }
});
