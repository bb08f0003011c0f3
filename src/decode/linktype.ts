/** Link-layer header types (tcpdump.org/linktypes.html) that mptrace decodes. */
export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_PPP = 9;
/** DLT_RAW as some systems wrote it into files before LINKTYPE_RAW existed. */
export const LINKTYPE_RAW_OLD = 12;
export const LINKTYPE_RAW_OPENBSD = 14;
export const LINKTYPE_PPP_HDLC = 50;
export const LINKTYPE_PPP_ETHER = 51;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_C_HDLC = 104;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

const NAMES: Record<number, string> = {
  [LINKTYPE_NULL]: 'NULL (BSD loopback)',
  [LINKTYPE_ETHERNET]: 'Ethernet',
  [LINKTYPE_PPP]: 'PPP',
  [LINKTYPE_RAW_OLD]: 'raw IP',
  [LINKTYPE_RAW_OPENBSD]: 'raw IP',
  [LINKTYPE_PPP_HDLC]: 'PPP in HDLC framing',
  [LINKTYPE_PPP_ETHER]: 'PPPoE',
  [LINKTYPE_RAW]: 'raw IP',
  [LINKTYPE_C_HDLC]: 'Cisco HDLC',
  [LINKTYPE_LOOP]: 'OpenBSD loopback',
  [LINKTYPE_LINUX_SLL]: 'Linux cooked (SLL)',
  [LINKTYPE_IPV4]: 'raw IPv4',
  [LINKTYPE_IPV6]: 'raw IPv6',
  [LINKTYPE_LINUX_SLL2]: 'Linux cooked v2 (SLL2)',
};

export function linkTypeName(lt: number): string {
  return NAMES[lt] ?? `unknown link type ${lt}`;
}

export function isKnownLinkType(lt: number): boolean {
  return NAMES[lt] !== undefined;
}

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;
export const ETHERTYPE_QINQ_OLD1 = 0x9100;
export const ETHERTYPE_QINQ_OLD2 = 0x9200;
export const ETHERTYPE_MPLS = 0x8847;
export const ETHERTYPE_MPLS_MC = 0x8848;
export const ETHERTYPE_PPPOE_SESSION = 0x8864;

export const PPP_IPV4 = 0x0021;
export const PPP_IPV6 = 0x0057;
