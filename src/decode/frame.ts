/**
 * One captured packet as a view into the reader's chunk buffer.
 *
 * The reader fills the same Frame object for every packet. `data` is the
 * reader's buffer and the packet is `data[offset, offset + caplen)`: both
 * stay valid only until the next call to `next()`, which may move or
 * overwrite the buffer. Copy out anything that must outlive the packet.
 */
export class Frame {
  data: Uint8Array = EMPTY;
  /** A DataView over the same buffer as `data` (for multi-byte reads), with the same lifetime. */
  view: DataView = EMPTY_VIEW;
  /** Index in `data` of the packet's first byte. */
  offset = 0;
  /** Bytes captured (what `data` holds). */
  caplen = 0;
  /** Length of the packet on the wire (>= caplen when the snaplen cut it). */
  origLen = 0;
  /** Timestamp: whole seconds since the epoch, and nanoseconds within the second. */
  tsSec = 0;
  tsNsec = 0;
  /** Interface index (pcapng; 0 for classic pcap) and its link type. */
  iface = 0;
  linkType = 0;
  /** 1-based frame number in the file, as Wireshark counts. */
  index = 0;
  /** Byte offset in the file of the record or block that holds the packet. */
  fileOffset = 0;
}

const EMPTY = new Uint8Array(0);
const EMPTY_VIEW = new DataView(EMPTY.buffer);
