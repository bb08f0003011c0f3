import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/cli/analyze.js';
import { ROOT } from '../helpers/shared.js';

/** Every output file (plots/ included), by relative name. */
function outputs(dir: string): Record<string, string> {
  const names = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1))
    .sort();
  return Object.fromEntries(names.map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

describe('determinism', () => {
  const capture = join(ROOT, 'fixtures', 'lab', 'handover.client.pcap');
  it('the same capture gives byte-identical outputs, whatever the read size', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'mptrace-det-'));
    await analyze(capture, { out: join(tmp, 'a'), packets: true });
    await analyze(capture, { out: join(tmp, 'b'), packets: true });
    await analyze(capture, { out: join(tmp, 'c'), packets: true, chunkSize: 4099 });
    const a = outputs(join(tmp, 'a'));
    expect(Object.keys(a)).toEqual([
      'connections.csv',
      'events.csv',
      'flight.csv',
      'handovers.csv',
      'holes.csv',
      'packets.csv',
      'plots/conn-0-s2c-dsn.svg',
      'plots/conn-0-s2c-flight.svg',
      'plots/conn-0-s2c-goodput.svg',
      'plots/conn-0-s2c-handover-0.svg',
      'plots/conn-0-s2c-ofo.svg',
      'plots/conn-0-s2c-rtt.svg',
      'plots/conn-0-timeline.svg',
      'reinjections.csv',
      'report.html',
      'rtt.csv',
      'subflows.csv',
      'summary.json',
    ]);
    expect(outputs(join(tmp, 'b'))).toEqual(a);
    expect(outputs(join(tmp, 'c'))).toEqual(a);
  });
});
