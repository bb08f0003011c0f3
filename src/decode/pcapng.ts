import { u16, u32, u32be, u32le } from './bytes.js';
import type { Diagnostics } from './diagnostics.js';
import type { Frame } from './frame.js';
import { MAX_RESIDENT, type ChunkedInput } from './input.js';
import type { CaptureReader, InterfaceInfo } from './reader.js';
import { TickClock } from './timestamp.js';

export const PCAPNG_SHB = 0x0a0d0d0a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const BT_IDB = 1;
const BT_PB = 2; // obsolete Packet Block
const BT_SPB = 3;
const BT_NRB = 4;
const BT_ISB = 5;
const BT_EPB = 6;
const BT_SYSTEMD = 9;
const BT_DSB = 0x0a;
const BT_CUSTOM = 0x0bad;
const BT_CUSTOM_NOCOPY = 0x40000bad;

/** Block types we recognise when looking for the next sane block after a corrupt one. */
const KNOWN_BLOCKS = new Set([PCAPNG_SHB, BT_IDB, BT_PB, BT_SPB, BT_NRB, BT_ISB, BT_EPB, BT_SYSTEMD, BT_DSB, BT_CUSTOM, BT_CUSTOM_NOCOPY]);

const OPT_END = 0;
const OPT_IF_NAME = 2;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

/** How far past a corrupt block we look for the next sane one. */
const RESYNC_WINDOW = 32 << 20;

interface SectionIface {
  info: InterfaceInfo;
  clock: TickClock;
  /** Index in the reader's list of all interfaces (the frame's `iface`). */
  global: number;
}

/**
 * pcapng: sections in either byte order, any number of interfaces with
 * their own link type and clock, Enhanced / Simple / obsolete Packet
 * Blocks. Every other block is skipped by its length, after checking the
 * length is sane and repeated at the block's end.
 */
export class PcapngReader implements CaptureReader {
  readonly format = 'pcapng' as const;
  damaged = false;
  private le = true;
  private section = -1;
  private readonly orders = new Set<string>();
  private sectionIfaces: SectionIface[] = [];
  private readonly all: InterfaceInfo[] = [];
  private pos = 0;
  private frameNo = 0;
  private done = false;

  constructor(
    private readonly input: ChunkedInput,
    private readonly diag: Diagnostics,
  ) {
    const i = input.fill(0, 12);
    if (i < 0 || u32le(input.buf, i) !== PCAPNG_SHB) throw new Error('not a pcapng file');
    // The first section header must be sound, or this is not a pcapng file at all.
    this.sectionHeader(0);
  }

  describe(): string {
    const res = [...new Set(this.all.map((x) => x.resolution))].join('/');
    return `pcapng (${[...this.orders].join(' + ')}, ${this.section + 1} section${this.section === 0 ? '' : 's'}, ${this.all.length} interface${this.all.length === 1 ? '' : 's'}${res ? `, ${res} s` : ''})`;
  }

  interfaces(): readonly InterfaceInfo[] {
    return this.all;
  }

  digits(): number {
    let d = 0;
    for (const x of this.all) if (x.digits > d) d = x.digits;
    return d || 6;
  }

  position(): number {
    return this.pos;
  }

  next(f: Frame): boolean {
    // Fast path: an Enhanced Packet Block already in the buffer, sane and whole.
    const input = this.input;
    const pos = this.pos;
    const i = pos - input.base;
    if (i + 32 <= input.len && !this.done) {
      const dv = input.view;
      const le = this.le;
      const len = dv.getUint32(i + 4, le);
      if (dv.getUint32(i, le) === BT_EPB && len >= 32 && (len & 3) === 0 && i + len <= input.len && dv.getUint32(i + len - 4, le) === len) {
        const caplen = dv.getUint32(i + 20, le);
        const iface = this.sectionIfaces[dv.getUint32(i + 8, le)];
        if (caplen <= len - 32 && iface !== undefined) {
          const origLen = dv.getUint32(i + 24, le);
          f.data = input.buf;
          f.view = dv;
          f.offset = i + 28;
          f.caplen = caplen;
          f.origLen = origLen < caplen ? caplen : origLen;
          iface.clock.set(f, dv.getUint32(i + 12, le), dv.getUint32(i + 16, le));
          f.iface = iface.global;
          f.linkType = iface.info.linkType;
          f.index = ++this.frameNo;
          f.fileOffset = pos;
          this.pos = pos + len;
          return true;
        }
      }
    }
    return this.nextBlock(f);
  }

  /** Any block, with every check, refilling the buffer as needed. */
  private nextBlock(f: Frame): boolean {
    const input = this.input;
    while (!this.done) {
      const pos = this.pos;
      if (pos >= input.size) {
        this.done = true;
        return false;
      }
      let i = input.fill(pos, 12);
      if (i < 0) return this.cut(pos, 'a block header');
      let b = input.buf;
      const type = u32(b, i, this.le);
      if (type === PCAPNG_SHB) {
        this.sectionHeader(pos);
        continue;
      }
      const len = u32(b, i + 4, this.le);
      if (len < 12 || (len & 3) !== 0) {
        this.resync(pos, `block length ${len} is ${len < 12 ? 'shorter than a block header' : 'not a multiple of 4'}`);
        continue;
      }
      if (pos + len > input.size) {
        // The last block cut short, or a corrupt length in the middle: sane blocks after it tell.
        if (this.findNext(pos) < 0) return this.cut(pos, `a block of ${len} bytes`);
        this.resync(pos, `block length ${len} runs past the end of the file`);
        continue;
      }
      const isPacket = type === BT_EPB || type === BT_SPB || type === BT_PB;
      if (isPacket || type === BT_IDB) {
        if (len > MAX_RESIDENT) {
          this.diag.warn(pos, `block of ${len} bytes is too large to be a packet; skipped`);
          this.pos = pos + len;
          continue;
        }
        i = input.fill(pos, len);
        b = input.buf;
        if (u32(b, i + len - 4, this.le) !== len) {
          this.resync(pos, `block length ${len} is not repeated at the block's end`);
          continue;
        }
        this.pos = pos + len;
        if (type === BT_IDB) {
          this.interfaceDescription(pos, i, len);
          continue;
        }
        if (this.packet(f, type, pos, i, len)) return true;
        continue;
      }
      // Any other block: check the trailer (cheap, we read there next anyway) and skip it.
      const t = input.fill(pos + len - 4, 4);
      if (t < 0 || u32(input.buf, t, this.le) !== len) {
        this.resync(pos, `block length ${len} is not repeated at the block's end`);
        continue;
      }
      this.pos = pos + len;
    }
    return false;
  }

  private packet(f: Frame, type: number, pos: number, i: number, len: number): boolean {
    const b = this.input.buf;
    const le = this.le;
    let ifid: number;
    let caplen: number;
    let origLen: number;
    let data: number;
    let tsHi = -1;
    let tsLo = 0;
    if (type === BT_EPB || type === BT_PB) {
      if (len < 32) {
        this.diag.warn(pos, `${type === BT_EPB ? 'Enhanced' : 'obsolete'} Packet Block of ${len} bytes is too short; skipped`);
        return false;
      }
      ifid = type === BT_EPB ? u32(b, i + 8, le) : u16(b, i + 8, le);
      tsHi = u32(b, i + 12, le);
      tsLo = u32(b, i + 16, le);
      caplen = u32(b, i + 20, le);
      origLen = u32(b, i + 24, le);
      data = i + 28;
      if (caplen > len - 32) {
        this.diag.warn(pos, `packet block claims ${caplen} captured bytes but holds only ${len - 32}; skipped`);
        return false;
      }
    } else {
      if (len < 16) {
        this.diag.warn(pos, `Simple Packet Block of ${len} bytes is too short; skipped`);
        return false;
      }
      ifid = 0;
      origLen = u32(b, i + 8, le);
      data = i + 12;
      caplen = Math.min(origLen, len - 16);
      const snap = this.sectionIfaces[0]?.info.snaplen ?? 0;
      if (snap !== 0 && caplen > snap) caplen = snap;
    }
    const iface = this.sectionIfaces[ifid];
    if (iface === undefined) {
      this.diag.warn(pos, `packet block names interface ${ifid}, but the section describes ${this.sectionIfaces.length}; skipped`);
      return false;
    }
    f.data = b;
    f.view = this.input.view;
    f.offset = data;
    f.caplen = caplen;
    f.origLen = origLen < caplen ? caplen : origLen;
    // A Simple Packet Block has no timestamp: the frame keeps the previous packet's.
    if (tsHi >= 0) iface.clock.set(f, tsHi, tsLo);
    f.iface = iface.global;
    f.linkType = iface.info.linkType;
    f.index = ++this.frameNo;
    f.fileOffset = pos;
    return true;
  }

  /** Reads a Section Header Block, or moves past it when it is corrupt. */
  private sectionHeader(pos: number): void {
    const input = this.input;
    const j = input.fill(pos, 12);
    if (j < 0) {
      this.cut(pos, 'a section header');
      return;
    }
    const b = input.buf;
    let le: boolean;
    if (u32le(b, j + 8) === BYTE_ORDER_MAGIC) le = true;
    else if (u32be(b, j + 8) === BYTE_ORDER_MAGIC) le = false;
    else {
      if (pos === 0) throw new Error('pcapng section header has no byte-order magic');
      this.resync(pos, 'section header without a byte-order magic');
      return;
    }
    const len = u32(b, j + 4, le);
    if (len < 28 || (len & 3) !== 0) {
      if (pos === 0) throw new Error(`pcapng section header length ${len} is invalid`);
      this.resync(pos, `section header length ${len} is invalid`);
      return;
    }
    if (pos + len > input.size) {
      this.cut(pos, 'a section header');
      return;
    }
    this.le = le;
    this.section++;
    this.orders.add(le ? 'little-endian' : 'big-endian');
    this.sectionIfaces = [];
    this.pos = pos + len;
  }

  private interfaceDescription(pos: number, i: number, len: number): void {
    const b = this.input.buf;
    const le = this.le;
    if (len < 20) {
      this.diag.warn(pos, `Interface Description Block of ${len} bytes is too short`);
    }
    const linkType = len >= 20 ? u16(b, i + 8, le) : -1;
    const snaplen = len >= 20 ? u32(b, i + 12, le) : 0;
    let tsresol = 6;
    let tsoffset = 0;
    let name = '';
    let o = i + 16;
    const end = i + len - 4;
    while (o + 4 <= end) {
      const code = u16(b, o, le);
      const olen = u16(b, o + 2, le);
      const v = o + 4;
      if (code === OPT_END) break;
      if (v + olen > end) {
        this.diag.warn(pos, `interface option ${code} runs past its block; options ignored from there`);
        break;
      }
      if (code === OPT_IF_TSRESOL && olen >= 1) tsresol = b[v]!;
      else if (code === OPT_IF_TSOFFSET && olen >= 8) {
        const hi = u32(b, le ? v + 4 : v, le);
        const lo = u32(b, le ? v : v + 4, le);
        tsoffset = (hi | 0) * 4294967296 + lo;
      } else if (code === OPT_IF_NAME) name = Buffer.from(b.buffer, b.byteOffset + v, olen).toString('utf8').replace(/\0+$/, '');
      o = v + ((olen + 3) & ~3);
    }
    const clock = new TickClock(tsresol, tsoffset);
    const info: InterfaceInfo = { linkType, snaplen, digits: clock.digits, resolution: clock.resolution, name, section: this.section };
    this.sectionIfaces.push({ info, clock, global: this.all.length });
    this.all.push(info);
  }

  private cut(pos: number, what: string): boolean {
    this.done = true;
    this.damaged = true;
    this.diag.warn(pos, `file ends inside ${what} (${this.input.size - pos} bytes left over); every complete packet before it was read`);
    return false;
  }

  /** The next 4-aligned offset after `pos` that starts a sane block whose length is repeated at its end, or -1. */
  private findNext(pos: number): number {
    const input = this.input;
    const limit = Math.min(input.size - 12, pos + RESYNC_WINDOW);
    for (let q = pos + 4; q <= limit; q += 4) {
      const i = input.fill(q, 12);
      if (i < 0) break;
      const b = input.buf;
      const type = u32(b, i, this.le);
      let le = this.le;
      if (type === PCAPNG_SHB) {
        if (u32le(b, i + 8) === BYTE_ORDER_MAGIC) le = true;
        else if (u32be(b, i + 8) === BYTE_ORDER_MAGIC) le = false;
        else continue;
      } else if (!KNOWN_BLOCKS.has(type)) continue;
      const len = u32(b, i + 4, le);
      if (len < 12 || (len & 3) !== 0 || q + len > input.size) continue;
      const t = input.fill(q + len - 4, 4);
      if (t < 0 || u32(input.buf, t, le) !== len) continue;
      if (type === BT_EPB) {
        const h = input.fill(q, 28);
        const ifid = u32(input.buf, h + 8, le);
        const caplen = u32(input.buf, h + 20, le);
        if (ifid >= this.sectionIfaces.length || caplen > len - 32) continue;
      }
      return q;
    }
    return -1;
  }

  /** Skips a corrupt block to the next sane one, or stops reading when there is none. */
  private resync(pos: number, why: string): void {
    this.damaged = true;
    const q = this.findNext(pos);
    if (q >= 0) {
      this.diag.warn(pos, `corrupt block (${why}); skipped ${q - pos} bytes to the next valid block at byte ${q}`);
      this.pos = q;
      return;
    }
    this.diag.warn(pos, `corrupt block (${why}) and no valid block after it; the rest of the file (${this.input.size - pos} bytes) was not read`);
    this.done = true;
  }

  close(): void {
    this.input.close();
  }
}
