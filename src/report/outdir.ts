import * as fs from 'node:fs';
import { join } from 'node:path';
import { fsReason, OutputError } from '../errors.js';

/**
 * The output directory. Every file is written under a temporary name and
 * renamed into place only when the whole run succeeded, so a reader never
 * takes a half-written file for a complete one.
 */
export class OutputDir {
  private readonly pending: Array<{ tmp: string; final: string }> = [];

  constructor(readonly path: string) {
    try {
      fs.mkdirSync(path, { recursive: true });
      fs.accessSync(path, fs.constants.W_OK);
    } catch (e) {
      throw new OutputError(path, `cannot write the output directory: ${fsReason(e)}`);
    }
  }

  /** A temporary path for `name`, renamed to `name` by commit(). */
  file(name: string): string {
    const final = join(this.path, name);
    const tmp = join(this.path, `.${name.replace(/\//g, '_')}.partial-${process.pid}`);
    this.pending.push({ tmp, final });
    return tmp;
  }

  subdir(name: string): string {
    const p = join(this.path, name);
    try {
      fs.mkdirSync(p, { recursive: true });
    } catch (e) {
      throw new OutputError(p, `cannot create: ${fsReason(e)}`);
    }
    return p;
  }

  commit(): void {
    for (const { tmp, final } of this.pending) {
      try {
        fs.renameSync(tmp, final);
      } catch (e) {
        throw new OutputError(final, `cannot move the finished file into place: ${fsReason(e)}`);
      }
    }
    this.pending.length = 0;
  }

  /** Removes every temporary file (after a failure, or before a second pass). */
  abort(): void {
    for (const { tmp } of this.pending) fs.rmSync(tmp, { force: true });
    this.pending.length = 0;
  }
}
