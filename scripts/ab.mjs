#!/usr/bin/env node
// node scripts/ab.mjs A B [CAPTURE] : two builds of mptrace compared on one capture, in paired runs.
// A and B are checkouts (each with its dist/ built: `git worktree add /tmp/a REV`, symlink node_modules,
// `npx tsc -p tsconfig.build.json`). Each pair runs A's analysis, then B's, each in a fresh process that
// keeps its best of AB_RUNS (default 4) `analyze` calls without plots; the pairs' relative differences
// say more on a noisy VM than two separate timings do. AB_PAIRS (default 6), AB_PACKETS=1 for --packets.
// The capture defaults to the bench's decompressed bulk download.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [a, b, capture = join(tmpdir(), 'mptrace-bench', 'bulk.pcapng')] = process.argv.slice(2);

if (process.env.AB_CHILD) {
  // One process: the best of AB_RUNS analyses with the build in `a`.
  const { analyze } = await import(pathToFileURL(join(a, 'dist', 'cli', 'analyze.js')).href);
  const out = mkdtempSync(join(tmpdir(), 'mptrace-ab-'));
  let best = Infinity;
  for (let i = 0; i < Number(process.env.AB_RUNS ?? 4); i++) {
    const t0 = performance.now();
    await analyze(capture, { out: join(out, 'out'), plots: false, quiet: true, packets: process.env.AB_PACKETS === '1' });
    best = Math.min(best, performance.now() - t0);
  }
  rmSync(out, { recursive: true, force: true });
  console.log(best.toFixed(1));
} else {
  if (!a || !b) {
    console.log('usage: node scripts/ab.mjs A B [CAPTURE]  (A, B: checkouts with dist/ built)');
    process.exit(2);
  }
  const once = (dir) => Number(execFileSync(process.execPath, [process.argv[1], resolve(dir), '', capture], { env: { ...process.env, AB_CHILD: '1' } }).toString());
  const ta = [];
  const tb = [];
  const diff = [];
  for (let i = 0; i < Number(process.env.AB_PAIRS ?? 6); i++) {
    const x = once(a);
    const y = once(b);
    ta.push(x);
    tb.push(y);
    diff.push(((y - x) / x) * 100);
  }
  const median = (v) => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)];
  console.log(`A best ${Math.min(...ta).toFixed(0)} ms, median ${median(ta).toFixed(0)}; B best ${Math.min(...tb).toFixed(0)} ms, median ${median(tb).toFixed(0)}`);
  console.log(`B against A, per pair: ${diff.map((d) => `${d > 0 ? '+' : ''}${d.toFixed(1)}%`).join(' ')}; median ${median(diff).toFixed(1)}%`);
}
