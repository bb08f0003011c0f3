
/** MPTCP option subtypes (RFC 8684 §7, RFC 6824 §8). */
export const MP_CAPABLE = 0;
export const MP_JOIN = 1;
export const MP_DSS = 2;
export const MP_ADD_ADDR = 3;
export const MP_REMOVE_ADDR = 4;
export const MP_PRIO = 5;
export const MP_FAIL = 6;
export const MP_FASTCLOSE = 7;
export const MP_TCPRST = 8;
export const MP_EXPERIMENTAL = 15;

export const SUBTYPE_NAMES: readonly string[] = [
  'mp_capable',
  'mp_join',
  'dss',
  'add_addr',
  'remove_addr',
  'mp_prio',
  'mp_fail',
  'mp_fastclose',
  'mp_tcprst',
];

export function subtypeName(s: number): string {
  if (s === MP_EXPERIMENTAL) return 'mp_experimental';
  return SUBTYPE_NAMES[s] ?? `subtype_${s}`;
}

/** MP_CAPABLE flag bits (byte 3). */
export const CAP_A_CHECKSUM = 0x80;
export const CAP_B_EXTENSIBILITY = 0x40;
export const CAP_C_NO_MORE_SUBFLOWS = 0x20;
export const CAP_H_HMAC = 0x01;

/** DSS flag bits (byte 3). */
export const DSS_DATA_ACK = 0x01;
export const DSS_ACK64 = 0x02;
export const DSS_MAPPING = 0x04;
export const DSS_DSN64 = 0x08;
export const DSS_DATA_FIN = 0x10;

/** MP_TCPRST flag bits (low nibble of byte 2). */
export const RST_U = 0x8;
export const RST_V = 0x4;
export const RST_W = 0x2;
export const RST_T = 0x1;

/** MP_TCPRST reason codes (RFC 8684 §3.6). */
export const TCPRST_REASONS: readonly string[] = [
  'unspecified',
  'mptcp-specific',
  'lack-of-resources',
  'administratively-prohibited',
  'too-much-outstanding-data',
  'unacceptable-performance',
  'middlebox-interference',
];

const EMPTY_VIEW = new DataView(new ArrayBuffer(0));

/**
 * One decoded MPTCP option, reused across packets (the decoder keeps a
 * fixed pool). One flat shape for every subtype keeps property access
 * monomorphic. Read only the fields of the option's subtype: a DSS
 * option leaves the other subtypes' fields as the previous packet had them.
 *
 * DSS, in nearly every packet, is a view (smoltcp's `Packet<T>`): decoding
 * checks its length against its flags and notes where the data ACK and
 * the mapping sit; the accessors read them from the frame's buffer. So do
 * every offset field. All of it shares the frame's lifetime (until the
 * reader's next packet).
 */
export class MptcpOption {
  /** Subtype, or -1 when the option is too short to hold one. */
  subtype = -1;
  /** The option's length byte. */
  length = 0;
  /** Index of the option's kind byte in the frame buffer. */
  offset = 0;
  /** Shorter (or longer) than its subtype allows: fields that did not fit are left unset. */
  malformed = false;
  /** Cut by the snaplen: only the subtype (and MP_CAPABLE's version) is known. */
  truncated = false;

  // MP_CAPABLE
  version = -1;
  capFlags = 0;
  hasSenderKey = false;
  senderKeyHi = 0;
  senderKeyLo = 0;
  hasReceiverKey = false;
  receiverKeyHi = 0;
  receiverKeyLo = 0;
  /** MP_CAPABLE data-level length and checksum (see the dataLen and checksum accessors). */
  capDataLen = -1;
  capChecksum = -1;

  // MP_JOIN, MP_PRIO, ADD_ADDR, REMOVE_ADDR
  backup = false;
  addrId = -1;
  token = 0;
  nonce = 0;
  /** HMAC bytes (MP_JOIN SYN/ACK: 8 truncated; ACK: 20; ADD_ADDR: 8), or -1. */
  hmacOffset = -1;
  hmacLen = 0;

  // DSS (the values through the accessors below)
  dssFlags = 0;
  hasAck = false;
  ack64 = false;
  hasMap = false;
  dsn64 = false;
  dataFin = false;
  hasChecksum = false;
  /** Index in the buffer of the data ACK and of the mapping's DSN, or -1. */
  ackOffset = -1;
  mapOffset = -1;
  private dv: DataView = EMPTY_VIEW;

  // MP_FAIL (see the dsnHi and dsnLo accessors)
  failDsnHi = 0;
  failDsnLo = 0;

  // ADD_ADDR
  /** RFC 6824 layout (IP version in the low nibble) rather than RFC 8684 (echo flag). */
  addAddrV0 = false;
  echo = false;
  ipVersion = 0;
  addrOffset = -1;
  port = -1;

  // REMOVE_ADDR
  idsOffset = -1;
  idsCount = 0;

  // MP_TCPRST
  rstFlags = 0;
  reason = -1;

  reset(): void {
    this.subtype = -1;
    this.length = 0;
    this.offset = 0;
    this.malformed = false;
    this.truncated = false;
    this.version = -1;
    this.capFlags = 0;
    this.hasSenderKey = false;
    this.senderKeyHi = 0;
    this.senderKeyLo = 0;
    this.hasReceiverKey = false;
    this.receiverKeyHi = 0;
    this.receiverKeyLo = 0;
    this.capDataLen = -1;
    this.capChecksum = -1;
    this.backup = false;
    this.addrId = -1;
    this.token = 0;
    this.nonce = 0;
    this.hmacOffset = -1;
    this.hmacLen = 0;
    this.dssFlags = 0;
    this.hasAck = false;
    this.ack64 = false;
    this.hasMap = false;
    this.dsn64 = false;
    this.dataFin = false;
    this.hasChecksum = false;
    this.ackOffset = -1;
    this.mapOffset = -1;
    this.failDsnHi = 0;
    this.failDsnLo = 0;
    this.addAddrV0 = false;
    this.echo = false;
    this.ipVersion = 0;
    this.addrOffset = -1;
    this.port = -1;
    this.idsOffset = -1;
    this.idsCount = 0;
    this.rstFlags = 0;
    this.reason = -1;
  }

  /** Points the DSS accessors at the frame's buffer. */
  setView(dv: DataView): void {
    this.dv = dv;
  }

  /** DSS data ACK, high and low 32 bits (high 0 for a 4-byte ACK). */
  get ackHi(): number {
    return this.hasAck && this.ack64 ? this.dv.getUint32(this.ackOffset) : 0;
  }

  get ackLo(): number {
    return this.hasAck ? this.dv.getUint32(this.ack64 ? this.ackOffset + 4 : this.ackOffset) : 0;
  }

  /** DSS mapping DSN (high 0 for a 4-byte DSN), or MP_FAIL's DSN. */
  get dsnHi(): number {
    if (this.subtype !== MP_DSS) return this.failDsnHi;
    return this.hasMap && this.dsn64 ? this.dv.getUint32(this.mapOffset) : 0;
  }

  get dsnLo(): number {
    if (this.subtype !== MP_DSS) return this.failDsnLo;
    return this.hasMap ? this.dv.getUint32(this.dsn64 ? this.mapOffset + 4 : this.mapOffset) : 0;
  }

  /** DSS subflow sequence number (relative to the subflow's ISN). */
  get ssn(): number {
    return this.hasMap ? this.dv.getUint32(this.mapOffset + (this.dsn64 ? 8 : 4)) : 0;
  }

  /** Data-level length of a DSS mapping or of MP_CAPABLE with data, or -1. */
  get dataLen(): number {
    if (this.subtype !== MP_DSS) return this.capDataLen;
    return this.hasMap ? this.dv.getUint16(this.mapOffset + (this.dsn64 ? 12 : 8)) : -1;
  }

  /** DSS or MP_CAPABLE checksum, or -1 when absent. */
  get checksum(): number {
    if (this.subtype !== MP_DSS) return this.capChecksum;
    return this.hasChecksum ? this.dv.getUint16(this.mapOffset + (this.dsn64 ? 14 : 10)) : -1;
  }
}

/**
 * Decodes the MPTCP option whose kind byte is at `o` with length `len`
 * (already checked to lie within the captured bytes) into `m`.
 * Returns false when the option is malformed for its subtype; whatever
 * fitted is still set.
 */
export function decodeMptcpOption(b: Uint8Array, dv: DataView, o: number, len: number, m: MptcpOption): boolean {
  m.offset = o;
  m.length = len;
  m.malformed = false;
  m.truncated = false;
  if (len < 3) {
    m.reset();
    m.offset = o;
    m.length = len;
    m.malformed = true;
    return false;
  }
  const st = b[o + 2]! >> 4;
  if (st === MP_DSS) return decodeDss(b, dv, o, len, m);
  // The rare subtypes reset every field first.
  m.reset();
  m.offset = o;
  m.length = len;
  m.subtype = st;
  switch (st) {
    case MP_CAPABLE:
      return capable(b, dv, o, len, m);
    case MP_JOIN:
      return join(b, dv, o, len, m);
    case MP_ADD_ADDR:
      return addAddr(b, dv, o, len, m);
    case MP_REMOVE_ADDR:
      if (len < 4) return bad(m);
      m.idsOffset = o + 3;
      m.idsCount = len - 3;
      return true;
    case MP_PRIO:
      m.backup = (b[o + 2]! & 1) !== 0;
      if (len >= 4) m.addrId = b[o + 3]!;
      return len === 3 || len === 4 || bad(m);
    case MP_FAIL:
      if (len < 12) return bad(m);
      m.dsn64 = true;
      m.failDsnHi = dv.getUint32(o + 4);
      m.failDsnLo = dv.getUint32(o + 8);
      return len === 12 || bad(m);
    case MP_FASTCLOSE:
      if (len < 12) return bad(m);
      m.hasReceiverKey = true;
      m.receiverKeyHi = dv.getUint32(o + 4);
      m.receiverKeyLo = dv.getUint32(o + 8);
      return len === 12 || bad(m);
    case MP_TCPRST:
      m.rstFlags = b[o + 2]! & 0x0f;
      if (len < 4) return bad(m);
      m.reason = b[o + 3]!;
      return len === 4 || bad(m);
    default:
      return true;
  }
}

/** An option the snaplen cut after its subtype byte (at o + 2): the subtype is all we keep. */
export function truncatedMptcpOption(b: Uint8Array, o: number, len: number, m: MptcpOption): void {
  m.reset();
  m.offset = o;
  m.length = len;
  m.truncated = true;
  m.subtype = b[o + 2]! >> 4;
  if (m.subtype === MP_CAPABLE) m.version = b[o + 2]! & 0x0f;
}

function bad(m: MptcpOption): boolean {
  m.malformed = true;
  return false;
}

function capable(b: Uint8Array, dv: DataView, o: number, len: number, m: MptcpOption): boolean {
  m.version = b[o + 2]! & 0x0f;
  if (len < 4) return bad(m);
  m.capFlags = b[o + 3]!;
  if (len >= 12) {
    m.hasSenderKey = true;
    m.senderKeyHi = dv.getUint32(o + 4);
    m.senderKeyLo = dv.getUint32(o + 8);
  }
  if (len >= 20) {
    m.hasReceiverKey = true;
    m.receiverKeyHi = dv.getUint32(o + 12);
    m.receiverKeyLo = dv.getUint32(o + 16);
  }
  if (len >= 22) m.capDataLen = dv.getUint16(o + 20);
  if (len >= 24) m.capChecksum = dv.getUint16(o + 22);
  return len === 4 || len === 12 || len === 20 || len === 22 || len === 24 || bad(m);
}

function join(b: Uint8Array, dv: DataView, o: number, len: number, m: MptcpOption): boolean {
  if (len === 12) {
    m.backup = (b[o + 2]! & 1) !== 0;
    m.addrId = b[o + 3]!;
    m.token = dv.getUint32(o + 4);
    m.nonce = dv.getUint32(o + 8);
    return true;
  }
  if (len === 16) {
    m.backup = (b[o + 2]! & 1) !== 0;
    m.addrId = b[o + 3]!;
    m.hmacOffset = o + 4;
    m.hmacLen = 8;
    m.nonce = dv.getUint32(o + 12);
    return true;
  }
  if (len === 24) {
    m.hmacOffset = o + 4;
    m.hmacLen = 20;
    return true;
  }
  return bad(m);
}

/**
 * DSS, nearly every MPTCP option: only the layout is decoded (the accessors
 * read the values), and only DSS's own fields are written. Callers may
 * call it directly once they have seen subtype 2 (the hot path does).
 */
export function decodeDss(b: Uint8Array, dv: DataView, o: number, len: number, m: MptcpOption): boolean {
  m.offset = o;
  m.length = len;
  m.truncated = false;
  m.subtype = MP_DSS;
  m.setView(dv);
  const fl = len >= 4 ? b[o + 3]! : 0;
  m.dssFlags = fl;
  const ackLen = fl & DSS_DATA_ACK ? (fl & DSS_ACK64 ? 8 : 4) : 0;
  const mapLen = fl & DSS_MAPPING ? (fl & DSS_DSN64 ? 8 : 4) + 6 : 0;
  const need = 4 + ackLen + mapLen;
  const hasAck = ackLen !== 0 && len >= 4 + ackLen;
  m.hasAck = hasAck;
  m.ack64 = ackLen === 8;
  m.ackOffset = hasAck ? o + 4 : -1;
  const hasMap = mapLen !== 0 && len >= need;
  m.hasMap = hasMap;
  m.dsn64 = (fl & DSS_DSN64) !== 0;
  m.mapOffset = hasMap ? o + 4 + ackLen : -1;
  m.hasChecksum = hasMap && len >= need + 2;
  m.dataFin = hasMap && (fl & DSS_DATA_FIN) !== 0;
  const ok = len === need || (mapLen !== 0 && len === need + 2);
  m.malformed = !ok;
  return ok;
}

function addAddr(b: Uint8Array, dv: DataView, o: number, len: number, m: MptcpOption): boolean {
  const nib = b[o + 2]! & 0x0f;
  if (len < 4) return bad(m);
  m.addrId = b[o + 3]!;
  if (nib === 4 || nib === 6) {
    // RFC 6824: the low nibble is the IP version; optional port; no HMAC.
    m.addAddrV0 = true;
    m.ipVersion = nib;
    const alen = nib === 4 ? 4 : 16;
    if (len < 4 + alen) return bad(m);
    m.addrOffset = o + 4;
    if (len >= 6 + alen) m.port = dv.getUint16(o + 4 + alen);
    return len === 4 + alen || len === 6 + alen || bad(m);
  }
  // RFC 8684: the low nibble holds the echo flag; the length tells the family,
  // the port and (without echo) the 8-byte truncated HMAC at the end.
  m.echo = (nib & 1) !== 0;
  const h = m.echo ? 0 : 8;
  let alen: number;
  let port: boolean;
  switch (len - h) {
    case 8:
      alen = 4;
      port = false;
      break;
    case 10:
      alen = 4;
      port = true;
      break;
    case 20:
      alen = 16;
      port = false;
      break;
    case 22:
      alen = 16;
      port = true;
      break;
    default:
      return bad(m);
  }
  m.ipVersion = alen === 4 ? 4 : 6;
  m.addrOffset = o + 4;
  if (port) m.port = dv.getUint16(o + 4 + alen);
  if (h !== 0) {
    m.hmacOffset = o + len - 8;
    m.hmacLen = 8;
  }
  return true;
}
