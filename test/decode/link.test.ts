import { describe, expect, it } from 'vitest';
import * as A from '../../src/decode/anomaly.js';
import { S_BROKEN, S_FRAGMENT, S_NOT_TCP, S_TCP, S_TCP_BROKEN, S_UNKNOWN_LINK } from '../../src/decode/packet.js';
import { be16, be32, bytes, concat, ethernet, ipTcp, ipv4, ipv6, le32, mp, pcapFile, sll, sll2, tcpOpt, tcpSegment, type TcpSpec } from '../helpers/build.js';
import { readBytes } from '../helpers/read.js';

const v4: TcpSpec = { src: '10.1.1.1', dst: '10.1.2.1', sport: 40000, dport: 5201, seq: 100, flags: 'PA', options: [tcpOpt.nop(), tcpOpt.nop(), tcpOpt.timestamp(1, 2), mp.dss({ ack: 7n, dsn: 9n, ssn: 1, len: 10 })], payload: 10 };
const v6: TcpSpec = { ...v4, src: 'fd00:1:1::1', dst: 'fd00:1:2::1' };

function one(linkType: number, frame: Uint8Array) {
  const { frames } = readBytes(pcapFile([{ data: frame }], { linkType }));
  expect(frames).toHaveLength(1);
  return frames[0]!;
}

function expectTcp(linkType: number, frame: Uint8Array, spec: TcpSpec = v4) {
  const f = one(linkType, frame);
  expect(f.status).toBe(S_TCP);
  expect(f.packet).toMatchObject({ src: spec.src, dst: spec.dst, srcPort: 40000, dstPort: 5201, seq: 100, payloadLen: 10 });
  expect(f.packet!.options.filter((o) => o.kind === 'mptcp')).toHaveLength(1);
  return f;
}

describe('link layers', () => {
  it('Ethernet, IPv4 and IPv6', () => {
    expectTcp(1, ethernet(ipTcp(v4)));
    expectTcp(1, ethernet(ipTcp(v6)), v6);
  });
  it('Ethernet with an 802.1Q tag and with stacked 802.1ad + 802.1Q tags', () => {
    expectTcp(1, ethernet(ipTcp(v4), { vlans: [100] }));
    expectTcp(1, ethernet(ipTcp(v6), { vlans: [10, 20] }), v6);
    expectTcp(1, ethernet(ipTcp(v4), { vlans: [1, 2, 3] }));
  });
  it('Ethernet with MPLS labels and with PPPoE', () => {
    const mac = bytes(2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2);
    expectTcp(1, concat(mac, be16(0x8847), be32(0x00001000), be32(0x00002100), ipTcp(v4)));
    expectTcp(1, concat(mac, be16(0x8864), bytes(0x11, 0, 0, 1), be16(0), be16(0x0057), ipTcp(v6)), v6);
  });
  it('Linux cooked v1 (113) and v2 (276)', () => {
    expectTcp(113, sll(ipTcp(v4)));
    expectTcp(113, sll(ipTcp(v6)), v6);
    expectTcp(276, sll2(ipTcp(v4)));
    expectTcp(276, sll2(ipTcp(v6)), v6);
  });
  it('raw IP (101, and the old DLT_RAW 12/14) and raw IPv4 / IPv6 (228, 229)', () => {
    expectTcp(101, ipTcp(v4));
    expectTcp(101, ipTcp(v6), v6);
    expectTcp(12, ipTcp(v4));
    expectTcp(14, ipTcp(v6), v6);
    expectTcp(228, ipTcp(v4));
    expectTcp(229, ipTcp(v6), v6);
  });
  it('BSD null (0): family in either byte order, every AF_INET6 value', () => {
    expectTcp(0, concat(le32(2), ipTcp(v4)));
    expectTcp(0, concat(be32(2), ipTcp(v4)));
    for (const af of [10, 24, 28, 30]) expectTcp(0, concat(le32(af), ipTcp(v6)), v6);
    expect(one(0, concat(le32(7), ipTcp(v4))).status).toBe(S_NOT_TCP);
  });
  it('OpenBSD loop (108): family in network order', () => {
    expectTcp(108, concat(be32(2), ipTcp(v4)));
    expectTcp(108, concat(be32(24), ipTcp(v6)), v6);
  });
  it('PPP (9): with and without HDLC address/control, with protocol compression', () => {
    expectTcp(9, concat(be16(0x0021), ipTcp(v4)));
    expectTcp(9, concat(bytes(0xff, 0x03), be16(0x0021), ipTcp(v4)));
    expectTcp(9, concat(bytes(0xff, 0x03), be16(0x0057), ipTcp(v6)), v6);
    expectTcp(9, concat(bytes(0x21), ipTcp(v4)));
    expect(one(9, concat(be16(0xc021), bytes(1, 2, 3, 4))).status).toBe(S_NOT_TCP);
  });
  it('PPP in HDLC framing (50), and Cisco HDLC inside it and on its own (104)', () => {
    expectTcp(50, concat(bytes(0xff, 0x03), be16(0x0021), ipTcp(v4)));
    expectTcp(50, concat(bytes(0x0f, 0x00), be16(0x86dd), ipTcp(v6)), v6);
    expectTcp(104, concat(bytes(0x8f, 0x00), be16(0x0800), ipTcp(v4)));
  });
  it('an unknown link type is not TCP, and is reported', () => {
    expect(one(147, ipTcp(v4)).status).toBe(S_UNKNOWN_LINK);
  });
  it('link headers cut short', () => {
    expect(one(1, bytes(1, 2, 3)).anomaly).toBe(A.A_LINK_TRUNCATED);
    expect(one(113, bytes(1, 2, 3)).status).toBe(S_BROKEN);
    expect(one(276, new Uint8Array(19)).status).toBe(S_BROKEN);
    expect(one(1, concat(new Uint8Array(12), be16(0x8100), bytes(0))).status).toBe(S_BROKEN);
  });
  it('non-IP ethertypes (ARP) are not TCP', () => {
    expect(one(1, concat(new Uint8Array(12), be16(0x0806), new Uint8Array(28))).status).toBe(S_NOT_TCP);
  });
});

describe('network layer', () => {
  const seg = tcpSegment(v4);
  it('IPv4 with options', () => {
    const f = expectTcp(101, ipv4('10.1.1.1', '10.1.2.1', 6, seg, { options: bytes(0x94, 0x04, 0, 0, 1, 1, 1, 0) }));
    expect(f.packet!.payloadLen).toBe(10);
  });
  it('IPv4 header length below 20, or past the captured bytes', () => {
    const bad = ipv4('10.1.1.1', '10.1.2.1', 6, seg);
    bad[0] = 0x44;
    expect(one(101, bad).anomaly).toBe(A.A_IPV4_HEADER_LENGTH);
    expect(one(101, ipv4('10.1.1.1', '10.1.2.1', 6, seg).subarray(0, 19)).anomaly).toBe(A.A_IP_TRUNCATED);
  });
  it('IPv4 total length shorter than its header is malformed; longer than the frame is clamped', () => {
    expect(one(101, ipv4('10.1.1.1', '10.1.2.1', 6, seg, { totalLength: 12 })).anomaly).toBe(A.A_IP_TOTAL_LENGTH);
    const f = one(101, ipv4('10.1.1.1', '10.1.2.1', 6, seg, { totalLength: 2000 }));
    expect(f.status).toBe(S_TCP);
    expect(f.anomaly).toBe(A.A_IP_TOTAL_LENGTH);
    expect(f.packet!.payloadLen).toBe(10);
  });
  it('IPv4 total length 0 (TSO, captured before segmentation) uses the frame length', () => {
    expect(one(101, ipv4('10.1.1.1', '10.1.2.1', 6, seg, { totalLength: 0 })).packet!.payloadLen).toBe(10);
  });
  it('Ethernet padding after the IP packet is not payload', () => {
    const small = ipTcp({ ...v4, payload: 0, options: [] });
    const f = one(1, concat(ethernet(small), new Uint8Array(6)));
    expect(f.packet!.payloadLen).toBe(0);
  });
  it('IPv4 fragments: the first (holding TCP) is decoded, the others are counted', () => {
    expect(one(101, ipv4('10.1.1.1', '10.1.2.1', 6, seg, { frag: 0x2000 })).status).toBe(S_TCP);
    expect(one(101, ipv4('10.1.1.1', '10.1.2.1', 6, bytes(1, 2, 3, 4), { frag: 0x0010 })).status).toBe(S_FRAGMENT);
  });
  it('IPv6 extension header chain: hop-by-hop, destination, routing, first fragment', () => {
    const ext: Array<[number, Uint8Array]> = [
      [0, bytes(0, 1, 4, 0, 0, 0, 0)],
      [60, bytes(0, 1, 4, 0, 0, 0, 0)],
      [43, bytes(0, 0, 0, 0, 0, 0, 0)],
      [44, bytes(0, 0, 1, 0, 0, 0, 1)],
    ];
    const f = expectTcp(101, ipv6(v6.src, v6.dst, 6, tcpSegment(v6), { ext }), v6);
    expect(f.packet!.payloadLen).toBe(10);
  });
  it('IPv6 non-first fragment is counted, not decoded', () => {
    expect(one(101, ipv6(v6.src, v6.dst, 6, bytes(1, 2, 3, 4), { ext: [[44, bytes(0, 0, 0x10, 0, 0, 0, 1)]] })).status).toBe(S_FRAGMENT);
  });
  it('IPv6 extension header running past the captured bytes', () => {
    const pkt = ipv6(v6.src, v6.dst, 6, tcpSegment(v6), { ext: [[0, bytes(0, 1, 4, 0, 0, 0, 0)]] });
    const { frames } = readBytes(pcapFile([{ data: pkt, caplen: 44, origLen: pkt.length }], { linkType: 101 }));
    expect(frames[0]!.anomaly).toBe(A.A_IP_TRUNCATED);
  });
  it('IP in IP and IPv6 in IPv4 tunnels', () => {
    const inner = ipTcp(v4);
    const f = expectTcp(101, ipv4('192.0.2.1', '192.0.2.2', 4, inner));
    expect(f.packet!.tunnels).toBe(1);
    expectTcp(101, ipv4('192.0.2.1', '192.0.2.2', 41, ipTcp(v6)), v6);
  });
  it('GTP-U over UDP 2152, with and without the optional header and extension headers', () => {
    const inner = ipTcp(v4);
    const udp = (gtp: Uint8Array) => concat(be16(2152), be16(2152), be16(8 + gtp.length), be16(0), gtp);
    const plain = concat(bytes(0x30, 0xff), be16(inner.length), be32(0x1234), inner);
    let f = expectTcp(1, ethernet(ipv4('172.16.0.1', '172.16.0.2', 17, udp(plain))));
    expect(f.packet!.tunnels).toBe(1);
    const withExt = concat(bytes(0x34, 0xff), be16(inner.length + 8), be32(0x1234), be16(0), bytes(0, 0x85), bytes(1, 0, 1, 0), inner);
    f = expectTcp(1, ethernet(ipv4('172.16.0.1', '172.16.0.2', 17, udp(withExt))));
    expect(f.packet!.tunnels).toBe(1);
    const signalling = concat(bytes(0x32, 0x01), be16(4), be32(0), bytes(0, 0, 0, 0));
    expect(one(1, ethernet(ipv4('172.16.0.1', '172.16.0.2', 17, udp(signalling)))).status).toBe(S_NOT_TCP);
  });
});

describe('TCP header and options', () => {
  it('every common option is decoded', () => {
    const f = one(101, ipTcp({ ...v4, flags: 'S', options: [tcpOpt.mss(1460), tcpOpt.sackPerm(), tcpOpt.timestamp(5, 0), tcpOpt.nop(), tcpOpt.wscale(7), mp.capable({ version: 1 }), tcpOpt.nop(), tcpOpt.nop(), tcpOpt.nop(), mp.dss({ ack: 1n })] }));
    expect(f.packet!.options.map((o) => o.kind)).toEqual(['mss', 'sack_perm', 'timestamp', 'nop', 'wscale', 'mptcp', 'nop', 'nop', 'nop', 'mptcp', 'nop']);
  });
  it('SACK blocks, TFO cookie and its experimental form', () => {
    const f = one(101, ipTcp({ ...v4, options: [tcpOpt.sack([[1, 2], [3, 4]]), tcpOpt.tfo(bytes(1, 2, 3, 4, 5, 6, 7, 8))] }));
    expect(f.packet!.options).toEqual([{ kind: 'sack', blocks: [[1, 2], [3, 4]] }, { kind: 'tfo', cookie: '0102030405060708' }]);
    const g = one(101, ipTcp({ ...v4, options: [tcpOpt.raw(254, bytes(0xf9, 0x89, 0xaa, 0xbb, 0xcc, 0xdd))] }));
    expect(g.packet!.options).toEqual([{ kind: 'tfo', cookie: 'aabbccdd' }]);
  });
  it('EOL ends the list', () => {
    const f = one(101, ipTcp({ ...v4, options: [tcpOpt.mss(1), tcpOpt.eol(), bytes(30, 2, 0)] }));
    expect(f.packet!.options.map((o) => o.kind)).toEqual(['mss', 'eol']);
  });
  it('an option length of 0 or 1 is malformed and stops the walk', () => {
    for (const l of [0, 1]) {
      const f = one(101, ipTcp({ ...v4, options: [tcpOpt.mss(1), bytes(8, l, 0, 0)] }));
      expect(f.status).toBe(S_TCP);
      expect(f.anomaly).toBe(A.A_TCP_OPTION_LENGTH);
      expect(f.packet!.options.map((o) => o.kind)).toEqual(['mss']);
    }
  });
  it('an option running past the header is malformed', () => {
    const f = one(101, ipTcp({ ...v4, options: [bytes(30, 40, 0x20, 0)] }));
    expect(f.anomaly).toBe(A.A_TCP_OPTION_LENGTH);
    expect(f.packet!.options).toEqual([]);
  });
  it('options cut by the snaplen are reported as truncated, never read past the capture', () => {
    const pkt = ipTcp({ ...v4, options: [tcpOpt.nop(), tcpOpt.nop(), tcpOpt.timestamp(1, 2), mp.dss({ ack: 1n, dsn: 2n, ssn: 3, len: 4 })] });
    for (let cut = 40; cut < 40 + 12 + 20; cut++) {
      const { frames } = readBytes(pcapFile([{ data: pkt, caplen: cut, origLen: pkt.length }], { linkType: 101 }));
      const f = frames[0]!;
      expect(f.status).toBe(S_TCP);
      expect(f.packet!.optionsTruncated).toBe(true);
      expect(f.packet!.payloadLen).toBe(10);
      expect(f.packet!.payloadCaptured).toBe(0);
    }
  });
  it('data offset below 5 words, or past the segment', () => {
    expect(one(101, ipTcp({ ...v4, options: [], dataOffsetWords: 4 })).status).toBe(S_TCP_BROKEN);
    const f = one(101, ipTcp({ ...v4, options: [], payload: 0, dataOffsetWords: 8 }));
    expect(f.status).toBe(S_TCP_BROKEN);
    expect(f.anomaly).toBe(A.A_TCP_DATA_OFFSET);
  });
  it('a TCP header cut by the snaplen is still TCP, but broken', () => {
    const pkt = ipTcp(v4);
    const { frames } = readBytes(pcapFile([{ data: pkt, caplen: 30, origLen: pkt.length }], { linkType: 101 }));
    expect(frames[0]!.status).toBe(S_TCP_BROKEN);
    expect(frames[0]!.anomaly).toBe(A.A_TCP_TRUNCATED);
  });
  it('more MPTCP options than the decoder keeps is an anomaly', () => {
    const opts = Array.from({ length: 9 }, () => mp.prio(true));
    const f = one(101, ipTcp({ ...v4, options: opts }));
    expect(f.anomaly).toBe(A.A_MPTCP_TOO_MANY);
    expect(f.packet!.options.filter((o) => o.kind === 'mptcp')).toHaveLength(8);
  });
});
