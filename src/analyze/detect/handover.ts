import { MAX_KEPT_HANDOVERS, type Connection, type Subflow } from '../connection.js';
import { DIR_NAMES, HANDOVERS, type AnalysisSink, type Dir, type HandoverRow } from '../model.js';
import { ConnectionSlot, type Detector, type EmitEvent, type SegmentFacts, type SubflowEvent } from './detector.js';
import { copyInto, doubles, type Doubles } from '../doubles.js';

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
const HISTORY = 8;
/** Subflows tracked per connection (beyond, a subflow's data is not counted for handovers). */
const MAX_SUBFLOWS = 64;
/** Marks (joins, MP_PRIO, subflow ends) remembered per connection. */
const MAX_MARKS = 64;

/** Per-subflow numbers in one array, sized to the subflows seen (most connections have one or two). */
const PS = 6;
const BYTES = 0;
const FIRST_FRAME = 1;
const FIRST_TIME = 2;
const LAST_DATA = 3;
const TIMEOUTS = 4;
const TIMEOUT_LAST = 5;

class PerSubflow {
  v: Doubles = PerSubflow.fresh(2, 0);

  private static fresh(n: number, from: number, old?: Doubles): Doubles {
    const a = doubles(n * PS);
    if (old) copyInto(a, 0, old, 0, old.length);
    for (let k = from; k < n; k++) {
      a[k * PS + LAST_DATA] = NaN;
      a[k * PS + TIMEOUT_LAST] = -Infinity;
    }
    return a;
  }

  get size(): number {
    return this.v.length / PS;
  }

  /** Makes index k addressable; false beyond MAX_SUBFLOWS. */
  fit(k: number): boolean {
    const n = this.size;
    if (k < n) return true;
    if (k >= MAX_SUBFLOWS) return false;
    this.v = PerSubflow.fresh(Math.min(MAX_SUBFLOWS, Math.max(k + 1, n * 2)), n, this.v);
    return true;
  }

  get(k: number, f: number): number {
    return this.v[k * PS + f]!;
  }

  set(k: number, f: number, x: number): void {
    this.v[k * PS + f] = x;
  }

  clearBytes(): void {
    for (let k = 0; k < this.size; k++) this.v[k * PS + BYTES] = 0;
  }
}

/** A window's summary of in-order advances: its start, first and last advance, longest gap inside. */
const HS = 5;
const H_START = 0;
const H_FIRST = 1;
const H_LAST = 2;
const H_GAP = 3;
/** When the window's longest gap began. */
const H_GAP_FROM = 4;

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
  /** In-order advances summarised per window, a ring of up to HISTORY (see HS): from one window, grown while it has not yet wrapped (most directions of short connections span one). */
  adv = doubles(HS, NaN);
  advSlot = -1;
}

interface Marks {
  joins: Array<{ t: number; sub: number }>;
  prio: Array<{ t: number; sub: number; backup: boolean }>;
  down: Array<{ t: number; sub: number; how: string }>;
}

/** A connection's handover state: per direction, and the marks that explain switches. */
class HandoverState {
  readonly dirs: [DirState | null, DirState | null] = [null, null];
  /** Made with the first mark (a connection's first join, priority change or subflow down). */
  marks: Marks | null = null;
}

/** This detector's per-connection state (one slot for every instance: see ConnectionSlot). */
const SLOT = new ConnectionSlot(() => new HandoverState());

export class HandoverDetector implements Detector {
  readonly name = 'handover';
  private readonly slot = SLOT;

  constructor(
    private readonly sink: AnalysisSink,
    private readonly emit: EmitEvent,
  ) {}

  /** The state of one direction of a connection, made on first use. */
  private dir(c: Connection, dir: number): DirState {
    const s = this.slot.of(c).dirs;
    return (s[dir] ??= new DirState());
  }

  private mark<K extends keyof Marks>(c: Connection, kind: K): Marks[K] {
    const st = this.slot.of(c);
    const list = (st.marks ??= { joins: [], prio: [], down: [] })[kind];
    if (list.length >= MAX_MARKS) list.shift();
    return list;
  }

  subflowEvent(c: Connection, sub: Subflow, e: SubflowEvent, t: number): void {
    switch (e.kind) {
      case 'joined':
        this.mark(c, 'joins').push({ t, sub: sub.index });
        break;
      case 'priority':
        this.mark(c, 'prio').push({ t, sub: sub.index, backup: e.backup });
        break;
      case 'down':
        this.mark(c, 'down').push({ t, sub: sub.index, how: e.how });
        break;
      case 'timeout':
        this.timeout(c, sub, e.dir, t);
        break;
      default: {
        const never: never = e;
        void never;
      }
    }
  }

  segment(s: SegmentFacts): void {
    if (s.advanced) this.advanced(s.conn, s.dir, s.t);
  }

  dataPacket(c: Connection, sub: Subflow, dir: Dir, bytes: number, t: number, frame: number): void {
    this.data(c, sub, dir, bytes, t, frame);
  }

  /** A data retransmission after a silence of at least the minimum RTO on `sub`. */
  private timeout(c: Connection, sub: Subflow, dir: number, t: number): void {
    const d = this.dir(c, dir);
    if (!d.sub.fit(sub.index)) return;
    d.sub.set(sub.index, TIMEOUTS, d.sub.get(sub.index, TIMEOUTS) + 1);
    d.sub.set(sub.index, TIMEOUT_LAST, t);
  }

  /** In-order data moved `next` forward at time t. */
  private advanced(c: Connection, dir: number, t: number): void {
    const d = this.dir(c, dir);
    let a = d.adv;
    const k = d.advSlot;
    if (k < 0 || t >= a[k * HS + H_START]! + WINDOW) {
      const size = a.length / HS;
      if (k + 1 === size && size < HISTORY) {
        // Not wrapped yet: windows 0..k in order, the new ones after them.
        const grown = doubles(Math.min(HISTORY, size * 2) * HS, NaN);
        copyInto(grown, 0, a, 0, a.length);
        a = d.adv = grown;
      }
      const n = (k + 1) % (a.length / HS);
      d.advSlot = n;
      a[n * HS + H_START] = k < 0 ? t : a[k * HS + H_START]! + Math.floor((t - a[k * HS + H_START]!) / WINDOW) * WINDOW;
      a[n * HS + H_FIRST] = t;
      a[n * HS + H_LAST] = t;
      a[n * HS + H_GAP] = 0;
      a[n * HS + H_GAP_FROM] = t;
      return;
    }
    const gap = t - a[k * HS + H_LAST]!;
    if (gap > a[k * HS + H_GAP]!) {
      a[k * HS + H_GAP] = gap;
      a[k * HS + H_GAP_FROM] = a[k * HS + H_LAST]!;
    }
    a[k * HS + H_LAST] = t;
  }

  private data(c: Connection, sub: Subflow, dir: number, bytes: number, t: number, frame: number): void {
    const d = this.dir(c, dir);
    const s = d.sub;
    const k = sub.index;
    if (!s.fit(k)) return;
    if (Number.isNaN(d.windowStart)) d.windowStart = t;
    if (t >= d.windowStart + WINDOW) {
      this.closeWindow(c, dir, d);
      d.windowStart += Math.floor((t - d.windowStart) / WINDOW) * WINDOW;
    }
    if (s.get(k, BYTES) === 0) {
      s.set(k, FIRST_FRAME, frame);
      s.set(k, FIRST_TIME, t);
    }
    s.set(k, BYTES, s.get(k, BYTES) + bytes);
    d.total += bytes;
    s.set(k, LAST_DATA, t);
  }

  finish(c: Connection): void {
    const s = this.slot.peek(c);
    if (s !== undefined) for (let dir = 0; dir < 2; dir++) if (s.dirs[dir]) this.closeWindow(c, dir, s.dirs[dir]!);
    this.slot.clear(c);
  }

  private closeWindow(c: Connection, dir: number, d: DirState): void {
    if (d.total < MIN_WINDOW_BYTES) {
      this.clear(d);
      return;
    }
    let top = -1;
    const s = d.sub;
    for (let k = 0; k < s.size; k++) if (s.get(k, BYTES) >= MAJORITY * d.total) top = k;
    const end = d.windowStart + WINDOW;
    if (top < 0 || top === d.carrier) {
      // No clear carrier, or the carrier holds: a pending switch is called off.
      if (top >= 0) d.carrierLast = end;
      d.candidate = -1;
      d.held = 0;
    } else if (d.carrier < 0) {
      d.carrier = top;
      d.carrierSince = s.get(top, FIRST_TIME);
      d.carrierLast = end;
    } else {
      if (d.candidate !== top) {
        d.candidate = top;
        d.held = 0;
        d.candidateSince = s.get(top, FIRST_TIME);
        d.candidateFrame = s.get(top, FIRST_FRAME);
        // The old carrier's data in this window, if any, came before the switch too.
        d.fromLastData = s.get(d.carrier, LAST_DATA);
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
    d.sub.clearBytes();
    d.total = 0;
  }

  private report(c: Connection, dir: number, d: DirState, from: number, to: number): void {
    const t = d.candidateSince;
    // The stall: the longest gap between in-order advances from the old carrier's last
    // window to the point the new one had held the majority.
    const lo = Math.min(d.carrierLast - WINDOW, t) - WINDOW;
    const hi = d.windowStart + WINDOW;
    let stall = 0;
    let stallFrom = t;
    let prevLast = NaN;
    const a = d.adv;
    const size = a.length / HS;
    for (let i = 1; i <= size; i++) {
      const k = ((d.advSlot + i) % size) * HS;
      const start = a[k + H_START]!;
      if (Number.isNaN(start) || start + WINDOW < lo || start > hi) continue;
      if (a[k + H_GAP]! > stall) {
        stall = a[k + H_GAP]!;
        stallFrom = a[k + H_GAP_FROM]!;
      }
      if (!Number.isNaN(prevLast) && a[k + H_FIRST]! - prevLast > stall) {
        stall = a[k + H_FIRST]! - prevLast;
        stallFrom = prevLast;
      }
      prevLast = a[k + H_LAST]!;
    }
    c.handovers++;
    const trigger = this.trigger(c, dir, d, from, to, t);
    const row: HandoverRow = { conn: c.id, dir, time: t, frame: d.candidateFrame, fromSubflow: from, toSubflow: to, stall, stallFrom, trigger };
    if (c.handoverRows.length < MAX_KEPT_HANDOVERS) c.handoverRows.push(row);
    this.sink.row(HANDOVERS, row);
    this.emit(
      {
      time: t,
      frame: d.candidateFrame,
      conn: c.id,
      subflow: to,
      event: 'handover',
      side: dir === 0 ? 'client' : 'server',
      detail: `${DIR_NAMES[dir]} from subflow ${from} to subflow ${to}; stall ${stall.toFixed(3)} s; trigger: ${trigger || 'none visible'}`,
      },
      c,
    );
  }

  /** What visibly led to the switch, most telling first (ANALYSIS.md "Handover"). */
  private trigger(c: Connection, dir: number, d: DirState, from: number, to: number, t: number): string {
    const m = this.slot.peek(c)?.marks ?? undefined;
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
    const lastTimeout = d.sub.get(from, TIMEOUT_LAST);
    if (d.sub.get(from, TIMEOUTS) > 0 && lastTimeout >= since && lastTimeout <= until) {
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
