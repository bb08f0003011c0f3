import type { Analysis } from './analyze.js';
import type { TruthRow } from './shared.js';

/**
 * Subflow RTT samples against Wireshark's tcp.analysis.ack_rtt. Where both
 * sample an ACK with the `ack` method, they name the same segment and the
 * same time. Where they differ it is by design: Wireshark also measures
 * from segments retransmitted or SACKed before (rtt.csv then has a
 * `tsecr` sample or none), and hides a round trip of 0 (ns-3's clock).
 */
export function compareRtt(truth: TruthRow[], a: Analysis) {
  const ours = new Map(a.rtt.filter((r) => r.level === 'subflow').map((r) => [Number(r.frame), r]));
  const bad: string[] = [];
  let same = 0;
  let wiresharkOnly = 0;
  let tsecr = 0;
  const seen = new Set<number>();
  for (const t of truth) {
    if (t.ackRtt === '') continue;
    const o = ours.get(t.frame);
    seen.add(t.frame);
    if (o === undefined) wiresharkOnly++;
    else if (o.method === 'tsecr') tsecr++;
    else if (o.segment_frame !== t.acksFrame || Math.abs(Number(o.rtt) - Number(t.ackRtt)) > 1.5e-6) bad.push(`${t.frame}: rtt ${o.rtt} of frame ${o.segment_frame}, Wireshark ${t.ackRtt} of ${t.acksFrame}`);
    else same++;
  }
  for (const [frame, o] of ours) if (!seen.has(frame) && o.method === 'ack' && Number(o.rtt) !== 0) bad.push(`${frame}: rtt ${o.rtt} where Wireshark has none`);
  return { bad, same, wiresharkOnly, tsecr };
}
