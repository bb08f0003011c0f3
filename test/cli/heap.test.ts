import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/shared.js';

// V8's flags are process-wide: each case runs in a node of its own, on the built module (npm test builds first).
const HEAP = pathToFileURL(join(ROOT, 'dist', 'cli', 'heap.js')).href;
const KEEP_OBJECTS = `
import { getHeapSpaceStatistics } from 'node:v8';
const { capYoungGeneration, YOUNG_GENERATION_CAP } = await import(${JSON.stringify(HEAP)});
const cap = process.argv.includes('cap');
const keep = [];
for (let i = 0; i < 1_000_000; i++) {
  keep.push({ a: i, b: [i, i + 1] });
  if (cap && (i & 1023) === 0) capYoungGeneration();
}
const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
process.stdout.write(String(young / YOUNG_GENERATION_CAP));
`;

function youngOverCap(...args: string[]): number {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', KEEP_OBJECTS, ...args], { encoding: 'utf8', timeout: 60_000 });
  expect(r.stderr).toBe('');
  return Number(r.stdout);
}

describe('the young generation cap', () => {
  // A million objects that all survive: V8 doubles the young generation at each scavenge that keeps most of it.
  it('objects that survive grow the young generation to four times the cap when nothing stops it', () => {
    expect(youngOverCap()).toBe(4);
  });

  it('capYoungGeneration, called every 1,024 objects, keeps it at the cap', () => {
    expect(youngOverCap('cap')).toBe(1);
  });
});
