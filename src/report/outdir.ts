import * as fs from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { cannotWrite, fsReason, OutputError } from '../errors.js';
import { batched } from './json-pieces.js';
import { openOutput, writeFully } from './out-file.js';

/**
 * The output directory. Every file is written under a temporary name and
 * renamed into place only when the whole run succeeded, so a reader never
 * takes a half-written file for a complete one.
 */
export class OutputDir {
  private readonly pending: Array<{ tmp: string; final: string }> = [];
  /** Subdirectories this run created (removed again, if left empty, when the run fails). */
  private readonly created: string[] = [];

  constructor(readonly path: string) {
    try {
      makeDirs(path);
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

  /** Writes a whole output file at once (under its temporary name). */
  write(name: string, text: string): void {
    try {
      fs.writeFileSync(this.file(name), text);
    } catch (e) {
      throw cannotWrite(`${this.path}/${name}`, e);
    }
  }

  /** Writes an output file from pieces of text (under its temporary name), 64 kB at a time: the whole is never one string. */
  writePieces(name: string, pieces: Iterable<string>): void {
    const final = `${this.path}/${name}`;
    const fd = openOutput(this.file(name), final);
    try {
      for (const batch of batched(pieces)) writeFully(fd, batch);
    } catch (e) {
      throw cannotWrite(final, e);
    } finally {
      fs.closeSync(fd);
    }
  }

  subdir(name: string): string {
    const p = join(this.path, name);
    try {
      if (!fs.existsSync(p)) this.created.push(p);
      makeDirs(p);
    } catch (e) {
      throw new OutputError(p, `cannot create: ${fsReason(e)}`);
    }
    return p;
  }

  /**
   * Moves every finished file into place, then removes the files an
   * earlier run left that this run did not write (`ours` says which names
   * are outputs, relative to the directory, e.g. `plots/conn-3-timeline.svg`):
   * a directory must never mix two runs.
   */
  commit(ours: (name: string) => boolean): void {
    const written = new Set<string>();
    for (const { tmp, final } of this.pending) {
      try {
        fs.renameSync(tmp, final);
      } catch (e) {
        throw new OutputError(final, `cannot move the finished file into place: ${fsReason(e)}`);
      }
      written.add(final);
    }
    this.pending.length = 0;
    for (const name of this.listed()) {
      const p = join(this.path, name);
      if (ours(name) && !written.has(p)) fs.rmSync(p, { force: true });
    }
  }

  /** Files in the directory and its plots/ subdirectory, relative names. */
  private listed(): string[] {
    const names: string[] = [];
    const read = (sub: string): void => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(join(this.path, sub), { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) if (e.isFile()) names.push(sub === '' ? e.name : `${sub}/${e.name}`);
    };
    read('');
    read('plots');
    return names;
  }

  /** Removes every temporary file (after a failure, or before a second pass). */
  abort(): void {
    for (const { tmp } of this.pending) fs.rmSync(tmp, { force: true });
    this.pending.length = 0;
    for (const p of this.created.splice(0)) {
      try {
        fs.rmdirSync(p);
      } catch {
        // Not empty (files of an earlier run, or the user's): leave it.
      }
    }
  }
}

/**
 * mkdir -p, one level at a time. Node's recursive mkdir loops forever on
 * file systems that answer ENOENT to a mkdir in an existing directory
 * (procfs, sysfs); here every failure is final.
 */
export function makeDirs(path: string): void {
  const abs = resolve(path);
  const missing: string[] = [];
  for (let p = abs; ; p = dirname(p)) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (st !== undefined) {
      if (!st.isDirectory()) throw Object.assign(new Error(`${p} is not a directory`), { code: 'ENOTDIR' });
      break;
    }
    missing.push(p);
    if (dirname(p) === p) break;
  }
  for (const p of missing.reverse()) {
    try {
      fs.mkdirSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}
