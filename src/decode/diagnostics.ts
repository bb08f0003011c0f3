/**
 * Warnings about the input that do not stop the run: a file cut short, a
 * corrupt block skipped, an unknown link type. Each names the file and,
 * where there is one, the byte offset. The list is bounded; the count is not.
 */
export class Diagnostics {
  readonly warnings: string[] = [];
  count = 0;
  private readonly once = new Set<string>();

  constructor(
    readonly file: string,
    private readonly limit = 200,
  ) {}

  warn(offset: number | undefined, what: string): void {
    this.count++;
    if (this.warnings.length < this.limit) {
      this.warnings.push(offset === undefined ? `${this.file}: ${what}` : `${this.file}: byte ${offset}: ${what}`);
    }
  }

  /** Warns the first time `key` is seen only (a repeated condition is reported once). */
  warnOnce(key: string, offset: number | undefined, what: string): void {
    if (this.once.has(key)) return;
    this.once.add(key);
    this.warn(offset, what);
  }
}
