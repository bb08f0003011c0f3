import type { Writable } from 'node:stream';
import { openCapture } from '../decode/capture.js';
import { Diagnostics } from '../decode/diagnostics.js';
import { Frame } from '../decode/frame.js';
import { formatIp } from '../decode/ipaddr.js';
import { ANOMALY_NAMES } from '../decode/anomaly.js';
import { DecodedPacket, decodePacket, DecodeStats, S_TCP, S_TCP_BROKEN } from '../decode/packet.js';
import { packetRepr } from '../decode/repr.js';
import { dumpLine } from '../report/dump.js';
import { formatEpoch } from '../report/time.js';
import { TextSink } from './output.js';

export interface DumpOptions {
  /** Stop after this many TCP packets. */
  count?: number;
  chunkSize?: number;
}

/** `mptrace dump`: one line per TCP packet. Returns the reader's warnings. */
export async function dump(trace: string, out: Writable, opts: DumpOptions = {}): Promise<Diagnostics> {
  const diag = new Diagnostics(trace);
  const reader = openCapture(trace, diag, opts.chunkSize === undefined ? {} : { chunkSize: opts.chunkSize });
  const sink = new TextSink(out);
  const f = new Frame();
  const p = new DecodedPacket();
  const stats = new DecodeStats();
  let n = 0;
  try {
    while ((opts.count === undefined || n < opts.count) && reader.next(f)) {
      const st = decodePacket(f, p);
      stats.count(f, p);
      if (st !== S_TCP && st !== S_TCP_BROKEN) continue;
      const digits = reader.interfaces()[f.iface]?.digits ?? reader.digits();
      n++;
      let line: string;
      if (st === S_TCP) line = dumpLine(packetRepr(f, p), digits);
      else {
        const src = formatIp(f.data, p.srcOff, p.addrLen);
        const dst = formatIp(f.data, p.dstOff, p.addrLen);
        line = `${f.index} ${formatEpoch(f.tsSec, f.tsNsec, digits)} ${src} > ${dst}: tcp [${ANOMALY_NAMES[p.anomaly]}]`;
      }
      const w = sink.line(line);
      if (w) await w;
    }
    await sink.flush();
    stats.warnUnknownLinks(diag);
  } finally {
    reader.close();
  }
  return diag;
}
