/**
 * DSS checksums (RFC 8684 §3.3.1, RFC 6824 §3.3): each mapping that
 * carries a checksum is summed over the payload bytes it covers as they
 * arrive, across segments, and checked when its last byte does. Counts
 * verified, failed and unverifiable mappings on the connection, and
 * reports each failure as an event (which the fallback detector reads).
 */
import { ChecksumCheck, CSUM_BAD, CSUM_OK, CSUM_UNVERIFIABLE } from '../checksum.js';
import type { Connection, Subflow, SubflowDir } from '../connection.js';
import { u64String, add64 } from '../numbers.js';
import type { Detector, EmitEvent, MappingFacts, SegmentFacts } from './detector.js';

export class ChecksumDetector implements Detector {
  readonly name = 'checksum';

  constructor(private readonly emit: EmitEvent) {}

  mapping(m: MappingFacts): void {
    if (m.checksum < 0 || m.len === 0) return;
    const { conn: c, sub, dir } = m;
    const sd = sub.dirs[dir];
    const csum = (sd.csum ??= new ChecksumCheck());
    if (csum.active) c.checksumsUnverified++; // the previous mapping never completed
    const meta = c.dirs[dir];
    if (!meta.baseExact) {
      c.checksumsUnverified++;
      return;
    }
    const [hi, lo] = add64(meta.baseHi, meta.baseLo, m.dsn);
    this.result(c, sub, sd, csum.start(hi, lo, m.ssn, m.ssn32 >>> 0, m.len, m.payload, m.checksum, m.frame, m.dsn), m.t, m.frame);
  }

  segment(s: SegmentFacts): void {
    const sd = s.sub.dirs[s.dir];
    if (sd.csum?.active) this.result(s.conn, s.sub, sd, sd.csum.feed(s.bytes, s.at, s.de - s.ds, s.captured, s.ssn), s.t, s.frame);
  }

  /** A mapping still being summed when the connection is frozen never completed. */
  finish(c: Connection): void {
    for (const sub of c.subflows) for (const sd of sub.dirs) if (sd.csum?.active) c.checksumsUnverified++;
  }

  private result(c: Connection, sub: Subflow, sd: SubflowDir, r: number, t: number, frame: number): void {
    if (Number.isNaN(r)) return;
    if (r === CSUM_OK) c.checksumsOk++;
    else if (r === CSUM_UNVERIFIABLE) c.checksumsUnverified++;
    else if (r === CSUM_BAD) {
      c.checksumsBad++;
      const k = sd.csum!;
      const side = sub.dirs[0] === sd ? 'client' : 'server';
      this.emit(
        { time: t, frame, conn: c.id, subflow: sub.index, event: 'checksum_failure', detail: `mapping of frame ${k.frame}: dsn ${u64String(k.dsn)} ssn ${k.ssn} len ${k.len} checksum 0x${k.expected.toString(16).padStart(4, '0')}`, side, dsn: k.dsn },
        c,
      );
    }
  }
}
