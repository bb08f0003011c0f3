import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/decode/capture.js';
import { Diagnostics } from '../../src/decode/diagnostics.js';
import { Frame } from '../../src/decode/frame.js';
import { DecodedPacket, decodePacket, S_TCP, S_TCP_BROKEN } from '../../src/decode/packet.js';
import { checkedCaptures, HAVE_TRACES, manifest, truthRows } from '../helpers/shared.js';

/**
 * Every real capture is read to the end, with the same TCP packets as
 * tshark (`-Y tcp`) and the same MPTCP option subtypes in each frame
 * (`tcp.options.mptcp.subtype`), as stored by scripts/tshark-truth.mjs.
 */
describe.skipIf(!HAVE_TRACES)('decode agrees with tshark on the shared captures', () => {
  const caps = checkedCaptures();
  it('every capture listed in the truth manifest is present and unchanged', () => {
    expect(caps.length).toBe(Object.keys(manifest().files).length);
  });
  for (const { rel, path } of caps) {
    it(rel, () => {
      const truth = truthRows(rel);
      const diag = new Diagnostics(rel);
      const r = openCapture(path, diag);
      const f = new Frame();
      const p = new DecodedPacket();
      const ours: Array<[number, string]> = [];
      while (r.next(f)) {
        const st = decodePacket(f, p);
        if (st !== S_TCP && st !== S_TCP_BROKEN) continue;
        const subs: number[] = [];
        for (let i = 0; i < p.mptcpCount; i++) if (p.mptcp[i]!.subtype >= 0) subs.push(p.mptcp[i]!.subtype);
        ours.push([f.index, subs.join(',')]);
      }
      r.close();
      expect(ours.length).toBe(truth.length);
      const mismatches = ours.filter(([frame, subs], i) => truth[i]!.frame !== frame || truth[i]!.subtypes !== subs).slice(0, 5);
      expect(mismatches).toEqual([]);
      // A file tshark calls cut must draw our warning too, and a clean one none.
      const cut = manifest().files[rel]!.tsharkSaid !== undefined;
      expect(diag.warnings.length > 0).toBe(cut);
    });
  }
});
