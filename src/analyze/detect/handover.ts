import type { Connection, Subflow } from '../connection.js';
import { DIR_NAMES, type AnalysisSink } from '../model.js';

/**
 * Handover (ANALYSIS.md): the subflow carrying a direction's data
 * changes. Data bytes per subflow are counted in fixed windows; a window
 * with enough data has a carrier when one subflow carries a clear majority.
 * A handover is a new carrier that keeps the majority for `PERSIST`
 * windows running, after another one had it. Steady sharing (no clear
 * majority, or a majority that flips back at once) is no handover.
 */
export const WINDOW = 0.25;
/** Share of a window's bytes that makes a subflow its carrier. */
export const MAJORITY = 0.75;
/** Windows in a row the new carrier must hold the majority. */
export const PERSIST = 2;
/** A window counts only with this much data in it. */
export const MIN_WINDOW_BYTES = 4096;
/** How far back a visible trigger may precede the switch. */
const TRIGGER_LOOKBACK = 5;
/** An old carrier without data for this long before the switch went silent. */
const SILENCE = 0.1;
/** Windows of in-order-advance summaries remembered per direction, to measure the stall. */
const HISTORY = 16;
/** Subflows tracked per connection (beyond, a subflow's data is not counted for handovers). */
const MAX_SUBFLOWS = 64;
/** Marks (joins, MP_PRIO, subflow ends) remembered per connection. */
const MAX_MARKS = 64;

/** Per-subflow numbers, sized to the subflows seen (most connections have one or two). */
class PerSubflow {
  bytes: Float64Array = new Float64Array(2);
  firstFrame: Float64Array = new Float64Array(2);
  firstTime: Float64Array = new Float64Array(2);
  lastData: Float64Array = new Float64Array(2).fill(NaN);
  timeouts: Float64Array = new Float64Array(2);
  timeoutLast: Float64Array = new Float64Array(2).fill(-Infinity);

  /** Makes index k addressable; false beyond MAX_SUBFLOWS. */
  fit(k: number): boolean {
    if (k < this.bytes.length) return true;
    if (k >= MAX_SUBFLOWS) return false;
    const n = Math.min(MAX_SUBFLOWS, Math.max(k + 1, this.bytes.length * 2));
    const grow = (a: Float64Array, fill: number): Float64Array => {
      const b = new Float64Array(n).fill(fill);
      b.set(a);
      return b;
    };
    this.bytes = grow(this.bytes, 0);
    this.firstFrame = grow(this.firstFrame, 0);
    this.firstTime = grow(this.firstTime, 0);
    this.lastData = grow(this.lastData, NaN);
    this.timeouts = grow(this.timeouts, 0);
    this.timeoutLast = grow(this.timeoutLast, -Infinity);
    return true;
  }
}

class DirState {
  windowStart = NaN;
  readonly sub = new PerSubflow();
  total = 0;
  /** Current carrier (or -1), since when it carries, and the end of its last window. */
  carrier = -1;
  carrierSince = 0;
  carrierLast = 0;
  /** Candidate new carrier, how many windows it has held, and its first data. */
  candidate = -1;
  held = 0;
  candidateSince = 0;
  candidateFrame = 0;
  /** The old carrier's last data before the candidate's first. */
  fromLastData = NaN;
  /**
   * In-order advances summarised per window (a ring of HISTORY): the first and
   * last advance in the window and the longest gap between two inside it.
   */
  readonly advStart = new Float64Array(HISTORY).fill(NaN);
  readonly advFirst = new Float64Array(HISTORY).fill(NaN);
  readonly advLast = new Float64Array(HISTORY).fill(NaN);
  readonly advGap = new Float64Array(HISTORY);
  advSlot = -1;
}

interface Marks {
  joins: Array<{ t: number; sub: number }>;
  prio: Array<{ t: number; sub: number; backup: boolean }>;
  down: Array<{ t: number; sub: number; how: string }>;
}

export class HandoverDetector {
  private readonly state = new Map<Connection, [DirState, DirState]>();
  private readonly marks = new Map<Connection, Marks>();

  constructor(private readonly sink: AnalysisSink) {}

  private dirs(c: Connection): [DirState, DirState] {
    let s = this.state.get(c);
    if (s === undefined) {
      s = [new DirState(), new DirState()];
      this.state.set(c, s);
    }
    return s;
  }

  private mark(c: Connection, kind: keyof Marks): Marks {
    let m = this.marks.get(c);
    if (m === undefined) {
      m = { joins: [], prio: [], down: [] };
      this.marks.set(c, m);
    }
    if (m[kind].length >= MAX_MARKS) m[kind].shift();
    return m;
  }

  subflowJoined(c: Connection, sub: Subflow, t: number): void {
    this.mark(c, 'joins').joins.push({ t, sub: sub.index });
  }

  priority(c: Connection, sub: Subflow, backup: boolean, t: number): void {
    this.mark(c, 'prio').prio.push({ t, sub: sub.index, backup });
  }

  subflowDown(c: Connection, sub: Subflow, t: number, how: string): void {
    this.mark(c, 'down').down.push({ t, sub: sub.index, how });
  }

  /** A data retransmission after a silence of at least the minimum RTO on `sub`. */
  timeout(c: Connection, sub: Subflow, dir: number, t: number): void {
    const d = this.dirs(c)[dir]!;
    if (!d.sub.fit(sub.index)) return;
    d.sub.timeouts[sub.index]!++;
    d.sub.timeoutLast[sub.index] = t;
  }

  /** In-order data moved `next` forward at time t. */
  advanced(c: Connection, dir: number, t: number): void {
    const d = this.dirs(c)[dir]!;
    const k = d.advSlot;
    if (k < 0 || t >= d.advStart[k]! + WINDOW) {
      const n = (k + 1) % HISTORY;
      d.advSlot = n;
      d.advStart[n] = k < 0 ? t : d.advStart[k]! + Math.floor((t - d.advStart[k]!) / WINDOW) * WINDOW;
      d.advFirst[n] = t;
      d.advLast[n] = t;
      d.advGap[n] = 0;
      return;
    }
    const gap = t - d.advLast[k]!;
    if (gap > d.advGap[k]!) d.advGap[k] = gap;
    d.advLast[k] = t;
  }

  data(c: Connection, sub: Subflow, dir: number, bytes: number, t: number, frame: number): void {
    const d = this.dirs(c)[dir]!;
    const s = d.sub;
    if (!s.fit(sub.index)) return;
    if (Number.isNaN(d.windowStart)) d.windowStart = t;
    if (t >= d.windowStart + WINDOW) {
      this.closeWindow(c, dir, d);
      d.windowStart += Math.floor((t - d.windowStart) / WINDOW) * WINDOW;
    }
    if (s.bytes[sub.index] === 0) {
      s.firstFrame[sub.index] = frame;
      s.firstTime[sub.index] = t;
    }
    s.bytes[sub.index]! += bytes;
    d.total += bytes;
    s.lastData[sub.index] = t;
  }

  finish(c: Connection): void {
    const s = this.state.get(c);
    if (s !== undefined) for (let dir = 0; dir < 2; dir++) this.closeWindow(c, dir, s[dir]!);
    this.state.delete(c);
    this.marks.delete(c);
  }

  private closeWindow(c: Connection, dir: number, d: DirState): void {
    if (d.total < MIN_WINDOW_BYTES) {
      this.clear(d);
      return;
    }
    let top = -1;
    const s = d.sub;
    for (let k = 0; k < s.bytes.length; k++) if (s.bytes[k]! >= MAJORITY * d.total) top = k;
    const end = d.windowStart + WINDOW;
    if (top < 0 || top === d.carrier) {
      // No clear carrier, or the carrier holds: a pending switch is called off.
      if (top >= 0) d.carrierLast = end;
      d.candidate = -1;
      d.held = 0;
    } else if (d.carrier < 0) {
      d.carrier = top;
      d.carrierSince = s.firstTime[top]!;
      d.carrierLast = end;
    } else {
      if (d.candidate !== top) {
        d.candidate = top;
        d.held = 0;
        d.candidateSince = s.firstTime[top]!;
        d.candidateFrame = s.firstFrame[top]!;
        // The old carrier's data in this window, if any, came before the switch too.
        d.fromLastData = s.lastData[d.carrier]!;
      }
      d.held++;
      if (d.held >= PERSIST) {
        this.report(c, dir, d, d.carrier, top);
        d.carrier = top;
        d.carrierSince = d.candidateSince;
        d.carrierLast = end;
        d.candidate = -1;
        d.held = 0;
      }
    }
    this.clear(d);
  }

  private clear(d: DirState): void {
    d.sub.bytes.fill(0);
    d.total = 0;
  }

  private report(c: Connection, dir: number, d: DirState, from: number, to: number): void {
    const t = d.candidateSince;
    // The stall: the longest gap between in-order advances from the old carrier's last
    // window to the point the new one had held the majority.
    const lo = Math.min(d.carrierLast - WINDOW, t) - WINDOW;
    const hi = d.windowStart + WINDOW;
    let stall = 0;
    let prevLast = NaN;
    for (let i = 1; i <= HISTORY; i++) {
      const k = (d.advSlot + i) % HISTORY;
      const start = d.advStart[k]!;
      if (Number.isNaN(start) || start + WINDOW < lo || start > hi) continue;
      if (d.advGap[k]! > stall) stall = d.advGap[k]!;
      if (!Number.isNaN(prevLast) && d.advFirst[k]! - prevLast > stall) stall = d.advFirst[k]! - prevLast;
      prevLast = d.advLast[k]!;
    }
    c.handovers++;
    const trigger = this.trigger(c, dir, d, from, to, t);
    this.sink.handover({ conn: c.id, dir, time: t, frame: d.candidateFrame, fromSubflow: from, toSubflow: to, stall, trigger });
    this.sink.event({
      time: t,
      frame: d.candidateFrame,
      conn: c.id,
      subflow: to,
      event: 'handover',
      detail: `${DIR_NAMES[dir]} from subflow ${from} to subflow ${to}; stall ${stall.toFixed(3)} s; trigger: ${trigger || 'none visible'}`,
    });
  }

  /** What visibly led to the switch, most telling first (ANALYSIS.md "Handover"). */
  private trigger(c: Connection, dir: number, d: DirState, from: number, to: number, t: number): string {
    const m = this.marks.get(c);
    const since = Math.max(t - TRIGGER_LOOKBACK, Math.min(d.carrierSince, t - 2 * WINDOW));
    const until = t + WINDOW;
    const found: string[] = [];
    if (m !== undefined) {
      for (const x of m.down) if (x.sub === from && x.t >= since && x.t <= until) found.push(`${x.how} on subflow ${from}`);
      for (const x of m.prio) {
        if (x.t < since || x.t > until) continue;
        if (x.sub === from && x.backup) found.push(`MP_PRIO made subflow ${from} a backup`);
        if (x.sub === to && !x.backup) found.push(`MP_PRIO made subflow ${to} a regular subflow`);
      }
    }
    if (d.sub.timeouts[from]! > 0 && d.sub.timeoutLast[from]! >= since && d.sub.timeoutLast[from]! <= until) {
      found.push(`retransmission timeout on subflow ${from}`);
    }
    const quiet = t - d.fromLastData;
    if (!(quiet < SILENCE)) found.push(Number.isNaN(quiet) ? `no data on subflow ${from} after the switch` : `subflow ${from} silent for ${quiet.toFixed(3)} s before`);
    // A join counts when the new subflow appeared while the old one was carrying.
    if (m !== undefined) for (const x of m.joins) if (x.sub === to && x.t >= d.carrierSince && x.t <= t) found.push(`new join (subflow ${to})`);
    const sub = c.subflows[to];
    if (sub !== undefined && sub.prio[dir === 0 ? 1 : 0]) found.push(`subflow ${to} is a backup (${sub.kind === 'join' ? 'MP_JOIN' : 'MP_PRIO'})`);
    return [...new Set(found)].join('; ');
  }
}
