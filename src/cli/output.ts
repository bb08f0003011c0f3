import { once } from 'node:events';
import type { Writable } from 'node:stream';

/**
 * Text written to a stream in large pieces, waiting when the stream
 * asks us to (so a slow pipe never makes lines pile up in memory).
 */
export class TextSink {
  private pending = '';

  constructor(
    private readonly out: Writable,
    private readonly flushAt = 1 << 16,
  ) {}

  /** Adds a line; the returned promise is resolved at once unless the stream is full. */
  line(s: string): Promise<void> | undefined {
    this.pending += s;
    this.pending += '\n';
    if (this.pending.length < this.flushAt) return undefined;
    return this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending === '') return;
    const ok = this.out.write(this.pending);
    this.pending = '';
    if (!ok) await once(this.out, 'drain');
  }
}
