/**
 * Errors that end a run, each with the exit code the CLI maps it to.
 * Everything else that goes wrong while reading is a warning or a counted
 * anomaly, never an exception: the hot path returns statuses.
 */

export const EXIT_OK = 0;
/** An unexpected failure inside mptrace (a bug): the message asks for a report. 70 is sysexits' EX_SOFTWARE, apart from `check`'s 1 so a CI job tells a failed gate from a crash. */
export const EXIT_INTERNAL = 70;
/** The input cannot be read as a capture at all (missing, empty, not a capture, nothing sensible in it). */
export const EXIT_BAD_INPUT = 2;
/** The outputs cannot be written (directory not writable, disk full). */
export const EXIT_OUTPUT = 3;
/** The command line is wrong (unknown option, missing argument). */
export const EXIT_USAGE = 64;

export class MptraceError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'MptraceError';
  }
}

/** The input is not a readable capture. `offset` is the byte offset where reading failed, when known. */
export class CaptureError extends MptraceError {
  constructor(
    readonly file: string,
    readonly offset: number | undefined,
    what: string,
  ) {
    super(offset === undefined ? `${file}: ${what}` : `${file}: byte ${offset}: ${what}`, EXIT_BAD_INPUT);
    this.name = 'CaptureError';
  }
}

export class OutputError extends MptraceError {
  constructor(path: string, what: string) {
    super(`${path}: ${what}`, EXIT_OUTPUT);
    this.name = 'OutputError';
  }
}

/** An output file that could not be written: its path and why, as the user reads it. */
export function cannotWrite(path: string, e: unknown): OutputError {
  return new OutputError(path, `cannot write: ${fsReason(e)}`);
}

/** A wrong command line (thrown from argument checks). */
export class UsageError extends MptraceError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
    this.name = 'UsageError';
  }
}

/** A file-system error in a few words (the code's meaning, not the syscall's text). */
export function fsReason(e: unknown): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not a capture file';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOTDIR':
      return 'a path component is not a directory';
    case 'EDQUOT':
      return 'disk quota exceeded';
    default:
      return (e as Error).message;
  }
}
