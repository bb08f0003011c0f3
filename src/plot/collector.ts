import type { ConnectionRecord } from '../analyze/record.js';
import { EVENTS, HANDOVERS, HOLES, type EventRow, type HandoverRow, type HoleRow, type Table } from '../analyze/model.js';
import { RTT, type RttRow } from '../analyze/detect/rtt.js';
import { FLIGHT, type FlightRow } from '../analyze/detect/flight.js';
import { TimeWindow, type Selection } from '../report/time.js';
import { Decimated } from './decimate.js';
import { Recent, Zoom, zoomSpan } from './zoom.js';

/** Connections plotted by default: the first 16 by connection number (--plots N|all). */
export const MAX_PLOTTED_CONNECTIONS = 16;
/** Rows of the timeline (subflows beyond are only in subflows.csv). */
export const MAX_TIMELINE_ROWS = 32;
/** Buckets of a subflow's activity series (the timeline's bars). */
const ACTIVITY_BUCKETS = 512;
/** Marks kept per connection: reinjections per direction, holes per direction, events. */
const MAX_REINJECTIONS = 500;
const MAX_HOLES = 300;
const MAX_EVENTS = 60;
/** Subflows drawn each in its own colour; the data of later ones is drawn together, as one more series. */
export const MAX_PLOTTED_SUBFLOWS = 8;
/** Handovers drawn close up per connection. */
export const MAX_ZOOMS = 4;
/** Latest events remembered per connection, for a zoom that starts before its handover is known. */
const LATEST_EVENTS = 16;
const LATEST_HOLES = 64;
/**
 * Segments of one subflow that continue each other's DSNs within this
 * time (s) are drawn as one span, at the first one's time, and the bytes
 * held out of order as one level: a bulk transfer's bursts cost one
 * bucket update, not one per segment. A tenth
 * of a millisecond is under a seventh of the finest bucket drawn (a
 * close up's: 0.75 s over 1024 buckets).
 */
const RUN_TIME = 1e-4;
/** Run slots per direction: one per subflow drawn in its own colour, and one for the rest. */
const RUN_SLOTS = MAX_PLOTTED_SUBFLOWS + 1;

/** What the plots of one direction of one connection draw, decimated. */
export class PlotDir {
  /** Per subflow: DSNs carried (min/max per bucket) and, in `fresh`, bytes new to the connection (sum per bucket: goodput). */
  readonly dsn: Decimated[] = [];
  /** Data ACKs for this direction's data, and the bytes held out of order. */
  readonly acks = new Decimated();
  readonly ofo = new Decimated();
  /** Reinjections as (time, dsn) pairs, and how many were left out. */
  readonly reinjections: number[] = [];
  reinjectionsLeftOut = 0;
  readonly holes: HoleRow[] = [];
  holesLeftOut = 0;
  /** The latest holes closed (the first MAX_HOLES are in `holes`), for a zoom made after they closed. */
  readonly latestHoles: HoleRow[] = [];
  /** With several subflows: the latest segments and data ACKs, and the zooms still filling. */
  recent: Recent | null = null;
  readonly filling: Zoom[] = [];
  /** When the first of the filling zooms ends (Infinity: none filling). */
  until = Infinity;
  /** The data ACK in force (drawn last; the analysis reports only changes), and when it was last seen (told at the connection's end; NaN before). */
  ack = NaN;
  ackSeen = NaN;
  /**
   * Per run slot (subflow): the run of contiguous segments not yet drawn,
   * from time runT (NaN: none) over DSNs [runLo, runHi), runFresh of them
   * new to the connection.
   */
  readonly runT = new Float64Array(RUN_SLOTS).fill(NaN);
  readonly runLo = new Float64Array(RUN_SLOTS);
  readonly runHi = new Float64Array(RUN_SLOTS).fill(NaN);
  readonly runFresh = new Float64Array(RUN_SLOTS);
  /** Out-of-order bytes since ofoT (NaN: none) not yet drawn: their least, most and latest (a level line needs no more). */
  ofoT = NaN;
  ofoMin = 0;
  ofoMax = 0;
  ofoLast = 0;

  /**
   * Round-trip samples of this direction's data and its bytes in flight:
   * per subflow (the first MAX_PLOTTED_SUBFLOWS, then the rest together),
   * then the MPTCP level in the last slot; made with their first value.
   */
  readonly rtt: Array<Decimated | undefined> = [];
  readonly flight: Array<Decimated | undefined> = [];
  /** With two captures compared (`compare`): one-way delays per subflow, and packets lost between the captures as (time, dsn) pairs. */
  readonly owd: Array<Decimated | undefined> = [];
  readonly losses: number[] = [];
  lossesLeftOut = 0;

  constructor(readonly t0: number) {
    this.acks.start(t0);
    this.ofo.start(t0);
  }

  /** Makes the series of subflow `sub` exist. */
  fit(sub: number): void {
    while (this.dsn.length <= sub) {
      const d = new Decimated();
      d.start(this.t0);
      this.dsn.push(d);
    }
  }
}

/** Which connections get plots (--conn, and at most `limit`: default MAX_PLOTTED_CONNECTIONS, Infinity for all), over what time (--since, --until). */
export interface PlotChoice extends Selection {
  limit?: number;
}

/**
 * Numbers kept as runs of consecutive ones: the connections left without
 * plots are every one past the first 16, a number each for a million
 * short connections (8 MB) where a run or two hold them.
 */
export class NumberRuns {
  /** Start and end (exclusive) of each run, in the order added. */
  private readonly runs: number[] = [];

  push(n: number): void {
    const r = this.runs;
    if (r.length > 0 && r[r.length - 1] === n) r[r.length - 1] = n + 1;
    else r.push(n, n + 1);
  }

  /** Every number, ascending. */
  sorted(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.runs.length; i += 2) for (let n = this.runs[i]!; n < this.runs[i + 1]!; n++) out.push(n);
    return out.sort((a, b) => a - b);
  }
}

/** One connection's plot data, from its first data on. */
export class PlotConn {
  readonly dirs: [PlotDir | null, PlotDir | null] = [null, null];
  readonly events: EventRow[] = [];
  eventsLeftOut = 0;
  readonly handovers: HandoverRow[] = [];
  readonly zooms: Zoom[] = [];
  readonly latestEvents: EventRow[] = [];
  /**
   * Per subflow from MAX_PLOTTED_SUBFLOWS to MAX_TIMELINE_ROWS, when it
   * carried data in either direction: the timeline's bars (the first
   * subflows' come from their own series, which cost nothing more).
   */
  readonly activity: Array<Decimated | undefined> = [];
  /** Has data and a plotting slot. */
  plotted = false;
  /** Has (or had) more than one subflow: handovers are possible, directions remember recent data. */
  multi = false;

  constructor(
    readonly id: number,
    readonly t0: number,
  ) {}

  /** Direction d's plot data, made on first use (with a recent ring once multi: `dirs[d] ?? dir(d)` is the same, faster). */
  dir(d: number): PlotDir {
    const pd = (this.dirs[d] ??= new PlotDir(this.t0));
    if (this.multi) pd.recent ??= new Recent();
    return pd;
  }

  /** Subflow `sub` carried data at time t. */
  active(sub: number, t: number): void {
    if (sub >= MAX_TIMELINE_ROWS) return;
    let a = this.activity[sub];
    if (a === undefined) {
      a = this.activity[sub] = new Decimated(ACTIVITY_BUCKETS);
      a.start(this.t0);
    }
    a.add(t, 1);
  }

  /** A second subflow: from now on, directions remember their latest data for zooms. */
  becomeMulti(): void {
    this.multi = true;
    for (const pd of this.dirs) if (pd !== null) pd.recent ??= new Recent();
  }
}

/**
 * The plots' tap on the analysis: it keeps decimated series for the
 * connections chosen for plots (the first MAX_PLOTTED_CONNECTIONS by
 * number unless told otherwise) while they are in flight, and hands each
 * one over in `finished` when it ends, for the writer to render between
 * chunks and drop. Memory is fixed per plotted connection in flight.
 */
export class PlotCollector {
  private readonly conns = new Map<number, PlotConn>();
  private started = 0;
  /** Connections with data left without plots by the limit (--plots), by number. */
  readonly notPlotted = new NumberRuns();
  /** Connections still open that were refused a plotting slot (eligible() stays false for them). */
  private readonly refused = new Set<number>();
  private readonly limit: number;
  private readonly chosen: readonly number[] | null;
  private readonly window: TimeWindow;

  /** `base.first`: the capture's first packet's time, once read (the window counts from it). */
  constructor(choice: PlotChoice = {}, base: { readonly first: number } = { first: 0 }) {
    this.limit = choice.limit ?? MAX_PLOTTED_CONNECTIONS;
    this.chosen = choice.conns === undefined ? null : [...choice.conns].sort((a, b) => a - b);
    this.window = new TimeWindow(choice, base);
  }

  /**
   * Whether connection `id` may have plots: the first `limit` by number,
   * of the ones asked for (--conn) or of all. With a time window the
   * connections before it may carry no data in it: the first `limit`
   * with data in the window then take the slots, in the order they get
   * data.
   */
  private eligible(id: number): boolean {
    if (this.chosen !== null) {
      const k = this.chosen.indexOf(id);
      return k >= 0 && k < this.limit;
    }
    if (this.window.bounded) return this.started < this.limit;
    return id < this.limit;
  }

  /** Finished connections with data, in the order they finished, until the writer takes them. */
  readonly finished: Array<{ c: ConnectionRecord; p: PlotConn }> = [];

  /** The last connection looked up: packets come in runs of one connection's. */
  private lastId = -1;
  private last: PlotConn | undefined;
  /**
   * The last plotted connection a segment went to, and its directions,
   * when no time window is set (-1: none): the taps' fast paths, kept
   * small so that they are compiled early and inlined.
   */
  private hotId = -1;
  private hotDirs: PlotConn['dirs'] = [null, null];

  private find(id: number): PlotConn | undefined {
    if (id !== this.lastId) {
      this.last = this.conns.get(id);
      this.lastId = id;
    }
    return this.last;
  }

  /** The connection's plot data (events come before data: it is made on first sight, and takes a slot with its first data). */
  private conn(id: number, t: number): PlotConn {
    let p = this.find(id);
    if (p === undefined) {
      p = new PlotConn(id, t);
      this.conns.set(id, p);
      this.last = p;
    }
    return p;
  }

  segment(conn: number, dir: number, subflow: number, t: number, dsnStart: number, dsnEnd: number, fresh: number, reinjection: boolean): void {
    // Most segments continue their subflow's run (a subflow from MAX_PLOTTED_SUBFLOWS + 1 on has no slot: the read is undefined).
    const d = conn === this.hotId ? this.hotDirs[dir] : null;
    if (d != null && !reinjection && extendRun(d, subflow, t, dsnStart, dsnEnd, fresh)) return;
    this.newSegment(conn, dir, subflow, t, dsnStart, dsnEnd, fresh, reinjection);
  }

  private newSegment(conn: number, dir: number, subflow: number, t: number, dsnStart: number, dsnEnd: number, fresh: number, reinjection: boolean): void {
    if (this.window.bounded && !this.window.has(t)) return;
    if (this.refused.has(conn)) return;
    const p = this.conn(conn, t);
    if (!p.plotted) {
      if (!this.eligible(conn)) {
        // Refused for good (eligibility never comes back): a number in a set, not a PlotConn, until it finishes.
        this.refused.add(conn);
        this.conns.delete(conn);
        this.lastId = -1;
        // Left out by the limit, not by the choice (--conn): those are in no output at all.
        if (this.chosen === null || this.chosen.includes(conn)) this.notPlotted.push(conn);
        return;
      }
      this.started++;
      p.plotted = true;
    }
    if (!this.window.bounded) {
      this.hotId = conn;
      this.hotDirs = p.dirs;
    }
    if (subflow >= MAX_PLOTTED_SUBFLOWS) p.active(subflow, t);
    if (subflow > 0 && !p.multi) p.becomeMulti();
    const d = p.dirs[dir] ?? p.dir(dir);
    if (t >= d.until) retire(d, t);
    const k = subflow < MAX_PLOTTED_SUBFLOWS ? subflow : MAX_PLOTTED_SUBFLOWS;
    if (!reinjection && extendRun(d, k, t, dsnStart, dsnEnd, fresh)) return;
    if (k >= d.dsn.length) d.fit(k);
    if (!Number.isNaN(d.runT[k]!)) endRun(d, k);
    if (reinjection) {
      draw(d, k, t, dsnStart, dsnEnd, fresh, true);
      return;
    }
    d.runT[k] = t;
    d.runLo[k] = dsnStart;
    d.runHi[k] = dsnEnd;
    d.runFresh[k] = fresh;
  }

  /** Direction `dir` of connection `conn` if it is plotted and t is in the window, else null. */
  private plottedDir(conn: number, dir: number, t: number): PlotDir | null {
    const p = this.find(conn);
    if (!p?.plotted || (this.window.bounded && !this.window.has(t))) return null;
    return p.dirs[dir] ?? p.dir(dir);
  }

  dataAck(conn: number, dir: number, t: number, ack: number): void {
    const d = (conn === this.hotId ? this.hotDirs[dir] : null) ?? this.plottedDir(conn, dir, t);
    if (d === null) return;
    if (ack === d.ack) {
      // The last data ACK again, at the connection's end: where its line ends.
      d.ackSeen = t;
      return;
    }
    // The zooms this ACK ends take the runs begun before it, and the ACK in force before it.
    if (t >= d.until) retire(d, t);
    d.ack = ack;
    d.acks.add(t, ack);
    if (d.recent !== null) d.recent.ack(t, ack);
    for (const z of d.filling) z.ack(t, ack);
  }

  ofo(conn: number, dir: number, t: number, bytes: number): void {
    const d = (conn === this.hotId ? this.hotDirs[dir] : null) ?? this.plottedDir(conn, dir, t);
    if (d === null) return;
    if (t - d.ofoT < RUN_TIME) {
      if (bytes < d.ofoMin) d.ofoMin = bytes;
      else if (bytes > d.ofoMax) d.ofoMax = bytes;
      d.ofoLast = bytes;
      return;
    }
    endLevels(d);
    d.ofoT = t;
    d.ofoMin = d.ofoMax = d.ofoLast = bytes;
  }

  /** The table rows plots draw: events, holes, handovers, RTT samples, flight size. */
  row<R>(table: Table<R>, r: R): void {
    const t = table as Table<unknown>;
    if (t === EVENTS) this.event(r as EventRow);
    else if (t === HOLES) this.hole(r as HoleRow);
    else if (t === HANDOVERS) this.handover(r as HandoverRow);
    else if (t === RTT) this.rtt(r as RttRow);
    else if (t === FLIGHT) this.flight(r as FlightRow);
  }

  rtt(r: RttRow): void {
    const d = this.plottedDir(r.conn, r.dir, r.time);
    if (d !== null) series(d.rtt, r.level === 'mptcp' ? -1 : r.subflow, d.t0).add(r.time, r.rtt);
  }

  /** A packet of this capture's connection `conn` that the other capture compared saw `owd` seconds later. */
  owd(conn: number, dir: number, subflow: number, t: number, owd: number): void {
    const d = this.anyDir(conn, dir, t);
    if (d !== null) series(d.owd, subflow, d.t0).add(t, owd);
  }

  /** A data packet of this capture's connection `conn`, at DSN `dsn`, that never reached the other capture compared. */
  lost(conn: number, dir: number, t: number, dsn: number): void {
    const d = this.anyDir(conn, dir, t);
    if (d === null) return;
    if (d.losses.length < 2 * MAX_REINJECTIONS) d.losses.push(t, dsn);
    else d.lossesLeftOut++;
  }

  /** Direction `dir` of connection `conn` if plotted, finished or not (a comparison's facts come seconds after a connection may have ended). */
  private anyDir(conn: number, dir: number, t: number): PlotDir | null {
    const live = this.plottedDir(conn, dir, t);
    if (live !== null) return live;
    for (let i = this.finished.length - 1; i >= 0; i--) {
      const f = this.finished[i]!;
      if (f.c.id === conn) return f.p.dirs[dir] ?? f.p.dir(dir);
    }
    return null;
  }

  flight(r: FlightRow): void {
    const d = this.plottedDir(r.conn, r.dir, r.time);
    if (d !== null) series(d.flight, r.subflow, d.t0).addLevels(r.time, r.min, r.max, r.bytes);
  }

  event(e: EventRow): void {
    if (!this.window.has(e.time)) return;
    // A connection that cannot have plots: keep nothing for it.
    if (this.conns.get(e.conn)?.plotted !== true && !this.eligible(e.conn)) return;
    const p = this.conn(e.conn, e.time);
    if (e.event === 'join' && !p.multi) p.becomeMulti();
    if (p.events.length < MAX_EVENTS) p.events.push(e);
    else p.eventsLeftOut++;
    if (!p.multi) return;
    p.latestEvents.push(e);
    if (p.latestEvents.length > LATEST_EVENTS) p.latestEvents.shift();
    for (const z of p.zooms) z.event(e);
  }

  hole(h: HoleRow): void {
    const p = this.conns.get(h.conn);
    if (!p?.plotted || !this.window.overlaps(h.openedTime, h.closedTime)) return;
    const d = p.dir(h.dir);
    if (d.holes.length < MAX_HOLES) d.holes.push(h);
    else {
      d.holesLeftOut++;
      d.latestHoles.push(h);
      if (d.latestHoles.length > LATEST_HOLES) d.latestHoles.shift();
    }
    for (const z of p.zooms) if (z.handover.dir === h.dir) z.hole(h);
  }

  handover(h: HandoverRow): void {
    const p = this.conns.get(h.conn);
    if (!p?.plotted || !this.window.has(h.time)) return;
    p.handovers.push(h);
    if (p.zooms.length >= MAX_ZOOMS) return;
    const span = zoomSpan(h.time, h.stall);
    const z = new Zoom(h, p.handovers.length - 1, span.from, span.to);
    const d = p.dir(h.dir);
    endRuns(d);
    d.recent?.replay(z.from, z);
    for (const hole of d.holes) z.hole(hole);
    for (const hole of d.latestHoles) z.hole(hole);
    // The handover's own event row follows this call: the zoom takes it, and the earlier ones from here.
    for (const e of p.latestEvents) z.event(e);
    p.zooms.push(z);
    d.filling.push(z);
    if (z.to < d.until) d.until = z.to;
  }

  connection(c: ConnectionRecord): void {
    const p = this.conns.get(c.id);
    if (p === undefined) {
      this.refused.delete(c.id);
      return;
    }
    this.conns.delete(c.id);
    if (this.lastId === c.id) this.lastId = -1;
    if (this.hotId === c.id) this.hotId = -1;
    if (!p.plotted) return;
    for (const d of p.dirs) {
      if (d === null) continue;
      // The ACK line ends where the last data ACK was seen; told outside the window, at the window's end.
      const end = Number.isNaN(d.ackSeen) ? this.window.clamp(c.end) : d.ackSeen;
      endLevels(d);
      retire(d, Infinity, end);
      if (!Number.isNaN(d.ack)) d.acks.add(end, d.ack);
    }
    this.finished.push({ c, p });
  }
}

/** The series of subflow `sub` (-1: the MPTCP level, in the last slot) among a direction's per-subflow series, made on first use. */
function series(list: Array<Decimated | undefined>, sub: number, t0: number): Decimated {
  const k = sub < 0 ? RUN_SLOTS : Math.min(sub, MAX_PLOTTED_SUBFLOWS);
  let s = list[k];
  if (s === undefined) {
    s = list[k] = new Decimated();
    s.start(t0);
  }
  return s;
}

/** Draws a segment, or a run of them, of run slot (subflow) k from time t: the subflow's series, reinjection marks, the recent ring and the zooms. */
function draw(d: PlotDir, k: number, t: number, lo: number, hi: number, fresh: number, reinjection: boolean): void {
  d.dsn[k]!.addSpan(t, lo, hi, fresh);
  if (reinjection) {
    if (d.reinjections.length < 2 * MAX_REINJECTIONS) d.reinjections.push(t, lo);
    else d.reinjectionsLeftOut++;
  }
  if (d.recent !== null) d.recent.segment(t, lo, hi, k, reinjection);
  for (const z of d.filling) z.segment(t, lo, hi, k, reinjection);
}

/** Extends the run of slot k with the segment [lo, hi) at t when it continues it in time and DSN. */
function extendRun(d: PlotDir, k: number, t: number, lo: number, hi: number, fresh: number): boolean {
  if (lo !== d.runHi[k] || !(t - d.runT[k]! < RUN_TIME)) return false;
  d.runHi[k] = hi;
  d.runFresh[k]! += fresh;
  return true;
}

/** Draws the out-of-order levels not yet drawn. */
function endLevels(d: PlotDir): void {
  if (!Number.isNaN(d.ofoT)) d.ofo.addLevels(d.ofoT, d.ofoMin, d.ofoMax, d.ofoLast);
}

/** Draws the run of slot k and forgets it. */
function endRun(d: PlotDir, k: number): void {
  draw(d, k, d.runT[k]!, d.runLo[k]!, d.runHi[k]!, d.runFresh[k]!, false);
  d.runT[k] = NaN;
  d.runHi[k] = NaN;
}

function endRuns(d: PlotDir): void {
  for (let k = 0; k < RUN_SLOTS; k++) if (!Number.isNaN(d.runT[k]!)) endRun(d, k);
}

/**
 * Ends the zooms time has run past at t (all of them at a connection's
 * end), after drawing the runs begun before it; each ends with the data
 * ACK in force drawn up to `tail` or its right edge.
 */
function retire(d: PlotDir, t: number, tail = t): void {
  endRuns(d);
  let until = Infinity;
  for (let i = d.filling.length - 1; i >= 0; i--) {
    const z = d.filling[i]!;
    if (t < z.to) {
      if (z.to < until) until = z.to;
      continue;
    }
    if (!Number.isNaN(d.ack)) z.ackUntil(tail, d.ack);
    d.filling.splice(i, 1);
  }
  d.until = until;
}
