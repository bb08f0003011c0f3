/** Text forms shared by the CSV files, summary.json, the terminal and report.html. */
import { u64String } from '../analyze/numbers.js';

/** A relative DSN as a table cell: the number while it is exact (a Parquet writer packs it without a BigInt), its unsigned 64-bit text past that (as u64String, which prints an exact one the same). */
export function u64Cell(rel: number): number | string {
  return rel >= 0 && rel <= Number.MAX_SAFE_INTEGER ? rel : u64String(rel);
}

/** A 64-bit key as 0x + 16 hex digits. */
export function key(hi: number, lo: number): string {
  return `0x${(hi >>> 0).toString(16).padStart(8, '0')}${(lo >>> 0).toString(16).padStart(8, '0')}`;
}

/** A 32-bit token as 0x + 8 hex digits (as Linux's ss and Wireshark's filters take it). */
export function token(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
}

/** true / false, or empty when unknown. */
export function boolText(v: boolean | undefined): string {
  return v === undefined ? '' : v ? 'true' : 'false';
}

/** A byte count for people: 16 B, 44.0 kB, 12.00 MB (SI prefixes). */
export function bytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

/** Connections described in full on the terminal, by analyze and compare; past that many, a line each. */
export const DETAILED_CONNECTIONS = 8;

/** Subflows listed under a connection by the terminal and report.html (a flood of joins made 9,295 lines; subflows.csv has them all). */
export const SUBFLOWS_SHOWN = 32;

/** The first `n` numbers of a list, and how many more (a list of 100 k connection numbers is of no use to read). */
export function firstOf(list: readonly number[], n = 20, more = ''): string {
  return `${list.slice(0, n).join(', ')}${list.length > n ? ` and ${list.length - n} more${more}` : ''}`;
}
