#!/usr/bin/env node
// Regenerates test/truth/tshark/: what Wireshark's tshark says of every capture in
// ../shared/traces (lab, lab/derived, public but not _fuzzed_not_real), so the
// test suite can compare against it without tshark. Needs tshark (Debian: tshark);
// installs it with apt-get when missing and allowed (root).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const traces = resolve(process.env.MPTRACE_TRACES ?? join(root, '..', 'shared', 'traces'));
const out = join(root, 'test', 'truth', 'tshark');

if (spawnSync('tshark', ['--version']).status !== 0) {
  console.error('tshark is missing; installing the Debian package');
  execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tshark'], { stdio: 'inherit' });
}

export const FIELDS = ['frame.number', 'tcp.stream', 'mptcp.stream', 'tcp.len', 'tcp.options.mptcp.subtype', 'mptcp.dsn', 'mptcp.ack', 'mptcp.reinjection_of', 'tcp.analysis.ack_rtt', 'tcp.analysis.acks_frame'];

function captures(dir) {
  const found = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== '_fuzzed_not_real') found.push(...captures(p));
    } else if (/\.(pcap|pcapng)$/.test(e.name)) found.push(p);
  }
  return found;
}

const version = execFileSync('tshark', ['--version']).toString().split('\n')[0];
const manifest = { tshark: version, fields: FIELDS, options: ['mptcp.analyze_mappings:TRUE', 'mptcp.relative_sequence_numbers:TRUE', 'mptcp.intersubflows_retransmission:TRUE'], files: {} };
const files = [...captures(join(traces, 'lab')), ...captures(join(traces, 'public'))].sort();
for (const file of files) {
  const rel = relative(traces, file);
  const args = ['-r', file, '-Y', 'tcp', '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,'];
  for (const o of manifest.options) args.push('-o', o);
  for (const f of FIELDS) args.push('-e', f);
  // tshark exits non-zero on a cut file after printing every packet it read: keep both.
  const run = spawnSync('tshark', args, { maxBuffer: 1 << 30 });
  const text = run.stdout.toString();
  const complaint = run.stderr.toString().split('\n').filter((l) => l && !/Running as user/.test(l)).join(' ');
  const dest = join(out, `${rel}.tsv.gz`);
  mkdirSync(dirname(dest), { recursive: true });
  writeFileSync(dest, gzipSync(text, { level: 9 }));
  manifest.files[rel] = { sha256: createHash('sha256').update(readFileSync(file)).digest('hex'), size: statSync(file).size, tcpPackets: text.split('\n').filter(Boolean).length, ...(complaint ? { tsharkSaid: complaint } : {}) };
  console.log(rel, manifest.files[rel].tcpPackets);
}
writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
if (!existsSync(out)) process.exit(1);
