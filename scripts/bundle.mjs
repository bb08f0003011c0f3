#!/usr/bin/env node
// npm run build, after tsc: the CLI as one ESM bundle (dist/bundle/main.js, which bin/mptrace loads), with the
// worker of --jobs as a second entry and code loaded on demand (compare, check, the Parquet writer, the report
// page) in chunks of their own. Loading ~90 modules and yargs' dozens one by one was a third of the fixed cost
// of a small capture (0.17 s -> 0.14 s with plots; `mptrace --version` 0.10 s -> 0.08 s: npm run bench prints it).
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'bundle');
rmSync(out, { recursive: true, force: true });
await build({
  // From tsc's output: the bundle runs the very JavaScript the type checker emitted.
  entryPoints: { main: join(root, 'dist', 'cli', 'main.js'), worker: join(root, 'dist', 'cli', 'worker.js') },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  // Whitespace and syntax only: names stay readable in a stack trace.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  // Dependencies written as CommonJS call require(): give the bundle one.
  banner: { js: "import { createRequire as __mptraceRequire } from 'node:module'; const require = __mptraceRequire(import.meta.url);" },
  logLevel: 'warning',
});
