/**
 * What the pairs of packets say: one-way delays, packets lost between the
 * two capture points, which capture is nearer which end, and the clocks.
 *
 * Which capture is upstream (nearer the sender) for a direction of a
 * connection is told by the first packet seen in both: the copy with the
 * higher TTL (a router between the capture points lowers it), else the
 * earlier one (one clock). A packet of the upstream capture never seen
 * downstream is lost; one seen only downstream was missed by the upstream
 * capture (tcpdump drops, or another path), counted apart.
 */
import type { Dir, ReinjectionRow } from '../model.js';
import { RttHistogram, type RttStats } from '../detect/rtt.js';
import type { Matcher, Side } from './matcher.js';

export interface OwdRow {
  /** Capture 0's connection and subflow numbers (the first capture named). */
  conn: number;
  subflow: number;
  dir: Dir;
  /** Which capture sent (is upstream), its numbers for the connection and subflow, its frame and time; the other's frame and time. */
  sentSide: Side;
  sentConn: number;
  sentSubflow: number;
  sentFrame: number;
  sent: number;
  receivedFrame: number;
  received: number;
  dsn: number;
  len: number;
  owd: number;
}

export interface LostRow {
  /** The capture that saw the packet (upstream for a loss), and its numbers for the connection and subflow. */
  side: Side;
  conn: number;
  subflow: number;
  dir: Dir;
  srcAddr: string;
  srcPort: number;
  dstAddr: string;
  dstPort: number;
  frame: number;
  time: number;
  seq: number;
  len: number;
  flags: number;
  dsn: number;
}

/** Per subflow direction (global subflow × 2 + dir): what was paired and what was not. */
export class PathCounts {
  matched = 0;
  lost = 0;
  lostData = 0;
  onlyDownstream = 0;
  /** Seen in one capture, in a direction no packet of which was seen in both (which capture is upstream is unknown). */
  unpaired = 0;
  /** Sent upstream so early or late that it would have reached the other capture before it started or after it ended (and nothing sent after it was seen there), or seen downstream only when the upstream capture had not started or had stopped: neither lost nor missed. */
  outside = 0;
  /** The latest upstream send time (as an arrival at no delay, in the downstream clock) of a packet seen downstream, and its one-way delay: the queue it met. */
  lastDelivered = -Infinity;
  lastOwd = 0;
  readonly owd = new RttHistogram();
}

/** needed: the original never arrived; useful: the copy arrived first; redundant: the original did; lost: neither; unknown: their fates were forgotten (too far apart). */
export type Qualification = 'needed' | 'useful' | 'redundant' | 'lost' | 'unknown';

export interface QualifiedReinjection {
  /** The capture that sent it (upstream). */
  side: Side;
  row: ReinjectionRow;
  qualification: Qualification;
  /** When the copy and the original arrived at the other capture (its clock), NaN when they did not. */
  copyArrival: number;
  originalArrival: number;
}

/** A packet one capture had and the other did not: its global subflow and connection direction, when (by the other capture's clock), and that capture's span on the subflow's interface. */
interface Missed {
  gdir: number;
  cd: number;
  row: LostRow;
  at: number;
  from: number;
  to: number;
}

export interface PairsSink {
  owd(r: OwdRow): void;
  lost(r: LostRow): void;
  reinjection(r: QualifiedReinjection): void;
}

/** Frames whose fate (arrived when, or lost) is remembered per capture, for reinjections to look up. */
const FATES = 1 << 18;
const LOST = -1;

export class Pairs {
  /** Upstream capture per global connection × 2 + dir; -1 unknown yet. */
  private readonly upstream: number[] = [];
  readonly counts: PathCounts[] = [];
  /** Least (t1 − t0) over pairs sent from capture 0, and (t0 − t1) over pairs sent from 1, with no clock correction: the clock offset's bounds. */
  minDelta: [number, number] = [Infinity, Infinity];
  /** Unmatched packets met before their direction's upstream capture was known: told at the end. */
  private readonly deferred: Missed[] = [];
  /** Unmatched packets of subflows never identified (MPTCP never named them in this capture), per capture. */
  unidentified: [number, number] = [0, 0];

  /** Per capture, per frame modulo FATES: the frame, and when it arrived downstream (LOST: never). */
  private readonly fateFrame = [new Float64Array(FATES).fill(-1), new Float64Array(FATES).fill(-1)];
  private readonly fate = [new Float64Array(FATES), new Float64Array(FATES)];
  /** Reinjections waiting for the fates of their copy and original. */
  private pending: Array<{ side: Side; row: ReinjectionRow }> = [];
  /** Per global connection × 2 + dir: reinjections by qualification. */
  readonly qualified: Array<Record<Qualification, number> | undefined> = [];

  constructor(
    private readonly out: PairsSink,
    /** Capture 1's clock minus capture 0's, taken off every delay (0: one clock). */
    readonly offset: number,
  ) {}

  countsOf(gdir: number): PathCounts {
    return (this.counts[gdir] ??= new PathCounts());
  }

  upstreamOf(gconn: number, dir: Dir): number {
    return this.upstream[gconn * 2 + dir] ?? -1;
  }

  matched(m: Matcher, a: number, b: number): void {
    const g = m.globalOf(a)!;
    const dir = m.dir[a]! as Dir;
    const cd = g.gconn * 2 + dir;
    const shift = m.baseSec[1] - m.baseSec[0];
    const delta = m.t[b]! + shift - m.t[a]!;
    let up = this.upstream[cd] ?? -1;
    if (up < 0) {
      up = m.ttl[a]! !== m.ttl[b]! ? (m.ttl[a]! > m.ttl[b]! ? 0 : 1) : delta >= 0 ? 0 : 1;
      this.upstream[cd] = up;
    }
    const c = this.countsOf(g.gid * 2 + dir);
    c.matched++;
    const owd = up === 0 ? delta - this.offset : -delta + this.offset;
    // The send time by the downstream capture's clock, as tell() compares it.
    const sentAt = up === 0 ? m.clock(0, m.t[a]!) + this.offset : m.clock(1, m.t[b]!) - this.offset;
    if (sentAt > c.lastDelivered) {
      c.lastDelivered = sentAt;
      c.lastOwd = owd;
    }
    c.owd.add(owd);
    if (up === 0) this.minDelta[0] = Math.min(this.minDelta[0], delta);
    else this.minDelta[1] = Math.min(this.minDelta[1], -delta);
    const s0 = m.subflowOf(a);
    const [sent, recv] = up === 0 ? [a, b] : [b, a];
    if (m.len[sent]! > 0) this.setFate(up as Side, m.frame[sent]!, m.t[recv]!);
    this.out.owd({
      conn: s0.connId,
      subflow: s0.index,
      dir,
      sentSide: up as Side,
      sentConn: m.subflowOf(sent).connId,
      sentSubflow: m.subflowOf(sent).index,
      sentFrame: m.frame[sent]!,
      sent: m.t[sent]!,
      receivedFrame: m.frame[recv]!,
      received: m.t[recv]!,
      dsn: m.dsn[a]!,
      len: m.len[a]!,
      owd,
    });
  }

  unmatched(m: Matcher, r: number): void {
    const side = m.side[r]! as Side;
    const g = m.globalOf(r);
    if (g === undefined) {
      this.unidentified[side]++;
      return;
    }
    const dir = m.dir[r]! as Dir;
    const sub = m.subflowOf(r);
    // The flow's A end is the client's when aIsClient; a c2s packet goes from the client's end.
    const fromA = (dir === 0) === sub.aIsClient;
    const row: LostRow = {
      side,
      conn: sub.connId,
      subflow: sub.index,
      dir,
      srcAddr: fromA ? sub.textA : sub.textB,
      srcPort: fromA ? sub.portA : sub.portB,
      dstAddr: fromA ? sub.textB : sub.textA,
      dstPort: fromA ? sub.portB : sub.portA,
      frame: m.frame[r]!,
      time: m.t[r]!,
      seq: m.rel[r]!,
      len: m.len[r]!,
      flags: m.flags[r]!,
      dsn: m.dsn[r]!,
    };
    // The span of the other capture's interface the subflow is on there (an interface of a merged capture may stop early), else the capture's.
    const other = side === 0 ? 1 : 0;
    const there = g.handles[other];
    const i = there?.iface ?? -1;
    const miss: Missed = {
      gdir: g.gid * 2 + dir,
      cd: g.gconn * 2 + dir,
      row,
      // By the other capture's clock.
      at: m.clock(side, row.time) + (side === 0 ? this.offset : -this.offset),
      from: i >= 0 ? (m.ifaceFirst[other][i] ?? m.first[other]) : m.first[other],
      to: i >= 0 ? (m.ifaceLast[other][i] ?? m.last[other]) : m.last[other],
    };
    if ((this.upstream[miss.cd] ?? -1) < 0) this.deferred.push(miss);
    else this.tell(miss);
  }

  /**
   * A packet one capture missed: lost, missed by the sender's capture, or
   * outside the other capture's run. It can be missed there only while
   * that capture ran: sent upstream at `at`, it would arrive from at + the
   * least one-way delay seen (the start), or at + the delay the latest
   * delivered packet met (the end: a full queue takes tens of ms), unless a
   * later packet of its subflow did arrive; seen only downstream at `at`,
   * it left at most at − the least delay.
   */
  private tell(x: Missed): void {
    const c = this.countsOf(x.gdir);
    const up = this.upstream[x.cd] === x.row.side;
    const minOwd = Number.isFinite(c.owd.min) ? Math.max(0, c.owd.min) : 0;
    const from = up ? x.from - minOwd : x.from + minOwd;
    const to = up ? x.to - Math.max(minOwd, c.lastOwd) : x.to + minOwd;
    if (x.at < from || (x.at > to && (!up || x.at > c.lastDelivered))) c.outside++;
    else if (up) {
      c.lost++;
      if (x.row.len > 0) {
        c.lostData++;
        this.setFate(x.row.side, x.row.frame, LOST);
      }
      this.out.lost(x.row);
    } else c.onlyDownstream++;
  }

  /** The end: packets met before their direction's upstream capture was known are told now (never known: unpaired). */
  finish(): void {
    for (const d of this.deferred) {
      if ((this.upstream[d.cd] ?? -1) >= 0) this.tell(d);
      else this.countsOf(d.gdir).unpaired++;
    }
    this.deferred.length = 0;
    this.settle(true);
  }

  private setFate(side: Side, frame: number, arrival: number): void {
    const k = frame % FATES;
    this.fateFrame[side]![k] = frame;
    this.fate[side]![k] = arrival;
  }

  /** When frame arrived downstream (LOST), NaN while not known yet, undefined when forgotten. */
  private fateOf(side: Side, frame: number): number | undefined {
    const k = frame % FATES;
    const f = this.fateFrame[side]![k]!;
    if (f === frame) return this.fate[side]![k]!;
    return f > frame ? undefined : NaN;
  }

  /** A reinjection one capture's analysis found; qualified once its copy's and original's fates are known. */
  reinjection(side: Side, row: ReinjectionRow): void {
    this.pending.push({ side, row });
  }

  /** Qualifies the reinjections whose fates are known (all of them at the end). */
  settle(end = false): void {
    const keep: typeof this.pending = [];
    for (const p of this.pending) {
      const { side, row } = p;
      const gconnDir = this.gconnDirOf(side, row.conn, row.dir as Dir);
      const up = gconnDir < 0 ? -1 : (this.upstream[gconnDir] ?? -1);
      // The receiver's capture sees the second copy as a reinjection too: only the sender's view is qualified.
      if (up >= 0 && up !== side) continue;
      const copy = this.fateOf(side, row.frame);
      const orig = this.fateOf(side, row.originalFrame);
      if (!end && (up < 0 || Number.isNaN(copy) || Number.isNaN(orig))) {
        keep.push(p);
        continue;
      }
      if (up < 0) continue;
      let q: Qualification;
      if (copy === undefined || orig === undefined || Number.isNaN(copy) || Number.isNaN(orig)) q = 'unknown';
      else if (orig === LOST) q = copy === LOST ? 'lost' : 'needed';
      else if (copy === LOST) q = 'redundant';
      else q = copy < orig ? 'useful' : 'redundant';
      const counts = (this.qualified[gconnDir] ??= { needed: 0, useful: 0, redundant: 0, lost: 0, unknown: 0 });
      counts[q]++;
      this.out.reinjection({ side, row, qualification: q, copyArrival: copy === undefined || copy === LOST ? NaN : copy, originalArrival: orig === undefined || orig === LOST ? NaN : orig });
    }
    this.pending = keep;
  }

  /** Global connection × 2 + dir of capture `side`'s connection `conn`, or -1 (told by the matcher). */
  gconnDirOf: (side: Side, conn: number, dir: Dir) => number = () => -1;

  /** A direction's one-way delay figures (seconds). */
  owdStats(gdir: number): RttStats | null {
    return this.counts[gdir]?.owd.stats() ?? null;
  }
}
