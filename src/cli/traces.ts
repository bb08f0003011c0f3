/**
 * The traces a command was given: files, directories (searched
 * recursively, captures found by their magic), `-` or /dev/stdin for a
 * pipe, and gzip-compressed captures. A pipe or a compressed file is
 * spooled to a temporary file first: the analysis reads its input twice
 * when a capture starts mid-connection, and a pipe can be read once.
 */
import * as fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { u32le } from '../decode/bytes.js';
import { pcapMagic } from '../decode/pcap.js';
import { PCAPNG_SHB } from '../decode/pcapng.js';
import { CaptureError, fsReason } from '../errors.js';

export interface Trace {
  /** The file the analysis reads (a temporary copy for pipes and compressed files). */
  path: string;
  /** How outputs and baselines name it: the file name, or the path below a directory given on the command line. */
  name: string;
  /** As the user gave it (in messages). */
  given: string;
}

const GZIP = [0x1f, 0x8b];

function isCaptureMagic(b: Uint8Array): boolean {
  return b.length >= 4 && (u32le(b, 0) === PCAPNG_SHB || pcapMagic(b) !== undefined);
}

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === GZIP[0] && b[1] === GZIP[1];
}

function head(path: string, n: number): Uint8Array {
  const fd = fs.openSync(path, 'r');
  try {
    const b = new Uint8Array(n);
    const got = fs.readSync(fd, b, 0, n, 0);
    return b.subarray(0, got);
  } finally {
    fs.closeSync(fd);
  }
}

/** Temporary files made for pipes and compressed captures, removed by `cleanup`. */
export class Spool {
  private dir: string | null = null;
  private n = 0;

  file(name: string): string {
    this.dir ??= mkdtempSync(join(tmpdir(), 'mptrace-'));
    return join(this.dir, `${this.n++}-${basename(name).replace(/\.gz$/i, '') || 'stdin'}`);
  }

  cleanup(): void {
    if (this.dir !== null) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }
}

async function gunzipTo(src: fs.ReadStream | NodeJS.ReadableStream, dst: string, given: string): Promise<void> {
  try {
    await pipeline(src, createGunzip(), fs.createWriteStream(dst));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new CaptureError(given, undefined, code.startsWith('Z_') || code === 'ERR_PADDING_1' ? `gzip data is damaged (${(e as Error).message})` : fsReason(e));
  }
}

/** A trace as named on the command line, not opened yet (standard input is already spooled: `path`). */
export interface TraceArg {
  given: string;
  name: string;
  path?: string;
}

function isStdin(given: string): boolean {
  return given === '-' || given === '/dev/stdin';
}

/** Opens what the user named as one trace: decompresses gzip (into `spool`). Throws CaptureError. */
export async function prepare(arg: TraceArg, spool: Spool): Promise<Trace> {
  const { given, name } = arg;
  if (arg.path !== undefined) {
    const raw = arg.path;
    if (isGzip(head(raw, 2))) {
      const out = spool.file('stdin-gunzipped');
      await gunzipTo(fs.createReadStream(raw), out, given);
      return { path: out, name, given };
    }
    return { path: raw, name, given };
  }
  if (isStdin(given)) {
    return prepare({ ...arg, path: await spoolStdin(given, spool) }, spool);
  }
  let b: Uint8Array;
  try {
    b = fs.statSync(given).isFile() ? head(given, 4) : new Uint8Array(0);
  } catch {
    return { path: given, name, given }; // the reader says what is wrong with it
  }
  if (isGzip(b)) {
    const out = spool.file(given);
    await gunzipTo(fs.createReadStream(given), out, given);
    return { path: out, name: name.replace(/\.gz$/i, ''), given };
  }
  return { path: given, name, given };
}

async function spoolStdin(given: string, spool: Spool): Promise<string> {
  const raw = spool.file('stdin');
  await pipeline(process.stdin, fs.createWriteStream(raw));
  if (fs.statSync(raw).size === 0) throw new CaptureError(given, undefined, 'standard input is empty, not a capture');
  return raw;
}

/** Is this file in a directory a capture (by magic, looking inside gzip)? */
async function looksLikeCapture(path: string): Promise<boolean> {
  let b: Uint8Array;
  try {
    b = head(path, 4);
  } catch {
    return false;
  }
  if (isCaptureMagic(b)) return true;
  if (!isGzip(b)) return false;
  // The first bytes of the decompressed stream.
  return new Promise((done) => {
    const z = createGunzip();
    const src = fs.createReadStream(path, { start: 0, end: 65535 });
    let got = Buffer.alloc(0);
    const finish = (ok: boolean): void => {
      src.destroy();
      z.destroy();
      done(ok);
    };
    z.on('data', (c: Buffer) => {
      got = Buffer.concat([got, c]);
      if (got.length >= 4) finish(isCaptureMagic(got));
    });
    z.on('error', () => finish(false));
    z.on('end', () => finish(isCaptureMagic(got)));
    src.pipe(z);
  });
}

/** Files below `dir`, in a stable order, without following symbolic links to directories. */
function walk(dir: string, out: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new CaptureError(dir, undefined, `cannot read the directory: ${fsReason(e)}`);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile() || (e.isSymbolicLink() && safeIsFile(p))) out.push(p);
  }
}

function safeIsFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** One trace file named on its own (not found below a directory): its outputs go into -o itself. */
export function isSingleFile(given: readonly string[], found: ReadonlyArray<TraceArg | CaptureError>): boolean {
  const only = found[0];
  return given.length === 1 && found.length === 1 && only !== undefined && !(only instanceof CaptureError) && only.given === given[0];
}

/**
 * Every trace the arguments name, in order: a directory expands to the
 * captures below it (every file whose magic says pcap, pcapng, or gzip
 * holding one; sorted by path). Standard input is read here, once. A
 * directory holding no capture is an error; a path that is not there is
 * reported when its turn comes.
 */
export async function expandTraces(args: readonly string[], spool: Spool): Promise<Array<TraceArg | CaptureError>> {
  const out: Array<TraceArg | CaptureError> = [];
  for (const given of args) {
    if (isStdin(given)) {
      try {
        out.push({ given, name: 'stdin', path: await spoolStdin(given, spool) });
      } catch (e) {
        if (e instanceof CaptureError) out.push(e);
        else throw e;
      }
      continue;
    }
    let isDir = false;
    try {
      isDir = fs.statSync(given).isDirectory();
    } catch {
      // Not there: the reader gives the error.
    }
    if (!isDir) {
      out.push({ given, name: basename(given) });
      continue;
    }
    const files: string[] = [];
    walk(given, files);
    const found: TraceArg[] = [];
    for (const f of files) if (await looksLikeCapture(f)) found.push({ given: f, name: relative(given, f) });
    if (found.length === 0) out.push(new CaptureError(given, undefined, 'no capture file (pcap, pcapng, or gzip-compressed) below this directory'));
    // Not push(...found): a directory of 100 k captures would be 100 k arguments.
    for (const f of found) out.push(f);
  }
  return out;
}
