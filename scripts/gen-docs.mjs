// npm run docs: rewrites the generated tables of the docs (src/report/doc-tables.ts) from the built code.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DOC_TABLES, fillTables } from '../dist/report/doc-tables.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const file of Object.keys(DOC_TABLES)) {
  const path = join(root, file);
  const before = readFileSync(path, 'utf8');
  const after = fillTables(file, before);
  if (after !== before) {
    writeFileSync(path, after);
    console.log(`${file}: tables regenerated`);
  }
}
