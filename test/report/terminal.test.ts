import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/cli/analyze.js';
import { reportHtml } from '../../src/report/html.js';
import { terminalSummary } from '../../src/report/terminal.js';
import { TimeBase } from '../../src/report/time.js';
import { ROOT } from '../helpers/shared.js';

const HANDOVER = join(ROOT, 'fixtures', 'lab', 'handover.client.pcap');

describe('what a flood makes readable', async () => {
  const r = await analyze(HANDOVER, { out: join(mkdtempSync(join(tmpdir(), 'mptrace-term-')), 'out') });
  const c = r.summary.connections[0]!;

  it('the terminal lists a connection\'s first 32 subflows and counts the rest (a flood of joins made 9,295 lines)', () => {
    const many = { ...r.summary, connections: [{ ...c, subflows: Array.from({ length: 40 }, (_, i) => ({ ...c.subflows[i % 2]!, subflow: i })) }] };
    const text = terminalSummary(many, 'out');
    const listed = text.split('\n').filter((l) => l.startsWith('  subflow '));
    expect(listed).toHaveLength(32);
    expect(listed[31]).toMatch(/^ {2}subflow 31 /);
    expect(text).toContain('\n  (8 more subflows in subflows.csv)\n');
    // The handover capture's own two subflows: both listed, nothing counted.
    expect(terminalSummary(r.summary, 'out')).not.toContain('more subflows');
  });

  it('report.html lists a connection\'s first 32 subflows and links subflows.csv for the rest (the flood\'s page was 2.2 MB)', () => {
    const many = { ...r.summary, connections: [{ ...c, subflows: Array.from({ length: 40 }, (_, i) => ({ ...c.subflows[i % 2]!, subflow: i })) }] };
    const page = (s: typeof r.summary, format: 'csv' | 'parquet'): string => reportHtml({ summary: s, files: [], events: new Map([[c.conn, { rows: [], more: 0 }]]), time: new TimeBase(1_700_000_000, 6), format });
    const html = page(many, 'csv');
    const table = html.slice(html.indexOf('<h3>Subflows</h3>'), html.indexOf('</table>', html.indexOf('<h3>Subflows</h3>')));
    expect(table.match(/<tr>/g)).toHaveLength(1 + 32);
    expect(table).toContain('>31</td>');
    expect(table).not.toContain('>32</td>');
    expect(html).toContain('<p>8 more subflows in <a href="subflows.csv">subflows.csv</a>.</p>');
    expect(page(many, 'parquet')).toContain('<a href="subflows.parquet">subflows.parquet</a>');
    expect(page(r.summary, 'csv')).not.toContain('more subflows');
  });

  it('the terminal and report.html name the first 20 connections not plotted and count the rest', () => {
    const np = Array.from({ length: 99_984 }, (_, i) => i + 16);
    const s = { ...r.summary, plots: { ...r.summary.plots!, connections_not_plotted: np } };
    expect(terminalSummary(s, 'out')).toContain('not plotted: connections 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35 and 99964 more (--conn N');
    const html = reportHtml({ summary: s, files: [], events: new Map(), time: new TimeBase(1_700_000_000, 6), format: 'csv' });
    expect(html).toContain('Not plotted: connections 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35 and 99964 more (summary.json lists them) (<code>');
    expect(html.length).toBeLessThan(200_000);
  });
});
