#!/usr/bin/env node
// npm run bench [-- CAPTURE] : throughput of mptrace on a big capture.
// Default capture: ../shared/traces/big/bulk.pcapng.xz, decompressed once to a temp dir.
// Reports packets per second (best and median of several runs) for
//   decode:   reading + decoding every packet down to the MPTCP options
//   analyze:  the whole `mptrace analyze` (CSV files and summary.json to a temp dir)
//   analyze --packets: the same plus packets.csv (one row per packet)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => join(root, 'dist', p);
const { openCapture } = await import(dist('decode/capture.js'));
const { Diagnostics } = await import(dist('decode/diagnostics.js'));
const { Frame } = await import(dist('decode/frame.js'));
const { DecodedPacket, decodePacket } = await import(dist('decode/packet.js'));
const { analyze } = await import(dist('cli/analyze.js'));

function capture() {
  const arg = process.argv[2];
  const src = resolve(arg ?? join(root, '..', 'shared', 'traces', 'big', 'bulk.pcapng.xz'));
  if (!existsSync(src)) {
    console.log(`bench: ${src} not found; pass a capture: npm run bench -- FILE`);
    process.exit(0);
  }
  if (!src.endsWith('.xz')) return src;
  const dir = join(tmpdir(), 'mptrace-bench');
  const out = join(dir, basename(src, '.xz'));
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(dir, { recursive: true });
    console.log(`bench: decompressing ${src} to ${out}`);
    execFileSync('sh', ['-c', `xz -dc "${src}" > "${out}.part" && mv "${out}.part" "${out}"`], { stdio: 'inherit' });
  }
  return out;
}

function stats(times, packets) {
  const s = [...times].sort((a, b) => a - b);
  const best = s[0];
  const median = s[Math.floor(s.length / 2)];
  return `${(packets / best / 1e6).toFixed(2)} M packets/s best (${(best * 1000).toFixed(0)} ms), ${(packets / median / 1e6).toFixed(2)} M/s median of ${s.length}`;
}

function decodeOnce(file) {
  const r = openCapture(file, new Diagnostics(file));
  const f = new Frame();
  const p = new DecodedPacket();
  let n = 0;
  let mp = 0;
  const t0 = process.hrtime.bigint();
  while (r.next(f)) {
    decodePacket(f, p);
    mp += p.mptcpCount;
    n++;
  }
  const dt = Number(process.hrtime.bigint() - t0) / 1e9;
  r.close();
  return { n, mp, dt };
}

const file = capture();
const runs = Number(process.env.BENCH_RUNS ?? 9);
console.log(`bench: ${file} (${(statSync(file).size / 1e6).toFixed(0)} MB), node ${process.version}, ${runs} runs`);
const times = [];
let n = 0;
let mp = 0;
for (let i = 0; i < runs; i++) {
  const r = decodeOnce(file);
  times.push(r.dt);
  n = r.n;
  mp = r.mp;
}
console.log(`decode (read + decode to MPTCP options): ${n} packets, ${mp} MPTCP options: ${stats(times, n)}`);

// The analysis as users run it (plots included), without plots, and with packets.csv.
for (const [label, opts, runsA] of [
  ['analyze', {}, Math.min(5, runs)],
  ['analyze --no-plots', { plots: false }, Math.min(5, runs)],
  ['analyze --packets', { packets: true }, Math.min(3, runs)],
]) {
  const t = [];
  const out = join(tmpdir(), 'mptrace-bench', 'out');
  for (let i = 0; i < runsA; i++) {
    const t0 = process.hrtime.bigint();
    await analyze(file, { out, ...opts });
    t.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  console.log(`${label}: ${stats(t, n)}`);
}
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
