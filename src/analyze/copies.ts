/**
 * Packets captured twice: `tcpdump -i any` on a host that forwards the
 * traffic (a bridge, a VPN, a container's veth) sees each packet on two
 * interfaces, and captures merged from two points hold each packet once
 * from each. The second copy looks like a retransmission to the TCP
 * tracker (and to Wireshark), and every retransmission figure counts it.
 *
 * A copy is the same flow and direction with the same sequence and
 * acknowledgment numbers, payload length, flags, window, TCP checksum,
 * TSval and TSecr and IPv4 ID, seen again within COPY_WINDOW seconds.
 * Only a packet that can be told from a retransmission is looked at: an
 * IPv4 one with a non-zero ID (Linux gives each packet of a connection a
 * new one), or one with timestamps (a retransmission carries a later
 * TSval, unless sent within the same tick of the sender's clock: 1 ms for
 * Linux). Not a SYN: Linux sends a SYN/ACK again, identical to the byte
 * (ID 0, same TSval), when a SYN comes again. The TCP checksum alone is
 * not enough: captured at the sender, before the NIC fills it in, it is
 * the same for a retransmission with a new TSval. The last thousands of
 * packets taking sequence space are remembered in a table by hash (320 kB,
 * in cache: a lossy one, where a packet whose slot another took in between
 * is not recognised; a copy comes a few packets after its original, or a
 * one-way delay between two capture points), so memory and time per packet
 * are constant.
 */
const SLOTS = 1 << 14;
const MASK = SLOTS - 1;

/** Seconds within which an identical packet is a copy: more than one-way delays between two capture points. */
export const COPY_WINDOW = 1;

export class CopyFilter {
  private readonly key = new Int32Array(SLOTS);
  private readonly flow = new Int32Array(SLOTS).fill(-1);
  private readonly seq = new Int32Array(SLOTS);
  private readonly time = new Float64Array(SLOTS);

  /** Is this packet a copy of one seen within COPY_WINDOW before `t`? Remembers it either way. */
  seen(flowId: number, fromA: boolean, seq: number, ack: number, len: number, flags: number, window: number, checksum: number, ipId: number, tsVal: number, tsEcr: number, t: number): boolean {
    let h = Math.imul(flowId ^ (fromA ? 0x5bd1e995 : 0), 0x9e3779b1);
    h = Math.imul(h ^ seq, 0x85ebca77);
    h = Math.imul(h ^ ack, 0xc2b2ae3d);
    h = Math.imul(h ^ ((len << 16) ^ (flags << 8) ^ window), 0x27d4eb2f);
    h = Math.imul(h ^ ((checksum << 16) ^ ipId), 0x165667b1);
    h = Math.imul(h ^ tsVal, 0x9e3779b1);
    h = Math.imul(h ^ tsEcr, 0x85ebca77);
    h ^= h >>> 15;
    const i = h & MASK;
    const copy = this.key[i] === h && this.flow[i] === flowId && this.seq[i] === (seq | 0) && t - this.time[i]! <= COPY_WINDOW;
    this.key[i] = h;
    this.flow[i] = flowId;
    this.seq[i] = seq;
    this.time[i] = t;
    return copy;
  }
}
