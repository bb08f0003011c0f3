/**
 * V8 heap settings for a run of mptrace. They are process-wide, so they
 * belong to the command line (and its worker threads), not to the analysis.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/**
 * V8 lets the old generation grow to up to four times the live heap before a full collection; with
 * 10,000 connections open at once (100 k short ones in a burst) that was 560 MB of RSS for 100 MB live.
 * A growth factor of 1.5 takes it to 300 MB for about 6% more time there, and changes nothing where the
 * live heap is small (a long download: 8 MB live). Read by V8 at each collection, so set before any.
 */
export function tuneHeap(): void {
  setFlagsFromString('--heap-growing-percent=50');
}

/**
 * The young generation's size at which it stops growing. V8 doubles it
 * (to 33.6 MB) whenever many objects survive a scavenge, as each open
 * connection's state does; the analysis runs as fast in 8 MB (a bulk
 * download) or a few percent slower (100 k short connections), for 8 to 40
 * MB less peak RSS (docs/development.md). `--max-semi-space-size` cannot be
 * set once node runs, but the growth factor is read at each growth: set to
 * 1 once the cap is reached, the young generation stays where it is.
 */
export const YOUNG_GENERATION_CAP = 8 << 20;

/** Packets between two calls of capYoungGeneration, less one (a power of two less one: `(i & mask) === 0`). */
export const YOUNG_CHECK_MASK = 1023;

let capped = false;

/** Stops the young generation's growth once it has reached YOUNG_GENERATION_CAP; cheap (under 1 µs), call it every few thousand packets. */
export function capYoungGeneration(): void {
  if (capped) return;
  for (const s of getHeapSpaceStatistics()) {
    if (s.space_name === 'new_space' && s.space_size >= YOUNG_GENERATION_CAP) {
      setFlagsFromString('--semi-space-growth-factor=1');
      capped = true;
    }
  }
}
