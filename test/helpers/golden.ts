import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { expect } from 'vitest';

/** Compares `actual` with a stored golden file; UPDATE_GOLDEN=1 rewrites it instead. */
export function expectGolden(path: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN || !existsSync(path)) {
    if (!process.env.UPDATE_GOLDEN) throw new Error(`missing golden file ${path} (run with UPDATE_GOLDEN=1 to create it)`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
}
