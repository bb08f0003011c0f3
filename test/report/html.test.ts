import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/cli/analyze.js';
import { CHROMIUM, loadPage, screenshot } from '../helpers/browser.js';
import { HAVE_TRACES, ROOT, TRACES } from '../helpers/shared.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'mptrace-html-'));
const HANDOVER = join(ROOT, 'fixtures', 'lab', 'handover.client.pcap');

describe('report.html of the bundled capture', async () => {
  const out = join(tmp(), 'out');
  const r = await analyze(HANDOVER, { out, packets: true });
  const html = readFileSync(join(out, 'report.html'), 'utf8');

  it('is self-contained: no address outside the folder, style and script inline', () => {
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    expect(html).not.toContain('<link');
    expect(html).toContain('<style>');
  });

  it('links every file written, and each link resolves', () => {
    const links = [...html.matchAll(/<a href="([^"#]+)"/g)].map((m) => m[1]!);
    for (const f of ['connections.csv', 'subflows.csv', 'events.csv', 'reinjections.csv', 'holes.csv', 'handovers.csv', 'rtt.csv', 'flight.csv', 'packets.csv', 'summary.json', ...r.summary.plots!.files]) expect(links).toContain(f);
    for (const l of links) expect(existsSync(join(out, l)), l).toBe(true);
  });

  it('has the connections table, and per connection its subflows, handover, events and plots', () => {
    expect(html).toContain('<table class="sortable" id="connections">');
    expect(html).toContain('<h2 id="conn-0">Connection 0: 10.1.1.1:52190 → 10.1.2.1:5201</h2>');
    expect(html).toMatch(/<td>s2c<\/td><td>1795371253\.570850413<\/td><td data-v="0">0<\/td><td data-v="1">1<\/td><td data-v="0\.201482281">0\.201482281<\/td>/);
    expect(html.match(/<img class="plot"/g)).toHaveLength(7);
  });

  it.skipIf(CHROMIUM === null)('opens in headless chromium with no console message and shows all 7 plots', () => {
    const page = loadPage(join(out, 'report.html'));
    expect(page.console).toEqual([]);
    expect(page.dom).toContain('data-plots-shown="7/7"');
    const png = join(out, 'report.png');
    screenshot(join(out, 'report.html'), png);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    expect(statSync(png).size).toBeGreaterThan(20_000);
  });
});

describe.skipIf(!HAVE_TRACES || CHROMIUM === null)('report.html of lab/many in chromium', () => {
  it('shows every one of its 94 plots (5 or 6 per direction and a timeline, for 16 connections)', async () => {
    const out = join(tmp(), 'out');
    const r = await analyze(join(TRACES, 'lab', 'many.pcapng'), { out });
    expect(r.summary.plots!.files).toHaveLength(94);
    const page = loadPage(join(out, 'report.html'));
    expect(page.console).toEqual([]);
    expect(page.dom).toContain('data-plots-shown="94/94"');

    // A sorted view by link (the click handler sorts with the same function): longest connection first.
    const sorted = loadPage(join(out, 'report.html'), '#sort=connections:14:desc');
    expect(sorted.console).toEqual([]);
    const table = sorted.dom.slice(sorted.dom.indexOf('<table class="sortable" id="connections">'));
    const body = table.slice(0, table.indexOf('</tbody>'));
    expect(body).toContain('<th class="desc">duration (s)</th>');
    const order = [...body.matchAll(/<tr>\s*<td data-v="(\d+)">/g)].map((m) => Number(m[1]));
    const longest = [...r.summary.connections].sort((a, b) => Number(b.duration) - Number(a.duration)).map((c) => c.conn);
    expect(order).toEqual(longest);
    // Connection 12 lasted 2.30 s, connection 0 0.15 s.
    expect([order[0], order.at(-1)]).toEqual([12, 0]);
  });
});
