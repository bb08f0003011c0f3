import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOC_TABLES, fillTables } from '../../src/report/doc-tables.js';
import { CONNECTION_COLUMNS, SUBFLOW_COLUMNS } from '../../src/report/columns.js';
import { ROOT } from '../helpers/shared.js';

describe('generated doc tables match the code (npm run docs regenerates them)', () => {
  for (const file of Object.keys(DOC_TABLES)) {
    it(file, () => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      expect(fillTables(file, text)).toBe(text);
    });
  }
  it('every CSV column is documented, in file order', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'outputs.md'), 'utf8');
    for (const cols of [CONNECTION_COLUMNS, SUBFLOW_COLUMNS]) {
      let at = 0;
      for (const c of cols) {
        const i = doc.indexOf(`\`${c.name}\``, at);
        expect(i, c.name).toBeGreaterThan(0);
        at = i;
      }
    }
  });
});
