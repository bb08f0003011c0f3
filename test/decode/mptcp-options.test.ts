import { describe, expect, it } from 'vitest';
import { decodeMptcpOption, MptcpOption } from '../../src/decode/mptcp.js';
import { mptcpRepr } from '../../src/decode/repr.js';
import { bytes, concat, fromHex, mp, mptcp } from '../helpers/build.js';

/** Decodes one option placed after a few unrelated bytes (offsets must not assume 0). */
function decode(opt: Uint8Array) {
  const buf = concat(bytes(0xee, 0xee, 0xee), opt, bytes(0xee));
  const m = new MptcpOption();
  const ok = decodeMptcpOption(buf, new DataView(buf.buffer, buf.byteOffset, buf.byteLength), 3, opt[1]!, m);
  return { ok, repr: mptcpRepr(buf, m), m };
}

const K1 = 0x0123456789abcdefn;
const K2 = 0xfedcba9876543210n;

describe('MP_CAPABLE', () => {
  it('v1 SYN: no key (length 4)', () => {
    const { ok, repr } = decode(mp.capable({ version: 1, flags: 0x81 }));
    expect(ok).toBe(true);
    expect(repr).toEqual({ subtype: 'mp_capable', length: 4, malformed: false, version: 1, flags: 0x81 });
  });
  it('SYN/ACK or v0 SYN: sender key (length 12)', () => {
    const { repr } = decode(mp.capable({ version: 0, flags: 0x81, senderKey: K1 }));
    expect(repr).toMatchObject({ subtype: 'mp_capable', length: 12, version: 0, senderKey: K1 });
    expect(repr).not.toHaveProperty('receiverKey');
  });
  it('third ACK: both keys (length 20)', () => {
    const { repr } = decode(mp.capable({ senderKey: K1, receiverKey: K2 }));
    expect(repr).toMatchObject({ length: 20, senderKey: K1, receiverKey: K2 });
    expect(repr).not.toHaveProperty('dataLen');
  });
  it('v1 first data packet: keys and data-level length (length 22)', () => {
    const { repr } = decode(mp.capable({ senderKey: K1, receiverKey: K2, dataLen: 16 }));
    expect(repr).toMatchObject({ length: 22, dataLen: 16 });
    expect(repr).not.toHaveProperty('checksum');
  });
  it('v1 first data packet with checksum (length 24)', () => {
    const { repr } = decode(mp.capable({ flags: 0x81, senderKey: K1, receiverKey: K2, dataLen: 100, checksum: 0xbeef }));
    expect(repr).toMatchObject({ length: 24, dataLen: 100, checksum: 0xbeef, flags: 0x81 });
  });
  it('an impossible length is malformed, the fields that fit are kept', () => {
    const { ok, repr } = decode(mptcp(0, 1, concat(bytes(0x01), fromHex('0102030405060708'), bytes(9, 9))));
    expect(ok).toBe(false);
    expect(repr).toMatchObject({ malformed: true, length: 14, senderKey: 0x0102030405060708n });
  });
  it('length 3 cannot hold the flags', () => {
    const { ok, repr } = decode(bytes(30, 3, 0x01));
    expect(ok).toBe(false);
    expect(repr).toMatchObject({ subtype: 'mp_capable', malformed: true });
  });
});

describe('MP_JOIN', () => {
  it('SYN: token, nonce, address id, backup', () => {
    const { repr } = decode(mp.joinSyn({ backup: true, addrId: 7, token: 0xdeadbeef, nonce: 0x01020304 }));
    expect(repr).toEqual({ subtype: 'mp_join', phase: 'syn', length: 12, malformed: false, backup: true, addrId: 7, token: 0xdeadbeef, nonce: 0x01020304 });
  });
  it('SYN/ACK: truncated HMAC and nonce', () => {
    const { repr } = decode(mp.joinSynAck({ addrId: 2, hmac: fromHex('1122334455667788'), nonce: 0xcafebabe }));
    expect(repr).toEqual({ subtype: 'mp_join', phase: 'synack', length: 16, malformed: false, backup: false, addrId: 2, hmac: '1122334455667788', nonce: 0xcafebabe });
  });
  it('ACK: full 160-bit HMAC', () => {
    const h = fromHex('000102030405060708090a0b0c0d0e0f10111213');
    const { repr } = decode(mp.joinAck(h));
    expect(repr).toEqual({ subtype: 'mp_join', phase: 'ack', length: 24, malformed: false, hmac: '000102030405060708090a0b0c0d0e0f10111213' });
  });
  it('another length is malformed', () => {
    const { ok, repr } = decode(mptcp(1, 0, bytes(1, 2, 3, 4, 5)));
    expect(ok).toBe(false);
    expect(repr).toMatchObject({ subtype: 'mp_join', phase: 'unknown', malformed: true });
  });
});

describe('DSS', () => {
  it('data ACK only, 8 bytes', () => {
    const { repr } = decode(mp.dss({ ack: 0x1122334455667788n }));
    expect(repr).toEqual({ subtype: 'dss', length: 12, malformed: false, flags: 0x03, dataAck: 0x1122334455667788n, ack64: true, dataFin: false });
  });
  it('data ACK only, 4 bytes', () => {
    const { repr } = decode(mp.dss({ ack: 0xaabbccddn, ack64: false }));
    expect(repr).toMatchObject({ length: 8, flags: 0x01, dataAck: 0xaabbccddn, ack64: false });
  });
  it('mapping only, 8-byte DSN', () => {
    const { repr } = decode(mp.dss({ dsn: 0xffffffffffffff00n, ssn: 1, len: 1424 }));
    expect(repr).toEqual({ subtype: 'dss', length: 18, malformed: false, flags: 0x0c, dsn: 0xffffffffffffff00n, dsn64: true, ssn: 1, dataLen: 1424, dataFin: false });
  });
  it('mapping only, 4-byte DSN', () => {
    const { repr } = decode(mp.dss({ dsn: 0x12345678n, dsn64: false, ssn: 77, len: 5 }));
    expect(repr).toMatchObject({ length: 14, flags: 0x04, dsn: 0x12345678n, dsn64: false, ssn: 77, dataLen: 5 });
  });
  it('4-byte ACK and 8-byte DSN with checksum (Linux with checksums on)', () => {
    const { repr } = decode(mp.dss({ ack: 5n, ack64: false, dsn: 9n, ssn: 3, len: 100, checksum: 0x1234 }));
    expect(repr).toMatchObject({ length: 24, flags: 0x0d, dataAck: 5n, ack64: false, dsn: 9n, dsn64: true, ssn: 3, dataLen: 100, checksum: 0x1234 });
  });
  it('8-byte ACK, 8-byte DSN, checksum, DATA_FIN', () => {
    const { repr } = decode(mp.dss({ ack: 1n, dsn: 2n, ssn: 0, len: 1, checksum: 0, fin: true }));
    expect(repr).toMatchObject({ length: 28, flags: 0x1f, dataAck: 1n, dsn: 2n, dataLen: 1, checksum: 0, dataFin: true });
  });
  it('4-byte ACK and 4-byte DSN (iOS)', () => {
    const { repr } = decode(mp.dss({ ack: 10n, ack64: false, dsn: 20n, dsn64: false, ssn: 30, len: 40, checksum: 0xffff }));
    expect(repr).toMatchObject({ length: 20, flags: 0x05, dataAck: 10n, dsn: 20n, ssn: 30, dataLen: 40, checksum: 0xffff });
  });
  it('infinite mapping: data-level length 0', () => {
    const { repr } = decode(mp.dss({ dsn: 100n, ssn: 0, len: 0 }));
    expect(repr).toMatchObject({ dataLen: 0 });
  });
  it('shorter than its flags say: malformed, the mapping is not read', () => {
    const full = mp.dss({ ack: 1n, dsn: 2n, ssn: 3, len: 4 });
    const cut = concat(bytes(30, 14), full.subarray(2, 14));
    const { ok, repr, m } = decode(cut);
    expect(ok).toBe(false);
    expect(m.hasAck).toBe(true);
    expect(m.hasMap).toBe(false);
    expect(repr).toMatchObject({ malformed: true, dataAck: 1n });
    expect(repr).not.toHaveProperty('dsn');
  });
});

describe('ADD_ADDR', () => {
  it('v1 IPv4 with HMAC', () => {
    const { repr } = decode(mp.addAddr({ addrId: 1, address: '10.2.2.1', hmac: fromHex('163db24ee570c6a0') }));
    expect(repr).toEqual({ subtype: 'add_addr', length: 16, malformed: false, layout: 'rfc8684', echo: false, addrId: 1, ipVersion: 4, address: '10.2.2.1', hmac: '163db24ee570c6a0' });
  });
  it('v1 IPv4 with port and HMAC', () => {
    const { repr } = decode(mp.addAddr({ addrId: 3, address: '192.0.2.1', port: 8080, hmac: fromHex('0102030405060708') }));
    expect(repr).toMatchObject({ length: 18, port: 8080, address: '192.0.2.1', hmac: '0102030405060708' });
  });
  it('v1 IPv4 echo (no HMAC)', () => {
    const { repr } = decode(mp.addAddr({ addrId: 1, address: '10.2.2.1', echo: true }));
    expect(repr).toEqual({ subtype: 'add_addr', length: 8, malformed: false, layout: 'rfc8684', echo: true, addrId: 1, ipVersion: 4, address: '10.2.2.1' });
  });
  it('v1 IPv4 echo with port', () => {
    const { repr } = decode(mp.addAddr({ addrId: 1, address: '10.2.2.1', echo: true, port: 443 }));
    expect(repr).toMatchObject({ length: 10, echo: true, port: 443 });
  });
  it('v1 IPv6 with HMAC, and with port', () => {
    expect(decode(mp.addAddr({ addrId: 4, address: 'fd00:2:2::1', hmac: fromHex('aabbccddeeff0011') })).repr).toMatchObject({ length: 28, ipVersion: 6, address: 'fd00:2:2::1' });
    expect(decode(mp.addAddr({ addrId: 4, address: 'fd00:2:2::1', port: 1 })).repr).toMatchObject({ length: 30, ipVersion: 6, port: 1 });
  });
  it('v1 IPv6 echo, with and without port', () => {
    expect(decode(mp.addAddr({ addrId: 4, address: '2001:db8::5', echo: true })).repr).toMatchObject({ length: 20, echo: true, address: '2001:db8::5' });
    expect(decode(mp.addAddr({ addrId: 4, address: '2001:db8::5', echo: true, port: 9 })).repr).toMatchObject({ length: 22, port: 9 });
  });
  it('v0 (RFC 6824) IPv4 and IPv6, with and without port', () => {
    expect(decode(mp.addAddr({ v0: true, addrId: 2, address: '130.104.230.45' })).repr).toEqual({
      subtype: 'add_addr',
      length: 8,
      malformed: false,
      layout: 'rfc6824',
      echo: false,
      addrId: 2,
      ipVersion: 4,
      address: '130.104.230.45',
    });
    expect(decode(mp.addAddr({ v0: true, addrId: 2, address: '130.104.230.45', port: 80 })).repr).toMatchObject({ length: 10, port: 80 });
    expect(decode(mp.addAddr({ v0: true, addrId: 5, address: '2001:6a8:3080:2:217:16ff:fe00:1' })).repr).toMatchObject({ length: 20, ipVersion: 6, address: '2001:6a8:3080:2:217:16ff:fe00:1' });
    expect(decode(mp.addAddr({ v0: true, addrId: 5, address: '2001:db8::1', port: 1 })).repr).toMatchObject({ length: 22, port: 1 });
  });
  it('a length that fits no layout is malformed', () => {
    const { ok, repr } = decode(mptcp(3, 0, bytes(1, 10, 0, 0, 1, 9, 9)));
    expect(ok).toBe(false);
    expect(repr.malformed).toBe(true);
  });
});

describe('the other subtypes', () => {
  it('REMOVE_ADDR lists address ids', () => {
    expect(decode(mp.removeAddr([1])).repr).toEqual({ subtype: 'remove_addr', length: 4, malformed: false, addrIds: [1] });
    expect(decode(mp.removeAddr([3, 4, 9])).repr).toMatchObject({ addrIds: [3, 4, 9], length: 6 });
  });
  it('MP_PRIO with and without address id', () => {
    expect(decode(mp.prio(true)).repr).toEqual({ subtype: 'mp_prio', length: 3, malformed: false, backup: true });
    expect(decode(mp.prio(false, 2)).repr).toEqual({ subtype: 'mp_prio', length: 4, malformed: false, backup: false, addrId: 2 });
  });
  it('MP_FAIL carries a 64-bit DSN', () => {
    expect(decode(mp.fail(0x8000000000000001n)).repr).toEqual({ subtype: 'mp_fail', length: 12, malformed: false, dsn: 0x8000000000000001n });
  });
  it('MP_FASTCLOSE carries the receiver key', () => {
    expect(decode(mp.fastclose(K2)).repr).toEqual({ subtype: 'mp_fastclose', length: 12, malformed: false, receiverKey: K2 });
  });
  it('MP_TCPRST: flags and reason', () => {
    expect(decode(mp.tcprst(0x1, 6)).repr).toEqual({ subtype: 'mp_tcprst', length: 4, malformed: false, flags: 1, reason: 6 });
  });
  it('short MP_FAIL / MP_FASTCLOSE / MP_TCPRST are malformed', () => {
    expect(decode(mptcp(6, 0, bytes(0, 1, 2))).ok).toBe(false);
    expect(decode(mptcp(7, 0, bytes(0, 1, 2))).ok).toBe(false);
    expect(decode(bytes(30, 3, 0x81)).repr).toMatchObject({ subtype: 'mp_tcprst', malformed: true, flags: 1 });
  });
  it('an unknown subtype is kept raw', () => {
    const { ok, repr } = decode(mptcp(11, 2, bytes(0xab, 0xcd)));
    expect(ok).toBe(true);
    expect(repr).toEqual({ subtype: 'unknown', length: 5, malformed: false, code: 11, raw: '1e05b2abcd' });
  });
  it('a length of 2 has no subtype at all', () => {
    const { ok, repr } = decode(bytes(30, 2));
    expect(ok).toBe(false);
    expect(repr).toMatchObject({ subtype: 'unknown', code: -1, malformed: true });
  });
});
