#!/usr/bin/env node
// npm's postinstall: applies patches/ to node_modules with patch-package (a dev dependency) in a clone of
// this repository, before `prepare` bundles them (hyparquet-writer: see patches/README.md). An installed
// mptrace has neither patches/ nor patch-package (package.json's "files"): its bundle carries the patched code.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'patches'))) process.exit(0);
let bin;
try {
  bin = createRequire(join(root, 'package.json')).resolve('patch-package/index.js');
} catch {
  console.error('mptrace postinstall: patches/ needs patch-package (npm install --include=dev)');
  process.exit(1);
}
// A patch that no longer applies (a dependency upgraded) fails the install rather than leaving it unpatched.
const r = spawnSync(process.execPath, [bin, '--error-on-fail', '--error-on-warn'], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
