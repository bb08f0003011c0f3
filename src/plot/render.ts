import { scaleLinear } from 'd3-scale';
import { curveStepAfter, line as d3line } from 'd3-shape';
import type { ConnectionRecord as Connection } from '../analyze/record.js';
import { DIR_NAMES, type EventRow, type HoleRow } from '../analyze/model.js';
import type { TimeBase } from '../report/time.js';
import type { Decimated } from './decimate.js';
import { MAX_PLOTTED_SUBFLOWS, type PlotConn, type PlotDir } from './collector.js';
import { axisBottom, axisLeft, Svg } from './svg.js';

/**
 * The plots of one connection (ANALYSIS.md "Plots"), as SVG strings:
 * d3 scales and line generators, written as SVG text (svg.ts: no DOM),
 * the data drawn as a few compact paths per series (one vertical stroke
 * per pixel column at most), never one element per packet. The legend
 * has its own column right of the plot area, never over the data.
 */
const W = 960;
const H = 540;
/** Width of the legend column, right of the plot area. */
const LEGEND_W = 176;
const M = { top: 48, right: 16 + LEGEND_W, bottom: 52, left: 88 };
const IW = W - M.left - M.right;
/** Width of the plot area in pixels (tests read positions off the axes). */
export const PLOT_WIDTH = IW;
const IH = H - M.top - M.bottom;

const STYLE = `
  text { font: 12px sans-serif; fill: #333; }
  .title { font: bold 15px sans-serif; }
  .axis path, .axis line { stroke: #888; fill: none; }
  .grid line { stroke: #eee; }
  .event line { stroke: #999; stroke-dasharray: 3 3; }
  .event text { font-size: 12px; fill: #555; }
  .hole { fill: #e06666; fill-opacity: 0.18; }
  .ack { fill: none; stroke: #999; stroke-width: 1; stroke-dasharray: 4 2; }
  .reinj { fill: none; stroke: #d62728; stroke-width: 1.2; }
  .total { fill: none; stroke: #bbb; stroke-width: 3; }
`;

/** Rows of the timeline (subflows beyond are only in subflows.csv). */
const MAX_TIMELINE_ROWS = 32;

/** Subflow colours: d3's Tableau 10, by subflow number. */
const COLOURS = ['#4e79a7', '#f28e2c', '#59a14f', '#e15759', '#76b7b2', '#edc949', '#af7aa1', '#ff9da7', '#9c755f', '#bab0ab'];

export interface PlotFile {
  name: string;
  svg: string;
}

/**
 * A direction that carried fewer unique bytes than this (a request, a
 * greeting) gets no DSN, goodput or out-of-order plot: a line of a few
 * points says nothing the CSV files do not.
 */
export const MIN_PLOTTED_BYTES = 4096;

/** A direction left without its plots, and why (summary.json's plots.directions_not_plotted). */
export interface SkippedDirection {
  conn: number;
  dir: 'c2s' | 's2c';
  unique_bytes: number;
  reason: string;
}

/** Every plot of a finished connection; `skipped` collects the directions with too little data to plot. */
export function renderConnection(c: Connection, p: PlotConn, time: TimeBase, skipped: SkippedDirection[] = []): PlotFile[] {
  const out: PlotFile[] = [];
  const t1 = Math.max(c.end, p.t0 + 1e-3);
  for (const d of [0, 1] as const) {
    const pd = p.dirs[d];
    if (pd === null || pd.dsn.length === 0) continue;
    const unique = c.dirs[d].uniqueBytes;
    if (unique !== null && unique < MIN_PLOTTED_BYTES) {
      skipped.push({ conn: c.id, dir: DIR_NAMES[d], unique_bytes: unique, reason: `fewer than ${MIN_PLOTTED_BYTES} unique bytes` });
      continue;
    }
    align(pd);
    const name = `conn-${c.id}-${DIR_NAMES[d]}`;
    const title = `connection ${c.id} ${DIR_NAMES[d]}: data sequence (relative DSN) per subflow, data ACKs, reinjections, holes`;
    out.push({ name: `${name}-dsn.svg`, svg: dsnPlot(c, p, pd, p.events, { from: p.t0, to: t1 }, time, title) });
    out.push({ name: `${name}-goodput.svg`, svg: goodputPlot(c, p, pd, d, t1, time) });
    // Nothing ever held out of order: an empty plot says less than its absence (summary.json has max_ofo_bytes 0).
    if (maxOf(pd.ofo) > 0) out.push({ name: `${name}-ofo.svg`, svg: ofoPlot(c, p, pd, d, t1, time) });
  }
  for (const z of p.zooms) {
    const h = z.handover;
    const title = `connection ${c.id} ${DIR_NAMES[h.dir]}: handover ${z.number}, subflow ${h.fromSubflow} → ${h.toSubflow}, close up`;
    const events = [...z.events].sort((a, b) => a.time - b.time);
    out.push({ name: `conn-${c.id}-${DIR_NAMES[h.dir]}-handover-${z.number}.svg`, svg: dsnPlot(c, p, z, events, { from: z.from, to: z.to }, time, title, z.keptFrom > z.from ? z.keptFrom : undefined) });
  }
  out.push({ name: `conn-${c.id}-timeline.svg`, svg: timelinePlot(c, p, t1, time) });
  return out;
}

/** Gives every series of a direction the widest bucket width, so that they share columns. */
function align(pd: PlotDir): void {
  const all = [...pd.dsn, ...pd.fresh, pd.acks, pd.ofo];
  const w = Math.max(...all.map((s) => s.width));
  for (const s of all) s.widenTo(w);
}

interface Frame {
  /** The document; what is drawn now goes in the plot area (origin at its top left). */
  svg: Svg;
  x: (t: number) => number;
}

/** The times a plot spans (seconds since the epoch). */
interface Span {
  from: number;
  to: number;
}

/** An SVG with a title, a time axis (seconds after the connection's first data, p.t0) over `span`, and a y axis from yMin to yMax; left open in the plot area. */
function frame(title: string, p: PlotConn, span: Span, time: TimeBase, yMin: number, yMax: number, yLabel: string, yFormat: (v: number) => string): Frame & { y: (v: number) => number } {
  const svg = new Svg(W, H, STYLE);
  svg.el('text', { class: 'title', x: M.left, y: 20 }, title);
  svg.el('text', { x: M.left, y: 38 }, `time 0 = ${time.format(p.t0)} (seconds since the epoch)`);
  svg.open('g', { transform: `translate(${M.left},${M.top})` });
  const xs = scaleLinear().domain([span.from - p.t0, span.to - p.t0]).range([0, IW]);
  const ys = scaleLinear().domain([yMin, yMax > yMin ? yMax : yMin + 1]).nice().range([IH, 0]);
  axisLeft(svg, ys, 8, yFormat, IW);
  axisBottom(svg, xs, 10, IH);
  axisLeft(svg, ys, 8, yFormat);
  svg.el('text', { x: IW / 2, y: IH + 40, 'text-anchor': 'middle' }, 'time (s)');
  svg.el('text', { transform: `translate(${-70},${IH / 2}) rotate(-90)`, 'text-anchor': 'middle' }, yLabel);
  return { svg, x: (t) => xs(t - p.t0), y: (v) => ys(v) };
}

const r1 = (v: number): string => (Math.round(v * 10) / 10).toString();
const r3 = (v: number): string => (Math.round(v * 1000) / 1000).toString();
const si = (v: number): string => (Math.abs(v) >= 1000 ? `${Number((v / 1000 ** Math.floor(Math.log10(Math.abs(v)) / 3)).toPrecision(3))}${' kMGTPE'[Math.floor(Math.log10(Math.abs(v)) / 3)]}` : String(v));

/**
 * One vertical stroke (min to max) per bucket: the compact path of a
 * decimated series. With `spans` (a series of DSN ranges, whose sum is
 * the bytes carried), a bucket whose ranges cover less than half of
 * min..max (a few reinjections far below new data) is drawn as two short
 * marks at its extremes, never as a stroke claiming the DSNs between.
 */
export function columns(s: Decimated, x: (t: number) => number, y: (v: number) => number, spans = false): string {
  let d = '';
  for (let k = 0; k < s.used; k++) {
    if (s.count[k] === 0) continue;
    const px = r1(x(s.time(k) + s.width / 2));
    const y0 = y(s.min[k]!);
    const y1 = y(s.max[k]!);
    if (Math.abs(y0 - y1) < 1) d += `M${px},${r1(y0)}h1`;
    else if (spans && Math.abs(y0 - y1) > 4 && s.sum[k]! < 0.5 * (s.max[k]! - s.min[k]!)) d += `M${px},${r1(y0)}v-2M${px},${r1(y1)}v2`;
    else d += `M${px},${r1(y0)}V${r1(y1)}`;
  }
  return d;
}

/** A legend in its own column right of the plot area: one row per [name, colour]. */
function legend(f: Frame, rows: Array<[string, string]>): void {
  rows.forEach(([n, colour], i) => {
    f.svg.open('g', { class: 'legend', transform: `translate(${IW + 16},${4 + i * 18})` });
    f.svg.el('rect', { width: 12, height: 10, fill: colour });
    f.svg.el('text', { x: 18, y: 10 }, n);
    f.svg.close('g');
  });
}

const subflowRows = (c: Connection, n: number): Array<[string, string]> => Array.from({ length: n }, (_, i) => [subflowName(c, i), COLOURS[i % COLOURS.length]!]);

/** Events as labelled vertical marks (the ones of this direction, or connection-wide). */
function events(f: Frame, list: readonly EventRow[], pick: (e: EventRow) => boolean): void {
  // Labels run down from the top; one too close to an earlier one takes the next free level.
  const lastX = [-Infinity, -Infinity];
  for (const e of list) {
    if (!pick(e)) continue;
    const x = f.x(e.time);
    if (x < 0 || x > IW) continue;
    // Which side sent it, and on which subflow: "data_fin from server (0)".
    const from = e.side === undefined ? '' : ` from ${e.side}`;
    const label = e.event === 'handover' ? `handover → ${e.subflow}` : `${e.event}${from}${e.subflow >= 0 ? ` (${e.subflow})` : ''}`;
    f.svg.open('g', { class: 'event' });
    f.svg.el('line', { x1: r1(x), x2: r1(x), y1: 0, y2: IH });
    // Every level crowded here: the line alone, rather than overprinted text.
    const level = lastX.findIndex((l) => x - l >= 14);
    if (level >= 0) {
      f.svg.el('text', { transform: `translate(${r1(x + 3)},${4 + level * 220}) rotate(90)` }, label);
      lastX[level] = x;
    }
    f.svg.close('g');
  }
}

const SHOWN_EVENTS = new Set(['join', 'join_failed', 'fallback', 'handover', 'mp_prio', 'mp_fail', 'mp_fastclose', 'mp_tcprst', 'subflow_rst', 'subflow_fin', 'add_addr', 'remove_addr', 'infinite_mapping', 'checksum_failure', 'data_fin']);

/** What a DSN plot draws: a whole direction (PlotDir) or a handover close up (Zoom). */
interface DsnSeries {
  readonly dsn: Decimated[];
  readonly acks: Decimated;
  readonly reinjections: number[];
  readonly reinjectionsLeftOut: number;
  readonly holes: HoleRow[];
  readonly holesLeftOut: number;
}

/** `keptFrom`: a close up whose data starts later than its span (the recent data did not reach back so far). */
function dsnPlot(c: Connection, p: PlotConn, v: DsnSeries, eventList: readonly EventRow[], span: Span, time: TimeBase, title: string, keptFrom?: number): string {
  const whole = span.from === p.t0;
  // A close up's y axis spans its own DSNs; the whole direction's starts at 0.
  const yMax = Math.max(...v.dsn.map((s) => maxOf(s)), maxOf(v.acks));
  const yMin = whole ? 0 : Math.min(...v.dsn.map((s) => minOf(s)), minOf(v.acks));
  const f = frame(title, p, span, time, Number.isFinite(yMin) ? yMin : 0, yMax, 'relative DSN (bytes)', si);
  const clampX = (x: number): number => Math.min(IW, Math.max(0, x));
  const clampY = (y: number): number => Math.min(IH, Math.max(0, y));
  // Holes first (underneath): from opening to closing (or the end), over the missing range.
  for (const h of v.holes) {
    const x0 = clampX(f.x(h.openedTime));
    const x1 = clampX(f.x(Number.isNaN(h.closedTime) ? span.to : h.closedTime));
    const y0 = clampY(f.y(h.dsnEnd));
    const y1 = clampY(f.y(h.dsnStart));
    if (x1 <= x0 && (x0 === 0 || x0 === IW)) continue;
    if (y1 <= y0 && (y0 === 0 || y0 === IH)) continue;
    f.svg.el('rect', { class: 'hole', x: r1(x0), y: r1(y0), width: r1(Math.max(1, x1 - x0)), height: r1(Math.max(1, y1 - y0)) });
  }
  // Data ACKs (under the data): the highest per column, as a step line.
  const acks: Array<[number, number]> = [];
  for (let k = 0; k < v.acks.used; k++) if (v.acks.count[k]! > 0) acks.push([f.x(v.acks.time(k) + v.acks.width / 2), f.y(v.acks.max[k]!)]);
  if (acks.length > 0) {
    const line = d3line().curve(curveStepAfter);
    f.svg.el('path', { class: 'ack', d: (line(acks) ?? '').replace(/(\d+\.\d)\d+/g, '$1') });
  }
  v.dsn.forEach((s, i) => {
    const d = columns(s, f.x, f.y, true);
    if (d) f.svg.el('path', { fill: 'none', stroke: COLOURS[i % COLOURS.length]!, 'stroke-width': 1.5, d });
  });
  let marks = '';
  for (let i = 0; i < v.reinjections.length; i += 2) {
    const x = f.x(v.reinjections[i]!);
    const y = f.y(v.reinjections[i + 1]!);
    marks += `M${r1(x - 3)},${r1(y - 3)}l6,6M${r1(x - 3)},${r1(y + 3)}l6,-6`;
  }
  if (marks) f.svg.el('path', { class: 'reinj', d: marks });
  events(f, eventList, (e) => SHOWN_EVENTS.has(e.event));
  legend(f, [...subflowRows(c, v.dsn.length), ['data ACK (dashed)', '#999'], ['reinjection (x)', '#d62728'], ['hole', '#f4c7c7']]);
  return note(f, [
    keptFrom !== undefined && `data before ${r3(keptFrom - p.t0)} s no longer kept when the handover was recognised`,
    v.reinjectionsLeftOut && `${v.reinjectionsLeftOut} reinjections not marked`,
    v.holesLeftOut && `${v.holesLeftOut} holes not shaded`,
    whole && p.eventsLeftOut && `${p.eventsLeftOut} events not marked`,
  ]);
}

/** Throughput columns: at most this many across the plot (finer ones only draw the packets' rhythm). */
const RATE_COLUMNS = 240;

function goodputPlot(c: Connection, p: PlotConn, pd: PlotDir, dir: number, t1: number, time: TimeBase): string {
  const used = Math.max(...pd.fresh.map((s) => s.used));
  const group = Math.max(1, Math.ceil(used / RATE_COLUMNS));
  const width = pd.fresh[0]!.width;
  // Per subflow, then all subflows together: bits/s of new data, over columns of `group` buckets.
  const rates = (sums: (k: number) => number): Array<[number, number]> => {
    const pts: Array<[number, number]> = [];
    for (let k = 0; k < used; k += group) {
      let sum = 0;
      for (let j = k; j < k + group && j < used; j++) sum += sums(j);
      pts.push([pd.fresh[0]!.time(k) + (group * width) / 2, (sum * 8) / (group * width)]);
    }
    return pts;
  };
  const series = pd.fresh.map((s) => rates((j) => s.sum[j]!));
  const total = rates((j) => pd.fresh.reduce((a, s) => a + s.sum[j]!, 0));
  const yMax = Math.max(0, ...total.map((q) => q[1]));
  const bin = group * width;
  const binText = bin >= 1 ? `${r3(bin)} s` : `${r3(bin * 1000)} ms`;
  const f = frame(`connection ${c.id} ${DIR_NAMES[dir]}: goodput per subflow (data new to the connection)`, p, { from: p.t0, to: t1 }, time, 0, yMax, `goodput (bit/s, ${binText} bins)`, si);
  const line = d3line();
  const path = (pts: Array<[number, number]>): string => (line(pts.map(([t, v]): [number, number] => [f.x(t), f.y(v)])) ?? '').replace(/(\d+\.\d)\d+/g, '$1');
  if (series.length > 1) f.svg.el('path', { class: 'total', d: path(total) });
  series.forEach((pts, i) => {
    f.svg.el('path', { fill: 'none', stroke: COLOURS[i % COLOURS.length]!, 'stroke-width': 1.5, d: path(pts) });
  });
  events(f, p.events, (e) => e.event === 'handover' || e.event === 'join' || e.event === 'subflow_rst' || e.event === 'mp_prio');
  legend(f, [...subflowRows(c, pd.fresh.length), ...(series.length > 1 ? ([['all subflows', '#bbb']] as Array<[string, string]>) : [])]);
  return done(f);
}

function ofoPlot(c: Connection, p: PlotConn, pd: PlotDir, dir: number, t1: number, time: TimeBase): string {
  const f = frame(`connection ${c.id} ${DIR_NAMES[dir]}: bytes held out of order at the capture point`, p, { from: p.t0, to: t1 }, time, 0, maxOf(pd.ofo), 'out of order (bytes)', si);
  const d = columns(pd.ofo, f.x, f.y);
  if (d) f.svg.el('path', { fill: 'none', stroke: '#4e79a7', 'stroke-width': 1.5, d });
  events(f, p.events, (e) => e.event === 'handover' || e.event === 'subflow_rst');
  return done(f);
}

function timelinePlot(c: Connection, p: PlotConn, t1: number, time: TimeBase): string {
  // A row per subflow, the first MAX_TIMELINE_ROWS of them.
  const n = Math.min(c.subflows.length, MAX_TIMELINE_ROWS);
  const rowH = 28;
  const height = M.top + M.bottom + Math.max(1, n) * rowH;
  const svg = new Svg(W, height, STYLE);
  svg.el('text', { class: 'title', x: M.left, y: 20 }, `connection ${c.id}: subflows (lifetime grey, data in colour, backup hatched), handovers`);
  svg.el('text', { x: M.left, y: 38 }, `time 0 = ${time.format(p.t0)} (seconds since the epoch)`);
  svg.raw('<defs><pattern id="backup" width="6" height="6" patternUnits="userSpaceOnUse"><path d="M0,6L6,0" stroke="#999"></path></pattern></defs>');
  svg.open('g', { transform: `translate(${M.left},${M.top})` });
  const t0 = Math.min(p.t0, ...c.subflows.map((s) => s.start));
  const tw = W - M.left - 16 - 160;
  const xs = scaleLinear().domain([t0 - p.t0, t1 - p.t0]).range([0, tw]);
  const x = (t: number): number => xs(t - p.t0);
  const ih = n * rowH;
  axisBottom(svg, xs, 10, ih);
  svg.el('text', { x: tw / 2, y: ih + 40, 'text-anchor': 'middle' }, 'time (s)');
  c.subflows.slice(0, n).forEach((s, i) => {
    const y = i * rowH;
    svg.el('text', { x: -6, y: y + 18, 'text-anchor': 'end' }, `subflow ${i}`);
    const start = x(s.start);
    const end = x(s.end);
    svg.el('rect', { x: r1(start), y: y + 8, width: r1(Math.max(1, end - start)), height: 12, fill: '#ddd' });
    if (s.backup) svg.el('rect', { x: r1(start), y: y + 8, width: r1(Math.max(1, end - start)), height: 12, fill: 'url(#backup)' });
    // Active periods: columns where the subflow carried data, either direction.
    let d = '';
    for (const pd of p.dirs) {
      const b = i < MAX_PLOTTED_SUBFLOWS ? pd?.fresh[i] : undefined;
      if (!b) continue;
      for (let k = 0; k < b.used; k++) if (b.count[k]! > 0) d += `M${r1(x(b.time(k)))},${y + 14}h${r1(Math.max(1, x(b.time(k) + b.width) - x(b.time(k))))}`;
    }
    if (d) svg.el('path', { d, stroke: COLOURS[i % COLOURS.length]!, 'stroke-width': 12 });
    // How it ended, in the column right of the time axis (never over the data).
    const label = [s.kind, s.failed ? `failed: ${s.failed}` : '', s.close].filter(Boolean).join(', ');
    svg.el('text', { x: tw + 8, y: y + 18 }, label);
  });
  for (const h of p.handovers) {
    const hx = x(h.time);
    svg.open('g', { class: 'event' });
    svg.el('line', { x1: r1(hx), x2: r1(hx), y1: 0, y2: ih });
    svg.el('text', { x: r1(hx + 3), y: ih - 4 }, `handover ${DIR_NAMES[h.dir]} ${h.fromSubflow}→${h.toSubflow}`);
    svg.close('g');
  }
  if (c.subflows.length > n) svg.el('text', { x: 0, y: ih + 44 }, `${c.subflows.length - n} more subflows not shown (subflows.csv has them)`);
  svg.close('g');
  return svg.toString();
}

function subflowName(c: Connection, i: number): string {
  if (i >= MAX_PLOTTED_SUBFLOWS) return `subflows ${i} to ${c.subflows.length - 1}`;
  const s = c.subflows[i];
  return s === undefined ? `subflow ${i}` : `subflow ${i} (${s.kind}${s.backup ? ', backup' : ''})`;
}

function minOf(s: Decimated): number {
  let m = Infinity;
  for (let k = 0; k < s.used; k++) if (s.count[k]! > 0 && s.min[k]! < m) m = s.min[k]!;
  return m;
}

function maxOf(s: Decimated): number {
  let m = 0;
  for (let k = 0; k < s.used; k++) if (s.count[k]! > 0 && s.max[k]! > m) m = s.max[k]!;
  return m;
}

function note(f: Frame, lines: Array<string | number | false>): string {
  const text = lines.filter((l): l is string => typeof l === 'string' && l !== '');
  if (text.length > 0) f.svg.el('text', { x: 0, y: IH + 48 }, text.join('; '));
  return done(f);
}

/** Closes the plot area and the document. */
function done(f: Frame): string {
  f.svg.close('g');
  return f.svg.toString();
}
