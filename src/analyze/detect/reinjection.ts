/**
 * Reinjections (ANALYSIS.md): bytes a subflow sends for the first time
 * that another subflow of the connection had sent before. A subflow
 * resending its own sequence space is a retransmission, never a
 * reinjection, even when another subflow carried the same DSNs meanwhile.
 * State: the direction's sent log (what each subflow sent, by DSN),
 * pruned below the data ACK and after SENT_RETAIN_SECONDS.
 */
import { REINJECTIONS, type AnalysisSink } from '../model.js';
import type { Detector, SegmentFacts } from './detector.js';

/** Longest a sent segment is remembered after being acknowledged, for late reinjections. */
const SENT_RETAIN_SECONDS = 10;
/** Earlier frames listed per reinjection (packets.csv's reinjection_of). */
const MAX_REINJECTION_FRAMES = 16;

export class ReinjectionDetector implements Detector {
  readonly name = 'reinjection';
  /** The frames the current packet reinjects, space separated (packets.csv), when asked for. */
  frames = '';

  constructor(
    private readonly sink: AnalysisSink,
    private readonly listFrames: boolean,
  ) {}

  segment(s: SegmentFacts): void {
    const { conn: c, dir, sub, de, firstTx } = s;
    const meta = c.dirs[dir];
    const sent = meta.detectors.sent;
    const again = firstTx < de ? sent.overlaps(firstTx, de, sub.index, MAX_REINJECTION_FRAMES) : 0;
    s.reinjected = again;
    if (again > 0) {
      meta.reinjectedBytes += again;
      meta.reinjectedSegments++;
      sub.dirs[dir].reinjected += again;
      const orig = c.subflows[sent.firstSubflow];
      if (orig !== undefined) orig.dirs[dir].reinjectedAway += again;
      const redundant = meta.maxAck >= de;
      if (redundant) meta.redundantReinjections++;
      if (this.listFrames) {
        const list = sent.frames.join(' ');
        this.frames = this.frames === '' ? list : `${this.frames} ${list}`;
      }
      this.sink.row(REINJECTIONS, {
        conn: c.id,
        dir,
        frame: s.frame,
        time: s.t,
        subflow: sub.index,
        dsnStart: firstTx,
        dsnEnd: de,
        bytes: again,
        originalFrame: sent.firstFrame,
        originalSubflow: sent.firstSubflow,
        originalTime: sent.firstTime,
        delay: s.t - sent.firstTime,
        redundant,
      });
    }
    sent.add(s.ds, de, sub.index, s.frame, s.t);
    sent.prune(meta.maxAck, s.t - SENT_RETAIN_SECONDS);
  }
}
