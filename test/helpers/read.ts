import { openInput } from '../../src/decode/capture.js';
import { Diagnostics } from '../../src/decode/diagnostics.js';
import { Frame } from '../../src/decode/frame.js';
import { ChunkedInput } from '../../src/decode/input.js';
import { DecodedPacket, decodePacket } from '../../src/decode/packet.js';
import { packetRepr, type PacketRepr } from '../../src/decode/repr.js';

export interface ReadFrame {
  index: number;
  sec: number;
  nsec: number;
  caplen: number;
  origLen: number;
  iface: number;
  linkType: number;
  fileOffset: number;
  bytes: Uint8Array;
  status: number;
  anomaly: number;
  packet?: PacketRepr;
}

/** Reads a whole capture from bytes (in `chunkSize` pieces) into owned records. */
export function readBytes(data: Uint8Array, chunkSize = 1 << 20): { frames: ReadFrame[]; warnings: string[]; format: string; damaged: boolean } {
  const diag = new Diagnostics('test');
  const r = openInput(ChunkedInput.fromBytes(data, chunkSize), 'test', diag);
  const f = new Frame();
  const p = new DecodedPacket();
  const frames: ReadFrame[] = [];
  while (r.next(f)) {
    const status = decodePacket(f, p);
    frames.push({
      index: f.index,
      sec: f.tsSec,
      nsec: f.tsNsec,
      caplen: f.caplen,
      origLen: f.origLen,
      iface: f.iface,
      linkType: f.linkType,
      fileOffset: f.fileOffset,
      bytes: f.data.slice(f.offset, f.offset + f.caplen),
      status,
      anomaly: p.anomaly,
      ...(status === 0 ? { packet: packetRepr(f, p) } : {}),
    });
  }
  return { frames, warnings: diag.warnings, format: r.describe(), damaged: r.damaged };
}
