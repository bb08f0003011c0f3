/**
 * Rules of `mptrace check`: which connections a rule selects and the
 * limits it sets. Made from the command line or the config file
 * (config.ts, which loads YAML only when a config is given).
 */
import picomatch from 'picomatch';
import type { LimitValue } from './limits.js';

export type Level = 'error' | 'warn';

/** Which connections a rule applies to; an absent selector matches all. */
export interface Selector {
  traces: string[] | null;
  serverPorts: number[] | null;
  clientAddrs: string[] | null;
  dir: 'c2s' | 's2c' | null;
}

export interface Rule {
  /** Shown in reports: the rule's name, or where it is (FILE:LINE), or "command line". */
  name: string;
  level: Level;
  select: Selector;
  limits: LimitValue[];
  minConnections: number | null;
}

export interface Config {
  rules: Rule[];
  allowUnknown: boolean | null;
  tolerance: number | null;
}

export const NO_SELECTOR: Selector = { traces: null, serverPorts: null, clientAddrs: null, dir: null };

/** A relative tolerance: 10% or 10 → 0.1. */
export function parseTolerance(raw: unknown): number | string {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(text);
  if (!m) return `takes a percentage (e.g. 10%), not '${text}'`;
  return Number(m[1]) / 100;
}

// ---- selectors ----

/** An address or prefix as bytes and a prefix length, or null. */
export function parsePrefix(text: string): { bytes: number[]; bits: number } | null {
  const [addr, len] = text.split('/');
  const bytes = parseAddr(addr ?? '');
  if (bytes === null) return null;
  const max = bytes.length * 8;
  const bits = len === undefined ? max : /^\d+$/.test(len) ? Number(len) : NaN;
  if (!(bits >= 0 && bits <= max)) return null;
  return { bytes, bits };
}

function parseAddr(a: string): number[] | null {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(a)) {
    const b = a.split('.').map(Number);
    return b.every((x) => x <= 255) ? b : null;
  }
  if (!a.includes(':')) return null;
  const halves = a.split('::');
  if (halves.length > 2) return null;
  const words = (s: string): number[] | null => {
    if (s === '') return [];
    const w = s.split(':');
    if (!w.every((x) => /^[0-9a-f]{1,4}$/i.test(x))) return null;
    return w.map((x) => parseInt(x, 16));
  };
  const hi = words(halves[0]!);
  const lo = halves.length === 2 ? words(halves[1]!) : [];
  if (hi === null || lo === null) return null;
  const fill = 8 - hi.length - lo.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) return null;
  const all = [...hi, ...Array<number>(fill).fill(0), ...lo];
  return all.flatMap((w) => [w >> 8, w & 255]);
}

function inPrefix(addr: string, prefix: string): boolean {
  const p = parsePrefix(prefix);
  const a = parseAddr(addr);
  if (p === null || a === null || a.length !== p.bytes.length) return false;
  for (let i = 0; i < p.bits; i++) {
    const bit = 7 - (i % 8);
    if (((a[i >> 3]! >> bit) & 1) !== ((p.bytes[i >> 3]! >> bit) & 1)) return false;
  }
  return true;
}

/** Does a trace (by its name) fall under a rule's trace globs? A glob without a slash also matches the file's base name. */
export function traceMatches(sel: Selector, traceName: string): boolean {
  if (sel.traces === null) return true;
  return sel.traces.some((g) => picomatch.isMatch(traceName, g, { dot: true, basename: !g.includes('/') }));
}

export function connectionMatches(sel: Selector, c: { serverPort: number; clientAddr: string }): boolean {
  if (sel.serverPorts !== null && !sel.serverPorts.includes(c.serverPort)) return false;
  if (sel.clientAddrs !== null && !sel.clientAddrs.some((p) => inPrefix(c.clientAddr, p))) return false;
  return true;
}
