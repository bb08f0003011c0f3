import { ByteLines } from '../../src/report/byte-lines.js';

/** A small RFC 4180 reader for the tests: rows as objects keyed by the header. */
export function parseCsv(text: string): Array<Record<string, string>> {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const [head, ...body] = rows;
  if (!head) return [];
  return body.map((r) => Object.fromEntries(head.map((h, k) => [h, r[k] ?? ''])));
}

/** The line a ByteLines writes with `write` (its end of line left out). */
export function byteLine(write: (w: ByteLines) => void): string {
  const chunks: Buffer[] = [];
  const w = new ByteLines((c) => chunks.push(Buffer.from(c)));
  write(w);
  w.end();
  w.flush();
  return Buffer.concat(chunks).toString('utf8').replace(/\n$/, '');
}
