import type { Frame } from './frame.js';

/** One capture interface: its link type and how finely it stamps time. */
export interface InterfaceInfo {
  linkType: number;
  snaplen: number;
  /** Decimal digits of fractional seconds its timestamps carry. */
  digits: number;
  /** e.g. "10^-6", "2^-30". */
  resolution: string;
  name: string;
  /** pcapng section (0-based) the interface belongs to; 0 for classic pcap. */
  section: number;
}

export interface CaptureReader {
  /** "pcap" or "pcapng". */
  readonly format: 'pcap' | 'pcapng';
  /** Format details for the summary: byte order(s), timestamp precision, variant. */
  describe(): string;
  /**
   * Fills `frame` with the next packet and returns true, or returns false
   * at the end of the input (after warning about any cut or corrupt tail).
   * The frame's bytes stay valid until the next call.
   */
  next(frame: Frame): boolean;
  /** Every interface seen so far, in file order (pcapng: across sections). */
  interfaces(): readonly InterfaceInfo[];
  /** Decimal digits of fractional seconds: the finest of the interfaces. */
  digits(): number;
  /** True when a corrupt or cut region made the reader skip or stop early. */
  readonly damaged: boolean;
  /** Bytes of the input consumed so far (for progress). */
  position(): number;
  close(): void;
}

/** Largest packet we accept in a record or block: 256 KiB covers GRO/TSO and BIG TCP captures. */
export const MAX_PACKET = 256 * 1024;
