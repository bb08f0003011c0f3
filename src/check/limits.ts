/**
 * The limits `mptrace check` applies, one declaration each: the flag (the
 * same word is the key in the YAML config), the metric it bounds, and how
 * its value is written. The command line, the config validation and the
 * docs all read this table.
 */
import { metric, type Metric } from '../analyze/metrics.js';

export type LimitArg = 'percent' | 'count' | 'seconds' | 'bps' | 'flag';

export interface LimitDef {
  /** Command-line flag and config key, e.g. max-reinjected. */
  flag: string;
  metric: Metric;
  /** max: value ≤ limit; min: value ≥ limit; forbid: the metric must be false. */
  op: 'max' | 'min' | 'forbid';
  arg: LimitArg;
  describe: string;
}

export const LIMITS: readonly LimitDef[] = [
  { flag: 'max-reinjected', metric: metric('reinjected'), op: 'max', arg: 'percent', describe: 'reinjected bytes / unique bytes, per direction, at most P% (e.g. 1%)' },
  { flag: 'max-retransmitted', metric: metric('retransmitted'), op: 'max', arg: 'percent', describe: 'subflow retransmitted bytes / payload bytes, per direction, at most P%' },
  { flag: 'max-holes', metric: metric('holes'), op: 'max', arg: 'count', describe: 'holes in the data sequence, per direction, at most N' },
  { flag: 'max-stall', metric: metric('stall'), op: 'max', arg: 'seconds', describe: 'longest hole or handover stall, per direction, at most S seconds (e.g. 0.5, 200ms)' },
  { flag: 'max-handovers', metric: metric('handovers'), op: 'max', arg: 'count', describe: 'handovers per connection, at most N' },
  { flag: 'no-fallback', metric: metric('fallback'), op: 'forbid', arg: 'flag', describe: 'no connection may fall back to TCP' },
  { flag: 'min-subflows', metric: metric('subflows'), op: 'min', arg: 'count', describe: 'working subflows per connection, at least N' },
  { flag: 'max-join-failures', metric: metric('join_failures'), op: 'max', arg: 'count', describe: 'failed joins per connection, at most N' },
  { flag: 'no-reset', metric: metric('reset'), op: 'forbid', arg: 'flag', describe: 'no MP_TCPRST, MP_FASTCLOSE or subflow RST' },
  { flag: 'min-goodput', metric: metric('goodput'), op: 'min', arg: 'bps', describe: 'goodput per direction carrying data, at least BPS bit/s (e.g. 10M, 1.5G)' },
];

export const MIN_CONNECTIONS_FLAG = 'min-connections';

/** A limit as configured: the bound, as a number in the metric's unit (flags: true = on). */
export interface LimitValue {
  def: LimitDef;
  bound: number | boolean;
}

const SI: Record<string, number> = { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6, g: 1e9, G: 1e9, t: 1e12, T: 1e12 };

/**
 * Parses a limit's value as written on the command line or in YAML
 * (YAML numbers arrive as numbers). Returns the bound or an error text.
 */
export function parseLimit(def: LimitDef, raw: unknown): number | boolean | string {
  if (def.arg === 'flag') {
    if (typeof raw === 'boolean') return raw;
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    return 'takes true or false';
  }
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : null;
  if (text === null || text === '') return `takes ${ARG_TEXT[def.arg]}`;
  let m: RegExpMatchArray | null;
  switch (def.arg) {
    case 'percent':
      m = /^(\d+(?:\.\d+)?(?:e[-+]?\d+)?)\s*%?$/i.exec(text);
      if (m && Number(m[1]) <= 100) return Number(m[1]);
      break;
    case 'count':
      if (/^\d+$/.test(text)) return Number(text);
      break;
    case 'seconds':
      m = /^(\d+(?:\.\d+)?(?:e[-+]?\d+)?)\s*(s|ms|us|µs)?$/i.exec(text);
      if (m) return Number(m[1]) * (m[2] === 'ms' ? 1e-3 : m[2] === 'us' || m[2] === 'µs' ? 1e-6 : 1);
      break;
    case 'bps':
      m = /^(\d+(?:\.\d+)?(?:e[-+]?\d+)?)\s*([kKmMgGtT]?)(?:bit\/s|bps|b\/s)?$/.exec(text);
      if (m) return Number(m[1]) * SI[m[2]!]!;
      break;
  }
  return `takes ${ARG_TEXT[def.arg]}, not '${text}'`;
}

export const ARG_TEXT: Record<LimitArg, string> = {
  percent: 'a percentage from 0 to 100 (e.g. 1% or 0.5%)',
  count: 'a whole number',
  seconds: 'a duration in seconds (e.g. 0.5, 0.5s or 500ms)',
  bps: 'a rate in bit/s with an optional k, M or G (e.g. 10M)',
  flag: 'true or false',
};

export function limitByFlag(flag: string): LimitDef | undefined {
  return LIMITS.find((l) => l.flag === flag);
}

/** A limit's bound in the metric's unit, as text (1%, 0.5 s, 10 Mbit/s). */
export function formatValue(m: Metric, v: number | boolean): string {
  if (typeof v === 'boolean') return String(v);
  switch (m.unit) {
    case '%':
      return `${trim(v, 4)}%`;
    case 's':
      return `${trim(v, 6)} s`;
    case 'bit/s':
      return v >= 1e9 ? `${trim(v / 1e9, 3)} Gbit/s` : v >= 1e6 ? `${trim(v / 1e6, 3)} Mbit/s` : v >= 1e3 ? `${trim(v / 1e3, 3)} kbit/s` : `${trim(v, 0)} bit/s`;
    default:
      return String(v);
  }
}

function trim(v: number, digits: number): string {
  return String(Number(v.toFixed(digits)));
}
