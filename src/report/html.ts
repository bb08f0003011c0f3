import type { EventRow } from '../analyze/model.js';
import { bytes as byteText, firstOf, SUBFLOWS_SHOWN } from './format.js';
import type { Summary } from './summary.js';
import type { TableFormat } from './table-writer.js';
import type { TimeBase } from './time.js';

/**
 * report.html: what the terminal says, as a page a browser opens offline
 * from the output folder: the connections as a table sorted by clicking a
 * heading, then per connection its subflows, handovers, events and plots
 * (the SVG files beside it), and links to every file written. No network,
 * no CDN: the style and the sorting script are inline.
 */
export interface HtmlInput {
  summary: Summary;
  /** Files written, relative to the folder (the tables, summary.json). */
  files: readonly string[];
  /** The tables' format: the extension of connections.csv and events.csv in the links. */
  format: TableFormat;
  /** The first events of each connection (events.csv has every one). */
  events: ReadonlyMap<number, { rows: readonly EventRow[]; more: number }>;
  time: TimeBase;
}

const esc = (s: unknown): string => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Bytes, or '?' when unknown. */
const bytes = (n: number | null): string => (n === null ? '?' : byteText(n));

/** A table cell; `v` is what sorting compares (a number, or text). */
const td = (text: string, v?: number | string | null): string => `<td${v === undefined || v === null ? '' : ` data-v="${esc(v)}"`}>${text}</td>`;

/** `N more rows in <a>table.csv</a>`: what a capped list on the page left to its table (named as its rows are). */
const moreIn = (n: number, table: 'connections' | 'subflows' | 'events', format: TableFormat): string => `<p>${n} more ${table} in <a href="${table}.${format}">${table}.${format}</a>.</p>`;

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 1200px; padding: 0 1em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; } h3 { font-size: 1em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 2px 6px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } table.sortable th { cursor: pointer; user-select: none; }
th.asc::after { content: ' \\25b2'; } th.desc::after { content: ' \\25bc'; }
td[data-v] { text-align: right; font-variant-numeric: tabular-nums; }
.warn { color: #8a4b00; } .bad { color: #b00020; font-weight: bold; }
img.plot { max-width: 100%; border: 1px solid #eee; margin: 0.4em 0; display: block; }
.files a { margin-right: 1em; }
`;

/**
 * Sorts a table by the clicked heading: numbers by value, text in order;
 * a second click reverses. A link can ask for a sorted view:
 * report.html#sort=TABLE:COLUMN[:desc] (the table's id, the column from 0).
 */
const SCRIPT = `
function sortBy(table, col, up) {
  const body = table.tBodies[0];
  const heads = table.querySelectorAll('th');
  heads.forEach((h) => h.classList.remove('asc', 'desc'));
  heads[col].classList.add(up ? 'asc' : 'desc');
  const key = (tr) => { const c = tr.cells[col]; const v = c.dataset.v; return v !== undefined && v !== '' && !isNaN(Number(v)) ? Number(v) : (v ?? c.textContent); };
  const rows = [...body.rows].sort((a, b) => { const x = key(a), y = key(b); const r = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y)); return up ? r : -r; });
  for (const r of rows) body.appendChild(r);
}
for (const table of document.querySelectorAll('table.sortable')) {
  table.querySelectorAll('th').forEach((th, col) => th.addEventListener('click', () => sortBy(table, col, !th.classList.contains('asc'))));
}
const asked = /^#sort=([\\w-]+):(\\d+)(:desc)?$/.exec(location.hash);
const sorted = asked && document.getElementById(asked[1]);
if (sorted && sorted.matches('table.sortable') && Number(asked[2]) < sorted.querySelectorAll('th').length) sortBy(sorted, Number(asked[2]), !asked[3]);
// How many plots the browser could show (read by the tests through the DOM).
window.addEventListener('load', () => {
  const imgs = [...document.images];
  const shown = imgs.filter((i) => i.complete && i.naturalWidth > 0).length;
  document.body.dataset.plotsShown = shown + '/' + imgs.length;
  if (shown < imgs.length) { const p = document.createElement('p'); p.className = 'bad'; p.textContent = (imgs.length - shown) + ' plot(s) could not be shown: is the plots/ folder beside this page?'; document.body.prepend(p); }
});
`;

export function reportHtml(x: HtmlInput): string {
  const s = x.summary;
  const i = s.input;
  const out: string[] = [];
  const title = `mptrace: ${i.file}`;
  out.push(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title><style>${STYLE}</style></head><body>`);
  out.push(`<h1>${esc(i.file)}</h1>`);
  out.push(`<p>${esc(i.format)}; ${i.frames} frames, ${i.tcp_packets} TCP, ${i.mptcp_packets} with MPTCP options; ${s.analysis.flows} TCP flows, ${s.totals.connections} MPTCP connection${s.totals.connections === 1 ? '' : 's'}. First packet ${esc(i.first_packet ?? '?')} (seconds since the epoch); times below are seconds since it. mptrace ${esc(s.mptrace)}.</p>`);
  if (s.selection !== null) out.push(`<p class="warn">Only ${s.selection.conns !== null ? `connections ${s.selection.conns.join(', ')}` : 'connections'}${s.selection.since !== null ? ` from ${s.selection.since} s` : ''}${s.selection.until !== null ? ` until ${s.selection.until} s` : ''} (as asked).</p>`);
  const t = s.totals;
  const n = (k: number, what: string): string => `${k} ${what}${k === 1 ? '' : 's'}`;
  out.push(`<p>Totals: ${n(t.connections, 'connection')} (${t.fallbacks} fell back), ${n(t.subflows, 'subflow')}, ${n(t.handovers, 'handover')}, ${n(t.reinjections, 'reinjection')}, ${n(t.holes, 'hole')}, ${n(t.events, 'event')}.</p>`);
  if (i.warnings.length > 0) {
    out.push(`<details class="warn"><summary>${i.warnings_total} warning${i.warnings_total === 1 ? '' : 's'}</summary><ul>`);
    for (const w of i.warnings) out.push(`<li>${esc(w)}</li>`);
    out.push('</ul></details>');
  }
  out.push(`<p class="files">Files: ${x.files.map((f) => `<a href="${esc(f)}">${esc(f)}</a>`).join(' ')}</p>`);

  const plots = s.plots?.files ?? [];
  const plotsOf = (conn: number): string[] => plots.filter((f) => f.startsWith(`plots/conn-${conn}-`));
  out.push('<h2>Connections</h2><table class="sortable" id="connections"><thead><tr>');
  for (const h of ['conn', 'version', 'client', 'server', 'subflows', 'c2s unique', 's2c unique', 'reinjected c2s', 'reinjected s2c', 'holes', 'handovers', 'close', 'fallback', 'vantage', 'duration (s)']) out.push(`<th>${h}</th>`);
  out.push('</tr></thead><tbody>');
  for (const c of s.connections) {
    const holes = (c.c2s.holes?.count ?? 0) + (c.s2c.holes?.count ?? 0);
    const ratio = (d: 'c2s' | 's2c'): string => (c[d].reinjection_ratio === null ? '?' : `${(c[d].reinjection_ratio! * 100).toFixed(2)}%`);
    out.push('<tr>');
    out.push(td(plotsOf(c.conn).length > 0 || x.events.has(c.conn) || c.handovers.length > 0 ? `<a href="#conn-${c.conn}">${c.conn}</a>` : String(c.conn), c.conn));
    out.push(td(`v${c.version ?? '?'}`));
    out.push(td(esc(`${c.client.addr}:${c.client.port}`)));
    out.push(td(esc(`${c.server.addr}:${c.server.port}`)));
    out.push(td(String(c.subflows.length), c.subflows.length));
    out.push(td(bytes(c.c2s.unique_bytes), c.c2s.unique_bytes));
    out.push(td(bytes(c.s2c.unique_bytes), c.s2c.unique_bytes));
    out.push(td(ratio('c2s'), c.c2s.reinjection_ratio));
    out.push(td(ratio('s2c'), c.s2c.reinjection_ratio));
    out.push(td(String(holes), holes));
    out.push(td(String(c.handovers.length), c.handovers.length));
    out.push(td(esc(c.close)));
    out.push(td(c.fallback ? `<span class="bad">${esc(c.fallback.kind)}</span>` : ''));
    out.push(td(esc(c.vantage)));
    out.push(td(esc(c.duration), Number(c.duration)));
    out.push('</tr>');
  }
  out.push('</tbody></table>');
  if (s.connections_not_detailed > 0) out.push(moreIn(s.connections_not_detailed, 'connections', x.format));
  const np = s.plots?.connections_not_plotted ?? [];
  // The first few, as the terminal says them: 100 k short connections made 600 kB of numbers (summary.json lists them all).
  if (np.length > 0) out.push(`<p>Not plotted: connection${np.length === 1 ? '' : 's'} ${firstOf(np, 20, ' (summary.json lists them)')} (<code>--conn N</code> or <code>--plots all</code> plots them).</p>`);

  for (const c of s.connections) {
    const ev = x.events.get(c.conn);
    const files = plotsOf(c.conn);
    if (files.length === 0 && ev === undefined && c.handovers.length === 0) continue;
    out.push(`<h2 id="conn-${c.conn}">Connection ${c.conn}: ${esc(`${c.client.addr}:${c.client.port}`)} → ${esc(`${c.server.addr}:${c.server.port}`)}</h2>`);
    out.push(`<p>MPTCP v${c.version ?? '?'}, handshake ${esc(c.handshake)}, close ${esc(c.close)}, vantage ${esc(c.vantage)}${c.fallback ? `, <span class="bad">fallback to TCP: ${esc(c.fallback.kind)}</span>` : ''}.</p>`);
    out.push('<h3>Subflows</h3><table class="sortable"><thead><tr><th>subflow</th><th>kind</th><th>client</th><th>server</th><th>c2s payload</th><th>s2c payload</th><th>backup</th><th>close</th><th>failed</th></tr></thead><tbody>');
    for (const sf of c.subflows.slice(0, SUBFLOWS_SHOWN)) {
      out.push(`<tr>${td(String(sf.subflow), sf.subflow)}${td(esc(sf.kind))}${td(esc(`${sf.client.addr}:${sf.client.port}`))}${td(esc(`${sf.server.addr}:${sf.server.port}`))}${td(bytes(sf.c2s.payload_bytes), sf.c2s.payload_bytes)}${td(bytes(sf.s2c.payload_bytes), sf.s2c.payload_bytes)}${td(sf.backup ? 'yes' : '')}${td(esc(sf.close))}${td(sf.failed ? `<span class="bad">${esc(sf.failed)}</span>` : '')}</tr>`);
    }
    out.push('</tbody></table>');
    if (c.subflows.length > SUBFLOWS_SHOWN) out.push(moreIn(c.subflows.length - SUBFLOWS_SHOWN, 'subflows', x.format));
    if (c.handovers.length > 0) {
      out.push('<h3>Handovers</h3><table class="sortable"><thead><tr><th>dir</th><th>time</th><th>from</th><th>to</th><th>stall (s)</th><th>trigger</th></tr></thead><tbody>');
      for (const h of c.handovers) out.push(`<tr>${td(esc(h.dir))}${td(esc(h.time))}${td(String(h.from_subflow), h.from_subflow)}${td(String(h.to_subflow), h.to_subflow)}${td(String(h.stall), h.stall)}${td(esc(h.trigger ?? ''))}</tr>`);
      out.push('</tbody></table>');
    }
    if (ev !== undefined) {
      out.push('<h3>Events</h3><table class="sortable"><thead><tr><th>t (s)</th><th>frame</th><th>subflow</th><th>event</th><th>detail</th></tr></thead><tbody>');
      for (const e of ev.rows) out.push(`<tr>${td(x.time.since(e.time), x.time.since(e.time))}${td(String(e.frame), e.frame)}${td(e.subflow < 0 ? '' : String(e.subflow), e.subflow)}${td(esc(e.event))}${td(esc(e.detail))}</tr>`);
      out.push('</tbody></table>');
      if (ev.more > 0) out.push(moreIn(ev.more, 'events', x.format));
    }
    if (files.length > 0) {
      out.push('<h3>Plots</h3>');
      for (const f of files) out.push(`<a href="${esc(f)}"><img class="plot" src="${esc(f)}" alt="${esc(f)}"></a>`);
    }
  }
  out.push(`<script>${SCRIPT}</script></body></html>\n`);
  return out.join('\n');
}
