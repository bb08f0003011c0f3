import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/cli/analyze.js';
import { ROOT } from '../helpers/shared.js';

/** Every output file, by name. */
function outputs(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

describe('determinism', () => {
  const capture = join(ROOT, 'fixtures', 'lab', 'handover.client.pcap');
  it('the same capture gives byte-identical outputs, whatever the read size', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'mptrace-det-'));
    await analyze(capture, { out: join(tmp, 'a'), packets: true });
    await analyze(capture, { out: join(tmp, 'b'), packets: true });
    await analyze(capture, { out: join(tmp, 'c'), packets: true, chunkSize: 4099 });
    const a = outputs(join(tmp, 'a'));
    expect(Object.keys(a)).toEqual(['connections.csv', 'events.csv', 'handovers.csv', 'holes.csv', 'packets.csv', 'reinjections.csv', 'subflows.csv', 'summary.json']);
    expect(outputs(join(tmp, 'b'))).toEqual(a);
    expect(outputs(join(tmp, 'c'))).toEqual(a);
  });
});
