import { scaleLinear, type ScaleLinear } from 'd3-scale';
import { curveStepAfter, line as d3line } from 'd3-shape';
import type { ConnectionRecord as Connection, SubflowRecord } from '../analyze/record.js';
import { DIR_NAMES, type EventRow, type HandoverRow, type HoleRow } from '../analyze/model.js';
import type { TimeBase } from '../report/time.js';
import type { Decimated } from './decimate.js';
import { MAX_PLOTTED_SUBFLOWS, MAX_TIMELINE_ROWS, type PlotConn, type PlotDir } from './collector.js';
import { ACK_COLOUR, fit, HOLE_COLOUR, marker, markerFill, plotWidth, REINJECTION_COLOUR, STYLES, subflowColour, textWidth, type PlotStyle } from './style.js';
import { axisBottom, axisLeft, Svg } from './svg.js';

/**
 * The plots of one connection (ANALYSIS.md "Plots"), as SVG strings:
 * d3 scales and line generators, written as SVG text (svg.ts: no DOM),
 * the data drawn as a few compact paths per series (one vertical stroke
 * per pixel column at most), never one element per packet. The legend
 * sits below the plot area, never over the data; every subflow has a
 * colour and a marker shape, so that grey print tells them apart.
 */

/** Width of the plot area at the default (screen) style; tests read positions off the axes. */
export const PLOT_WIDTH = plotWidth(STYLES.screen);

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

export interface RenderOptions {
  style: PlotStyle;
  /** Time 0 of the axes: the connection's first data (default), or the capture's first packet (plots of several connections line up). */
  timeBase: 'connection' | 'capture';
  time: TimeBase;
  /** A subflow's capture interface as a label ('' when the capture has one unnamed interface). */
  iface: (index: number) => string;
  /** The time window asked for (--since/--until), as analysis times; the whole-direction plots span it. */
  since?: number;
  until?: number;
}

/** Every plot of a finished connection; `skipped` collects the directions with too little data to plot. */
export function renderConnection(c: Connection, p: PlotConn, o: RenderOptions, skipped: SkippedDirection[] = []): PlotFile[] {
  const out: PlotFile[] = [];
  const from = o.since !== undefined ? Math.min(o.since, p.t0) : p.t0;
  const to = o.until ?? Math.max(c.end, p.t0 + 1e-3);
  const whole: Span = { from, to: Math.max(to, from + 1e-3) };
  const origin = o.timeBase === 'capture' ? o.time.first : p.t0;
  const ctx: Ctx = { c, p, o, s: o.style, origin };
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
    out.push({ name: `${name}-dsn.svg`, svg: dsnPlot(ctx, pd, p.events, whole, title) });
    out.push({ name: `${name}-goodput.svg`, svg: goodputPlot(ctx, pd, d, whole) });
    // Nothing ever held out of order: an empty plot says less than its absence (summary.json has max_ofo_bytes 0).
    if (maxOf(pd.ofo) > 0) out.push({ name: `${name}-ofo.svg`, svg: ofoPlot(ctx, pd, d, whole) });
    if (pd.rtt.some((x) => x !== undefined)) out.push({ name: `${name}-rtt.svg`, svg: rttPlot(ctx, pd, d, whole) });
    if (pd.flight.some((x) => x !== undefined)) out.push({ name: `${name}-flight.svg`, svg: flightPlot(ctx, pd, d, whole) });
  }
  for (const z of p.zooms) {
    const h = z.handover;
    const title = `connection ${c.id} ${DIR_NAMES[h.dir]}: handover ${z.number}, subflow ${h.fromSubflow} → ${h.toSubflow}, close up`;
    const events = [...z.events].sort((a, b) => a.time - b.time);
    out.push({ name: `conn-${c.id}-${DIR_NAMES[h.dir]}-handover-${z.number}.svg`, svg: dsnPlot(ctx, z, events, { from: z.from, to: z.to }, title, z.keptFrom > z.from ? z.keptFrom : undefined, h) });
  }
  out.push({ name: `conn-${c.id}-timeline.svg`, svg: timelinePlot(ctx, whole) });
  return out;
}

/**
 * The plots `compare` draws for direction `dir` of a connection, from the
 * capture nearer the data's sender (`p`, `c` are that capture's): its DSN
 * plot with the packets lost before the other capture marked, and the
 * one-way delay per subflow. `name` is the files' stem, `who` names the
 * connection, direction and captures in the titles.
 */
export function renderCompared(c: Connection, p: PlotConn, o: RenderOptions, dir: 0 | 1, name: string, who: string): PlotFile[] {
  const pd = p.dirs[dir];
  if (pd === null || pd.dsn.length === 0) return [];
  const from = p.t0;
  const whole: Span = { from, to: Math.max(c.end, from + 1e-3) };
  const ctx: Ctx = { c, p, o, s: o.style, origin: o.timeBase === 'capture' ? o.time.first : p.t0 };
  align(pd);
  const out: PlotFile[] = [{ name: `${name}-dsn.svg`, svg: dsnPlot(ctx, pd, p.events, whole, `${who}: data sequence per subflow, packets lost on the way (red)`) }];
  if (pd.owd.some((x) => x !== undefined)) out.push({ name: `${name}-owd.svg`, svg: owdPlot(ctx, pd, whole, who) });
  return out;
}

/** One-way delay between the two captures per subflow: one stroke per column from the least to the most delay in it. */
function owdPlot(ctx: Ctx, pd: PlotDir, span: Span, who: string): string {
  return subflowSeriesPlot(ctx, pd.owd, span, `${who}: one-way delay per subflow`, 'one-way delay (ms)', ms, '', columns);
}

/** What every plot of a connection shares. */
interface Ctx {
  c: Connection;
  p: PlotConn;
  o: RenderOptions;
  s: PlotStyle;
  /** Time 0 of the axes. */
  origin: number;
}

/** Gives every series of a direction the widest bucket width, so that they share columns. */
function align(pd: PlotDir): void {
  const all = [...pd.dsn, pd.acks, pd.ofo];
  const w = Math.max(...all.map((s) => s.width));
  for (const s of all) s.widenTo(w);
}

/** The times a plot spans (analysis times). */
interface Span {
  from: number;
  to: number;
}

/** A legend entry: a series (line and its subflow's marker), a dashed line, a cross, a shaded area. */
interface LegendItem {
  label: string;
  /** A shorter label, when the long one does not fit on a line (a paper's column). */
  short?: string;
  kind: 'series' | 'dash' | 'cross' | 'area' | 'band' | 'line';
  colour: string;
  /** The series' marker (subflow number), for 'series'. */
  index?: number;
}

/** Legend items laid out left to right in rows below the plot. */
function legendRows(s: PlotStyle, items: readonly LegendItem[]): Array<Array<{ item: LegendItem; x: number }>> {
  const rows: Array<Array<{ item: LegendItem; x: number }>> = [];
  const width = s.width - s.margin.left - 8;
  const swatch = s.font * 2;
  let row: Array<{ item: LegendItem; x: number }> = [];
  let x = 0;
  for (const item of items) {
    const room = width - swatch - 4;
    const label = fit(textWidth(item.label, s.font) > room && item.short !== undefined ? item.short : item.label, room, s.font);
    const w = swatch + 4 + textWidth(label, s.font) + s.font;
    if (x > 0 && x + w > width) {
      rows.push(row);
      row = [];
      x = 0;
    }
    row.push({ item: { ...item, label }, x });
    x += w;
  }
  if (row.length > 0) rows.push(row);
  return rows;
}

interface Frame {
  svg: Svg;
  s: PlotStyle;
  /** Plot area size. */
  w: number;
  h: number;
  x: (t: number) => number;
  y: (v: number) => number;
}

/**
 * An SVG with a title (screen style), a time axis over `span` (seconds
 * since ctx.origin), a y axis from yMin to yMax, a strip above the plot
 * when `strip`, and the legend below; left open in the plot area, whose
 * drawing is clipped to it.
 */
function frame(ctx: Ctx, title: string, span: Span, yMin: number, yMax: number, yLabel: string, yFormat: (v: number) => string, legend: readonly LegendItem[], strip = false, notes: readonly string[] = []): Frame {
  const s = ctx.s;
  const w = plotWidth(s);
  const h = s.plotHeight;
  const top = s.margin.top + (strip ? s.strip + s.font / 2 : 0);
  const rows = legendRows(s, legend);
  const legendY = top + h + s.margin.bottom;
  const notesY = legendY + rows.length * s.row;
  const height = Math.ceil(notesY + notes.length * s.row + (rows.length + notes.length > 0 ? s.font / 2 : 0));
  const svg = plotDocument(ctx, height, title);
  drawLegend(svg, s, rows, legendY);
  notes.forEach((t, i) => svg.el('text', { class: 'note', x: s.margin.left, y: notesY + i * s.row + s.row / 2, dy: '0.35em' }, fit(t, s.width - s.margin.left - 8, s.font)));
  svg.open('g', { class: 'plot', transform: `translate(${s.margin.left},${top})` });
  svg.raw(`<clipPath id="area"><rect width="${w}" height="${h}"></rect></clipPath>`);
  const xs = scaleLinear().domain([span.from - ctx.origin, span.to - ctx.origin]).range([0, w]);
  const ys = scaleLinear().domain([yMin, yMax > yMin ? yMax : yMin + 1]).nice().range([h, 0]);
  const tick = s.font / 2;
  axisLeft(svg, ys, h > 200 ? 8 : 5, yFormat, w);
  timeAxis(svg, ctx, xs, w, h);
  axisLeft(svg, ys, h > 200 ? 8 : 5, yFormat, undefined, tick);
  svg.el('text', { transform: `translate(${-s.margin.left + s.font},${h / 2}) rotate(-90)`, 'text-anchor': 'middle' }, yLabel);
  return { svg, s, w, h, x: (t) => xs(t - ctx.origin), y: (v) => ys(v) };
}

/** A document of the style's width: white ground, and on screen the title and what time 0 is. */
function plotDocument(ctx: Ctx, height: number, title: string): Svg {
  const s = ctx.s;
  const svg = new Svg(s.width, height, { unit: s.unit, font: s.font });
  svg.el('rect', { width: s.width, height, fill: '#ffffff' });
  if (s.title) {
    svg.el('text', { x: s.margin.left, y: s.font + 8, 'font-weight': 'bold', 'font-size': s.font + 3 }, title);
    svg.el('text', { x: s.margin.left, y: 2 * s.font + 14 }, timeZero(ctx));
  }
  return svg;
}

/** The time axis along the bottom of a plot area w × h, and its label. */
function timeAxis(svg: Svg, ctx: Ctx, xs: ScaleLinear<number, number>, w: number, h: number): void {
  const tick = ctx.s.font / 2;
  axisBottom(svg, xs, w > 400 ? 10 : 5, h, undefined, tick);
  svg.el('text', { x: w / 2, y: h + tick + 2.4 * ctx.s.font + 4, 'text-anchor': 'middle' }, timeAxisLabel(ctx));
}

/** Text drawn over lines and data: a white outline keeps it readable. */
const HALO = { stroke: '#ffffff', 'stroke-width': 3, 'paint-order': 'stroke', 'stroke-linejoin': 'round' } as const;

function timeZero(ctx: Ctx): string {
  const what = ctx.o.timeBase === 'capture' ? "the capture's first packet" : "the connection's first data";
  return `time 0 = ${what}, ${ctx.o.time.format(ctx.origin)} (seconds since the epoch)`;
}

function timeAxisLabel(ctx: Ctx): string {
  if (ctx.s.title) return 'time (s)';
  // No title on paper: the axis says what time 0 is.
  return ctx.o.timeBase === 'capture' ? 'time since the capture began (s)' : "time since the connection's first data (s)";
}

function drawLegend(svg: Svg, s: PlotStyle, rows: ReturnType<typeof legendRows>, y0: number): void {
  if (rows.length === 0) return;
  const sw = s.font * 2;
  svg.open('g', { class: 'legend', transform: `translate(${s.margin.left},${y0})`, 'data-height': rows.length * s.row });
  rows.forEach((row, r) => {
    const y = r * s.row + s.row / 2;
    for (const { item, x } of row) {
      const c = item.colour;
      if (item.kind === 'series' || item.kind === 'line') {
        svg.el('path', { class: item.index === undefined ? 'key' : `key s${item.index}`, d: `M${x},${y}h${sw}`, stroke: c, 'stroke-width': item.kind === 'line' ? s.line * 2 : s.line, fill: 'none' });
        if (item.index !== undefined && item.index < MAX_PLOTTED_SUBFLOWS) svg.el('path', { d: marker(item.index, x + sw / 2, y, s.marker), fill: markerFill(item.index, c), stroke: c, 'stroke-width': 1 });
      } else if (item.kind === 'dash') svg.el('path', { d: `M${x},${y}h${sw}`, stroke: c, 'stroke-width': 1, 'stroke-dasharray': '4 2', fill: 'none' });
      else if (item.kind === 'cross') svg.el('path', { d: cross(x + sw / 2, y, s.marker), stroke: c, 'stroke-width': 1.2, fill: 'none' });
      else svg.el('rect', { x, y: y - s.font / 2, width: sw, height: s.font, fill: c, 'fill-opacity': item.kind === 'area' ? 0.3 : 0.12, stroke: item.kind === 'area' ? c : 'none', 'stroke-width': 0.5 });
      svg.el('text', { x: x + sw + 4, y, dy: '0.35em' }, item.label);
    }
  });
  svg.close('g');
}

const r1 = (v: number): string => (Math.round(v * 10) / 10).toString();
const r3 = (v: number): string => (Math.round(v * 1000) / 1000).toString();
/** Bytes and rates with SI prefixes: 1.5M, 250k. */
const si = (v: number): string => (Math.abs(v) >= 1000 ? `${Number((v / 1000 ** Math.floor(Math.log10(Math.abs(v)) / 3)).toPrecision(3))}${' kMGTPE'[Math.floor(Math.log10(Math.abs(v)) / 3)]}` : String(v));
const cross = (x: number, y: number, s: number): string => `M${r1(x - s)},${r1(y - s)}l${r1(2 * s)},${r1(2 * s)}M${r1(x - s)},${r1(y + s)}l${r1(2 * s)},${r1(-2 * s)}`;

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
    if (s.count(k) === 0) continue;
    const px = r1(x(s.time(k) + s.width / 2));
    const y0 = y(s.min(k));
    const y1 = y(s.max(k));
    if (Math.abs(y0 - y1) < 1) d += `M${px},${r1(y0)}h1`;
    else if (spans && Math.abs(y0 - y1) > 4 && s.sum(k) < 0.5 * (s.max(k) - s.min(k))) d += `M${px},${r1(y0)}v-2M${px},${r1(y1)}v2`;
    else d += `M${px},${r1(y0)}V${r1(y1)}`;
  }
  return d;
}

/**
 * A level held between samples (bytes out of order): a step line through
 * each bucket's last value, with the bucket's min..max as a vertical
 * stroke, so a quiet stretch stays drawn at its level.
 */
export function levels(s: Decimated, x: (t: number) => number, y: (v: number) => number): string {
  let d = '';
  for (let k = 0; k < s.used; k++) {
    if (s.count(k) === 0) continue;
    const px = r1(x(s.time(k) + s.width / 2));
    d += d === '' ? `M${px},${r1(y(s.min(k)))}` : `H${px}V${r1(y(s.min(k)))}`;
    d += `V${r1(y(s.max(k)))}V${r1(y(s.last(k)))}`;
  }
  return d;
}

/**
 * A series' marker shape every `step` pixels along it (phased by subflow,
 * so that markers of series drawn on top of each other do not coincide).
 */
function markersAlong(points: Iterable<[number, number]>, i: number, n: number, f: Frame): string {
  const step = Math.max(40, f.w / 5);
  let next = ((i % 8) * step) / Math.min(8, Math.max(1, n)) + f.s.marker;
  let d = '';
  for (const [x, y] of points) {
    if (x < next || x < 0 || x > f.w || y < 0 || y > f.h) continue;
    d += marker(i, x, y, f.s.marker);
    next = x + step;
  }
  return d;
}

function* columnTops(s: Decimated, f: Frame): Generator<[number, number]> {
  for (let k = 0; k < s.used; k++) if (s.count(k) > 0) yield [f.x(s.time(k) + s.width / 2), f.y(s.max(k))];
}

/** A subflow's series: its path, then its markers. */
function series(f: Frame, i: number, n: number, d: string, points: Iterable<[number, number]>): void {
  if (!d) return;
  const colour = subflowColour(i);
  f.svg.el('path', { class: `series s${i}`, fill: 'none', stroke: colour, 'stroke-width': f.s.line, d });
  if (i < MAX_PLOTTED_SUBFLOWS) {
    const m = markersAlong(points, i, n, f);
    if (m) f.svg.el('path', { class: `markers s${i}`, d: m, fill: markerFill(i, colour), stroke: colour, 'stroke-width': 1 });
  }
}

/** How a subflow is named in legends: number, kind, addresses and ports, interface. */
export function subflowLabel(c: Connection, i: number, o: RenderOptions): string {
  if (i >= MAX_PLOTTED_SUBFLOWS) {
    const last = c.subflows.length - 1;
    return last === i ? `subflow ${i}` : `subflows ${i} to ${last} (together)`;
  }
  const s = c.subflows[i];
  if (s === undefined) return `subflow ${i}`;
  const iface = o.iface(s.iface);
  return `subflow ${i} (${s.kind}${s.backup ? ', backup' : ''}) ${endpoints(s)}${iface ? ` on ${iface}` : ''}`;
}

const hostPort = (addr: string, port: number): string => (addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`);
const endpoints = (s: SubflowRecord): string => `${hostPort(s.clientAddr, s.clientPort)} ↔ ${hostPort(s.serverAddr, s.serverPort)}`;

/** Legend entries of the subflows whose series carry something. */
const subflowItems = (ctx: Ctx, series: readonly Decimated[]): LegendItem[] =>
  series.flatMap((d, i) => {
    if (!carries(d)) return [];
    const label = subflowLabel(ctx.c, i, ctx.o);
    // Without the endpoints: "subflow 1 (join, backup)".
    const short = label.replace(/\) .*$/, ')');
    return [{ label, short, kind: 'series', colour: subflowColour(i), index: i } as const];
  });

function carries(s: Decimated): boolean {
  for (let k = 0; k < s.used; k++) if (s.count(k) > 0) return true;
  return false;
}

/** Events as labelled vertical marks; marks closer than a label's height are one mark, labelled for all of them. */
function events(f: Frame, list: readonly EventRow[], pick: (e: EventRow) => boolean): void {
  const clusters: Array<{ x: number; rows: EventRow[] }> = [];
  const gap = f.s.font + 2;
  for (const e of list) {
    if (!pick(e)) continue;
    const x = f.x(e.time);
    if (x < 0 || x > f.w) continue;
    const last = clusters.at(-1);
    if (last !== undefined && x - last.x < gap) last.rows.push(e);
    else clusters.push({ x, rows: [e] });
  }
  for (const { x, rows } of clusters) {
    f.svg.open('g', { class: 'event' });
    f.svg.el('line', { x1: r1(x), x2: r1(x), y1: 0, y2: f.h, stroke: '#999999', 'stroke-dasharray': '3 3' });
    // Right of the line, or left of it at the right edge.
    const tx = x + 2 + f.s.font > f.w + f.s.margin.right ? x - 2 - f.s.font : x + 2;
    f.svg.el('text', { transform: `translate(${r1(tx)},${3}) rotate(90)`, fill: '#444444', ...HALO }, fit(clusterLabel(rows), f.h - 6, f.s.font));
    f.svg.close('g');
  }
}

/** "data_fin from server (0)"; several of one kind: "join from client (1, 2, 3)"; of several kinds: the first, "+ 2 more". */
function eventLabel(e: EventRow): string {
  if (e.event === 'handover') return `handover → ${e.subflow}`;
  return `${e.event}${e.side === undefined ? '' : ` from ${e.side}`}${e.subflow >= 0 ? ` (${e.subflow})` : ''}`;
}

function clusterLabel(rows: readonly EventRow[]): string {
  if (rows.length === 1) return eventLabel(rows[0]!);
  const first = rows[0]!;
  if (first.event !== 'handover' && rows.every((e) => e.event === first.event && e.side === first.side)) {
    const subs = [...new Set(rows.map((e) => e.subflow).filter((s) => s >= 0))];
    return `${first.event}${first.side === undefined ? '' : ` from ${first.side}`} ×${rows.length}${subs.length > 0 ? ` (${subs.join(', ')})` : ''}`;
  }
  return `${eventLabel(first)} + ${rows.length - 1} more`;
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
  /** Set by `compare`: data lost before the other capture, as (time, dsn) pairs. */
  readonly losses?: number[];
  readonly lossesLeftOut?: number;
}

/** Packets lost between two captures (compare): Paul Tol's vibrant red, apart from the subflows' muted colours. */
const LOSS_COLOUR = '#cc3311';

/** `keptFrom`: a close up whose data starts later than its span (the recent data did not reach back so far); `handover`: a close up's, whose stall is shaded. */
function dsnPlot(ctx: Ctx, v: DsnSeries, eventList: readonly EventRow[], span: Span, title: string, keptFrom?: number, handover?: HandoverRow): string {
  const whole = handover === undefined;
  // A close up's y axis spans its own DSNs; the whole direction's starts at 0.
  const yMax = Math.max(...v.dsn.map((s) => maxOf(s)), maxOf(v.acks));
  const yMin = whole ? 0 : Math.min(...v.dsn.map((s) => minOf(s)), minOf(v.acks));
  const carrying = v.dsn.filter(carries).length;
  const legend: LegendItem[] = [
    ...subflowItems(ctx, v.dsn),
    { label: 'data ACK', kind: 'dash', colour: ACK_COLOUR },
    ...(v.reinjections.length > 0 ? [{ label: 'reinjection', kind: 'cross', colour: REINJECTION_COLOUR } as const] : []),
    ...(v.losses !== undefined && v.losses.length > 0 ? [{ label: 'lost before the other capture', short: 'lost', kind: 'cross', colour: LOSS_COLOUR } as const] : []),
    ...(v.holes.length > 0 ? [{ label: 'hole (missing DSNs, until filled)', kind: 'area', colour: HOLE_COLOUR } as const] : []),
    ...(handover && handover.stall > 0 ? [{ label: `stall ${r3(handover.stall)} s`, kind: 'band', colour: '#000000' } as const] : []),
  ];
  const notes = [
    keptFrom !== undefined && `data before ${r3(keptFrom - ctx.origin)} s no longer kept when the handover was recognised`,
    v.reinjectionsLeftOut > 0 && `${v.reinjectionsLeftOut} reinjections not marked (reinjections.csv has them)`,
    v.holesLeftOut > 0 && `${v.holesLeftOut} holes not shaded (holes.csv has them)`,
    (v.lossesLeftOut ?? 0) > 0 && `${v.lossesLeftOut} losses not marked (lost.csv has them)`,
    whole && ctx.p.eventsLeftOut > 0 && `${ctx.p.eventsLeftOut} events not marked (events.csv has them)`,
  ].filter((t): t is string => typeof t === 'string');
  const f = frame(ctx, title, span, Number.isFinite(yMin) ? yMin : 0, yMax, 'relative DSN (bytes)', si, legend, carrying > 1, notes);
  if (carrying > 1) shareStrip(f, v.dsn);
  f.svg.open('g', { 'clip-path': 'url(#area)' });
  if (handover !== undefined && handover.stall > 0) {
    const x0 = f.x(handover.stallFrom);
    f.svg.el('rect', { class: 'stall', x: r1(x0), y: 0, width: r1(Math.max(1, f.x(handover.stallFrom + handover.stall) - x0)), height: f.h, fill: '#000000', 'fill-opacity': 0.12 });
  }
  // Holes first (underneath): from opening to closing (or the end), over the missing range.
  const clampX = (x: number): number => Math.min(f.w, Math.max(0, x));
  const clampY = (y: number): number => Math.min(f.h, Math.max(0, y));
  for (const h of v.holes) {
    const x0 = clampX(f.x(h.openedTime));
    const x1 = clampX(f.x(Number.isNaN(h.closedTime) ? span.to : h.closedTime));
    const y0 = clampY(f.y(h.dsnEnd));
    const y1 = clampY(f.y(h.dsnStart));
    if (x1 <= x0 && (x0 === 0 || x0 === f.w)) continue;
    if (y1 <= y0 && (y0 === 0 || y0 === f.h)) continue;
    f.svg.el('rect', { class: 'hole', x: r1(x0), y: r1(y0), width: r1(Math.max(1, x1 - x0)), height: r1(Math.max(1, y1 - y0)), fill: HOLE_COLOUR, 'fill-opacity': 0.3, stroke: HOLE_COLOUR, 'stroke-width': 0.5 });
  }
  // Data ACKs (under the data): the highest per column, as a step line.
  const acks: Array<[number, number]> = [];
  for (let k = 0; k < v.acks.used; k++) if (v.acks.count(k) > 0) acks.push([f.x(v.acks.time(k) + v.acks.width / 2), f.y(v.acks.max(k))]);
  if (acks.length > 0) f.svg.el('path', { class: 'ack', d: pathOf(d3line().curve(curveStepAfter)(acks)), fill: 'none', stroke: ACK_COLOUR, 'stroke-width': 1, 'stroke-dasharray': '4 2' });
  // The subflow that carried the least on top, so that a minority stays visible.
  const order = v.dsn.map((s, i) => [i, total(s)] as const).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  for (const [i] of order) series(f, i, v.dsn.length, columns(v.dsn[i]!, f.x, f.y, true), columnTops(v.dsn[i]!, f));
  let marks = '';
  for (let i = 0; i < v.reinjections.length; i += 2) marks += cross(f.x(v.reinjections[i]!), f.y(v.reinjections[i + 1]!), f.s.marker);
  if (marks) f.svg.el('path', { class: 'reinj', d: marks, fill: 'none', stroke: REINJECTION_COLOUR, 'stroke-width': 1.2 });
  let lost = '';
  const losses = v.losses ?? [];
  for (let i = 0; i < losses.length; i += 2) lost += cross(f.x(losses[i]!), f.y(losses[i + 1]!), f.s.marker);
  if (lost) f.svg.el('path', { class: 'lost', d: lost, fill: 'none', stroke: LOSS_COLOUR, 'stroke-width': 1.2 });
  f.svg.close('g');
  events(f, eventList, (e) => SHOWN_EVENTS.has(e.event));
  return done(f);
}

/**
 * Above the plot: per column, each subflow's share of the DSN bytes
 * carried, stacked. Interleaved subflows (round robin) draw one DSN line
 * where only the last colour shows; the strip shows them all.
 */
function shareStrip(f: Frame, dsn: readonly Decimated[]): void {
  const used = Math.max(...dsn.map((s) => s.used));
  const width = dsn[0]!.width;
  const t0 = dsn[0]!.t0;
  const group = Math.max(1, Math.ceil(used / (f.w / 2)));
  const hgt = f.s.strip;
  const y0 = -hgt - f.s.font / 2;
  const paths = dsn.map(() => '');
  for (let k = 0; k < used; k += group) {
    const sums = dsn.map((s) => {
      let v = 0;
      for (let j = k; j < k + group && j < s.used; j++) v += s.sum(j);
      return v;
    });
    const all = sums.reduce((a, b) => a + b, 0);
    if (all <= 0) continue;
    const xa = f.x(t0 + k * width);
    const xb = f.x(t0 + (k + group) * width);
    if (xb < 0 || xa > f.w) continue;
    let y = y0;
    sums.forEach((v, i) => {
      if (v <= 0) return;
      const hh = (v / all) * hgt;
      paths[i] += `M${r1(xa)},${r1(y)}h${r1(Math.max(0.5, xb - xa))}v${r1(hh)}h${r1(-Math.max(0.5, xb - xa))}z`;
      y += hh;
    });
  }
  f.svg.open('g', { class: 'share' });
  paths.forEach((d, i) => {
    if (d) f.svg.el('path', { d, fill: subflowColour(i) });
  });
  f.svg.el('text', { x: -4, y: y0 + hgt / 2, dy: '0.35em', 'text-anchor': 'end' }, 'share');
  f.svg.close('g');
}

const pathOf = (d: string | null): string => (d ?? '').replace(/(\d+\.\d)\d+/g, '$1');

/** Throughput columns: at most this many across the plot (finer ones only draw the packets' rhythm). */
const RATE_COLUMNS = 240;

function goodputPlot(ctx: Ctx, pd: PlotDir, dir: number, span: Span): string {
  const used = Math.max(...pd.dsn.map((s) => s.used));
  const group = Math.max(1, Math.ceil(used / RATE_COLUMNS));
  const width = pd.dsn[0]!.width;
  // Per subflow, then all subflows together: bits/s of new data, over columns of `group` buckets.
  const rates = (sums: (k: number) => number): Array<[number, number]> => {
    const pts: Array<[number, number]> = [];
    for (let k = 0; k < used; k += group) {
      let sum = 0;
      for (let j = k; j < k + group && j < used; j++) sum += sums(j);
      pts.push([pd.dsn[0]!.time(k) + (group * width) / 2, (sum * 8) / (group * width)]);
    }
    return pts;
  };
  const rows = pd.dsn.map((s) => rates((j) => s.fresh(j)));
  const all = rates((j) => pd.dsn.reduce((a, s) => a + s.fresh(j), 0));
  const yMax = Math.max(0, ...all.map((q) => q[1]));
  const bin = group * width;
  const binText = bin >= 1 ? `${r3(bin)} s` : `${r3(bin * 1000)} ms`;
  const legend: LegendItem[] = [...subflowItems(ctx, pd.dsn), ...(rows.length > 1 ? [{ label: 'all subflows', kind: 'line', colour: '#bbbbbb' } as const] : [])];
  const f = frame(ctx, `connection ${ctx.c.id} ${DIR_NAMES[dir]}: goodput per subflow (data new to the connection)`, span, 0, yMax, `goodput (bit/s, ${binText} bins)`, si, legend);
  const pts = (q: Array<[number, number]>): Array<[number, number]> => q.map(([t, v]) => [f.x(t), f.y(v)]);
  f.svg.open('g', { 'clip-path': 'url(#area)' });
  if (rows.length > 1) f.svg.el('path', { class: 'total', d: pathOf(d3line()(pts(all))), fill: 'none', stroke: '#bbbbbb', 'stroke-width': 3 * f.s.line });
  rows.forEach((q, i) => {
    if (carries(pd.dsn[i]!)) series(f, i, rows.length, pathOf(d3line()(pts(q))), pts(q));
  });
  f.svg.close('g');
  events(f, ctx.p.events, pathEvent);
  return done(f);
}

function ofoPlot(ctx: Ctx, pd: PlotDir, dir: number, span: Span): string {
  const f = frame(ctx, `connection ${ctx.c.id} ${DIR_NAMES[dir]}: bytes held out of order at the capture point`, span, 0, maxOf(pd.ofo), 'out of order (bytes)', si, []);
  f.svg.open('g', { 'clip-path': 'url(#area)' });
  const d = levels(pd.ofo, f.x, f.y);
  if (d) f.svg.el('path', { class: 'series', fill: 'none', stroke: '#332288', 'stroke-width': f.s.line, d });
  f.svg.close('g');
  events(f, ctx.p.events, (e) => e.event === 'handover' || e.event === 'subflow_rst');
  return done(f);
}

/** Events marked beside the per-subflow series (goodput, RTT, flight, delay): what changes the paths. */
const pathEvent = (e: EventRow): boolean => e.event === 'handover' || e.event === 'join' || e.event === 'subflow_rst' || e.event === 'mp_prio';

/** The MPTCP level's slot among a direction's rtt and flight series (after the subflows'). */
const MPTCP_SLOT = MAX_PLOTTED_SUBFLOWS + 1;
const MPTCP_COLOUR = '#bbbbbb';

/** The subflow series of a direction's rtt or flight list, the MPTCP level's slot left out (undefined where a subflow has none). */
const subflowSeries = (list: ReadonlyArray<Decimated | undefined>): Array<Decimated | undefined> => list.slice(0, MPTCP_SLOT);

/** Legend entries of per-subflow series that may have gaps, then the MPTCP level's line when it has one. */
function levelItems(ctx: Ctx, list: ReadonlyArray<Decimated | undefined>, mptcp: string): LegendItem[] {
  const items: LegendItem[] = [];
  subflowSeries(list).forEach((d, i) => {
    if (d === undefined || !carries(d)) return;
    const label = subflowLabel(ctx.c, i, ctx.o);
    items.push({ label, short: label.replace(/\) .*$/, ')'), kind: 'series', colour: subflowColour(i), index: i });
  });
  if (list[MPTCP_SLOT] !== undefined) items.push({ label: mptcp, kind: 'line', colour: MPTCP_COLOUR });
  return items;
}

const ms = (v: number): string => r3(v * 1000);

/**
 * Round-trip samples over time: per subflow (segment → the ACK that first
 * covers it) one stroke per pixel column from the least to the most
 * sample in it, and the MPTCP level (data → DATA_ACK) in grey beneath.
 * Near the data's receiver the samples are its ACK delay, and the title
 * says so.
 */
function rttPlot(ctx: Ctx, pd: PlotDir, dir: number, span: Span): string {
  const measures = ctx.c.dirs[dir]!.rttMeasures;
  const what = measures === 'ack-delay' ? "receiver's ACK delay per subflow (the capture is near the receiver)" : measures === 'partial' ? 'round-trip time per subflow (captured between the ends)' : 'round-trip time per subflow (segment → first ACK of it)';
  return subflowSeriesPlot(ctx, pd.rtt, span, `connection ${ctx.c.id} ${DIR_NAMES[dir]}: ${what}`, measures === 'ack-delay' ? 'ACK delay (ms)' : 'RTT (ms)', ms, 'MPTCP level (data → DATA_ACK)', columns);
}

/**
 * Bytes in flight over time (sent, not yet acknowledged, at the capture
 * point): per subflow as a level line, and the connection's (highest DSN
 * sent − data ACK) as a wide grey line beneath.
 */
function flightPlot(ctx: Ctx, pd: PlotDir, dir: number, span: Span): string {
  return subflowSeriesPlot(ctx, pd.flight, span, `connection ${ctx.c.id} ${DIR_NAMES[dir]}: bytes in flight per subflow and for the connection`, 'in flight (bytes)', si, 'MPTCP level (DSN sent − data ACK)', levels);
}

/**
 * A time series per subflow (RTT, flight size, one-way delay), each in its
 * colour and drawn by `draw` (strokes per column, or a level line), with
 * the MPTCP level's (slot MPTCP_SLOT, legend `mptcp`) in wide grey
 * beneath, and the path events marked.
 */
function subflowSeriesPlot(ctx: Ctx, list: ReadonlyArray<Decimated | undefined>, span: Span, title: string, yLabel: string, yFormat: (v: number) => string, mptcp: string, draw: (s: Decimated, x: (t: number) => number, y: (v: number) => number) => string): string {
  const yMax = Math.max(0, ...list.filter((x): x is Decimated => x !== undefined).map(maxOf));
  const f = frame(ctx, title, span, 0, yMax, yLabel, yFormat, levelItems(ctx, list, mptcp));
  f.svg.open('g', { 'clip-path': 'url(#area)' });
  const m = list[MPTCP_SLOT];
  if (m !== undefined) f.svg.el('path', { class: 'total', d: draw(m, f.x, f.y), fill: 'none', stroke: MPTCP_COLOUR, 'stroke-width': 3 * f.s.line });
  const subs = subflowSeries(list);
  subs.forEach((x, i) => {
    if (x !== undefined) series(f, i, subs.length, draw(x, f.x, f.y), columnTops(x, f));
  });
  f.svg.close('g');
  events(f, ctx.p.events, pathEvent);
  return done(f);
}

/**
 * A row per subflow (the first MAX_TIMELINE_ROWS): a line naming it,
 * then its lifetime (grey, hatched when a backup) with the time it
 * carried data in its colour; handovers as marks labelled in lanes above
 * the rows, never over each other.
 */
function timelinePlot(ctx: Ctx, span: Span): string {
  const { c, p, s } = ctx;
  const n = Math.min(c.subflows.length, MAX_TIMELINE_ROWS);
  const rowH = s.timelineRow;
  const w = plotWidth(s);
  const t0 = Math.min(span.from, ...c.subflows.slice(0, n).map((x) => x.start));
  const xs = scaleLinear().domain([t0 - ctx.origin, span.to - ctx.origin]).range([0, w]);
  const x = (t: number): number => xs(t - ctx.origin);
  // Handover labels in lanes: each takes the first lane where it clears the previous label.
  const lane = s.font + 4;
  const lanes: number[] = [];
  const placed: Array<{ x: number; lane: number; label: string }> = [];
  let unlabelled = 0;
  for (const h of p.handovers) {
    const hx = x(h.time);
    const label = `handover ${DIR_NAMES[h.dir]} ${h.fromSubflow}→${h.toSubflow}`;
    let k = lanes.findIndex((end) => hx > end + 4);
    if (k < 0 && lanes.length < 3) k = lanes.push(-Infinity) - 1;
    if (k < 0) {
      placed.push({ x: hx, lane: -1, label });
      unlabelled++;
      continue;
    }
    lanes[k] = hx + 2 + textWidth(label, s.font);
    placed.push({ x: hx, lane: k, label });
  }
  const top = s.margin.top + lanes.length * lane + (lanes.length > 0 ? 4 : 0);
  const ih = Math.max(1, n) * rowH;
  const notes = [c.subflows.length > n && `${c.subflows.length - n} more subflows not shown (subflows.csv has them)`, unlabelled > 0 && `${unlabelled} handovers not labelled (handovers.csv has them)`].filter((v): v is string => typeof v === 'string');
  const height = top + ih + s.margin.bottom + notes.length * s.row;
  const svg = plotDocument(ctx, height, `connection ${c.id}: subflows (lifetime grey, data in colour, backup hatched), handovers`);
  svg.raw('<defs><pattern id="backup" width="6" height="6" patternUnits="userSpaceOnUse"><path d="M0,6L6,0" stroke="#999999"></path></pattern></defs>');
  svg.open('g', { class: 'plot', transform: `translate(${s.margin.left},${top})` });
  timeAxis(svg, ctx, xs, w, ih);
  const bar = Math.round(rowH * 0.36);
  c.subflows.slice(0, n).forEach((sf, i) => {
    const y = i * rowH;
    // The row's name line: subflow, kind, endpoints, interface, how it ended.
    const iface = ctx.o.iface(sf.iface);
    const how = [sf.kind, sf.backup ? 'backup' : '', sf.failed ? `failed: ${sf.failed}` : '', `close ${sf.close}`].filter(Boolean).join(', ');
    const full = `subflow ${i}: ${endpoints(sf)}${iface ? ` on ${iface}` : ''} (${how})`;
    const text = textWidth(full, s.font) <= w ? full : `subflow ${i} (${how})`;
    svg.el('text', { class: 'row', x: 0, y: y + s.font, ...HALO }, fit(text, w, s.font));
    const by = y + s.font + 4;
    const start = x(sf.start);
    const end = x(sf.end);
    svg.el('rect', { x: r1(start), y: by, width: r1(Math.max(1, end - start)), height: bar, fill: '#dddddd' });
    if (sf.backup) svg.el('rect', { x: r1(start), y: by, width: r1(Math.max(1, end - start)), height: bar, fill: 'url(#backup)' });
    // Active periods: buckets where the subflow carried data, either direction.
    const own = i < MAX_PLOTTED_SUBFLOWS ? p.dirs.map((pd) => pd?.dsn[i]) : [p.activity[i]];
    let d = '';
    for (const b of own) {
      if (b !== undefined) for (let k = 0; k < b.used; k++) if (b.count(k) > 0) d += `M${r1(x(b.time(k)))},${by + bar / 2}h${r1(Math.max(1, x(b.time(k) + b.width) - x(b.time(k))))}`;
    }
    if (d) svg.el('path', { class: `series s${i}`, d, stroke: subflowColour(i), 'stroke-width': bar, fill: 'none' });
  });
  for (const { x: hx, lane: k, label } of placed) {
    svg.open('g', { class: 'event' });
    svg.el('line', { x1: r1(hx), x2: r1(hx), y1: k < 0 ? 0 : -(lanes.length - k) * lane, y2: ih, stroke: '#999999', 'stroke-dasharray': '3 3' });
    if (k >= 0) svg.el('text', { x: r1(hx + 2), y: -(lanes.length - k) * lane + s.font, fill: '#444444' }, label);
    svg.close('g');
  }
  notes.forEach((t, i) => svg.el('text', { x: 0, y: ih + s.margin.bottom + i * s.row }, t));
  svg.close('g');
  return svg.toString();
}

function total(s: Decimated): number {
  let v = 0;
  for (let k = 0; k < s.used; k++) v += s.sum(k);
  return v;
}

function minOf(s: Decimated): number {
  let m = Infinity;
  for (let k = 0; k < s.used; k++) if (s.count(k) > 0 && s.min(k) < m) m = s.min(k);
  return m;
}

function maxOf(s: Decimated): number {
  let m = 0;
  for (let k = 0; k < s.used; k++) if (s.count(k) > 0 && s.max(k) > m) m = s.max(k);
  return m;
}

/** Closes the plot area and the document. */
function done(f: Frame): string {
  f.svg.close('g');
  return f.svg.toString();
}
