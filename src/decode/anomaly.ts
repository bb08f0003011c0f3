/**
 * Named, counted anomalies of the decode layer (after Zeek's "weirds"):
 * a packet with one is still counted, and whatever could be decoded
 * before it is kept. Names are stable: they appear in summary.json.
 */
export const A_NONE = 0;
/** Captured bytes end before the link-layer header does. */
export const A_LINK_TRUNCATED = 1;
/** Captured bytes end inside the IP header (snaplen). */
export const A_IP_TRUNCATED = 2;
export const A_IP_VERSION = 3;
export const A_IPV4_HEADER_LENGTH = 4;
export const A_IP_TOTAL_LENGTH = 5;
export const A_IPV6_EXTENSION = 6;
/** Captured bytes end inside the TCP header (snaplen). */
export const A_TCP_TRUNCATED = 7;
export const A_TCP_DATA_OFFSET = 8;
/** The option list is cut by the snaplen: not malformed, but not all there. */
export const A_TCP_OPTIONS_TRUNCATED = 9;
export const A_TCP_OPTION_LENGTH = 10;
export const A_MPTCP_OPTION_LENGTH = 11;
export const A_MPTCP_UNKNOWN_SUBTYPE = 12;
export const A_MPTCP_TOO_MANY = 13;
export const A_GTP_HEADER = 14;
export const A_TUNNEL_DEPTH = 15;
export const A_UDP_TRUNCATED = 16;
export const ANOMALY_COUNT = 17;

export const ANOMALY_NAMES: readonly string[] = [
  'none',
  'link-truncated',
  'ip-truncated',
  'ip-version',
  'ipv4-header-length',
  'ip-total-length',
  'ipv6-extension-header',
  'tcp-header-truncated',
  'tcp-data-offset',
  'tcp-options-truncated',
  'tcp-option-length',
  'mptcp-option-length',
  'mptcp-unknown-subtype',
  'mptcp-too-many-options',
  'gtp-header',
  'tunnel-depth',
  'udp-truncated',
];

/** Truncation by the snaplen is normal in captures; the rest are malformed packets. */
export function isTruncation(a: number): boolean {
  return a === A_LINK_TRUNCATED || a === A_IP_TRUNCATED || a === A_TCP_TRUNCATED || a === A_TCP_OPTIONS_TRUNCATED || a === A_UDP_TRUNCATED;
}
