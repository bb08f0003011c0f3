#!/usr/bin/env node
// npm run bench [-- CAPTURE] : throughput of mptrace on a big capture.
// Default capture: ../shared/traces/big/bulk.pcapng.xz, decompressed once to a temp dir.
// Reports packets per second (best and median of several runs) for
//   decode:   reading + decoding every packet down to the MPTCP options
//   analyze:  the whole `mptrace analyze` (CSV files and summary.json to a temp dir)
//   analyze --packets: the same plus packets.csv (one row per packet)
//   (and, in the side-by-side part, --packets as CSV and as Parquet, in rows per second over every table)
// then, as users run them (separate processes; wall time and peak RSS from GNU time):
//   the plot layer's cost (plots against --no-plots, interleaved pairs),
//   mptrace against mptcptrace (built from ../shared/tools/mptcptrace-src.tar.gz when not on PATH)
//   and tshark's MPTCP analysis, on a v0 rewrite of the capture (mptcptrace reads v0 only),
//   and --jobs 2 against --jobs 1 on a directory holding the capture twice;
// and the memory curve: peak RSS of `mptrace analyze` on synthetic captures of one long connection
// (BENCH_CURVE, millions of packets, default 1,10,30) and of 100 k short connections (a new one every ms,
// each closed within it: a busy server; and 100 k that never close: 10,000 open at once, the tracked limit),
// written by test/helpers/hostile.ts (the tests' fast capture writer).
// BENCH_RUNS (default 9), BENCH_PAIRS (default 11), BENCH_TSHARK=0, BENCH_MPTCPTRACE=0, BENCH_CURVE= to skip those.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { parquetMetadata } from 'hyparquet';
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
const { TABLE_FILES } = await import(dist('report/tables.js'));
/** Where the bench keeps what it makes: the decompressed capture, its v0 rewrite, mptcptrace, outputs. */
const benchDir = join(tmpdir(), 'mptrace-bench');

function capture() {
  const arg = process.argv[2];
  const src = resolve(arg ?? join(root, '..', 'shared', 'traces', 'big', 'bulk.pcapng.xz'));
  if (!existsSync(src)) {
    console.log(`bench: ${src} not found; pass a capture: npm run bench -- FILE (make one like it, as root: ../shared/tools/mptcp-lab.py bulk --bytes 1000000000 -o DIR, then DIR/bulk.pcapng)`);
    process.exit(0);
  }
  if (!src.endsWith('.xz')) return src;
  const out = join(benchDir, basename(src, '.xz'));
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(benchDir, { recursive: true });
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
  const out = join(benchDir, 'out');
  for (let i = 0; i < runsA; i++) {
    const t0 = process.hrtime.bigint();
    await analyze(file, { out, ...opts });
    t.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  console.log(`${label}: ${stats(t, n)}`);
}
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);

// ---- Side by side, as users run them ----
const bin = join(root, 'bin', 'mptrace');
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const onPath = (name) => spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim() || null;
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

/** One run of a command: wall seconds and peak RSS in MB (NaN without GNU time). */
function run(cmd, args, cwd = benchDir) {
  const t0 = process.hrtime.bigint();
  const r = TIME ? spawnSync(TIME, ['-f', '%e %M', cmd, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] }) : spawnSync(cmd, args, { cwd, stdio: 'ignore' });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}`);
  const m = TIME ? /(\d+(?:\.\d+)?) (\d+)\s*$/.exec(r.stderr) : null;
  return { wall, rss: m ? Number(m[2]) / 1024 : NaN };
}

/** Median wall and largest RSS of k runs. */
function timedRuns(k, cmd, args, cwd) {
  const r = Array.from({ length: k }, () => run(cmd, args, cwd));
  return { wall: median(r.map((x) => x.wall)), rss: Math.max(...r.map((x) => x.rss)) };
}

/** The first `count` packets of a little-endian pcap file, as a pcap file. */
function firstPackets(path, count) {
  const b = readFileSync(path);
  let at = 24;
  for (let i = 0; i < count && at + 16 <= b.length; i++) at += 16 + b.readUInt32LE(at + 8);
  return b.subarray(0, at);
}

/** Rows in the tables of an output directory: counted in the CSV files, read from the footers of the Parquet ones (summary.json's totals do not count packets and RTT samples). */
function tableRows(out, format) {
  const names = ['connections', 'subflows', ...TABLE_FILES.map((f) => f.name), 'packets'];
  let rows = 0;
  for (const n of names) {
    const path = join(out, `${n}.${format}`);
    const b = readFileSync(path);
    if (format === 'parquet') rows += Number(parquetMetadata(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)).num_rows);
    else for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) rows++;
    if (format === 'csv') rows--; // the header
  }
  return rows;
}

const mb = (x) => (Number.isNaN(x) ? '?' : `${x.toFixed(0)} MB`);
const row = (label, r, extra = '') => console.log(`  ${label.padEnd(34)} ${r.wall.toFixed(2).padStart(6)} s ${mb(r.rss).padStart(8)}${extra}`);

// The plot layer's cost as users pay it: interleaved pairs of processes, the median of the per-pair ratios (a noisy VM moves both runs of a pair alike).
const pairs = Number(process.env.BENCH_PAIRS ?? 11);
if (pairs > 0) {
  const out = join(benchDir, 'out-cli');
  const ratio = [];
  for (let i = 0; i < pairs; i++) {
    const a = run(process.execPath, [bin, 'analyze', file, '-o', out, '-q']);
    const b = run(process.execPath, [bin, 'analyze', file, '-o', out, '-q', '--no-plots']);
    ratio.push(a.wall / b.wall);
  }
  const q = [...ratio].sort((x, y) => x - y);
  const pct = (r) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%`;
  console.log(`plot layer (analyze against analyze --no-plots, ${pairs} interleaved pairs of processes): ${pct(median(ratio))} median (quartiles ${pct(q[Math.floor(q.length / 4)])} .. ${pct(q[Math.floor((3 * q.length) / 4)])})`);
}

/** A v0 (RFC 6824) rewrite of the capture, for mptcptrace: editcap to pcap, then ../shared/tools/mptcp-v1-to-v0.py. */
function v0Copy() {
  const tool = join(root, '..', 'shared', 'tools', 'mptcp-v1-to-v0.py');
  if (!existsSync(tool) || onPath('editcap') === null || onPath('python3') === null) return null;
  const base = basename(file).replace(/\.(pcapng|pcap)$/, '');
  const v0 = join(benchDir, `${base}-v0.pcap`);
  if (!existsSync(v0) || statSync(v0).mtimeMs < statSync(file).mtimeMs) {
    console.log(`bench: rewriting ${file} as MPTCP v0 to ${v0}`);
    execFileSync('editcap', ['-F', 'pcap', file, `${v0}.v1`]);
    execFileSync('python3', [tool, `${v0}.v1`, `${v0}.part`], { stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('mv', [`${v0}.part`, v0]);
    execFileSync('rm', ['-f', `${v0}.v1`]);
  }
  return v0;
}

/** mptcptrace from PATH, or built once from ../shared/tools/mptcptrace-src.tar.gz by scripts/build-mptcptrace.sh. */
function mptcptrace() {
  const found = onPath('mptcptrace');
  if (found !== null) return found;
  const built = join(benchDir, 'mptcptrace');
  if (existsSync(built)) return built;
  const src = join(root, '..', 'shared', 'tools', 'mptcptrace-src.tar.gz');
  if (!existsSync(src)) return null;
  const r = spawnSync('sh', [join(root, 'scripts', 'build-mptcptrace.sh'), src, built], { stdio: 'inherit' });
  return r.status === 0 ? built : null;
}

const v0 = v0Copy();
const mt = process.env.BENCH_MPTCPTRACE === '0' ? null : mptcptrace();
const tshark = process.env.BENCH_TSHARK === '0' ? null : onPath('tshark');
const k = Math.min(3, runs);
const scratch = join(benchDir, 'scratch');
mkdirSync(scratch, { recursive: true });
for (const f of v0 === null ? [file] : [file, v0]) {
  console.log(`side by side on ${basename(f)} (separate processes, median of ${k}; peak RSS):`);
  const ours = timedRuns(k, process.execPath, [bin, 'analyze', f, '-o', join(benchDir, 'out-cli'), '-q']);
  row('mptrace analyze (CSVs + plots)', ours);
  row('mptrace analyze --no-plots', timedRuns(k, process.execPath, [bin, 'analyze', f, '-o', join(benchDir, 'out-cli'), '-q', '--no-plots']));
  if (f === file) {
    // A table row per packet (and per RTT sample, per flight change…), as CSV and as Parquet: rows per second over every table written.
    for (const format of ['csv', 'parquet']) {
      const out = join(benchDir, `out-${format}`);
      const r = timedRuns(k, process.execPath, [bin, 'analyze', f, '-o', out, '-q', '--no-plots', '--packets', '--format', format]);
      row(`  --no-plots --packets (${format})`, r, `   ${(tableRows(out, format) / r.wall / 1e6).toFixed(2)} M rows/s`);
    }
  }
  if (f === v0 && mt !== null) {
    // mptcptrace writes its graphs into the working directory.
    const s = timedRuns(k, mt, ['-f', f, '-s'], scratch);
    row('mptcptrace -s (sequence graphs)', s, `   mptrace takes ${(ours.wall / s.wall).toFixed(2)}x its time`);
    row('mptcptrace (no graphs)', timedRuns(k, mt, ['-f', f], scratch));
  }
  if (tshark !== null && f === (v0 ?? file)) {
    const t = run(tshark, ['-r', f, '-o', 'mptcp.analyze_mptcp:TRUE', '-o', 'mptcp.analyze_mappings:TRUE', '-o', 'mptcp.relative_sequence_numbers:TRUE', '-o', 'tcp.analyze_sequence_numbers:TRUE', '-T', 'fields', '-e', 'frame.number', '-e', 'mptcp.dsn']);
    row('tshark MPTCP analysis (1 run)', t, `   ${(t.wall / ours.wall).toFixed(1)}x mptrace's time`);
  }
}
// Fixed cost: what a small capture costs, most of it before the first packet (node itself, module loading, yargs).
{
  const small = join(benchDir, 'first-100.pcap');
  writeFileSync(small, firstPackets(join(root, 'fixtures', 'lab', 'handover.client.pcap'), 100));
  const n = 15;
  const out = join(benchDir, 'out-small');
  const ms = (args) => `${(timedRuns(n, process.execPath, args).wall * 1000).toFixed(0)} ms`;
  console.log(`fixed cost (separate processes, median of ${n}): node -e 0 ${ms(['-e', '0'])}, mptrace --version ${ms([bin, '--version'])}, analyze of 100 packets ${ms([bin, 'analyze', small, '-o', out, '-q'])} with plots, ${ms([bin, 'analyze', small, '-o', out, '-q', '--no-plots'])} without`);
}
// Several traces at once: a directory holding the capture twice, with one thread and with a worker (--jobs 2).
{
  const dir = join(benchDir, 'jobs');
  mkdirSync(dir, { recursive: true });
  for (const name of ['a', 'b']) {
    const link = join(dir, `${name}-${basename(file)}`);
    if (!existsSync(link)) symlinkSync(file, link);
  }
  const out = join(benchDir, 'out-jobs');
  const one = timedRuns(k, process.execPath, [bin, 'analyze', dir, '-o', out, '-q', '--jobs', '1']);
  const two = timedRuns(k, process.execPath, [bin, 'analyze', dir, '-o', out, '-q', '--jobs', '2']);
  console.log(`--jobs on a directory of 2 copies of the capture (median of ${k}): ${one.wall.toFixed(2)} s with --jobs 1, ${two.wall.toFixed(2)} s with --jobs 2 (${(one.wall / two.wall).toFixed(2)}x; ${mb(one.rss)} / ${mb(two.rss)})`);
}
if (v0 === null) console.log('bench: no v0 rewrite (needs ../shared/tools/mptcp-v1-to-v0.py, editcap and python3): mptcptrace not compared');
else if (mt === null) console.log('bench: mptcptrace not on PATH and not built (BENCH_MPTCPTRACE=0, or no ../shared/tools/mptcptrace-src.tar.gz, or the build failed)');

// ---- Memory against capture length: synthetic captures, written by the tests' capture writer ----
const curve = (process.env.BENCH_CURVE ?? '1,10,30').split(',').filter((x) => x !== '').map(Number);
if (curve.length > 0) {
  const synthDir = join(benchDir, 'synth');
  // The writer is TypeScript under test/: compiled here, with its imports, into the bench's scratch space.
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--outDir', synthDir, join(root, 'test', 'helpers', 'hostile.ts')], { stdio: 'inherit' });
  const { closingConnections, longConnection, tinyConnections } = await import(join(synthDir, 'hostile.js'));
  const out = join(benchDir, 'out-curve');
  console.log('memory against capture length (separate processes; synthetic, headers only; the capture is written, analyzed, deleted):');
  const measure = (label, path, packets) => {
    const r = run(process.execPath, [bin, 'analyze', path, '-o', out, '-q']);
    execFileSync('rm', ['-f', path]);
    console.log(`  ${label.padEnd(44)} ${r.wall.toFixed(1).padStart(6)} s ${mb(r.rss).padStart(8)}  ${(packets / r.wall / 1e6).toFixed(2)} M packets/s`);
  };
  for (const m of curve) {
    const path = join(benchDir, `long-${m}M.pcap`);
    // 2 data segments and 1 DATA_ACK per 3 packets.
    const packets = longConnection(path, Math.round((m * 1e6 * 2) / 3));
    measure(`one connection, ${(packets / 1e6).toFixed(1)} M packets`, path, packets);
  }
  const closing = join(benchDir, 'closing-100k.pcap');
  const closingPackets = closingConnections(closing, 100_000);
  measure(`100 k short connections closing, ${(closingPackets / 1e6).toFixed(1)} M packets`, closing, closingPackets);
  const path = join(benchDir, 'short-100k.pcap');
  const packets = tinyConnections(path, 100_000);
  measure(`100 k never closed, ${(packets / 1e6).toFixed(1)} M packets`, path, packets);
}
