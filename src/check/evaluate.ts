/**
 * Limits and baselines applied to the metrics of one trace: a pure
 * function from (metrics, rules, baseline) to outcomes, one per limit,
 * connection and direction. No files, no printing.
 */
import { metric, METRICS, type MetricSnapshot, type MetricValue } from '../analyze/metrics.js';
import type { ConnectionRecord } from '../analyze/record.js';
import { connectionMatches, traceMatches, type Level, type Rule } from './rules.js';
import { formatValue, type LimitDef } from './limits.js';

/** What `check` keeps of a connection: who it is and its metrics. */
export interface ConnMetrics {
  conn: number;
  clientAddr: string;
  clientPort: number;
  serverAddr: string;
  serverPort: number;
  fallback: string | null;
  resets: { mpTcprst: number; subflowRst: number; fastclose: boolean };
  metrics: MetricSnapshot[];
}

export function connMetrics(r: ConnectionRecord, snapshot: MetricSnapshot[]): ConnMetrics {
  return {
    conn: r.id,
    clientAddr: r.clientAddr,
    clientPort: r.clientPort,
    serverAddr: r.serverAddr,
    serverPort: r.serverPort,
    fallback: r.fallback?.kind ?? null,
    resets: { ...r.resets },
    metrics: snapshot,
  };
}

/** One trace as `check` sees it (made where the trace was analyzed, possibly in a worker). */
export interface TraceMetrics {
  name: string;
  given: string;
  connections: ConnMetrics[];
  warnings: string[];
  /** The trace could not be read: the one-line error. */
  error: string | null;
}

export type Status = 'pass' | 'fail' | 'unknown' | 'allowed-unknown' | 'na' | 'regressed' | 'improved' | 'new' | 'error';

export interface Outcome {
  trace: string;
  conn: number | null;
  dir: 'c2s' | 's2c' | null;
  /** The limit's flag, 'baseline', or min-connections / read for the trace itself. */
  check: string;
  metric: string;
  level: Level;
  status: Status;
  value: number | boolean | null;
  /** The limit, or the baseline's value. */
  bound: number | boolean | null;
  why: string | null;
  /** Which rule set the limit (config name or FILE:LINE, or "command line"). */
  rule: string;
  /** The report line (empty for a pass). */
  text: string;
}

export interface BaselineEntry {
  connections: number;
  /** By connection number: metric key (metric or metric.dir) → value, null when unknown. */
  conns: Record<string, { endpoints: string; metrics: Record<string, number | boolean | null> }>;
}

export interface EvalOptions {
  allowUnknown: boolean;
  baseline: BaselineEntry | null;
  /** Relative, 0.1 = 10%. */
  tolerance: number;
  /** When true, baselines are being recorded, not compared. */
  updating: boolean;
}

/** Is this outcome a failure of the run (exit 1)? */
export function failing(o: Outcome): boolean {
  return o.level === 'error' && (o.status === 'fail' || o.status === 'unknown' || o.status === 'regressed');
}

export function metricKey(name: string, dir: 'c2s' | 's2c' | null): string {
  return dir === null ? name : `${name}.${dir}`;
}

function prefix(trace: string, conn: number | null, dir: string | null): string {
  return `${trace}${conn === null ? '' : ` conn ${conn}`}${dir ? ` ${dir}` : ''}:`;
}

function valueOf(v: MetricValue): number | boolean | null {
  return 'value' in v ? v.value : null;
}

/** The words for a boolean metric that is true (fallback, reset): what happened. */
function forbiddenText(c: ConnMetrics, name: string): string {
  if (name === 'fallback') return `fallback to TCP (${c.fallback ?? '?'})`;
  if (name === 'reset') {
    const r = c.resets;
    const parts = [r.mpTcprst ? `${r.mpTcprst} MP_TCPRST` : '', r.subflowRst ? `${r.subflowRst} subflow RST` : '', r.fastclose ? 'MP_FASTCLOSE' : ''].filter(Boolean);
    return `reset (${parts.join(', ')})`;
  }
  return name;
}

function limitOutcome(trace: string, c: ConnMetrics, snap: MetricSnapshot, def: LimitDef, bound: number | boolean, level: Level, rule: string, allowUnknown: boolean): Outcome {
  const m = def.metric;
  const base = { trace, conn: c.conn, dir: snap.dir, check: def.flag, metric: m.name, level, bound, rule };
  const v = snap.v;
  const where = prefix(trace, c.conn, snap.dir);
  const warn = level === 'warn' ? 'warning: ' : '';
  if ('na' in v) return { ...base, status: 'na', value: null, why: v.na, text: '' };
  if ('unknown' in v) {
    if (allowUnknown) return { ...base, status: 'allowed-unknown', value: null, why: v.unknown, text: `${where} ${m.name} unknown (allowed): ${v.unknown}` };
    return { ...base, status: 'unknown', value: null, why: v.unknown, text: `${warn}${where} ${m.name} unknown: ${v.unknown} (${def.flag} ${formatValue(m, bound)})` };
  }
  const x = v.value;
  let ok: boolean;
  let text = '';
  if (def.op === 'forbid') {
    ok = bound === false || x === false;
    if (!ok) text = `${warn}${where} ${forbiddenText(c, m.name)}, not allowed (${def.flag})`;
  } else {
    const n = x as number;
    const b = bound as number;
    ok = def.op === 'max' ? n <= b : n >= b;
    if (!ok) text = `${warn}${where} ${m.name} ${formatValue(m, n)} ${def.op === 'max' ? '>' : '<'} ${formatValue(m, b)}`;
  }
  return { ...base, status: ok ? 'pass' : 'fail', value: x, why: null, text };
}

interface Applied {
  def: LimitDef;
  bound: number | boolean;
  level: Level;
  rule: string;
}

/** The limits in force for one connection: rules in order, a later one replacing an earlier one for the same limit and direction. */
function limitsFor(rules: readonly Rule[], traceName: string, c: ConnMetrics): Map<string, Applied> {
  const out = new Map<string, Applied>();
  for (const r of rules) {
    if (!traceMatches(r.select, traceName) || !connectionMatches(r.select, c)) continue;
    for (const l of r.limits) {
      const dirs = l.def.metric.scope === 'connection' ? [null] : r.select.dir ? [r.select.dir] : (['c2s', 's2c'] as const);
      for (const d of dirs) out.set(metricKey(l.def.flag, d), { def: l.def, bound: l.bound, level: r.level, rule: r.name });
    }
  }
  return out;
}

function minConnections(rules: readonly Rule[], traceName: string): { n: number; level: Level; rule: string } {
  let out = { n: 1, level: 'error' as Level, rule: 'default' };
  for (const r of rules) if (r.minConnections !== null && traceMatches(r.select, traceName)) out = { n: r.minConnections, level: r.level, rule: r.name };
  return out;
}

function* baselineOutcomes(t: TraceMetrics, entry: BaselineEntry, opts: EvalOptions): Generator<Outcome> {
  const seen = new Set<string>();
  for (const c of t.connections) {
    const key = String(c.conn);
    const b = entry.conns[key];
    if (b === undefined) {
      yield { trace: t.name, conn: c.conn, dir: null, check: 'baseline', metric: 'connection', level: 'error', status: 'new', value: null, bound: null, why: null, rule: 'baseline', text: `${prefix(t.name, c.conn, null)} new connection, not in the baseline` };
      continue;
    }
    seen.add(key);
    for (const s of c.metrics) {
      const mk = metricKey(s.metric, s.dir);
      if (!(mk in b.metrics)) continue;
      const was = b.metrics[mk]!;
      const m = metric(s.metric);
      const now = valueOf(s.v);
      const base = { trace: t.name, conn: c.conn, dir: s.dir, check: 'baseline', metric: s.metric, level: 'error' as Level, value: now, bound: was, rule: 'baseline' };
      const where = prefix(t.name, c.conn, s.dir);
      if ('na' in s.v) continue;
      if (now === null) {
        if (was === null) continue;
        const status = opts.allowUnknown ? 'allowed-unknown' : 'unknown';
        const why = 'unknown' in s.v ? s.v.unknown : '';
        yield { ...base, status, why, text: `${where} ${s.metric} unknown${status === 'unknown' ? '' : ' (allowed)'}: ${why} (baseline ${formatValue(m, was)})` };
        continue;
      }
      if (was === null) {
        yield { ...base, status: 'pass', why: 'unknown in the baseline', text: '' };
        continue;
      }
      let worse = 0;
      let margin = 0;
      if (typeof now === 'boolean' || typeof was === 'boolean') {
        worse = now === was ? 0 : now === true ? 1 : -1;
      } else {
        const delta = now - was;
        worse = m.worse === 'lower' ? -delta : delta;
        margin = m.strict ? 0 : Math.max(opts.tolerance * Math.abs(was), m.floor);
      }
      const change = `from ${formatValue(m, was)} to ${formatValue(m, now)}`;
      const allowance = typeof now === 'boolean' || typeof was === 'boolean' || m.strict ? '' : `; tolerance ${Number((opts.tolerance * 100).toFixed(4))}%, floor ${formatValue(m, m.floor)}`;
      if (worse > margin) yield { ...base, status: 'regressed', why: null, text: `${where} ${s.metric} regressed ${change} (baseline${allowance})` };
      else if (-worse > margin) yield { ...base, status: 'improved', why: null, text: `${where} ${s.metric} improved ${change}` };
      else yield { ...base, status: 'pass', why: null, text: '' };
    }
  }
  for (const key of Object.keys(entry.conns)) {
    if (seen.has(key)) continue;
    yield { trace: t.name, conn: Number(key), dir: null, check: 'baseline', metric: 'connection', level: 'error', status: 'regressed', value: false, bound: true, why: null, rule: 'baseline', text: `${prefix(t.name, Number(key), null)} connection missing (the baseline has ${entry.connections}, the trace ${t.connections.length})` };
  }
}

/** Every outcome for one trace, in a stable order: trace checks, then connections in order, limits in METRICS order. */
export function evaluate(t: TraceMetrics, rules: readonly Rule[], opts: EvalOptions): Outcome[] {
  return [...outcomesOf(t, rules, opts)];
}

/** The outcomes of `evaluate` one at a time: a trace of 100 k connections has 300 k of them with three limits, which the caller counts and mostly lets go. */
export function* outcomesOf(t: TraceMetrics, rules: readonly Rule[], opts: EvalOptions): Generator<Outcome> {
  if (t.error !== null) {
    yield { trace: t.name, conn: null, dir: null, check: 'read', metric: 'trace', level: 'error', status: 'error', value: null, bound: null, why: t.error, rule: '', text: `${t.given}: cannot be checked: ${t.error}` };
    return;
  }
  const mc = minConnections(rules, t.name);
  const n = t.connections.length;
  yield {
    trace: t.name,
    conn: null,
    dir: null,
    check: 'min-connections',
    metric: 'connections',
    level: mc.level,
    status: n >= mc.n ? 'pass' : 'fail',
    value: n,
    bound: mc.n,
    why: null,
    rule: mc.rule,
    text: n >= mc.n ? '' : `${mc.level === 'warn' ? 'warning: ' : ''}${t.name}: ${n} MPTCP connection${n === 1 ? '' : 's'} < ${mc.n}${n === 0 ? ' (no MPTCP connection in the capture)' : ''}`,
  };
  const order = new Map(METRICS.map((m, i) => [m.name, i]));
  for (const c of t.connections) {
    const applied = limitsFor(rules, t.name, c);
    const snaps = [...c.metrics].sort((a, b) => order.get(a.metric)! - order.get(b.metric)!);
    for (const s of snaps) {
      for (const [key, a] of applied) {
        if (a.def.metric.name !== s.metric || key !== metricKey(a.def.flag, s.dir)) continue;
        yield limitOutcome(t.name, c, s, a.def, a.bound, a.level, a.rule, opts.allowUnknown);
      }
    }
  }
  if (opts.baseline !== null && !opts.updating) yield* baselineOutcomes(t, opts.baseline, opts);
}

/** What --update-baseline records for a trace. */
export function baselineEntry(t: TraceMetrics): BaselineEntry {
  const conns: BaselineEntry['conns'] = {};
  for (const c of t.connections) {
    const metrics: Record<string, number | boolean | null> = {};
    for (const s of c.metrics) {
      if ('na' in s.v) continue;
      const v = valueOf(s.v);
      metrics[metricKey(s.metric, s.dir)] = typeof v === 'number' ? Number(v.toPrecision(12)) : v;
    }
    conns[String(c.conn)] = { endpoints: `${c.clientAddr}:${c.clientPort} -> ${c.serverAddr}:${c.serverPort}`, metrics };
  }
  return { connections: t.connections.length, conns };
}
