import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ROOT } from './shared.js';

export const BIN = join(ROOT, 'bin', 'mptrace');

/** Runs the built CLI (npm test builds first) and returns its exit code and output. */
export function runCli(args: string[], opts: { cwd?: string; timeout?: number; input?: Uint8Array; env?: Record<string, string> } = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: opts.cwd ?? ROOT, timeout: opts.timeout ?? 60_000, maxBuffer: 1 << 28, ...(opts.input ? { input: opts.input } : {}), ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A Writable that keeps what is written, for in-process command tests. */
export class StringSink extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}
