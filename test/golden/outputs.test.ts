/**
 * Goldens of `analyze --packets` on every lab capture: the SHA-256 and row
 * count of each CSV and of summary.json (its version and input name
 * blanked), so a refactoring of the analysis model that changes one byte
 * of output fails here and names the file. An intended change of output
 * is recorded with UPDATE_GOLDEN=1 and explained in the commit.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { analyze } from '../../src/cli/analyze.js';
import { expectGolden } from '../helpers/golden.js';
import { HAVE_TRACES, ROOT, TRACES } from '../helpers/shared.js';

const LAB = join(TRACES, 'lab');
const captures = HAVE_TRACES ? readdirSync(LAB).filter((f) => /\.(pcapng|pcap)$/.test(f)).sort() : [];

function digest(dir: string): string {
  const lines: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!/\.(csv|json)$/.test(name)) continue;
    let text = readFileSync(join(dir, name), 'utf8');
    if (name === 'summary.json') {
      const s = JSON.parse(text) as { mptrace: string; input: { file: string } };
      s.mptrace = '';
      s.input.file = '';
      text = JSON.stringify(s);
    }
    const rows = name.endsWith('.csv') ? text.split('\n').length - 2 : 1;
    lines.push(`${name} ${rows} ${createHash('sha256').update(text).digest('hex')}`);
  }
  return `${lines.join('\n')}\n`;
}

describe.skipIf(!HAVE_TRACES)('analyze outputs on the lab captures are unchanged', () => {
  for (const cap of captures) {
    it(cap, async () => {
      const out = join(mkdtempSync(join(tmpdir(), 'mptrace-golden-')), 'out');
      await analyze(join(LAB, cap), { out, packets: true, plots: false });
      expectGolden(join(ROOT, 'test', 'golden', 'analyze', `${cap}.txt`), digest(out));
    });
  }
});
