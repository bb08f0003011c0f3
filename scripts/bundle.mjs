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

/**
 * string-width (three copies: yargs', cliui's, wrap-ansi's) builds Unicode property regexes (RGI_Emoji
 * with the v flag) and an Intl.Segmenter when its module is evaluated: 8-10 ms of every start, for a
 * function yargs calls only to lay out --help and error text. Each import of it gets a stand-in that
 * loads the real module (bundled, behind esbuild's lazy init) on the first call.
 */
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData?.real) return undefined;
      const real = await b.resolve('string-width', { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { real: true } });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-string-width' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
      contents: `let real;\nexport default function stringWidth(text, options) {\n  return (real ??= require(${JSON.stringify(args.path)}).default)(text, options);\n}\n`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};
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
  plugins: [lazyStringWidth],
});
