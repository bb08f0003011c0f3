import { u16, u32 } from './bytes.js';
import type { Diagnostics } from './diagnostics.js';
import type { Frame } from './frame.js';
import type { ChunkedInput } from './input.js';
import { MAX_PACKET, type CaptureReader, type InterfaceInfo } from './reader.js';

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
/** Alexey Kuznetzov's patched libpcap: 8 more bytes per record header. */
const MAGIC_KUZNETZOV = 0xa1b2cd34;

const FILE_HEADER = 24;
/** How far past a corrupt record we look for the next sane one. */
const RESYNC_WINDOW = 32 << 20;
/** Records more than this far in time from the last good one are not believed when resynchronising. */
const RESYNC_MAX_JUMP_SEC = 7 * 86400;

/** Classic pcap: the magic tells the byte order, time unit and record header size. */
export function pcapMagic(b: Uint8Array): { le: boolean; nano: boolean; recHdr: number } | undefined {
  for (const le of [true, false]) {
    const m = u32(b, 0, le);
    if (m === MAGIC_US) return { le, nano: false, recHdr: 16 };
    if (m === MAGIC_NS) return { le, nano: true, recHdr: 16 };
    if (m === MAGIC_KUZNETZOV) return { le, nano: false, recHdr: 24 };
  }
  return undefined;
}

export class PcapReader implements CaptureReader {
  readonly format = 'pcap' as const;
  damaged = false;
  private readonly le: boolean;
  private readonly nano: boolean;
  private readonly recHdr: number;
  private readonly linkType: number;
  private readonly snaplen: number;
  private readonly maxCap: number;
  private readonly ifaces: InterfaceInfo[];
  private readonly version: string;
  private pos = FILE_HEADER;
  private frameNo = 0;
  private lastSec = -1;
  private done = false;

  constructor(
    private readonly input: ChunkedInput,
    private readonly diag: Diagnostics,
  ) {
    const i = input.fill(0, FILE_HEADER);
    const b = input.buf;
    const magic = pcapMagic(b.subarray(i, i + 4));
    if (!magic) throw new Error('not a pcap file');
    this.le = magic.le;
    this.nano = magic.nano;
    this.recHdr = magic.recHdr;
    this.version = `${u16(b, i + 4, this.le)}.${u16(b, i + 6, this.le)}`;
    this.snaplen = u32(b, i + 16, this.le);
    // Upper bits carry the FCS length (pcap spec, "LinkType and additional information").
    this.linkType = u32(b, i + 20, this.le) & 0x03ffffff;
    this.maxCap = Math.max(MAX_PACKET, this.snaplen > MAX_PACKET ? Math.min(this.snaplen, 16 << 20) : 0);
    this.ifaces = [
      {
        linkType: this.linkType,
        snaplen: this.snaplen,
        digits: this.nano ? 9 : 6,
        resolution: this.nano ? '10^-9' : '10^-6',
        name: '',
        section: 0,
      },
    ];
    if (this.version !== '2.4') diag.warn(4, `pcap version ${this.version} (expected 2.4); reading it as 2.4`);
  }

  describe(): string {
    const parts = [this.le ? 'little-endian' : 'big-endian', this.nano ? 'nanosecond' : 'microsecond'];
    if (this.recHdr !== 16) parts.push('Kuznetzov extended headers');
    return `pcap (${parts.join(', ')})`;
  }

  interfaces(): readonly InterfaceInfo[] {
    return this.ifaces;
  }

  digits(): number {
    return this.nano ? 9 : 6;
  }

  position(): number {
    return this.pos;
  }

  next(f: Frame): boolean {
    const input = this.input;
    const hdr = this.recHdr;
    while (!this.done) {
      const pos = this.pos;
      let i = input.fill(pos, hdr);
      if (i < 0) return this.end(pos);
      let b = input.buf;
      const le = this.le;
      const sec = u32(b, i, le);
      const frac = u32(b, i + 4, le);
      const caplen = u32(b, i + 8, le);
      const origLen = u32(b, i + 12, le);
      if (caplen > this.maxCap || frac >= (this.nano ? 1e9 : 1e6)) {
        this.resync(pos, caplen > this.maxCap ? `record length ${caplen} is larger than any packet` : `sub-second field ${frac} out of range`);
        continue;
      }
      const after = pos + hdr + caplen;
      if (after > input.size) {
        // The last record cut short, or a corrupt length in the middle: a sane record after it tells.
        if (this.findNext(pos) < 0) return this.end(pos);
        this.resync(pos, `record length ${caplen} runs past the end of the file`);
        continue;
      }
      if ((caplen > this.snaplen && this.snaplen !== 0) || caplen > origLen) {
        // Suspicious but possibly real (some writers get the snaplen wrong):
        // believe it only if the next record header where it says makes sense.
        if (after !== input.size && !this.plausibleAt(after)) {
          this.resync(pos, caplen > origLen ? `captured length ${caplen} exceeds the packet length ${origLen}` : `record length ${caplen} exceeds the snaplen ${this.snaplen}`);
          continue;
        }
        this.diag.warnOnce('pcap-caplen', pos, `record of ${caplen} bytes exceeds the ${caplen > origLen ? `packet length ${origLen}` : `file's snaplen ${this.snaplen}`}; reading it anyway`);
      }
      i = input.fill(pos, hdr + caplen);
      if (i < 0) return this.end(pos);
      b = input.buf;
      f.data = b;
      f.view = input.view;
      f.offset = i + hdr;
      f.caplen = caplen;
      f.origLen = origLen < caplen ? caplen : origLen;
      f.tsSec = sec;
      f.tsNsec = this.nano ? frac : frac * 1000;
      f.iface = 0;
      f.linkType = this.linkType;
      f.index = ++this.frameNo;
      f.fileOffset = pos;
      this.lastSec = sec;
      this.pos = pos + hdr + caplen;
      return true;
    }
    return false;
  }

  private end(pos: number): boolean {
    this.done = true;
    if (pos < this.input.size) {
      this.damaged = true;
      const left = this.input.size - pos;
      this.diag.warn(pos, `file ends inside a packet record (${left} byte${left === 1 ? '' : 's'} left over); every complete packet before it was read`);
    }
    return false;
  }

  /** A sane record header here, followed by the end of the file or another sane header? */
  private plausibleAt(q: number): boolean {
    const hdr = this.recHdr;
    const i = this.input.fill(q, hdr);
    if (i < 0) return false;
    const b = this.input.buf;
    const le = this.le;
    const sec = u32(b, i, le);
    const frac = u32(b, i + 4, le);
    const caplen = u32(b, i + 8, le);
    const origLen = u32(b, i + 12, le);
    if (frac >= (this.nano ? 1e9 : 1e6) || caplen > this.maxCap || caplen === 0 || origLen < caplen || origLen > this.maxCap * 4) return false;
    if (this.lastSec >= 0 && Math.abs(sec - this.lastSec) > RESYNC_MAX_JUMP_SEC) return false;
    const after = q + hdr + caplen;
    return after <= this.input.size;
  }

  /** The next offset after `pos` holding a sane record followed by the end of the file or another sane one, or -1. */
  private findNext(pos: number): number {
    const limit = Math.min(this.input.size - this.recHdr, pos + RESYNC_WINDOW);
    for (let q = pos + 1; q <= limit; q++) {
      if (!this.plausibleAt(q)) continue;
      const i = this.input.fill(q, this.recHdr);
      const after = q + this.recHdr + u32(this.input.buf, i + 8, this.le);
      if (after === this.input.size || (after < this.input.size && this.plausibleAt(after))) return q;
    }
    return -1;
  }

  private resync(pos: number, why: string): void {
    this.damaged = true;
    const q = this.findNext(pos);
    if (q >= 0) {
      this.diag.warn(pos, `corrupt packet record (${why}); skipped ${q - pos} bytes to the next valid record at byte ${q}`);
      this.pos = q;
      return;
    }
    this.diag.warn(pos, `corrupt packet record (${why}) and no valid record after it; the rest of the file (${this.input.size - pos} bytes) was not read`);
    this.done = true;
  }

  close(): void {
    this.input.close();
  }
}
