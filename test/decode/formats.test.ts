import { describe, expect, it } from 'vitest';
import { Diagnostics } from '../../src/decode/diagnostics.js';
import { openInput } from '../../src/decode/capture.js';
import { ChunkedInput } from '../../src/decode/input.js';
import { CaptureError } from '../../src/errors.js';
import { S_TCP } from '../../src/decode/packet.js';
import { be32, bytes, concat, ethernet, ipTcp, le32, pcapFile, pcapngFile, sll, type TcpSpec } from '../helpers/build.js';
import { readBytes } from '../helpers/read.js';

const spec: TcpSpec = { src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 2, payload: 20 };
const pkt = ethernet(ipTcp(spec));

describe('classic pcap', () => {
  for (const bigEndian of [false, true]) {
    it(`microseconds, ${bigEndian ? 'big' : 'little'}-endian`, () => {
      const r = readBytes(pcapFile([{ data: pkt, ts: [1795371227, 123456000] }, { data: pkt, ts: [1795371228, 999999000] }], { linkType: 1, bigEndian }));
      expect(r.format).toBe(`pcap (${bigEndian ? 'big' : 'little'}-endian, microsecond)`);
      expect(r.frames.map((f) => [f.index, f.sec, f.nsec, f.status])).toEqual([
        [1, 1795371227, 123456000, S_TCP],
        [2, 1795371228, 999999000, S_TCP],
      ]);
    });
    it(`nanoseconds, ${bigEndian ? 'big' : 'little'}-endian`, () => {
      const r = readBytes(pcapFile([{ data: pkt, ts: [1795371227, 123456789] }], { linkType: 1, nano: true, bigEndian }));
      expect(r.format).toContain('nanosecond');
      expect([r.frames[0]!.sec, r.frames[0]!.nsec]).toEqual([1795371227, 123456789]);
    });
  }
  it('snaplen-truncated records keep the wire length', () => {
    const r = readBytes(pcapFile([{ data: pkt, caplen: 54, origLen: pkt.length }], { linkType: 1, snaplen: 54 }));
    expect(r.frames[0]).toMatchObject({ caplen: 54, origLen: pkt.length, status: S_TCP });
    expect(r.frames[0]!.packet!.payloadLen).toBe(20);
    expect(r.frames[0]!.packet!.payloadCaptured).toBe(0);
  });
  it('the link type field carries FCS bits in its upper part', () => {
    const file = pcapFile([{ data: pkt }], { linkType: 1 });
    file[20 + 3] = 0x14; // F bit and FCS length in the top nibble (little-endian file: byte 23)
    expect(readBytes(file).frames[0]!.status).toBe(S_TCP);
  });
});

describe('pcapng', () => {
  it('little- and big-endian sections in one file, with their own interfaces', () => {
    const file = pcapngFile([
      { interfaces: [{ linkType: 1 }], blocks: [{ type: 'epb', data: pkt, ts: [1795371227, 500000000] }] },
      { bigEndian: true, interfaces: [{ linkType: 113 }, { linkType: 1, tsresol: 9 }], blocks: [{ type: 'epb', iface: 1, data: pkt, ts: [1795371230, 123456789] }, { type: 'epb', iface: 0, data: sll(ipTcp(spec)), ts: [1795371231, 1000] }] },
    ]);
    const r = readBytes(file);
    expect(r.format).toBe('pcapng (little-endian + big-endian, 2 sections, 3 interfaces, 10^-6/10^-9 s)');
    expect(r.frames.map((f) => [f.iface, f.linkType, f.sec, f.nsec, f.status])).toEqual([
      [0, 1, 1795371227, 500000000, S_TCP],
      [2, 1, 1795371230, 123456789, S_TCP],
      [1, 113, 1795371231, 1000, S_TCP],
    ]);
  });
  it('if_tsresol as a power of 2 and of 10, and if_tsoffset', () => {
    const file = pcapngFile([
      {
        interfaces: [
          { linkType: 1, tsresol: 0x80 | 20 },
          { linkType: 1, tsresol: 0x80 | 32 },
          { linkType: 1, tsresol: 3 },
          { linkType: 1, tsresol: 6, tsoffset: 1_700_000_000 },
        ],
        blocks: [
          { type: 'epb', iface: 0, data: pkt, ts: [1795371227, 500000000] },
          { type: 'epb', iface: 1, data: pkt, ts: [1795371227, 250000000] },
          { type: 'epb', iface: 2, data: pkt, ts: [1795371227, 7000000] },
          { type: 'epb', iface: 3, data: pkt, ts: [1795371227, 42000] },
        ],
      },
    ]);
    const r = readBytes(file);
    expect(r.frames.map((f) => [f.sec, f.nsec])).toEqual([
      [1795371227, 500000000],
      [1795371227, 250000000],
      [1795371227, 7000000],
      [1795371227, 42000],
    ]);
  });
  it('a 2^-30 clock keeps sub-microsecond precision', () => {
    const r = readBytes(pcapngFile([{ interfaces: [{ linkType: 1, tsresol: 0x80 | 30 }], blocks: [{ type: 'epb', data: pkt, ts: [1795371227, 123456789] }] }]));
    expect(r.frames[0]!.sec).toBe(1795371227);
    expect(Math.abs(r.frames[0]!.nsec - 123456789)).toBeLessThanOrEqual(1);
  });
  it('nanosecond timestamps past 2^53 ticks are exact', () => {
    const r = readBytes(pcapngFile([{ interfaces: [{ linkType: 1, tsresol: 9 }], blocks: [{ type: 'epb', data: pkt, ts: [4102444799, 999999999] }] }]));
    expect([r.frames[0]!.sec, r.frames[0]!.nsec]).toEqual([4102444799, 999999999]);
  });
  it('Simple Packet Blocks inherit the previous timestamp; obsolete Packet Blocks read', () => {
    const file = pcapngFile([
      {
        interfaces: [{ linkType: 1, snaplen: 60 }],
        blocks: [
          { type: 'pb', data: pkt, ts: [1795371227, 1000], caplen: 60, origLen: pkt.length },
          { type: 'spb', data: pkt.subarray(0, 60), origLen: pkt.length },
        ],
      },
    ]);
    const r = readBytes(file);
    expect(r.frames.map((f) => [f.sec, f.nsec, f.caplen, f.origLen, f.status])).toEqual([
      [1795371227, 1000, 60, pkt.length, S_TCP],
      [1795371227, 1000, 60, pkt.length, S_TCP],
    ]);
  });
  it('skips statistics, name-resolution, decryption-secrets, custom and unknown blocks', () => {
    const file = pcapngFile([
      {
        interfaces: [{ linkType: 1 }],
        blocks: [
          { type: 'raw', blockType: 4, body: bytes(0, 0, 0, 0) },
          { type: 'epb', data: pkt },
          { type: 'raw', blockType: 5, body: new Uint8Array(12) },
          { type: 'raw', blockType: 0x0a, body: new Uint8Array(16) },
          { type: 'raw', blockType: 0x0bad, body: new Uint8Array(8) },
          { type: 'raw', blockType: 0x1234, body: new Uint8Array(20) },
          { type: 'epb', data: pkt },
        ],
      },
    ]);
    const r = readBytes(file);
    expect(r.frames.map((f) => f.index)).toEqual([1, 2]);
    expect(r.warnings).toEqual([]);
  });
  it('a packet naming an interface the section does not describe is skipped with a warning', () => {
    const r = readBytes(pcapngFile([{ interfaces: [{ linkType: 1 }], blocks: [{ type: 'epb', iface: 3, data: pkt }, { type: 'epb', data: pkt }] }]));
    expect(r.frames).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/byte 48: packet block names interface 3, but the section describes 1; skipped/);
  });
});

describe('any read size gives the same packets', () => {
  const file = pcapngFile([
    { interfaces: [{ linkType: 1 }, { linkType: 113, tsresol: 9 }], blocks: Array.from({ length: 40 }, (_, i) => ({ type: 'epb' as const, iface: i % 2, data: i % 2 ? sll(ipTcp({ ...spec, payload: i })) : ethernet(ipTcp({ ...spec, payload: i * 3 })), ts: [1795371227 + i, i * 1000] as [number, number] })) },
    { bigEndian: true, interfaces: [{ linkType: 1 }], blocks: [{ type: 'epb', data: pkt }] },
  ]);
  const whole = readBytes(file, 1 << 20);
  for (const chunk of [16, 17, 31, 64, 100, 333, 4096]) {
    it(`chunks of ${chunk} bytes`, () => {
      expect(readBytes(file, chunk)).toEqual(whole);
    });
  }
});

describe('cut and foreign files', () => {
  it('a pcapng cut inside a block yields every complete packet and a warning with the offset', () => {
    const file = pcapngFile([{ interfaces: [{ linkType: 1 }], blocks: [{ type: 'epb', data: pkt }, { type: 'epb', data: pkt }] }]);
    const cut = file.subarray(0, file.length - 10);
    const r = readBytes(cut);
    expect(r.frames).toHaveLength(1);
    const second = 28 + 20 + (32 + pkt.length + ((4 - (pkt.length % 4)) % 4));
    expect(r.warnings).toEqual([`test: byte ${second}: file ends inside a block of ${file.length - second} bytes (${cut.length - second} bytes left over); every complete packet before it was read`]);
    expect(r.damaged).toBe(true);
  });
  it('a pcap cut inside a record header or inside packet data', () => {
    const file = pcapFile([{ data: pkt }, { data: pkt }], { linkType: 1 });
    for (const cut of [24 + 16 + pkt.length + 7, file.length - 1]) {
      const r = readBytes(file.subarray(0, cut));
      expect(r.frames).toHaveLength(1);
      expect(r.warnings[0]).toMatch(new RegExp(`^test: byte ${24 + 16 + pkt.length}: file ends inside a packet record`));
    }
  });
  it('not a capture: one error naming the file, byte 0 and what is there', () => {
    const open = (b: Uint8Array) => () => openInput(ChunkedInput.fromBytes(b), 'x.pcap', new Diagnostics('x.pcap'));
    expect(open(new TextEncoder().encode('hello world'))).toThrowError(new CaptureError('x.pcap', 0, 'not a capture file: no pcap or pcapng magic (starts with 68 65 6c 6c)'));
    expect(open(bytes(0x1f, 0x8b, 8, 0, 0, 0))).toThrowError(/gzip-compressed/);
    expect(open(concat(le32(0xa1b2c3d4), bytes(2, 0)))).toThrowError(/byte 0: file ends inside the pcap file header/);
    expect(open(concat(be32(0x0a0d0d0a), be32(28), be32(0x99999999), new Uint8Array(16)))).toThrowError(/byte-order magic/);
  });
});
