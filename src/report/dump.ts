import { deriveFromKey } from '../analyze/crypto.js';
import type { MptcpRepr, PacketRepr, TcpOptionRepr } from '../decode/repr.js';
import { TCPRST_REASONS } from '../decode/mptcp.js';
import { formatEpoch } from './time.js';

/**
 * One tcpdump-like line per TCP packet, with every MPTCP option spelled
 * out. Sequence numbers are absolute (tcpdump -S): this is the view for
 * comparing with other tools byte for byte.
 */
export function dumpLine(p: PacketRepr, digits: number): string {
  const parts = [`Flags [${tcpFlags(p.flags)}]`];
  const end = p.seq + p.payloadLen;
  parts.push(p.payloadLen > 0 ? `seq ${p.seq}:${end >>> 0}` : `seq ${p.seq}`);
  if (p.flags & 0x10) parts.push(`ack ${p.ack}`);
  parts.push(`win ${p.window}`);
  if (p.options.length > 0 || p.optionsTruncated) {
    const opts = p.options.map(tcpOption);
    if (p.optionsTruncated) opts.push('[options cut by snaplen]');
    parts.push(`options [${opts.join(',')}]`);
  }
  let len = `length ${p.payloadLen}`;
  if (p.payloadCaptured < p.payloadLen) len += ` (${p.payloadCaptured} captured)`;
  parts.push(len);
  const tun = p.tunnels > 0 ? ' (tunnelled)' : '';
  const src = `${p.src}.${p.srcPort}`;
  const dst = `${p.dst}.${p.dstPort}`;
  return `${p.frame} ${formatEpoch(p.sec, p.nsec, digits)} ${src} > ${dst}${tun}: ${parts.join(', ')}`;
}

/** The letters of each flag combination, made once: packets.csv asks for them a million times. */
const FLAG_LETTERS: string[] = [];

/** tcpdump's flag letters: S F P R U W E, "." for ACK, A for AE. */
export function tcpFlags(f: number): string {
  return (FLAG_LETTERS[f] ??= flagLetters(f));
}

function flagLetters(f: number): string {
  let s = '';
  if (f & 0x02) s += 'S';
  if (f & 0x01) s += 'F';
  if (f & 0x08) s += 'P';
  if (f & 0x04) s += 'R';
  if (f & 0x20) s += 'U';
  if (f & 0x80) s += 'W';
  if (f & 0x40) s += 'E';
  if (f & 0x100) s += 'A';
  if (f & 0x10) s += '.';
  return s || 'none';
}

function tcpOption(o: TcpOptionRepr): string {
  switch (o.kind) {
    case 'eol':
      return 'eol';
    case 'nop':
      return 'nop';
    case 'mss':
      return `mss ${o.value}`;
    case 'wscale':
      return `wscale ${o.value}`;
    case 'sack_perm':
      return 'sackOK';
    case 'sack':
      return `sack ${o.blocks.length} ${o.blocks.map(([l, r]) => `{${l}:${r}}`).join('')}`;
    case 'timestamp':
      return `TS val ${o.value} ecr ${o.echo}`;
    case 'tfo':
      return o.cookie ? `tfo cookie ${o.cookie}` : 'tfo cookiereq';
    case 'mptcp':
      return `mptcp ${mptcpOption(o.option)}`;
    case 'other':
      return `opt-${o.code}${o.raw ? ` 0x${o.raw}` : ''}`;
  }
}

function hex64(v: bigint): string {
  return `0x${v.toString(16).padStart(16, '0')}`;
}

function hex32(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
}

function keyText(version: number, key: bigint): string {
  if (version !== 0 && version !== 1) return hex64(key);
  const hi = Number(key >> 32n);
  const lo = Number(key & 0xffffffffn);
  const d = deriveFromKey(version, hi, lo);
  return `${hex64(key)} (token ${hex32(d.token)})`;
}

function capFlags(f: number): string {
  const names: string[] = [];
  if (f & 0x80) names.push('A');
  if (f & 0x40) names.push('B');
  if (f & 0x20) names.push('C');
  if (f & 0x1e) names.push(`res=0x${(f & 0x1e).toString(16)}`);
  if (f & 0x01) names.push('H');
  return `0x${f.toString(16).padStart(2, '0')}${names.length ? `[${names.join(',')}]` : ''}`;
}

function rstFlags(f: number): string {
  const names: string[] = [];
  if (f & 0x8) names.push('U');
  if (f & 0x4) names.push('V');
  if (f & 0x2) names.push('W');
  if (f & 0x1) names.push('T');
  return `[${names.join(',')}]`;
}

export function mptcpOption(m: MptcpRepr): string {
  if (m.truncated) return `${m.subtype === 'unknown' ? `subtype ${m.code}` : m.subtype}${m.subtype === 'mp_capable' ? ` v${m.version}` : ''} [cut by snaplen: ${m.length} bytes]`;
  const out: string[] = [];
  switch (m.subtype) {
    case 'mp_capable':
      out.push(`mp_capable v${m.version} flags ${capFlags(m.flags)}`);
      if (m.senderKey !== undefined) out.push(`sndkey ${keyText(m.version, m.senderKey)}`);
      if (m.receiverKey !== undefined) out.push(`rcvkey ${keyText(m.version, m.receiverKey)}`);
      if (m.dataLen !== undefined) out.push(`datalen ${m.dataLen}`);
      if (m.checksum !== undefined) out.push(`csum 0x${m.checksum.toString(16).padStart(4, '0')}`);
      break;
    case 'mp_join':
      out.push(`mp_join ${m.phase}`);
      if (m.addrId !== undefined) out.push(`id ${m.addrId}`);
      if (m.backup !== undefined) out.push(`backup ${m.backup ? 1 : 0}`);
      if (m.token !== undefined) out.push(`token ${hex32(m.token)}`);
      if (m.hmac !== undefined) out.push(`hmac 0x${m.hmac}`);
      if (m.nonce !== undefined) out.push(`nonce ${hex32(m.nonce)}`);
      break;
    case 'dss':
      out.push(`dss flags 0x${m.flags.toString(16).padStart(2, '0')}`);
      if (m.dataAck !== undefined) out.push(`${m.ack64 ? 'ack64' : 'ack32'} ${m.dataAck}`);
      if (m.dsn !== undefined) out.push(`${m.dsn64 ? 'dsn64' : 'dsn32'} ${m.dsn} ssn ${m.ssn} len ${m.dataLen}`);
      if (m.checksum !== undefined) out.push(`csum 0x${m.checksum.toString(16).padStart(4, '0')}`);
      if (m.dataFin) out.push('data_fin');
      break;
    case 'add_addr':
      out.push(m.layout === 'rfc6824' ? 'add_addr(v0)' : m.echo ? 'add_addr echo' : 'add_addr');
      if (m.addrId !== undefined) out.push(`id ${m.addrId}`);
      if (m.address !== undefined) out.push(m.address);
      if (m.port !== undefined) out.push(`port ${m.port}`);
      if (m.hmac !== undefined) out.push(`hmac 0x${m.hmac}`);
      break;
    case 'remove_addr':
      out.push(`remove_addr ids [${m.addrIds.join(',')}]`);
      break;
    case 'mp_prio':
      out.push(`mp_prio backup ${m.backup ? 1 : 0}`);
      if (m.addrId !== undefined) out.push(`id ${m.addrId}`);
      break;
    case 'mp_fail':
      out.push('mp_fail');
      if (m.dsn !== undefined) out.push(`dsn ${m.dsn}`);
      break;
    case 'mp_fastclose':
      out.push('mp_fastclose');
      if (m.receiverKey !== undefined) out.push(`rcvkey ${hex64(m.receiverKey)}`);
      break;
    case 'mp_tcprst':
      out.push(`mp_tcprst flags ${rstFlags(m.flags)}`);
      if (m.reason !== undefined) out.push(`reason ${m.reason} (${TCPRST_REASONS[m.reason] ?? 'unassigned'})`);
      break;
    case 'unknown':
      out.push(m.code < 0 ? 'no subtype' : `subtype ${m.code}`);
      out.push(`raw 0x${m.raw}`);
      break;
  }
  if (m.malformed) out.push(`[malformed: length ${m.length}]`);
  return out.join(' ');
}
