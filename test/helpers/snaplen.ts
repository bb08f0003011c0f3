/** Rewrites a classic pcap file as if it had been captured with a smaller snaplen (tcpdump -s N). */
export function cutPcap(src: Uint8Array, snaplen: number): Uint8Array {
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const magic = dv.getUint32(0, true);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && dv.getUint32(0, false) !== 0xa1b2c3d4 && dv.getUint32(0, false) !== 0xa1b23c4d) throw new Error('not a classic pcap file');
  const out = new Uint8Array(src.length);
  const ov = new DataView(out.buffer);
  out.set(src.subarray(0, 24));
  ov.setUint32(16, snaplen, le);
  let i = 24;
  let o = 24;
  while (i + 16 <= src.length) {
    const caplen = dv.getUint32(i + 8, le);
    const keep = Math.min(caplen, snaplen);
    out.set(src.subarray(i, i + 16), o);
    ov.setUint32(o + 8, keep, le);
    out.set(src.subarray(i + 16, i + 16 + keep), o + 16);
    i += 16 + caplen;
    o += 16 + keep;
  }
  return out.subarray(0, o);
}
