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
import type { Dir } from '../model.js';
import { RttHistogram, type RttStats } from '../detect/rtt.js';
import type { Matcher, Side } from './matcher.js';

export interface OwdRow {
  /** Capture 0's connection and subflow numbers (the first capture named). */
  conn: number;
  subflow: number;
  dir: Dir;
  /** Which capture sent (is upstream), its frame and time; the other's. */
  sentSide: Side;
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
  readonly owd = new RttHistogram();
}

export interface PairsSink {
  owd(r: OwdRow): void;
  lost(r: LostRow): void;
}

export class Pairs {
  /** Upstream capture per global connection × 2 + dir; -1 unknown yet. */
  private readonly upstream: number[] = [];
  readonly counts: PathCounts[] = [];
  /** Least (t1 − t0) over pairs sent from capture 0, and (t0 − t1) over pairs sent from 1, with no clock correction: the clock offset's bounds. */
  minDelta: [number, number] = [Infinity, Infinity];
  /** Unmatched packets met before their direction's upstream capture was known: told at the end. */
  private readonly deferred: Array<{ gdir: number; gconnDir: number; row: LostRow }> = [];
  /** Unmatched packets of subflows never identified (MPTCP never named them in this capture), per capture. */
  unidentified: [number, number] = [0, 0];
  duplicates: [number, number] = [0, 0];

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
    c.owd.add(owd);
    if (up === 0) this.minDelta[0] = Math.min(this.minDelta[0], delta);
    else this.minDelta[1] = Math.min(this.minDelta[1], -delta);
    const s0 = m.subflowOf(a);
    const [sent, recv] = up === 0 ? [a, b] : [b, a];
    this.out.owd({
      conn: s0.conn.id,
      subflow: s0.index,
      dir,
      sentSide: up as Side,
      sentFrame: m.frame[sent]!,
      sent: m.t[sent]!,
      receivedFrame: m.frame[recv]!,
      received: m.t[recv]!,
      dsn: m.dsn[a]!,
      len: m.len[a]!,
      owd,
    });
  }

  unmatched(m: Matcher, r: number, duplicate: boolean): void {
    const side = m.side[r]! as Side;
    if (duplicate) {
      this.duplicates[side]++;
      return;
    }
    const g = m.globalOf(r);
    if (g === undefined) {
      this.unidentified[side]++;
      return;
    }
    const dir = m.dir[r]! as Dir;
    const sub = m.subflowOf(r);
    const f = sub.flow;
    // The flow's A end is the client's when aIsClient; a c2s packet goes from the client's end.
    const fromA = (dir === 0) === sub.aIsClient;
    const row: LostRow = {
      side,
      conn: sub.conn.id,
      subflow: sub.index,
      dir,
      srcAddr: fromA ? f.textA : f.textB,
      srcPort: fromA ? f.portA : f.portB,
      dstAddr: fromA ? f.textB : f.textA,
      dstPort: fromA ? f.portB : f.portA,
      frame: m.frame[r]!,
      time: m.t[r]!,
      seq: m.rel[r]!,
      len: m.len[r]!,
      flags: m.flags[r]!,
      dsn: m.dsn[r]!,
    };
    const cd = g.gconn * 2 + dir;
    if ((this.upstream[cd] ?? -1) < 0) this.deferred.push({ gdir: g.gid * 2 + dir, gconnDir: cd, row });
    else this.tell(g.gid * 2 + dir, cd, row);
  }

  private tell(gdir: number, cd: number, row: LostRow): void {
    const c = this.countsOf(gdir);
    if (this.upstream[cd] === row.side) {
      c.lost++;
      if (row.len > 0) c.lostData++;
      this.out.lost(row);
    } else c.onlyDownstream++;
  }

  /** The end: packets met before their direction's upstream capture was known are told now (never known: unpaired). */
  finish(): void {
    for (const d of this.deferred) {
      if ((this.upstream[d.gconnDir] ?? -1) >= 0) this.tell(d.gdir, d.gconnDir, d.row);
      else this.countsOf(d.gdir).unpaired++;
    }
    this.deferred.length = 0;
  }

  /** A direction's one-way delay figures (seconds). */
  owdStats(gdir: number): RttStats | null {
    return this.counts[gdir]?.owd.stats() ?? null;
  }
}
