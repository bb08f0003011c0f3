import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The shared captures beside the project (absent in a user's clone: tests using them skip). */
export const TRACES = resolve(process.env.MPTRACE_TRACES ?? join(ROOT, '..', 'shared', 'traces'));
export const HAVE_TRACES = existsSync(join(TRACES, 'lab'));
export const TRUTH = join(ROOT, 'test', 'truth', 'tshark');

export interface TruthManifest {
  tshark: string;
  fields: string[];
  files: Record<string, { sha256: string; size: number; tcpPackets: number; tsharkSaid?: string }>;
}

export function manifest(): TruthManifest {
  return JSON.parse(readFileSync(join(TRUTH, 'manifest.json'), 'utf8')) as TruthManifest;
}

/** One row per TCP frame, as tshark printed it (see scripts/tshark-truth.mjs for the fields). */
export interface TruthRow {
  frame: number;
  tcpStream: number;
  mptcpStream: number | undefined;
  tcpLen: number;
  subtypes: string;
  dsn: string;
  ack: string;
  reinjectionOf: string;
  /** tcp.analysis.ack_rtt (seconds) and tcp.analysis.acks_frame; empty when Wireshark shows none. */
  ackRtt: string;
  acksFrame: string;
}

export function truthRows(rel: string): TruthRow[] {
  const text = gunzipSync(readFileSync(join(TRUTH, `${rel}.tsv.gz`))).toString();
  const rows: TruthRow[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const c = line.split('\t');
    rows.push({
      frame: Number(c[0]),
      tcpStream: Number(c[1]),
      mptcpStream: c[2] ? Number(c[2]) : undefined,
      tcpLen: Number(c[3] || 0),
      subtypes: c[4] ?? '',
      dsn: c[5] ?? '',
      ack: c[6] ?? '',
      reinjectionOf: c[7] ?? '',
      ackRtt: c[8] ?? '',
      acksFrame: c[9] ?? '',
    });
  }
  return rows;
}

/** Captures with stored tshark answers whose bytes are still the ones tshark read. */
export function checkedCaptures(): Array<{ rel: string; path: string }> {
  if (!HAVE_TRACES) return [];
  const m = manifest();
  return Object.entries(m.files)
    .filter(([rel, info]) => {
      const path = join(TRACES, rel);
      return existsSync(path) && createHash('sha256').update(readFileSync(path)).digest('hex') === info.sha256;
    })
    .map(([rel]) => ({ rel, path: join(TRACES, rel) }));
}
