import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/cli/analyze.js';
import { dump } from '../../src/cli/dump.js';
import { EXIT_BAD_INPUT, MptraceError } from '../../src/errors.js';
import { runCli, StringSink } from '../helpers/cli.js';
import { mutate } from '../helpers/mutate.js';
import { rng } from '../helpers/random.js';
import { HAVE_TRACES, ROOT, TRACES } from '../helpers/shared.js';

/**
 * Seeded fuzzing: damaged copies of real captures must give outputs or a
 * clean "not readable" error (exit 2), quickly, never an exception that
 * is not ours (which the CLI would show as an internal error).
 */
const CASES = Number(process.env.MPTRACE_FUZZ_CASES ?? 300);
/** Seeds that once found a bug, kept as regression cases. */
const REGRESSION_SEEDS: number[] = [];

function sources(): Array<{ name: string; bytes: Uint8Array }> {
  const list: Array<{ name: string; bytes: Uint8Array }> = [];
  const fix = join(ROOT, 'fixtures', 'public');
  for (const f of readdirSync(fix).filter((x) => x.endsWith('.pcap')).sort()) list.push({ name: `fixtures/public/${f}`, bytes: readFileSync(join(fix, f)) });
  // A slice of a capture is itself a capture cut short.
  list.push({ name: 'fixtures/lab/handover.client.pcap[0:200k]', bytes: readFileSync(join(ROOT, 'fixtures', 'lab', 'handover.client.pcap')).subarray(0, 200_000) });
  if (HAVE_TRACES) {
    for (const f of ['lab/basic.pcapng', 'lab/lossy.pcapng', 'lab/add-addr.client.pcap', 'lab/ipv6.pcapng']) {
      list.push({ name: `${f}[0:150k]`, bytes: readFileSync(join(TRACES, f)).subarray(0, 150_000) });
    }
    for (const f of ['public/dpi-mptcp/mp_capable.pcapng', 'public/ndpi/tls_change_cipher.pcap', 'public/ns3-dce-lawrenceFR/iperf-mptcp-0-0.pcap', 'public/pymptcpanalyzer/client_2.pcap']) {
      list.push({ name: f, bytes: readFileSync(join(TRACES, f)).subarray(0, 300_000) });
    }
  }
  return list;
}

async function survive(bytes: Uint8Array, dir: string, seed: number): Promise<'ok' | 'unreadable'> {
  const path = join(dir, `case-${seed}.pcap`);
  writeFileSync(path, bytes);
  try {
    await analyze(path, { out: join(dir, `out-${seed}`), packets: seed % 3 === 0 });
    await dump(path, new StringSink(), { count: 200 });
    return 'ok';
  } catch (e) {
    if (e instanceof MptraceError && e.exitCode === EXIT_BAD_INPUT) return 'unreadable';
    throw new Error(`seed ${seed}: ${(e as Error).stack}`);
  }
}

describe('fuzzed captures', () => {
  const src = sources();
  const dir = mkdtempSync(join(tmpdir(), 'mptrace-fuzz-'));
  it(`${CASES} seeded mutations of ${src.length} captures, plus regression seeds`, async () => {
    const outcomes = { ok: 0, unreadable: 0 };
    for (const seed of [...REGRESSION_SEEDS, ...Array.from({ length: CASES }, (_, i) => 1000 + i)]) {
      const r = rng(seed);
      const base = src[seed % src.length]!;
      let { bytes, what } = mutate(base.bytes, r);
      if (seed % 4 === 0) {
        const again = mutate(bytes, r);
        bytes = again.bytes;
        what += `; ${again.what}`;
      }
      const t0 = performance.now();
      try {
        outcomes[await survive(bytes, dir, seed)]++;
      } catch (e) {
        throw new Error(`${base.name}, ${what}: ${(e as Error).message}`);
      }
      expect(performance.now() - t0, `${base.name}, ${what}`).toBeLessThan(10_000);
    }
    // Most damage leaves something readable.
    expect(outcomes.ok).toBeGreaterThan(outcomes.unreadable);
  });

  it('through the CLI: exit 0 or 2, one-line errors, no stack trace', () => {
    for (let seed = 5000; seed < 5012; seed++) {
      const r = rng(seed);
      const base = src[seed % src.length]!;
      const { bytes, what } = mutate(base.bytes, r);
      const path = join(dir, `cli-${seed}.pcap`);
      writeFileSync(path, bytes);
      const res = runCli(['analyze', path, '-q', '-o', join(dir, `cli-out-${seed}`)]);
      const ctx = `${base.name}, ${what}: ${res.stderr}`;
      expect([0, 2], ctx).toContain(res.code);
      expect(res.stderr, ctx).not.toMatch(/\n\s+at |internal error/);
      expect(res.stderr.split('\n').filter(Boolean).length, ctx).toBeLessThanOrEqual(7);
    }
  });
});

describe.skipIf(!HAVE_TRACES)('crafted captures (public/_fuzzed_not_real)', () => {
  const base = join(TRACES, 'public', '_fuzzed_not_real');
  const files = HAVE_TRACES ? readdirSync(base, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)) : [];
  for (const f of files) {
    it(f.slice(base.length + 1), async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mptrace-crafted-'));
      const r = await analyze(f, { out: join(dir, 'out'), packets: true });
      expect(r.summary.input.frames).toBeGreaterThan(0);
      await dump(f, new StringSink());
    });
  }
});
