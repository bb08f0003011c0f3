import { describe, expect, it } from 'vitest';
import type { ConnectionRecord } from '../../src/analyze/record.js';
import { analyzeCapture } from '../helpers/analyze.js';
import { join } from 'node:path';
import { ROOT } from '../helpers/shared.js';

/** Never called: tsc (npm test's typecheck) fails if a record's fields, nested ones included, become writable. */
export function recordsAreReadOnly(c: ConnectionRecord): void {
  // @ts-expect-error a record's field
  c.id = 1;
  // @ts-expect-error a subflow's
  c.subflows[0]!.end = 0;
  // @ts-expect-error a subflow direction's figure
  c.subflows[0]!.dirs[0].packets = 0;
  // @ts-expect-error a direction's nested figure
  c.dirs[1].dataFin!.dsn = 0;
  // @ts-expect-error a list
  c.subflows.push(c.subflows[0]!);
  // @ts-expect-error a map
  c.addresses.client.set(1, 'x');
  // @ts-expect-error an RTT figure
  c.dirs[0].mptcpRtt!.median = 0;
}

describe('connection records', () => {
  it('are frozen under the tests, so that a sink changing one fails here', async () => {
    const records: ConnectionRecord[] = [];
    await analyzeCapture(join(ROOT, 'fixtures', 'lab', 'handover.client.pcap'), { onRecord: (r) => records.push(r) });
    expect(records).toHaveLength(1);
    const c = records[0]!;
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.subflows[1]!.dirs[0])).toBe(true);
    expect(() => {
      (c.dirs[0] as { uniqueBytes: number | null }).uniqueBytes = 0;
    }).toThrow(TypeError);
  });
});
